//! What a search exercised (the detsys "computing coverage" ideas): which faults it tried at
//! which nodes and times, which vertices of the failure-free run's lineage some run broke, and
//! how many distinct outcomes and end states its runs reached.

use std::collections::{BTreeMap, BTreeSet};

use faultline_ldfi::{LineageGraph, LineageNode, Outcome, RunRecord, breaks_directly as breaks};
use faultline_trace::{FailureSpec, Fault, NodeId};
use serde::Serialize;

/// One fault kind at one place: the times some run used, out of the admissible ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultsHit {
    /// `omission`, `crash`, `clog`.
    pub kind: &'static str,
    /// `a→b` for an omission, the node otherwise.
    pub place: String,
    /// Times (omission: send round; crash: round; clog: window start) used by some run.
    pub times_hit: Vec<u64>,
    /// How many times are admissible there.
    pub times_admissible: u64,
}

/// Lineage vertices of the failure-free run, and which some run broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineageCoverage {
    /// Deliveries and events of the lineage (facts and the goal excluded: they break only
    /// through these).
    pub vertices: usize,
    /// Of those, broken by at least one run's faults.
    pub broken: usize,
    /// Up to 20 vertices no run broke, for people.
    pub never_broken: Vec<String>,
}

/// A search's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Runs executed.
    pub runs: u64,
    /// Runs per outcome.
    pub outcomes: BTreeMap<&'static str, u64>,
    /// Distinct end states (each node's final state) among the runs.
    pub distinct_end_states: usize,
    /// Per fault kind and place.
    pub faults: Vec<FaultsHit>,
    /// The failure-free lineage's vertices broken.
    pub lineage: Option<LineageCoverage>,
}

impl Coverage {
    /// Coverage of `history` under `spec` over `nodes`; `lineage` is the failure-free run's,
    /// `end_states` one digest per run.
    pub fn new(
        spec: &FailureSpec,
        nodes: &[NodeId],
        history: &[RunRecord],
        lineage: Option<&LineageGraph>,
        end_states: &BTreeSet<String>,
    ) -> Coverage {
        let mut outcomes = BTreeMap::new();
        for record in history {
            *outcomes.entry(outcome_name(record.outcome)).or_insert(0) += 1;
        }
        Coverage {
            runs: history.len() as u64,
            outcomes,
            distinct_end_states: end_states.len(),
            faults: faults_hit(spec, nodes, history),
            lineage: lineage.map(|graph| lineage_coverage(graph, history)),
        }
    }

