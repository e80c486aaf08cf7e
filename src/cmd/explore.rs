//! `faultline explore`: search a built-in SUT's fault space with LDFI (or at random).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use faultline_harness::System;
use faultline_ldfi::{
    BoundHit, ExploreConfig, ExploreReport, Observer, Oracle, Outcome, RunRecord, Strategy, Verdict,
};
use faultline_trace::{FailureSpec, Fault, faults_to_json};
use serde_json::json;

use faultline::search::InvariantOracle;
use faultline::spec_oracle::SpecOracle;

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
    /// Also list every run: its fault set and what the oracle said (in `--json`: `history`,
    /// with each run's `duration_ms` and `finished_ms`).
    #[arg(long)]
    pub show_runs: bool,
    /// Print one JSON object (`"schema": "faultline-explore/v1"`) instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Also write the search as one self-contained HTML page (what `faultline report
    /// --search` draws from this search's JSON).
    #[arg(long, value_name = "OUT.html")]
    pub report: Option<std::path::PathBuf>,
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
    let spec = FailureSpec {
        eot: args.eot.unwrap_or(defaults.eot),
        eff: args.eff.unwrap_or(defaults.eff),
        max_crashes: args.crashes.unwrap_or(defaults.max_crashes),
        max_clogs: args.clogs.unwrap_or(defaults.max_clogs),
    };
    check_spec(&spec)?;
    check_crashes(sut, spec.max_crashes)?;
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
        show_runs: args.show_runs,
        strategy: args.strategy,
    };
    let (mut report, timing) = match &args.spec {
        Some(path) => {
            let oracle = SpecOracle::load(path)?;
            search(sut, args.seed, &config, &oracle, show_progress)?
        }
        None => search(
            sut,
            args.seed,
            &config,
            &InvariantOracle(sut),
            show_progress,
        )?,
    };
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
    if args.json {
        super::write_json("explore", report_json(&target, &report, &timing), true)?;
    } else {
        super::write_stdout(&report_text(&target, &report, &timing))?;
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

/// Set by SIGINT, SIGTERM or SIGHUP: the search stops before its next batch and the partial
/// report is printed (exit 3), so a CI timeout still leaves a report.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Makes SIGINT, SIGTERM and SIGHUP set [`INTERRUPTED`] and interrupt Z3, so that a long
/// solver check ends too instead of running to its timeout.
///
/// The signals are blocked (every thread started later inherits the mask) and taken by
/// `sigwait` on a thread of their own. A handler would not do: Z3 installs its own SIGINT
/// handler around each check, which cancels that one check and swallows the Ctrl-C.
///
/// Call it on the thread that runs the search, before any other thread starts: the proposer's
/// solver lives in this thread's Z3 context, which stays cancelled once interrupted, so later
/// checks of the search return at once as well. Signals after the first stay pending: the
/// search is already stopping. If this fails, the search runs and a signal ends it the
/// default way, without a report.
fn install_interrupt_handler() {
    use nix::sys::signal::{SigSet, Signal};
    let mut signals = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        signals.add(signal);
    }
    let warn = |err: &dyn std::fmt::Display| {
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: cannot take Ctrl-C and SIGTERM ({err}); they will end the search without a report"
        );
    };
    if let Err(err) = signals.thread_block() {
        warn(&err);
        return;
    }
    // Leaked on purpose: the signal thread needs the context for the process's lifetime.
    let context: &'static z3::Context = Box::leak(Box::new(z3::Context::thread_local()));
    let handle = context.handle();
    let waiter = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if signals.wait().is_ok() {
                INTERRUPTED.store(true, Ordering::SeqCst);
                handle.interrupt();
            }
        });
    if let Err(err) = waiter {
        let _ = signals.thread_unblock();
        warn(&err);
    }
}

/// Labels a stop caused by the signal as an interruption. A Z3 check cut short by the
/// interrupt returns "unknown", which the search alone would report as a solver timeout.
fn note_interrupt(report: &mut ExploreReport) {
    if matches!(report.bound_hit, Some(BoundHit::SolverTimeout { .. })) {
        report.bound_hit = Some(BoundHit::Interrupted);
        report.inconclusive_reason = None;
    }
    if report.bound_hit == Some(BoundHit::Interrupted) && report.verdict != Verdict::Counterexample
    {
        report.verdict = Verdict::Inconclusive;
    }
}

/// Why an inconclusive search is inconclusive: the search's own words, else the bound's.
fn inconclusive_reason(report: &ExploreReport) -> Option<String> {
    if report.verdict != Verdict::Inconclusive {
        return None;
    }
    if let Some(reason) = &report.inconclusive_reason {
        return Some(reason.clone());
    }
    Some(match &report.bound_hit {
        Some(BoundHit::RunsMax { runs_max }) => {
            format!("the run bound (--runs-max {runs_max}) stopped the search")
        }
        Some(BoundHit::SolverTimeout { reason }) => {
            format!("the solver gave up ({reason}; raise --solver-timeout-ms)")
        }
        Some(BoundHit::Interrupted) => {
            "interrupted (Ctrl-C or SIGTERM) before the search ended".to_string()
        }
        None => "the search ended without covering the fault space".to_string(),
    })
}

