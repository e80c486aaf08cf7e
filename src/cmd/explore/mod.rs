//! `faultline explore`: search a built-in SUT's fault space with LDFI (or at random).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use faultline_harness::System;
use faultline_ldfi::{
    ExploreConfig, ExploreReport, Observer, Oracle, Outcome, RunRecord, Strategy, Verdict,
};
use faultline_trace::{FailureSpec, Fault, faults_to_json};
use serde_json::Value;

use faultline::elle_oracle::ElleOracle;
use faultline::search::{InvariantOracle, SearchOracle};
use faultline::spec_oracle::SpecOracle;
use faultline_trace::Trace;

use super::events::EventLog;
use super::record::{Fanout, NotingOracle, Recording, RecordingObserver};

mod interrupt;
mod output;
mod sharding;
mod stored;

use interrupt::{install_interrupt_handler, interrupted, note_interrupt};
pub(crate) use output::reproducer;
use output::{Target, report_json, report_text};

/// Arguments of `faultline explore`.
///
/// Fault-space sizes are printed exactly; in `--json` they are decimal strings (they exceed
/// 64 bits for large specs).
///
/// Exit codes: 0 certified (or, for `--strategy random`, no counterexample in the runs it made),
/// 1 counterexample, 2 bad input, 3 inconclusive: a bound (`--runs-max`, the solver timeout) or
/// Ctrl-C / SIGTERM stopped the search, and the partial report says why.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    /// The SUT (see `faultline suts`).
    #[arg(long)]
    pub sut: String,
    /// End of time (rounds); default: the SUT's failure spec.
    #[arg(long)]
    pub eot: Option<u64>,
    /// End of finite failures: messages sent before it may be lost.
    #[arg(long)]
    pub eff: Option<u64>,
    /// At most this many crashes (at most the SUT's number of nodes: a node crashes once).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=CRASHES_MAX))]
    pub crashes: Option<u32>,
    /// At most this many clog windows (0..=1000).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=CLOGS_MAX))]
    pub clogs: Option<u32>,
    #[command(flatten)]
    pub bounds: crate::cmd::fault_bounds::FaultBoundArgs,
    /// Keep going after the first counterexample to find every minimal one.
    #[arg(long)]
    pub all: bool,
    /// Threads running a batch of fault sets (0 = one per core; at most 256). Never changes
    /// the results.
    #[arg(long, default_value_t = 0,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=JOBS_MAX))]
    pub jobs: usize,
    /// Fault sets proposed and run per round. Every run counts, so larger batches use more
    /// runs in exchange for parallelism.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub batch: u64,
    /// How fault sets are chosen.
    #[arg(long, value_enum, default_value_t = StrategyArg::Ldfi)]
    pub strategy: StrategyArg,
    /// Seed of the runs (and of `--strategy random`).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// At most this many runs, the failure-free run included.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs_max: u64,
    /// Each solver check gives up after this many milliseconds.
    #[arg(long, default_value_t = 60_000)]
    pub solver_timeout_ms: u32,
    /// Judge runs with this LTL spec (see `specs/`) instead of the SUT's built-in invariant;
    /// the proofs' witnesses become the lineage goal.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<std::path::PathBuf>,
    /// Also judge each run's client history (its invoke/ok/fail/info events) with elle-lite:
    /// a run with an anomaly this consistency model prohibits is a counterexample (repeat for
    /// several models; with or without `--spec`). Such runs name no goal, so the search
    /// certifies only by covering the space.
    #[arg(long = "elle", value_name = "MODEL")]
    pub elle: Vec<String>,
    /// Also list every run: its fault set and what the oracle said (in `--json`: `history`,
    /// with each run's `duration_ms` and `finished_ms`).
    #[arg(long)]
    pub show_runs: bool,
    /// Print one JSON object (`"schema": "faultline-explore/v1"`) instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Also write the search as one self-contained HTML page (what `faultline report
    /// --from-json` draws from this search's JSON).
    #[arg(long, value_name = "OUT.html")]
    pub report: Option<PathBuf>,
    /// Record the search in this SQLite run store as it goes, and resume it from there: the
    /// same search run again reads every run it finds stored instead of running it (a killed
    /// search loses at most the runs in flight). See `faultline db`.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Re-run this fraction (0 to 1) of runs, stored ones included, and compare the traces
    /// byte for byte: a difference is nondeterminism (exit 4, both traces kept with --db).
    /// Which runs are re-checked is decided by their ids, the same every time.
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = parse_fraction)]
    pub recheck: f64,
    /// The SUT's build id in run ids (default: a hash of this executable, so a rebuilt SUT
    /// never reuses stored runs). Set it to your commit to share a store across machines.
    #[arg(long, value_name = "ID")]
    pub build_id: Option<String>,
    /// A regression file (JSON Lines, commit it): its entries for this SUT are replayed first,
    /// and the first that still fails ends the command (exit 1); new counterexamples are
    /// appended to it.
    #[arg(long, value_name = "FILE")]
    pub regressions: Option<PathBuf>,
    /// Write a JUnit XML report (one test case per search; a failure carries the reproducer).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// GitHub Actions: `::error` annotations on standard output and a Markdown summary
    /// appended to `$GITHUB_STEP_SUMMARY`.
    #[arg(long)]
    pub github: bool,
    /// Write progress as NDJSON events (`"schema": "faultline-events/v1"`), one flushed line
    /// per event.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Search only shard K of N (1-based) of the fault space: disjoint cubes split on the
    /// failure-free run's lineage, the same on every machine. Each shard records into its own
    /// `--db`; `faultline merge` unites them. Default: from `JOB_COMPLETION_INDEX` +
    /// `FAULTLINE_SHARDS` (Kubernetes Indexed Jobs) or `CI_NODE_INDEX` / `CI_NODE_TOTAL`
    /// (GitLab `parallel:`), when set.
    #[arg(long, value_name = "K/N", value_parser = sharding::parse_shard)]
    pub shard: Option<sharding::ShardArg>,
}

