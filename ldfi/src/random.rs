//! The random baseline: fault sets drawn from Molly's fault model, the comparison the LDFI
//! paper makes.

use faultline_trace::{FailureSpec, Fault, NodeId};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Draws random admissible fault sets for a failure spec from one seed (ChaCha8, portable).
pub struct RandomFaults {
    rng: ChaCha8Rng,
    nodes: Vec<NodeId>,
    spec: FailureSpec,
}

impl RandomFaults {
    /// A generator over `nodes` for `spec`, seeded with `seed`.
    pub fn new(seed: u64, nodes: Vec<NodeId>, spec: FailureSpec) -> Self {
        RandomFaults {
            rng: ChaCha8Rng::seed_from_u64(seed),
            nodes,
            spec,
        }
    }

    fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0);
        // Rejection sampling keeps the draw uniform.
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let x = self.rng.next_u64();
            if x < zone {
                return x % bound;
            }
        }
    }

    /// One fault set, sampled as Molly's gross estimate counts them: `max_crashes` crash-prone
    /// nodes chosen uniformly, each crashing at round c in 1..=EOT or never (c = EOT+1) with
    /// weight 2^((N−1)·min(EFF, c−1)); then every message sent before min(EFF, crash) is lost
    /// with probability 1/2. Sorted.
    pub fn next_set(&mut self) -> Vec<Fault> {
        let node_count = self.nodes.len();
        let mut order: Vec<usize> = (0..node_count).collect();
        let crash_prone = (self.spec.max_crashes as usize).min(node_count);
        for i in 0..crash_prone {
            let j = i + self.below((node_count - i) as u64) as usize;
            order.swap(i, j);
        }
        let mut faults = Vec::new();
        let mut crash_at = vec![u64::MAX; node_count];
        for &node in &order[..crash_prone] {
            let c = self.crash_round(node_count);
            if c <= self.spec.eot {
                crash_at[node] = c;
                faults.push(Fault::Crash {
                    node: self.nodes[node].clone(),
                    at: c,
                });
            }
        }
        for (src, &crashed_at) in crash_at.iter().enumerate() {
            let last = self.spec.eff.min(crashed_at);
            for at in 1..last {
                for dst in (0..node_count).filter(|&dst| dst != src) {
                    if self.rng.next_u64() & 1 == 1 {
                        faults.push(Fault::Omission {
                            src: self.nodes[src].clone(),
                            dst: self.nodes[dst].clone(),
                            at,
                        });
                    }
                }
            }
        }
        self.extra_faults(&crash_at, &mut faults);
        faults.sort();
        faults
    }

    /// Clogs, restarts, a swizzle and skews, when the spec admits them (no draw otherwise, so specs
    /// without them sample exactly as before): each crashed node restarts with probability
    /// 1/2 (uniform time after its crash, within `max_restarts`); a swizzle with probability
    /// 1/2 (each node in it with probability 1/2, at least one; a uniform pivot, each member
    /// clogged from a uniform time up to it until a uniform time after it); up to
    /// `max_skews` uniform nodes each skewed with probability 1/2 (uniform time and offset).
    fn extra_faults(&mut self, crash_at: &[u64], faults: &mut Vec<Fault>) {
        let eot = self.spec.eot;
        // Each of `max_clogs` clogs with probability 1/2: a uniform node and window.
        if eot >= 2 {
            for _ in 0..self.spec.max_clogs {
                if self.rng.next_u64() & 1 == 1 {
                    let node = self.below(self.nodes.len() as u64) as usize;
                    let from = 1 + self.below(eot - 1);
                    let to = from + 1 + self.below(eot - from);
                    let clog = Fault::Clog {
                        node: self.nodes[node].clone(),
                        from,
                        to,
                    };
                    if !faults.contains(&clog) {
                        faults.push(clog);
                    }
                }
            }
        }
        let mut restarts = 0;
        for (node, &crash) in crash_at.iter().enumerate() {
            if restarts < self.spec.max_restarts
                && crash < eot
                && self.spec.max_restarts > 0
                && self.rng.next_u64() & 1 == 1
            {
                restarts += 1;
                faults.push(Fault::Restart {
                    node: self.nodes[node].clone(),
                    at: crash + 1 + self.below(eot - crash),
                });
            }
        }
        if self.spec.max_swizzles > 0 && eot >= 2 && self.rng.next_u64() & 1 == 1 {
            let count = self.nodes.len() as u64;
            let mut members: Vec<usize> = (0..self.nodes.len())
                .filter(|_| self.rng.next_u64() & 1 == 1)
                .collect();
            if members.is_empty() {
                members.push(self.below(count) as usize);
            }
            // The pivot p: every clog starts at or before it and ends after it.
            let pivot = 1 + self.below(eot - 1);
            let mut fault = Fault::Swizzle {
                nodes: Vec::new(),
                clog_at: Vec::new(),
                unclog_at: Vec::new(),
            };
            for node in members {
                let from = 1 + self.below(pivot);
                let to = pivot + 1 + self.below(eot - pivot);
                if let Fault::Swizzle {
                    nodes,
                    clog_at,
                    unclog_at,
                } = &mut fault
                {
                    nodes.push(self.nodes[node].clone());
                    clog_at.push(from);
                    unclog_at.push(to);
                }
            }
            faults.push(fault);
        }
        let offsets = self.spec.skew_offsets();
        if !offsets.is_empty() {
            let mut order: Vec<usize> = (0..self.nodes.len()).collect();
            let skew_prone = (self.spec.max_skews as usize).min(order.len());
            for i in 0..skew_prone {
                let j = i + self.below((order.len() - i) as u64) as usize;
                order.swap(i, j);
                if self.rng.next_u64() & 1 == 1 {
                    let at = 1 + self.below(eot);
                    let by_ns = offsets[self.below(offsets.len() as u64) as usize];
                    faults.push(Fault::Skew {
                        node: self.nodes[order[i]].clone(),
                        by_ns,
                        at,
                    });
                }
            }
        }
    }

    /// A crash round in 1..=EOT+1 (EOT+1 = never) weighted by its omission patterns.
    fn crash_round(&mut self, node_count: usize) -> u64 {
        let bits_per_round = node_count.saturating_sub(1) as f64;
        let weights: Vec<f64> = (1..=self.spec.eot + 1)
            .map(|c| (bits_per_round * self.spec.eff.min(c - 1) as f64).exp2())
            .collect();
        let total: f64 = weights.iter().sum();
        // 53 random bits: a uniform draw in [0, 1).
        let mut draw = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        for (index, weight) in weights.iter().enumerate() {
            if draw < *weight {
                return index as u64 + 1;
            }
            draw -= weight;
        }
        self.spec.eot + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(eot: u64, eff: u64, max_crashes: u32) -> FailureSpec {
        FailureSpec {
            eot,
            eff,
            max_crashes,
            max_clogs: 0,
            ..FailureSpec::default()
        }
    }

    #[test]
    fn same_seed_same_sets_and_every_set_is_admissible() {
        let nodes: Vec<NodeId> = vec!["a".into(), "b".into(), "c".into()];
        let mut one = RandomFaults::new(7, nodes.clone(), spec(6, 3, 1));
        let mut two = RandomFaults::new(7, nodes, spec(6, 3, 1));
        for _ in 0..200 {
            let set = one.next_set();
            assert_eq!(set, two.next_set());
            let crashes = set
                .iter()
                .filter(|f| matches!(f, Fault::Crash { .. }))
                .count();
            assert!(crashes <= 1);
            for fault in &set {
                match fault {
                    Fault::Omission { at, .. } => assert!(*at >= 1 && *at < 3),
                    Fault::Crash { at, .. } => assert!(*at >= 1 && *at <= 6),
                    other => panic!("unexpected fault {other}"),
                }
            }
        }
    }

    #[test]
    fn omission_free_spec_draws_only_crashes() {
        let nodes: Vec<NodeId> = vec!["a".into(), "b".into()];
        let mut random = RandomFaults::new(1, nodes, spec(3, 0, 1));
        let mut crash_count = 0;
        for _ in 0..100 {
            let set = random.next_set();
            assert!(set.len() <= 1);
            crash_count += set.len();
        }
        // 3 of the 4 equally likely outcomes crash.
        assert!((50..=95).contains(&crash_count), "{crash_count}");
    }

    #[test]
    fn draws_every_admitted_kind_and_respects_the_spec() {
        let spec = FailureSpec {
            eot: 8,
            eff: 3,
            max_crashes: 2,
            max_clogs: 1,
            max_restarts: 1,
            max_swizzles: 1,
            max_skews: 1,
            max_skew_ns: 20,
            skew_step_ns: 10,
        };
        let nodes: Vec<NodeId> = ["a", "b", "c"].map(String::from).to_vec();
        let model = crate::FaultModel::new(spec);
        let mut random = RandomFaults::new(3, nodes, spec);
        let mut kinds = std::collections::HashSet::new();
        for _ in 0..500 {
            let set = random.next_set();
            assert!(model.respects_spec(&set), "{set:?}");
            for fault in &set {
                kinds.insert(std::mem::discriminant(fault));
            }
        }
        // Omission, crash, clog, restart, swizzle, skew.
        assert_eq!(kinds.len(), 6);
    }
}
