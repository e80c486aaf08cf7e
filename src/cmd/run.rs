//! `faultline run`: one SUT in the deterministic simulator, with faults, a summary and a verdict.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use faultline_harness::{Fault, InvariantReport, RunConfig, Sut, parse_fault_set, sut, suts};
use faultline_trace::{EventKind, Trace, faults_to_json};
use serde_json::json;

/// Arguments of `faultline run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The SUT to run (`faultline suts` lists them).
    #[arg(long)]
    sut: String,
    /// End of time: rounds (or the step bound of an `async` SUT). Default: the SUT's spec.
    #[arg(long)]
    eot: Option<u64>,
    /// The master seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Faults: inline JSON (`[{"kind":"omission","src":"a","dst":"b","at":1}]`) or a file.
    #[arg(long)]
    faults: Option<String>,
    /// Write the trace (JSON Lines) to this file.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `faultline run`: exit 0 if the invariant holds, 1 if it is violated.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let sut = find_sut(&args.sut)?;
    let faults = match &args.faults {
        Some(text) => read_faults(text)?,
        None => Vec::new(),
    };
    let mut spec = sut.default_spec;
    if let Some(eot) = args.eot {
        spec.eot = eot;
    }
    let config = RunConfig {
        seed: args.seed,
        eot: spec.eot,
        faults,
        failure_spec: Some(spec),
    };
    let trace = sut.run(&config)?;
    let report = sut.check(&trace);
    if let Some(path) = &args.output {
        write_trace(&trace, path)?;
    }
    let counts = Counts::of(&trace);
    if args.json {
        print_json(sut, &config, &counts, &report, args.output.as_deref())?;
    } else {
        print_summary(sut, &config, &counts, &report, args.output.as_deref());
    }
    Ok(if report.holds {
        ExitCode::SUCCESS
    } else {
        super::bug_found()
    })
}

fn find_sut(name: &str) -> anyhow::Result<&'static Sut> {
    sut(name).with_context(|| {
        let known: Vec<&str> = suts().iter().map(|sut| sut.name).collect();
        format!("unknown SUT `{name}`; known SUTs: {}", known.join(", "))
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

fn write_trace(trace: &Trace, path: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create the trace file", path.display()))?;
    trace
        .write_jsonl(file)
        .with_context(|| format!("{}: cannot write the trace", path.display()))
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

fn reproducer(sut: &Sut, config: &RunConfig) -> String {
    let mut line = format!(
        "faultline run --sut {} --seed {} --eot {}",
        sut.name, config.seed, config.eot
    );
    if !config.faults.is_empty() {
        line.push_str(&format!(" --faults '{}'", faults_to_json(&config.faults)));
    }
    line
}

fn print_summary(
    sut: &Sut,
    config: &RunConfig,
    counts: &Counts,
    report: &InvariantReport,
    output: Option<&Path>,
) {
    let faults: Vec<String> = config.faults.iter().map(Fault::short).collect();
    let faults = if faults.is_empty() {
        "none".to_string()
    } else {
        faults.join(", ")
    };
    println!(
        "sut {}, seed {}, eot {}, faults: {faults}",
        sut.name, config.seed, config.eot
    );
    println!(
        "messages: {} sent, {} delivered, {} dropped, {} in flight at the end; crashes: {}; events: {}",
        counts.sent,
        counts.delivered,
        counts.dropped,
        counts.in_flight(),
        counts.crashes,
        counts.events
    );
    let verdict = match (report.holds, report.vacuous) {
        (false, _) => "VIOLATED",
        (true, true) => "holds (vacuously)",
        (true, false) => "holds",
    };
    println!("invariant: {verdict}: {}", report.explanation);
    if let Some(path) = output {
        println!("trace: {}", path.display());
    }
    println!("reproduce: {}", reproducer(sut, config));
}

fn print_json(
    sut: &Sut,
    config: &RunConfig,
    counts: &Counts,
    report: &InvariantReport,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let summary = json!({
        "sut": sut.name,
        "time_model": sut.time_model,
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
        "verdict": report.verdict(),
        "invariant": report,
        "trace": output.map(|path| path.display().to_string()),
        "reproduce": reproducer(sut, config),
    });
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
