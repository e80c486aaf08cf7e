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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// At most this many restarts: a crashed node may come back at a later time, with only
    /// its persisted state (0: crash-stop only).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub max_restarts: u32,
    /// At most this many swizzle-clogs (0 or 1).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub max_swizzles: u32,
    /// At most this many clock skews (at most one per node; `async` only).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub max_skews: u32,
    /// The largest clock offset a skew may have, in ns.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub max_skew_ns: u64,
    /// Skews are multiples of this many ns (0: only ±`max_skew_ns`).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub skew_step_ns: u64,
}

fn is_zero_u32(value: &u32) -> bool {
    *value == 0
}

fn is_zero_u64(value: &u64) -> bool {
    *value == 0
}

/// The most skew magnitudes a failure spec may admit (`max_skew_ns / skew_step_ns`): each
/// is a fault of its own in the space, so a finer grid is refused, not silently coarsened.
pub const MAX_SKEW_STEPS: u64 = 64;

impl FailureSpec {
    /// ⟨EOT, EFF, Crashes⟩ with no clog windows (Molly's failure spec).
    pub const fn new(eot: u64, eff: u64, max_crashes: u32) -> Self {
        FailureSpec {
            eot,
            eff,
            max_crashes,
            max_clogs: 0,
            max_restarts: 0,
            max_swizzles: 0,
            max_skews: 0,
            max_skew_ns: 0,
            skew_step_ns: 0,
        }
    }

    /// The skew offsets this spec admits, ascending: every non-zero multiple of the step
    /// (`skew_step_ns`, or `max_skew_ns` when 0) within ±`max_skew_ns`. Empty when skews are
    /// not admitted.
    pub fn skew_offsets(&self) -> Vec<i64> {
        if self.max_skews == 0 || self.max_skew_ns == 0 {
            return Vec::new();
        }
        let step = if self.skew_step_ns == 0 {
            self.max_skew_ns
        } else {
            self.skew_step_ns
        };
        let steps = (self.max_skew_ns / step).min(MAX_SKEW_STEPS);
        let mut out = Vec::new();
        for k in 1..=steps {
            let by = i64::try_from(k * step).unwrap_or(i64::MAX);
            out.push(-by);
            out.push(by);
        }
        out.sort_unstable();
        out
    }

    /// Why this spec's new bounds are unusable, if they are: more than one swizzle, a skew
    /// grid finer than [`MAX_SKEW_STEPS`] magnitudes, a step that does not divide the
    /// maximum, or skews without a magnitude. `(field, expected)` for error messages.
    pub fn bound_problem(&self) -> Option<(&'static str, String)> {
        if self.max_swizzles > 1 {
            return Some(("max_swizzles", "0 or 1 (one swizzle-clog per run)".into()));
        }
        if self.max_skews > 0 && self.max_skew_ns == 0 {
            return Some((
                "max_skew_ns",
                "a positive offset in ns when max_skews > 0".into(),
            ));
        }
        if self.max_skew_ns > i64::MAX as u64 {
            return Some(("max_skew_ns", format!("at most {}", i64::MAX)));
        }
        if self.skew_step_ns > 0 && self.max_skew_ns > 0 {
            if !self.max_skew_ns.is_multiple_of(self.skew_step_ns) {
                return Some((
                    "skew_step_ns",
                    format!("a divisor of max_skew_ns = {}", self.max_skew_ns),
                ));
            }
            if self.max_skew_ns / self.skew_step_ns > MAX_SKEW_STEPS {
                return Some((
                    "skew_step_ns",
                    format!(
                        "at least max_skew_ns / {MAX_SKEW_STEPS} = {} (at most {MAX_SKEW_STEPS} magnitudes)",
                        self.max_skew_ns.div_ceil(MAX_SKEW_STEPS)
                    ),
                ));
            }
        }
        None
    }

