//! The evaluator against a brute-force reference (the textbook LTLf semantics, quadratic),
//! position by position, on proptest-generated formulas and traces; every proof is checked by
//! the independent checker, whose presumptive flag must match the evaluator's.

use std::collections::BTreeMap;

use faultline_ltl::{Bits, Evaluation, Formula, Interval, PropTrace, check_proof, parse_formula};
use proptest::prelude::*;

const NAMES: [&str; 3] = ["p", "q", "r"];

struct Ref<'a> {
    events: &'a [[bool; 3]],
    times: &'a [u64],
}

impl Ref<'_> {
    fn at(&self, f: &Formula, i: usize) -> bool {
        let n = self.events.len();
        let last = n - 1;
        match f {
            Formula::True => true,
            Formula::False => false,
            Formula::Last => i == last,
            Formula::Atom(atom) => {
                let name = atom.to_string();
                let k = NAMES.iter().position(|x| *x == name).expect("known atom");
                self.events[i][k]
            }
            Formula::Not(a) => !self.at(a, i),
            Formula::And(a, b) => self.at(a, i) && self.at(b, i),
            Formula::Or(a, b) => self.at(a, i) || self.at(b, i),
            Formula::Implies(a, b) => !self.at(a, i) || self.at(b, i),
            Formula::Iff(a, b) => self.at(a, i) == self.at(b, i),
            Formula::Next(a) => i < last && self.at(a, i + 1),
            Formula::WeakNext(a) => i == last || self.at(a, i + 1),
            Formula::Eventually(a) => (i..n).any(|j| self.at(a, j)),
            Formula::Always(a) => (i..n).all(|j| self.at(a, j)),
            Formula::Until(a, b) => (i..n).any(|j| self.at(b, j) && (i..j).all(|k| self.at(a, k))),
            Formula::WeakUntil(a, b) => {
                self.at(&Formula::Until(a.clone(), b.clone()), i) || (i..n).all(|j| self.at(a, j))
            }
            Formula::Release(a, b) => {
                // ¬(¬a U ¬b)
                !(i..n).any(|j| !self.at(b, j) && (i..j).all(|k| !self.at(a, k)))
            }
            Formula::Yesterday(a) => i > 0 && self.at(a, i - 1),
            Formula::WeakYesterday(a) => i == 0 || self.at(a, i - 1),
            Formula::Once(a) => (0..=i).any(|j| self.at(a, j)),
            Formula::Historically(a) => (0..=i).all(|j| self.at(a, j)),
            Formula::Since(a, b) => {
                (0..=i).any(|j| self.at(b, j) && (j + 1..=i).all(|k| self.at(a, k)))
            }
            Formula::EventuallyWithin(w, a) => (i..n).any(|j| {
                let dt = self.times[j] - self.times[i];
                w.lo_ns <= dt && dt <= w.hi_ns && self.at(a, j)
            }),
            Formula::AlwaysWithin(w, a) => (i..n).all(|j| {
                let dt = self.times[j] - self.times[i];
                !(w.lo_ns <= dt && dt <= w.hi_ns) || self.at(a, j)
            }),
            Formula::OnceWithin(w, a) => (0..=i).any(|j| {
                let dt = self.times[i] - self.times[j];
                w.lo_ns <= dt && dt <= w.hi_ns && self.at(a, j)
            }),
            Formula::Forall(_, a) | Formula::Exists(_, a) | Formula::Label(_, a) => {
                // PropTrace has no nodes: forall is vacuously true, exists false.
                match f {
                    Formula::Forall(..) => true,
                    Formula::Exists(..) => false,
                    _ => self.at(a, i),
                }
            }
        }
    }
}

fn formula_strategy() -> impl Strategy<Value = Formula> {
    let small = (0u64..4, 0u64..4).prop_map(|(a, w)| Interval {
        lo_ns: a,
        hi_ns: a + w,
    });
    formula_strategy_with(small.boxed())
}

