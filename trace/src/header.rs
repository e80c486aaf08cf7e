//! The header: line 1 of every trace.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Fault, NodeId};

/// The schema tag every header carries.
pub const SCHEMA: &str = "faultline-trace/v1";

/// How logical time (`lt`) advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeModel {
    /// Global synchronous rounds 1..=EOT (the LDFI paper's model); `lt` is the round.
    Rounds,
    /// Seeded latencies in simulated time; `lt` is the global step counter.
    Async,
}

impl TimeModel {
    /// The schema's spelling (`"rounds"`, `"async"`).
    pub fn as_str(self) -> &'static str {
        match self {
            TimeModel::Rounds => "rounds",
            TimeModel::Async => "async",
        }
    }
}

/// The failure specification a run (or a search) is bounded by: Molly's ⟨EOT, EFF, Crashes⟩ plus clogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    /// End of time: the last round (or step) of a run.
    pub eot: u64,
    /// End of finite failures: message loss is allowed only for sends at time `< eff`.
    pub eff: u64,
    /// At most this many (crash-stop) crashes.
    pub max_crashes: u32,
    /// At most this many clog windows.
    #[serde(default)]
    pub max_clogs: u32,
}

/// What the run's oracle said, when the writer knows it (LDFI's `suggest` reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunVerdict {
    /// The correctness property held, resting on what the run derived.
    Good,
    /// The property held only vacuously (its precondition failed, as in `pre -> post` with
    /// `pre` false): the run shows no support of a good outcome, so LDFI learns nothing to
    /// break from it. Marking such a run `good` would make LDFI demand that later fault sets
    /// break whatever the run did derive, which can skip real bugs.
    Vacuous,
    /// The correctness property was violated.
    Bad,
}

impl RunVerdict {
    /// `good`, `vacuous` or `bad`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunVerdict::Good => "good",
            RunVerdict::Vacuous => "vacuous",
            RunVerdict::Bad => "bad",
        }
    }
}

/// Line 1 of a trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Identifies the run (free-form; unique within a search).
    pub run_id: String,
    /// Name of the system under test.
    pub sut: String,
    /// The master seed of the run.
    #[serde(default)]
    pub seed: u64,
    /// How `lt` advances.
    pub time_model: TimeModel,
    /// The nodes of the SUT, in a fixed order.
    pub nodes: Vec<NodeId>,
    /// Client processes (names), if the trace carries a client history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<String>,
    /// The failure spec the run was made under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_spec: Option<FailureSpec>,
    /// The fault set injected into this run.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Each node's state before the first event (JSON), keyed by node.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub initial_state: BTreeMap<NodeId, Value>,
    /// The run's verdict, if the writer knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<RunVerdict>,
}

impl Header {
    /// A header for `sut` with the given nodes and no faults.
    pub fn new(
        run_id: impl Into<String>,
        sut: impl Into<String>,
        time_model: TimeModel,
        nodes: Vec<NodeId>,
    ) -> Self {
        Header {
            schema: SCHEMA.to_string(),
            run_id: run_id.into(),
            sut: sut.into(),
            seed: 0,
            time_model,
            nodes,
            clients: Vec::new(),
            failure_spec: None,
            faults: Vec::new(),
            initial_state: BTreeMap::new(),
            verdict: None,
        }
    }
}
