//! The transaction dependency graph: ww / wr / rw edges from the version orders, plus process
//! and realtime order when the requested models need them. Edges carry a bitset of relations.

use super::prepare::{MopView, Prepared};
use super::scc::{LocalGraph, Rows, Tarjan};
use super::versions::{INIT, Versions};
use crate::history::OpType;

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
    /// Builds the rows of an edge list given as a generator, called twice: once to count each
    /// vertex's out-edges, once to place them. No edge list is ever materialised (at a
    /// million transactions it would be the biggest allocation of the check). Parallel edges
    /// merge their relations.
    fn from_generator(vertex_count: usize, edges: impl Fn(&mut dyn FnMut(u32, u32, u8))) -> Self {
        let mut offsets = vec![0u32; vertex_count + 1];
        edges(&mut |a, _, _| offsets[a as usize + 1] += 1);
        for v in 0..vertex_count {
            offsets[v + 1] += offsets[v];
        }
        let total = offsets[vertex_count] as usize;
        let mut targets = vec![0u32; total];
        let mut rels = vec![0u8; total];
        let mut fill: Vec<u32> = offsets[..vertex_count].to_vec();
        edges(&mut |a, b, r| {
            let slot = &mut fill[a as usize];
            targets[*slot as usize] = b;
            rels[*slot as usize] = r;
            *slot += 1;
        });
        drop(fill);
        // Sort each row by target and merge duplicates, compacting in place.
        let mut row: Vec<(u32, u8)> = Vec::new();
        let mut write = 0usize;
        let mut start = 0usize;
        for v in 0..vertex_count {
            let end = offsets[v + 1] as usize;
            let row_start = write;
            row.clear();
            row.extend(
                targets[start..end]
                    .iter()
                    .copied()
                    .zip(rels[start..end].iter().copied()),
            );
            row.sort_unstable_by_key(|&(b, _)| b);
            for &(b, r) in &row {
                if write > row_start && targets[write - 1] == b {
                    rels[write - 1] |= r;
                } else {
                    targets[write] = b;
                    rels[write] = r;
                    write += 1;
                }
            }
            start = end;
            offsets[v + 1] = write as u32;
        }
        targets.truncate(write);
        rels.truncate(write);
        targets.shrink_to_fit();
        rels.shrink_to_fit();
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
    DepGraph::from_generator(prepared.history.ops.len(), |emit| {
        data_edges(prepared, versions, emit);
        if extras.process {
            process_edges(prepared, emit);
        }
        if extras.realtime {
            realtime_edges(prepared, emit);
        }
    })
}

/// ww, wr and rw edges.
fn data_edges(prepared: &Prepared<'_>, versions: &Versions, emit: &mut dyn FnMut(u32, u32, u8)) {
    for &t in &prepared.possible {
        for mop in prepared.mops(t) {
            match mop {
                MopView::Append { key, elem } => {
                    let previous = versions.predecessor(key, elem);
                    if previous != INIT
                        && let Some(w) = versions.writer(key, previous)
                        && w != t
                    {
                        emit(w, t, rel::WW);
                    }
                    for &r in versions.readers(key, previous) {
                        if r != t {
                            emit(r, t, rel::RW);
                        }
                    }
                }
                MopView::Read {
                    key,
                    value: Some(list),
                } => {
                    let Some(&last) = list.last() else { continue };
                    if let Some(w) = versions.writer(key, last)
                        && w != t
                    {
                        emit(w, t, rel::WR);
                    }
                }
                MopView::Read { .. } => {}
            }
        }
    }
}

/// Consecutive ok ops of each process.
fn process_edges(prepared: &Prepared<'_>, emit: &mut dyn FnMut(u32, u32, u8)) {
    let mut last: rustc_hash::FxHashMap<i64, u32> = Default::default();
    for &t in &prepared.possible {
        let op = prepared.op(t);
        if op.op_type != OpType::Ok {
            continue;
        }
        let Some(process) = op.client() else { continue };
        if let Some(previous) = last.insert(process, t) {
            emit(previous, t, rel::PROCESS);
        }
    }
}

