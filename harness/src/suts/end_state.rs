//! What the invariants of the crash-sensitive SUTs (primary-backup, quorum-write, relay-chain,
//! 2pc-3, the commit family) read from a run's trace: the nodes that crashed, the string sets in the nodes' final
//! states, and the latest derive of a fact at a node (a goal event).

use std::collections::BTreeSet;

use faultline_trace::{EventKind, NodeId, Trace};
use serde_json::Value;

/// The nodes with an injected `crash` anywhere in the trace: the nodes that did not "never
/// crash". A handler panic (a `crash` with a `reason` and no `fault`) is a bug of the SUT, not
/// a crash: `Sut::check` calls such a run bad before asking the invariant.
pub(crate) fn crashed_nodes(trace: &Trace) -> BTreeSet<NodeId> {
    trace
        .events
        .iter()
        .filter(|event| event.kind == EventKind::Crash)
        .filter(|event| event.fault.is_some() || event.reason.is_none())
        .filter_map(|event| event.node.clone())
        .collect()
}

/// The strings in the array `field` of a node state (empty when absent).
pub(crate) fn string_set(state: Option<&Value>, field: &str) -> BTreeSet<String> {
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
pub(crate) fn string_field<'a>(state: Option<&'a Value>, field: &str) -> Option<&'a str> {
    state
        .and_then(|state| state.get(field))
        .and_then(Value::as_str)
}

/// The last `derive` of `fact` at `node` (a goal event: every derivation of the same fact at
/// that node is an alternative support of it).
pub(crate) fn last_derive(trace: &Trace, node: &str, fact: &Value) -> Option<u64> {
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

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}
