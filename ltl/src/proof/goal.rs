//! The events a holding property rests on, for LDFI: the goal of a good run.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::eval::{Bits, Evaluation, Id, Op};
use crate::syntax::Atom;

/// One event a holding property rests on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoalEvent {
    /// The event index from which the atom has held.
    pub event: u64,
    /// The node whose crash would make the property hold without this event: the atom sits in
    /// the right disjunct of `crashed(n) || …` or `O crashed(n) || …` (for example the
    /// delivery specs' `O crashed(m) || "hello" in @m'.log`). LDFI then does not count crashing
    /// that node as breaking this part of the outcome.
    pub exempt_if_crashed: Option<String>,
}

/// The node whose crash exempts a goal (`None`: needed whatever crashes).
type Exempt = Option<String>;

impl Evaluation<'_> {
    /// The events a holding verdict at event 0 rests on, ascending: for every atom that holds
    /// in the proof (summarised ranges expanded, only the parts that say why it *holds*), the
    /// event from which that atom has held without a break up to where the proof reads it.
    ///
    /// For `"hello" in @b'.log` read at the last event, that is the event that put `"hello"`
    /// into b's log (a `deliver` at b, or the broadcaster's own event). For the delivery specs
    /// in `specs/` these are the events where each node first logged the payload, which is the
    /// good outcome whose lineage LDFI tries to break. `crashed(n)` atoms are left out: they
    /// hold because of an injected fault, not because of the system. Empty when the property
    /// fails.
    ///
    /// # Complexity
    ///
    /// O(n · |φ|) for n events and |φ| compiled subformulas (times the number of distinct crash
    /// exemptions, usually 1 or 2), whatever the nesting: the proof is never expanded, each
    /// subformula's part of it is read off the verdict bitsets in one sweep (see
    /// `proof::demand`).
    pub fn goal_events(&self) -> Vec<u64> {
        let mut events: Vec<u64> = self.goal().into_iter().map(|goal| goal.event).collect();
        events.dedup();
        events
    }

    /// [`Evaluation::goal_events`] with, for each event, the node whose crash exempts it (see
    /// [`GoalEvent`]). An event needed both with and without an exemption is reported once,
    /// without one; so is an event needed under two different exemptions (crashing either
    /// node alone would still leave the other part needing it).
    pub fn goal(&self) -> Vec<GoalEvent> {
        let mut events: BTreeMap<usize, Exempt> = BTreeMap::new();
        if !self.holds(0) {
            return Vec::new();
        }
        let len = self.event_count();
        let root = self.compiled.root as usize;
        // Per subformula, per exemption: the events where the proof shows that it *holds*,
        // reached from the root through holding parts only (what the old proof walk visited).
        let mut demands: Vec<Vec<(Exempt, Bits)>> = vec![Vec::new(); root + 1];
        demands[root].push((None, Bits::from_fn(len, |at| at == 0)));
        for id in (0..=root).rev() {
            for (exempt, demand) in std::mem::take(&mut demands[id]) {
                if !demand.any() {
                    continue;
                }
                if let Op::Atom(index) = self.op(id as Id) {
                    self.atom_goals(*index, &demand, &exempt, &mut events);
                    continue;
                }
                for read in self.child_reads(id as Id, &demand) {
                    // A child proved where it fails is a refutation: its atoms are no goal.
                    let holding = read.events.zip(self.bits(read.child), |e, v| e & v);
                    if !holding.any() {
                        continue;
                    }
                    let exempt = match (read.or_right, self.op(id as Id)) {
                        (true, Op::Or(left, _)) => self
                            .crash_disjunct(*left)
                            .map(str::to_string)
                            .or_else(|| exempt.clone()),
                        _ => exempt.clone(),
                    };
                    let slot = &mut demands[read.child as usize];
                    match slot.iter_mut().find(|(other, _)| *other == exempt) {
                        Some((_, events)) => events.union_with(&holding),
                        None => slot.push((exempt, holding)),
                    }
                }
            }
        }
        events
            .into_iter()
            .map(|(event, exempt_if_crashed)| GoalEvent {
                event: event as u64,
                exempt_if_crashed,
            })
            .collect()
    }

    /// Adds, for atom `index` proved to hold at the events of `demand`, the event from which it
    /// has held without a break.
    fn atom_goals(
        &self,
        index: usize,
        demand: &Bits,
        exempt: &Exempt,
        events: &mut BTreeMap<usize, Exempt>,
    ) {
        // `crashed(n)` holds because a fault was injected, not because of anything the system
        // did: there is no lineage to break behind it.
        if matches!(self.compiled.atoms[index], Atom::Crashed(_)) {
            return;
        }
        let bits = &self.atom_bits[index];
        let mut since = 0;
        let mut next_demanded = demand.next(0, true);
        for at in 0..bits.len() {
            let Some(wanted) = next_demanded else {
                break;
            };
            if !bits.get(at) {
                since = at + 1;
            }
            if at == wanted {
                // Needed without an exemption anywhere, or under two different ones, means
                // needed whatever crashes.
                match events.entry(since) {
                    Entry::Vacant(slot) => {
                        slot.insert(exempt.clone());
                    }
                    Entry::Occupied(mut slot) => {
                        if slot.get() != exempt {
                            slot.insert(None);
                        }
                    }
                }
                next_demanded = demand.next(at + 1, true);
            }
        }
    }

    /// The node `n` when subformula `id` is `crashed(n)` or `O crashed(n)`.
    fn crash_disjunct(&self, id: u32) -> Option<&str> {
        let atom = match self.op(id) {
            Op::Atom(index) => *index,
            Op::Once(inner) => match self.op(*inner) {
                Op::Atom(index) => *index,
                _ => return None,
            },
            _ => return None,
        };
        match &self.compiled.atoms[atom] {
            Atom::Crashed(node) => Some(node.0.as_str()),
            _ => None,
        }
    }
}

