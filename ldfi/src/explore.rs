//! The explore loop, generic over how runs are made ([`Runner`]) and judged ([`Oracle`]).

use std::collections::BTreeSet;

use faultline_trace::{FailureSpec, Fault, Goal, GoalScope, NodeId, Trace, faults_to_json};
use rayon::prelude::*;

use crate::exhaustive::{canonical, exhaustive_sets, minimal_sets};
use crate::lesson::Lesson;
use crate::report::{BoundHit, ExploreReport, Outcome, RunRecord, Verdict};
use crate::{LdfiError, Proposals, Proposer, RandomFaults, fault_space_spec};

/// Runs the system under test with a fault set (any simulator).
pub trait Runner: Sync {
    /// What can go wrong running it.
    type Error: std::fmt::Display;
    /// The trace of one run with `faults` injected.
    fn run(&self, faults: &[Fault]) -> Result<Trace, Self::Error>;
}

impl<F, E> Runner for F
where
    F: Fn(&[Fault]) -> Result<Trace, E> + Sync,
    E: std::fmt::Display,
{
    type Error = E;
    fn run(&self, faults: &[Fault]) -> Result<Trace, E> {
        self(faults)
    }
}

/// An oracle's judgement of one trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// Good, vacuously good or bad.
    pub outcome: Outcome,
    /// What the good outcome rests on, and how that depends on the run's faults (ignored
    /// unless `Good`).
    pub goal: Goal,
    /// Why this goal may not cover the property (a guessed goal, a property not shown to
    /// depend only on it). A search that learned from such a judgement never says
    /// `Certified`: it ends `Inconclusive` with this reason.
    pub caveat: Option<String>,
}

impl Judgement {
    /// A bad run.
    pub fn bad() -> Self {
        Judgement {
            outcome: Outcome::Bad,
            goal: Goal::all_of(Vec::new(), GoalScope::FaultIndependent),
            caveat: None,
        }
    }

    /// A run judged `outcome` resting on `goal`.
    pub fn new(outcome: Outcome, goal: Goal) -> Self {
        Judgement {
            outcome,
            goal,
            caveat: None,
        }
    }
}

/// Judges a trace: an invariant check, an LTL spec, a verdict written by another simulator.
pub trait Oracle: Sync {
    /// What can go wrong judging it.
    type Error: std::fmt::Display;
    /// The outcome of `trace` and its goal events.
    fn judge(&self, trace: &Trace) -> Result<Judgement, Self::Error>;
}

impl<F, E> Oracle for F
where
    F: Fn(&Trace) -> Result<Judgement, E> + Sync,
    E: std::fmt::Display,
{
    type Error = E;
    fn judge(&self, trace: &Trace) -> Result<Judgement, E> {
        self(trace)
    }
}

/// How fault sets are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Lineage-driven: Z3 proposals that break every known support.
    Ldfi,
    /// Random sets from the failure spec's fault model (the baseline).
    Random {
        /// The master seed.
        seed: u64,
    },
    /// Every admissible fault set, in a fixed order ([`crate::exhaustive_sets`]): the ground
    /// truth. Reports every minimal counterexample; needs nothing of the oracle but its verdicts.
    Exhaustive,
}

/// Search settings.
#[derive(Debug, Clone)]
#[must_use = "a config does nothing until passed to `explore`"]
pub struct ExploreConfig {
    /// The failure spec bounding the search.
    pub spec: FailureSpec,
    /// LDFI or random.
    pub strategy: Strategy,
    /// Keep going after the first counterexample to find every minimal one.
    pub find_all: bool,
    /// Fault sets proposed and run per round (every one of them counts as a run). The counts
    /// depend on it, never on `jobs`.
    pub batch_size: usize,
    /// Threads running a batch.
    pub jobs: usize,
    /// At most this many runs (the failure-free run included).
    pub runs_max: u64,
    /// Each solver check gives up after this long (0 = never).
    pub solver_timeout_ms: u32,
    /// Search only this shard's share of the fault space ([`crate::shard`]); `None` = all.
    pub shard: Option<crate::Shard>,
}

impl ExploreConfig {
    /// LDFI, first counterexample, batch 1, 1 job, 100 000 runs, 60 s per solver check.
    pub fn new(spec: FailureSpec) -> Self {
        ExploreConfig {
            spec,
            strategy: Strategy::Ldfi,
            find_all: false,
            batch_size: 1,
            jobs: 1,
            runs_max: 100_000,
            solver_timeout_ms: 60_000,
            shard: None,
        }
    }
}

