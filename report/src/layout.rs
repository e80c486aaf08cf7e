//! A layered (Sugiyama-style) drawing of a directed graph, computed without Graphviz.
//!
//! The classic four steps, each kept simple and bounded:
//! 1. cycles are broken by reversing the back edges of a depth-first search (lineage graphs are
//!    DAGs already; this only makes the layout total);
//! 2. layering by longest path: every edge goes from a layer to a strictly lower one;
//! 3. edges longer than one layer get a dummy vertex per layer crossed, and each layer's order
//!    is improved by barycenter sweeps (down, then up), keeping the order with the fewest
//!    crossings seen;
//! 4. x coordinates: vertices are pulled towards the mean of their neighbours, then packed
//!    left to right with a minimum gap, so that no two vertices of a layer overlap.
//!
//! Everything is deterministic: ties keep the previous order, which starts from vertex index.

/// Horizontal gap between two vertices of one layer.
pub const GAP_X: f64 = 18.0;
/// Vertical gap between two layers.
pub const GAP_Y: f64 = 46.0;
/// Margin around the drawing.
pub const MARGIN: f64 = 12.0;
/// Barycenter sweeps (each one down and one up).
const SWEEPS: usize = 12;
/// Coordinate-assignment passes.
const PASSES: usize = 8;
/// Dummy vertices at most: as many as the vertices and edges, and never more than 100 000. Past
/// this budget, the remaining long edges are drawn straight (a bound on time and page size:
/// a lineage whose facts are re-derived every round has edges spanning hundreds of layers).
const DUMMIES_MAX: usize = 100_000;

/// A vertex's place: top-left corner, size and layer (0 = top).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Layer, 0 at the top.
    pub layer: usize,
}

/// A drawing: one [`Placed`] per input vertex and one polyline per input edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// In input order.
    pub nodes: Vec<Placed>,
    /// In input order: from the source's bottom centre to the target's top centre (or the
    /// reverse for an edge that pointed upwards), through one point per layer crossed.
    pub edges: Vec<Vec<(f64, f64)>>,
    /// Width of the drawing, margins included.
    pub width: f64,
    /// Height of the drawing, margins included.
    pub height: f64,
    /// Number of layers.
    pub layer_count: usize,
    /// Edge crossings between adjacent layers in the order chosen (dummies included).
    pub crossings: u64,
}

/// Lays out a graph of `sizes.len()` vertices (width, height each) and `edges` (source,
/// target), sources above targets.
///
/// # Panics
/// If an edge names a vertex `>= sizes.len()`.
///
/// # Complexity
/// O(SWEEPS · (V + D + E') log(V + D)) where D is the number of dummy vertices and E' the edges
/// after splitting (D is capped at 200 000; longer edges are then drawn straight).
pub fn layout(sizes: &[(f64, f64)], edges: &[(usize, usize)]) -> Layout {
    let count = sizes.len();
    for &(source, target) in edges {
        assert!(source < count && target < count, "edge names a vertex");
    }
    let oriented = orient(count, edges);
    let layer = longest_path_layers(count, &oriented);
    let mut graph = Split::new(count, &layer, &oriented);
    graph.order();
    let crossings = graph.crossings_total();
    let (xs, layer_y, layer_h, width) = graph.coordinates(sizes);
    let nodes: Vec<Placed> = (0..count)
        .map(|v| {
            let (w, h) = sizes[v];
            let l = layer[v];
            Placed {
                x: xs[v],
                y: layer_y[l] + (layer_h[l] - h) / 2.0,
                w,
                h,
                layer: l,
            }
        })
        .collect();
    let edges = graph.polylines(edges, &oriented, &nodes, &xs, &layer_y, &layer_h);
    let layer_count = layer_y.len();
    let height = layer_y
        .last()
        .zip(layer_h.last())
        .map_or(0.0, |(y, h)| y + h)
        + MARGIN;
    Layout {
        nodes,
        edges,
        width,
        height,
        layer_count,
        crossings,
    }
}

