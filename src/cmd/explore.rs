//! `faultline explore`: search a built-in SUT's fault space with LDFI (or at random).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use faultline_harness::{RunConfig, Sut};
use faultline_ldfi::{
    ExploreConfig, ExploreReport, Judgement, Observer, Oracle, Outcome, RunRecord, Strategy,
    Verdict,
};
use faultline_trace::{FailureSpec, Fault, Trace, faults_to_json};
use serde_json::json;

use crate::spec_oracle::SpecOracle;

/// Arguments of `faultline explore`.
///
/// Fault-space sizes are printed exactly; in `--json` they are decimal strings (they exceed
/// 64 bits for large specs).
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
    /// At most this many crashes.
    #[arg(long)]
    pub crashes: Option<u32>,
    /// At most this many clog windows.
    #[arg(long)]
    pub clogs: Option<u32>,
    /// Keep going after the first counterexample to find every minimal one.
    #[arg(long)]
    pub all: bool,
    /// Threads running a batch of fault sets (0 = one per core). Never changes the results.
    #[arg(long, default_value_t = 0)]
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
    /// Also list every run: its fault set and what the oracle said (in `--json`: `history`).
    #[arg(long)]
    pub show_runs: bool,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
}

/// `--strategy`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyArg {
    /// Lineage-driven fault injection (Z3 proposals).
    Ldfi,
    /// Random fault sets from the same failure spec (the paper's baseline).
    Random,
}

/// Runs `faultline explore`.
pub fn run(args: ExploreArgs) -> anyhow::Result<ExitCode> {
    let sut = lookup_sut(&args.sut)?;
    let defaults = sut.default_spec;
    let spec = FailureSpec {
        eot: args.eot.unwrap_or(defaults.eot),
        eff: args.eff.unwrap_or(defaults.eff),
        max_crashes: args.crashes.unwrap_or(defaults.max_crashes),
        max_clogs: args.clogs.unwrap_or(defaults.max_clogs),
    };
    check_spec(&spec)?;
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
    };
    let show_progress = !args.json && std::io::stderr().is_terminal();
    let target = Target {
        sut,
        seed: args.seed,
        spec_file: args.spec.as_ref().map(|path| path.display().to_string()),
        show_runs: args.show_runs,
    };
    let (report, timing) = match &args.spec {
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
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report_json(&target, &report, &timing))?
        );
    } else {
        print!("{}", report_text(&target, &report, &timing));
    }
    Ok(match report.verdict {
        Verdict::Counterexample => super::bug_found(),
        _ => ExitCode::SUCCESS,
    })
}

pub(crate) fn lookup_sut(name: &str) -> anyhow::Result<&'static Sut> {
    faultline_harness::sut(name).with_context(|| {
        let known: Vec<&str> = faultline_harness::suts().iter().map(|s| s.name).collect();
        format!("--sut {name:?}: unknown SUT (known: {})", known.join(", "))
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
}

struct Progress {
    bar: indicatif::ProgressBar,
    solving_since: Option<Instant>,
    solver: Duration,
}

impl Observer for Progress {
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
    sut: &'static Sut,
    seed: u64,
    config: &ExploreConfig,
    oracle: &O,
    show_progress: bool,
) -> anyhow::Result<(ExploreReport, Timing)> {
    let spec = config.spec;
    let runner = move |faults: &[Fault]| -> Result<Trace, String> {
        let run = RunConfig {
            seed,
            eot: spec.eot,
            faults: faults.to_vec(),
            failure_spec: Some(spec),
        };
        sut.run(&run).map_err(|err| err.to_string())
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
    };
    let started = Instant::now();
    let report = faultline_ldfi::explore(&runner, oracle, config, &mut progress)?;
    let total = started.elapsed();
    progress.bar.finish_and_clear();
    Ok((
        report,
        Timing {
            total,
            solver: progress.solver,
        },
    ))
}

/// The SUT's built-in invariant as an LDFI oracle.
pub(crate) struct InvariantOracle(pub &'static Sut);

impl Oracle for InvariantOracle {
    type Error = std::convert::Infallible;

    fn judge(&self, trace: &Trace) -> Result<Judgement, Self::Error> {
        Ok(judge(self.0, trace))
    }
}

/// The SUT's invariant's verdict on `trace`, as LDFI reads it.
pub(crate) fn judge(sut: &Sut, trace: &Trace) -> Judgement {
    let report = sut.check(trace);
    let outcome = match (report.holds, report.vacuous) {
        (false, _) => Outcome::Bad,
        (true, true) => Outcome::Vacuous,
        (true, false) => Outcome::Good,
    };
    let _ = trace;
    Judgement::new(outcome, report.goal)
}

/// The one-line reproducer of a fault set.
/// What a search ran: the SUT, the seed of its runs and the oracle's spec file, if any.
struct Target<'a> {
    sut: &'a Sut,
    seed: u64,
    spec_file: Option<String>,
    show_runs: bool,
}

/// The one-line reproducer of a fault set of `target`.
fn target_reproducer(target: &Target, spec: &FailureSpec, faults: &[Fault]) -> String {
    let line = reproducer(target.sut, target.seed, spec, faults);
    match &target.spec_file {
        Some(file) => format!("{line} --spec {file}"),
        None => line,
    }
}

pub(crate) fn reproducer(sut: &Sut, seed: u64, spec: &FailureSpec, faults: &[Fault]) -> String {
    let seed = if seed == 0 {
        String::new()
    } else {
        format!(" --seed {seed}")
    };
    format!(
        "faultline run --sut {}{seed} --eot {} --faults '{}'",
        sut.name,
        spec.eot,
        faults_to_json(faults)
    )
}

fn report_json(target: &Target, report: &ExploreReport, timing: &Timing) -> serde_json::Value {
    let (sut, seed) = (target.sut, target.seed);
    let first = report.counterexamples.first();
    json!({
        "sut": sut.name,
        "seed": seed,
        "spec": report.spec,
        "verdict": report.verdict.as_str(),
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
        "history": target.show_runs.then_some(&report.history),
    })
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
        sut.name, spec.eot, spec.eff, spec.max_crashes, spec.max_clogs
    );
    let verdict = match report.verdict {
        Verdict::Counterexample => format!("COUNTEREXAMPLE: {oracle} is violated"),
        Verdict::Certified => "CERTIFIED: no admissible fault set breaks the outcome".to_string(),
        Verdict::NoCounterexample => format!("no counterexample in {} runs", report.runs),
        Verdict::Inconclusive => "INCONCLUSIVE: a bound stopped the search".to_string(),
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
    match &report.bound_hit {
        Some(faultline_ldfi::BoundHit::RunsMax { runs_max }) => {
            out.push_str(&format!("bound hit: --runs-max {runs_max}\n"));
        }
        Some(faultline_ldfi::BoundHit::SolverTimeout { reason }) => {
            out.push_str(&format!("bound hit: solver timeout ({reason})\n"));
        }
        _ => {}
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
