//! The delivery family's invariant (Molly `delivery/deliv_assert.ded`), over a run's trace.
//!
//! `missing_log(A, P)`: some node has P and A, a node that never crashed, does not.
//! `pre(X, P)`: X has P, X is not the broadcaster and X never crashed. `post(X, P)`: X has P and
//! nobody is missing it. Violated iff at the end some `pre(X, P)` holds and `post(X, P)` does
//! not.
//!
//! Crashed nodes are exempt from `missing_log`, as in reliable broadcast's agreement ("every
//! correct process delivers"). Molly's code counts them, but there a crashed node keeps
//! receiving and logging (it only stops sending); here a crashed node runs no handler at all
//! (DESIGN.md), so counting it would blame the protocol for the crash itself and turn the
//! paper's certified protocols (redun-deliv, ack-deliv at one crash) into counterexamples.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{EventKind, Goal, GoalScope, NodeId, Trace};
use serde_json::Value;

use crate::delivery::{BROADCASTER, log_fact};
use faultline_harness::InvariantReport;
use faultline_harness::end_state::final_states;

/// The payloads in a node state's `log` array.
fn log_of(state: &Value) -> BTreeSet<String> {
    let Some(entries) = state.get("log").and_then(Value::as_array) else {
        return BTreeSet::new();
    };
    entries
        .iter()
        .map(|entry| match entry {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn names(nodes: &[&NodeId]) -> String {
    let names: Vec<&str> = nodes.iter().map(|node| node.as_str()).collect();
    names.join(", ")
}

fn verb<'a>(nodes: &[&NodeId], one: &'a str, many: &'a str) -> &'a str {
    if nodes.len() == 1 { one } else { many }
}

/// Evaluates `deliv_assert` at the end of `trace` (broadcaster `a`).
pub fn check_delivery(trace: &Trace) -> InvariantReport {
    let nodes = &trace.header.nodes;
    let states = final_states(trace);
    let logs: BTreeMap<&NodeId, BTreeSet<String>> = states
        .iter()
        .map(|(node, state)| (node, log_of(state)))
        .collect();
    let crashed: BTreeSet<&NodeId> = trace
        .events
        .iter()
        .filter(|event| event.kind == EventKind::Crash)
        .filter_map(|event| event.node.as_ref())
        .collect();
    let payloads: BTreeSet<&String> = logs.values().flatten().collect();
    let mut any_pre = false;
    let mut goal = Vec::new();
    for payload in &payloads {
        let has = |node: &NodeId| logs.get(node).is_some_and(|log| log.contains(*payload));
        let missing: Vec<&NodeId> = nodes
            .iter()
            .filter(|node| !has(node) && !crashed.contains(node))
            .collect();
        let pre: Vec<&NodeId> = nodes
            .iter()
            .filter(|node| has(node) && node.as_str() != BROADCASTER && !crashed.contains(node))
            .collect();
        if !pre.is_empty() && !missing.is_empty() {
            return InvariantReport {
                holds: false,
                vacuous: false,
                goal: Goal::all_of(Vec::new(), GoalScope::CrashedNodesExempt),
                explanation: format!(
                    "{} {} {payload:?} but {} {} not",
                    names(&pre),
                    verb(&pre, "has", "have"),
                    names(&missing),
                    verb(&missing, "does", "do"),
                ),
            };
        }
        any_pre |= !pre.is_empty();
        if missing.is_empty() {
            goal.extend(
                nodes
                    .iter()
                    .filter(|node| !crashed.contains(node))
                    .filter_map(|node| latest_log_derive(trace, node, payload)),
            );
        }
    }
    goal.sort_unstable();
    let explanation = match (any_pre, payloads.is_empty()) {
        (true, _) => {
            let all: Vec<String> = payloads
                .iter()
                .map(|payload| format!("{payload:?}"))
                .collect();
            format!("all {} nodes have {}", nodes.len(), all.join(", "))
        }
        (false, true) => "vacuously true: no node has a payload".to_string(),
        (false, false) => {
            "vacuously true: no node other than the broadcaster that never crashed has a payload"
                .to_string()
        }
    };
    InvariantReport {
        holds: true,
        vacuous: !any_pre,
        // Agreement among the nodes that never crash: a crash only relaxes the goal.
        goal: Goal::all_of(goal, GoalScope::CrashedNodesExempt),
        explanation,
    }
}

/// The last `derive` of `["log", payload]` at `node`.
fn latest_log_derive(trace: &Trace, node: &NodeId, payload: &str) -> Option<u64> {
    let fact = log_fact(payload);
    trace
        .events
        .iter()
        .rev()
        .find(|event| {
            event.kind == EventKind::Derive
                && event.node.as_ref() == Some(node)
                && event.fact.as_ref() == Some(&fact)
        })
        .map(|event| event.id)
}
