//! The transaction dependency graph: ww / wr / rw edges from the version orders, plus process
//! and realtime order when the requested models need them. Edges carry a bitset of relations.

use petgraph::Directed;
use petgraph::graph::{Graph, NodeIndex};

use super::prepare::Prepared;
use super::versions::{INIT, Versions};
use crate::history::{Mop, OpType};

/// Relation bits (Elle's `BitRels`; predicate relations never occur in list-append).
pub(crate) mod rel {
    /// Write-write: b appended right after a in the version order.
    pub(crate) const WW: u8 = 1;
    /// Write-read: b read a state whose last element a appended.
    pub(crate) const WR: u8 = 2;
    /// Read-write (anti-dependency): a read the state b's append overwrote.
    pub(crate) const RW: u8 = 4;
    /// Consecutive ok ops of one process.
    pub(crate) const PROCESS: u8 = 8;
    /// a completed before b was invoked.
    pub(crate) const REALTIME: u8 = 16;
}

/// Which extra orders to add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Extras {
    pub(crate) process: bool,
    pub(crate) realtime: bool,
}

/// Adjacency in compressed rows: `targets[offsets[v]..offsets[v+1]]`, sorted per vertex.
pub(crate) struct DepGraph {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    rels: Vec<u8>,
}

impl DepGraph {
    /// Builds from raw edges, merging the relations of parallel edges.
    pub(crate) fn from_edges(vertex_count: usize, mut edges: Vec<(u32, u32, u8)>) -> Self {
        edges.sort_unstable_by_key(|&(a, b, _)| (a, b));
        let mut targets = Vec::with_capacity(edges.len());
        let mut rels: Vec<u8> = Vec::with_capacity(edges.len());
        let mut offsets = vec![0u32; vertex_count + 1];
        let mut previous: Option<(u32, u32)> = None;
        for (a, b, r) in edges {
            if previous == Some((a, b)) {
                if let Some(last) = rels.last_mut() {
                    *last |= r;
                }
                continue;
            }
            previous = Some((a, b));
            targets.push(b);
            rels.push(r);
            offsets[a as usize + 1] += 1;
        }
        for v in 0..vertex_count {
            offsets[v + 1] += offsets[v];
        }
        Self {
            offsets,
            targets,
            rels,
        }
    }

