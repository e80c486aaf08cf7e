//! What a run is configured with, what an invariant says about it, and how a panic of the
//! system's code shows in its trace.

use faultline_trace::{Event, EventKind, FailureSpec, Fault, Goal, GoalScope, RunVerdict, Trace};
use serde::{Deserialize, Serialize};

/// What one run is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The master seed (node RNGs and, in `async`, latencies).
    pub seed: u64,
    /// End of time: the number of rounds (`rounds`) or the step bound (`async`).
    pub eot: u64,
    /// The faults to inject (times are rounds or steps).
    pub faults: Vec<Fault>,
    /// Copied into the trace header (the simulator itself only reads `eot` above).
    pub failure_spec: Option<FailureSpec>,
}

impl RunConfig {
    /// A failure-free run of `eot` rounds (or steps) with `seed`.
    pub fn new(seed: u64, eot: u64) -> Self {
        RunConfig {
            seed,
            eot,
            faults: Vec::new(),
            failure_spec: None,
        }
    }

    /// The same run with `faults`.
    #[must_use]
    pub fn with_faults(mut self, faults: Vec<Fault>) -> Self {
        self.faults = faults;
        self
    }
}

/// What a SUT's invariant (`pre → post`) says about a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvariantReport {
    /// False when the invariant is violated (a bug).
    pub holds: bool,
    /// `pre` did not hold, so the run is vacuously correct (`holds` is then true).
    pub vacuous: bool,
    /// What the good outcome rests on and how that depends on the run's crashes (for the
    /// delivery SUTs: for each node that never crashed, its latest derive of `["log", P]`,
    /// crashed nodes exempt); empty when `post` does not hold.
    pub goal: Goal,
    /// One line for people, e.g. `c has "hello" but b does not`.
    pub explanation: String,
}

impl InvariantReport {
    /// The property held, resting on `goal` (the goal events and how they depend on the
    /// run's crashes; see `ldfi/README.md`, "Soundness").
    pub fn holds(goal: Goal) -> Self {
        InvariantReport {
            holds: true,
            vacuous: false,
            goal,
            explanation: String::new(),
        }
    }

    /// The property was violated: a bug, explained in one line for people.
    pub fn violated(explanation: impl Into<String>) -> Self {
        InvariantReport {
            holds: false,
            vacuous: false,
            goal: Goal::all_of(Vec::new(), GoalScope::FaultIndependent),
            explanation: explanation.into(),
        }
    }

    /// The precondition did not hold: the run is vacuously correct and shows nothing to break.
    pub fn vacuous(explanation: impl Into<String>) -> Self {
        InvariantReport {
            holds: true,
            vacuous: true,
            goal: Goal::all_of(Vec::new(), GoalScope::FaultIndependent),
            explanation: explanation.into(),
        }
    }

    /// The same report with `explanation` as its line for people.
    #[must_use]
    pub fn explain(mut self, explanation: impl Into<String>) -> Self {
        self.explanation = explanation.into();
        self
    }

    /// The verdict to put in a trace header.
    pub fn verdict(&self) -> RunVerdict {
        match (self.holds, self.vacuous) {
            (false, _) => RunVerdict::Bad,
            (true, true) => RunVerdict::Vacuous,
            (true, false) => RunVerdict::Good,
        }
    }
}

/// The panic in the SUT's code that ended `trace`, if any: a `crash` event with a `reason` and
/// no `fault` (an injected crash always carries its `fault`). Its `reason` reads
/// `panicked <where>: <message>`, where is `in init`, `in on_message`, `in on_timer`,
/// `in state`, `serializing a message` or `in the reactor factory`.
///
/// A panic is a bug in the SUT, never an admissible fault: [`crate::System::check`] calls such a run
/// bad whatever the SUT's invariant says, and nothing that reads crashes (a "crashed nodes are
/// exempt" invariant, LDFI, `crashed(n)`) may count it as a crash.
pub fn handler_panic(trace: &Trace) -> Option<&Event> {
    trace.events.iter().find(|event| {
        event.kind == EventKind::Crash && event.fault.is_none() && event.reason.is_some()
    })
}

/// The report of a run that ended in a panic of the system's code: bad, whatever its
/// invariant says.
pub(crate) fn bad_if_panicked(trace: &Trace) -> Option<InvariantReport> {
    let panic = handler_panic(trace)?;
    let node = panic.node.as_deref().unwrap_or("?");
    let reason = panic.reason.as_deref().unwrap_or("panicked");
    Some(InvariantReport {
        holds: false,
        vacuous: false,
        goal: Goal::all_of(Vec::new(), GoalScope::FaultIndependent),
        explanation: format!("node {node} {reason}"),
    })
}
