//! Strongly connected components of a small compressed-row graph, by an iterative Tarjan.
//!
//! petgraph's `TarjanScc` recurses once per vertex on a path (realtime order makes paths as
//! long as the history, which overflows the stack), and its Kosaraju needs the graph copied
//! into a `petgraph::Graph` first; both cost more than the search itself on histories of a
//! million transactions. This runs on the dependency graph's own rows without recursion.

/// Compressed rows: vertex `v`'s successors are `targets[offsets[v]..offsets[v + 1]]`.
pub(crate) trait Rows {
    fn offsets(&self) -> &[u32];
    fn targets(&self) -> &[u32];
}

/// A graph over local vertices `0..n`: `targets[offsets[v]..offsets[v + 1]]`.
#[derive(Default)]
pub(crate) struct LocalGraph {
    pub(crate) offsets: Vec<u32>,
    pub(crate) targets: Vec<u32>,
}

impl LocalGraph {
    /// Starts an empty graph (reusing the buffers).
    pub(crate) fn clear(&mut self) {
        self.offsets.clear();
        self.targets.clear();
        self.offsets.push(0);
    }

    /// Adds an edge from the vertex being filled (vertices are filled in order).
    pub(crate) fn push_target(&mut self, target: u32) {
        self.targets.push(target);
    }

    /// Closes the current vertex's row.
    pub(crate) fn end_vertex(&mut self) {
        self.offsets.push(self.targets.len() as u32);
    }
}

impl Rows for LocalGraph {
    fn offsets(&self) -> &[u32] {
        &self.offsets
    }

    fn targets(&self) -> &[u32] {
        &self.targets
    }
}

const UNVISITED: u32 = u32::MAX;

/// Tarjan's working arrays, reused between runs.
#[derive(Default)]
pub(crate) struct Tarjan {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    stack: Vec<u32>,
    calls: Vec<(u32, u32)>,
}

impl Tarjan {
    /// The non-trivial components of `g` (two or more vertices, or a self-loop), as local
    /// vertex lists in no particular order.
    pub(crate) fn components(&mut self, g: &impl Rows) -> Vec<Vec<u32>> {
        let (offsets, targets) = (g.offsets(), g.targets());
        let n = offsets.len() - 1;
        self.index.clear();
        self.index.resize(n, UNVISITED);
        self.low.clear();
        self.low.resize(n, 0);
        self.on_stack.clear();
        self.on_stack.resize(n, false);
        let mut found = Vec::new();
        let mut counter = 0u32;
        for root in 0..n as u32 {
            if self.index[root as usize] != UNVISITED {
                continue;
            }
            self.open(root, &mut counter, offsets);
            while let Some(&(v, next)) = self.calls.last() {
                let end = offsets[v as usize + 1];
                if next < end {
                    if let Some(top) = self.calls.last_mut() {
                        top.1 += 1;
                    }
                    let w = targets[next as usize];
                    if self.index[w as usize] == UNVISITED {
                        self.open(w, &mut counter, offsets);
                    } else if self.on_stack[w as usize] {
                        self.low[v as usize] = self.low[v as usize].min(self.index[w as usize]);
                    }
                    continue;
                }
                self.calls.pop();
                if let Some(&(parent, _)) = self.calls.last() {
                    self.low[parent as usize] = self.low[parent as usize].min(self.low[v as usize]);
                }
                if self.low[v as usize] == self.index[v as usize] {
                    let mut component = Vec::new();
                    while let Some(w) = self.stack.pop() {
                        self.on_stack[w as usize] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    let row = &targets[offsets[v as usize] as usize..end as usize];
                    if component.len() > 1 || row.contains(&v) {
                        found.push(component);
                    }
                }
            }
        }
        found
    }

    fn open(&mut self, v: u32, counter: &mut u32, offsets: &[u32]) {
        self.index[v as usize] = *counter;
        self.low[v as usize] = *counter;
        *counter += 1;
        self.stack.push(v);
        self.on_stack[v as usize] = true;
        self.calls.push((v, offsets[v as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: u32, edges: &[(u32, u32)]) -> LocalGraph {
        let mut g = LocalGraph::default();
        g.clear();
        for v in 0..n {
            for &(a, b) in edges {
                if a == v {
                    g.push_target(b);
                }
            }
            g.end_vertex();
        }
        g
    }

    fn sorted(mut found: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
        for c in &mut found {
            c.sort_unstable();
        }
        found.sort();
        found
    }

    #[test]
    fn finds_cycles_and_self_loops_only() {
        let g = graph(
            7,
            &[
                (0, 1),
                (1, 2),
                (2, 0),
                (2, 3),
                (3, 4),
                (4, 3),
                (5, 5),
                (6, 0),
            ],
        );
        let found = sorted(Tarjan::default().components(&g));
        assert_eq!(found, vec![vec![0, 1, 2], vec![3, 4], vec![5]]);
    }

    #[test]
    fn a_long_path_does_not_recurse() {
        let n = 1_000_000u32;
        let edges: Vec<(u32, u32)> = (0..n - 1).map(|v| (v, v + 1)).chain([(n - 1, 0)]).collect();
        let mut g = LocalGraph::default();
        g.clear();
        for &(_, b) in &edges {
            g.push_target(b);
            g.end_vertex();
        }
        let found = Tarjan::default().components(&g);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].len(), n as usize);
    }
}
