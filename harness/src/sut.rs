//! The SUT registry's types: what a run is configured with, and what an invariant says.

use faultline_trace::{
    Event, EventKind, FailureSpec, Fault, Goal, GoalScope, NodeId, RunVerdict, TimeModel, Trace,
};
use serde::{Deserialize, Serialize};

use crate::HarnessError;

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
    /// The verdict to put in a trace header.
    pub fn verdict(&self) -> RunVerdict {
        match (self.holds, self.vacuous) {
            (false, _) => RunVerdict::Bad,
            (true, true) => RunVerdict::Vacuous,
            (true, false) => RunVerdict::Good,
        }
    }
}

/// A built-in system under test: how to run it, its invariant and its default failure spec.
/// `Sync`, so searches can run it from many threads.
pub struct Sut {
    /// Name used on the command line, e.g. `simple-deliv`.
    pub name: &'static str,
    /// One line for people.
    pub description: &'static str,
    /// How time advances in its runs.
    pub time_model: TimeModel,
    /// The failure spec the LDFI paper uses for it (⟨EOT, EFF, Crashes⟩).
    pub default_spec: FailureSpec,
    /// Its nodes, in header order.
    pub nodes: &'static [&'static str],
    pub(crate) runner: fn(&RunConfig) -> Result<Trace, HarnessError>,
    pub(crate) checker: fn(&Trace) -> InvariantReport,
}

/// The panic in the SUT's code that ended `trace`, if any: a `crash` event with a `reason` and
/// no `fault` (an injected crash always carries its `fault`). Its `reason` reads
/// `panicked <where>: <message>`, where is `in init`, `in on_message`, `in on_timer`,
/// `in state`, `serializing a message` or `in the reactor factory`.
///
/// A panic is a bug in the SUT, never an admissible fault: [`Sut::check`] calls such a run
/// bad whatever the SUT's invariant says, and nothing that reads crashes (a "crashed nodes are
/// exempt" invariant, LDFI, `crashed(n)`) may count it as a crash.
pub fn handler_panic(trace: &Trace) -> Option<&Event> {
    trace.events.iter().find(|event| {
        event.kind == EventKind::Crash && event.fault.is_none() && event.reason.is_some()
    })
}

impl Sut {
    /// A SUT of your own, for searches and checks in the same shape as the built-ins
    /// ([`crate::suts()`]): `runner` runs it under a [`RunConfig`] (usually
    /// [`crate::Simulator::run`]), `checker` is its invariant.
    pub const fn new(
        name: &'static str,
        description: &'static str,
        time_model: TimeModel,
        default_spec: FailureSpec,
        nodes: &'static [&'static str],
        runner: fn(&RunConfig) -> Result<Trace, HarnessError>,
        checker: fn(&Trace) -> InvariantReport,
    ) -> Self {
        Sut {
            name,
            description,
            time_model,
            default_spec,
            nodes,
            runner,
            checker,
        }
    }

    /// Runs the SUT under `config`; the header's `verdict` is set from [`Sut::check`].
    pub fn run(&self, config: &RunConfig) -> Result<Trace, HarnessError> {
        let mut trace = (self.runner)(config)?;
        let report = self.check(&trace);
        let verdict = report.verdict();
        trace.header.verdict = Some(verdict);
        // The oracle states what a good run rests on, so that a search over these traces
        // (`suggest`) needs no guess.
        trace.header.goal = (verdict != RunVerdict::Bad).then_some(report.goal);
        Ok(trace)
    }

    /// Evaluates the SUT's invariant over a run's trace (its state at the end, its crashes).
    /// A run that ended in a panic of the SUT's code ([`handler_panic`]) is bad before the
    /// invariant is asked: the invariant would see a crashed node, and a crash exemption would
    /// turn the SUT's bug into a pass.
    pub fn check(&self, trace: &Trace) -> InvariantReport {
        if let Some(panic) = handler_panic(trace) {
            let node = panic.node.as_deref().unwrap_or("?");
            let reason = panic.reason.as_deref().unwrap_or("panicked");
            return InvariantReport {
                holds: false,
                vacuous: false,
                goal: Goal::all_of(Vec::new(), GoalScope::FaultIndependent),
                explanation: format!("node {node} {reason}"),
            };
        }
        (self.checker)(trace)
    }

    /// The node names as [`NodeId`]s.
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.nodes.iter().map(|node| node.to_string()).collect()
    }

    /// A failure-free run at the default spec's `eot`, with that spec in the header.
    pub fn default_config(&self, seed: u64) -> RunConfig {
        RunConfig {
            failure_spec: Some(self.default_spec),
            ..RunConfig::new(seed, self.default_spec.eot)
        }
    }
}

impl std::fmt::Debug for Sut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sut")
            .field("name", &self.name)
            .field("time_model", &self.time_model)
            .field("default_spec", &self.default_spec)
            .field("nodes", &self.nodes)
            .finish_non_exhaustive()
    }
}