/// Whether `--strategy exhaustive` ran every admissible fault set: it stops early only at a
/// bound, or when the failure-free run is already bad.
fn exhaustive_complete(report: &ExploreReport) -> bool {
    report.bound_hit.is_none()
        && report
            .history
            .first()
            .is_some_and(|run| run.outcome != Outcome::Bad)
}

pub(crate) fn lookup_sut(name: &str) -> anyhow::Result<&'static System> {
    faultline_suts::get(name).with_context(|| {
        let known: Vec<&str> = faultline_suts::all().iter().map(System::name).collect();
        format!("unknown SUT `{name}`; known SUTs: {}", known.join(", "))
    })
}

/// The largest EOT a search accepts. Memory is linear in EOT (112 MB at 2000 rounds on
/// retry-deliv), but placing each proposal's crash as late as possible costs one solver call
/// per later time, so a search's time grows faster (2 s at 2000 rounds, 13 s at 5000, 110 s at
/// 10 000). The paper's specs stop at 25.
pub(crate) const EOT_SEARCH_MAX: u64 = 2_000;

pub(crate) fn check_spec(spec: &FailureSpec) -> anyhow::Result<()> {
    if spec.eot == 0 {
        anyhow::bail!("--eot 0: end of time must be at least 1");
    }
    if spec.eot > EOT_SEARCH_MAX {
        anyhow::bail!(
            "--eot {}: a search accepts at most {EOT_SEARCH_MAX} (its solving time grows with EOT²)",
            spec.eot
        );
    }
    if spec.eff > spec.eot {
        anyhow::bail!("--eff {}: must not exceed --eot {}", spec.eff, spec.eot);
    }
    Ok(())
}

/// Wall time of the whole search and of the solver calls (measured here: the library reads
/// no clock).
pub(crate) struct Timing {
    pub total: Duration,
    pub solver: Duration,
    /// Per run index: how long making and judging it took, and when the search had it.
    pub runs: std::collections::BTreeMap<u64, RunTiming>,
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
            self.solver += since.elapsed();
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

/// Runs one search of `sut` with the harness as runner and `oracle` as judge.
pub(crate) fn search<O: Oracle>(
    sut: &'static System,
    seed: u64,
    config: &ExploreConfig,
    oracle: &O,
    show_progress: bool,
) -> anyhow::Result<(ExploreReport, Timing)> {
    let inner = faultline::search::runner(sut, seed, config.spec);
    // Each run's own time, keyed by its fault set (runs of one batch overlap on threads).
    let durations: std::sync::Mutex<std::collections::HashMap<String, Vec<Duration>>> =
        Default::default();
    let runner = |faults: &[Fault]| {
        let started = Instant::now();
        let trace = inner(faults);
        let elapsed = started.elapsed();
        if let Ok(mut durations) = durations.lock() {
            durations
                .entry(faults_to_json(faults))
                .or_default()
                .push(elapsed);
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
    let started = Instant::now();
    let mut progress = Progress {
        bar,
        solving_since: None,
        solver: Duration::ZERO,
        started,
        finished: Vec::new(),
    };
    let report = faultline_ldfi::explore(&runner, oracle, config, &mut progress)?;
    let total = started.elapsed();
    progress.bar.finish_and_clear();
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
            runs,
        },
    ))
}

/// The one-line reproducer of a fault set.
/// What a search ran: the SUT, the seed of its runs and the oracle's spec file, if any.
#[derive(Clone)]
struct Target<'a> {
    sut: &'a System,
    seed: u64,
    spec_file: Option<String>,
    show_runs: bool,
    strategy: StrategyArg,
}

/// The one-line reproducer of a fault set of `target`.
fn target_reproducer(target: &Target, spec: &FailureSpec, faults: &[Fault]) -> String {
    let line = reproducer(target.sut, target.seed, spec, faults);
    match &target.spec_file {
        Some(file) => format!("{line} --spec {file}"),
        None => line,
    }
}

pub(crate) fn reproducer(sut: &System, seed: u64, spec: &FailureSpec, faults: &[Fault]) -> String {
    let seed = if seed == 0 {
        String::new()
    } else {
        format!(" --seed {seed}")
    };
    format!(
        "faultline run --sut {}{seed} --eot {} --faults '{}'",
        sut.name(),
        spec.eot,
        faults_to_json(faults)
    )
}

