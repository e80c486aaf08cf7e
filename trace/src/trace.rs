//! A whole trace in memory.

use crate::{Event, Header};

/// A header and its events, in order (`events[i].id == i`).
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Line 1.
    pub header: Header,
    /// Lines 2.., in the total order.
    pub events: Vec<Event>,
}

impl Trace {
    /// An empty trace with this header.
    pub fn new(header: Header) -> Self {
        Trace {
            header,
            events: Vec::new(),
        }
    }

    /// Appends `event`, which must carry the next id.
    pub fn push(&mut self, event: Event) {
        assert_eq!(event.id as usize, self.events.len(), "event ids are dense");
        self.events.push(event);
    }

    /// The event with this id.
    pub fn event(&self, id: u64) -> Option<&Event> {
        self.events.get(usize::try_from(id).ok()?)
    }

    /// Writes the trace as JSON Lines.
    pub fn write_jsonl<W: std::io::Write>(&self, writer: W) -> std::io::Result<()> {
        let mut out = crate::TraceWriter::new(writer, &self.header)?;
        for event in &self.events {
            out.write_event(event)?;
        }
        out.finish()?;
        Ok(())
    }

    /// The JSON Lines bytes of the trace.
    pub fn to_jsonl(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write_jsonl(&mut bytes)
            .expect("writing to memory cannot fail");
        bytes
    }
}
