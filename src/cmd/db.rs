//! `faultline db`: look after a run store (`explore --db FILE`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use faultline_store::{SCHEMA_VERSION, Store};
use serde_json::json;

/// Subcommands of `faultline db`.
#[derive(clap::Subcommand, Debug)]
pub enum DbCommand {
    /// Create the store, or bring an older one's schema up to date.
    Migrate {
        /// The store.
        db: PathBuf,
    },
    /// List the searches with their verdicts.
    Ls {
        /// The store.
        db: PathBuf,
        /// Print JSON (`"schema": "faultline-db-ls/v1"`).
        #[arg(long)]
        json: bool,
    },
    /// Show one run: its fault set, the searches that ran it, and its trace.
    Show {
        /// The store.
        #[arg(long)]
        db: PathBuf,
        /// The run id (a unique prefix of at least 8 hex digits will do).
        run_id: String,
        /// Write the trace (JSON Lines) to this file; `-` for standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        trace: Option<PathBuf>,
    },
    /// Remove runs no search refers to (and, when asked, old or unfinished searches), then
    /// compact the file.
    Gc {
        /// The store.
        db: PathBuf,
        /// Also remove searches started more than this many days ago.
        #[arg(long, value_name = "DAYS")]
        older_than: Option<u32>,
        /// Also remove searches that never finished (killed, interrupted, bounded).
        #[arg(long)]
        unfinished: bool,
    },
}

/// Runs `faultline db ...`.
pub fn run(command: DbCommand) -> anyhow::Result<ExitCode> {
    match command {
        DbCommand::Migrate { db } => {
            let store = Store::open(&db)?;
            super::write_stdout(&format!(
                "{}: schema version {} (latest {SCHEMA_VERSION})\n",
                db.display(),
                store.schema_version()?
            ))?;
        }
        DbCommand::Ls { db, json } => ls(&db, json)?,
        DbCommand::Show { db, run_id, trace } => return show(&db, &run_id, trace),
        DbCommand::Gc {
            db,
            older_than,
            unfinished,
        } => {
            let mut store = Store::open_existing(&db)?;
            let cutoff = older_than.map(|days| super::record::now() - i64::from(days) * 86_400);
            let report = store.gc(cutoff, unfinished)?;
            super::write_stdout(&format!(
                "{}: removed {} searches and {} runs; {} → {} bytes\n",
                db.display(),
                report.searches,
                report.runs,
                report.bytes_before,
                report.bytes_after
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ls(db: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let store = Store::open_existing(db)?;
    let searches = store.searches()?;
    if json {
        let searches: Vec<_> = searches
            .iter()
            .map(|search| {
                let mut value = json!(search);
                value["by_cover"] = json!(by_cover(search));
                value
            })
            .collect();
        super::write_json("db-ls", json!({ "searches": searches }), true)?;
        return Ok(());
    }
    let mut text = format!(
        "{:>4}  {:<18} {:<12} {:<10} {:>6} {:>6}  {}\n",
        "id", "sut", "spec", "strategy", "runs", "cex", "verdict"
    );
    for search in &searches {
        let spec = &search.spec;
        let spec = format!(
            "{}/{}/{}/{}",
            spec["eot"], spec["eff"], spec["max_crashes"], spec["max_clogs"]
        );
        text.push_str(&format!(
            "{:>4}  {:<18} {:<12} {:<10} {:>6} {:>6}  {}{}{}\n",
            search.id,
            super::sanitize(&search.sut),
            spec,
            search.strategy,
            search.runs,
            search.counterexamples,
            search.verdict.as_deref().unwrap_or("(unfinished)"),
            if by_cover(search) { " (by cover)" } else { "" },
            search
                .shard
                .as_deref()
                .map(|shard| format!(" [shard {shard}]"))
                .unwrap_or_default()
        ));
    }
    super::write_stdout(&text)?;
    Ok(())
}

/// Whether a finished search certified by covering the space (its stored report says so):
/// such a certificate promises less than one from lineage, so the listing says which it is.
pub(crate) fn by_cover(search: &faultline_store::SearchSummary) -> bool {
    search
        .report
        .as_deref()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .and_then(|report| report["by_cover"].as_bool())
        .unwrap_or(false)
}

fn show(db: &std::path::Path, run_id: &str, trace: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(db)?;
    let Some(run) = store.run(run_id)? else {
        anyhow::bail!(
            "{}: no run {run_id:?} (give at least 8 hex digits of an id that `db ls`'s searches ran)",
            db.display()
        );
    };
    let mut text = format!(
        "run {}\n  sut: {}\n  faults: {}\n  trace: {} events, hash {}\n  duration: {} µs\n",
        run.run_id,
        super::sanitize(&run.sut),
        super::sanitize(&run.faults),
        run.events,
        run.trace_hash,
        run.duration_us
    );
    for (search, outcome) in &run.searches {
        text.push_str(&format!("  search #{search}: {outcome}\n"));
    }
    for (found, search, a, b) in store.nondeterminism()? {
        if found == run.run_id {
            text.push_str(&format!(
                "  NONDETERMINISM (search #{}): traces {a} and {b}\n",
                search.map_or("?".into(), |s| s.to_string())
            ));
        }
    }
    match trace.as_deref() {
        Some(path) if path == std::path::Path::new("-") => {
            let mut out = std::io::stdout().lock();
            out.write_all(&run.trace)
                .and_then(|()| out.flush())
                .map_err(super::stdout_error)?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(path) => {
            std::fs::write(path, &run.trace)
                .map_err(|err| anyhow::anyhow!("{}: cannot write: {err}", path.display()))?;
            text.push_str(&format!("  trace written to {}\n", path.display()));
        }
        None => {}
    }
    super::write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