/// Hooks for progress reporting (timing lives with the caller: the library reads no clock).
pub trait Observer {
    /// A solver call begins.
    fn solve_started(&mut self) {}
    /// A solver call returned `proposals` fault sets.
    fn solve_finished(&mut self, _proposals: usize) {}
    /// A run was judged; `runs` have been executed so far.
    fn run_finished(&mut self, _record: &RunRecord, _runs: u64) {}
    /// Polled between batches: true stops the search, which then ends `Inconclusive` with
    /// [`BoundHit::Interrupted`] and everything found so far (Ctrl-C, SIGTERM).
    fn interrupted(&self) -> bool {
        false
    }
}

/// The observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

struct Search<'a, R, O> {
    runner: &'a R,
    oracle: &'a O,
    config: &'a ExploreConfig,
    observer: &'a mut dyn Observer,
    pool: rayon::ThreadPool,
    history: Vec<RunRecord>,
    counterexamples: Vec<Vec<Fault>>,
    solver_calls: u64,
    /// Canonical fault sets run so far (the explored fraction counts distinct sets).
    distinct: BTreeSet<Vec<Fault>>,
    /// The first caveat an oracle attached to a good run's goal.
    caveat: Option<String>,
    /// Whether some run held non-vacuously (rested on a goal).
    tested: bool,
    /// Whether some run held (with or without a goal), and whether some run held only
    /// vacuously under a scope that lets a crash after a node's last event count as changing
    /// nothing (its lesson then does not cover the sets that add such a crash).
    held: bool,
    loose_vacuous: bool,
    /// The search ran out of proposals with goals learned from `async` runs and went on
    /// covering the space (see [`Search::ldfi`]); its certificate is then by cover.
    cover_phase: bool,
}

/// How a strategy's loop ended: it covered everything it had to, or a bound stopped it.
type Ending = Option<BoundHit>;

