//! Lineage graphs: alternatives as OR, premises as AND, the happens-before fallback, export.

mod common;

use common::{Protocol, simulate};
use faultline_ldfi::{
    LineageMode, LineageNode, build_lineage, default_goal, select_goal, to_dot, to_json,
};
use faultline_trace::{Event, EventKind, Header, TimeModel, Trace};
use serde_json::json;

#[test]
fn redundant_derivations_are_or_branches() {
    // retry-deliv, 4 rounds: b logs in rounds 2, 3 and 4.
    let trace = simulate(Protocol::Retry, 4, &[]);
    let goal = select_goal(&trace, Some(&json!(["log", "hello"])), Some("b"));
    assert_eq!(goal.len(), 1);
    let lineage = build_lineage(&trace, &goal).expect("lineage");
    assert_eq!(lineage.mode, LineageMode::Annotated);
    let facts: Vec<_> = lineage.premises(lineage.goal);
    assert_eq!(facts.len(), 1);
    let fact = &lineage.graph[facts[0]];
    assert!(fact.is_or());
    assert!(matches!(fact, LineageNode::Fact { node, derivations: 3, .. } if node == "b"));
    // The alternatives form a chain (held after k derivations = the k-th OR held after k-1),
    // so the graph stays linear in the number of derivations.
    let mut derivations = Vec::new();
    let mut link = facts[0];
    loop {
        let premises = lineage.premises(link);
        derivations.push(premises[0]);
        match premises.get(1) {
            Some(&shorter) => {
                assert!(lineage.graph[shorter].is_or());
                link = shorter;
            }
            None => break,
        }
    }
    assert_eq!(derivations.len(), 3, "three alternative derivations");
    // Each derivation needs its delivery, which needs its send.
    for derivation in derivations {
        let premises = lineage.premises(derivation);
        assert_eq!(premises.len(), 1);
        assert!(matches!(
            lineage.graph[premises[0]],
            LineageNode::Delivery { .. }
        ));
        let send = lineage.premises(premises[0]);
        assert!(matches!(
            lineage.graph[send[0]],
            LineageNode::Event {
                kind: EventKind::Send,
                ..
            }
        ));
    }
}

#[test]
fn default_goal_is_every_derived_fact() {
    let trace = simulate(Protocol::Simple, 4, &[]);
    let goal = default_goal(&trace);
    assert_eq!(goal.len(), 3, "one log fact per node");
    let lineage = build_lineage(&trace, &goal).expect("lineage");
    assert_eq!(lineage.premises(lineage.goal).len(), 3);
}

fn foreign_trace() -> Trace {
    let mut trace = Trace::new(Header::new(
        "foreign",
        "x",
        TimeModel::Async,
        vec!["a".into(), "b".into(), "c".into()],
    ));
    let message = |id, kind, src: &str, dst: &str, msg_id, lt| Event {
        src: Some(src.into()),
        dst: Some(dst.into()),
        msg_id: Some(msg_id),
        sent_lt: Some(lt),
        ..Event::new(id, kind, lt)
    };
    trace.push(message(0, EventKind::Send, "a", "b", 0, 1));
    trace.push(message(1, EventKind::Deliver, "a", "b", 0, 1));
    trace.push(message(2, EventKind::Send, "b", "c", 1, 2));
    trace.push(message(3, EventKind::Deliver, "b", "c", 1, 2));
    trace
}

#[test]
fn without_annotations_sends_depend_on_earlier_deliveries() {
    let trace = foreign_trace();
    let goal = default_goal(&trace);
    assert_eq!(goal, vec![1, 3], "every delivery");
    let lineage = build_lineage(&trace, &[3]).expect("lineage");
    assert_eq!(lineage.mode, LineageMode::HappensBefore);
    // deliver b→c ← send b→c ← deliveries at b (the first one: a→b) ← send a→b.
    let delivery = lineage.premises(lineage.goal)[0];
    let send = lineage.premises(delivery)[0];
    let before = lineage.premises(send)[0];
    assert!(
        matches!(&lineage.graph[before], LineageNode::Deliveries { node, count: 1 } if node == "b")
    );
    let first = lineage.premises(before)[0];
    assert!(matches!(
        lineage.graph[first],
        LineageNode::Delivery { event: 1, .. }
    ));
}

#[test]
fn a_parent_that_is_not_earlier_is_an_error_not_a_panic() {
    let mut trace = foreign_trace();
    trace.events[2].parents = vec![3];
    let err = build_lineage(&trace, &[3]).expect_err("bad parent");
    assert!(
        err.to_string().contains("parent 3 is not an earlier event"),
        "{err}"
    );
    let err = build_lineage(&trace, &[99]).expect_err("bad goal");
    assert!(err.to_string().contains("goal event 99"), "{err}");
}

#[test]
fn exports_name_every_vertex_and_edge() {
    let trace = simulate(Protocol::Simple, 4, &[]);
    let lineage = build_lineage(&trace, &default_goal(&trace)).expect("lineage");
    let dot = to_dot(&lineage);
    assert!(dot.starts_with("digraph lineage {"));
    assert!(dot.contains("shape=diamond"));
    assert!(dot.contains("shape=doubleoctagon"));
    assert_eq!(dot.matches(" -> ").count(), lineage.graph.edge_count());
    let json = to_json(&lineage);
    assert_eq!(
        json["nodes"].as_array().map(Vec::len),
        Some(lineage.graph.node_count())
    );
    assert_eq!(
        json["edges"].as_array().map(Vec::len),
        Some(lineage.graph.edge_count())
    );
    assert_eq!(json["mode"], "annotated");
}
