//! Lineage graphs for people (Graphviz DOT) and machines (JSON).

use petgraph::visit::EdgeRef;
use serde_json::{Value, json};

use crate::LineageGraph;

/// The graph in Graphviz DOT: OR vertices are diamonds, AND vertices boxes, the goal a double
/// octagon; edges point from a vertex to the premises it needs.
pub fn to_dot(lineage: &LineageGraph) -> String {
    let mut out = String::from("digraph lineage {\n  rankdir=TB;\n");
    for index in lineage.graph.node_indices() {
        let vertex = &lineage.graph[index];
        let shape = if index == lineage.goal {
            "doubleoctagon"
        } else if vertex.is_or() {
            "diamond"
        } else {
            "box"
        };
        let label = vertex.label().replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str(&format!(
            "  n{} [shape={shape}, label=\"{label}\"];\n",
            index.index()
        ));
    }
    for edge in lineage.graph.edge_references() {
        out.push_str(&format!(
            "  n{} -> n{};\n",
            edge.source().index(),
            edge.target().index()
        ));
    }
    out.push_str("}\n");
    out
}

/// The graph as one JSON object: `mode`, `goal` (a vertex id), `nodes` (each with `id`, `type`,
/// `or` and its fields) and `edges` (`[from, to]`, vertex → premise), all in index order.
pub fn to_json(lineage: &LineageGraph) -> Value {
    let nodes: Vec<Value> = lineage
        .graph
        .node_indices()
        .map(|index| {
            let vertex = &lineage.graph[index];
            let mut object = serde_json::to_value(vertex).unwrap_or(Value::Null);
            if let Value::Object(map) = &mut object {
                map.insert("id".into(), json!(index.index()));
                map.insert("or".into(), json!(vertex.is_or()));
                map.insert("label".into(), json!(vertex.label()));
            }
            object
        })
        .collect();
    let mut edges: Vec<[usize; 2]> = lineage
        .graph
        .edge_references()
        .map(|edge| [edge.source().index(), edge.target().index()])
        .collect();
    edges.sort_unstable();
    json!({
        "mode": lineage.mode,
        "goal": lineage.goal.index(),
        "nodes": nodes,
        "edges": edges,
    })
}