/// The goal as it was first computed, by walking the proof with every summarised range
/// expanded (exponential in the nesting of `G`/`H`): the specification `goal()` must match.
#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::GoalEvent;
    use crate::eval::Evaluation;
    use crate::proof::{Proof, Range, Sat};
    use crate::syntax::{Atom, Formula, Interval};
    use crate::{Bits, PropTrace, TraceModel, parse_formula};

    type Events = BTreeMap<usize, Option<String>>;

    fn expanded_goal(evaluation: &Evaluation<'_>) -> Vec<GoalEvent> {
        let mut events = Events::new();
        if let Proof::Holds(sat) = evaluation.proof(0) {
            collect_sat(evaluation, &sat, None, &mut events);
        }
        events
            .into_iter()
            .map(|(event, exempt_if_crashed)| GoalEvent {
                event: event as u64,
                exempt_if_crashed,
            })
            .collect()
    }

    fn collect_range(e: &Evaluation<'_>, range: &Range, exempt: Option<&str>, out: &mut Events) {
        for proof in e.expand(range) {
            if let Proof::Holds(sat) = &proof {
                collect_sat(e, sat, exempt, out);
            }
        }
    }

    fn collect_sat(e: &Evaluation<'_>, sat: &Sat, exempt: Option<&str>, out: &mut Events) {
        match sat {
            Sat::Atom(atom) => {
                let index = e
                    .compiled
                    .atoms
                    .iter()
                    .position(|candidate| candidate.to_string() == atom.atom);
                if index.is_some_and(|index| matches!(e.compiled.atoms[index], Atom::Crashed(_))) {
                    return;
                }
                let since = index
                    .and_then(|index| e.atom_bits[index].prev(atom.at, false))
                    .map_or(0, |broken| broken + 1);
                let exempt = exempt.map(str::to_string);
                match out.get(&since) {
                    None => {
                        out.insert(since, exempt);
                    }
                    // The one deliberate change: two different exemptions merge to none.
                    Some(other) if *other != exempt => {
                        out.insert(since, None);
                    }
                    Some(_) => {}
                }
            }
            Sat::True { .. }
            | Sat::Last { .. }
            | Sat::WeakNextAtEnd { .. }
            | Sat::WeakYesterdayAtStart { .. }
            | Sat::Not { .. }
            | Sat::ImpliesVacuous { .. }
            | Sat::IffNeither { .. } => {}
            Sat::And { left, right } | Sat::IffBoth { left, right } => {
                collect_sat(e, left, exempt, out);
                collect_sat(e, right, exempt, out);
            }
            Sat::OrRight { right, left_sub } => {
                let exempt = e.crash_disjunct(*left_sub).or(exempt);
                collect_sat(e, right, exempt, out);
            }
            Sat::OrLeft { left: sub }
            | Sat::ImpliesThen { conclusion: sub }
            | Sat::Next { sub, .. }
            | Sat::WeakNext { sub, .. }
            | Sat::Eventually { sub, .. }
            | Sat::Yesterday { sub, .. }
            | Sat::WeakYesterday { sub, .. }
            | Sat::Once { sub, .. }
            | Sat::EventuallyWithin { sub, .. }
            | Sat::OnceWithin { sub, .. }
            | Sat::Exists { sub, .. }
            | Sat::Label { sub, .. } => collect_sat(e, sub, exempt, out),
            Sat::Always { held, .. }
            | Sat::WeakUntilForever { held, .. }
            | Sat::ReleaseForever { held, .. }
            | Sat::Historically { held, .. }
            | Sat::AlwaysWithin { held, .. } => collect_range(e, held, exempt, out),
            Sat::Until { sub, held, .. }
            | Sat::ReleaseBy { sub, held, .. }
            | Sat::Since { sub, held, .. } => {
                collect_sat(e, sub, exempt, out);
                collect_range(e, held, exempt, out);
            }
            Sat::Forall { cases, .. } => {
                for case in cases {
                    collect_sat(e, &case.proof, exempt, out);
                }
            }
        }
    }

    fn formula_strategy() -> impl Strategy<Value = Formula> {
        let leaf = prop_oneof![
            4 => (0..3usize).prop_map(|k| parse_formula(["p", "q", "r"][k]).expect("atom")),
            1 => Just(Formula::True),
            1 => Just(Formula::Last),
        ];
        leaf.prop_recursive(5, 32, 2, |inner| {
            let b = |f: Formula| Box::new(f);
            let window = (0u64..4, 0u64..4).prop_map(|(lo, w)| Interval {
                lo_ns: lo,
                hi_ns: lo + w,
            });
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
                (inner.clone(), inner.clone())
                    .prop_map(move |(a, c)| Formula::WeakUntil(b(a), b(c))),
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
                (window.clone(), inner.clone())
                    .prop_map(move |(w, a)| Formula::AlwaysWithin(w, b(a))),
                (window, inner.clone()).prop_map(move |(w, a)| Formula::OnceWithin(w, b(a))),
            ]
        })
    }

    fn prop_trace(events: &[[bool; 3]], times: &[u64]) -> PropTrace {
        let props = ["p", "q", "r"]
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let bits = Bits::from_fn(events.len(), |i| events[i][k]);
                (name.to_string(), bits)
            })
            .collect();
        PropTrace::new(props, times.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn goal_matches_the_expanded_proof_walk(
            formula in formula_strategy(),
            events in prop::collection::vec(any::<[bool; 3]>(), 1..9),
            steps in prop::collection::vec(0u64..3, 9),
        ) {
            let times: Vec<u64> = steps[..events.len()]
                .iter()
                .scan(0, |t, s| { *t += s; Some(*t) })
                .collect();
            let trace = prop_trace(&events, &times);
            let evaluation = Evaluation::new(&formula, &trace, "t").expect("evaluates");
            prop_assert_eq!(evaluation.goal(), expanded_goal(&evaluation), "{}", formula);
        }
    }

    /// Real traces, where quantifiers and `crashed` disjuncts give crash exemptions.
    #[test]
    fn goal_matches_the_expanded_proof_walk_on_delivery_runs() {
        use faultline_harness::{Fault, RunConfig};
        let formulas = [
            "G (last -> (\"pre\": exists n. n != a && !O crashed(n) && \"hello\" in @n'.log) \
             -> (\"post\": forall m. O crashed(m) || \"hello\" in @m'.log))",
            "forall m. G (crashed(m) || changed(@m.log) || WX !changed(@m.log))",
            "forall m. F (O crashed(m) || \"hello\" in @m'.log) && H (crashed(a) || true)",
            "G (forall n. exists m. crashed(n) || O crashed(m) || $.kind != \"deliver\" || \
             \"hello\" in @n'.log)",
        ];
        let faults: [Vec<Fault>; 4] = [
            vec![],
            vec![Fault::Crash {
                node: "c".into(),
                at: 2,
            }],
            vec![
                Fault::Omission {
                    src: "a".into(),
                    dst: "b".into(),
                    at: 1,
                },
                Fault::Crash {
                    node: "a".into(),
                    at: 3,
                },
            ],
            vec![Fault::Crash {
                node: "b".into(),
                at: 1,
            }],
        ];
        let mut compared = 0;
        for name in [
            "simple-deliv",
            "retry-deliv",
            "redun-deliv",
            "ack-deliv",
            "classic-deliv",
        ] {
            let sut = faultline_suts::get(name).expect("registered");
            for faults in &faults {
                let config = RunConfig::new(7, sut.default_spec().eot).with_faults(faults.clone());
                let trace = sut.run(&config).expect("runs");
                let model = TraceModel::new(&trace).expect("folds");
                for text in formulas {
                    let formula = parse_formula(text).expect("parses");
                    let evaluation = Evaluation::new(&formula, &model, "t").expect("evaluates");
                    let goal = evaluation.goal();
                    assert_eq!(goal, expanded_goal(&evaluation), "{name} {faults:?} {text}");
                    compared += usize::from(goal.iter().any(|g| g.exempt_if_crashed.is_some()));
                }
            }
        }
        assert!(compared > 0, "some goals carry crash exemptions");
    }

    /// The old walk expanded `G (H H H φ)` into n^4/24 proofs: hours at 10^4 events. The
    /// bitset walk reads each subformula once; so does this test, or the suite times out.
    #[test]
    fn goal_of_nested_always_and_historically_is_linear() {
        let n = 10_000;
        // p from event 100 on; q only at event 5000.
        let p = Bits::from_fn(n, |i| i >= 100);
        let q = Bits::from_fn(n, |i| i == 5_000);
        let r = Bits::zeros(n);
        let trace = PropTrace::new(
            BTreeMap::from([("p".into(), p), ("q".into(), q), ("r".into(), r)]),
            (0..n as u64).collect(),
        );
        let goal = |text: &str| {
            let formula = parse_formula(text).expect("parses");
            let evaluation = Evaluation::new(&formula, &trace, "t").expect("evaluates");
            assert!(evaluation.holds(0), "{text}");
            evaluation.goal_events()
        };
        // At the last event, (O q -> p) must have held at every event: vacuously before q at
        // 5000, then because of p, which has held since event 100.
        assert_eq!(goal("G (last -> H H H (O q -> p))"), vec![100]);
        // p where it holds (from 100 on), else `!O q`, a negation: no goal of its own.
        assert_eq!(goal("G G G (p || !O q)"), vec![100]);
        // r never holds: nothing holds because of the system.
        assert_eq!(goal("G (H H H !r)"), Vec::<u64>::new());
    }
}
