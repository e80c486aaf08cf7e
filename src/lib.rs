//! faultline: lineage-driven fault injection and checking for your own distributed systems.
//!
//! Write each node as a [`Reactor`] (a deterministic state machine that returns [`Effect`]s),
//! describe the system with [`System::new`] — its nodes, its invariant, its failure spec — and
//! search its fault space with [`explore`] from your own tests:
//!
//! ```
//! use faultline::{Explore, System, explore};
//! # let system: &System = faultline_suts::get("redun-deliv").expect("built in");
//! let report = explore(system, &Explore::new())?;
//! report.assert_certified(); // panics with the counterexample and its reproducer
//! # Ok::<(), faultline::Error>(())
//! ```
//!
//! The GUIDE's "Test your own Rust system" walks through a whole example (`examples/` in the
//! repository). The engines live in their own crates (`faultline-trace`, `-harness`, `-ldfi`,
//! `-ltl`, `elle-lite`; the built-in systems in `faultline-suts`); this crate wires them
//! together and re-exports what a user's tests need.

pub mod client_history;
pub mod coverage;
pub mod elle_oracle;
pub mod search;
pub mod spec_oracle;

pub use faultline_harness::{
    Cx, Effect, FailureSpec, Fault, HarnessError, InvariantReport, NetworkConfig, NodeId, Reactor,
    RunConfig, System, SystemBuilder, TimeModel, TimerId, end_state,
};
pub use faultline_ldfi::{ExploreReport, Strategy, Verdict};
pub use faultline_trace::{Goal, GoalScope, Trace};
pub use search::{Error, Explore, Report, explore, explore_observed};