fn report_json(target: &Target, report: &ExploreReport, timing: &Timing) -> serde_json::Value {
    let (sut, seed) = (target.sut, target.seed);
    let first = report.counterexamples.first();
    json!({
        "sut": sut.name(),
        "seed": seed,
        "spec": report.spec,
        "verdict": report.verdict.as_str(),
        "inconclusive_reason": inconclusive_reason(report),
        "strategy": match target.strategy {
            StrategyArg::Ldfi => "ldfi",
            StrategyArg::Random => "random",
            StrategyArg::Exhaustive => "exhaustive",
        },
        "counterexample": first,
        "counterexamples": report.counterexamples,
        "reproducer": first.map(|faults| target_reproducer(target, &report.spec, faults)),
        "oracle": target.spec_file.as_deref().unwrap_or("built-in invariant"),
        "runs": report.runs,
        "solver_calls": report.solver_calls,
        "solver_ms": timing.solver.as_secs_f64() * 1e3,
        "wall_ms": timing.total.as_secs_f64() * 1e3,
        "bound_hit": report.bound_hit,
        "fault_space": {
            "gross": report.fault_space.gross.to_string(),
            "exact": report.fault_space.exact.to_string(),
        },
        "explored_fraction": report.explored_fraction(),
        "history": target.show_runs.then(|| history_json(report, timing)),
    })
}

/// Every run with its time (`duration_ms`: making and judging it; `finished_ms`: since the
/// search started).
fn history_json(report: &ExploreReport, timing: &Timing) -> Vec<serde_json::Value> {
    report
        .history
        .iter()
        .map(|record| {
            let mut value = serde_json::to_value(record).unwrap_or_default();
            let run = timing.runs.get(&record.index).copied().unwrap_or_default();
            value["duration_ms"] = json!(run.duration.map(|d| d.as_secs_f64() * 1e3));
            value["finished_ms"] = json!(run.finished.as_secs_f64() * 1e3);
            value
        })
        .collect()
}

fn report_text(target: &Target, report: &ExploreReport, timing: &Timing) -> String {
    let sut = target.sut;
    let spec = report.spec;
    let oracle = match &target.spec_file {
        Some(file) => format!("the spec {file}"),
        None => "the built-in invariant".to_string(),
    };
    let mut out = format!(
        "explore {} — EOT {}, EFF {}, crashes ≤ {}, clogs ≤ {}; oracle: {oracle}\n",
        sut.name(),
        spec.eot,
        spec.eff,
        spec.max_crashes,
        spec.max_clogs
    );
    let verdict = match report.verdict {
        Verdict::Counterexample => format!("COUNTEREXAMPLE: {oracle} is violated"),
        Verdict::Certified if target.strategy == StrategyArg::Exhaustive => {
            format!("CERTIFIED: every admissible fault set was run; none violates {oracle}")
        }
        Verdict::Certified => "CERTIFIED: no admissible fault set breaks the outcome".to_string(),
        Verdict::NoCounterexample => format!("no counterexample in {} runs", report.runs),
        Verdict::Inconclusive => format!(
            "INCONCLUSIVE: {}",
            inconclusive_reason(report).unwrap_or_default()
        ),
    };
    if target.show_runs {
        for record in &report.history {
            let faults: Vec<String> = record.faults.iter().map(Fault::short).collect();
            let faults = if faults.is_empty() {
                "no faults".to_string()
            } else {
                faults.join(", ")
            };
            out.push_str(&format!(
                "run {:>4}: {:<8} {faults}\n",
                record.index,
                record.outcome.as_str()
            ));
        }
    }
    out.push_str(&format!("verdict: {verdict}\n"));
    for faults in &report.counterexamples {
        let list: Vec<String> = faults.iter().map(Fault::short).collect();
        out.push_str(&format!("  faults: {}\n", list.join(", ")));
        out.push_str(&format!(
            "  reproduce: {}\n",
            target_reproducer(target, &spec, faults)
        ));
    }
    if target.strategy == StrategyArg::Exhaustive
        && report.verdict == Verdict::Counterexample
        && exhaustive_complete(report)
    {
        out.push_str(&format!(
            "every admissible fault set was run: {} minimal counterexample(s)\n",
            report.counterexamples.len()
        ));
    }
    match &report.bound_hit {
        Some(BoundHit::RunsMax { runs_max }) => {
            out.push_str(&format!("bound hit: --runs-max {runs_max}\n"));
        }
        Some(BoundHit::SolverTimeout { reason }) => {
            out.push_str(&format!("bound hit: solver timeout ({reason})\n"));
        }
        Some(BoundHit::Interrupted) => {
            out.push_str("bound hit: interrupted (Ctrl-C or SIGTERM)\n");
        }
        None => {}
    }
    out.push_str(&format!(
        "runs: {} (failure-free and failing runs included), wall {:.1} ms\n",
        report.runs,
        timing.total.as_secs_f64() * 1e3
    ));
    out.push_str(&format!(
        "solver: {} calls, {:.1} ms\n",
        report.solver_calls,
        timing.solver.as_secs_f64() * 1e3
    ));
    out.push_str(&format!(
        "fault space: {} (Molly's gross estimate), {} (exact count)\n",
        report.fault_space.gross, report.fault_space.exact
    ));
    out.push_str(&format!(
        "explored: {} runs = {:.3e} of the exact fault space\n",
        report.runs,
        report.explored_fraction()
    ));
    out
}
