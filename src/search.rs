//! `faultline::explore`: search a [`System`]'s fault space from Rust (your own `cargo test`),
//! with its invariant or an LTL spec as the oracle.

use std::path::PathBuf;

use faultline_harness::{RunConfig, System};
use faultline_ldfi::{
    ExploreConfig, ExploreReport, Judgement, Observer, Oracle, Outcome, Silent, Strategy, Verdict,
};
use faultline_trace::{FailureSpec, Fault, Trace, faults_to_json};

use crate::spec_oracle::SpecOracle;

/// What can stop a search from starting or finishing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The search's settings are inconsistent with the system (EFF above EOT, more crashes
    /// than nodes, a zero bound).
    #[error("{system}: {problem}")]
    Config {
        /// The system's name.
        system: String,
        /// What is wrong.
        problem: String,
    },
    /// The LTL spec cannot be read or parsed (the message names the file, line and column).
    #[error("{0}")]
    Spec(String),
    /// A run could not be made or judged, or the solver could not start.
    #[error(transparent)]
    Search(#[from] faultline_ldfi::LdfiError),
}

/// Where an LTL oracle comes from.
#[derive(Debug, Clone)]
enum Ltl {
    Text(String),
    File(PathBuf),
}

/// How to search: the failure spec (default: the system's), the strategy (default: LDFI),
/// the oracle (default: the system's invariant) and bounds.
///
/// ```
/// # use faultline::Explore;
/// let config = Explore::new().eot(8).eff(7).crashes(1).find_all();
/// ```
#[derive(Debug, Clone)]
#[must_use = "a config does nothing until passed to `explore`"]
pub struct Explore {
    eot: Option<u64>,
    eff: Option<u64>,
    crashes: Option<u32>,
    clogs: Option<u32>,
    strategy: Strategy,
    find_all: bool,
    seed: u64,
    jobs: usize,
    batch: usize,
    runs_max: u64,
    solver_timeout_ms: u32,
    ltl: Option<Ltl>,
}

impl Default for Explore {
    fn default() -> Self {
        Explore::new()
    }
}

impl Explore {
    /// LDFI at the system's own failure spec, judged by its invariant, seed 0, one thread,
    /// first counterexample only, at most 100 000 runs, 60 s per solver check.
    pub fn new() -> Self {
        Explore {
            eot: None,
            eff: None,
            crashes: None,
            clogs: None,
            strategy: Strategy::Ldfi,
            find_all: false,
            seed: 0,
            jobs: 1,
            batch: 1,
            runs_max: 100_000,
            solver_timeout_ms: 60_000,
            ltl: None,
        }
    }

    /// End of time: rounds (or async steps) per run.
    pub fn eot(mut self, eot: u64) -> Self {
        self.eot = Some(eot);
        self
    }

    /// End of finite failures: messages sent before it may be lost.
    pub fn eff(mut self, eff: u64) -> Self {
        self.eff = Some(eff);
        self
    }

    /// At most this many crashes.
    pub fn crashes(mut self, crashes: u32) -> Self {
        self.crashes = Some(crashes);
        self
    }

    /// At most this many clog windows.
    pub fn clogs(mut self, clogs: u32) -> Self {
        self.clogs = Some(clogs);
        self
    }

    /// The whole failure spec at once.
    pub fn spec(self, spec: FailureSpec) -> Self {
        self.eot(spec.eot)
            .eff(spec.eff)
            .crashes(spec.max_crashes)
            .clogs(spec.max_clogs)
    }

    /// How fault sets are chosen: LDFI (default), random, or every set (exhaustive).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Keep going after the first counterexample to find every minimal one.
    pub fn find_all(mut self) -> Self {
        self.find_all = true;
        self
    }

