//! Checks a trace for what its types cannot express.
//!
//! [`Validator`] checks one event at a time, so a trace can be validated while it is read
//! ([`validate_stream`]); memory is O(messages + client processes), never O(events) of JSON.

mod event_fields;
mod header_rules;
mod links;

// Validation looks up every event's nodes and message: a fast non-cryptographic hash.
use rustc_hash::FxHashMap as HashMap;
use std::io::BufRead;

use serde::Serialize;

use crate::{Event, Header, TimeModel, Trace, TraceError, TraceReader};

use links::{ClientLinks, CrashedNodes, MessageLinks};

/// What a valid trace holds: the one-line summary `faultline trace validate` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TraceSummary {
    /// Number of events.
    pub events: u64,
    /// Number of nodes in the header.
    pub nodes: usize,
    /// `send` events.
    pub sent: u64,
    /// `deliver` events.
    pub delivered: u64,
    /// `drop` events.
    pub dropped: u64,
    /// Messages sent but neither delivered nor dropped when the trace ends.
    pub in_flight: u64,
    /// Client events (`invoke`, `ok`, `fail`, `info`).
    pub client_events: u64,
    /// The last event's logical time (0 for an empty trace).
    pub lt_last: u64,
}

/// A streaming validator: [`Validator::new`] checks the header, [`Validator::check`] each event
/// in order, [`Validator::finish`] returns the summary.
///
/// Every error is a [`TraceError::Field`] naming the file, the line, the field and what was
/// expected there.
#[derive(Debug)]
pub struct Validator {
    file: String,
    time_model: TimeModel,
    clock: Clock,
    /// Lookup only (never iterated): node name → index in `header.nodes`.
    nodes: HashMap<String, usize>,
    messages: MessageLinks,
    clients: ClientLinks,
    crashed: CrashedNodes,
    summary: TraceSummary,
}

impl Validator {
    /// Checks `header` (read from line `header_line` of `file`) and prepares to check events.
    pub fn new(
        header: &Header,
        file: impl Into<String>,
        header_line: u64,
    ) -> Result<Self, TraceError> {
        let file = file.into();
        header_rules::check(header, &file, header_line)?;
        let nodes = header
            .nodes
            .iter()
            .enumerate()
            .map(|(index, node)| (node.clone(), index))
            .collect();
        Ok(Validator {
            time_model: header.time_model,
            nodes,
            clock: Clock::default(),
            messages: MessageLinks::default(),
            clients: ClientLinks::default(),
            crashed: CrashedNodes::new(header.nodes.len()),
            summary: TraceSummary {
                nodes: header.nodes.len(),
                ..TraceSummary::default()
            },
            file,
        })
    }

    /// Checks the next event, read from line `line`.
    pub fn check(&mut self, event: &Event, line: u64) -> Result<(), TraceError> {
        let at = At {
            file: &self.file,
            line,
        };
        if event.id != self.summary.events {
            return Err(at.field(
                "id",
                format!(
                    "{} (ids are dense: 0, 1, 2, ... in line order)",
                    self.summary.events
                ),
                Some(event.id.to_string()),
            ));
        }
        self.clock.check(event, self.time_model, at)?;
        event_fields::check_required(event, at)?;
        let actor = event_fields::check_nodes(event, &self.nodes, at)?;
        event_fields::check_parents(event, at)?;
        event_fields::check_state(event, actor, at)?;
        self.crashed.check(event, actor, at)?;
        match event.kind {
            crate::EventKind::Send => self.messages.send(event, &self.nodes, at)?,
            crate::EventKind::Deliver | crate::EventKind::Drop => {
                self.messages
                    .resolve(event, &self.nodes, self.time_model, at)?;
            }
            kind if kind.is_client() => self.clients.check(event, at)?,
            _ => {}
        }
        self.count(event);
        Ok(())
    }

    /// The one definition of a valid clog or partition window `[from, to)`, shared by this
    /// validator (for header faults, with `eot` from the header's `failure_spec`) and the
    /// harness (with the run's `eot`): it is non-empty (`from < to`) and, when the end of time
    /// is known, ends by it (`to <= eot`), so that a clog delays messages and never loses them.
    /// The harness also requires `from >= 1`, as for all its fault times (its runs start at
    /// time 1; a foreign simulator's may start at 0).
    pub fn window_in_run(from: u64, to: u64, eot: Option<u64>) -> bool {
        from < to && eot.is_none_or(|eot| to <= eot)
    }

