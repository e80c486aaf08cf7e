//! The client history: `invoke` / `ok` / `fail` / `info` events, as elle-lite reads them.

use serde::Serialize;
use serde_json::Value;

use crate::{EventKind, Trace};

/// One client-history entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientOp {
    /// Id of the event.
    pub event: u64,
    /// The client process.
    pub process: u64,
    /// `invoke`, `ok`, `fail` or `info`.
    pub kind: EventKind,
    /// The function, e.g. `"txn"`.
    pub f: String,
    /// The operation's value (`null` when the event has none).
    pub value: Value,
    /// Logical time of the event.
    pub lt: u64,
    /// Simulated time of the event, in nanoseconds.
    pub sim_ns: u64,
}

/// The client operations of `trace`, in trace order.
///
/// Assumes a validated trace: a client event without `process` or `f` is skipped.
///
/// # Complexity
///
/// O(n).
pub fn client_history(trace: &Trace) -> Vec<ClientOp> {
    trace
        .events
        .iter()
        .filter(|event| event.kind.is_client())
        .filter_map(|event| {
            Some(ClientOp {
                event: event.id,
                process: event.process?,
                kind: event.kind,
                f: event.f.clone()?,
                value: event.value.clone().unwrap_or(Value::Null),
                lt: event.lt,
                sim_ns: event.sim_ns,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Event, Header, TimeModel};

    #[test]
    fn only_client_events_in_order() {
        let mut trace = Trace::new(Header::new("r", "s", TimeModel::Async, vec!["a".into()]));
        let op = |id, kind, value| Event {
            process: Some(1),
            f: Some("txn".into()),
            value,
            ..Event::new(id, kind, id)
        };
        trace.push(op(0, EventKind::Invoke, Some(json!([["append", 1, 2]]))));
        trace.push(Event {
            node: Some("a".into()),
            ..Event::new(1, EventKind::Log, 1)
        });
        trace.push(op(2, EventKind::Ok, None));
        let history = client_history(&trace);
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].kind, EventKind::Invoke);
        assert_eq!(history[0].value, json!([["append", 1, 2]]));
        assert_eq!(history[1].event, 2);
        assert_eq!(history[1].kind, EventKind::Ok);
        assert_eq!(history[1].value, Value::Null);
        assert_eq!(history[1].f, "txn");
    }
}