    /// The seed of every run (node RNGs, async latencies).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Threads running a batch of runs; never changes the results.
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// Fault sets proposed and run per round (every one counts as a run).
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch;
        self
    }

    /// At most this many runs, the failure-free run included; hitting it ends `Inconclusive`.
    pub fn runs_max(mut self, runs_max: u64) -> Self {
        self.runs_max = runs_max;
        self
    }

    /// Each solver check gives up after this many milliseconds (0 = never).
    pub fn solver_timeout_ms(mut self, solver_timeout_ms: u32) -> Self {
        self.solver_timeout_ms = solver_timeout_ms;
        self
    }

    /// Judge runs with this LTL spec (the language of `specs/`) instead of the invariant.
    pub fn ltl(mut self, spec: impl Into<String>) -> Self {
        self.ltl = Some(Ltl::Text(spec.into()));
        self
    }

    /// Judge runs with the LTL spec in `path`.
    pub fn ltl_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ltl = Some(Ltl::File(path.into()));
        self
    }

    /// The failure spec this config searches for `system`.
    pub fn failure_spec(&self, system: &System) -> FailureSpec {
        let defaults = system.default_spec();
        FailureSpec {
            eot: self.eot.unwrap_or(defaults.eot),
            eff: self.eff.unwrap_or(defaults.eff),
            max_crashes: self.crashes.unwrap_or(defaults.max_crashes),
            max_clogs: self.clogs.unwrap_or(defaults.max_clogs),
            ..defaults
        }
    }

    fn engine_config(&self, system: &System) -> Result<ExploreConfig, Error> {
        let spec = self.failure_spec(system);
        let problem = |problem: String| {
            Err(Error::Config {
                system: system.name().to_string(),
                problem,
            })
        };
        if spec.eot == 0 {
            return problem("EOT is 0: a run needs at least one round".into());
        }
        if spec.max_skews > 0 && system.time_model() == faultline_trace::TimeModel::Rounds {
            return problem(
                "clock skews need an async SUT (in rounds a node's clock always reads 0)".into(),
            );
        }
        if let Some((field, expected)) = spec.bound_problem() {
            return problem(format!("{field}: expected {expected}"));
        }
        if spec.eff > spec.eot {
            return problem(format!("EFF ({}) exceeds EOT ({})", spec.eff, spec.eot));
        }
        if usize::try_from(spec.max_crashes).map_or(true, |c| c > system.nodes().len()) {
            return problem(format!(
                "{} crashes allowed but the system has {} nodes (a node crashes once)",
                spec.max_crashes,
                system.nodes().len()
            ));
        }
        if self.jobs == 0 || self.batch == 0 || self.runs_max == 0 {
            return problem("jobs, batch and runs_max must each be at least 1".into());
        }
        let mut config = ExploreConfig::new(spec);
        config.strategy = self.strategy;
        config.find_all = self.find_all;
        config.jobs = self.jobs;
        config.batch_size = self.batch;
        config.runs_max = self.runs_max;
        config.solver_timeout_ms = self.solver_timeout_ms;
        Ok(config)
    }

    fn spec_oracle(&self) -> Result<Option<SpecOracle>, Error> {
        let oracle = match &self.ltl {
            None => return Ok(None),
            Some(Ltl::Text(text)) => SpecOracle::parse(text, "<ltl>"),
            Some(Ltl::File(path)) => SpecOracle::load(path),
        };
        oracle
            .map(Some)
            .map_err(|err| Error::Spec(format!("{err:#}")))
    }
}

/// A system's invariant as an LDFI oracle.
pub struct InvariantOracle<'a>(pub &'a System);

impl Oracle for InvariantOracle<'_> {
    type Error = std::convert::Infallible;

    fn judge(&self, trace: &Trace) -> Result<Judgement, Self::Error> {
        let report = self.0.check(trace);
        let outcome = match (report.holds, report.vacuous) {
            (false, _) => Outcome::Bad,
            (true, true) => Outcome::Vacuous,
            (true, false) => Outcome::Good,
        };
        Ok(Judgement::new(outcome, report.goal))
    }
}

/// The oracle of a search: the system's invariant or an LTL spec.
pub enum SearchOracle<'a> {
    /// The system's invariant.
    Invariant(InvariantOracle<'a>),
    /// An LTL spec; the proofs' witnesses are the goal.
    Spec(Box<SpecOracle>),
    /// Another oracle and elle-lite over the client history (`explore --elle`).
    Elle(Box<crate::elle_oracle::ElleOracle<'a>>),
}

impl Oracle for SearchOracle<'_> {
    type Error = String;

    fn judge(&self, trace: &Trace) -> Result<Judgement, String> {
        match self {
            SearchOracle::Invariant(oracle) => oracle.judge(trace).map_err(|err| match err {}),
            SearchOracle::Spec(oracle) => oracle.judge(trace),
            SearchOracle::Elle(oracle) => oracle.judge(trace),
        }
    }
}

/// The runner of a search: `system` under `spec` with `seed`, one fault set per call.
pub fn runner(
    system: &System,
    seed: u64,
    spec: FailureSpec,
) -> impl Fn(&[Fault]) -> Result<Trace, String> + Sync + '_ {
    move |faults: &[Fault]| {
        let run = RunConfig {
            seed,
            eot: spec.eot,
            faults: faults.to_vec(),
            failure_spec: Some(spec),
        };
        system.run(&run).map_err(|err| err.to_string())
    }
}