    /// The same spec with at most `max_clogs` clog windows.
    #[must_use]
    pub const fn with_clogs(mut self, max_clogs: u32) -> Self {
        self.max_clogs = max_clogs;
        self
    }
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

/// How a run's goal depends on the run's own faults: which later fault sets a support learned
/// from this run may bind (see `ldfi/README.md`, "Soundness").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalScope {
    /// The property needs the goal whatever the faults are (it never reads `crashed`): a
    /// support learned here binds every later fault set.
    FaultIndependent,
    /// The property speaks only of nodes that never crash (`forall m. crashed(m) || …`): with
    /// the same events, more crashes never turn it from holding to failing, and a goal event
    /// is not needed once its node crashes. A support learned here binds fault sets that crash
    /// every node this run crashed, each no later than here.
    CrashedNodesExempt,
    /// The goal depends on *which* nodes crash by the end of the run in any other way
    /// (failover: "held by the first server that never crashed"; quorums of live nodes). A
    /// support learned here binds only fault sets that crash exactly the nodes this run
    /// crashed, each no later than here.
    SameCrashes,
    /// The property reads *when* nodes crashed (a `crashed(n)` atom that more or earlier
    /// crashes can make stricter). A support learned here binds only fault sets with exactly
    /// this run's crashes, node and time.
    ExactCrashes,
}

impl GoalScope {
    /// The schema's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GoalScope::FaultIndependent => "fault_independent",
            GoalScope::CrashedNodesExempt => "crashed_nodes_exempt",
            GoalScope::SameCrashes => "same_crashes",
            GoalScope::ExactCrashes => "exact_crashes",
        }
    }
}

/// What a good run's outcome rests on, as its oracle states it: the run is good whenever every
/// `all_of` event occurs and, for each `any_of` group, at least one of its events occurs. LDFI
/// tries to break it. Written by the oracle of the run (a foreign simulator puts it in the
/// header of each good run; see `trace/SCHEMA.md`, "Goals").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    /// Events (ids) that must all occur. A `derive` event stands for its fact at its node: any
    /// derivation of the same fact there is an alternative support.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<u64>,
    /// Disjunctions: at least one event of each group must occur ("some replica that never
    /// crashed holds it").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Vec<u64>>,
    /// How the goal depends on the run's faults.
    pub scope: GoalScope,
    /// With the scope `crashed_nodes_exempt`: goal event → the node whose crash makes the
    /// event unnecessary; events not listed are needed whatever crashes. Absent: every goal
    /// event is exempt when its own node crashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exempt_if_crashed: Option<BTreeMap<u64, NodeId>>,
}

impl Goal {
    /// A goal needing every event of `all_of`.
    pub fn all_of(all_of: Vec<u64>, scope: GoalScope) -> Self {
        Goal {
            all_of,
            any_of: Vec::new(),
            scope,
            exempt_if_crashed: None,
        }
    }

    /// A goal needing at least one event of each group of `any_of` ("some replica that never
    /// crashed holds it").
    pub fn any_of(any_of: Vec<Vec<u64>>, scope: GoalScope) -> Self {
        Goal {
            all_of: Vec::new(),
            any_of,
            scope,
            exempt_if_crashed: None,
        }
    }

    /// True when the goal names no event (nothing to break: the outcome held vacuously).
    pub fn is_empty(&self) -> bool {
        self.all_of.is_empty() && self.any_of.iter().all(Vec::is_empty)
    }

    /// Every event the goal names, ascending, without repeats.
    pub fn events(&self) -> Vec<u64> {
        let mut events: Vec<u64> = self
            .all_of
            .iter()
            .chain(self.any_of.iter().flatten())
            .copied()
            .collect();
        events.sort_unstable();
        events.dedup();
        events
    }
}

/// How the writer derived lineage: with `derive`/`parents` annotations on every handler event,
/// or none at all (happens-before). Stated in the header so that a partly annotated trace is
/// an error, never a silent switch of mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineageDecl {
    /// Every `send` and `derive` event lists its `parents` (an event without `parents` depends
    /// on nothing).
    Annotated,
    /// No event has `parents`: lineage follows happens-before.
    HappensBefore,
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
    /// For a good run: what its outcome rests on and how that depends on the faults, as the
    /// run's oracle states it. Without it, `suggest` can only guess a goal, and says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
    /// How lineage is to be read; absent means: annotated if any event has `parents`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<LineageDecl>,
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
            goal: None,
            lineage: None,
        }
    }
}