/// A fraction in [0, 1].
fn parse_fraction(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{text} is not between 0 and 1"));
    }
    Ok(value)
}

/// `--crashes` bound before the SUT is known (the SUT's node count is checked after lookup);
/// it keeps the cardinality constraint far from Z3's `i32` limit.
const CRASHES_MAX: i64 = 1_000;
/// `--clogs` bound: windows are counted in a Z3 cardinality constraint (`i32`).
const CLOGS_MAX: i64 = 1_000;
/// `--jobs` bound: more threads than this only cost memory on any machine we know.
const JOBS_MAX: u64 = 256;

/// `--strategy`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyArg {
    /// Lineage-driven fault injection (Z3 proposals).
    Ldfi,
    /// Random fault sets from the same failure spec (the paper's baseline).
    Random,
    /// Every admissible fault set, in a fixed order: the ground truth for small specs. Reports
    /// every minimal counterexample.
    Exhaustive,
}

/// Runs `faultline explore`.
pub fn run(args: ExploreArgs) -> anyhow::Result<ExitCode> {
    let sut = lookup_sut(&args.sut)?;
    let defaults = sut.default_spec();
    let spec = args.bounds.apply(FailureSpec {
        eot: args.eot.unwrap_or(defaults.eot),
        eff: args.eff.unwrap_or(defaults.eff),
        max_crashes: args.crashes.unwrap_or(defaults.max_crashes),
        max_clogs: args.clogs.unwrap_or(defaults.max_clogs),
        ..defaults
    });
    check_spec(&spec)?;
    check_crashes(sut, spec.max_crashes)?;
    if spec.max_skews > 0 && sut.time_model() == faultline_trace::TimeModel::Rounds {
        anyhow::bail!(
            "--skews {}: {} runs in rounds, where a node's clock always reads 0; clock skews need an async SUT",
            spec.max_skews,
            sut.name()
        );
    }
    let mut config = ExploreConfig::new(spec);
    config.find_all = args.all;
    config.jobs = if args.jobs == 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        args.jobs
    };
    config.batch_size = usize::try_from(args.batch).unwrap_or(usize::MAX);
    config.runs_max = args.runs_max;
    config.solver_timeout_ms = args.solver_timeout_ms;
    config.strategy = match args.strategy {
        StrategyArg::Ldfi => Strategy::Ldfi,
        StrategyArg::Random => Strategy::Random { seed: args.seed },
        StrategyArg::Exhaustive => Strategy::Exhaustive,
    };
    install_interrupt_handler();
    let show_progress = !args.json && std::io::stderr().is_terminal();
    let target = Target {
        sut,
        seed: args.seed,
        spec_file: args.spec.as_ref().map(|path| path.display().to_string()),
        elle: args.elle.clone(),
        show_runs: args.show_runs,
        strategy: args.strategy,
    };
    let mut oracle = match &args.spec {
        Some(path) => SearchOracle::Spec(Box::new(SpecOracle::load(path)?)),
        None => SearchOracle::Invariant(InvariantOracle(sut)),
    };
    if !args.elle.is_empty() {
        let elle = ElleOracle::new(oracle, args.elle.clone())
            .map_err(|err| anyhow::anyhow!("--elle: {err}"))?;
        oracle = SearchOracle::Elle(Box::new(elle));
    }
    let shard = match args.shard {
        Some(shard) => Some(shard),
        None => sharding::from_env(&|name| std::env::var(name).ok())
            .map_err(|problem| anyhow::anyhow!("sharding from the environment: {problem}"))?,
    };
    if let Some(shard) = shard {
        config.shard = Some(sharding::split(sut, args.seed, spec, &oracle, shard)?);
    }
    let mut session = stored::Session::open(&args, sut, spec, shard)?;
    let replay = |spec: &FailureSpec, seed: u64, faults: &[Fault]| {
        let target = Target {
            seed,
            ..target.clone()
        };
        output::target_reproducer(&target, spec, faults)
    };
    if let Some(code) = session.replay_regressions(&args, sut, &oracle, &replay)? {
        return Ok(code);
    }
    let reproducer = |faults: &[Fault]| output::target_reproducer(&target, &spec, faults);
    let extras = Extras {
        recording: session.recording.as_ref(),
        reproducer: &reproducer,
        events: session.events.as_mut(),
    };
    let (mut report, timing) = search(sut, args.seed, &config, &oracle, show_progress, extras)?;
    if interrupted() {
        note_interrupt(&mut report);
    }
    if let Some(path) = &args.report {
        let with_history = Target {
            show_runs: true,
            ..target.clone()
        };
        let mut json = report_json(&with_history, &report, &timing);
        json["schema"] = super::schema("explore").into();
        let page = super::report::search_report(&json)?;
        super::report::write_page(path, &faultline_report::render(&page))?;
    }
    let mut json = report_json(&target, &report, &timing);
    let end = session.finish(
        &args,
        sut,
        &report,
        &json,
        &reproducer,
        timing.total.as_secs_f64(),
    )?;
    if args.json {
        if let (Some(map), Value::Object(extra)) = (json.as_object_mut(), end.json) {
            map.extend(extra);
        }
        super::write_json("explore", json, true)?;
    } else {
        let mut text = report_text(&target, &report, &timing);
        for line in &end.lines {
            text.push_str(line);
            text.push('\n');
        }
        super::write_stdout(&text)?;
    }
    if !end.findings.is_empty() {
        return Ok(super::nondeterminism());
    }
    Ok(exit_code(&report))
}

