//! faultline's harness: [`Reactor`]s (nodes as deterministic state machines that return
//! [`Effect`]s), a deterministic [`Simulator`] with two time models (`rounds` and `async`),
//! faults as data ([`Fault`]: omission, crash, restart, clog, partition), fault generators, and
//! the LDFI paper's delivery and commit SUTs ([`suts`]).
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
//! ```
//! use faultline_harness::{RunConfig, sut};
//! use faultline_trace::Fault;
//!
//! let simple = sut("simple-deliv").expect("built in");
//! let good = simple.run(&simple.default_config(0))?;
//! assert!(simple.check(&good).holds);
//!
//! // The paper's counterexample: lose a → b in round 1.
//! let lose = Fault::Omission { src: "a".into(), dst: "b".into(), at: 1 };
//! let bad = simple.run(&simple.default_config(0).with_faults(vec![lose]))?;
//! let report = simple.check(&bad);
//! assert!(!report.holds);
//! assert_eq!(report.explanation, "c has \"hello\" but b does not");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
mod faults;
mod generate;
pub mod merge_patch;
mod random;
mod reactor;
mod sim;
mod sut;
pub mod suts;

pub use error::HarnessError;
pub use faultline_trace::{FailureSpec, Fault, NodeId, TimeModel};
pub use faults::{parse_fault_set, validate_fault_times, validate_faults};
pub use generate::{FaultRates, random_fault_set, random_faults, swizzle_clog, swizzle_clog_until};
pub use rand_chacha::ChaCha8Rng;
pub use random::{Ratio, below, node_rng, shuffle};
pub use reactor::{Cx, Effect, Reactor, TimerId};
pub use sim::{NetworkConfig, Simulator};
pub use sut::{InvariantReport, RunConfig, Sut, handler_panic};
pub use suts::{sut, suts};

pub(crate) use sim::Engine;
