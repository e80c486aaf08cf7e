//! The network trace: every `send` joined with its `deliver` or `drop`.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::{EventKind, Fault, NodeId, Trace};

/// One message: its send and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkMessage {
    /// The message's id (`msg_id`).
    pub msg_id: u64,
    /// Sender.
    pub src: NodeId,
    /// Receiver.
    pub dst: NodeId,
    /// Message type (`type`), if the trace names it.
    pub msg_type: Option<String>,
    /// Logical time of the send.
    pub sent_lt: u64,
    /// Id of the `send` event.
    pub send_event: u64,
    /// Delivered, dropped, or still in flight when the trace ended.
    pub outcome: MessageOutcome,
    /// Message body, if the trace has one.
    pub payload: Option<Value>,
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MessageOutcome {
    /// The `deliver` event `event` at logical time `lt`.
    Delivered {
        /// Id of the `deliver` event.
        event: u64,
        /// Its logical time.
        lt: u64,
    },
    /// The `drop` event `event` at logical time `lt`, caused by `cause` (when the trace says).
    Dropped {
        /// Id of the `drop` event.
        event: u64,
        /// Its logical time.
        lt: u64,
        /// The fault that dropped it.
        cause: Option<Fault>,
    },
    /// Neither delivered nor dropped before the trace ended.
    InFlight,
}

/// Every message of `trace`, in send order, joined with its delivery or drop.
///
/// Assumes a validated trace: a `send` without `src`, `dst` or `msg_id`, and a `deliver`/`drop`
/// without a matching earlier `send`, are skipped; a second outcome for one message is ignored.
///
/// # Complexity
///
/// O(n) time; memory O(messages).
pub fn network_view(trace: &Trace) -> Vec<NetworkMessage> {
    let mut messages: Vec<NetworkMessage> = Vec::new();
    let mut by_msg_id: HashMap<u64, usize> = HashMap::new();
    for event in &trace.events {
        let Some(msg_id) = event.msg_id else {
            continue;
        };
        match event.kind {
            EventKind::Send => {
                let (Some(src), Some(dst)) = (&event.src, &event.dst) else {
                    continue;
                };
                if by_msg_id.contains_key(&msg_id) {
                    continue;
                }
                by_msg_id.insert(msg_id, messages.len());
                messages.push(NetworkMessage {
                    msg_id,
                    src: src.clone(),
                    dst: dst.clone(),
                    msg_type: event.msg_type.clone(),
                    sent_lt: event.sent_lt.unwrap_or(event.lt),
                    send_event: event.id,
                    outcome: MessageOutcome::InFlight,
                    payload: event.payload.clone(),
                });
            }
            EventKind::Deliver | EventKind::Drop => {
                let Some(&position) = by_msg_id.get(&msg_id) else {
                    continue;
                };
                let message = &mut messages[position];
                if message.outcome != MessageOutcome::InFlight {
                    continue;
                }
                message.outcome = if event.kind == EventKind::Deliver {
                    MessageOutcome::Delivered {
                        event: event.id,
                        lt: event.lt,
                    }
                } else {
                    MessageOutcome::Dropped {
                        event: event.id,
                        lt: event.lt,
                        cause: event.cause.clone(),
                    }
                };
            }
            _ => {}
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Event, Header, TimeModel};

    fn message(id: u64, kind: EventKind, lt: u64, msg_id: u64) -> Event {
        Event {
            src: Some("a".into()),
            dst: Some("b".into()),
            msg_id: Some(msg_id),
            sent_lt: Some(1),
            msg_type: Some("ping".into()),
            payload: Some(json!({"k": msg_id})),
            ..Event::new(id, kind, lt)
        }
    }

    #[test]
    fn sends_join_their_outcomes_in_send_order() {
        let mut trace = Trace::new(Header::new(
            "r",
            "s",
            TimeModel::Rounds,
            vec!["a".into(), "b".into()],
        ));
        let cause = Fault::Omission {
            src: "a".into(),
            dst: "b".into(),
            at: 1,
        };
        trace.push(message(0, EventKind::Send, 1, 7));
        trace.push(message(1, EventKind::Send, 1, 3));
        trace.push(message(2, EventKind::Send, 1, 5));
        trace.push(Event {
            cause: Some(cause.clone()),
            ..message(3, EventKind::Drop, 2, 3)
        });
        trace.push(message(4, EventKind::Deliver, 2, 7));
        let view = network_view(&trace);
        let ids: Vec<u64> = view.iter().map(|m| m.msg_id).collect();
        assert_eq!(ids, [7, 3, 5]);
        assert_eq!(
            view[0].outcome,
            MessageOutcome::Delivered { event: 4, lt: 2 }
        );
        assert_eq!(
            view[1].outcome,
            MessageOutcome::Dropped {
                event: 3,
                lt: 2,
                cause: Some(cause)
            }
        );
        assert_eq!(view[2].outcome, MessageOutcome::InFlight);
        assert_eq!(view[2].send_event, 2);
        assert_eq!(view[2].payload, Some(json!({"k": 5})));
        assert_eq!(view[2].msg_type.as_deref(), Some("ping"));
    }
}