/// 1 for a counterexample, 3 when the search could not conclude, else 0.
fn exit_code(report: &ExploreReport) -> ExitCode {
    match report.verdict {
        Verdict::Counterexample => super::bug_found(),
        Verdict::Inconclusive => super::inconclusive(),
        Verdict::Certified | Verdict::NoCounterexample => ExitCode::SUCCESS,
    }
}

/// A node crashes at most once (fail-stop), so more crashes than nodes only hide a typo; the
/// node count is known once the SUT is.
pub(crate) fn check_crashes(sut: &System, crashes: u32) -> anyhow::Result<()> {
    let nodes = sut.nodes().len();
    if usize::try_from(crashes).map_or(true, |crashes| crashes > nodes) {
        anyhow::bail!(
            "--crashes {crashes}: {} has {nodes} nodes, and a node crashes at most once",
            sut.name()
        );
    }
    Ok(())
}

pub(crate) fn lookup_sut(name: &str) -> anyhow::Result<&'static System> {
    faultline_suts::get(name).with_context(|| {
        let known: Vec<&str> = faultline_suts::all().iter().map(System::name).collect();
        format!("unknown SUT `{name}`; known SUTs: {}", known.join(", "))
    })
}

/// The largest EOT a search accepts: that of one run (`faultline run`), whose whole trace is
/// kept in memory. The solver no longer limits it: crash times are encoded over the times the
/// traces name, not over 1..EOT (ldfi/src/encode.rs), so a search's time grows with its
/// traces, not with EOT².
pub(crate) const EOT_SEARCH_MAX: u64 = super::run::EOT_RUN_MAX;

