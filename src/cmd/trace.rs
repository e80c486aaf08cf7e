//! `faultline trace validate|show`: check a trace file, or print it for people.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use faultline_trace::{EventFilter, EventKind, TraceError, TraceReader, TraceSummary};

/// Subcommands of `faultline trace`.
#[derive(clap::Subcommand, Debug)]
pub enum TraceCommand {
    /// Check a trace against the schema (faultline-trace/v1); exit 2 naming line and field.
    Validate(ValidateArgs),
    /// Print a trace as a timeline (one line per event) or a sequence chart.
    Show(ShowArgs),
}

/// Arguments of `faultline trace validate`.
#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// The trace file (JSON Lines); `-` reads standard input.
    pub file: PathBuf,
    /// Print the summary (or the error) as JSON on standard output
    /// (`"schema": "faultline-trace-validate/v1"`).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `faultline trace show`.
#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// The trace file (JSON Lines); `-` reads standard input.
    pub file: PathBuf,
    /// Only these event kinds, comma-separated (e.g. `send,deliver,drop`).
    #[arg(long, value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// Only events at or between this node (as `node`, `src` or `dst`).
    #[arg(long)]
    pub node: Option<String>,
    /// Draw a text sequence chart, one column per node.
    #[arg(long, conflicts_with = "html")]
    pub chart: bool,
    /// Print one self-contained HTML page instead: the sequence chart (one lane per node and
    /// per client, zoomable) and the step-through view (no Graphviz, no network). `--kinds` and
    /// `--node` do not apply: the page shows every event.
    #[arg(long, conflicts_with_all = ["kinds", "node"])]
    pub html: bool,
}

/// Runs `faultline trace ...`.
pub fn run(command: TraceCommand) -> anyhow::Result<ExitCode> {
    match command {
        TraceCommand::Validate(args) => validate(&args),
        TraceCommand::Show(args) => show(&args),
    }
}

fn validate(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let file = display_name(&args.file);
    let result = with_reader(&args.file, faultline_trace::validate_stream);
    match (result, args.json) {
        (Ok(summary), false) => {
            super::write_stdout(&format!("{file}: valid: {}\n", summary_line(&summary)))?;
            Ok(ExitCode::SUCCESS)
        }
        (Ok(summary), true) => {
            let json = serde_json::json!({"file": file, "valid": true, "summary": summary});
            super::write_json("trace-validate", json, false)?;
            Ok(ExitCode::SUCCESS)
        }
        (Err(err), false) => Err(flat(err)),
        (Err(err), true) => {
            let json = serde_json::json!({
                "file": file,
                "valid": false,
                "error": {"message": err.to_string(), "line": err.line(), "field": err.field()},
            });
            super::write_json("trace-validate", json, false)?;
            let _ = writeln!(std::io::stderr().lock(), "error: {err}");
            Ok(ExitCode::from(2))
        }
    }
}

fn summary_line(summary: &TraceSummary) -> String {
    format!(
        "{} events, {} nodes, {} messages sent, {} delivered, {} dropped, {} in flight, {} client events, last lt {}",
        summary.events,
        summary.nodes,
        summary.sent,
        summary.delivered,
        summary.dropped,
        summary.in_flight,
        summary.client_events,
        summary.lt_last
    )
}

fn show(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let kinds = parse_kinds(&args.kinds)?;
    let trace = with_reader(&args.file, faultline_trace::read_and_validate).map_err(flat)?;
    if let Some(node) = &args.node
        && !trace.header.nodes.contains(node)
    {
        bail!(
            "--node {node:?}: expected one of the trace's nodes ({})",
            trace.header.nodes.join(", ")
        );
    }
    if args.html {
        let name = display_name(&args.file);
        let title = format!("{} — {name}", trace.header.sut);
        let mut notes = Vec::new();
        let run = super::report::run_section(trace, name, None, &mut notes)?;
        let report = faultline_report::Report {
            title,
            run: Some(run),
            notes,
            ..faultline_report::Report::default()
        };
        super::write_stdout(&faultline_report::render(&report))?;
        return Ok(ExitCode::SUCCESS);
    }
    let filter = EventFilter {
        kinds,
        node: args.node.clone(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write_show(&trace, &filter, args, &mut out)
        .and_then(|()| out.flush())
        .map_err(super::stdout_error)?;
    Ok(ExitCode::SUCCESS)
}

fn write_show(
    trace: &faultline_trace::Trace,
    filter: &EventFilter,
    args: &ShowArgs,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let header = &trace.header;
    writeln!(
        out,
        "{} — sut {}, run {}, seed {}, {} time, {} events, faults: {}",
        display_name(&args.file),
        header.sut,
        header.run_id,
        header.seed,
        header.time_model.as_str(),
        trace.events.len(),
        if header.faults.is_empty() {
            "none".to_string()
        } else {
            faultline_trace::faults_to_json(&header.faults)
        }
    )?;
    if args.chart {
        faultline_trace::write_chart(trace, filter, out)
    } else {
        faultline_trace::write_timeline(trace, filter, out)
    }
}

fn parse_kinds(names: &[String]) -> anyhow::Result<Option<BTreeSet<EventKind>>> {
    if names.is_empty() {
        return Ok(None);
    }
    let mut kinds = BTreeSet::new();
    for name in names.iter().map(|name| name.trim()) {
        let Some(kind) = EventKind::ALL.iter().find(|kind| kind.as_str() == name) else {
            let known: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
            bail!(
                "--kinds: unknown event kind {name:?}; expected one of {}",
                known.join(", ")
            );
        };
        kinds.insert(*kind);
    }
    Ok(Some(kinds))
}

/// Opens `path` (`-` = standard input) as a trace reader and hands it to `consume`.
fn with_reader<T>(
    path: &Path,
    consume: impl FnOnce(TraceReader<Box<dyn BufRead>>) -> Result<T, TraceError>,
) -> Result<T, TraceError> {
    let name = display_name(path);
    let input: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).map_err(|source| TraceError::Io {
            file: name.clone(),
            source,
        })?;
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    consume(TraceReader::new(input, name)?)
}

/// The error's own message already names its cause; `{:#}` would print the I/O cause twice.
fn flat(err: TraceError) -> anyhow::Error {
    anyhow::Error::msg(err.to_string())
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}