    /// Out-edges of `v`: (target, relations).
    pub(crate) fn out(&self, v: u32) -> impl Iterator<Item = (u32, u8)> + '_ {
        let range = self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize;
        self.targets[range.clone()]
            .iter()
            .copied()
            .zip(self.rels[range].iter().copied())
    }

    /// The relations on the edge `a → b` (0 when absent).
    pub(crate) fn rels(&self, a: u32, b: u32) -> u8 {
        let range = self.offsets[a as usize] as usize..self.offsets[a as usize + 1] as usize;
        let targets = &self.targets[range.clone()];
        match targets.binary_search(&b) {
            Ok(i) => self.rels[range.start + i],
            Err(_) => 0,
        }
    }

    /// Number of distinct (a, b) edges.
    pub(crate) fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// Vertex count (op positions).
    pub(crate) fn vertex_count(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// Builds the dependency graph over op positions.
pub(crate) fn build(prepared: &Prepared<'_>, versions: &Versions, extras: Extras) -> DepGraph {
    let mut edges: Vec<(u32, u32, u8)> = Vec::with_capacity(prepared.possible.len() * 4);
    for &t in &prepared.possible {
        for mop in &prepared.op(t).mops {
            match mop {
                Mop::Append { key, elem } => {
                    let previous = versions.predecessor(*key, *elem);
                    if previous != INIT
                        && let Some(&w) = versions.writer.get(&(*key, previous))
                        && w != t
                    {
                        edges.push((w, t, rel::WW));
                    }
                    for &r in versions
                        .readers
                        .get(&(*key, previous))
                        .into_iter()
                        .flatten()
                    {
                        if r != t {
                            edges.push((r, t, rel::RW));
                        }
                    }
                }
                Mop::Read {
                    key,
                    value: Some(list),
                } => {
                    let Some(last) = list.last() else { continue };
                    if let Some(&w) = versions.writer.get(&(*key, *last))
                        && w != t
                    {
                        edges.push((w, t, rel::WR));
                    }
                }
                Mop::Read { .. } => {}
            }
        }
    }
    if extras.process {
        process_edges(prepared, &mut edges);
    }
    if extras.realtime {
        realtime_edges(prepared, &mut edges);
    }
    DepGraph::from_edges(prepared.history.ops.len(), edges)
}

/// Consecutive ok ops of each process.
fn process_edges(prepared: &Prepared<'_>, edges: &mut Vec<(u32, u32, u8)>) {
    let mut last: rustc_hash::FxHashMap<i64, u32> = Default::default();
    for &t in &prepared.possible {
        let op = prepared.op(t);
        if op.op_type != OpType::Ok {
            continue;
        }
        let Some(process) = op.client() else { continue };
        if let Some(previous) = last.insert(process, t) {
            edges.push((previous, t, rel::PROCESS));
        }
    }
}

/// The transitive reduction of realtime order, in one pass (Elle's `realtime-graph`): a buffer
/// of ok completions not yet implied by a later one; each invocation links every buffered op
/// to its completion.
fn realtime_edges(prepared: &Prepared<'_>, edges: &mut Vec<(u32, u32, u8)>) {
    let mut buffer: Vec<u32> = Vec::new();
    let mut linked: rustc_hash::FxHashMap<u32, Vec<u32>> = Default::default();
    for &position in &prepared.client {
        let op = prepared.op(position);
        match op.op_type {
            OpType::Invoke => {
                let Some(completion) = prepared.completion_of[position as usize] else {
                    continue;
                };
                if prepared.op(completion).op_type == OpType::Fail {
                    continue;
                }
                edges.extend(buffer.iter().map(|&b| (b, completion, rel::REALTIME)));
                linked.insert(completion, buffer.clone());
            }
            OpType::Ok => {
                // Ops linked to this one are implied by it from now on.
                if let Some(predecessors) = linked.remove(&position) {
                    buffer.retain(|b| !predecessors.contains(b));
                }
                buffer.push(position);
            }
            OpType::Info => {
                linked.remove(&position);
            }
            OpType::Fail => {}
        }
    }
}

/// Strongly connected components with at least two vertices, restricted to `vertices`, over
/// the edges accepted by `keep`. Each component is sorted; components are ordered by their
/// smallest vertex.
pub(crate) fn components(
    graph: &DepGraph,
    vertices: &[u32],
    keep: impl Fn(u8) -> bool,
) -> Vec<Vec<u32>> {
    let mut local: rustc_hash::FxHashMap<u32, u32> = Default::default();
    for (i, &v) in vertices.iter().enumerate() {
        local.insert(v, i as u32);
    }
    let mut g: Graph<(), (), Directed, u32> =
        Graph::with_capacity(vertices.len(), vertices.len() * 2);
    for _ in vertices {
        g.add_node(());
    }
    for (i, &v) in vertices.iter().enumerate() {
        for (w, r) in graph.out(v) {
            if !keep(r) {
                continue;
            }
            if let Some(&j) = local.get(&w) {
                g.add_edge(NodeIndex::new(i), NodeIndex::new(j as usize), ());
            }
        }
    }
    sccs_of(&g, vertices)
}

/// Non-trivial SCCs of a small graph given as local edges, mapped back through `vertices`.
pub(crate) fn sccs_of(g: &Graph<(), (), Directed, u32>, vertices: &[u32]) -> Vec<Vec<u32>> {
    let mut found: Vec<Vec<u32>> = petgraph::algo::kosaraju_scc(g)
        .into_iter()
        .filter(|c| c.len() > 1 || g.contains_edge(c[0], c[0]))
        .map(|c| {
            let mut c: Vec<u32> = c.into_iter().map(|n| vertices[n.index()]).collect();
            c.sort_unstable();
            c
        })
        .collect();
    found.sort_unstable_by_key(|c| c[0]);
    found
}
