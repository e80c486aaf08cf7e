//! One self-contained HTML page per search or run, for people: the verdict and its reproducer,
//! the search's figures and coverage over time, the run's sequence chart (one lane per node and
//! per client, scrollable and zoomable for long runs), a step-through view with every node's
//! state before and after each event, the lineage graph laid out in layers (no Graphviz) with
//! what the counterexample broke, LTL proofs, elle-lite anomalies and a filterable run table.
//!
//! # Brief overview
//!
//! [`Report`] is plain data: a search's JSON, a single trace (or, later, the run store) fills
//! it, and [`render`] turns it into the page. Everything from the input is escaped on the way
//! in ([`escape`]); the page's script builds its DOM with `textContent`; its
//! Content-Security-Policy forbids the network and every script but its own. [`layout`] is the
//! layered graph layout, [`lineage_svg`] and [`coverage_svg`] the static drawings (also for
//! `faultline lineage --svg`).
//!
//! # Example
//!
//! ```
//! use faultline_report::{Report, RunSection, render};
//! use faultline_trace::{Event, EventKind, Header, TimeModel, Trace};
//!
//! let mut trace = Trace::new(Header::new("r", "demo", TimeModel::Rounds, vec!["a".into(), "b".into()]));
//! trace.push(Event { src: Some("a".into()), dst: Some("b".into()), msg_id: Some(0),
//!     payload: Some("</script><script>alert(1)</script>".into()), ..Event::new(0, EventKind::Send, 1) });
//! let report = Report {
//!     title: "demo".into(),
//!     run: Some(RunSection { label: "one run".into(), trace, failing_event: None,
//!         properties: vec![], elle: None }),
//!     ..Report::default()
//! };
//! let page = render(&report);
//! assert!(page.starts_with("<!DOCTYPE html>"));
//! assert_eq!(page.matches("<script").count(), 2); // the data block and the page's script
//! ```
#![deny(missing_docs)]

pub mod escape;
pub mod layout;
mod model;
mod render;
mod svg;

pub use layout::{Layout, Placed};
pub use model::{
    Banner, CoveragePoint, ElleSection, LineageSection, PropertySection, Report, RunRow,
    RunSection, SearchSummary, coverage,
};
pub use render::render;
pub use svg::{coverage_svg, lineage_data, lineage_layout, lineage_svg};
