//! The events a holding property rests on, for LDFI: the goal of a good run.

use std::collections::BTreeMap;

use super::{Proof, Sat};
use crate::eval::{Evaluation, Op};
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
    /// Proportional to the expanded proof: O(n · |φ|) for an outer `G`.
    pub fn goal_events(&self) -> Vec<u64> {
        let mut events: Vec<u64> = self.goal().into_iter().map(|goal| goal.event).collect();
        events.dedup();
        events
    }

    /// [`Evaluation::goal_events`] with, for each event, the node whose crash exempts it (see
    /// [`GoalEvent`]). An event needed both with and without an exemption is reported once,
    /// without one.
    pub fn goal(&self) -> Vec<GoalEvent> {
        let mut events: BTreeMap<usize, Option<String>> = BTreeMap::new();
        if let Proof::Holds(sat) = self.proof(0) {
            self.collect_sat(&sat, None, &mut events);
        }
        events
            .into_iter()
            .map(|(event, exempt_if_crashed)| GoalEvent {
                event: event as u64,
                exempt_if_crashed,
            })
            .collect()
    }

    fn collect_proof(
        &self,
        proof: &Proof,
        exempt: Option<&str>,
        events: &mut BTreeMap<usize, Option<String>>,
    ) {
        if let Proof::Holds(sat) = proof {
            self.collect_sat(sat, exempt, events);
        }
    }

    fn collect_range(
        &self,
        range: &super::Range,
        exempt: Option<&str>,
        events: &mut BTreeMap<usize, Option<String>>,
    ) {
        for proof in self.expand(range) {
            self.collect_proof(&proof, exempt, events);
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

    fn collect_sat(
        &self,
        sat: &Sat,
        exempt: Option<&str>,
        events: &mut BTreeMap<usize, Option<String>>,
    ) {
        match sat {
            Sat::Atom(atom) => {
                let index = self
                    .compiled
                    .atoms
                    .iter()
                    .position(|candidate| candidate.to_string() == atom.atom);
                // `crashed(n)` holds because a fault was injected, not because of anything the
                // system did: there is no lineage to break behind it.
                if index.is_some_and(|index| matches!(self.compiled.atoms[index], Atom::Crashed(_)))
                {
                    return;
                }
                let since = index
                    .and_then(|index| self.atom_bits[index].prev(atom.at, false))
                    .map_or(0, |broken| broken + 1);
                let exempt = exempt.map(str::to_string);
                // Needed without an exemption anywhere ⇒ needed without one.
                let entry = events.entry(since).or_insert_with(|| exempt.clone());
                if exempt.is_none() {
                    *entry = None;
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
                self.collect_sat(left, exempt, events);
                self.collect_sat(right, exempt, events);
            }
            Sat::OrRight { right, left_sub } => {
                let exempt = self.crash_disjunct(*left_sub).or(exempt);
                self.collect_sat(right, exempt, events);
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
            | Sat::Label { sub, .. } => self.collect_sat(sub, exempt, events),
            Sat::Always { held, .. }
            | Sat::WeakUntilForever { held, .. }
            | Sat::ReleaseForever { held, .. }
            | Sat::Historically { held, .. }
            | Sat::AlwaysWithin { held, .. } => self.collect_range(held, exempt, events),
            Sat::Until { sub, held, .. }
            | Sat::ReleaseBy { sub, held, .. }
            | Sat::Since { sub, held, .. } => {
                self.collect_sat(sub, exempt, events);
                self.collect_range(held, exempt, events);
            }
            Sat::Forall { cases, .. } => {
                for case in cases {
                    self.collect_sat(&case.proof, exempt, events);
                }
            }
        }
    }
}
