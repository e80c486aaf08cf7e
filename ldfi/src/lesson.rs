//! What the proposer keeps of one judged run: everything [`crate::Proposer::learn`] reads from
//! the trace, computed once and serializable, so that a stored search (`suggest --db`)
//! replays its runs without reading their traces again and asks Z3 exactly what the stateless
//! call asks.

use std::collections::BTreeMap;

use faultline_trace::{Fault, Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};

use crate::{FaultModel, Judgement, LdfiError, LineageGraph, Outcome, build_lineage};

/// One judged run, reduced to what the encoding needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lesson {
    /// The run's faults, sorted.
    pub(crate) faults: Vec<Fault>,
    /// What to learn.
    pub(crate) kind: LessonKind,
    /// Its goal came from an `async` run, where fault times are schedule steps that a fault
    /// shifts: the goal guides a search but certifies nothing (see `explore.rs`).
    #[serde(default)]
    pub(crate) async_goal: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum LessonKind {
    /// A bad run: no later proposal contains its faults.
    Counterexample,
    /// A run to rule out repeating ([`crate::Proposer::add_vacuous_run`]) and, with a
    /// lineage, whose goal every set its scope binds must break.
    Run {
        scope: GoalScope,
        nodes: Vec<NodeId>,
        /// The faults other than crashes that change this run, and per node the latest crash
        /// time that does ([`FaultModel::affecting_folded`]).
        affecting: Vec<Fault>,
        latest_crash: BTreeMap<NodeId, u64>,
        /// Per node, the latest skew time that changes this run (empty without skews).
        #[serde(default)]
        latest_skew: BTreeMap<NodeId, u64>,
        goal: Option<Box<GoalLesson>>,
    },
}

/// The goal part of a good run's lesson.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GoalLesson {
    pub(crate) lineage: LineageGraph,
    pub(crate) all_of: Vec<u64>,
    pub(crate) any_of: Vec<Vec<u64>>,
    /// Goal event → the node whose crash makes it unnecessary.
    pub(crate) exempt: BTreeMap<u64, NodeId>,
}

/// Whether a crash after a node's last event (which changes no event) can change the verdict.
pub(crate) fn crash_set_matters(scope: GoalScope) -> bool {
    matches!(scope, GoalScope::SameCrashes | GoalScope::ExactCrashes)
}

/// Each exempt goal event's node: as the goal lists them, or else every event's own node.
fn exemptions(trace: &Trace, goal: &Goal) -> BTreeMap<u64, NodeId> {
    match &goal.exempt_if_crashed {
        Some(listed) => listed.clone(),
        None => goal
            .events()
            .into_iter()
            .filter_map(|event| Some((event, trace.event(event)?.actor()?.clone())))
            .collect(),
    }
}

impl Lesson {
    /// The version of what a lesson holds and means: a store of lessons drawn by another
    /// format must not be replayed (`suggest --db` refuses it).
    pub const FORMAT: u32 = 2;

    /// The lesson of a run with `faults` that produced `trace`, judged `judgement`, under
    /// `model` (its failure spec decides which faults could change the run).
    pub fn new(
        model: &FaultModel,
        faults: &[Fault],
        trace: &Trace,
        judgement: &Judgement,
    ) -> Result<Self, LdfiError> {
        let mut sorted: Vec<Fault> = faults.iter().cloned().map(Fault::canonical).collect();
        sorted.sort();
        let scope = judgement.goal.scope;
        let goal = match judgement.outcome {
            Outcome::Bad => {
                return Ok(Lesson {
                    faults: sorted,
                    kind: LessonKind::Counterexample,
                    async_goal: false,
                });
            }
            Outcome::Good if !judgement.goal.is_empty() => {
                let lineage = build_lineage(trace, &judgement.goal.events())?;
                let exempt = match scope {
                    GoalScope::CrashedNodesExempt => exemptions(trace, &judgement.goal),
                    GoalScope::FaultIndependent
                    | GoalScope::SameCrashes
                    | GoalScope::ExactCrashes => BTreeMap::new(),
                };
                Some(Box::new(GoalLesson {
                    lineage,
                    all_of: judgement.goal.all_of.clone(),
                    any_of: judgement.goal.any_of.clone(),
                    exempt,
                }))
            }
            Outcome::Good | Outcome::Vacuous => None,
        };
        // A good run that names no goal teaches only "this set gives this run", and a search
        // of such runs that runs out of proposals certifies by covering the space (see
        // `explore.rs`): every crash that changes the crash set must count as changing the
        // run, whatever scope the oracle gave its empty goal.
        let scope = if judgement.outcome == Outcome::Good && goal.is_none() {
            GoalScope::ExactCrashes
        } else {
            scope
        };
        let mut lesson = Lesson::run(model, sorted, trace, scope, goal);
        lesson.async_goal =
            lesson.has_goal() && trace.header.time_model == faultline_trace::TimeModel::Async;
        Ok(lesson)
    }

