//! `faultline run`: one SUT in the deterministic simulator, with faults, a summary and a verdict.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use faultline_harness::{
    Fault, InvariantReport, Ratio, RunConfig, System, node_rng, parse_fault_set, random_fault_set,
    swizzle_clog_until,
};
use faultline_trace::{EventKind, RunVerdict, Trace, faults_to_json};

use serde_json::json;

use crate::spec_oracle::SpecOracle;

/// The longest run `faultline run` makes: a chatty SUT writes tens of events a round, each kept
/// in memory until the trace is written.
pub(crate) const EOT_RUN_MAX: u64 = 100_000;

/// Arguments of `faultline run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The SUT to run (`faultline suts` lists them).
    #[arg(long)]
    sut: String,
    /// End of time: rounds (or the step bound of an `async` SUT). Default: the SUT's spec.
    #[arg(long)]
    eot: Option<u64>,
    /// End of finite failures, written into the trace's failure spec (what `suggest` checks
    /// its traces against). Default: the SUT's spec.
    #[arg(long)]
    eff: Option<u64>,
    /// At most this many crashes, for the trace's failure spec. Default: the SUT's spec.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1000))]
    crashes: Option<u32>,
    /// At most this many clog windows, for the trace's failure spec. Default: the SUT's spec.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=1000))]
    clogs: Option<u32>,
    /// The master seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Faults: inline JSON (`[{"kind":"omission","src":"a","dst":"b","at":1}]`) or a file.
    #[arg(long)]
    faults: Option<String>,
    /// Add a swizzle-clog episode drawn from the seed (FoundationDB's: a random half of the
    /// nodes clogged one by one from round 1, then unclogged in an independent random order).
    #[arg(long)]
    swizzle_clog: bool,
    /// Add random omissions and crashes within the SUT's failure spec, each with this chance
    /// in percent, drawn from the seed (the random baseline's distribution).
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u64).range(0..=100))]
    random_faults: Option<u64>,
    /// Write the trace (JSON Lines) to this file.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Also judge the run with this LTL spec (see `specs/`); the exit code and the trace's
    /// verdict then follow the spec.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `faultline run`: exit 0 if the invariant holds, 1 if it is violated.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let sut = super::explore::lookup_sut(&args.sut)?;
    let mut faults = match &args.faults {
        Some(text) => read_faults(text)?,
        None => Vec::new(),
    };
    let mut spec = sut.default_spec();
    if let Some(eot) = args.eot {
        if eot == 0 {
            anyhow::bail!("--eot 0: end of time must be at least 1 (a run has at least one round)");
        }
        if eot > EOT_RUN_MAX {
            anyhow::bail!(
                "--eot {eot}: a run accepts at most {EOT_RUN_MAX} (the whole trace is kept in \
                 memory, several hundred bytes an event)"
            );
        }
        spec.eot = eot;
        // A shorter run keeps a consistent spec: message loss ends no later than the run.
        spec.eff = spec.eff.min(eot);
    }
    if let Some(eff) = args.eff {
        if eff > spec.eot {
            anyhow::bail!(
                "--eff {eff}: must not exceed the end of time ({})",
                spec.eot
            );
        }
        spec.eff = eff;
    }
    spec.max_crashes = args.crashes.unwrap_or(spec.max_crashes);
    spec.max_clogs = args.clogs.unwrap_or(spec.max_clogs);
    // Drawn faults come from their own streams of the seed (nodes use streams 0..n), and are
    // printed in full, so the reproducer needs neither flag.
    if let Some(percent) = args.random_faults {
        let mut rng = node_rng(args.seed, u64::MAX);
        let rate = Ratio::new(percent, 100);
        faults.extend(random_fault_set(&spec, sut.nodes(), rate, &mut rng));
    }
    if args.swizzle_clog {
        let mut rng = node_rng(args.seed, u64::MAX - 1);
        faults.extend(swizzle_clog_until(sut.nodes(), 1, 2, spec.eot, &mut rng));
    }
    let config = RunConfig {
        seed: args.seed,
        eot: spec.eot,
        faults,
        failure_spec: Some(spec),
    };
    let mut trace = sut.run(&config)?;
    let report = sut.check(&trace);
    let spec_check = match &args.spec {
        Some(path) => Some(SpecCheck::of(path, &trace)?),
        None => None,
    };
    let verdict = spec_check
        .as_ref()
        .map_or(report.verdict(), |spec| spec.verdict);
    let holds = verdict != RunVerdict::Bad;
    trace.header.verdict = Some(verdict);
    if let Some(spec) = &spec_check {
        // What the spec's proof rests on, so that `suggest` can search with it.
        trace.header.goal = spec.goal.clone().filter(|_| holds);
    }
    if let Some(path) = &args.output {
        write_trace(&trace, path)?;
    }
    let counts = Counts::of(&trace);
    let run = Outcome {
        sut,
        config: &config,
        counts: &counts,
        report: &report,
        spec: spec_check.as_ref(),
    };
    if args.json {
        print_json(&run, args.output.as_deref())?;
    } else {
        print_summary(&run, args.output.as_deref())?;
    }
    Ok(if holds {
        ExitCode::SUCCESS
    } else {
        super::bug_found()
    })
}

