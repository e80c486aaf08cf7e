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
    /// Per node: 0 = no restart, r in crash+1..=EOT = restarts at r (only crashed nodes).
    restart: Vec<u64>,
    /// One bit per (src, dst, t) omission allowed under `crash` and `restart`.
    slots: Vec<(usize, usize, u64)>,
    mask: Vec<bool>,
    /// Indices into `windows`, strictly increasing.
    clogs: Vec<usize>,
    /// The swizzle, if any.
    swizzle: Option<SwizzleCursor>,
    /// Per node: 0 = no skew, i ≥ 1 = the (i−1)-th (time, offset) pair.
    skew: Vec<usize>,
    skew_offsets: Vec<i64>,
    done: bool,
}

/// One swizzle: a non-empty node subset (a bit mask) and one window per member, in the
/// order of `Enumerator::windows_of_one` per member.
#[derive(Clone)]
struct SwizzleCursor {
    subset: u64,
    /// Per member (ascending node index): index into the one-node window list.
    windows: Vec<usize>,
}

impl Enumerator {
    fn new(spec: FailureSpec, nodes: Vec<NodeId>) -> Self {
        let mut windows = Vec::new();
        if spec.max_clogs > 0 {
            for node in 0..nodes.len() {
                for (from, to) in one_node_windows(spec.eot) {
                    windows.push(Window { node, from, to });
                }
            }
        }
        let mut enumerator = Enumerator {
            crash: vec![0; nodes.len()],
            restart: vec![0; nodes.len()],
            skew: vec![0; nodes.len()],
            skew_offsets: spec.skew_offsets(),
            spec,
            nodes,
            windows,
            slots: Vec::new(),
            mask: Vec::new(),
            clogs: Vec::new(),
            swizzle: None,
            done: false,
        };
        enumerator.reset_slots();
        enumerator
    }

