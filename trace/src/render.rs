//! Text renderings of a trace for people: a timeline (one line per event) and a sequence chart
//! (one column per node). Both are deterministic functions of the trace.

mod chart;
mod timeline;

use std::collections::BTreeSet;

use crate::{Event, EventKind};

pub use chart::write_chart;
pub use timeline::write_timeline;

/// Which events a rendering shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only these kinds (all kinds when `None`).
    pub kinds: Option<BTreeSet<EventKind>>,
    /// Only events that involve this node (as `node`, `src` or `dst`).
    pub node: Option<String>,
}

impl EventFilter {
    /// True if `event` passes the filter.
    pub fn matches(&self, event: &Event) -> bool {
        let kind_ok = self
            .kinds
            .as_ref()
            .is_none_or(|kinds| kinds.contains(&event.kind));
        let node_ok = self.node.as_ref().is_none_or(|node| {
            [&event.node, &event.src, &event.dst]
                .into_iter()
                .any(|field| field.as_ref() == Some(node))
        });
        kind_ok && node_ok
    }
}

/// Fills in a deliver's or drop's `type` and `payload` from its send when the trace leaves
/// them out (a foreign simulator may write them on the send only).
#[derive(Debug, Default)]
struct SendIndex<'a> {
    /// Lookup only: msg_id → the send event.
    sends: std::collections::HashMap<u64, &'a Event>,
}

impl<'a> SendIndex<'a> {
    /// Records `event` if it is a send; returns the event that carries its message body.
    fn body_of(&mut self, event: &'a Event) -> &'a Event {
        match (event.kind, event.msg_id) {
            (EventKind::Send, Some(msg_id)) => {
                self.sends.insert(msg_id, event);
                event
            }
            (EventKind::Deliver | EventKind::Drop, Some(msg_id))
                if event.msg_type.is_none() && event.payload.is_none() =>
            {
                self.sends.get(&msg_id).copied().unwrap_or(event)
            }
            _ => event,
        }
    }
}

/// `value` as compact JSON, cut to at most `chars_max` characters (with `…`).
fn short_json(value: &serde_json::Value, chars_max: usize) -> String {
    let text = value.to_string();
    if text.chars().count() <= chars_max {
        return text;
    }
    let mut cut: String = text.chars().take(chars_max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}
