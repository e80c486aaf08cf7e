//! The `faultline-trace/v1` trace: types, a streaming JSON Lines reader and writer, validation
//! and derived views.
//!
//! # Brief overview
//!
//! A trace is a header line ([`Header`]) followed by one [`Event`] per line, in a total order
//! (`id` = position). Any simulator can write one; `SCHEMA.md` in this crate is the reference
//! for adapter authors. [`read_trace`] reads and validates a file; [`TraceReader`] streams
//! events; [`TraceWriter`] writes them. [`validate`] checks what the types cannot: dense ids,
//! message links, known nodes and applicable state patches; [`Validator`] does it one event at
//! a time ([`validate_stream`], [`read_and_validate`]) so errors carry real line numbers.
//!
//! Derived views: [`network_view`] (sends joined with deliveries and drops), [`StateView`]
//! (each node's state before/after every event) and [`client_history`]. [`write_timeline`]
//! and [`write_chart`] render a trace for people.
//!
//! # Example
//!
//! ```
//! use faultline_trace::{Event, EventKind, Header, TimeModel, Trace, TraceReader};
//!
//! let mut trace = Trace::new(Header::new("run-1", "demo", TimeModel::Rounds, vec!["a".into(), "b".into()]));
//! trace.push(Event {
//!     src: Some("a".into()), dst: Some("b".into()), msg_id: Some(0), sent_lt: Some(1),
//!     msg_type: Some("ping".into()), ..Event::new(0, EventKind::Send, 1)
//! });
//! let bytes = trace.to_jsonl();
//! let back = TraceReader::new(&bytes[..], "demo.jsonl")?.into_trace()?;
//! assert_eq!(back, trace);
//! faultline_trace::validate(&back, "demo.jsonl")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
mod event;
mod fault;
mod header;
mod io;
mod render;
mod trace;
mod validate;
mod views;

pub use error::TraceError;
pub use event::{Event, EventKind};
pub use fault::{Fault, faults_to_json, parse_faults};
pub use header::{
    FailureSpec, Goal, GoalScope, Header, LineageDecl, MAX_SKEW_STEPS, RunVerdict, SCHEMA,
    TimeModel,
};
pub use io::{TraceReader, TraceWriter, read_and_validate, read_trace};
pub use render::{EventFilter, write_chart, write_timeline};
pub use trace::Trace;
pub use validate::{TraceSummary, Validator, validate, validate_lines, validate_stream};
pub use views::{
    ClientOp, MessageOutcome, NetworkMessage, StateView, client_history, network_view,
};

/// A node's name, as the trace spells it.
pub type NodeId = String;
