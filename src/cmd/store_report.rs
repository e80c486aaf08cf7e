//! `faultline report DB`: what the searches in a run store found — text for people, `--json`,
//! and the same CI output as `explore` (`--junit`, `--github`), read from the store.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use faultline_store::{SearchSummary, Store};
use serde_json::{Value, json};

use super::ci_output::{CiCase, write_github, write_junit};

/// What to report from a store.
#[derive(Debug, Clone)]
pub(crate) struct StoreReport {
    pub db: PathBuf,
    pub search: Option<i64>,
    pub json: bool,
    pub junit: Option<PathBuf>,
    pub github: bool,
}

/// One stored search with what its stored report says.
fn case(
    search: &SearchSummary,
    report: &Value,
    counterexamples: &[(String, String, String)],
) -> CiCase {
    let spec = &search.spec;
    let verdict = search
        .verdict
        .clone()
        .unwrap_or_else(|| "unfinished".to_string());
    let message = match verdict.as_str() {
        "counterexample" => counterexamples
            .first()
            .map(|(_, faults, _)| format!("counterexample: {faults}")),
        "inconclusive" => report["inconclusive_reason"].as_str().map(str::to_string),
        "unfinished" => Some("the search has not finished (run it again to resume)".into()),
        "certified" if report["by_cover"].as_bool() == Some(true) => Some(
            "certified by covering the space: no run named a goal, so every admissible fault \
             set was run, or adds to a run only faults that change nothing"
                .into(),
        ),
        _ => None,
    };
    let mut details = vec![
        format!("runs: {}", search.runs),
        format!("oracle: {}", search.oracle),
        format!("build: {}", search.build_id),
    ];
    if let Some(coverage) = report.get("coverage") {
        details.push(format!("coverage: {coverage}"));
    }
    CiCase {
        name: format!(
            "explore {} {}/{}/{}/{} ({}, seed {}){}",
            search.sut,
            spec["eot"],
            spec["eff"],
            spec["max_crashes"],
            spec["max_clogs"],
            search.strategy,
            search.seed,
            search
                .shard
                .as_deref()
                .map(|shard| format!(" shard {shard}"))
                .unwrap_or_default()
        ),
        // An unfinished search is reported as inconclusive: nothing was concluded.
        verdict: if verdict == "unfinished" {
            "inconclusive".into()
        } else {
            verdict
        },
        message,
        reproducer: counterexamples.first().map(|(_, _, line)| line.clone()),
        runs: search.runs,
        seconds: report["wall_ms"].as_f64().unwrap_or(0.0) / 1e3,
        details,
    }
}

fn stored_report(search: &SearchSummary) -> Value {
    search
        .report
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null)
}

/// Runs `faultline report DB`.
pub(crate) fn run(args: &StoreReport) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(&args.db)?;
    let searches = match args.search {
        Some(id) => vec![store.search(id)?.ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no search #{id} (see `faultline db ls`)",
                args.db.display()
            )
        })?],
        None => store.searches()?,
    };
    let mut cases = Vec::new();
    let mut documents = Vec::new();
    let mut text = String::new();
    for search in &searches {
        let report = stored_report(search);
        let counterexamples = store.counterexamples(search.id)?;
        let case = case(search, &report, &counterexamples);
        text.push_str(&render(&args.db, search, &case, &report, &counterexamples));
        documents.push(json!({
            "id": search.id,
            "search": search,
            "verdict": case.verdict,
            "counterexamples": counterexamples.iter().map(|(run_id, faults, line)| json!({
                "run_id": run_id,
                "faults": serde_json::from_str::<Value>(faults).unwrap_or(Value::Null),
                "reproducer": line,
            })).collect::<Vec<_>>(),
            "report": report,
        }));
        cases.push(case);
    }
    let findings = store.nondeterminism()?;
    for (run_id, search, a, b) in &findings {
        text.push_str(&format!(
            "NONDETERMINISM: run {} (search #{}) gave traces {} and {}\n",
            &run_id[..16.min(run_id.len())],
            search.map_or("?".into(), |s| s.to_string()),
            &a[..16.min(a.len())],
            &b[..16.min(b.len())]
        ));
    }
    if let Some(path) = &args.junit {
        write_junit(path, &cases)?;
    }
    if args.github {
        write_github(&cases, &mut std::io::stdout().lock())?;
    }
    if args.json {
        super::write_json(
            "report",
            json!({
                "store": args.db.display().to_string(),
                "searches": documents,
                "nondeterminism": findings.iter().map(|(run_id, search, a, b)| json!({
                    "run_id": run_id, "search_id": search, "trace_hashes": [a, b],
                })).collect::<Vec<_>>(),
            }),
            true,
        )?;
    } else if !args.github {
        super::write_stdout(&text)?;
    }
    Ok(if !findings.is_empty() {
        super::nondeterminism()
    } else if cases.iter().any(|case| case.verdict == "counterexample") {
        super::bug_found()
    } else if cases.iter().any(|case| case.verdict == "inconclusive") {
        super::inconclusive()
    } else {
        ExitCode::SUCCESS
    })
}

fn render(
    db: &Path,
    search: &SearchSummary,
    case: &CiCase,
    report: &Value,
    counterexamples: &[(String, String, String)],
) -> String {
    let mut text = format!(
        "search #{} in {}: {}\n  verdict: {}\n  runs: {}, oracle: {}, build: {}\n",
        search.id,
        db.display(),
        super::sanitize(&case.name),
        case.verdict,
        search.runs,
        super::sanitize(&search.oracle),
        super::sanitize(&search.build_id)
    );
    if let Some(message) = &case.message {
        text.push_str(&format!("  {}\n", super::sanitize(message)));
    }
    for (run_id, _, line) in counterexamples {
        text.push_str(&format!(
            "  counterexample run {}: {}\n",
            &run_id[..16.min(run_id.len())],
            super::sanitize(line)
        ));
    }
    if let (Some(exact), Some(fraction)) = (
        report["fault_space"]["exact"].as_str(),
        report["explored_fraction"].as_f64(),
    ) {
        text.push_str(&format!(
            "  fault space (exact): {exact}; explored {fraction:.3e}\n"
        ));
    }
    if let Some(lineage) = report["coverage"]["lineage"].as_object() {
        text.push_str(&format!(
            "  lineage: {}/{} vertices broken by some run\n",
            lineage["broken"], lineage["vertices"]
        ));
    }
    text
}

/// A stored search as `explore --json --show-runs` would have printed it (its stored report
/// with the history read back from the store), for the HTML page. Default: the last search.
pub(crate) fn search_json(db: &Path, search: Option<i64>) -> anyhow::Result<Value> {
    let store = Store::open_existing(db)?;
    let summary = match search {
        Some(id) => store.search(id)?,
        None => store.searches()?.into_iter().last(),
    }
    .ok_or_else(|| anyhow::anyhow!("{}: no such search (see `faultline db ls`)", db.display()))?;
    let mut json = stored_report(&summary);
    if json.is_null() {
        anyhow::bail!(
            "{}: search #{} has not finished (run it again to resume it)",
            db.display(),
            summary.id
        );
    }
    let history: Vec<Value> = store
        .search_runs(summary.id)?
        .into_iter()
        .map(|run| {
            json!({
                "index": run.idx,
                "faults": serde_json::from_str::<Value>(&run.faults).unwrap_or(Value::Null),
                "outcome": run.outcome,
                "duration_ms": run.duration_us as f64 / 1e3,
            })
        })
        .collect();
    json["history"] = Value::Array(history);
    json["schema"] = json!(super::schema("explore"));
    Ok(json)
}
