//! `--events FILE`: a search's progress as NDJSON, one flushed line per event, for CI
//! dashboards and for anything that watches a search from outside.
//!
//! Every line is an object with `"schema": "faultline-events/v1"` and `"event"`:
//! `search_started` (sut, spec, strategy, seed, store), `solve_started`, `solve_finished`
//! (proposals), `run_finished` (index, faults, outcome, runs), `search_finished` (verdict,
//! runs, counterexamples, inconclusive_reason).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use faultline_ldfi::{ExploreReport, Observer, RunRecord};
use serde_json::{Value, json};

/// The schema of every line.
pub(crate) const EVENTS_SCHEMA: &str = "faultline-events/v1";

/// The events file being written.
pub(crate) struct EventLog {
    out: BufWriter<File>,
    file: String,
    /// The first write error (reported when the search ends; progress is never worth failing
    /// a search over mid-way).
    error: Option<std::io::Error>,
}

impl EventLog {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> anyhow::Result<EventLog> {
        let file = File::create(path)
            .with_context(|| format!("{}: cannot create the events file", path.display()))?;
        Ok(EventLog {
            out: BufWriter::new(file),
            file: path.display().to_string(),
            error: None,
        })
    }

    /// Writes one event line and flushes it.
    pub fn emit(&mut self, event: &str, mut fields: Value) {
        if self.error.is_some() {
            return;
        }
        if let Value::Object(map) = &mut fields {
            map.insert("schema".into(), json!(EVENTS_SCHEMA));
            map.insert("event".into(), json!(event));
        }
        let line = serde_json::to_string(&fields).expect("JSON values serialize");
        let result = writeln!(self.out, "{line}").and_then(|()| self.out.flush());
        if let Err(err) = result {
            self.error = Some(err);
        }
    }

    /// The end of the search; reports a write error that happened on the way.
    pub fn finish(mut self, report: &ExploreReport) -> anyhow::Result<()> {
        let counterexamples: Vec<&Vec<faultline_trace::Fault>> =
            report.counterexamples.iter().collect();
        self.emit(
            "search_finished",
            json!({
                "verdict": report.verdict.as_str(),
                "runs": report.runs,
                "counterexamples": counterexamples,
                "inconclusive_reason": report.inconclusive_reason,
            }),
        );
        match self.error {
            Some(err) => Err(err).with_context(|| format!("{}: cannot write events", self.file)),
            None => Ok(()),
        }
    }
}

impl Observer for EventLog {
    fn solve_started(&mut self) {
        self.emit("solve_started", json!({}));
    }
    fn solve_finished(&mut self, proposals: usize) {
        self.emit("solve_finished", json!({ "proposals": proposals }));
    }
    fn run_finished(&mut self, record: &RunRecord, runs: u64) {
        self.emit(
            "run_finished",
            json!({
                "index": record.index,
                "faults": record.faults,
                "outcome": record.outcome.as_str(),
                "runs": runs,
            }),
        );
    }
}
