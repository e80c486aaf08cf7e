//! The events a holding property rests on, for LDFI: the goal of a good run.

use std::collections::BTreeSet;

use super::{Proof, Sat};
use crate::eval::Evaluation;

impl Evaluation<'_> {
    /// The events a holding verdict at event 0 rests on, ascending: for every atom that holds
    /// in the proof (summarised ranges expanded, only the parts that say why it *holds*), the
    /// event from which that atom has held without a break up to where the proof reads it.
    ///
    /// For `"hello" in @b'.log` read at the last event, that is the event that put `"hello"`
    /// into b's log (a `deliver` at b, or the broadcaster's own event). For the delivery specs
    /// in `specs/` these are the events where each node first logged the payload, which is the
    /// good outcome whose lineage LDFI tries to break. Empty when the property fails.
    ///
    /// # Complexity
    ///
    /// Proportional to the expanded proof: O(n · |φ|) for an outer `G`.
    pub fn goal_events(&self) -> Vec<u64> {
        let mut events = BTreeSet::new();
        if let Proof::Holds(sat) = self.proof(0) {
            self.collect_sat(&sat, &mut events);
        }
        events.into_iter().map(|event| event as u64).collect()
    }

    fn collect_proof(&self, proof: &Proof, events: &mut BTreeSet<usize>) {
        if let Proof::Holds(sat) = proof {
            self.collect_sat(sat, events);
        }
    }

    fn collect_range(&self, range: &super::Range, events: &mut BTreeSet<usize>) {
        for proof in self.expand(range) {
            self.collect_proof(&proof, events);
        }
    }

    fn collect_sat(&self, sat: &Sat, events: &mut BTreeSet<usize>) {
        match sat {
            Sat::Atom(atom) => {
                let index = self
                    .compiled
                    .atoms
                    .iter()
                    .position(|candidate| candidate.to_string() == atom.atom);
                let since = index
                    .and_then(|index| self.atom_bits[index].prev(atom.at, false))
                    .map_or(0, |broken| broken + 1);
                events.insert(since);
            }
            Sat::True { .. }
            | Sat::Last { .. }
            | Sat::WeakNextAtEnd { .. }
            | Sat::WeakYesterdayAtStart { .. }
            | Sat::Not { .. }
            | Sat::ImpliesVacuous { .. }
            | Sat::IffNeither { .. } => {}
            Sat::And { left, right } | Sat::IffBoth { left, right } => {
                self.collect_sat(left, events);
                self.collect_sat(right, events);
            }
            Sat::OrLeft { left: sub }
            | Sat::OrRight { right: sub }
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
            | Sat::Label { sub, .. } => self.collect_sat(sub, events),
            Sat::Always { held, .. }
            | Sat::WeakUntilForever { held, .. }
            | Sat::ReleaseForever { held, .. }
            | Sat::Historically { held, .. }
            | Sat::AlwaysWithin { held, .. } => self.collect_range(held, events),
            Sat::Until { sub, held, .. }
            | Sat::ReleaseBy { sub, held, .. }
            | Sat::Since { sub, held, .. } => {
                self.collect_sat(sub, events);
                self.collect_range(held, events);
            }
            Sat::Forall { cases, .. } => {
                for case in cases {
                    self.collect_sat(&case.proof, events);
                }
            }
        }
    }
}
