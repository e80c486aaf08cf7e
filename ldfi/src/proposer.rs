//! The public face of the fault-set enumerator: [`Proposer`] owns a fresh Z3 context and
//! enters it around every call into its [`Problem`], so a search's proposals depend on its own
//! runs only, never on what the thread solved before (see `solver_context.rs`).

use faultline_trace::{FailureSpec, Fault, GoalScope, Trace};

use crate::propose::Problem;
use crate::solver_context::{SolverContext, solvers_interrupted};
use crate::{FaultModel, Judgement, LdfiError, Lesson, LineageGraph, Proposals};

/// The incremental Z3 problem of one search. Not `Send`: it lives on the search thread.
///
/// Everything is asserted once into one incremental SAT solver (Z3's `QF_FD` solver) and never
/// retracted: the size bound of a check and the blocks of one batch of proposals are
/// assumptions, so what the solver learns carries over from check to check and from round to
/// round. Two proposers fed the same runs propose the same sets, whatever else the process
/// solved before or solves meanwhile.
pub struct Proposer {
    // Declared first so that it is dropped first: the context leaves the interrupt registry
    // before the problem's solver, its last user, frees it.
    context: SolverContext,
    problem: Problem,
}

impl Proposer {
    /// An empty problem for `spec`; each solver check gives up after `timeout_ms` (0 = never).
    pub fn new(spec: FailureSpec, timeout_ms: u32) -> Self {
        let context = SolverContext::new();
        let problem = context.enter(|| Problem::new(spec, timeout_ms));
        Proposer { context, problem }
    }

    /// The fault model (spec plus what the runs showed).
    pub fn model(&self) -> &FaultModel {
        self.problem.model()
    }

    /// Solver checks made so far.
    pub fn solver_calls(&self) -> u64 {
        self.problem.solver_calls()
    }

    /// Number of fault variables created so far: one per omission or clog, one per crash
    /// breakpoint (a node's crash times that some constraint tells apart; see `encode.rs`).
    pub fn variable_count(&self) -> usize {
        self.problem.variable_count()
    }

    /// Learns from one judged run: a bad run is a counterexample; a vacuous one (or a good
    /// one with an empty goal) only rules out the fault sets that would repeat it; a good one
    /// also adds "break the goal of this run", bound to the fault sets its goal's scope covers
    /// (see [`GoalScope`] and `ldfi/README.md`, "Soundness").
    pub fn learn(
        &mut self,
        faults: &[Fault],
        trace: &Trace,
        judgement: &Judgement,
    ) -> Result<(), LdfiError> {
        let lesson = Lesson::new(self.model(), faults, trace, judgement)?;
        self.learn_lesson(&lesson);
        Ok(())
    }

    /// Learns a lesson made earlier, perhaps by another process ([`Lesson`] serializes):
    /// exactly what [`Proposer::learn`] of its run does.
    pub fn learn_lesson(&mut self, lesson: &Lesson) {
        let problem = &mut self.problem;
        self.context.enter(|| problem.learn(lesson));
    }

    /// Records a run that produced `trace` under `faults` and whose outcome held with this
    /// `lineage`, every goal event needed whatever the faults: every later proposal must break
    /// it. (The building block of [`Proposer::learn`], for tests and hand-made lineage.)
    pub fn add_good_run(&mut self, faults: &[Fault], trace: &Trace, lineage: &LineageGraph) {
        let lesson = Lesson::good_run(self.model(), faults, trace, lineage);
        self.learn_lesson(&lesson);
    }

    /// Confines every later proposal to `shard`'s share of the fault space: its assignment of
    /// the split variables must be one of the shard's cubes. The shards of one split are
    /// disjoint and cover every fault set, so "no proposal left" in every shard is "no
    /// proposal left" for the whole space.
    pub fn restrict(&mut self, shard: &crate::Shard) {
        let problem = &mut self.problem;
        self.context.enter(|| problem.restrict(shard));
    }

    /// Records a run whose outcome held only vacuously (nothing to break): only sets that add
    /// a fault changing this run, or drop one of its faults, stay possible.
    pub fn add_vacuous_run(&mut self, faults: &[Fault], trace: &Trace, scope: GoalScope) {
        let lesson = Lesson::vacuous_run(self.model(), faults, trace, scope);
        self.learn_lesson(&lesson);
    }

    /// Records a counterexample: no later proposal contains it. (Not "or a version with an
    /// earlier crash": an earlier crash can stop the very event that made this run bad, so such
    /// a set may be good, or a different minimal counterexample.)
    pub fn add_counterexample(&mut self, faults: &[Fault]) {
        let problem = &mut self.problem;
        self.context.enter(|| problem.add_counterexample(faults));
    }

    /// Adds a raw support: a later proposal must contain at least one of `faults` (a hitting
    /// set constraint; for foreign lineage and for tests).
    pub fn add_support(&mut self, faults: &[Fault]) {
        let problem = &mut self.problem;
        self.context.enter(|| problem.add_support(faults));
    }

    /// Up to `count` new fault sets, smallest first. Each is subset-minimal among the sets
    /// allowed now, respects the failure spec, and is not implied by a tried set; within one
    /// call no set contains (a stronger version of) another. Crashes are placed as late as
    /// still breaks every support.
    ///
    /// Sizes are tried upwards from the smallest still possible; the first time a size has no
    /// set, one check without a bound says whether any set is left at all (so a certificate
    /// takes one check, not one per size up to the number of variables), and its model is
    /// proposed at once when it is of the next size.
    ///
    /// After [`crate::interrupt_solvers`], answers [`Proposals::Unknown`] without a check.
    pub fn propose(&mut self, count: usize) -> Proposals {
        if solvers_interrupted() {
            return Proposals::Unknown("interrupted".to_string());
        }
        let problem = &mut self.problem;
        self.context.enter(|| problem.propose(count))
    }
}