    /// Omission slots allowed by the current crash and restart choice: sends at
    /// 1 ≤ t < min(EFF, crash), and at restart ≤ t < EFF after a restart.
    fn reset_slots(&mut self) {
        self.slots.clear();
        let n = self.nodes.len();
        for src in 0..n {
            let (crash, restart) = (self.crash[src], self.restart[src]);
            let sends = (1..self.spec.eff)
                .filter(|&at| crash == 0 || at < crash || (restart > 0 && at >= restart));
            for at in sends {
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
            if self.restart[node] > 0 {
                faults.push(Fault::Restart {
                    node: self.nodes[node].clone(),
                    at: self.restart[node],
                });
            }
            if self.skew[node] > 0 {
                let (at, by_ns) = self.skew_choice(self.skew[node] - 1);
                faults.push(Fault::Skew {
                    node: self.nodes[node].clone(),
                    by_ns,
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
        if let Some(swizzle) = &self.swizzle {
            faults.push(self.swizzle_fault(swizzle));
        }
        faults.sort();
        faults
    }

    /// The (time, offset) of skew choice `i`: times 1..=EOT, each with every offset.
    fn skew_choice(&self, i: usize) -> (u64, i64) {
        let offsets = self.skew_offsets.len();
        ((i / offsets) as u64 + 1, self.skew_offsets[i % offsets])
    }

    fn swizzle_fault(&self, swizzle: &SwizzleCursor) -> Fault {
        let all = one_node_windows(self.spec.eot);
        let members: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| swizzle.subset & (1 << i) != 0)
            .collect();
        Fault::Swizzle {
            nodes: members.iter().map(|&i| self.nodes[i].clone()).collect(),
            clog_at: swizzle.windows.iter().map(|&w| all[w].0).collect(),
            unclog_at: swizzle.windows.iter().map(|&w| all[w].1).collect(),
        }
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

    /// Next swizzle (none → subsets in mask order, each with its well-shaped window tuples);
    /// false after the last.
    fn next_swizzle(&mut self) -> bool {
        if self.spec.max_swizzles == 0 || self.nodes.len() > 63 {
            return false;
        }
        let per_node = one_node_windows(self.spec.eot);
        if per_node.is_empty() {
            return false;
        }
        let full: u64 = (1u64 << self.nodes.len()) - 1;
        let mut cursor = match self.swizzle.take() {
            None => SwizzleCursor {
                subset: 1,
                windows: vec![0],
            },
            Some(mut cursor) => {
                if !advance_windows(&mut cursor.windows, per_node.len()) {
                    if cursor.subset == full {
                        return false;
                    }
                    cursor.subset += 1;
                    cursor.windows = vec![0; cursor.subset.count_ones() as usize];
                }
                cursor
            }
        };
        // Skip tuples without the shape (some clog after some unclog).
        loop {
            let shaped = {
                let last_clog = cursor.windows.iter().map(|&w| per_node[w].0).max();
                let first_unclog = cursor.windows.iter().map(|&w| per_node[w].1).min();
                matches!((last_clog, first_unclog), (Some(c), Some(u)) if c < u)
            };
            if shaped {
                self.swizzle = Some(cursor);
                return true;
            }
            if !advance_windows(&mut cursor.windows, per_node.len()) {
                if cursor.subset == full {
                    return false;
                }
                cursor.subset += 1;
                cursor.windows = vec![0; cursor.subset.count_ones() as usize];
            }
        }
    }

    /// Next assignment of skews (at most `max_skews` nodes); false after the last.
    fn next_skews(&mut self) -> bool {
        let choices = self.skew_offsets.len() * self.spec.eot as usize;
        if choices == 0 || self.spec.max_skews == 0 {
            return false;
        }
        let max = self.spec.max_skews as usize;
        loop {
            let mut carried = true;
            for s in self.skew.iter_mut() {
                if *s < choices {
                    *s += 1;
                    carried = false;
                    break;
                }
                *s = 0;
            }
            if carried {
                return false;
            }
            if self.skew.iter().filter(|&&s| s > 0).count() <= max {
                return true;
            }
        }
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

    /// Next restart assignment for the current crashes (at most `max_restarts`); false after
    /// the last.
    fn next_restarts(&mut self) -> bool {
        if self.spec.max_restarts == 0 {
            return false;
        }
        let (eot, max) = (self.spec.eot, self.spec.max_restarts as usize);
        loop {
            let mut carried = true;
            for (node, r) in self.restart.iter_mut().enumerate() {
                let crash = self.crash[node];
                if crash == 0 || crash >= eot {
                    continue;
                }
                if *r == 0 {
                    *r = crash + 1;
                    carried = false;
                    break;
                }
                if *r < eot {
                    *r += 1;
                    carried = false;
                    break;
                }
                *r = 0;
            }
            if carried {
                return false;
            }
            if self.restart.iter().filter(|&&r| r > 0).count() <= max {
                return true;
            }
        }
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
        if self.next_clogs() || self.next_swizzle() || self.next_skews() || self.next_mask() {
            return true;
        }
        if self.next_restarts() {
            self.reset_slots();
            return true;
        }
        if self.spec.max_crashes > 0 && self.next_crash() {
            self.restart.iter_mut().for_each(|r| *r = 0);
            self.reset_slots();
            return true;
        }
        false
    }
}

/// Every window [from, to) with 1 ≤ from < to ≤ EOT, in a fixed order.
fn one_node_windows(eot: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for from in 1..eot {
        for to in from + 1..=eot {
            out.push((from, to));
        }
    }
    out
}

/// Odometer over per-member window indices; false (and all zero) after the last.
fn advance_windows(windows: &mut [usize], per_node: usize) -> bool {
    for w in windows.iter_mut() {
        if *w + 1 < per_node {
            *w += 1;
            return true;
        }
        *w = 0;
    }
    false
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

/// `faults` in canonical form: sorted, swizzle members sorted by node, without omissions a
/// crash already implies (a crashed node sends nothing from its crash until its restart).
pub fn canonical(faults: &[Fault]) -> Vec<Fault> {
    let restart_at = |node: &str| {
        faults.iter().find_map(|f| match f {
            Fault::Restart { node: n, at } if n == node => Some(*at),
            _ => None,
        })
    };
    let crash_at = |node: &str| {
        faults.iter().find_map(|f| match f {
            Fault::Crash { node: n, at } if n == node => Some(*at),
            _ => None,
        })
    };
    let mut out: Vec<Fault> = faults
        .iter()
        .filter(|f| match f {
            Fault::Omission { src, at, .. } => {
                crash_at(src).is_none_or(|c| *at < c || restart_at(src).is_some_and(|r| *at >= r))
            }
            _ => true,
        })
        .cloned()
        .map(Fault::canonical)
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
            let spec = FailureSpec { eot, eff, max_crashes: crashes, max_clogs: clogs, ..FailureSpec::default() };
            check_enumeration(spec, n)?;
        }

        /// The same with restarts, a swizzle and skews in the spec.
        #[test]
        fn enumeration_with_restarts_swizzles_and_skews_matches_the_count(
            eot in 1u64..=4, eff_back in 0u64..=4, crashes in 0u32..=2, restarts in 0u32..=2,
            swizzles in 0u32..=1, skews in 0u32..=2, steps in 1u64..=2, n in 1usize..=3,
        ) {
            let eff = eot.saturating_sub(eff_back);
            let spec = FailureSpec {
                eot,
                eff,
                max_crashes: crashes,
                max_restarts: restarts,
                max_swizzles: swizzles,
                max_skews: skews,
                max_skew_ns: if skews > 0 { 10 * steps } else { 0 },
                skew_step_ns: if skews > 0 { 10 } else { 0 },
                ..FailureSpec::default()
            };
            check_enumeration(spec, n)?;
        }
    }

    fn check_enumeration(spec: FailureSpec, n: usize) -> Result<(), TestCaseError> {
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
        Ok(())
    }

    #[test]
    fn swizzles_of_two_nodes_in_three_steps() {
        // Windows of one node in 1..=3: [1,2) [1,3) [2,3). Two nodes with max(from) <
        // min(to): (1,2)+(1,2), (1,2)+(1,3), (1,3)+(1,2), (1,3)+(1,3), (1,3)+(2,3),
        // (2,3)+(1,3), (2,3)+(2,3): 7 tuples; one node: 3 windows each.
        assert_eq!(
            crate::swizzle_count(3, 2),
            num_bigint::BigUint::from(2 * 3 + 7u32)
        );
        let spec = FailureSpec {
            eot: 3,
            max_swizzles: 1,
            ..FailureSpec::default()
        };
        let swizzles: Vec<Vec<Fault>> = exhaustive_sets(spec, &nodes(2)).collect();
        assert_eq!(swizzles.len(), 1 + 13);
        assert!(swizzles.iter().flatten().all(Fault::is_well_formed_swizzle));
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