pub(crate) fn check_spec(spec: &FailureSpec) -> anyhow::Result<()> {
    if spec.eot == 0 {
        anyhow::bail!("--eot 0: end of time must be at least 1");
    }
    if spec.eot > EOT_SEARCH_MAX {
        anyhow::bail!(
            "--eot {}: a search accepts at most {EOT_SEARCH_MAX} (every run keeps its whole trace in memory)",
            spec.eot
        );
    }
    if spec.eff > spec.eot {
        anyhow::bail!("--eff {}: must not exceed --eot {}", spec.eff, spec.eot);
    }
    crate::cmd::fault_bounds::check_bounds(spec)
}

/// Wall time of the whole search and of the solver calls (measured here: the library reads
/// no clock).
pub(crate) struct Timing {
    pub total: Duration,
    pub solver: Duration,
    /// The longest single solver call.
    pub solver_max: Duration,
    /// Per run index: how long the simulator took to make it, and when the search had it.
    pub runs: std::collections::BTreeMap<u64, RunTiming>,
    /// What the search exercised.
    pub coverage: faultline::coverage::Coverage,
}

/// One run's figures (`duration_ms`, `finished_ms` in `--json`'s `history`).
#[derive(Clone, Copy, Default)]
pub(crate) struct RunTiming {
    pub duration: Option<Duration>,
    pub finished: Duration,
}

struct Progress {
    bar: indicatif::ProgressBar,
    solving_since: Option<Instant>,
    solver: Duration,
    solver_max: Duration,
    started: Instant,
    finished: Vec<(u64, Duration)>,
}

impl Observer for Progress {
    fn interrupted(&self) -> bool {
        interrupted()
    }
    fn solve_started(&mut self) {
        self.bar.set_message("solving");
        self.solving_since = Some(Instant::now());
    }
    fn solve_finished(&mut self, proposals: usize) {
        if let Some(since) = self.solving_since.take() {
            let took = since.elapsed();
            self.solver += took;
            self.solver_max = self.solver_max.max(took);
        }
        self.bar
            .set_message(format!("running {proposals} proposal(s)"));
    }
    fn run_finished(&mut self, record: &RunRecord, runs: u64) {
        self.finished.push((record.index, self.started.elapsed()));
        self.bar.set_position(runs);
        if record.outcome == Outcome::Bad {
            self.bar.println(format!(
                "counterexample: {}",
                faults_to_json(&record.faults)
            ));
        }
    }
}

/// An oracle that also notes a digest of each run's end state (coverage counts the distinct
/// ones).
struct Digesting<'a, O> {
    inner: &'a O,
    end_states: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl<O: Oracle> Oracle for Digesting<'_, O> {
    type Error = O::Error;

    fn judge(&self, trace: &Trace) -> Result<faultline_ldfi::Judgement, O::Error> {
        let end = faultline_harness::end_state::final_states(trace);
        let digest =
            serde_json::to_vec(&end).map(|bytes| blake3::hash(&bytes).to_hex().to_string());
        if let (Ok(digest), Ok(mut states)) = (digest, self.end_states.lock()) {
            states.insert(digest);
        }
        self.inner.judge(trace)
    }
}

