//! Every admissible fault set of a failure spec, in a fixed order: the ground truth that every
//! other strategy is tested against (`explore --strategy exhaustive`).
//!
//! The sets are canonical — a crashed node omits nothing it would have sent at or after its
//! crash (such an omission changes nothing) — so each distinct run-changing choice appears
//! once, and their number is [`crate::exact_count_spec`].

use faultline_trace::{FailureSpec, Fault, NodeId};

/// One clog window of one node.
#[derive(Clone)]
struct Window {
    node: usize,
    from: u64,
    to: u64,
}

/// Iterates over every admissible fault set of `spec` over `nodes`, each sorted, the empty set
/// first. Lazy: a space of 10¹⁸ sets can be iterated as far as a bound allows.
pub fn exhaustive_sets(spec: FailureSpec, nodes: &[NodeId]) -> impl Iterator<Item = Vec<Fault>> {
    Enumerator::new(spec, nodes.to_vec())
}

struct Enumerator {
    spec: FailureSpec,
    nodes: Vec<NodeId>,
    windows: Vec<Window>,
    /// Per node: 0 = never crashes, c in 1..=EOT = crashes at c.
    crash: Vec<u64>,
    /// One bit per (src, dst, t) omission allowed under `crash`.
    slots: Vec<(usize, usize, u64)>,
    mask: Vec<bool>,
    /// Indices into `windows`, strictly increasing.
    clogs: Vec<usize>,
    done: bool,
}

impl Enumerator {
    fn new(spec: FailureSpec, nodes: Vec<NodeId>) -> Self {
        let mut windows = Vec::new();
        if spec.max_clogs > 0 {
            for node in 0..nodes.len() {
                for from in 1..spec.eot {
                    for to in from + 1..=spec.eot {
                        windows.push(Window { node, from, to });
                    }
                }
            }
        }
        let mut enumerator = Enumerator {
            crash: vec![0; nodes.len()],
            spec,
            nodes,
            windows,
            slots: Vec::new(),
            mask: Vec::new(),
            clogs: Vec::new(),
            done: false,
        };
        enumerator.reset_slots();
        enumerator
    }

    /// Omission slots allowed by the current crash choice: sends at 1 ≤ t < min(EFF, crash).
    fn reset_slots(&mut self) {
        self.slots.clear();
        let n = self.nodes.len();
        for src in 0..n {
            let end = match self.crash[src] {
                0 => self.spec.eff,
                c => self.spec.eff.min(c),
            };
            for at in 1..end {
                for dst in (0..n).filter(|&dst| dst != src) {
                    self.slots.push((src, dst, at));
                }
            }
        }
        self.mask = vec![false; self.slots.len()];
    }

    fn current(&self) -> Vec<Fault> {
        let mut faults = Vec::new();
        for (node, &at) in self.crash.iter().enumerate() {
            if at > 0 {
                faults.push(Fault::Crash {
                    node: self.nodes[node].clone(),
                    at,
                });
            }
        }
        for (&(src, dst, at), _) in self.slots.iter().zip(&self.mask).filter(|(_, on)| **on) {
            faults.push(Fault::Omission {
                src: self.nodes[src].clone(),
                dst: self.nodes[dst].clone(),
                at,
            });
        }
        for &index in &self.clogs {
            let window = &self.windows[index];
            faults.push(Fault::Clog {
                node: self.nodes[window.node].clone(),
                from: window.from,
                to: window.to,
            });
        }
        faults.sort();
        faults
    }

    /// Next combination of at most `max_clogs` windows (lexicographic); false after the last.
    fn next_clogs(&mut self) -> bool {
        let total = self.windows.len();
        let max = self.spec.max_clogs as usize;
        // Grow: append the next window after the last one.
        if self.clogs.len() < max.min(total) {
            let next = self.clogs.last().map_or(0, |&last| last + 1);
            if next < total {
                self.clogs.push(next);
                return true;
            }
        }
        // Otherwise advance the last element, dropping exhausted tails.
        while let Some(last) = self.clogs.pop() {
            if last + 1 < total {
                self.clogs.push(last + 1);
                return true;
            }
        }
        false
    }

