//! Per-event node state: `initial_state` with every `state` / `state_patch` folded in.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{Event, NodeId, Trace, TraceError};

/// The state every node had before and after every event of a trace.
///
/// Only the states at events that changed a node are stored (one per `state` or `state_patch`
/// on an event whose [`Event::actor`] is that node); [`StateView::before`] and
/// [`StateView::after`] find the right one by binary search.
///
/// # Complexity
///
/// Building: O(n + Σ state size at each change). Memory: one state per change per node.
/// Queries: O(log changes(node)).
#[derive(Debug, Clone, PartialEq)]
pub struct StateView {
    nodes: Vec<NodeId>,
    index: BTreeMap<NodeId, usize>,
    initial: Vec<Value>,
    history: Vec<NodeHistory>,
}

/// The states of one node at the events that changed it, in event order.
#[derive(Debug, Clone, Default, PartialEq)]
struct NodeHistory {
    events: Vec<u64>,
    states: Vec<Value>,
}

impl StateView {
    /// Folds every `state` / `state_patch` of `trace` over `header.initial_state`.
    ///
    /// A node missing from `initial_state` starts as `null`. Errors (an [`TraceError::InvalidEvent`])
    /// when a state event has no node, names a node not in `header.nodes`, carries both `state`
    /// and `state_patch`, or has a `state_patch` that is not a JSON object.
    pub fn new(trace: &Trace) -> Result<StateView, TraceError> {
        let nodes = trace.header.nodes.clone();
        let index: BTreeMap<NodeId, usize> = nodes
            .iter()
            .enumerate()
            .map(|(position, node)| (node.clone(), position))
            .collect();
        let initial: Vec<Value> = nodes
            .iter()
            .map(|node| {
                trace
                    .header
                    .initial_state
                    .get(node)
                    .cloned()
                    .unwrap_or(Value::Null)
            })
            .collect();
        let mut history = vec![NodeHistory::default(); nodes.len()];
        for event in &trace.events {
            let Some(change) = state_change(event)? else {
                continue;
            };
            let node = state_node(event, &index)?;
            let entry = &mut history[node];
            let next = match change {
                StateChange::Whole(state) => state.clone(),
                StateChange::Patch(patch) => {
                    let mut state = entry.states.last().unwrap_or(&initial[node]).clone();
                    json_patch::merge(&mut state, patch);
                    state
                }
            };
            // Several changes on one event id cannot happen: ids are unique per event.
            entry.events.push(event.id);
            entry.states.push(next);
        }
        Ok(StateView {
            nodes,
            index,
            initial,
            history,
        })
    }

    /// The node's index in `header.nodes` order.
    pub fn node_index(&self, node: &str) -> Option<usize> {
        self.index.get(node).copied()
    }

    /// The nodes, in `header.nodes` order.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// The state of `node` just before event `event_index` (its initial state — `null` if the
    /// header has none — when nothing changed it earlier).
    ///
    /// # Panics
    ///
    /// If `node` is not an index of `header.nodes`.
    pub fn before(&self, event_index: usize, node: usize) -> &Value {
        let history = &self.history[node];
        let count = history
            .events
            .partition_point(|&event| event < event_index as u64);
        self.state_at(node, count)
    }

    /// The state of `node` just after event `event_index`.
    ///
    /// # Panics
    ///
    /// If `node` is not an index of `header.nodes`.
    pub fn after(&self, event_index: usize, node: usize) -> &Value {
        let history = &self.history[node];
        let count = history
            .events
            .partition_point(|&event| event <= event_index as u64);
        self.state_at(node, count)
    }

    /// The state of `node` at the end of the trace.
    ///
    /// # Panics
    ///
    /// If `node` is not an index of `header.nodes`.
    pub fn final_state(&self, node: usize) -> &Value {
        self.state_at(node, self.history[node].states.len())
    }

    /// The ids of the events that changed `node`, in order.
    ///
    /// # Panics
    ///
    /// If `node` is not an index of `header.nodes`.
    pub fn change_events(&self, node: usize) -> &[u64] {
        &self.history[node].events
    }

    /// The state after the first `count` changes of `node`.
    fn state_at(&self, node: usize, count: usize) -> &Value {
        match count.checked_sub(1) {
            Some(last) => &self.history[node].states[last],
            None => &self.initial[node],
        }
    }
}

