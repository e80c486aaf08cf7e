//! elle-lite: Jepsen Elle's list-append consistency checker, in Rust.
//!
//! # Brief overview
//!
//! A history of list-append transactions (`[["append", k, v], ["r", k, [..]]]`) reveals the
//! version order of every key through its reads. elle-lite infers those orders, builds the
//! ww / wr / rw dependency graph (plus process and realtime order when the requested models
//! need them), searches its strongly connected components for cycles of each anomaly type
//! (G0, G1c, G-single-item, G-nonadjacent-item, G2-item and their `-process` / `-realtime`
//! variants), finds the non-cycle anomalies (G1a, G1b, internal, dirty-update,
//! duplicate-elements, incompatible-order, lost-update, future-read, garbage-read) and judges
//! consistency models by the anomalies they prohibit, as Elle does.
//!
//! # Example
//!
//! ```
//! use elle_lite::{check, parse_history, CheckOptions};
//! let history = parse_history(
//!     r#"[{"index":0,"type":"ok","process":0,"value":[["append","x",1],["r","y",[1]]]},
//!         {"index":1,"type":"ok","process":1,"value":[["append","y",1],["r","x",[1]]]}]"#,
//!     None,
//! )?;
//! let result = check(&history, &CheckOptions::default())?;
//! assert_eq!(result.anomaly_types, vec!["G1c"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod analysis;
mod error;
pub mod generate;
mod history;
mod models;
mod parse;
mod report;

pub use analysis::{CheckOptions, check};
pub use error::Error;
pub use history::{
    Atom, ElemId, History, Interner, KeyId, Mop, MopSpec, Op, OpType, Process, Span,
};
pub use models::{is_known_model, known_models};
pub use parse::{Format, detect_format, parse_history, read_history};
pub use report::{CheckResult, Finding, Validity};