/// The transitive reduction of realtime order, in one pass (Elle's `realtime-graph`): a buffer
/// of ok completions not yet implied by a later one; each invocation links every buffered op
/// to its completion.
fn realtime_edges(prepared: &Prepared<'_>, emit: &mut dyn FnMut(u32, u32, u8)) {
    let mut buffer: Vec<u32> = Vec::new();
    // Per completion position: the range of `snapshots` holding the buffer at its invocation.
    // Unlinked is the empty range, which implies nothing (and leaves the table to calloc).
    const UNLINKED: (u32, u32) = (0, 0);
    let mut linked: Vec<(u32, u32)> = vec![UNLINKED; prepared.history.ops.len()];
    let mut snapshots: Vec<u32> = Vec::new();
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
                for &b in &buffer {
                    emit(b, completion, rel::REALTIME);
                }
                let start = snapshots.len() as u32;
                snapshots.extend_from_slice(&buffer);
                linked[completion as usize] = (start, snapshots.len() as u32);
            }
            OpType::Ok => {
                // Ops linked to this one are implied by it from now on.
                let (start, end) = std::mem::replace(&mut linked[position as usize], UNLINKED);
                let predecessors = &snapshots[start as usize..end as usize];
                if !predecessors.is_empty() {
                    buffer.retain(|b| !predecessors.contains(b));
                }
                buffer.push(position);
            }
            OpType::Info => {
                linked[position as usize] = UNLINKED;
            }
            OpType::Fail => {}
        }
    }
}

impl Rows for DepGraph {
    fn offsets(&self) -> &[u32] {
        &self.offsets
    }

    fn targets(&self) -> &[u32] {
        &self.targets
    }
}

/// The non-trivial SCCs of the whole graph, as [`components`] over every vertex with every
/// edge would give them, without copying the graph.
pub(crate) fn all_components(graph: &DepGraph, scratch: &mut SccScratch) -> Vec<Vec<u32>> {
    let mut found = scratch.tarjan.components(graph);
    for c in &mut found {
        c.sort_unstable();
    }
    found.sort_unstable_by_key(|c| c[0]);
    found
}

/// Reusable buffers for [`components`].
#[derive(Default)]
pub(crate) struct SccScratch {
    /// Op position → local vertex, `NOT_LOCAL` outside the current vertex set.
    local_of: Vec<u32>,
    pub(crate) graph: LocalGraph,
    pub(crate) tarjan: Tarjan,
}

const NOT_LOCAL: u32 = u32::MAX;

/// Strongly connected components with at least two vertices, restricted to `vertices`, over
/// the edges accepted by `keep`. Each component is sorted; components are ordered by their
/// smallest vertex.
pub(crate) fn components(
    graph: &DepGraph,
    vertices: &[u32],
    keep: impl Fn(u8) -> bool,
    scratch: &mut SccScratch,
) -> Vec<Vec<u32>> {
    if scratch.local_of.len() < graph.vertex_count() {
        scratch.local_of.resize(graph.vertex_count(), NOT_LOCAL);
    }
    for (i, &v) in vertices.iter().enumerate() {
        scratch.local_of[v as usize] = i as u32;
    }
    scratch.graph.clear();
    for &v in vertices {
        for (w, r) in graph.out(v) {
            if !keep(r) {
                continue;
            }
            let j = scratch.local_of[w as usize];
            if j != NOT_LOCAL {
                scratch.graph.push_target(j);
            }
        }
        scratch.graph.end_vertex();
    }
    for &v in vertices {
        scratch.local_of[v as usize] = NOT_LOCAL;
    }
    sccs_of(&mut scratch.tarjan, &scratch.graph, vertices)
}

/// Non-trivial SCCs of a local graph, mapped back through `vertices`, each sorted, ordered by
/// their smallest vertex.
pub(crate) fn sccs_of(tarjan: &mut Tarjan, g: &LocalGraph, vertices: &[u32]) -> Vec<Vec<u32>> {
    let mut found: Vec<Vec<u32>> = tarjan
        .components(g)
        .into_iter()
        .map(|c| {
            let mut c: Vec<u32> = c.into_iter().map(|n| vertices[n as usize]).collect();
            c.sort_unstable();
            c
        })
        .collect();
    // By smallest vertex; whole lists break ties between the layers of an extension graph.
    found.sort_unstable();
    found
}