    /// Two lines for people.
    pub fn summary(&self) -> String {
        let (mut hit, mut admissible) = (BTreeMap::new(), BTreeMap::new());
        for entry in &self.faults {
            *hit.entry(entry.kind).or_insert(0u64) += entry.times_hit.len() as u64;
            *admissible.entry(entry.kind).or_insert(0u64) += entry.times_admissible;
        }
        let kinds: Vec<String> = admissible
            .iter()
            .filter(|(_, total)| **total > 0)
            .map(|(kind, total)| {
                let place = if *kind == "omission" { "link" } else { "node" };
                format!("{kind} ({place}, time) {}/{total}", hit[kind])
            })
            .collect();
        let outcomes: Vec<String> = self
            .outcomes
            .iter()
            .map(|(outcome, n)| format!("{outcome} {n}"))
            .collect();
        let lineage = match &self.lineage {
            Some(lineage) => format!(
                "; lineage: {}/{} vertices broken by some run",
                lineage.broken, lineage.vertices
            ),
            None => String::new(),
        };
        format!(
            "coverage: slots hit: {}{lineage}\n          outcomes: {}; {} distinct end states\n",
            if kinds.is_empty() {
                "none admissible".to_string()
            } else {
                kinds.join(", ")
            },
            outcomes.join(", "),
            self.distinct_end_states
        )
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    outcome.as_str()
}

fn faults_hit(spec: &FailureSpec, nodes: &[NodeId], history: &[RunRecord]) -> Vec<FaultsHit> {
    let mut hits: BTreeMap<(&'static str, String), BTreeSet<u64>> = BTreeMap::new();
    for src in nodes {
        for dst in nodes.iter().filter(|dst| *dst != src) {
            if spec.eff > 1 {
                hits.insert(("omission", format!("{src}→{dst}")), BTreeSet::new());
            }
        }
        if spec.max_crashes > 0 {
            hits.insert(("crash", src.clone()), BTreeSet::new());
        }
        if spec.max_clogs > 0 && spec.eot > 1 {
            hits.insert(("clog", src.clone()), BTreeSet::new());
        }
    }
    for record in history {
        for fault in &record.faults {
            let (kind, place, at) = match fault {
                Fault::Omission { src, dst, at } => ("omission", format!("{src}→{dst}"), *at),
                Fault::Crash { node, at } => ("crash", node.clone(), *at),
                Fault::Clog { node, from, .. } => ("clog", node.clone(), *from),
                _ => continue,
            };
            hits.entry((kind, place)).or_default().insert(at);
        }
    }
    hits.into_iter()
        .map(|((kind, place), times)| FaultsHit {
            kind,
            place,
            times_hit: times.into_iter().collect(),
            times_admissible: match kind {
                "omission" => spec.eff.saturating_sub(1),
                "clog" => spec.eot.saturating_sub(1),
                _ => spec.eot,
            },
        })
        .collect()
}

fn lineage_coverage(graph: &LineageGraph, history: &[RunRecord]) -> LineageCoverage {
    let vertices: Vec<&LineageNode> = graph
        .graph
        .node_weights()
        .filter(|node| {
            matches!(
                node,
                LineageNode::Delivery { .. } | LineageNode::Event { .. }
            )
        })
        .collect();
    let (broken, never): (Vec<&LineageNode>, Vec<&LineageNode>) = vertices
        .iter()
        .partition(|node| history.iter().any(|record| breaks(node, &record.faults)));
    LineageCoverage {
        vertices: vertices.len(),
        broken: broken.len(),
        never_broken: never.iter().take(20).map(|node| node.label()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(faults: Vec<Fault>) -> RunRecord {
        RunRecord {
            index: 0,
            faults,
            outcome: Outcome::Good,
        }
    }

    #[test]
    fn faults_hit_counts_distinct_times_per_place() {
        let spec = FailureSpec::new(4, 3, 1);
        let nodes: Vec<NodeId> = vec!["a".into(), "b".into()];
        let history = vec![
            record(vec![]),
            record(vec![Fault::Omission {
                src: "a".into(),
                dst: "b".into(),
                at: 1,
            }]),
            record(vec![
                Fault::Omission {
                    src: "a".into(),
                    dst: "b".into(),
                    at: 1,
                },
                Fault::Crash {
                    node: "b".into(),
                    at: 3,
                },
            ]),
        ];
        let coverage = Coverage::new(&spec, &nodes, &history, None, &BTreeSet::new());
        let ab = coverage
            .faults
            .iter()
            .find(|f| f.kind == "omission" && f.place == "a→b")
            .unwrap();
        assert_eq!(ab.times_hit, vec![1]);
        assert_eq!(ab.times_admissible, 2);
        let crash_b = coverage
            .faults
            .iter()
            .find(|f| f.kind == "crash" && f.place == "b")
            .unwrap();
        assert_eq!(
            (crash_b.times_hit.clone(), crash_b.times_admissible),
            (vec![3], 4)
        );
        assert_eq!(coverage.outcomes["good"], 3);
        assert!(
            coverage
                .summary()
                .contains("slots hit: crash (node, time) 1/8, omission (link, time) 1/4"),
            "{}",
            coverage.summary()
        );
    }

    #[test]
    fn a_delivery_breaks_by_omission_crash_or_clog_and_nothing_else() {
        let delivery = LineageNode::Delivery {
            event: 3,
            src: "a".into(),
            dst: "b".into(),
            sent_lt: 1,
            lt: 2,
        };
        let omission = |at| Fault::Omission {
            src: "a".into(),
            dst: "b".into(),
            at,
        };
        assert!(breaks(&delivery, &[omission(1)]));
        assert!(!breaks(&delivery, &[omission(2)]));
        assert!(breaks(
            &delivery,
            &[Fault::Crash {
                node: "a".into(),
                at: 1
            }]
        ));
        assert!(!breaks(
            &delivery,
            &[Fault::Crash {
                node: "a".into(),
                at: 2
            }]
        ));
        assert!(breaks(
            &delivery,
            &[Fault::Crash {
                node: "b".into(),
                at: 2
            }]
        ));
        assert!(breaks(
            &delivery,
            &[Fault::Clog {
                node: "b".into(),
                from: 2,
                to: 3
            }]
        ));
        assert!(!breaks(
            &delivery,
            &[Fault::Clog {
                node: "b".into(),
                from: 3,
                to: 4
            }]
        ));
    }
}
