//! One module per subcommand. Each defines its clap `Args` and a `run` that returns the exit code
//! (0 ok, 1 bug found, 3 inconclusive); any `Err` is a usage, input or output error and exits 2.
//!
//! Reports go through [`write_stdout`] (or [`write_json`]), never `print!`: `print!` panics when
//! standard output cannot be written (a full disk), and a report lost that way must exit 2 with
//! a message, not 101 with a backtrace hint.

use std::io::{self, Write};
use std::process::ExitCode;

pub mod bench;
mod bench_coordination;
pub mod bench_report;
mod bench_scaling;
mod bench_store;
mod bench_suggest;
pub mod check;
mod ci_output;
pub mod db;
pub mod elle;
pub mod estimate;
mod events;
pub mod explore;
pub mod fault_bounds;
pub mod lineage;
pub mod merge;
mod record;
mod regressions;
pub mod report;
pub mod run;
pub mod store_report;
pub mod suggest;
mod suggest_store;
pub mod suts;
pub mod trace;

/// Exit code 1: the tool worked and found a bug (violation, failing property, anomaly).
pub fn bug_found() -> ExitCode {
    ExitCode::from(1)
}

/// Exit code 3: the tool stopped before it could conclude (a bound such as `--runs-max`, a
/// solver timeout, Ctrl-C or SIGTERM); the partial report has been printed.
pub fn inconclusive() -> ExitCode {
    ExitCode::from(3)
}

/// Exit code 4: nondeterminism detected (the same run gave two different traces).
pub fn nondeterminism() -> ExitCode {
    ExitCode::from(4)
}

/// `text` from a file or store, safe to print to a terminal: control characters (escape
/// sequences included) are shown as `\u{..}` escapes instead of being sent raw.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Writes `text` to standard output and flushes it.
///
/// The error names standard output and keeps its kind, so that `main` ends quietly on a closed
/// pipe and exits 2 with "cannot write to standard output: ..." on anything else.
pub fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// An error from writing standard output, saying so (for writers other than
/// [`write_stdout`], e.g. a `BufWriter` over a locked stdout).
pub fn stdout_error(err: io::Error) -> io::Error {
    io::Error::new(
        err.kind(),
        format!("cannot write to standard output: {err}"),
    )
}

/// The `schema` tag of a command's `--json` output: `faultline-<command>/v1`.
pub fn schema(command: &str) -> String {
    format!("faultline-{command}/v1")
}

/// Prints a `--json` document (an object) with `"schema": "faultline-<command>/v1"` added,
/// pretty or on one line, through [`write_stdout`].
pub fn write_json(command: &str, mut value: serde_json::Value, pretty: bool) -> io::Result<()> {
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("schema".into(), schema(command).into());
    }
    let text = if pretty {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    }
    .map_err(io::Error::other)?;
    write_stdout(&format!("{text}\n"))
}