/// Window bounds that make `t + a`, `t + b` overflow u64 near u64::MAX, or not.
fn wide_window() -> BoxedStrategy<Interval> {
    let bound = prop_oneof![
        0u64..4,
        (u64::MAX - 4)..=u64::MAX,
        Just(u64::MAX / 2),
        any::<u64>(),
    ];
    (bound.clone(), bound)
        .prop_map(|(a, b)| Interval {
            lo_ns: a.min(b),
            hi_ns: a.max(b),
        })
        .boxed()
}

fn formula_strategy_with(window: BoxedStrategy<Interval>) -> impl Strategy<Value = Formula> {
    let leaf = prop_oneof![
        6 => (0..3usize).prop_map(|k| parse_formula(NAMES[k]).expect("atom parses")),
        1 => Just(Formula::True),
        1 => Just(Formula::False),
        1 => Just(Formula::Last),
    ];
    leaf.prop_recursive(4, 24, 2, move |inner| {
        let b = |f: Formula| Box::new(f);
        let window = window.clone();
        prop_oneof![
            inner.clone().prop_map(move |a| Formula::Not(b(a))),
            (inner.clone(), inner.clone()).prop_map(move |(a, c)| Formula::And(b(a), b(c))),
            (inner.clone(), inner.clone()).prop_map(move |(a, c)| Formula::Or(b(a), b(c))),
            (inner.clone(), inner.clone()).prop_map(move |(a, c)| Formula::Implies(b(a), b(c))),
            (inner.clone(), inner.clone()).prop_map(move |(a, c)| Formula::Iff(b(a), b(c))),
            inner.clone().prop_map(move |a| Formula::Next(b(a))),
            inner.clone().prop_map(move |a| Formula::WeakNext(b(a))),
            inner.clone().prop_map(move |a| Formula::Eventually(b(a))),
            inner.clone().prop_map(move |a| Formula::Always(b(a))),
            (inner.clone(), inner.clone()).prop_map(move |(a, c)| Formula::Until(b(a), b(c))),
            (inner.clone(), inner.clone()).prop_map(move |(a, c)| Formula::WeakUntil(b(a), b(c))),
            (inner.clone(), inner.clone()).prop_map(move |(a, c)| Formula::Release(b(a), b(c))),
            inner.clone().prop_map(move |a| Formula::Yesterday(b(a))),
            inner
                .clone()
                .prop_map(move |a| Formula::WeakYesterday(b(a))),
            inner.clone().prop_map(move |a| Formula::Once(b(a))),
            inner.clone().prop_map(move |a| Formula::Historically(b(a))),
            (inner.clone(), inner.clone()).prop_map(move |(a, c)| Formula::Since(b(a), b(c))),
            (window.clone(), inner.clone())
                .prop_map(move |(w, a)| Formula::EventuallyWithin(w, b(a))),
            (window.clone(), inner.clone()).prop_map(move |(w, a)| Formula::AlwaysWithin(w, b(a))),
            (window, inner.clone()).prop_map(move |(w, a)| Formula::OnceWithin(w, b(a))),
            inner
                .clone()
                .prop_map(move |a| Formula::Label("l".into(), b(a))),
        ]
    })
}

fn trace_strategy() -> impl Strategy<Value = (Vec<[bool; 3]>, Vec<u64>)> {
    (1usize..9).prop_flat_map(|len| {
        (
            prop::collection::vec(any::<[bool; 3]>(), len),
            prop::collection::vec(0u64..3, len).prop_map(|steps| {
                // Non-decreasing times with repeats (several events per timestamp).
                steps
                    .iter()
                    .scan(0, |t, s| {
                        *t += s;
                        Some(*t)
                    })
                    .collect()
            }),
        )
    })
}

