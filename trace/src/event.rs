//! Events: every line of a trace after the header.
//!
//! An event is one flat record: `id`, `kind`, `lt`, `sim_ns`, then the fields its kind uses
//! (see `SCHEMA.md`). The flat shape is the JSON shape, so a foreign simulator can write it
//! without knowing Rust, and reading it needs no tag buffering.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Fault, NodeId};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A node starts (runs `init`) at the beginning of a run.
    Start,
    /// `src` sent message `msg_id` to `dst`.
    Send,
    /// Message `msg_id` arrived at `dst` and its handler ran.
    Deliver,
    /// Message `msg_id` was lost; `cause` says which fault.
    Drop,
    /// `node` set timer `timer`.
    TimerSet,
    /// Timer `timer` of `node` fired and its handler ran.
    TimerFire,
    /// `node` cancelled timer `timer`.
    TimerCancel,
    /// `node` stopped (a crash fault, or a handler panic: see `reason`).
    Crash,
    /// `node` came back and ran `init` with its durable state.
    Restart,
    /// Messages to `node` start being held.
    ClogStart,
    /// Held messages to `node` are released.
    ClogEnd,
    /// A client operation began.
    Invoke,
    /// A client operation completed successfully.
    Ok,
    /// A client operation definitely failed.
    Fail,
    /// A client operation's outcome is unknown.
    Info,
    /// `node` now holds `fact`.
    Derive,
    /// A free-form log line from a node's handler.
    Log,
}

impl EventKind {
    /// Every kind, in schema order.
    pub const ALL: [EventKind; 17] = [
        EventKind::Start,
        EventKind::Send,
        EventKind::Deliver,
        EventKind::Drop,
        EventKind::TimerSet,
        EventKind::TimerFire,
        EventKind::TimerCancel,
        EventKind::Crash,
        EventKind::Restart,
        EventKind::ClogStart,
        EventKind::ClogEnd,
        EventKind::Invoke,
        EventKind::Ok,
        EventKind::Fail,
        EventKind::Info,
        EventKind::Derive,
        EventKind::Log,
    ];

    /// The schema's spelling (`"timer_fire"`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Start => "start",
            EventKind::Send => "send",
            EventKind::Deliver => "deliver",
            EventKind::Drop => "drop",
            EventKind::TimerSet => "timer_set",
            EventKind::TimerFire => "timer_fire",
            EventKind::TimerCancel => "timer_cancel",
            EventKind::Crash => "crash",
            EventKind::Restart => "restart",
            EventKind::ClogStart => "clog_start",
            EventKind::ClogEnd => "clog_end",
            EventKind::Invoke => "invoke",
            EventKind::Ok => "ok",
            EventKind::Fail => "fail",
            EventKind::Info => "info",
            EventKind::Derive => "derive",
            EventKind::Log => "log",
        }
    }

    /// True for the network kinds (`send`, `deliver`, `drop`).
    pub fn is_network(self) -> bool {
        matches!(self, EventKind::Send | EventKind::Deliver | EventKind::Drop)
    }

    /// True for client-history kinds (`invoke`, `ok`, `fail`, `info`).
    pub fn is_client(self) -> bool {
        matches!(
            self,
            EventKind::Invoke | EventKind::Ok | EventKind::Fail | EventKind::Info
        )
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event. Which optional fields are required depends on `kind` (checked by validation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the total order: dense, 0-based.
    pub id: u64,
    /// What happened.
    pub kind: EventKind,
    /// Logical time: the round (`rounds`) or the global step (`async`).
    pub lt: u64,
    /// Simulated time in nanoseconds (0 when the simulator has none).
    #[serde(default)]
    pub sim_ns: u64,
    /// Sender (`send`, `deliver`, `drop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<NodeId>,
    /// Receiver (`send`, `deliver`, `drop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst: Option<NodeId>,
    /// Links a `send` to its `deliver` or `drop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<u64>,
    /// Logical time of the send (`send`, `deliver`, `drop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_lt: Option<u64>,
    /// Message type (`send`, `deliver`, `drop`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub msg_type: Option<String>,
    /// Message body (`send`, `deliver`, `drop`).
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub payload: Option<Value>,
    /// The fault that dropped a message (`drop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Fault>,
    /// The node a node-local event happened at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeId>,
    /// Timer id (`timer_set`, `timer_fire`, `timer_cancel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timer: Option<String>,
    /// Timer delay (`timer_set`), in rounds or simulated ns by time model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// The fault record behind `crash`, `restart`, `clog_start`, `clog_end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Why (a handler panic's message on `crash`; the line of a `log` event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Client process (`invoke`, `ok`, `fail`, `info`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<u64>,
    /// Client function (`invoke`, `ok`, `fail`, `info`), e.g. `"txn"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f: Option<String>,
    /// Client operation value (`invoke`, `ok`, `fail`, `info`).
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<Value>,
    /// The fact a node now holds (`derive`).
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub fact: Option<Value>,
    /// Ids of earlier events this one depends on (lineage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<u64>,
    /// The node's whole state after this event.
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<Value>,
    /// An RFC 7386 merge patch from the node's state before to after this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_patch: Option<Value>,
}

/// A JSON field that is present is `Some`, even when it is `null` (serde would read `None`),
/// so that `Some(Value::Null)` survives a write → read round trip.
fn present_value<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl Event {
    /// A bare event of `kind`; set the kind's fields with struct update syntax.
    pub fn new(id: u64, kind: EventKind, lt: u64) -> Self {
        Event {
            id,
            kind,
            lt,
            sim_ns: 0,
            src: None,
            dst: None,
            msg_id: None,
            sent_lt: None,
            msg_type: None,
            payload: None,
            cause: None,
            node: None,
            timer: None,
            after: None,
            fault: None,
            reason: None,
            process: None,
            f: None,
            value: None,
            fact: None,
            parents: Vec::new(),
            state: None,
            state_patch: None,
        }
    }

    /// The node whose handler produced this event: `node`, or `src` for a send and `dst` for a
    /// deliver (and a drop), when `node` is absent.
    pub fn actor(&self) -> Option<&NodeId> {
        self.node.as_ref().or(match self.kind {
            EventKind::Send => self.src.as_ref(),
            EventKind::Deliver | EventKind::Drop => self.dst.as_ref(),
            _ => None,
        })
    }
}
