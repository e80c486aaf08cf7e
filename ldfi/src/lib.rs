//! Lineage-driven fault injection (LDFI): lineage graphs from traces, Z3 fault proposals and
//! the explore loop, generic over the simulator ([`Runner`]) and the judge ([`Oracle`]).
//!
//! # Brief overview
//!
//! A good run's outcome rests on goal events; [`build_lineage`] turns a trace and its goal into
//! an AND/OR [`LineageGraph`] (alternative derivations of a fact are OR branches). A
//! [`Proposer`] encodes "break every known support" for Z3 — one Bool per fault and per graph
//! vertex — and enumerates subset-minimal fault sets, smallest first. [`explore`] runs the
//! loop: failure-free run → lineage → proposals → runs (in parallel) → learn → re-solve, until
//! a counterexample, certification (UNSAT), or a bound. [`fault_space`] sizes the space
//! (Molly's gross estimate and the exact count).
//!
//! # Example
//!
//! A broadcaster `a` sends once to `b`; the goal is `b`'s delivery. One omission breaks it.
//!
//! ```
//! use faultline_ldfi::{build_lineage, default_goal, Proposals, Proposer};
//! use faultline_trace::{Event, EventKind, FailureSpec, Fault, Header, TimeModel, Trace};
//!
//! let mut trace = Trace::new(Header::new("ff", "demo", TimeModel::Rounds, vec!["a".into(), "b".into()]));
//! trace.push(Event { src: Some("a".into()), dst: Some("b".into()), msg_id: Some(0),
//!     sent_lt: Some(1), ..Event::new(0, EventKind::Send, 1) });
//! trace.push(Event { src: Some("a".into()), dst: Some("b".into()), msg_id: Some(0),
//!     sent_lt: Some(1), ..Event::new(1, EventKind::Deliver, 2) });
//! let spec = FailureSpec { eot: 4, eff: 2, max_crashes: 0, max_clogs: 0, ..FailureSpec::default() };
//! let lineage = build_lineage(&trace, &default_goal(&trace))?;
//! let mut proposer = Proposer::new(spec, 10_000);
//! proposer.add_good_run(&[], &trace, &lineage);
//! let omission = Fault::Omission { src: "a".into(), dst: "b".into(), at: 1 };
//! assert_eq!(proposer.propose(5), Proposals::Sets(vec![vec![omission]]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod broken;
mod cube;
mod encode;
mod error;
mod estimate;
mod exhaustive;
mod explore;
mod export;
mod faults;
mod foreign;
mod lesson;
mod lineage;
mod propose;
mod proposer;
mod random;
mod report;
mod solver_context;

pub use broken::{breaks_directly, broken_vertices};
pub use cube::{Shard, SplitVar, shard};
pub use error::LdfiError;
pub use estimate::{
    FaultSpace, exact_count, exact_count_spec, fault_space, fault_space_spec, fraction,
    gross_estimate, swizzle_count,
};
pub use exhaustive::{canonical, exhaustive_sets, minimal_sets};
pub use explore::{ExploreConfig, Judgement, Observer, Oracle, Runner, Silent, Strategy, explore};
pub use export::{to_dot, to_json};
pub use faults::FaultModel;
pub use foreign::{
    ForeignTraceError, GoalGuess, check_foreign_trace, foreign_judgement, lineage_mode_name,
};
pub use lesson::Lesson;
pub use lineage::{
    LineageGraph, LineageMode, LineageNode, build_lineage, default_goal, select_goal,
};
pub use propose::Proposals;
pub use proposer::Proposer;
pub use random::RandomFaults;
pub use report::{BoundHit, ExploreReport, Outcome, RunRecord, Verdict};
pub use solver_context::interrupt_solvers;