/// The coverage of a finished search: its history, the failure-free run's lineage (run once
/// more: one run) and the end states its runs reached.
fn coverage<O: Oracle>(
    sut: &System,
    seed: u64,
    report: &ExploreReport,
    oracle: &O,
    end_states: &std::collections::BTreeSet<String>,
) -> faultline::coverage::Coverage {
    let run = faultline::search::runner(sut, seed, report.spec);
    let lineage = run(&[]).ok().and_then(|free| {
        let judgement = oracle.judge(&free).ok()?;
        (judgement.outcome == Outcome::Good)
            .then(|| faultline_ldfi::build_lineage(&free, &judgement.goal.events()).ok())
            .flatten()
    });
    faultline::coverage::Coverage::new(
        &report.spec,
        &report.nodes,
        &report.history,
        lineage.as_ref(),
        end_states,
    )
}

/// What a search does besides searching: record to a store, write an events file.
pub(crate) struct Extras<'a> {
    pub recording: Option<&'a Recording>,
    pub reproducer: &'a dyn Fn(&[Fault]) -> String,
    pub events: Option<&'a mut EventLog>,
}

impl Extras<'_> {
    /// Nothing besides the search.
    pub fn none() -> Extras<'static> {
        Extras {
            recording: None,
            reproducer: &|_| String::new(),
            events: None,
        }
    }
}

/// Runs one search of `sut` with the harness as runner (through the store, with `--db`) and
/// `oracle` as judge.
pub(crate) fn search<O: Oracle>(
    sut: &'static System,
    seed: u64,
    config: &ExploreConfig,
    oracle: &O,
    show_progress: bool,
    extras: Extras<'_>,
) -> anyhow::Result<(ExploreReport, Timing)> {
    let plain = faultline::search::runner(sut, seed, config.spec);
    let recording = extras.recording;
    // Each run's own time, keyed by its fault set (runs of one batch overlap on threads).
    let durations: std::sync::Mutex<std::collections::HashMap<String, Vec<Duration>>> =
        Default::default();
    let runner = |faults: &[Fault]| -> Result<Trace, String> {
        let started = Instant::now();
        let trace = match recording {
            Some(recording) => recording.run(faults, &plain),
            None => plain(faults),
        };
        if let Ok(mut durations) = durations.lock() {
            durations
                .entry(faults_to_json(faults))
                .or_default()
                .push(started.elapsed());
        }
        trace
    };
    let bar = if show_progress {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} runs, {elapsed} — {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut progress = Progress {
        bar,
        solving_since: None,
        solver: Duration::ZERO,
        solver_max: Duration::ZERO,
        started: Instant::now(),
        finished: Vec::new(),
    };
    let mut recorder = recording.map(|recording| RecordingObserver {
        recording,
        reproducer: extras.reproducer,
    });
    let digesting = Digesting {
        inner: oracle,
        end_states: std::sync::Mutex::new(std::collections::BTreeSet::new()),
    };
    let oracle = &digesting;
    let started = Instant::now();
    let report = {
        let mut observers: Vec<&mut dyn Observer> = vec![&mut progress];
        if let Some(recorder) = recorder.as_mut() {
            observers.push(recorder);
        }
        if let Some(events) = extras.events {
            observers.push(events);
        }
        let mut fanout = Fanout(observers);
        match recording {
            Some(recording) => {
                let noting = NotingOracle {
                    inner: oracle,
                    recording,
                };
                faultline_ldfi::explore(&runner, &noting, config, &mut fanout)?
            }
            None => faultline_ldfi::explore(&runner, oracle, config, &mut fanout)?,
        }
    };
    let total = started.elapsed();
    progress.bar.finish_and_clear();
    let end_states = digesting.end_states.into_inner().unwrap_or_default();
    let coverage = coverage(sut, seed, &report, digesting.inner, &end_states);
    let mut durations = durations.into_inner().unwrap_or_default();
    let finished: std::collections::BTreeMap<u64, Duration> =
        progress.finished.into_iter().collect();
    let runs = report
        .history
        .iter()
        .map(|record| {
            let duration = durations
                .get_mut(&faults_to_json(&record.faults))
                .filter(|queue| !queue.is_empty())
                .map(|queue| queue.remove(0));
            let finished = finished.get(&record.index).copied().unwrap_or_default();
            (record.index, RunTiming { duration, finished })
        })
        .collect();
    Ok((
        report,
        Timing {
            total,
            solver: progress.solver,
            solver_max: progress.solver_max,
            coverage,
            runs,
        },
    ))
}
