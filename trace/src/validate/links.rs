//! Rules that link events: messages (send → one deliver or drop), client operations
//! (invoke → one completion per process) and crashes (no handler runs at a crashed node).

// Validation looks up every event's nodes and message: a fast non-cryptographic hash.
use rustc_hash::FxHashMap as HashMap;

use crate::{Event, EventKind, Fault, TimeModel, TraceError};

use super::At;

/// Every message sent so far, by `msg_id`.
#[derive(Debug, Default)]
pub(super) struct MessageLinks {
    messages: HashMap<u64, Message>,
}

#[derive(Debug)]
struct Message {
    send_event: u64,
    src: usize,
    dst: usize,
    sent_lt: u64,
    /// The deliver or drop event, once there is one.
    outcome_event: Option<u64>,
}

impl MessageLinks {
    pub(super) fn send(
        &mut self,
        event: &Event,
        nodes: &HashMap<String, usize>,
        at: At<'_>,
    ) -> Result<(), TraceError> {
        // Required fields and known nodes were checked before this runs.
        let (Some(msg_id), Some(src), Some(dst)) = (event.msg_id, &event.src, &event.dst) else {
            return Ok(());
        };
        if let Some(sent_lt) = event.sent_lt
            && sent_lt != event.lt
        {
            return Err(at.field(
                "sent_lt",
                format!("{} (a send's sent_lt is its own lt)", event.lt),
                Some(sent_lt.to_string()),
            ));
        }
        if let Some(earlier) = self.messages.get(&msg_id) {
            return Err(at.field(
                "msg_id",
                format!(
                    "a msg_id no earlier send used (send event #{} already has it)",
                    earlier.send_event
                ),
                Some(msg_id.to_string()),
            ));
        }
        let message = Message {
            send_event: event.id,
            src: nodes[src],
            dst: nodes[dst],
            sent_lt: event.lt,
            outcome_event: None,
        };
        self.messages.insert(msg_id, message);
        Ok(())
    }

    /// A `deliver` or `drop`: it must match one earlier, unresolved send.
    pub(super) fn resolve(
        &mut self,
        event: &Event,
        nodes: &HashMap<String, usize>,
        time_model: TimeModel,
        at: At<'_>,
    ) -> Result<(), TraceError> {
        let (Some(msg_id), Some(src), Some(dst)) = (event.msg_id, &event.src, &event.dst) else {
            return Ok(());
        };
        let Some(message) = self.messages.get_mut(&msg_id) else {
            return Err(at.field(
                "msg_id",
                format!(
                    "the msg_id of an earlier send event (a {} follows its send)",
                    event.kind
                ),
                Some(msg_id.to_string()),
            ));
        };
        if let Some(outcome_event) = message.outcome_event {
            return Err(at.field(
                "msg_id",
                format!(
                    "a message not yet delivered or dropped (event #{outcome_event} already did; at most one deliver or drop per message)"
                ),
                Some(msg_id.to_string()),
            ));
        }
        for (field, name, index) in [("src", src, message.src), ("dst", dst, message.dst)] {
            if nodes[name] != index {
                return Err(at.field(
                    field,
                    format!(
                        "the {field} of send event #{} (they share msg_id {msg_id})",
                        message.send_event
                    ),
                    Some(format!("{name:?}")),
                ));
            }
        }
        let sent_lt = message.sent_lt;
        if event.sent_lt.is_some_and(|given| given != sent_lt) {
            return Err(at.field(
                "sent_lt",
                format!("{sent_lt} (the lt of send event #{})", message.send_event),
                event.sent_lt.map(|given| given.to_string()),
            ));
        }
        // In rounds a message sent in round t arrives in round t+1 at the earliest.
        if time_model == TimeModel::Rounds
            && event.kind == EventKind::Deliver
            && event.lt <= sent_lt
        {
            return Err(at.field(
                "lt",
                format!("greater than sent_lt = {sent_lt} (in the rounds model a message arrives in a later round)"),
                Some(event.lt.to_string()),
            ));
        }
        if let Some(Fault::Omission {
            src: cause_src,
            dst: cause_dst,
            at: cause_at,
        }) = &event.cause
            && (cause_src != src || cause_dst != dst || *cause_at != sent_lt)
        {
            return Err(at.field(
                "cause",
                format!("an omission of this message ({src}→{dst}@{sent_lt}) or another fault"),
                event.cause.as_ref().map(Fault::short),
            ));
        }
        message.outcome_event = Some(event.id);
        Ok(())
    }
}

/// The operation each client process has in flight.
#[derive(Debug, Default)]
pub(super) struct ClientLinks {
    open: HashMap<u64, (u64, String)>,
}

impl ClientLinks {
    pub(super) fn check(&mut self, event: &Event, at: At<'_>) -> Result<(), TraceError> {
        let (Some(process), Some(f)) = (event.process, &event.f) else {
            return Ok(());
        };
        if event.kind == EventKind::Invoke {
            if let Some((invoke, _)) = self.open.get(&process) {
                return Err(at.field(
                    "process",
                    format!("a process with no operation in flight (invoke event #{invoke} of process {process} has not completed)"),
                    Some(process.to_string()),
                ));
            }
            self.open.insert(process, (event.id, f.clone()));
            return Ok(());
        }
        let Some((invoke, invoked_f)) = self.open.remove(&process) else {
            return Err(at.field(
                "process",
                format!("a process with an operation in flight (a {} completes an earlier invoke of the same process)", event.kind),
                Some(process.to_string()),
            ));
        };
        if &invoked_f != f {
            return Err(at.field(
                "f",
                format!("{invoked_f:?} (the f of invoke event #{invoke})"),
                Some(format!("{f:?}")),
            ));
        }
        Ok(())
    }
}

/// Which nodes are down, and since which `crash` event.
#[derive(Debug)]
pub(super) struct CrashedNodes {
    crash_event: Vec<Option<u64>>,
}

impl CrashedNodes {
    pub(super) fn new(node_count: usize) -> Self {
        CrashedNodes {
            crash_event: vec![None; node_count],
        }
    }

    pub(super) fn check(
        &mut self,
        event: &Event,
        actor: Option<usize>,
        at: At<'_>,
    ) -> Result<(), TraceError> {
        let Some(actor) = actor else {
            return Ok(());
        };
        match event.kind {
            EventKind::Crash => self.crash_event[actor] = Some(event.id),
            EventKind::Restart => self.crash_event[actor] = None,
            EventKind::Start
            | EventKind::Send
            | EventKind::Deliver
            | EventKind::TimerSet
            | EventKind::TimerFire
            | EventKind::TimerCancel
            | EventKind::Derive => {
                if let Some(crash) = self.crash_event[actor] {
                    let field = match (&event.node, event.kind) {
                        (None, EventKind::Send) => "src",
                        (None, EventKind::Deliver) => "dst",
                        _ => "node",
                    };
                    return Err(at.field(
                        field,
                        format!("a node that is up (no handler runs at a crashed node; crash event #{crash} had no restart since)"),
                        event.actor().map(|node| format!("{node:?}")),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}