/// Searches `system`'s fault space as `config` says; see [`Report`] for what comes back.
///
/// ```
/// use faultline::{Explore, explore};
/// let simple = faultline_suts::get("simple-deliv").expect("built in");
/// let report = explore(simple, &Explore::new())?;
/// let faults = report.counterexample().expect("simple-deliv loses a message");
/// assert_eq!(faults.len(), 1);
/// assert_eq!(report.runs(), 2);
/// # Ok::<(), faultline::Error>(())
/// ```
pub fn explore(system: &System, config: &Explore) -> Result<Report, Error> {
    explore_observed(system, config, &mut Silent)
}

/// [`explore`], telling `observer` about every solver call and run (progress bars).
pub fn explore_observed(
    system: &System,
    config: &Explore,
    observer: &mut dyn Observer,
) -> Result<Report, Error> {
    let engine = config.engine_config(system)?;
    let run = runner(system, config.seed, engine.spec);
    let oracle = match config.spec_oracle()? {
        Some(oracle) => SearchOracle::Spec(Box::new(oracle)),
        None => SearchOracle::Invariant(InvariantOracle(system)),
    };
    let inner = faultline_ldfi::explore(&run, &oracle, &engine, observer)?;
    Ok(Report {
        system: system.name().to_string(),
        seed: config.seed,
        inner,
    })
}

/// What a search found, with helpers for tests.
#[derive(Debug, Clone)]
pub struct Report {
    system: String,
    seed: u64,
    inner: ExploreReport,
}

impl Report {
    /// Counterexample, certified, no counterexample (random) or inconclusive.
    pub fn verdict(&self) -> Verdict {
        self.inner.verdict
    }

    /// The first counterexample found, if any.
    pub fn counterexample(&self) -> Option<&[Fault]> {
        self.inner.counterexamples.first().map(Vec::as_slice)
    }

    /// Runs executed, the failure-free run included.
    pub fn runs(&self) -> u64 {
        self.inner.runs
    }

    /// The engine's full report (history, fault space, solver calls, bounds).
    pub fn details(&self) -> &ExploreReport {
        &self.inner
    }

    /// One Rust line that replays the first counterexample:
    /// `system.replay(SEED, r#"[...]"#)`.
    pub fn reproducer(&self) -> Option<String> {
        self.counterexample().map(|faults| {
            format!(
                "system.replay({}, r#\"{}\"#)",
                self.seed,
                faults_to_json(faults)
            )
        })
    }

    /// Panics unless the search certified the system, printing the counterexample and its
    /// reproducer (or why the search could not conclude).
    #[track_caller]
    pub fn assert_certified(&self) {
        if self.inner.verdict != Verdict::Certified {
            panic!("{} is not certified:\n{self}", self.system);
        }
    }

    /// Panics unless the search found a counterexample; returns it.
    #[track_caller]
    pub fn assert_counterexample(&self) -> &[Fault] {
        match self.counterexample() {
            Some(faults) => faults,
            None => panic!("{}: expected a counterexample:\n{self}", self.system),
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let spec = self.inner.spec;
        writeln!(
            f,
            "{}: {} at EOT {}, EFF {}, {} crash(es), {} clog(s) after {} runs",
            self.system,
            self.inner.verdict.as_str(),
            spec.eot,
            spec.eff,
            spec.max_crashes,
            spec.max_clogs,
            self.inner.runs
        )?;
        if let Some(faults) = self.counterexample() {
            writeln!(f, "  counterexample: {}", faults_to_json(faults))?;
        }
        if let Some(line) = self.reproducer() {
            writeln!(f, "  reproduce: {line}")?;
        }
        if let Some(reason) = &self.inner.inconclusive_reason {
            writeln!(f, "  inconclusive: {reason}")?;
        } else if let Some(bound) = &self.inner.bound_hit {
            writeln!(f, "  stopped: {}", bound.describe())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(name: &str, eot: u64, eff: u64, crashes: u32) -> Vec<Vec<Fault>> {
        let system = faultline_suts::get(name).expect("built-in SUT");
        let config = Explore::new().eot(eot).eff(eff).crashes(crashes);
        let report = explore(system, &config).expect("searches");
        report
            .details()
            .history
            .iter()
            .map(|run| run.faults.clone())
            .collect()
    }

    /// A search's proposals depend on its own runs only: the same search after others in one
    /// thread (whose solver work once leaked into it through Z3's thread-local context) runs
    /// exactly the fault sets it runs on a fresh thread.
    #[test]
    fn a_search_does_not_depend_on_earlier_searches_in_its_thread() {
        let fresh = std::thread::spawn(|| search("kafka", 6, 4, 1))
            .join()
            .expect("search thread");
        search("ack-deliv", 8, 7, 1);
        search("3pc", 9, 7, 1);
        let after_others = search("kafka", 6, 4, 1);
        assert_eq!(fresh.len(), 34, "the pinned run count");
        assert_eq!(after_others, fresh);
    }
}
