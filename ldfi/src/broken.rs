//! Which supports of a lineage graph a concrete fault set breaks (for reports: the failure-free
//! run's lineage with the counterexample's damage drawn on it).

use faultline_trace::Fault;

use crate::{LineageGraph, LineageNode};

/// For every vertex of `lineage` (by index), whether `faults` break it: a delivery is broken
/// by an omission of its message, a crash of its sender at or before the send, a crash of its
/// receiver at or before the delivery, a clog of the receiver whose window holds it, or a
/// partition separating the two when it was sent; any other event by a crash of its node at or
/// before it. An AND vertex (event, delivery, goal) is broken when it is broken directly or
/// some premise is; an OR vertex (a fact) when every derivation is.
///
/// This is the same breaking relation the Z3 encoding uses, evaluated for one fault set.
///
/// # Complexity
/// O((V + E) · |faults|); vertices are visited premises first (the graph is a DAG).
pub fn broken_vertices(lineage: &LineageGraph, faults: &[Fault]) -> Vec<bool> {
    let graph = &lineage.graph;
    let count = graph.node_count();
    let mut broken = vec![false; count];
    // Premises first: petgraph's toposort walks edges vertex → premise, so reverse it.
    let order = match petgraph::algo::toposort(graph, None) {
        Ok(order) => order,
        // Not a DAG (never built that way): judge every vertex on its own faults only.
        Err(_) => graph.node_indices().collect(),
    };
    for &vertex in order.iter().rev() {
        let premises = lineage.premises(vertex);
        let premise_broken = |p: &petgraph::graph::NodeIndex| broken[p.index()];
        broken[vertex.index()] = if graph[vertex].is_or() {
            !premises.is_empty() && premises.iter().all(premise_broken)
        } else {
            breaks_directly(&graph[vertex], faults) || premises.iter().any(premise_broken)
        };
    }
    broken
}

/// Whether one of `faults` breaks `vertex` on its own (not through its premises): the leaf
/// test of [`broken_vertices`], for per-vertex tallies such as coverage.
pub fn breaks_directly(vertex: &LineageNode, faults: &[Fault]) -> bool {
    let crashed_by = |node: &str, lt: u64| {
        faults
            .iter()
            .any(|fault| matches!(fault, Fault::Crash { node: n, at } if n == node && *at <= lt))
    };
    match vertex {
        LineageNode::Goal | LineageNode::Fact { .. } | LineageNode::Deliveries { .. } => false,
        LineageNode::Delivery {
            src,
            dst,
            sent_lt,
            lt,
            ..
        } => {
            crashed_by(src, *sent_lt)
                || crashed_by(dst, *lt)
                || faults.iter().any(|fault| match fault {
                    Fault::Omission { src: s, dst: d, at } => s == src && d == dst && at == sent_lt,
                    Fault::Clog { node, from, to } => node == dst && from <= lt && lt < to,
                    Fault::Partition { groups, from, to } => {
                        from <= sent_lt && sent_lt < to && separated(groups, src, dst)
                    }
                    _ => false,
                })
        }
        LineageNode::Event { node, lt, .. } => node.as_deref().is_some_and(|n| crashed_by(n, *lt)),
    }
}

/// Whether `groups` put `a` and `b` on different sides (a node in no group is alone).
fn separated(groups: &[Vec<String>], a: &str, b: &str) -> bool {
    let group_of = |node: &str| groups.iter().position(|g| g.iter().any(|n| n == node));
    match (group_of(a), group_of(b)) {
        (Some(x), Some(y)) => x != y,
        _ => a != b,
    }
}

#[cfg(test)]
mod tests {
    use faultline_trace::{Event, EventKind, Header, TimeModel, Trace};

    use super::*;
    use crate::build_lineage;

    /// a sends to b twice (rounds 1 and 2); b's deliveries are the goal.
    fn two_sends() -> Trace {
        let mut trace = Trace::new(Header::new(
            "ff",
            "demo",
            TimeModel::Rounds,
            vec!["a".into(), "b".into()],
        ));
        for (id, msg) in [(0u64, 0u64), (2, 1)] {
            let lt = msg + 1;
            let link = |kind, id, lt| Event {
                src: Some("a".into()),
                dst: Some("b".into()),
                msg_id: Some(msg),
                sent_lt: Some(msg + 1),
                ..Event::new(id, kind, lt)
            };
            trace.push(link(EventKind::Send, id, lt));
            trace.push(link(EventKind::Deliver, id + 1, lt + 1));
        }
        trace
    }

    #[test]
    fn an_omission_breaks_its_delivery_and_the_goal_above_it() {
        let trace = two_sends();
        let lineage = build_lineage(&trace, &[1]).expect("lineage");
        let omission = Fault::Omission {
            src: "a".into(),
            dst: "b".into(),
            at: 1,
        };
        let broken = broken_vertices(&lineage, &[omission]);
        assert!(broken[lineage.goal.index()]);
        let other = Fault::Omission {
            src: "a".into(),
            dst: "b".into(),
            at: 2,
        };
        let broken = broken_vertices(&lineage, &[other]);
        assert!(
            broken.iter().all(|b| !b),
            "the message sent at 2 is not in this lineage"
        );
    }

    #[test]
    fn a_crash_of_the_sender_breaks_what_it_sends_later_only() {
        let trace = two_sends();
        let lineage = build_lineage(&trace, &[3]).expect("lineage");
        let late = Fault::Crash {
            node: "a".into(),
            at: 3,
        };
        assert!(!broken_vertices(&lineage, &[late])[lineage.goal.index()]);
        let early = Fault::Crash {
            node: "a".into(),
            at: 2,
        };
        assert!(broken_vertices(&lineage, &[early])[lineage.goal.index()]);
    }
}