    /// The summary of everything checked so far.
    pub fn finish(self) -> TraceSummary {
        let mut summary = self.summary;
        summary.in_flight = summary.sent - summary.delivered - summary.dropped;
        summary
    }

    fn count(&mut self, event: &Event) {
        let summary = &mut self.summary;
        summary.events += 1;
        summary.lt_last = event.lt;
        match event.kind {
            crate::EventKind::Send => summary.sent += 1,
            crate::EventKind::Deliver => summary.delivered += 1,
            crate::EventKind::Drop => summary.dropped += 1,
            kind if kind.is_client() => summary.client_events += 1,
            _ => {}
        }
    }
}

/// The last event's times: both only move forward.
#[derive(Debug, Default)]
struct Clock {
    lt_last: u64,
    sim_ns_last: u64,
}

impl Clock {
    fn check(
        &mut self,
        event: &Event,
        time_model: TimeModel,
        at: At<'_>,
    ) -> Result<(), TraceError> {
        if event.lt < self.lt_last {
            return Err(at.field(
                "lt",
                format!("at least {} (lt never decreases)", self.lt_last),
                Some(event.lt.to_string()),
            ));
        }
        // Simulated time only means something in `async`; `rounds` simulators may leave it 0.
        if time_model == TimeModel::Async && event.sim_ns < self.sim_ns_last {
            return Err(at.field(
                "sim_ns",
                format!(
                    "at least {} (simulated time never goes back in the async model)",
                    self.sim_ns_last
                ),
                Some(event.sim_ns.to_string()),
            ));
        }
        self.lt_last = event.lt;
        self.sim_ns_last = event.sim_ns;
        Ok(())
    }
}

/// Where an error is: the file and line of the event being checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) file: &'a str,
    pub(crate) line: u64,
}

impl At<'_> {
    pub(crate) fn field(
        self,
        field: impl Into<String>,
        expected: impl Into<String>,
        found: Option<String>,
    ) -> TraceError {
        TraceError::Field {
            file: self.file.to_string(),
            line: self.line,
            field: field.into(),
            expected: expected.into(),
            found,
        }
    }
}

/// Checks dense ids, `msg_id` links (send → deliver/drop), `sent_lt <= lt`, known nodes,
/// required fields per kind, parents, client operations and state patches.
///
/// `file` names the trace in errors. An in-memory trace has no line numbers, so this assumes
/// one event per line right after a one-line header (line = id + 2); use [`validate_lines`]
/// with the lines from [`TraceReader::into_trace_with_lines`], or [`validate_stream`], for the
/// real line numbers of a file with blank lines.
pub fn validate(trace: &Trace, file: &str) -> Result<(), TraceError> {
    let lines: Vec<u64> = (0..trace.events.len() as u64).map(|id| id + 2).collect();
    validate_lines(trace, file, 1, &lines).map(|_| ())
}

/// [`validate`] with the real line of the header and of every event (`lines[i]` for event `i`).
///
/// # Panics
///
/// If `lines` is shorter than `trace.events`.
pub fn validate_lines(
    trace: &Trace,
    file: &str,
    header_line: u64,
    lines: &[u64],
) -> Result<TraceSummary, TraceError> {
    assert!(lines.len() >= trace.events.len(), "one line per event");
    let mut validator = Validator::new(&trace.header, file, header_line)?;
    for (event, &line) in trace.events.iter().zip(lines) {
        validator.check(event, line)?;
    }
    Ok(validator.finish())
}

/// Validates a trace while reading it, without keeping its events.
pub fn validate_stream<R: BufRead>(reader: TraceReader<R>) -> Result<TraceSummary, TraceError> {
    let mut validator = Validator::new(reader.header(), reader.file(), reader.header_line())?;
    reader.for_each_event(|event, line| validator.check(&event, line))?;
    Ok(validator.finish())
}

#[cfg(test)]
mod tests;