/// `--faults` is inline JSON when it starts like JSON, else the path of a file holding it.
fn read_faults(text: &str) -> anyhow::Result<Vec<Fault>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        return Ok(parse_fault_set(text, "--faults")?);
    }
    let contents = std::fs::read_to_string(text)
        .with_context(|| format!("--faults {text}: cannot read the fault file"))?;
    Ok(parse_fault_set(&contents, text)?)
}

/// Writes the trace to `path` atomically: into a temporary file beside it, renamed over `path`
/// once complete. A failed or killed run leaves an existing file as it was, never a truncated
/// trace that may still validate up to its last whole line. Something other than a regular file
/// (`/dev/stdout`, a FIFO) is written in place: renaming over it would replace it.
fn write_trace(trace: &Trace, path: &Path) -> anyhow::Result<()> {
    let shown = path;
    // Through a symbolic link, replace the file it names, not the link.
    let resolved = std::fs::symlink_metadata(path)
        .is_ok_and(|meta| meta.file_type().is_symlink())
        .then(|| std::fs::canonicalize(path).ok())
        .flatten();
    let path = resolved.as_deref().unwrap_or(path);
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|meta| !meta.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("{}: cannot open the trace file", shown.display()))?;
        return trace
            .write_jsonl(file)
            .with_context(|| format!("{}: cannot write the trace", shown.display()));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(
        || std::ffi::OsString::from("trace"),
        std::ffi::OsStr::to_os_string,
    );
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(&name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // The mode a plain create would give (0666 less the umask), or the old file's.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create the trace file", shown.display()))?;
    if let Some(meta) = &existing {
        // Best effort: the trace is written either way.
        let _ = temp.as_file().set_permissions(meta.permissions());
    }
    trace
        .write_jsonl(temp.as_file_mut())
        .and_then(|_| temp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write the trace", shown.display()))?;
    // On an error above, dropping `temp` removes it.
    temp.persist(path)
        .map_err(|err| err.error)
        .with_context(|| format!("{}: cannot replace the trace file", shown.display()))?;
    Ok(())
}

struct Counts {
    events: usize,
    sent: usize,
    delivered: usize,
    dropped: usize,
    crashes: usize,
}

impl Counts {
    fn of(trace: &Trace) -> Self {
        let count = |kind: EventKind| trace.events.iter().filter(|e| e.kind == kind).count();
        Counts {
            events: trace.events.len(),
            sent: count(EventKind::Send),
            delivered: count(EventKind::Deliver),
            dropped: count(EventKind::Drop),
            crashes: count(EventKind::Crash),
        }
    }

    /// Sent but neither delivered nor dropped when the run ended (or still held by a clog).
    fn in_flight(&self) -> usize {
        self.sent.saturating_sub(self.delivered + self.dropped)
    }
}

/// What one run produced, for the summary.
struct Outcome<'a> {
    sut: &'a System,
    config: &'a RunConfig,
    counts: &'a Counts,
    report: &'a InvariantReport,
    spec: Option<&'a SpecCheck>,
}

/// The verdicts of an LTL spec on the run.
struct SpecCheck {
    file: String,
    /// (property, holds) in file order.
    properties: Vec<(String, bool)>,
    /// Good, vacuous (the spec holds resting on no event) or bad.
    verdict: RunVerdict,
    /// What the holding proof rests on (for the trace's header).
    goal: Option<faultline_trace::Goal>,
}