    fn next_mask(&mut self) -> bool {
        for bit in self.mask.iter_mut() {
            if *bit {
                *bit = false;
            } else {
                *bit = true;
                return true;
            }
        }
        false
    }

    fn next_crash(&mut self) -> bool {
        let eot = self.spec.eot;
        let max = self.spec.max_crashes as usize;
        loop {
            let mut carried = true;
            for c in self.crash.iter_mut() {
                if *c < eot {
                    *c += 1;
                    carried = false;
                    break;
                }
                *c = 0;
            }
            if carried {
                return false;
            }
            if self.crash.iter().filter(|&&c| c > 0).count() <= max {
                return true;
            }
        }
    }

    fn advance(&mut self) -> bool {
        if self.next_clogs() {
            return true;
        }
        if self.next_mask() {
            return true;
        }
        if self.spec.max_crashes > 0 && self.next_crash() {
            self.reset_slots();
            return true;
        }
        false
    }
}

impl Iterator for Enumerator {
    type Item = Vec<Fault>;

    fn next(&mut self) -> Option<Vec<Fault>> {
        if self.done {
            return None;
        }
        let set = self.current();
        self.done = !self.advance();
        Some(set)
    }
}

/// The subset-minimal sets among `sets` (each sorted), in order of size then value.
pub fn minimal_sets(sets: &[Vec<Fault>]) -> Vec<Vec<Fault>> {
    let mut sorted: Vec<&Vec<Fault>> = sets.iter().collect();
    sorted.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    sorted.dedup();
    let mut minimal: Vec<Vec<Fault>> = Vec::new();
    for set in sorted {
        let has_smaller = minimal
            .iter()
            .any(|small| small.iter().all(|f| set.binary_search(f).is_ok()));
        if !has_smaller {
            minimal.push(set.clone());
        }
    }
    minimal
}

/// `faults` in canonical form: sorted, without omissions a crash already implies (a crashed
/// node sends nothing at or after its crash).
pub fn canonical(faults: &[Fault]) -> Vec<Fault> {
    let crash_at = |node: &str| {
        faults.iter().find_map(|f| match f {
            Fault::Crash { node: n, at } if n == node => Some(*at),
            _ => None,
        })
    };
    let mut out: Vec<Fault> = faults
        .iter()
        .filter(|f| match f {
            Fault::Omission { src, at, .. } => crash_at(src).is_none_or(|c| *at < c),
            _ => true,
        })
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::{FaultModel, exact_count_spec};

    fn nodes(n: usize) -> Vec<NodeId> {
        ["a", "b", "c", "d"][..n]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    proptest! {
        /// The enumeration is exactly the admissible canonical sets, each once, and their number
        /// is the exact count `estimate` prints.
        #[test]
        fn enumeration_matches_the_count_and_the_model(
            eot in 1u64..=4, eff_back in 0u64..=4, crashes in 0u32..=2, clogs in 0u32..=1,
            n in 1usize..=3,
        ) {
            let eff = eot.saturating_sub(eff_back);
            let spec = FailureSpec { eot, eff, max_crashes: crashes, max_clogs: clogs };
            let nodes = nodes(n);
            let count = exact_count_spec(&spec, n as u64);
            prop_assume!(count <= num_bigint::BigUint::from(50_000u32));
            let model = FaultModel::new(spec);
            let mut seen = BTreeSet::new();
            for set in exhaustive_sets(spec, &nodes) {
                prop_assert!(model.respects_spec(&set), "{set:?}");
                prop_assert_eq!(canonical(&set), set.clone());
                prop_assert!(seen.insert(set));
            }
            prop_assert_eq!(num_bigint::BigUint::from(seen.len()), count);
        }
    }

    #[test]
    fn minimal_sets_drop_supersets_only() {
        let o = |at| Fault::Omission {
            src: "a".into(),
            dst: "b".into(),
            at,
        };
        let sets = vec![vec![o(1), o(2)], vec![o(2)], vec![o(1), o(3)], vec![o(3)]];
        assert_eq!(minimal_sets(&sets), vec![vec![o(2)], vec![o(3)]]);
    }
}