/// Times ending at or just below u64::MAX, several events per timestamp, or (one case in
/// four) starting at 0 with the same small steps: with a wide window both overflow.
fn late_trace_strategy() -> impl Strategy<Value = (Vec<[bool; 3]>, Vec<u64>)> {
    (1usize..9).prop_flat_map(|len| {
        (
            prop::collection::vec(any::<[bool; 3]>(), len),
            prop::collection::vec(0u64..3, len),
            0u64..3,
            prop::bool::weighted(0.75),
        )
            .prop_map(|(events, steps, slack, late)| {
                let total: u64 = steps.iter().sum::<u64>() + slack;
                let start = if late { u64::MAX - total } else { 0 };
                let times = steps
                    .iter()
                    .scan(start, |t, s| {
                        *t += s;
                        Some(*t)
                    })
                    .collect();
                (events, times)
            })
    })
}

fn prop_trace(events: &[[bool; 3]], times: &[u64]) -> PropTrace {
    let props = NAMES
        .iter()
        .enumerate()
        .map(|(k, name)| {
            (
                name.to_string(),
                Bits::from_fn(events.len(), |i| events[i][k]),
            )
        })
        .collect::<BTreeMap<_, _>>();
    PropTrace::new(props, times.to_vec())
}

fn compare_everywhere(formula: &Formula, events: &[[bool; 3]], times: &[u64]) {
    let trace = prop_trace(events, times);
    let evaluation = Evaluation::new(formula, &trace, "prop").expect("evaluates");
    let reference = Ref { events, times };
    for i in 0..events.len() {
        let expected = reference.at(formula, i);
        assert_eq!(
            evaluation.holds(i),
            expected,
            "verdict of `{formula}` at {i} on {events:?} {times:?}"
        );
        let proof = evaluation.proof(i);
        assert_eq!(proof.holds(), expected);
        let presumed = check_proof(&proof, formula, i, &trace, &|r| evaluation.expand(r))
            .unwrap_or_else(|err| panic!("`{formula}` at {i}: {err}\n{proof:#?}"));
        assert_eq!(
            evaluation.presumptive(i),
            presumed,
            "presumptive flag of `{formula}` at {i}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn evaluator_matches_reference_and_proofs_check(
        formula in formula_strategy(),
        (events, times) in trace_strategy(),
    ) {
        compare_everywhere(&formula, &events, &times);
    }

    /// Metric windows are exact near u64::MAX: a window past it holds no event, one reaching
    /// past it every later event (saturating arithmetic once got both wrong, and produced
    /// proofs the checker rejected).
    #[test]
    fn metric_windows_near_u64_max_match_reference_and_proofs_check(
        formula in formula_strategy_with(wide_window()),
        (events, times) in late_trace_strategy(),
    ) {
        compare_everywhere(&formula, &events, &times);
    }

    #[test]
    fn display_round_trips_through_the_parser(formula in formula_strategy()) {
        let text = formula.to_string();
        let back = parse_formula(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
        prop_assert_eq!(back, formula);
    }
}

#[test]
fn a_tampered_proof_is_rejected() {
    let events = [
        [true, false, false],
        [true, false, false],
        [false, true, false],
    ];
    let times = [0, 1, 2];
    let trace = prop_trace(&events, &times);
    let formula = parse_formula("F q").expect("parses");
    let evaluation = Evaluation::new(&formula, &trace, "t").expect("evaluates");
    let proof = evaluation.proof(0);
    let text = serde_json::to_string(&proof).expect("serialises");
    assert!(text.contains("\"witness\":2"), "{text}");
    // Move the witness to an event where q does not hold.
    let faultline_ltl::Proof::Holds(faultline_ltl::Sat::Eventually { at, sub, .. }) = proof else {
        panic!("expected an eventually witness");
    };
    let forged = faultline_ltl::Proof::Holds(faultline_ltl::Sat::Eventually {
        at,
        witness: 1,
        sub,
    });
    assert!(check_proof(&forged, &formula, 0, &trace, &|r| evaluation.expand(r)).is_err());
}