/// How an event changes its node's state.
enum StateChange<'a> {
    Whole(&'a Value),
    Patch(&'a Value),
}

fn state_change(event: &Event) -> Result<Option<StateChange<'_>>, TraceError> {
    match (&event.state, &event.state_patch) {
        (None, None) => Ok(None),
        (Some(state), None) => Ok(Some(StateChange::Whole(state))),
        (None, Some(patch)) if patch.is_object() => Ok(Some(StateChange::Patch(patch))),
        (None, Some(_)) => Err(invalid(
            event,
            "state_patch",
            "a JSON object (an RFC 7386 merge patch)",
        )),
        (Some(_), Some(_)) => Err(invalid(
            event,
            "state_patch",
            "no `state_patch` when `state` is present (give one or the other)",
        )),
    }
}

fn state_node(event: &Event, index: &BTreeMap<NodeId, usize>) -> Result<usize, TraceError> {
    let Some(actor) = event.actor() else {
        return Err(invalid(
            event,
            "node",
            "the node whose state changed (required with `state` or `state_patch`)",
        ));
    };
    index
        .get(actor)
        .copied()
        .ok_or_else(|| invalid(event, "node", "a node listed in header.nodes"))
}

fn invalid(event: &Event, field: &str, expected: &str) -> TraceError {
    TraceError::InvalidEvent {
        event: event.id,
        field: field.to_string(),
        expected: expected.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{EventKind, Header, TimeModel};

    fn trace_with(events: Vec<Event>) -> Trace {
        let mut header = Header::new("r", "s", TimeModel::Rounds, vec!["a".into(), "b".into()]);
        header
            .initial_state
            .insert("a".into(), json!({"n": 0, "log": []}));
        let mut trace = Trace::new(header);
        for event in events {
            trace.push(event);
        }
        trace
    }

    fn at(id: u64, node: &str) -> Event {
        Event {
            node: Some(node.into()),
            ..Event::new(id, EventKind::Log, 1)
        }
    }

    #[test]
    fn patches_fold_over_the_initial_state() {
        let trace = trace_with(vec![
            Event {
                state_patch: Some(json!({"n": 1})),
                ..at(0, "a")
            },
            at(1, "b"),
            Event {
                state_patch: Some(json!({"log": ["x"], "n": null})),
                ..at(2, "a")
            },
            Event {
                state: Some(json!({"whole": true})),
                ..at(3, "b")
            },
        ]);
        let view = StateView::new(&trace).unwrap();
        let a = view.node_index("a").unwrap();
        let b = view.node_index("b").unwrap();
        assert_eq!((a, b), (0, 1));
        assert_eq!(view.node_index("c"), None);
        assert_eq!(view.before(0, a), &json!({"n": 0, "log": []}));
        assert_eq!(view.after(0, a), &json!({"n": 1, "log": []}));
        assert_eq!(view.before(2, a), &json!({"n": 1, "log": []}));
        assert_eq!(view.after(2, a), &json!({"log": ["x"]}));
        assert_eq!(view.after(3, a), &json!({"log": ["x"]}));
        assert_eq!(view.before(3, b), &Value::Null);
        assert_eq!(view.after(3, b), &json!({"whole": true}));
        assert_eq!(view.final_state(b), &json!({"whole": true}));
        assert_eq!(view.change_events(a), &[0, 2]);
    }

    #[test]
    fn send_and_deliver_states_belong_to_their_actor() {
        let send = Event {
            src: Some("a".into()),
            dst: Some("b".into()),
            msg_id: Some(0),
            state_patch: Some(json!({"sent": 1})),
            ..Event::new(0, EventKind::Send, 1)
        };
        let deliver = Event {
            kind: EventKind::Deliver,
            id: 1,
            lt: 2,
            state_patch: Some(json!({"got": 1})),
            ..send.clone()
        };
        let view = StateView::new(&trace_with(vec![send, deliver])).unwrap();
        assert_eq!(view.after(0, 0), &json!({"n": 0, "log": [], "sent": 1}));
        assert_eq!(view.after(1, 1), &json!({"got": 1}));
        assert_eq!(view.after(1, 0), &json!({"n": 0, "log": [], "sent": 1}));
    }

    #[test]
    fn bad_state_events_are_errors_naming_the_field() {
        let cases = [
            (
                Event {
                    state_patch: Some(json!([1])),
                    ..at(0, "a")
                },
                "state_patch",
            ),
            (
                Event {
                    state: Some(json!({})),
                    state_patch: Some(json!({})),
                    ..at(0, "a")
                },
                "state_patch",
            ),
            (
                Event {
                    state: Some(json!({})),
                    ..at(0, "zz")
                },
                "node",
            ),
            (
                Event {
                    state: Some(json!({})),
                    ..Event::new(0, EventKind::Invoke, 1)
                },
                "node",
            ),
        ];
        for (event, field) in cases {
            let err = StateView::new(&trace_with(vec![event])).unwrap_err();
            assert_eq!(err.field(), Some(field), "{err}");
        }
    }
}