/// The edges with every back edge of a depth-first search reversed, self-loops and repeats
/// dropped: (source, target, reversed).
fn orient(count: usize, edges: &[(usize, usize)]) -> Vec<(usize, usize, bool)> {
    let mut out_edges = vec![Vec::new(); count];
    for &(source, target) in edges {
        if source != target {
            out_edges[source].push(target);
        }
    }
    // 0 unvisited, 1 on the stack, 2 done. Iterative: lineage chains can be long.
    let mut state = vec![0u8; count];
    let mut back = std::collections::HashSet::new();
    for root in 0..count {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(top) = stack.last_mut() {
            let vertex = top.0;
            if let Some(&target) = out_edges[vertex].get(top.1) {
                top.1 += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        back.insert((vertex, target));
                    }
                    _ => {}
                }
            } else {
                state[vertex] = 2;
                stack.pop();
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut oriented = Vec::with_capacity(edges.len());
    for &(source, target) in edges {
        if source == target {
            continue;
        }
        let edge = if back.contains(&(source, target)) {
            (target, source, true)
        } else {
            (source, target, false)
        };
        if seen.insert((edge.0, edge.1)) {
            oriented.push(edge);
        }
    }
    oriented
}

/// Longest-path layering of a DAG: sources at 0, every edge to a strictly greater layer.
fn longest_path_layers(count: usize, edges: &[(usize, usize, bool)]) -> Vec<usize> {
    let mut indegree = vec![0usize; count];
    let mut out_edges = vec![Vec::new(); count];
    for &(source, target, _) in edges {
        indegree[target] += 1;
        out_edges[source].push(target);
    }
    let mut layer = vec![0usize; count];
    let mut ready: std::collections::VecDeque<usize> =
        (0..count).filter(|&v| indegree[v] == 0).collect();
    while let Some(vertex) = ready.pop_front() {
        for &target in &out_edges[vertex] {
            layer[target] = layer[target].max(layer[vertex] + 1);
            indegree[target] -= 1;
            if indegree[target] == 0 {
                ready.push_back(target);
            }
        }
    }
    layer
}

/// The layered graph with dummy vertices: vertices `0..real` are the input's, the rest dummies.
struct Split {
    real: usize,
    layer: Vec<usize>,
    /// Per layer, its vertices in order.
    layers: Vec<Vec<usize>>,
    /// Edges between adjacent layers (upper, lower).
    up: Vec<Vec<usize>>,
    down: Vec<Vec<usize>>,
    /// For each oriented input edge, the dummies it passes through, top to bottom.
    chains: std::collections::HashMap<(usize, usize), Vec<usize>>,
}

impl Split {
    fn new(real: usize, layer: &[usize], edges: &[(usize, usize, bool)]) -> Split {
        let mut layer = layer.to_vec();
        let mut up = vec![Vec::new(); real];
        let mut down = vec![Vec::new(); real];
        let mut chains = std::collections::HashMap::new();
        let mut dummies = 0usize;
        let budget = DUMMIES_MAX.min(real + edges.len());
        // Short edges first: they gain the most from bending, and a budget spent on them
        // leaves the fewest edges straight.
        let mut by_span: Vec<&(usize, usize, bool)> = edges.iter().collect();
        by_span
            .sort_by_key(|&&(source, target, _)| (layer[target] - layer[source], source, target));
        let mut bent = std::collections::HashSet::new();
        for &&(source, target, _) in &by_span {
            let span = layer[target] - layer[source];
            if span > 1 && dummies + span - 1 <= budget {
                dummies += span - 1;
                bent.insert((source, target));
            }
        }
        for &(source, target, _) in edges {
            let span = layer[target] - layer[source];
            let mut chain = Vec::new();
            let mut previous = source;
            if bent.contains(&(source, target)) {
                for step in 1..span {
                    let dummy = layer.len();
                    layer.push(layer[source] + step);
                    up.push(Vec::new());
                    down.push(Vec::new());
                    down[previous].push(dummy);
                    up[dummy].push(previous);
                    chain.push(dummy);
                    previous = dummy;
                }
            }
            down[previous].push(target);
            up[target].push(previous);
            chains.insert((source, target), chain);
        }
        let layer_count = layer.iter().max().map_or(0, |&l| l + 1);
        let mut layers = vec![Vec::new(); layer_count];
        // Initial order: vertex index (input order), dummies after, by creation.
        for (vertex, &l) in layer.iter().enumerate() {
            layers[l].push(vertex);
        }
        Split {
            real,
            layer,
            layers,
            up,
            down,
            chains,
        }
    }

    /// Barycenter sweeps; keeps the best order seen.
    fn order(&mut self) {
        let mut best = self.layers.clone();
        let mut best_crossings = self.crossings_total();
        let mut position = self.positions();
        let mut stale = 0;
        for _ in 0..SWEEPS {
            // Done when nothing crosses, or when two sweeps in a row found nothing better.
            if best_crossings == 0 || stale == 2 {
                break;
            }
            for l in 1..self.layers.len() {
                self.reorder(l, true, &mut position);
            }
            for l in (0..self.layers.len().saturating_sub(1)).rev() {
                self.reorder(l, false, &mut position);
            }
            let crossings = self.crossings_total();
            if crossings < best_crossings {
                best_crossings = crossings;
                best = self.layers.clone();
                stale = 0;
            } else {
                stale += 1;
            }
        }
        self.layers = best;
    }

    fn positions(&self) -> Vec<usize> {
        let mut position = vec![0usize; self.layer.len()];
        for layer in &self.layers {
            for (index, &vertex) in layer.iter().enumerate() {
                position[vertex] = index;
            }
        }
        position
    }

    /// Sorts layer `l` by the mean position of its neighbours in the layer above (`from_above`)
    /// or below; a vertex without such neighbours keeps its place. Updates `position`.
    fn reorder(&mut self, l: usize, from_above: bool, position: &mut [usize]) {
        let neighbours = if from_above { &self.up } else { &self.down };
        let mut keyed: Vec<(f64, usize, usize)> = self.layers[l]
            .iter()
            .enumerate()
            .map(|(index, &vertex)| {
                let near = &neighbours[vertex];
                let key = if near.is_empty() {
                    index as f64
                } else {
                    near.iter().map(|&n| position[n] as f64).sum::<f64>() / near.len() as f64
                };
                (key, index, vertex)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.layers[l] = keyed.into_iter().map(|(_, _, vertex)| vertex).collect();
        for (index, &vertex) in self.layers[l].iter().enumerate() {
            position[vertex] = index;
        }
    }

    /// Crossings between every pair of adjacent layers (inversion count, O(E log V) each).
    fn crossings_total(&self) -> u64 {
        let position = self.positions();
        let mut total = 0u64;
        for l in 0..self.layers.len().saturating_sub(1) {
            let mut pairs: Vec<(usize, usize)> = self.layers[l]
                .iter()
                .flat_map(|&u| self.down[u].iter().map(move |&v| (u, v)))
                .filter(|&(_, v)| self.layer[v] == l + 1)
                .map(|(u, v)| (position[u], position[v]))
                .collect();
            pairs.sort_unstable();
            let lower: Vec<usize> = pairs.iter().map(|&(_, p)| p).collect();
            total += inversions(&lower, self.layers[l + 1].len());
        }
        total
    }

    /// x of every vertex (real and dummy), top y and height of every layer, total width.
    fn coordinates(&self, sizes: &[(f64, f64)]) -> (Vec<f64>, Vec<f64>, Vec<f64>, f64) {
        let width_of = |v: usize| if v < self.real { sizes[v].0 } else { 0.0 };
        let mut x = vec![0.0f64; self.layer.len()];
        for layer in &self.layers {
            pack(layer, &mut x, &width_of, None);
        }
        for pass in 0..PASSES {
            let order: Vec<usize> = if pass % 2 == 0 {
                (1..self.layers.len()).collect()
            } else {
                (0..self.layers.len().saturating_sub(1)).rev().collect()
            };
            for l in order {
                let neighbours = if pass % 2 == 0 { &self.up } else { &self.down };
                let desired: Vec<f64> = self.layers[l]
                    .iter()
                    .map(|&v| {
                        let near = &neighbours[v];
                        if near.is_empty() {
                            x[v]
                        } else {
                            let centre =
                                near.iter().map(|&n| x[n] + width_of(n) / 2.0).sum::<f64>()
                                    / near.len() as f64;
                            centre - width_of(v) / 2.0
                        }
                    })
                    .collect();
                pack(&self.layers[l], &mut x, &width_of, Some(&desired));
            }
        }
        // Shift so that the leftmost vertex sits at the margin.
        let left = x.iter().copied().fold(f64::INFINITY, f64::min);
        let shift = if left.is_finite() { MARGIN - left } else { 0.0 };
        let mut right = 0.0f64;
        for (v, value) in x.iter_mut().enumerate() {
            *value += shift;
            right = right.max(*value + width_of(v));
        }
        let mut layer_h = vec![0.0f64; self.layers.len()];
        for v in 0..self.real {
            layer_h[self.layer[v]] = layer_h[self.layer[v]].max(sizes[v].1);
        }
        let mut layer_y = Vec::with_capacity(self.layers.len());
        let mut y = MARGIN;
        for &h in &layer_h {
            layer_y.push(y);
            y += h + GAP_Y;
        }
        (x, layer_y, layer_h, right + MARGIN)
    }

    fn polylines(
        &self,
        edges: &[(usize, usize)],
        oriented: &[(usize, usize, bool)],
        nodes: &[Placed],
        x: &[f64],
        layer_y: &[f64],
        layer_h: &[f64],
    ) -> Vec<Vec<(f64, f64)>> {
        let reversed: std::collections::HashSet<(usize, usize)> = oriented
            .iter()
            .filter(|e| e.2)
            .map(|e| (e.1, e.0))
            .collect();
        edges
            .iter()
            .map(|&(source, target)| {
                if source == target {
                    let n = &nodes[source];
                    return vec![(n.x + n.w, n.y + n.h / 2.0), (n.x + n.w + 10.0, n.y)];
                }
                let flipped = reversed.contains(&(source, target));
                let (top, bottom) = if flipped {
                    (target, source)
                } else {
                    (source, target)
                };
                let (t, b) = (&nodes[top], &nodes[bottom]);
                let mut points = vec![(t.x + t.w / 2.0, t.y + t.h)];
                for &dummy in self.chains.get(&(top, bottom)).into_iter().flatten() {
                    let l = self.layer[dummy];
                    points.push((x[dummy], layer_y[l]));
                    points.push((x[dummy], layer_y[l] + layer_h[l]));
                }
                points.push((b.x + b.w / 2.0, b.y));
                if flipped {
                    points.reverse();
                }
                points
            })
            .collect()
    }
}

/// Places `layer`'s vertices left to right at their `desired` x (or packed from 0), then
/// pushes them apart to at least [`GAP_X`]: no two overlap, and the order is kept.
fn pack(layer: &[usize], x: &mut [f64], width_of: &dyn Fn(usize) -> f64, desired: Option<&[f64]>) {
    let mut cursor = f64::NEG_INFINITY;
    for (index, &v) in layer.iter().enumerate() {
        let want = match desired {
            Some(desired) => desired[index],
            None if cursor.is_finite() => cursor,
            None => 0.0,
        };
        x[v] = want.max(cursor);
        cursor = x[v] + width_of(v) + GAP_X;
    }
    // Pull back towards the desired places from the right, without new overlaps.
    if let Some(desired) = desired {
        let mut limit = f64::INFINITY;
        for (index, &v) in layer.iter().enumerate().rev() {
            let w = width_of(v);
            let lower_bound = if index == 0 {
                f64::NEG_INFINITY
            } else {
                let p = layer[index - 1];
                x[p] + width_of(p) + GAP_X
            };
            let target = desired[index].min(limit - w - GAP_X).max(lower_bound);
            if target < x[v] {
                x[v] = target;
            }
            limit = x[v];
        }
    }
}

/// Inversions of `values` (each `< bound`) with a Fenwick tree.
fn inversions(values: &[usize], bound: usize) -> u64 {
    let mut tree = vec![0u64; bound + 1];
    let mut total = 0u64;
    for (seen, &value) in values.iter().enumerate() {
        // Count earlier values greater than `value`.
        let mut at = value + 1;
        let mut not_greater = 0u64;
        while at > 0 {
            not_greater += tree[at];
            at &= at - 1;
        }
        total += seen as u64 - not_greater;
        let mut at = value + 1;
        while at <= bound {
            tree[at] += 1;
            at += at & at.wrapping_neg();
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn no_overlaps(layout: &Layout) {
        for (i, a) in layout.nodes.iter().enumerate() {
            for b in &layout.nodes[i + 1..] {
                let apart_x = a.x + a.w <= b.x || b.x + b.w <= a.x;
                let apart_y = a.y + a.h <= b.y || b.y + b.h <= a.y;
                assert!(apart_x || apart_y, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn layers_follow_edges_and_crossings_are_removed() {
        // Two sources, each pointing at the other's child: a crossing the sweeps must undo.
        let sizes = vec![(40.0, 20.0); 4];
        let edges = [(0, 3), (1, 2)];
        let layout = layout(&sizes, &edges);
        assert_eq!(layout.layer_count, 2);
        for &(s, t) in &edges {
            assert!(layout.nodes[s].layer < layout.nodes[t].layer);
        }
        assert_eq!(layout.crossings, 0);
        no_overlaps(&layout);
    }

    #[test]
    fn a_long_edge_bends_through_every_layer_it_crosses() {
        let sizes = vec![(30.0, 20.0); 4];
        let edges = [(0, 1), (1, 2), (2, 3), (0, 3)];
        let layout = layout(&sizes, &edges);
        assert_eq!(layout.nodes[3].layer, 3);
        // Top and bottom of each of the two dummy layers, plus both ends.
        assert_eq!(layout.edges[3].len(), 6);
    }

    #[test]
    fn a_cycle_is_laid_out_anyway() {
        let sizes = vec![(30.0, 20.0); 3];
        let layout = layout(&sizes, &[(0, 1), (1, 2), (2, 0), (1, 1)]);
        assert_eq!(layout.nodes.len(), 3);
        assert_eq!(layout.edges.len(), 4);
        no_overlaps(&layout);
    }

    #[test]
    fn inversions_count_crossing_pairs() {
        assert_eq!(inversions(&[2, 1, 0], 3), 3);
        assert_eq!(inversions(&[0, 1, 1, 2], 3), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_dags_respect_edges_without_overlaps(
            widths in proptest::collection::vec(10.0f64..120.0, 1..40),
            raw in proptest::collection::vec((0usize..40, 0usize..40), 0..80),
        ) {
            let count = widths.len();
            let sizes: Vec<(f64, f64)> = widths.iter().map(|&w| (w, 22.0)).collect();
            // Forward edges only: a DAG, so every edge must point down.
            let edges: Vec<(usize, usize)> = raw
                .into_iter()
                .map(|(a, b)| (a % count, b % count))
                .filter(|(a, b)| a < b)
                .collect();
            let layout = layout(&sizes, &edges);
            for &(s, t) in &edges {
                prop_assert!(layout.nodes[s].layer < layout.nodes[t].layer);
                prop_assert!(layout.nodes[s].y + layout.nodes[s].h <= layout.nodes[t].y);
            }
            no_overlaps(&layout);
            for node in &layout.nodes {
                prop_assert!(node.x >= 0.0 && node.x + node.w <= layout.width);
                prop_assert!(node.y >= 0.0 && node.y + node.h <= layout.height);
            }
        }
    }
}
