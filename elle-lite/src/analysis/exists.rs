//! Cycle-existence proofs per model (Elle's `cycle-exists-specs`): project an SCC to a model's
//! relations and look for a non-trivial SCC there. A fallback that rules models out even when
//! the cycle search finds no named cycle.

use std::collections::BTreeSet;

use serde_json::json;

use super::graph::{DepGraph, SccScratch, components, rel, sccs_of};
use super::prepare::Prepared;
use crate::models;
use crate::report::Finding;

/// How a model's subgraph is built from relations.
#[derive(Clone, Copy)]
enum Subgraph {
    /// The union of these relations.
    Union(u8),
    /// Sequential extension of A by B: cycles whose B edges are never adjacent.
    Extension(u8, u8),
}

const WW: u8 = rel::WW;
const WR: u8 = rel::WR;
const RW: u8 = rel::RW;
const PR: u8 = rel::PROCESS;
const RT: u8 = rel::REALTIME;

/// In Elle's order (canonical model names).
const SPECS: &[(&str, Subgraph, &str)] = &[
    ("PL-1", Subgraph::Union(WW), "[\"union\",\"ww\"]"),
    (
        "PL-2",
        Subgraph::Union(WW | WR),
        "[\"union\",\"ww\",\"wr\"]",
    ),
    (
        "PL-SI",
        Subgraph::Extension(WW | WR, RW),
        "[\"extension\",[\"union\",\"ww\",\"wr\"],\"rw\"]",
    ),
    (
        "PL-3",
        Subgraph::Union(WW | WR | RW),
        "[\"union\",\"ww\",\"wr\",\"rw\"]",
    ),
    (
        "strong-session-PL-1",
        Subgraph::Union(WW | PR),
        "[\"union\",\"ww\",\"process\"]",
    ),
    (
        "strong-session-PL-2",
        Subgraph::Union(WW | WR | PR),
        "[\"union\",\"ww\",\"wr\",\"process\"]",
    ),
    (
        "strong-session-snapshot-isolation",
        Subgraph::Extension(WW | WR | PR, RW),
        "[\"extension\",[\"union\",\"ww\",\"wr\",\"process\"],\"rw\"]",
    ),
    (
        "strong-session-serializable",
        Subgraph::Union(WW | WR | RW | PR),
        "[\"union\",\"ww\",\"wr\",\"rw\",\"process\"]",
    ),
    (
        "strong-PL-1",
        Subgraph::Union(WW | RT),
        "[\"union\",\"ww\",\"realtime\"]",
    ),
    (
        "strong-PL-2",
        Subgraph::Union(WW | WR | RT),
        "[\"union\",\"ww\",\"wr\",\"realtime\"]",
    ),
    (
        "strong-snapshot-isolation",
        Subgraph::Extension(WW | WR | RT, RW),
        "[\"extension\",[\"union\",\"ww\",\"wr\",\"realtime\"],\"rw\"]",
    ),
    (
        "PL-SS",
        Subgraph::Union(WW | WR | RW | RT),
        "[\"union\",\"ww\",\"wr\",\"rw\",\"realtime\"]",
    ),
];

/// One proof: the anomaly name (`PL-2-cycle-exists`), the model it rules out, the finding.
pub(crate) struct CycleExists {
    pub(crate) kind: String,
    pub(crate) model: &'static str,
    pub(crate) finding: Finding,
}

/// The cycle-existence cases of one SCC, skipping models already known impossible.
pub(crate) fn cycle_exists_cases(
    prepared: &Prepared<'_>,
    graph: &DepGraph,
    scc: &[u32],
    scratch: &mut SccScratch,
) -> Vec<CycleExists> {
    let mut cases = Vec::new();
    let mut redundant: BTreeSet<&'static str> = BTreeSet::new();
    for &(model, subgraph, subgraph_json) in SPECS {
        if redundant.contains(model) {
            continue;
        }
        let found = match subgraph {
            Subgraph::Union(bits) => components(graph, scc, |r| r & bits != 0, scratch),
            Subgraph::Extension(a, b) => extension_components(graph, scc, a, b, scratch),
        };
        let Some(smallest) = found.iter().min_by_key(|c| c.len()) else {
            continue;
        };
        let indices: Vec<u64> = smallest.iter().map(|&t| prepared.op(t).index).collect();
        let kind = format!("{model}-cycle-exists");
        let friendly = models::friendly(model);
        let subgraph_value: serde_json::Value =
            serde_json::from_str(subgraph_json).unwrap_or(serde_json::Value::Null);
        cases.push(CycleExists {
            finding: Finding {
                detail: json!({
                    "type": kind, "not": friendly, "subgraph": subgraph_value,
                    "scc-size": smallest.len(), "scc": indices,
                }),
                explanation: format!(
                    "a cycle ruling out {friendly} exists among the {} transactions with op \
                     indices {:?}",
                    smallest.len(),
                    indices
                ),
            },
            kind,
            model,
        });
        redundant.extend(models::models_implying([model]));
    }
    cases
}

/// SCCs of the sequential extension `A ∪ A;B` as a two-layer product graph: layer 0 is "last
/// edge was A (or start)", layer 1 "last edge was B". Returned as original vertices.
fn extension_components(
    graph: &DepGraph,
    scc: &[u32],
    a: u8,
    b: u8,
    scratch: &mut SccScratch,
) -> Vec<Vec<u32>> {
    let n = scc.len() as u32;
    let local = |v: u32| scc.binary_search(&v).ok().map(|j| j as u32);
    let g = &mut scratch.graph;
    g.clear();
    // Layer 0 (i) takes A edges to layer 0 and B edges to layer 1; layer 1 (n + i) only A.
    for &v in scc {
        for (w, rels) in graph.out(v) {
            let Some(j) = local(w) else { continue };
            if rels & a != 0 {
                g.push_target(j);
            }
            if rels & b != 0 {
                g.push_target(n + j);
            }
        }
        g.end_vertex();
    }
    for &v in scc {
        for (w, rels) in graph.out(v) {
            if rels & a != 0
                && let Some(j) = local(w)
            {
                g.push_target(j);
            }
        }
        g.end_vertex();
    }
    let doubled: Vec<u32> = scc.iter().chain(scc.iter()).copied().collect();
    sccs_of(&mut scratch.tarjan, &scratch.graph, &doubled)
        .into_iter()
        .map(|mut c| {
            c.dedup();
            c
        })
        .collect()
}