/// Searches the fault space: a failure-free run, then proposals (LDFI), random sets or every
/// set (exhaustive), each run and judged, until a counterexample (or, with `find_all`,
/// exhaustion), certification, or a bound.
///
/// Same runner, oracle and config ⇒ same proposals and counts, whatever `jobs` is: results
/// of a batch are merged in proposal order.
pub fn explore<R: Runner, O: Oracle>(
    runner: &R,
    oracle: &O,
    config: &ExploreConfig,
    observer: &mut dyn Observer,
) -> Result<ExploreReport, LdfiError> {
    if config.spec.eff > config.spec.eot {
        return Err(LdfiError::Spec {
            problem: format!(
                "EFF ({}) must not exceed EOT ({})",
                config.spec.eff, config.spec.eot
            ),
        });
    }
    if let Some((field, expected)) = config.spec.bound_problem() {
        return Err(LdfiError::Spec {
            problem: format!("{field}: expected {expected}"),
        });
    }
    if config.shard.is_some() && matches!(config.strategy, Strategy::Random { .. }) {
        return Err(LdfiError::Spec {
            problem: "a random search is not sharded: give each machine its own seed".into(),
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.jobs.max(1))
        .build()
        .map_err(|err| LdfiError::Spec {
            problem: format!("cannot start {} threads: {err}", config.jobs),
        })?;
    let mut search = Search {
        runner,
        oracle,
        config,
        observer,
        pool,
        history: Vec::new(),
        counterexamples: Vec::new(),
        solver_calls: 0,
        distinct: BTreeSet::new(),
        caveat: None,
        tested: false,
        held: false,
        loose_vacuous: false,
        cover_phase: false,
    };
    let mut batch = search.run_batch(&[Vec::new()])?;
    let (_, free_trace, free_judgement) = batch.remove(0);
    let nodes = free_trace.header.nodes.clone();
    let ending = if free_judgement.outcome == Outcome::Bad {
        // A bug without faults: every fault set contains the empty counterexample.
        None
    } else {
        match config.strategy {
            Strategy::Ldfi => search.ldfi(free_trace, free_judgement)?,
            Strategy::Random { seed } => search.random(seed, nodes.clone())?,
            Strategy::Exhaustive => search.exhaustive(&nodes)?,
        }
    };
    let (verdict, inconclusive_reason) = search.verdict(&ending);
    let by_cover = verdict == Verdict::Certified
        && (!search.tested || search.cover_phase)
        && config.strategy == Strategy::Ldfi;
    let spec = config.spec;
    Ok(ExploreReport {
        verdict,
        counterexamples: search.counterexamples,
        runs: search.history.len() as u64,
        distinct_sets: search.distinct.len() as u64,
        solver_calls: search.solver_calls,
        inconclusive_reason,
        bound_hit: ending,
        spec,
        fault_space: fault_space_spec(&spec, nodes.len() as u64),
        nodes,
        history: search.history,
        by_cover,
    })
}

type Judged = (Vec<Fault>, Trace, Judgement);

impl<R: Runner, O: Oracle> Search<'_, R, O> {
    fn runs(&self) -> u64 {
        self.history.len() as u64
    }

    fn budget(&self) -> usize {
        let left = self.config.runs_max.saturating_sub(self.runs());
        usize::try_from(left).unwrap_or(usize::MAX)
    }

    /// The verdict and, when inconclusive, why. A certificate needs the whole space covered
    /// (by proposals or enumeration), goals stated without caveat, and at least one run whose
    /// outcome rested on something (a search in which every run held vacuously tested nothing).
    fn verdict(&self, ending: &Ending) -> (Verdict, Option<String>) {
        if !self.counterexamples.is_empty() {
            return (Verdict::Counterexample, None);
        }
        match (ending, self.config.strategy) {
            // A random search ends at its run bound: that is its normal ending.
            (Some(BoundHit::RunsMax { .. }), Strategy::Random { .. }) => {
                return (Verdict::NoCounterexample, None);
            }
            (Some(bound), _) => return (Verdict::Inconclusive, Some(bound.describe())),
            (None, _) => {}
        }
        if let Strategy::Random { .. } = self.config.strategy {
            return (Verdict::NoCounterexample, None);
        }
        // Good runs that name no goal teach only "this set gives this run" (with the crash set
        // counted: see `Lesson::new`), so proposals running out means every admissible set was
        // run or adds to a run only faults that change nothing: the space is covered.
        let covered = match self.config.strategy {
            Strategy::Exhaustive => true,
            Strategy::Ldfi => !self.loose_vacuous && self.caveat.is_none(),
            Strategy::Random { .. } => false,
        };
        if (!self.tested || self.cover_phase) && self.held && covered {
            return (Verdict::Certified, None);
        }
        if let (Some(caveat), Strategy::Ldfi) = (&self.caveat, self.config.strategy)
            && !self.tested
        {
            return (
                Verdict::Inconclusive,
                Some(format!("nothing could be learned from the runs: {caveat}")),
            );
        }
        if !self.tested && self.held {
            let reason = "the runs name no goal, and the space is not shown covered: a run held \
                          only vacuously under a scope that ignores late crashes";
            return (Verdict::Inconclusive, Some(reason.to_string()));
        }
        if !self.tested {
            let reason = "every run held only vacuously (the property's precondition never \
                          held), so no run tested the outcome";
            return (Verdict::Inconclusive, Some(reason.to_string()));
        }
        match (&self.caveat, self.config.strategy) {
            (Some(caveat), Strategy::Ldfi) => (
                Verdict::Inconclusive,
                Some(format!(
                    "no fault set breaks every support found, but only relative to a goal \
                     that was not shown to cover the property: {caveat}"
                )),
            ),
            _ => (Verdict::Certified, None),
        }
    }

    /// Runs and judges `sets` in parallel; results come back in `sets` order.
    fn run_batch(&mut self, sets: &[Vec<Fault>]) -> Result<Vec<Judged>, LdfiError> {
        let (runner, oracle) = (self.runner, self.oracle);
        let results: Vec<Result<Judged, LdfiError>> = self.pool.install(|| {
            sets.par_iter()
                .map(|faults| {
                    let trace = runner.run(faults).map_err(|err| LdfiError::Runner {
                        faults: faults_to_json(faults),
                        message: err.to_string(),
                    })?;
                    let judgement = oracle.judge(&trace).map_err(|err| LdfiError::Oracle {
                        run_id: trace.header.run_id.clone(),
                        message: err.to_string(),
                    })?;
                    Ok((faults.clone(), trace, judgement))
                })
                .collect()
        });
        let mut judged = Vec::with_capacity(results.len());
        for result in results {
            let (faults, trace, judgement) = result?;
            let record = RunRecord {
                index: self.runs(),
                faults: faults.clone(),
                outcome: judgement.outcome,
            };
            match judgement.outcome {
                Outcome::Bad => self.counterexamples.push(faults.clone()),
                Outcome::Good | Outcome::Vacuous => {
                    self.tested |= judgement.outcome == Outcome::Good && !judgement.goal.is_empty();
                    self.held |= judgement.outcome == Outcome::Good;
                    self.loose_vacuous |= judgement.outcome == Outcome::Vacuous
                        && !crate::lesson::crash_set_matters(judgement.goal.scope);
                    if self.caveat.is_none() {
                        self.caveat.clone_from(&judgement.caveat);
                    }
                }
            }
            self.distinct.insert(canonical(&faults));
            self.history.push(record);
            let runs = self.runs();
            self.observer
                .run_finished(&self.history[self.history.len() - 1], runs);
            judged.push((faults, trace, judgement));
        }
        Ok(judged)
    }

    fn done(&self) -> bool {
        !self.counterexamples.is_empty() && !self.config.find_all
    }

    /// The bound that stops the search before its next batch, if any.
    fn bound(&self) -> Option<BoundHit> {
        if self.observer.interrupted() {
            return Some(BoundHit::Interrupted);
        }
        (self.budget() == 0).then_some(BoundHit::RunsMax {
            runs_max: self.config.runs_max,
        })
    }

    /// A proposer for this search (confined to its shard, if any).
    fn proposer(&self) -> Proposer {
        let mut proposer = Proposer::new(self.config.spec, self.config.solver_timeout_ms);
        if let Some(shard) = &self.config.shard {
            proposer.restrict(shard);
        }
        proposer
    }

    /// The LDFI loop.
    ///
    /// In the `async` time model fault times are steps of the schedule, and a fault moves the
    /// steps of everything after it (a held or lost message takes no step), so a goal's
    /// lesson — "a set that breaks none of these deliveries, at these steps, keeps them" — is
    /// a guide there, not a proof. When proposals run out and some lesson came from an `async`
    /// run's goal, the search goes on with a fresh proposer that knows every run only as
    /// itself ("this set again", which holds in any time model: a fault that changes nothing
    /// leaves the schedule as it was), and certifies only when that covers the space too.
    fn ldfi(&mut self, free_trace: Trace, free_judgement: Judgement) -> Result<Ending, LdfiError> {
        let mut proposer = self.proposer();
        // Every run's lesson as the cover phase would learn it.
        let mut replay: Vec<Lesson> = Vec::new();
        let mut async_goals = false;
        let mut batch = vec![(Vec::new(), free_trace, free_judgement)];
        let result = loop {
            for (faults, trace, judgement) in &batch {
                let lesson = Lesson::new(proposer.model(), faults, trace, judgement)?;
                let is_async = trace.header.time_model == faultline_trace::TimeModel::Async;
                if lesson.has_goal() && is_async {
                    async_goals = true;
                    let cover = Lesson::cover(proposer.model(), faults, trace);
                    if self.cover_phase {
                        proposer.learn_lesson(&cover);
                    } else {
                        proposer.learn_lesson(&lesson);
                    }
                    replay.push(cover);
                } else {
                    proposer.learn_lesson(&lesson);
                    replay.push(lesson);
                }
            }
            if self.done() {
                break None;
            }
            if let Some(bound) = self.bound() {
                break Some(bound);
            }
            self.observer.solve_started();
            let proposals = proposer.propose(self.config.batch_size.max(1).min(self.budget()));
            match proposals {
                Proposals::Exhausted if async_goals && !self.cover_phase => {
                    self.observer.solve_finished(0);
                    self.solver_calls += proposer.solver_calls();
                    self.cover_phase = true;
                    proposer = self.proposer();
                    for lesson in &replay {
                        proposer.learn_lesson(lesson);
                    }
                    batch = Vec::new();
                }
                Proposals::Exhausted => {
                    self.observer.solve_finished(0);
                    break None;
                }
                Proposals::Unknown(reason) => {
                    self.observer.solve_finished(0);
                    break Some(if self.observer.interrupted() {
                        BoundHit::Interrupted
                    } else {
                        BoundHit::SolverTimeout { reason }
                    });
                }
                Proposals::Sets(sets) => {
                    self.observer.solve_finished(sets.len());
                    batch = self.run_batch(&sets)?;
                }
            }
        };
        self.solver_calls += proposer.solver_calls();
        Ok(result)
    }

    /// The random baseline: never complete.
    fn random(&mut self, seed: u64, nodes: Vec<NodeId>) -> Result<Ending, LdfiError> {
        let mut random = RandomFaults::new(seed, nodes, self.config.spec);
        while !self.done() {
            if let Some(bound) = self.bound() {
                return Ok(Some(bound));
            }
            let sets: Vec<Vec<Fault>> = (0..self.config.batch_size.max(1).min(self.budget()))
                .map(|_| random.next_set())
                .collect();
            self.run_batch(&sets)?;
        }
        Ok(None)
    }

    /// Every admissible fault set but the empty one (already run), in batches of at least 64;
    /// the counterexamples reported are the minimal ones among every bad set.
    fn exhaustive(&mut self, nodes: &[NodeId]) -> Result<Ending, LdfiError> {
        let shard = self.config.shard.clone();
        let mut sets = exhaustive_sets(self.config.spec, nodes)
            .skip(1)
            .filter(|set| shard.as_ref().is_none_or(|shard| shard.contains(set)))
            .peekable();
        let chunk = self.config.batch_size.max(64);
        let mut ending = None;
        while sets.peek().is_some() {
            if let Some(bound) = self.bound() {
                ending = Some(bound);
                break;
            }
            let batch: Vec<Vec<Fault>> = sets.by_ref().take(chunk.min(self.budget())).collect();
            self.run_batch(&batch)?;
        }
        self.counterexamples = minimal_sets(&self.counterexamples);
        Ok(ending)
    }
}
