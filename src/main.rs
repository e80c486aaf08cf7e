//! The `faultline` command line: a thin layer over the library crates.
//!
//! Exit codes (every subcommand): 0 ok / certified, 1 bug found (invariant violated, property
//! fails, counterexample, anomaly), 2 usage, input or output error (standard output that cannot
//! be written included), 3 inconclusive (a bound such as `--runs-max`, a solver timeout, Ctrl-C
//! or SIGTERM; the partial report is printed), 4 reserved for nondeterminism (the same fault set
//! gave a different trace; nothing produces it yet).

mod cmd;
use faultline::spec_oracle;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Lineage-driven fault injection and checking for distributed systems.
#[derive(Parser, Debug)]
#[command(name = "faultline", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the built-in systems under test with their default failure spec.
    Suts(cmd::suts::SutsArgs),
    /// Run one SUT in the deterministic simulator, optionally with faults.
    Run(cmd::run::RunArgs),
    /// Validate or display a trace file (faultline-trace/v1 JSON Lines).
    #[command(subcommand)]
    Trace(cmd::trace::TraceCommand),
    /// Search the fault space of a SUT with lineage-driven fault injection (or at random).
    Explore(cmd::explore::ExploreArgs),
    /// Print the lineage graph of a trace's good outcome.
    Lineage(cmd::lineage::LineageArgs),
    /// Propose the next fault sets from traces written by another simulator.
    Suggest(cmd::suggest::SuggestArgs),
    /// Size of the fault space for a failure spec (Molly's gross estimate and the exact count).
    Estimate(cmd::estimate::EstimateArgs),
    /// Check LTL properties against a trace, with proofs.
    Check(cmd::check::CheckArgs),
    /// Check a list-append transaction history for consistency anomalies (Elle's rules).
    Elle(cmd::elle::ElleArgs),
    /// Write one self-contained HTML page for a search or a run (chart, lineage, proofs).
    Report(cmd::report::ReportArgs),
    /// Benchmarks that compare against the published numbers.
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
    /// Unite the shard stores of a sharded search (`explore --shard K/N --db ...`) into one.
    Merge(cmd::merge::MergeArgs),
    /// Look after a run store (`explore --db FILE`): migrate, list searches, show a run, gc.
    #[command(subcommand)]
    Db(cmd::db::DbCommand),
}

fn main() -> ExitCode {
    // `faultline ... | head` ends quietly, like any Unix filter, instead of panicking in println!.
    sigpipe::reset();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout with exit 0, usage errors to stderr with exit 2.
            let printed = err.print();
            if err.use_stderr() {
                return ExitCode::from(2);
            }
            return match printed {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => {
                    report_error(&format!("cannot write to standard output: {io}"));
                    ExitCode::from(2)
                }
                _ => ExitCode::SUCCESS,
            };
        }
    };
    let result = match cli.command {
        Command::Suts(args) => cmd::suts::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Trace(command) => cmd::trace::run(command),
        Command::Explore(args) => cmd::explore::run(args),
        Command::Lineage(args) => cmd::lineage::run(args),
        Command::Suggest(args) => cmd::suggest::run(args),
        Command::Estimate(args) => cmd::estimate::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Elle(args) => cmd::elle::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Bench(command) => cmd::bench::run(command),
        Command::Db(command) => cmd::db::run(command),
        Command::Merge(args) => cmd::merge::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            report_error(&message(&err));
            ExitCode::from(2)
        }
    }
}

/// `error: ...` on standard error; unlike `eprintln!`, does not panic when that fails too.
fn report_error(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "error: {text}");
}

/// The error and its causes, like `{:#}`, but without a cause whose text the message before it
/// already ends with (library errors such as `TraceError::Io` print their source themselves,
/// and would otherwise read "dir: Is a directory (os error 21): Is a directory (os error 21)").
fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.ends_with(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// `faultline trace show big.jsonl | head` must not report an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
