//! faultline's harness: [`Reactor`]s (nodes as deterministic state machines that return
//! [`Effect`]s), a deterministic [`Simulator`] with two time models (`rounds` and `async`),
//! faults as data ([`Fault`]: omission, crash, restart, clog, partition), fault generators, and
//! [`System`]: a system under test built from reactors, with its invariant and failure spec —
//! what searches take. The built-in systems live in the `faultline-suts` crate, written on
//! this crate's public API only.
//!
//! # Brief overview
//!
//! A run is `SUT + seed + fault set → trace` (schema `faultline-trace/v1`), byte-identical
//! every time. Each handler's effects become trace events with exact lineage: a `derive` or
//! `send` names the facts it rests on, and its `parents` are the triggering event plus the
//! latest `derive` of each such fact at that node. State after every handler is recorded as an
//! RFC 7386 merge patch on the triggering event.
//!
//! # Example
//!
//! See [`System`] for a two-node system described, run and checked end to end.
#![deny(missing_docs)]

pub mod end_state;
mod error;
mod faults;
mod generate;
pub mod merge_patch;
mod random;
mod reactor;
mod run;
mod sim;
mod system;

pub use error::HarnessError;
pub use faultline_trace::{FailureSpec, Fault, NodeId, TimeModel};
pub use faults::{parse_fault_set, validate_fault_model, validate_fault_times, validate_faults};
pub use generate::{FaultRates, random_fault_set, random_faults, swizzle_clog, swizzle_clog_until};
pub use rand_chacha::ChaCha8Rng;
pub use random::{Ratio, below, node_rng, shuffle};
pub use reactor::{ClientEvent, Cx, Effect, Reactor, TimerId};
pub use run::{InvariantReport, RunConfig, handler_panic};
pub use sim::{NetworkConfig, Simulator};
pub use system::{System, SystemBuilder};

pub(crate) use sim::Engine;