    /// A good run whose outcome rests on every goal premise of `lineage`, whatever the faults
    /// (for tests and hand-made lineage).
    pub fn good_run(
        model: &FaultModel,
        faults: &[Fault],
        trace: &Trace,
        lineage: &LineageGraph,
    ) -> Self {
        let mut sorted: Vec<Fault> = faults.iter().cloned().map(Fault::canonical).collect();
        sorted.sort();
        let goal = GoalLesson {
            all_of: lineage.goal_premises.iter().map(|(e, _)| *e).collect(),
            any_of: Vec::new(),
            exempt: BTreeMap::new(),
            lineage: lineage.clone(),
        };
        Lesson::run(
            model,
            sorted,
            trace,
            GoalScope::FaultIndependent,
            Some(Box::new(goal)),
        )
    }

    /// The lesson of a run as if it named no goal: only "a set that adds to these faults
    /// nothing that changes this run is this run again", with the crash set counted — what a
    /// search that certifies by covering the space learns from a good run.
    pub fn cover(model: &FaultModel, faults: &[Fault], trace: &Trace) -> Self {
        let mut sorted: Vec<Fault> = faults.iter().cloned().map(Fault::canonical).collect();
        sorted.sort();
        Lesson::run(model, sorted, trace, GoalScope::ExactCrashes, None)
    }

    /// Whether its goal came from an `async` run (a guide, not a proof: a search whose
    /// proposals run out with such lessons has not shown the space covered).
    pub fn async_goal(&self) -> bool {
        self.async_goal
    }

    /// Whether the lesson asks later fault sets to break a goal.
    pub fn has_goal(&self) -> bool {
        matches!(&self.kind, LessonKind::Run { goal: Some(_), .. })
    }

    /// A run that held only vacuously, within `scope`.
    pub fn vacuous_run(
        model: &FaultModel,
        faults: &[Fault],
        trace: &Trace,
        scope: GoalScope,
    ) -> Self {
        let mut sorted: Vec<Fault> = faults.iter().cloned().map(Fault::canonical).collect();
        sorted.sort();
        Lesson::run(model, sorted, trace, scope, None)
    }

    fn run(
        model: &FaultModel,
        faults: Vec<Fault>,
        trace: &Trace,
        scope: GoalScope,
        goal: Option<Box<GoalLesson>>,
    ) -> Self {
        let folded = model.affecting_folded(trace, crash_set_matters(scope));
        Lesson {
            async_goal: false,
            faults,
            kind: LessonKind::Run {
                scope,
                nodes: trace.header.nodes.clone(),
                affecting: folded.faults,
                latest_crash: folded.latest_crash,
                latest_skew: folded.latest_skew,
                goal,
            },
        }
    }

    /// The run's faults, sorted.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Whether the lesson counts every crash that changes the crash set as changing the run
    /// (a counterexample's lesson blocks only its supersets: true).
    pub fn crash_set_exact(&self) -> bool {
        match &self.kind {
            LessonKind::Counterexample => true,
            LessonKind::Run { scope, .. } => crash_set_matters(*scope),
        }
    }
}
