//! An independent proof checker: walks a proof beside the formula, re-reads every atom from
//! the model, checks every witness position and time window, and checks summarised ranges by
//! asking for their per-event proofs and checking those in turn. It shares no code with the
//! evaluator's passes or proof extraction.

use super::{Case, Proof, Range, Sat, Viol, Window};
use crate::eval::Model;
use crate::syntax::{Atom, Formula, Interval, NodeRef, Term};

/// Why a proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("proof rejected at event {at}: {message}")]
pub struct ProofError {
    /// The event the rejected step is about.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

/// Checks that `proof` proves `formula` at event `at` of `model`. `expand` materialises the
/// per-event proofs of a summarised range (use [`crate::Evaluation::expand`]).
///
/// Returns whether the fully expanded proof contains an end-of-trace leaf (the verdict is
/// presumptive).
///
/// # Errors
///
/// A [`ProofError`] naming the first step that does not follow from the trace.
pub fn check_proof(
    proof: &Proof,
    formula: &Formula,
    at: usize,
    model: &dyn Model,
    expand: &dyn Fn(&Range) -> Vec<Proof>,
) -> Result<bool, ProofError> {
    let checker = Checker { model, expand };
    let mut env = Vec::new();
    match proof {
        Proof::Holds(sat) => checker.sat(sat, formula, at, &mut env),
        Proof::Fails(viol) => checker.viol(viol, formula, at, &mut env),
    }
}

struct Checker<'a> {
    model: &'a dyn Model,
    expand: &'a dyn Fn(&Range) -> Vec<Proof>,
}

type Env = Vec<(String, String)>;

fn reject<T>(at: usize, message: impl Into<String>) -> Result<T, ProofError> {
    Err(ProofError {
        at,
        message: message.into(),
    })
}

fn ensure(condition: bool, at: usize, message: &str) -> Result<(), ProofError> {
    if condition {
        Ok(())
    } else {
        reject(at, message)
    }
}

fn bind_node(node: &NodeRef, env: &Env) -> NodeRef {
    env.iter()
        .rev()
        .find(|(var, _)| *var == node.0)
        .map_or_else(|| node.clone(), |(_, value)| NodeRef(value.clone()))
}

fn bind_term(term: &Term, env: &Env) -> Term {
    match term {
        Term::State { node, side, path } => Term::State {
            node: bind_node(node, env),
            side: *side,
            path: path.clone(),
        },
        Term::Name(node) => Term::Name(bind_node(node, env)),
        other => other.clone(),
    }
}

fn bind_atom(atom: &Atom, env: &Env) -> Atom {
    match atom {
        Atom::Compare(l, op, r) => Atom::Compare(bind_term(l, env), *op, bind_term(r, env)),
        Atom::Truthy(term) => Atom::Truthy(bind_term(term, env)),
        Atom::Changed(node, path) => Atom::Changed(bind_node(node, env), path.clone()),
        Atom::Crashed(node) => Atom::Crashed(bind_node(node, env)),
    }
}

