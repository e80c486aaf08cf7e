//! What a report shows, as plain data: a search's JSON, a run store or a single trace fills it,
//! and [`crate::render`] turns it into one page. Every part is optional; a part that could not
//! be filled says why in [`Report::notes`].

use faultline_ldfi::LineageGraph;
use faultline_trace::{FailureSpec, Fault, Trace};
use serde::Serialize;

/// One page.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The page title (e.g. `retry-deliv: counterexample`).
    pub title: String,
    /// The verdict banner with the reproducer.
    pub banner: Option<Banner>,
    /// A search's numbers and coverage over time.
    pub search: Option<SearchSummary>,
    /// Every run of the search, in execution order (`None`: not recorded).
    pub runs: Option<Vec<RunRow>>,
    /// The run shown in the sequence chart and the step-through view (a counterexample, or
    /// the failure-free run of a certified search, or a single trace).
    pub run: Option<RunSection>,
    /// A lineage graph, with what a fault set broke.
    pub lineage: Option<LineageSection>,
    /// What the report could not show, and why (one sentence each).
    pub notes: Vec<String>,
}

/// The verdict banner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Banner {
    /// `counterexample`, `certified`, `no_counterexample`, `inconclusive`, `bad`, `good`,
    /// `fails`, `holds`...: picks the banner's colour (red for bugs, green for passes).
    pub verdict: String,
    /// One line for people.
    pub headline: String,
    /// The one-line command that replays the run shown, if there is one.
    pub reproducer: Option<String>,
}

impl Banner {
    /// Whether the verdict is a bug found (red banner).
    pub fn is_bug(&self) -> bool {
        matches!(
            self.verdict.as_str(),
            "counterexample" | "bad" | "fails" | "invalid"
        )
    }
}

/// A search's figures (what `faultline explore --json` prints).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchSummary {
    /// The SUT searched.
    pub sut: String,
    /// The seed of its runs.
    pub seed: u64,
    /// `ldfi`, `random` or `exhaustive`.
    pub strategy: String,
    /// The oracle: `built-in invariant` or the spec file.
    pub oracle: String,
    /// The failure spec searched.
    pub spec: Option<FailureSpec>,
    /// Runs executed, the failure-free and failing runs included.
    pub runs: u64,
    /// Solver checks made.
    pub solver_calls: u64,
    /// Time spent in the solver, if measured.
    pub solver_ms: Option<f64>,
    /// Wall time of the search, if measured.
    pub wall_ms: Option<f64>,
    /// Molly's gross estimate of the fault space (a decimal string: it outgrows 64 bits).
    pub fault_space_gross: String,
    /// The exact number of admissible fault sets (a decimal string).
    pub fault_space_exact: String,
    /// Distinct fault sets run / the exact count.
    pub explored_fraction: f64,
    /// What stopped the search early, if anything.
    pub bound: Option<String>,
    /// Why the verdict is inconclusive, if it is.
    pub inconclusive_reason: Option<String>,
    /// A certificate from covering the space, not from lineage: no run named a goal, so every
    /// admissible fault set was run or adds to a run only faults that change nothing.
    pub by_cover: bool,
    /// elle-lite's consistency models, when client histories were part of the oracle.
    pub elle: Vec<String>,
}

/// One run of a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    /// 0 for the failure-free run, then in execution order.
    pub index: u64,
    /// The faults injected.
    pub faults: Vec<Fault>,
    /// `good`, `vacuous` or `bad`.
    pub outcome: String,
    /// Time the simulator took to make the run (judging not included), if measured.
    pub duration_ms: Option<f64>,
    /// When the search had finished this run (since its start), if measured.
    pub finished_ms: Option<f64>,
}

/// The run shown in the sequence chart and the step-through view.
#[derive(Debug, Clone)]
pub struct RunSection {
    /// What this run is (`counterexample: omission a→b@1, crash a@2`).
    pub label: String,
    /// Its trace.
    pub trace: Trace,
    /// The event at which the LTL property first fails (highlighted), if one does.
    pub failing_event: Option<u64>,
    /// LTL properties checked on it, with their proofs.
    pub properties: Vec<PropertySection>,
    /// elle-lite's verdict on its client history, when it has one.
    pub elle: Option<ElleSection>,
}

/// One LTL property's verdict and proof, rendered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropertySection {
    /// The property's name.
    pub name: String,
    /// Whether it holds at event 0.
    pub holds: bool,
    /// Whether the verdict depends on where the trace ended.
    pub presumptive: bool,
    /// The proof as text (`faultline check`'s rendering).
    pub proof: String,
}

/// elle-lite's verdict on a client history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElleSection {
    /// `valid`, `invalid` or `unknown`.
    pub valid: String,
    /// The anomaly types found.
    pub anomaly_types: Vec<String>,
    /// The explanation (`faultline elle`'s rendering).
    pub text: String,
}

/// A lineage graph and what a fault set broke in it.
#[derive(Debug, Clone)]
pub struct LineageSection {
    /// What graph this is (`lineage of the failure-free run's outcome`).
    pub label: String,
    /// The graph.
    pub graph: LineageGraph,
    /// The faults whose damage is highlighted (empty: none).
    pub faults: Vec<Fault>,
    /// Per vertex, whether `faults` break it ([`faultline_ldfi::broken_vertices`]).
    pub broken: Vec<bool>,
}

impl LineageSection {
    /// The lineage of `graph` with the damage `faults` do to it.
    pub fn new(label: impl Into<String>, graph: LineageGraph, faults: Vec<Fault>) -> Self {
        let broken = faultline_ldfi::broken_vertices(&graph, &faults);
        LineageSection {
            label: label.into(),
            graph,
            faults,
            broken,
        }
    }
}

/// The explored fraction after each run: distinct fault sets so far / `exact` (a decimal
/// string; a count beyond `f64` gives 0), and how many good runs the search had learned from.
///
/// # Complexity
/// O(runs · faults per run · log runs).
pub fn coverage(runs: &[RunRow], exact: &str) -> Vec<CoveragePoint> {
    let exact: f64 = exact.parse().unwrap_or(f64::INFINITY);
    let mut seen = std::collections::BTreeSet::new();
    let mut learned = 0u64;
    runs.iter()
        .enumerate()
        .map(|(index, run)| {
            seen.insert(faultline_ldfi::canonical(&run.faults));
            if run.outcome == "good" {
                learned += 1;
            }
            let fraction = if exact.is_finite() && exact > 0.0 {
                (seen.len() as f64 / exact).min(1.0)
            } else {
                0.0
            };
            CoveragePoint {
                runs: index as u64 + 1,
                explored_fraction: fraction,
                good_runs_learned: learned,
                finished_ms: run.finished_ms,
            }
        })
        .collect()
}

/// One point of the coverage-over-time chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CoveragePoint {
    /// Runs made so far.
    pub runs: u64,
    /// Distinct fault sets so far / the exact fault-space size.
    pub explored_fraction: f64,
    /// Good runs whose supports the search has learned (each adds "break every support of
    /// this run's outcome" to the solver).
    pub good_runs_learned: u64,
    /// Wall time at that run, if measured.
    pub finished_ms: Option<f64>,
}
