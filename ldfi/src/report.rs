//! What a search found: the verdict, counterexamples, runs and the fault space.

use faultline_trace::{FailureSpec, Fault, NodeId};
use serde::Serialize;

use crate::FaultSpace;

/// A run's outcome as the oracle judged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The property held, resting on the goal events.
    Good,
    /// The property held only vacuously (its precondition was false): nothing to break.
    Vacuous,
    /// The property was violated.
    Bad,
}

impl Outcome {
    /// `good`, `vacuous` or `bad`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Good => "good",
            Outcome::Vacuous => "vacuous",
            Outcome::Bad => "bad",
        }
    }
}

/// The search's conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A fault set violates the property.
    Counterexample,
    /// No admissible fault set breaks every support: correct for this failure spec.
    Certified,
    /// Random search found no counterexample (it never certifies).
    NoCounterexample,
    /// A bound was hit before the search ended.
    Inconclusive,
}

impl Verdict {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Counterexample => "counterexample",
            Verdict::Certified => "certified",
            Verdict::NoCounterexample => "no_counterexample",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// A bound that stopped the search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "bound", rename_all = "snake_case")]
pub enum BoundHit {
    /// `runs_max` runs were executed.
    RunsMax {
        /// The bound.
        runs_max: u64,
    },
    /// The solver gave up.
    SolverTimeout {
        /// Z3's reason.
        reason: String,
    },
    /// The caller asked the search to stop (Ctrl-C, SIGTERM: see [`crate::Observer::interrupted`]).
    Interrupted,
}

impl BoundHit {
    /// One line for people: what stopped the search.
    pub fn describe(&self) -> String {
        match self {
            BoundHit::RunsMax { runs_max } => {
                format!("the run bound (--runs-max {runs_max}) stopped the search")
            }
            BoundHit::SolverTimeout { reason } => {
                format!("the solver gave up ({reason}; raise --solver-timeout-ms)")
            }
            BoundHit::Interrupted => "the search was interrupted".to_string(),
        }
    }
}

/// One executed run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRecord {
    /// 0 for the failure-free run, then in execution order.
    pub index: u64,
    /// The faults injected.
    pub faults: Vec<Fault>,
    /// What the oracle said.
    pub outcome: Outcome,
}

/// Everything a search found.
#[derive(Debug, Clone, Serialize)]
pub struct ExploreReport {
    /// The conclusion.
    pub verdict: Verdict,
    /// Counterexamples in the order found (only the first unless `find_all`).
    pub counterexamples: Vec<Vec<Fault>>,
    /// Runs executed, the failure-free and failing runs included (the paper's count).
    pub runs: u64,
    /// Distinct fault sets among them, in canonical form (what the explored fraction counts).
    pub distinct_sets: u64,
    /// Solver checks made.
    pub solver_calls: u64,
    /// The bound that stopped the search, if one did.
    pub bound_hit: Option<BoundHit>,
    /// Why the verdict is `Inconclusive` (a bound, or a search that ended without the knowledge
    /// a certificate needs: a goal not shown to cover the property, every run vacuous); `None`
    /// for every other verdict.
    pub inconclusive_reason: Option<String>,
    /// The failure spec searched.
    pub spec: FailureSpec,
    /// The SUT's nodes (from the failure-free run).
    pub nodes: Vec<NodeId>,
    /// The fault space of the spec.
    #[serde(skip)]
    pub fault_space: FaultSpace,
    /// Every run, in execution order.
    pub history: Vec<RunRecord>,
    /// A certificate from covering the space, not from lineage: no run named a goal, so
    /// every admissible fault set was run or adds to a run only faults that change nothing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_cover: bool,
}

impl ExploreReport {
    /// Distinct fault sets run / exact fault-space size: at most 1, since every set run is an
    /// admissible one, counted once.
    pub fn explored_fraction(&self) -> f64 {
        crate::estimate::fraction(self.distinct_sets, &self.fault_space.exact)
    }
}