impl SpecCheck {
    fn of(path: &Path, trace: &Trace) -> anyhow::Result<SpecCheck> {
        let oracle = SpecOracle::load(path)?;
        let verdicts = oracle.verdicts(trace).map_err(anyhow::Error::msg)?;
        let judgement = oracle.judgement(trace, &verdicts);
        let verdict = match judgement.outcome {
            faultline_ldfi::Outcome::Good => RunVerdict::Good,
            faultline_ldfi::Outcome::Vacuous => RunVerdict::Vacuous,
            faultline_ldfi::Outcome::Bad => RunVerdict::Bad,
        };
        Ok(SpecCheck {
            file: oracle.file().to_string(),
            properties: verdicts.into_iter().map(|v| (v.name, v.holds)).collect(),
            verdict,
            goal: Some(judgement.goal),
        })
    }

    fn holds(&self) -> bool {
        self.properties.iter().all(|(_, holds)| *holds)
    }

    fn failing(&self) -> Vec<&str> {
        let failing = self.properties.iter().filter(|(_, holds)| !holds);
        failing.map(|(name, _)| name.as_str()).collect()
    }
}

fn reproducer(sut: &System, config: &RunConfig, spec: Option<&SpecCheck>) -> String {
    let mut line = format!(
        "faultline run --sut {} --seed {} --eot {}",
        sut.name(),
        config.seed,
        config.eot
    );
    if let Some(spec) = spec {
        line.push_str(&format!(" --spec {}", spec.file));
    }
    if !config.faults.is_empty() {
        line.push_str(&format!(" --faults '{}'", faults_to_json(&config.faults)));
    }
    line
}

fn print_summary(run: &Outcome, output: Option<&Path>) -> std::io::Result<()> {
    let Outcome {
        sut,
        config,
        counts,
        report,
        spec,
    } = run;
    let faults: Vec<String> = config.faults.iter().map(Fault::short).collect();
    let faults = if faults.is_empty() {
        "none".to_string()
    } else {
        faults.join(", ")
    };
    let mut out = format!(
        "sut {}, seed {}, eot {}, faults: {faults}\n",
        sut.name(),
        config.seed,
        config.eot
    );
    out.push_str(&format!(
        "messages: {} sent, {} delivered, {} dropped, {} in flight at the end; crashes: {}; events: {}\n",
        counts.sent,
        counts.delivered,
        counts.dropped,
        counts.in_flight(),
        counts.crashes,
        counts.events
    ));
    let verdict = match (report.holds, report.vacuous) {
        (false, _) => "VIOLATED",
        (true, true) => "holds (vacuously)",
        (true, false) => "holds",
    };
    out.push_str(&format!("invariant: {verdict}: {}\n", report.explanation));
    if let Some(spec) = spec {
        if spec.holds() {
            out.push_str(&format!("spec {}: every property holds\n", spec.file));
        } else {
            out.push_str(&format!(
                "spec {}: FAILS: {} (`faultline check --spec {} TRACE` explains why)\n",
                spec.file,
                spec.failing().join(", "),
                spec.file
            ));
        }
    }
    if let Some(path) = output {
        out.push_str(&format!("trace: {}\n", path.display()));
    }
    out.push_str(&format!("reproduce: {}\n", reproducer(sut, config, *spec)));
    super::write_stdout(&out)
}

fn print_json(run: &Outcome, output: Option<&Path>) -> std::io::Result<()> {
    let Outcome {
        sut,
        config,
        counts,
        report,
        spec,
    } = run;
    let verdict = spec.map_or(report.verdict(), |spec| spec.verdict);
    let summary = json!({
        "sut": sut.name(),
        "time_model": sut.time_model(),
        "seed": config.seed,
        "eot": config.eot,
        "failure_spec": config.failure_spec,
        "faults": config.faults,
        "events": counts.events,
        "sent": counts.sent,
        "delivered": counts.delivered,
        "dropped": counts.dropped,
        "in_flight": counts.in_flight(),
        "crashes": counts.crashes,
        "verdict": verdict,
        "invariant": report,
        "spec": spec.map(|spec| json!({
            "file": spec.file,
            "properties": spec.properties.iter()
                .map(|(name, holds)| json!({"name": name, "verdict": if *holds { "holds" } else { "fails" }}))
                .collect::<Vec<_>>(),
        })),
        "trace": output.map(|path| path.display().to_string()),
        "reproduce": reproducer(sut, config, *spec),
    });
    super::write_json("run", summary, true)
}