impl Checker<'_> {
    fn len(&self) -> usize {
        self.model.event_count()
    }

    fn atom(
        &self,
        proof: &super::AtomProof,
        atom: &Atom,
        at: usize,
        env: &Env,
        holds: bool,
    ) -> Result<bool, ProofError> {
        let bound = bind_atom(atom, env);
        ensure(proof.at == at, at, "atom read at the wrong event")?;
        ensure(
            proof.atom == bound.to_string(),
            at,
            "atom text differs from the formula",
        )?;
        ensure(
            self.model.atom_holds(&bound, at) == holds,
            at,
            &format!("atom `{bound}` has the other truth value"),
        )?;
        ensure(
            proof.observed == self.model.observe(&bound, at),
            at,
            "observed values differ from the trace",
        )?;
        Ok(false)
    }

    /// Checks a summarised range of `formula` over exactly `[from, end)`.
    fn range(
        &self,
        range: &Range,
        formula: &Formula,
        (from, end): (usize, usize),
        holds: bool,
        env: &mut Env,
    ) -> Result<bool, ProofError> {
        if end <= from {
            ensure(range.is_empty(), from, "range should be empty")?;
        } else {
            ensure(
                range.from == from && range.end == end,
                from,
                "range bounds are wrong",
            )?;
        }
        ensure(range.holds == holds, from, "range has the wrong polarity")?;
        let proofs = (self.expand)(range);
        ensure(
            proofs.len() == range.len(),
            from,
            "expansion has the wrong length",
        )?;
        let mut presumed = false;
        for (offset, proof) in proofs.iter().enumerate() {
            let at = range.from + offset;
            presumed |= match (proof, holds) {
                (Proof::Holds(sat), true) => self.sat(sat, formula, at, env)?,
                (Proof::Fails(viol), false) => self.viol(viol, formula, at, env)?,
                _ => return reject(at, "expanded proof has the wrong polarity"),
            };
        }
        Ok(presumed)
    }

    fn times(&self, at: usize) -> u64 {
        self.model.time_ns(at)
    }

    /// Events in `[from, end)` whose time is within `[lo, hi]` (exact bounds, which may lie
    /// past u64::MAX).
    fn events_in(&self, from: usize, end: usize, lo: u128, hi: u128) -> (usize, usize) {
        let inside: Vec<usize> = (from..end)
            .filter(|&j| (lo..=hi).contains(&u128::from(self.times(j))))
            .collect();
        match (inside.first(), inside.last()) {
            (Some(&first), Some(&last)) => (first, last + 1),
            _ => (0, 0),
        }
    }

    /// Checks a future metric proof's window and truncation flag at `at`; the events inside.
    ///
    /// The window `[t+a, t+b]` is computed exactly: an end past u64::MAX takes in every later
    /// event (shown clipped to u64::MAX), a start past it leaves the window empty (`None`), and
    /// such a window is never cut off by the end of the trace since no event can be that late.
    fn future_window_span(
        &self,
        interval: &Interval,
        at: usize,
        window: &Option<Window>,
        truncated: bool,
    ) -> Result<(usize, usize), ProofError> {
        let t = u128::from(self.times(at));
        let (lo, hi) = (
            t + u128::from(interval.lo_ns),
            t + u128::from(interval.hi_ns),
        );
        let expected = u64::try_from(lo).ok().map(|from_ns| Window {
            from_ns,
            to_ns: u64::try_from(hi).unwrap_or(u64::MAX),
        });
        ensure(*window == expected, at, "wrong window")?;
        let last = self.len() - 1;
        let expected_truncated = expected.is_some() && u128::from(self.times(last)) < hi;
        ensure(truncated == expected_truncated, at, "wrong truncation")?;
        Ok(self.events_in(at, self.len(), lo, hi))
    }

    fn sat(
        &self,
        proof: &Sat,
        formula: &Formula,
        at: usize,
        env: &mut Env,
    ) -> Result<bool, ProofError> {
        let len = self.len();
        let last = len - 1;
        match (proof, formula) {
            (Sat::True { at: a }, Formula::True) => {
                ensure(*a == at, at, "wrong event").map(|()| false)
            }
            (Sat::Last { at: a }, Formula::Last) => {
                ensure(*a == at && at == last, at, "not the last event").map(|()| false)
            }
            (Sat::Atom(p), Formula::Atom(atom)) => self.atom(p, atom, at, env, true),
            (Sat::Not { sub }, Formula::Not(f)) => self.viol(sub, f, at, env),
            (Sat::And { left, right }, Formula::And(f, g)) => {
                Ok(self.sat(left, f, at, env)? | self.sat(right, g, at, env)?)
            }
            (Sat::OrLeft { left }, Formula::Or(f, _)) => self.sat(left, f, at, env),
            (Sat::OrRight { right, .. }, Formula::Or(_, g)) => self.sat(right, g, at, env),
            (Sat::ImpliesVacuous { premise }, Formula::Implies(f, _)) => {
                self.viol(premise, f, at, env)
            }
            (Sat::ImpliesThen { conclusion }, Formula::Implies(_, g)) => {
                self.sat(conclusion, g, at, env)
            }
            (Sat::IffBoth { left, right }, Formula::Iff(f, g)) => {
                Ok(self.sat(left, f, at, env)? | self.sat(right, g, at, env)?)
            }
            (Sat::IffNeither { left, right }, Formula::Iff(f, g)) => {
                Ok(self.viol(left, f, at, env)? | self.viol(right, g, at, env)?)
            }
            (Sat::Next { at: a, sub }, Formula::Next(f))
            | (Sat::WeakNext { at: a, sub }, Formula::WeakNext(f)) => {
                ensure(*a == at && at < last, at, "next past the end")?;
                self.sat(sub, f, at + 1, env)
            }
            (Sat::WeakNextAtEnd { at: a }, Formula::WeakNext(_)) => ensure(
                *a == at && at == last,
                at,
                "weak next end leaf not at the end",
            )
            .map(|()| true),
            (
                Sat::Eventually {
                    at: a,
                    witness,
                    sub,
                },
                Formula::Eventually(f),
            ) => {
                ensure(
                    *a == at && *witness >= at && *witness < len,
                    at,
                    "bad witness",
                )?;
                self.sat(sub, f, *witness, env)
            }
            (Sat::Always { at: a, held }, Formula::Always(f)) => {
                ensure(*a == at, at, "wrong event")?;
                self.range(held, f, (at, len), true, env)
            }
            (
                Sat::Until {
                    at: a,
                    witness,
                    sub,
                    held,
                },
                Formula::Until(f, g) | Formula::WeakUntil(f, g),
            ) => {
                ensure(
                    *a == at && *witness >= at && *witness < len,
                    at,
                    "bad witness",
                )?;
                Ok(self.sat(sub, g, *witness, env)?
                    | self.range(held, f, (at, *witness), true, env)?)
            }
            (Sat::WeakUntilForever { at: a, held }, Formula::WeakUntil(f, _)) => {
                ensure(*a == at, at, "wrong event")?;
                self.range(held, f, (at, len), true, env)
            }
            (
                Sat::ReleaseBy {
                    at: a,
                    witness,
                    sub,
                    held,
                },
                Formula::Release(f, g),
            ) => {
                ensure(
                    *a == at && *witness >= at && *witness < len,
                    at,
                    "bad witness",
                )?;
                Ok(self.sat(sub, f, *witness, env)?
                    | self.range(held, g, (at, witness + 1), true, env)?)
            }
            (Sat::ReleaseForever { at: a, held }, Formula::Release(_, g)) => {
                ensure(*a == at, at, "wrong event")?;
                self.range(held, g, (at, len), true, env)
            }
            (Sat::Yesterday { at: a, sub }, Formula::Yesterday(f))
            | (Sat::WeakYesterday { at: a, sub }, Formula::WeakYesterday(f)) => {
                ensure(*a == at && at > 0, at, "yesterday before the start")?;
                self.sat(sub, f, at - 1, env)
            }
            (Sat::WeakYesterdayAtStart { at: a }, Formula::WeakYesterday(_)) => ensure(
                *a == at && at == 0,
                at,
                "weak yesterday leaf not at the start",
            )
            .map(|()| false),
            (
                Sat::Once {
                    at: a,
                    witness,
                    sub,
                },
                Formula::Once(f),
            ) => {
                ensure(*a == at && *witness <= at, at, "bad witness")?;
                self.sat(sub, f, *witness, env)
            }
            (Sat::Historically { at: a, held }, Formula::Historically(f)) => {
                ensure(*a == at, at, "wrong event")?;
                self.range(held, f, (0, at + 1), true, env)
            }
            (
                Sat::Since {
                    at: a,
                    witness,
                    sub,
                    held,
                },
                Formula::Since(f, g),
            ) => {
                ensure(*a == at && *witness <= at, at, "bad witness")?;
                Ok(self.sat(sub, g, *witness, env)?
                    | self.range(held, f, (witness + 1, at + 1), true, env)?)
            }
            (
                Sat::EventuallyWithin {
                    at: a,
                    witness,
                    dt_ns,
                    sub,
                },
                Formula::EventuallyWithin(w, f),
            ) => {
                let dt = self.times(*witness.min(&last)).checked_sub(self.times(at));
                ensure(
                    *a == at && *witness >= at && *witness < len,
                    at,
                    "bad witness",
                )?;
                ensure(
                    dt == Some(*dt_ns) && (w.lo_ns..=w.hi_ns).contains(dt_ns),
                    at,
                    "witness outside the window",
                )?;
                self.sat(sub, f, *witness, env)
            }
            (
                Sat::AlwaysWithin {
                    at: a,
                    window,
                    held,
                    truncated,
                },
                Formula::AlwaysWithin(w, f),
            ) => {
                ensure(*a == at, at, "wrong event")?;
                let (from, end) = self.future_window_span(w, at, window, *truncated)?;
                Ok(self.range(held, f, (from, end), true, env)? | truncated)
            }
            (
                Sat::OnceWithin {
                    at: a,
                    witness,
                    dt_ns,
                    sub,
                },
                Formula::OnceWithin(w, f),
            ) => {
                ensure(*a == at && *witness <= at, at, "bad witness")?;
                let dt = self.times(at).checked_sub(self.times(*witness));
                ensure(
                    dt == Some(*dt_ns) && (w.lo_ns..=w.hi_ns).contains(dt_ns),
                    at,
                    "witness outside the window",
                )?;
                self.sat(sub, f, *witness, env)
            }
            (Sat::Forall { var, cases }, Formula::Forall(v, f)) => {
                ensure(var == v, at, "wrong variable")?;
                self.cases(cases, v, f, at, env, |c, p, f, at, env| {
                    c.sat(p, f, at, env)
                })
            }
            (Sat::Exists { var, node, sub }, Formula::Exists(v, f)) => {
                ensure(
                    var == v && self.model.nodes().contains(node),
                    at,
                    "unknown witness node",
                )?;
                env.push((v.clone(), node.clone()));
                let result = self.sat(sub, f, at, env);
                env.pop();
                result
            }
            (Sat::Label { label, sub }, Formula::Label(l, f)) => {
                ensure(label == l, at, "wrong label")?;
                self.sat(sub, f, at, env)
            }
            _ => reject(
                at,
                format!("proof step does not match the formula `{formula}`"),
            ),
        }
    }

    fn cases<P>(
        &self,
        cases: &[Case<P>],
        var: &str,
        formula: &Formula,
        at: usize,
        env: &mut Env,
        check: impl Fn(&Self, &P, &Formula, usize, &mut Env) -> Result<bool, ProofError>,
    ) -> Result<bool, ProofError> {
        let nodes: Vec<&String> = cases.iter().map(|case| &case.node).collect();
        let expected: Vec<&String> = self.model.nodes().iter().collect();
        ensure(
            nodes == expected,
            at,
            "quantifier cases are not the trace's nodes",
        )?;
        let mut presumed = false;
        for case in cases {
            env.push((var.to_string(), case.node.clone()));
            let result = check(self, &case.proof, formula, at, env);
            env.pop();
            presumed |= result?;
        }
        Ok(presumed)
    }

    fn viol(
        &self,
        proof: &Viol,
        formula: &Formula,
        at: usize,
        env: &mut Env,
    ) -> Result<bool, ProofError> {
        let len = self.len();
        let last = len - 1;
        match (proof, formula) {
            (Viol::False { at: a }, Formula::False) => {
                ensure(*a == at, at, "wrong event").map(|()| false)
            }
            (Viol::NotLast { at: a }, Formula::Last) => {
                ensure(*a == at && at < last, at, "is the last event").map(|()| false)
            }
            (Viol::Atom(p), Formula::Atom(atom)) => self.atom(p, atom, at, env, false),
            (Viol::Not { sub }, Formula::Not(f)) => self.sat(sub, f, at, env),
            (Viol::AndLeft { left }, Formula::And(f, _)) => self.viol(left, f, at, env),
            (Viol::AndRight { right }, Formula::And(_, g)) => self.viol(right, g, at, env),
            (Viol::Or { left, right }, Formula::Or(f, g)) => {
                Ok(self.viol(left, f, at, env)? | self.viol(right, g, at, env)?)
            }
            (
                Viol::Implies {
                    premise,
                    conclusion,
                },
                Formula::Implies(f, g),
            ) => Ok(self.sat(premise, f, at, env)? | self.viol(conclusion, g, at, env)?),
            (Viol::IffLeft { left, right }, Formula::Iff(f, g)) => {
                Ok(self.sat(left, f, at, env)? | self.viol(right, g, at, env)?)
            }
            (Viol::IffRight { left, right }, Formula::Iff(f, g)) => {
                Ok(self.viol(left, f, at, env)? | self.sat(right, g, at, env)?)
            }
            (Viol::Next { at: a, sub }, Formula::Next(f))
            | (Viol::WeakNext { at: a, sub }, Formula::WeakNext(f)) => {
                ensure(*a == at && at < last, at, "next past the end")?;
                self.viol(sub, f, at + 1, env)
            }
            (Viol::NextAtEnd { at: a }, Formula::Next(_)) => {
                ensure(*a == at && at == last, at, "next end leaf not at the end").map(|()| true)
            }
            (Viol::Eventually { at: a, never }, Formula::Eventually(f)) => {
                ensure(*a == at, at, "wrong event")?;
                self.range(never, f, (at, len), false, env).map(|_| true)
            }
            (
                Viol::Always {
                    at: a,
                    failing,
                    sub,
                },
                Formula::Always(f),
            ) => {
                ensure(
                    *a == at && *failing >= at && *failing < len,
                    at,
                    "bad failing event",
                )?;
                self.viol(sub, f, *failing, env)
            }
            (
                Viol::UntilBlocked {
                    at: a,
                    blocker,
                    sub,
                    waited,
                },
                Formula::Until(f, g) | Formula::WeakUntil(f, g),
            ) => {
                ensure(
                    *a == at && *blocker >= at && *blocker < len,
                    at,
                    "bad blocker",
                )?;
                Ok(self.viol(sub, f, *blocker, env)?
                    | self.range(waited, g, (at, blocker + 1), false, env)?)
            }
            (Viol::UntilExhausted { at: a, waited }, Formula::Until(_, g)) => {
                ensure(*a == at, at, "wrong event")?;
                self.range(waited, g, (at, len), false, env).map(|_| true)
            }
            (
                Viol::ReleaseBroken {
                    at: a,
                    failing,
                    sub,
                    waited,
                },
                Formula::Release(f, g),
            ) => {
                ensure(
                    *a == at && *failing >= at && *failing < len,
                    at,
                    "bad failing event",
                )?;
                Ok(self.viol(sub, g, *failing, env)?
                    | self.range(waited, f, (at, *failing), false, env)?)
            }
            (Viol::Yesterday { at: a, sub }, Formula::Yesterday(f))
            | (Viol::WeakYesterday { at: a, sub }, Formula::WeakYesterday(f)) => {
                ensure(*a == at && at > 0, at, "yesterday before the start")?;
                self.viol(sub, f, at - 1, env)
            }
            (Viol::YesterdayAtStart { at: a }, Formula::Yesterday(_)) => {
                ensure(*a == at && at == 0, at, "not the first event").map(|()| false)
            }
            (Viol::Once { at: a, never }, Formula::Once(f)) => {
                ensure(*a == at, at, "wrong event")?;
                self.range(never, f, (0, at + 1), false, env)
            }
            (
                Viol::Historically {
                    at: a,
                    failing,
                    sub,
                },
                Formula::Historically(f),
            ) => {
                ensure(*a == at && *failing <= at, at, "bad failing event")?;
                self.viol(sub, f, *failing, env)
            }
            (
                Viol::SinceBlocked {
                    at: a,
                    blocker,
                    sub,
                    waited,
                },
                Formula::Since(f, g),
            ) => {
                ensure(*a == at && *blocker <= at, at, "bad blocker")?;
                Ok(self.viol(sub, f, *blocker, env)?
                    | self.range(waited, g, (*blocker, at + 1), false, env)?)
            }
            (Viol::SinceNever { at: a, never }, Formula::Since(_, g)) => {
                ensure(*a == at, at, "wrong event")?;
                self.range(never, g, (0, at + 1), false, env)
            }
            (
                Viol::EventuallyWithin {
                    at: a,
                    window,
                    never,
                    truncated,
                },
                Formula::EventuallyWithin(w, f),
            ) => {
                ensure(*a == at, at, "wrong event")?;
                let (from, end) = self.future_window_span(w, at, window, *truncated)?;
                Ok(self.range(never, f, (from, end), false, env)? | truncated)
            }
            (
                Viol::AlwaysWithin {
                    at: a,
                    failing,
                    dt_ns,
                    sub,
                },
                Formula::AlwaysWithin(w, f),
            ) => {
                ensure(
                    *a == at && *failing >= at && *failing < len,
                    at,
                    "bad failing event",
                )?;
                let dt = self.times(*failing).checked_sub(self.times(at));
                ensure(
                    dt == Some(*dt_ns) && (w.lo_ns..=w.hi_ns).contains(dt_ns),
                    at,
                    "failing event outside the window",
                )?;
                self.viol(sub, f, *failing, env)
            }
            (
                Viol::OnceWithin {
                    at: a,
                    window,
                    never,
                },
                Formula::OnceWithin(w, f),
            ) => {
                // `[t-b, t-a]`: a start below 0 takes in every earlier event (shown as 0), an end
                // below 0 leaves the window empty (`None`).
                let t = self.times(at);
                let expected = t.checked_sub(w.lo_ns).map(|to_ns| Window {
                    from_ns: t.saturating_sub(w.hi_ns),
                    to_ns,
                });
                ensure(*a == at && *window == expected, at, "wrong window")?;
                let (from, end) = match expected {
                    Some(window) => {
                        self.events_in(0, at + 1, window.from_ns.into(), window.to_ns.into())
                    }
                    None => (0, 0),
                };
                if from == end {
                    ensure(never.is_empty(), at, "window should be empty")?;
                    return Ok(false);
                }
                self.range(never, f, (from, end), false, env)
            }
            (Viol::Forall { var, node, sub }, Formula::Forall(v, f)) => {
                ensure(
                    var == v && self.model.nodes().contains(node),
                    at,
                    "unknown failing node",
                )?;
                env.push((v.clone(), node.clone()));
                let result = self.viol(sub, f, at, env);
                env.pop();
                result
            }
            (Viol::Exists { var, cases }, Formula::Exists(v, f)) => {
                ensure(var == v, at, "wrong variable")?;
                self.cases(cases, v, f, at, env, |c, p, f, at, env| {
                    c.viol(p, f, at, env)
                })
            }
            (Viol::Label { label, sub }, Formula::Label(l, f)) => {
                ensure(label == l, at, "wrong label")?;
                self.viol(sub, f, at, env)
            }
            _ => reject(
                at,
                format!("refutation step does not match the formula `{formula}`"),
            ),
        }
    }
}
