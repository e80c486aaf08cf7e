//! Cube-and-conquer sharding: one search's fault space split into disjoint cubes, derived
//! deterministically from the failure-free run, so that N machines can each search their
//! share and the union of their answers is the answer of one search.
//!
//! The split variables are the fault variables the failure-free run's lineage leans on most:
//! the omission slots `(src, dst, t)` of its deliveries (counted once per delivery they would
//! cut), then "node n crashes" for its nodes. With m variables there are 2^m cubes, each one
//! assignment of them (in the fault set or not); shard K of N (1-based) takes the cubes whose
//! index is K − 1 modulo N. Every fault set lies in exactly one cube, so the shards' spaces are
//! disjoint and cover everything: a counterexample anywhere is in some shard's space, and
//! every shard certified means the whole space is.

use std::collections::BTreeMap;

use faultline_trace::{FailureSpec, Fault, NodeId};
use serde::Serialize;

use crate::{LineageGraph, LineageNode};

/// One split variable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SplitVar {
    /// The omission of `src → dst` at `at` is in the fault set.
    Omission {
        /// Sender.
        src: NodeId,
        /// Receiver.
        dst: NodeId,
        /// Send time.
        at: u64,
    },
    /// `node` crashes (at any time).
    Crashes {
        /// The node.
        node: NodeId,
    },
}

impl SplitVar {
    /// Whether fault set `faults` sets this variable.
    pub fn holds(&self, faults: &[Fault]) -> bool {
        match self {
            SplitVar::Omission { src, dst, at } => faults.iter().any(|fault| {
                matches!(fault, Fault::Omission { src: s, dst: d, at: t } if s == src && d == dst && t == at)
            }),
            SplitVar::Crashes { node } => faults
                .iter()
                .any(|fault| matches!(fault, Fault::Crash { node: n, .. } if n == node)),
        }
    }
}

/// The share of the fault space one shard searches: the fault sets whose assignment of the
/// split variables is one of `cubes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shard {
    /// 1-based.
    pub index: u64,
    /// How many shards in all.
    pub count: u64,
    /// The split variables.
    pub vars: Vec<SplitVar>,
    /// Each cube: one value per split variable.
    pub cubes: Vec<Vec<bool>>,
}

impl Shard {
    /// Whether `faults` lies in this shard's share.
    pub fn contains(&self, faults: &[Fault]) -> bool {
        let values: Vec<bool> = self.vars.iter().map(|var| var.holds(faults)).collect();
        self.cubes.contains(&values)
    }
}

/// How many split variables `count` shards need: the least m with 2^m ≥ count.
fn vars_needed(count: u64) -> u32 {
    let mut m = 0;
    while (1u64 << m) < count {
        m += 1;
    }
    m
}

/// Shard `index` of `count` (1-based) of the space of `spec`, split on the failure-free run's
/// lineage `lineage`. Fails when the run offers fewer admissible split variables than
/// `count` needs.
pub fn shard(
    lineage: &LineageGraph,
    nodes: &[NodeId],
    spec: &FailureSpec,
    index: u64,
    count: u64,
) -> Result<Shard, String> {
    if count == 0 || index == 0 || index > count {
        return Err(format!(
            "shard {index}/{count}: the index runs from 1 to the count"
        ));
    }
    if count > 1 << 20 {
        return Err(format!("shard {index}/{count}: at most 2^20 shards"));
    }
    let needed = vars_needed(count) as usize;
    let mut weight: BTreeMap<SplitVar, u64> = BTreeMap::new();
    for node in lineage.graph.node_weights() {
        if let LineageNode::Delivery {
            src, dst, sent_lt, ..
        } = node
            && *sent_lt >= 1
            && *sent_lt < spec.eff
            // A node's message to itself cannot be lost: splitting on it leaves a shard empty.
            && src != dst
        {
            let var = SplitVar::Omission {
                src: src.clone(),
                dst: dst.clone(),
                at: *sent_lt,
            };
            *weight.entry(var).or_insert(0) += 1;
        }
    }
    let mut ranked: Vec<(SplitVar, u64)> = weight.into_iter().collect();
    // Heaviest first; ties in the variables' own order, so the split is deterministic.
    ranked.sort_by(|(a, wa), (b, wb)| wb.cmp(wa).then_with(|| a.cmp(b)));
    let mut vars: Vec<SplitVar> = ranked.into_iter().map(|(var, _)| var).collect();
    if spec.max_crashes > 0 {
        vars.extend(
            nodes
                .iter()
                .map(|node| SplitVar::Crashes { node: node.clone() }),
        );
    }
    if vars.len() < needed {
        return Err(format!(
            "shard {index}/{count}: the failure-free run offers {} fault variables to split on, \
             and {count} shards need {needed}; use at most {} shards",
            vars.len(),
            1u64 << vars.len()
        ));
    }
    vars.truncate(needed);
    let cubes = (0..1u64 << needed)
        .filter(|cube| cube % count == index - 1)
        .map(|cube| (0..needed).map(|bit| cube >> bit & 1 == 1).collect())
        .collect();
    Ok(Shard {
        index,
        count,
        vars,
        cubes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn omission(src: &str, dst: &str, at: u64) -> Fault {
        Fault::Omission {
            src: src.into(),
            dst: dst.into(),
            at,
        }
    }

    fn shard_of(vars: Vec<SplitVar>, index: u64, count: u64) -> Shard {
        let needed = vars_needed(count) as usize;
        Shard {
            index,
            count,
            cubes: (0..1u64 << needed)
                .filter(|cube| cube % count == index - 1)
                .map(|cube| (0..needed).map(|bit| cube >> bit & 1 == 1).collect())
                .collect(),
            vars: vars.into_iter().take(needed).collect(),
        }
    }

    #[test]
    fn every_fault_set_lies_in_exactly_one_shard() {
        let vars = vec![
            SplitVar::Omission {
                src: "a".into(),
                dst: "b".into(),
                at: 1,
            },
            SplitVar::Omission {
                src: "a".into(),
                dst: "c".into(),
                at: 1,
            },
            SplitVar::Crashes { node: "a".into() },
        ];
        let sets = [
            vec![],
            vec![omission("a", "b", 1)],
            vec![omission("a", "c", 1)],
            vec![omission("a", "b", 1), omission("a", "c", 1)],
            vec![Fault::Crash {
                node: "a".into(),
                at: 2,
            }],
            vec![
                omission("a", "b", 1),
                Fault::Crash {
                    node: "a".into(),
                    at: 3,
                },
            ],
        ];
        for count in 1..=8 {
            let shards: Vec<Shard> = (1..=count)
                .map(|k| shard_of(vars.clone(), k, count))
                .collect();
            for set in &sets {
                let owners = shards.iter().filter(|shard| shard.contains(set)).count();
                assert_eq!(owners, 1, "{set:?} with {count} shards");
            }
        }
    }

    #[test]
    fn variables_needed_is_the_ceiling_of_log2() {
        assert_eq!(
            [1, 2, 3, 4, 5, 8, 9].map(vars_needed),
            [0, 1, 2, 2, 3, 3, 4]
        );
    }
}
