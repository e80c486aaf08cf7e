//! `faultline elle`: check a list-append transaction history with elle-lite.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use elle_lite::{CheckOptions, Format, History, Validity};

/// Arguments of `faultline elle`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = "\
Input formats (detected from the content, or forced with --format): a JSON array of Jepsen ops,
JSON Lines (one op per line), a conformance case ({\"history\": [...]}), Jepsen EDN
({:type :invoke, :f :txn, :value [[:append :x 1] [:r :x nil]], :process 0, :index 0}), or a
faultline trace (its invoke/ok/fail/info client events).

Exit codes: 0 valid, 1 invalid (a prohibited anomaly was found), 2 bad input, 3 unknown: an
\"unknown\" verdict (e.g. an empty transaction graph, or a cycle search that ran out of its step
budget) found nothing prohibited, and the report says why it is inconclusive.")]
pub struct ElleArgs {
    /// The history file.
    pub history: PathBuf,
    /// A consistency model that must hold (repeatable: the history is valid only under all of
    /// them). Default: strict-serializable.
    #[arg(long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    /// Print the result as JSON: {"schema": "faultline-elle/v1", "valid", "anomaly_types",
    /// "anomalies", "not", "also_not"}.
    #[arg(long)]
    pub json: bool,
    /// Force the input format instead of detecting it.
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,
    /// Edge steps the cycle search may spend per strongly connected component before it
    /// reports cycle-search-timeout.
    #[arg(long, default_value_t = 5_000_000, value_name = "STEPS")]
    pub cycle_search_budget: u64,
}

/// `--format` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// One JSON array of ops (or a `{"history": [...]}` document).
    Json,
    /// One JSON op per line.
    Jsonl,
    /// Jepsen EDN.
    Edn,
    /// A faultline-trace/v1 file.
    Trace,
}

/// Runs `faultline elle`.
pub fn run(args: ElleArgs) -> anyhow::Result<ExitCode> {
    let models = if args.models.is_empty() {
        vec!["strict-serializable".to_owned()]
    } else {
        args.models.clone()
    };
    for model in &models {
        if !elle_lite::is_known_model(model) {
            bail!(
                "unknown consistency model `{model}`; known models: {}",
                elle_lite::known_models().join(", ")
            );
        }
    }
    let history = read_history(&args.history, args.format)?;
    let options = CheckOptions {
        consistency_models: Some(models),
        cycle_search_budget: args.cycle_search_budget,
        ..CheckOptions::default()
    };
    let result = elle_lite::check(&history, &options)
        .with_context(|| format!("checking {}", args.history.display()))?;
    if args.json {
        super::write_json("elle", result.to_json(), true)?;
    } else {
        super::write_stdout(&result.render())?;
    }
    Ok(match result.valid {
        Validity::Invalid => super::bug_found(),
        Validity::Valid => ExitCode::SUCCESS,
        // Nothing prohibited was found, but nothing was shown either (an empty transaction
        // graph, a cycle search out of budget): inconclusive, like a search stopped by a bound.
        Validity::Unknown => super::inconclusive(),
    })
}

fn read_history(path: &Path, format: Option<InputFormat>) -> anyhow::Result<History> {
    let file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut reader = BufReader::new(file);
    // The first non-blank line tells a trace apart; it is handed back to the history reader,
    // which streams JSON Lines rather than holding the whole file.
    let mut head = String::new();
    let is_trace = match format {
        Some(InputFormat::Trace) => true,
        Some(_) => false,
        None => {
            loop {
                let read = reader
                    .read_line(&mut head)
                    .with_context(|| format!("reading {}", path.display()))?;
                if read == 0 || !head.trim().is_empty() {
                    break;
                }
            }
            head.contains("faultline-trace/v1")
        }
    };
    if is_trace {
        return history_from_trace(path);
    }
    let format = format.map(|f| match f {
        InputFormat::Json => Format::Json,
        InputFormat::Jsonl => Format::JsonLines,
        InputFormat::Edn | InputFormat::Trace => Format::Edn,
    });
    let name = path.display().to_string();
    match elle_lite::read_history(head.as_bytes().chain(reader), format, &name) {
        Ok(history) => Ok(history),
        Err(elle_lite::Error::Io { source, .. }) => {
            Err(anyhow::Error::new(source).context(format!("reading {name}")))
        }
        Err(error) => Err(anyhow::Error::new(error).context(format!("reading {name}"))),
    }
}

/// The client history of a faultline trace: its invoke/ok/fail/info events.
fn history_from_trace(path: &Path) -> anyhow::Result<History> {
    let trace = faultline_trace::read_trace(path)?;
    history_from_events(&trace, &path.display().to_string())
}

/// The client history in `trace`, refusing a trace without one.
pub(crate) fn history_from_events(
    trace: &faultline_trace::Trace,
    name: &str,
) -> anyhow::Result<History> {
    let history = faultline::client_history::history_from_events(trace, name)?;
    if history.ops.is_empty() {
        bail!("{name}: the trace has no client events (invoke/ok/fail/info)");
    }
    Ok(history)
}
