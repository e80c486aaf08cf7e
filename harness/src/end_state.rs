//! What invariants read from a run's trace: each node's final state, the nodes that crashed,
//! string fields and sets in a state, and the latest derive of a fact at a node (a goal event).

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{EventKind, NodeId, Trace};

use crate::merge_patch;
use serde_json::Value;

/// The nodes with an injected `crash` anywhere in the trace: the nodes that did not "never
/// crash". A handler panic (a `crash` with a `reason` and no `fault`) is a bug of the SUT, not
/// a crash: `System::check` calls such a run bad before asking the invariant.
pub fn crashed_nodes(trace: &Trace) -> BTreeSet<NodeId> {
    trace
        .events
        .iter()
        .filter(|event| event.kind == EventKind::Crash)
        .filter(|event| event.fault.is_some() || event.reason.is_none())
        .filter_map(|event| event.node.clone())
        .collect()
}

/// The strings in the array `field` of a node state (empty when absent).
pub fn string_set(state: Option<&Value>, field: &str) -> BTreeSet<String> {
    state
        .and_then(|state| state.get(field))
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The string field `field` of a node state, if present.
pub fn string_field<'a>(state: Option<&'a Value>, field: &str) -> Option<&'a str> {
    state
        .and_then(|state| state.get(field))
        .and_then(Value::as_str)
}

/// The last `derive` of `fact` at `node` (a goal event: every derivation of the same fact at
/// that node is an alternative support of it).
pub fn last_derive(trace: &Trace, node: &str, fact: &Value) -> Option<u64> {
    trace
        .events
        .iter()
        .rev()
        .find(|event| {
            event.kind == EventKind::Derive
                && event.node.as_deref() == Some(node)
                && event.fact.as_ref() == Some(fact)
        })
        .map(|event| event.id)
}

/// Each node's state at the end of the trace: the header's initial state with every later
/// `state` / `state_patch` applied, by the node whose handler produced the event.
pub fn final_states(trace: &Trace) -> BTreeMap<NodeId, Value> {
    let mut states: BTreeMap<NodeId, Value> = trace
        .header
        .nodes
        .iter()
        .map(|node| {
            let initial = trace.header.initial_state.get(node).cloned();
            (node.clone(), initial.unwrap_or(Value::Null))
        })
        .collect();
    for event in &trace.events {
        let Some(node) = event.actor() else { continue };
        let Some(state) = states.get_mut(node) else {
            continue;
        };
        if let Some(whole) = &event.state {
            *state = whole.clone();
        }
        if let Some(patch) = &event.state_patch {
            merge_patch::apply(state, patch);
        }
    }
    states
}
