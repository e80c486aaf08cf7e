//! `faultline report`: one self-contained HTML page for a search (`--search FILE.json`, the
//! output of `faultline explore --json --show-runs`) or for one run (`--trace FILE`).
//!
//! The page is drawn by the `faultline-report` crate from a plain [`Report`]; this module only
//! fills it: it reads the JSON or the trace, re-runs a built-in SUT's failure-free run and
//! counterexample (the search's JSON names the SUT, seed, failure spec and faults), checks LTL
//! properties and the client history, and builds the lineage.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use faultline_harness::System;
use faultline_ldfi::{Oracle, build_lineage, default_goal};
use faultline_report::{
    Banner, ElleSection, LineageSection, PropertySection, Report, RunRow, RunSection, SearchSummary,
};
use faultline_trace::{EventKind, FailureSpec, Fault, Trace, faults_to_json};
use serde_json::Value;

use faultline::search::InvariantOracle;
use faultline::spec_oracle::SpecOracle;

/// Arguments of `faultline report`.
///
/// From a run store (`faultline report runs.db`): without `-o`, what its searches found as
/// text (`--json`, `--junit FILE`, `--github`; exit 0 certified, 1 counterexample, 3
/// inconclusive or unfinished, 4 nondeterminism); with `-o OUT.html`, the page of one search
/// (`--search ID`, default the last). From `--from-json FILE.json` or `--trace FILE`: the page
/// (exit 0 once written; the verdict is on the page).
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["store", "db", "trace", "from_json"])))]
pub struct ReportArgs {
    /// A run store (`explore --db FILE`).
    #[arg(value_name = "DB", conflicts_with_all = ["db", "trace", "from_json"])]
    pub store: Option<PathBuf>,
    /// The same, as an option.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["trace", "from_json"])]
    pub db: Option<PathBuf>,
    /// Only this search of the store (an id from `faultline db ls`).
    #[arg(long, value_name = "ID", conflicts_with_all = ["trace", "from_json"])]
    pub search: Option<i64>,
    /// One run: its sequence chart, step-through view and lineage; LTL proofs with `--spec`;
    /// elle-lite's anomalies when the trace has client (invoke/ok/fail/info) events.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// A search: the JSON `faultline explore --json --show-runs` prints. A built-in SUT's
    /// failure-free run and counterexample are re-run from the SUT, seed and faults it names.
    #[arg(long, value_name = "FILE.json", conflicts_with_all = ["spec", "baseline"])]
    pub from_json: Option<PathBuf>,
    /// Check the trace with this LTL spec: the proofs are shown and the first failing event
    /// is highlighted in the chart.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["store", "db"])]
    pub spec: Option<PathBuf>,
    /// A failure-free trace of the same system: the page draws its lineage with the supports
    /// that `--trace`'s faults (its header's `faults`) break (default: the lineage of
    /// `--trace` itself).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["store", "db"])]
    pub baseline: Option<PathBuf>,
    /// Where to write the page (`-`: standard output). Required but for a store's text report.
    #[arg(short = 'o', long = "output", value_name = "OUT.html")]
    pub output: Option<PathBuf>,
    /// A store's report as JSON (`"schema": "faultline-report/v1"`).
    #[arg(long)]
    pub json: bool,
    /// A store's report as JUnit XML, one test case per search.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// A store's report as GitHub Actions annotations and a job summary.
    #[arg(long)]
    pub github: bool,
}

/// Runs `faultline report`.
pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let store = args.store.clone().or_else(|| args.db.clone());
    let report = match (&store, &args.from_json, &args.trace, &args.output) {
        (Some(db), _, _, None) => {
            return super::store_report::run(&super::store_report::StoreReport {
                db: db.clone(),
                search: args.search,
                json: args.json,
                junit: args.junit.clone(),
                github: args.github,
            });
        }
        (Some(db), _, _, Some(_)) => {
            let json = super::store_report::search_json(db, args.search)?;
            search_report(&json).with_context(|| db.display().to_string())?
        }
        (None, Some(path), _, _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read the search", path.display()))?;
            let json: Value = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: expected the JSON of `faultline explore --json`",
                    path.display()
                )
            })?;
            search_report(&json).with_context(|| path.display().to_string())?
        }
        (None, None, Some(path), _) => {
            let trace = faultline_trace::read_trace(path)?;
            let baseline = args
                .baseline
                .as_deref()
                .map(faultline_trace::read_trace)
                .transpose()?;
            trace_report(
                trace,
                &path.display().to_string(),
                args.spec.as_deref(),
                baseline,
            )?
        }
        (None, None, None, _) => bail!("give a run store, --trace FILE or --from-json FILE.json"),
    };
    let Some(output) = &args.output else {
        bail!("-o OUT.html: where to write the page");
    };
    write_page(output, &faultline_report::render(&report))?;
    Ok(ExitCode::SUCCESS)
}

/// The built-in SUT named `name`, if there is one: the one place the report looks SUTs up.
pub(crate) fn builtin_system(name: &str) -> Option<&'static System> {
    faultline_suts::get(name)
}

/// Writes `page` to `path` through a temporary file beside it (a reader never sees half a
/// page), or to standard output for `-`.
pub(crate) fn write_page(path: &Path, page: &str) -> anyhow::Result<()> {
    if path == Path::new("-") {
        return Ok(super::write_stdout(page)?);
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".report.").suffix(".tmp");
    // The mode a plain create would give (0666 less the umask), not the temporary file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create the page", path.display()))?;
    temp.write_all(page.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write the page", path.display()))?;
    temp.persist(path)
        .map_err(|err| err.error)
        .with_context(|| format!("{}: cannot write the page", path.display()))?;
    Ok(())
}

/// The page for one trace.
pub(crate) fn trace_report(
    trace: Trace,
    name: &str,
    spec: Option<&Path>,
    baseline: Option<Trace>,
) -> anyhow::Result<Report> {
    let mut report = Report {
        title: format!("{} — {}", trace.header.sut, name),
        ..Report::default()
    };
    let faults = trace.header.faults.clone();
    let lineage_of = baseline.as_ref().unwrap_or(&trace);
    let label = if baseline.is_some() {
        "lineage of the baseline run's outcome"
    } else {
        "lineage of this run's outcome"
    };
    let highlighted = if baseline.is_some() {
        faults.clone()
    } else {
        Vec::new()
    };
    match lineage_section(lineage_of, None, label, highlighted) {
        Ok(section) => report.lineage = section,
        Err(err) => report.notes.push(format!("no lineage graph: {err:#}")),
    }
    let run = run_section(trace, name.to_string(), spec, &mut report.notes)?;
    let header = &run.trace.header;
    let failing = run.properties.iter().filter(|p| !p.holds).count();
    let anomalies = run
        .elle
        .as_ref()
        .filter(|elle| elle.valid == "invalid")
        .map(|elle| elle.anomaly_types.join(", "));
    let (verdict, headline) = match (failing, header.verdict) {
        (1, _) => ("fails", "1 LTL property fails on this run".to_string()),
        (2.., _) => (
            "fails",
            format!("{failing} LTL properties fail on this run"),
        ),
        (0, _) if anomalies.is_some() => (
            "invalid",
            format!(
                "elle-lite: the client history is not strict-serializable ({}){}",
                anomalies.unwrap_or_default(),
                // The run's own judgement, when it found a bug too, is not hidden by elle's.
                match header.verdict {
                    Some(verdict) if verdict.as_str() == "bad" => "; the trace's own verdict: bad",
                    _ => "",
                }
            ),
        ),
        (0, _) if !run.properties.is_empty() => {
            ("holds", "every LTL property holds on this run".into())
        }
        (0, Some(verdict)) => (
            verdict.as_str(),
            format!("the trace's own verdict: {}", verdict.as_str()),
        ),
        (0, None) => ("trace", "one run (its header gives no verdict)".to_string()),
    };
    let reproducer = builtin_system(&header.sut).map(|system| {
        let eot = header
            .failure_spec
            .map(|spec| spec.eot)
            .unwrap_or_else(|| system.default_spec().eot);
        let spec = FailureSpec {
            eot,
            ..system.default_spec()
        };
        super::explore::reproducer(system, header.seed, &spec, &header.faults)
    });
    report.banner = Some(Banner {
        verdict: verdict.to_string(),
        headline,
        reproducer,
    });
    report.run = Some(run);
    Ok(report)
}

/// The chart, step-through, proofs and anomalies of one trace (elle-lite's default model,
/// strict-serializable).
pub(crate) fn run_section(
    trace: Trace,
    label: String,
    spec: Option<&Path>,
    notes: &mut Vec<String>,
) -> anyhow::Result<RunSection> {
    run_section_under(trace, label, spec, &[], notes)
}

/// [`run_section`] with elle-lite under `models` (none: its default), so that a search's page
/// judges the client history as the search did.
fn run_section_under(
    trace: Trace,
    label: String,
    spec: Option<&Path>,
    models: &[String],
    notes: &mut Vec<String>,
) -> anyhow::Result<RunSection> {
    let (properties, failing_event) = match spec {
        Some(path) => check_properties(&trace, path)?,
        None => (Vec::new(), None),
    };
    let elle = if trace.events.iter().any(|e| is_client(e.kind)) {
        match elle_section(&trace, &label, models) {
            Ok(section) => Some(section),
            Err(err) => {
                notes.push(format!(
                    "elle-lite could not read the client history: {err:#}"
                ));
                None
            }
        }
    } else {
        None
    };
    Ok(RunSection {
        label,
        trace,
        failing_event,
        properties,
        elle,
    })
}

fn is_client(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Invoke | EventKind::Ok | EventKind::Fail | EventKind::Info
    )
}

/// Each property's verdict and proof, and the first failing event of the first property
/// that fails.
fn check_properties(
    trace: &Trace,
    path: &Path,
) -> anyhow::Result<(Vec<PropertySection>, Option<u64>)> {
    let spec_name = path.display().to_string();
    let source = std::fs::read_to_string(path)
        .with_context(|| format!("{spec_name}: cannot read the spec"))?;
    let spec = faultline_ltl::parse_spec(&source, &spec_name)?;
    if trace.events.is_empty() {
        bail!("the trace has no events to check {spec_name} on");
    }
    let model = faultline_ltl::TraceModel::new(trace)?;
    let mut sections = Vec::new();
    let mut failing = None;
    for property in &spec.properties {
        let evaluation = faultline_ltl::Evaluation::for_property(property, &model)
            .with_context(|| format!("{spec_name}:{}", property.line))?;
        let holds = evaluation.holds(0);
        if !holds && failing.is_none() {
            let json = faultline_ltl::render::json(property, &evaluation, false);
            failing = failing_event(&json["proof"]);
        }
        sections.push(PropertySection {
            name: property.name.clone(),
            holds,
            presumptive: evaluation.presumptive(0),
            proof: faultline_ltl::render::text(property, &evaluation, false),
        });
    }
    Ok((sections, failing))
}

/// The event a failing proof points at: the first `failing` on the way down from the root
/// (the event where a `G`, `H` or `R` body first fails), else the deepest `at`.
fn failing_event(proof: &Value) -> Option<u64> {
    fn first_failing(value: &Value) -> Option<u64> {
        match value {
            Value::Object(map) => map
                .get("failing")
                .and_then(Value::as_u64)
                .or_else(|| map.values().find_map(first_failing)),
            Value::Array(items) => items.iter().find_map(first_failing),
            _ => None,
        }
    }
    fn deepest_at(value: &Value, depth: usize, best: &mut Option<(usize, u64)>) {
        match value {
            Value::Object(map) => {
                if let Some(at) = map.get("at").and_then(Value::as_u64)
                    && best.is_none_or(|(d, _)| depth > d)
                {
                    *best = Some((depth, at));
                }
                for child in map.values() {
                    deepest_at(child, depth + 1, best);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| deepest_at(v, depth + 1, best)),
            _ => {}
        }
    }
    first_failing(proof).or_else(|| {
        let mut best = None;
        deepest_at(proof, 0, &mut best);
        best.map(|(_, at)| at)
    })
}

fn elle_section(trace: &Trace, name: &str, models: &[String]) -> anyhow::Result<ElleSection> {
    let history = super::elle::history_from_events(trace, name)?;
    let mut options = elle_lite::CheckOptions::default();
    if !models.is_empty() {
        options.consistency_models = Some(models.to_vec());
    }
    let result = elle_lite::check(&history, &options)?;
    Ok(ElleSection {
        valid: match result.valid {
            elle_lite::Validity::Valid => "valid",
            elle_lite::Validity::Invalid => "invalid",
            elle_lite::Validity::Unknown => "unknown",
        }
        .to_string(),
        anomaly_types: result.anomaly_types.clone(),
        text: result.render(),
    })
}

/// The lineage of `trace`'s outcome (`goal`, else the header's goal, else every last
/// derivation), with what `faults` break in it. `Ok(None)` when there is nothing to draw.
fn lineage_section(
    trace: &Trace,
    goal: Option<Vec<u64>>,
    label: &str,
    faults: Vec<Fault>,
) -> anyhow::Result<Option<LineageSection>> {
    let goal = goal
        .or_else(|| trace.header.goal.as_ref().map(|g| g.events()))
        .filter(|g| !g.is_empty())
        .unwrap_or_else(|| default_goal(trace));
    if goal.is_empty() {
        return Ok(None);
    }
    let graph = build_lineage(trace, &goal)?;
    Ok(Some(LineageSection::new(label, graph, faults)))
}

/// The page for a search, from `faultline explore --json` (with `--show-runs` for the run
/// table and the coverage chart).
pub(crate) fn search_report(json: &Value) -> anyhow::Result<Report> {
    let schema = json.get("schema").and_then(Value::as_str).unwrap_or("");
    if schema != "faultline-explore/v1" {
        bail!(
            "`schema`: expected \"faultline-explore/v1\" (the JSON of `faultline explore --json`), found {schema:?}"
        );
    }
    let summary = summary(json)?;
    let counterexample: Option<Vec<Fault>> = match json.get("counterexample") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            serde_json::from_value(v.clone()).context("`counterexample`: expected a fault set")?,
        ),
    };
    let verdict = json["verdict"].as_str().unwrap_or("unknown").to_string();
    let mut report = Report {
        title: format!("{}: {}", summary.sut, verdict.replace('_', " ")),
        banner: Some(Banner {
            headline: headline(&summary, &verdict, counterexample.as_deref()),
            verdict,
            reproducer: json["reproducer"].as_str().map(str::to_string),
        }),
        runs: history(json)?,
        ..Report::default()
    };
    if report.runs.is_none() {
        report.notes.push(
            "the search's JSON has no run history: run `faultline explore --json --show-runs` for the run table and the coverage chart".into(),
        );
    }
    let (sut, seed, spec, oracle, models) = (
        summary.sut.clone(),
        summary.seed,
        summary.spec,
        summary.oracle.clone(),
        summary.elle.clone(),
    );
    report.search = Some(summary);
    match (builtin_system(&sut), spec) {
        (Some(system), Some(spec)) => {
            let oracle = SearchOracle {
                spec_file: &oracle,
                elle: &models,
            };
            rerun(system, seed, spec, &oracle, counterexample, &mut report)?;
        }
        (None, _) => report.notes.push(format!(
            "`{sut}` is not a built-in SUT: the report cannot re-run its runs, so it shows no sequence chart or lineage (use `faultline report --trace` on the counterexample's trace)"
        )),
        (Some(_), None) => report
            .notes
            .push("the search's JSON has no `spec`: nothing to re-run".into()),
    }
    Ok(report)
}

/// The search's figures, as `faultline explore --json` prints them.
fn summary(json: &Value) -> anyhow::Result<SearchSummary> {
    let text = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_string);
    let number = |name: &str| json.get(name).and_then(Value::as_u64).unwrap_or(0);
    let decimal = |size: &str| {
        json["fault_space"][size]
            .as_str()
            .unwrap_or("?")
            .to_string()
    };
    Ok(SearchSummary {
        sut: text("sut").context("`sut`: missing")?,
        seed: number("seed"),
        strategy: text("strategy").unwrap_or_else(|| "ldfi".into()),
        oracle: text("oracle").unwrap_or_else(|| "built-in invariant".into()),
        spec: json
            .get("spec")
            .map(|v| serde_json::from_value(v.clone()))
            .transpose()
            .context("`spec`: expected a failure spec")?,
        runs: number("runs"),
        solver_calls: number("solver_calls"),
        solver_ms: json.get("solver_ms").and_then(Value::as_f64),
        wall_ms: json.get("wall_ms").and_then(Value::as_f64),
        fault_space_gross: decimal("gross"),
        fault_space_exact: decimal("exact"),
        explored_fraction: json["explored_fraction"].as_f64().unwrap_or(0.0),
        bound: json["bound_hit"]["bound"].as_str().map(str::to_string),
        inconclusive_reason: text("inconclusive_reason"),
        by_cover: json["by_cover"].as_bool().unwrap_or(false),
        elle: json["elle"]
            .as_array()
            .map(|models| {
                models
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The banner's line: what broke, or why there is nothing to show.
fn headline(summary: &SearchSummary, verdict: &str, counterexample: Option<&[Fault]>) -> String {
    // The oracle as `explore` names it: the invariant or the spec, and elle-lite's models.
    let base = if summary.oracle == "built-in invariant" {
        "the built-in invariant".to_string()
    } else {
        format!("the spec {}", summary.oracle)
    };
    let models = summary.elle.join(", ");
    match (counterexample, verdict) {
        (Some(faults), _) => {
            let faults: Vec<String> = faults.iter().map(Fault::short).collect();
            let oracle = if summary.elle.is_empty() {
                format!("{base} is violated")
            } else {
                format!("a run fails {base} or elle-lite ({models})")
            };
            format!("{oracle} under {}", faults.join(", "))
        }
        (None, "certified") if summary.strategy == "exhaustive" => format!(
            "every admissible fault set was run; none violates {base}{} ({} runs)",
            if models.is_empty() {
                String::new()
            } else {
                format!(" or elle-lite ({models})")
            },
            summary.runs
        ),
        // A certificate without lineage must not read like one from lineage.
        (None, "certified") if summary.by_cover => format!(
            "no run named a goal, so the search covered the space: every admissible fault set \
             was run, or adds to a run only faults that change nothing ({} runs)",
            summary.runs
        ),
        (None, "certified") => format!(
            "no admissible fault set breaks the outcome ({} runs)",
            summary.runs
        ),
        (None, "no_counterexample") => format!(
            "no counterexample in {} runs (random search never certifies)",
            summary.runs
        ),
        (None, _) => summary
            .inconclusive_reason
            .clone()
            .unwrap_or_else(|| "the search did not conclude".into()),
    }
}

/// The search's run history, if it has one.
fn history(json: &Value) -> anyhow::Result<Option<Vec<RunRow>>> {
    let Some(Value::Array(records)) = json.get("history") else {
        return Ok(None);
    };
    let mut rows = Vec::with_capacity(records.len());
    for (position, record) in records.iter().enumerate() {
        let faults: Vec<Fault> = serde_json::from_value(record["faults"].clone())
            .with_context(|| format!("`history[{position}].faults`: expected a fault set"))?;
        rows.push(RunRow {
            index: record["index"].as_u64().unwrap_or(position as u64),
            faults,
            outcome: record["outcome"].as_str().unwrap_or("?").to_string(),
            duration_ms: record["duration_ms"].as_f64(),
            finished_ms: record["finished_ms"].as_f64(),
        });
    }
    Ok(Some(rows))
}

/// A search's oracle as its JSON names it.
struct SearchOracle<'a> {
    /// `built-in invariant` or the spec file.
    spec_file: &'a str,
    /// elle-lite's models (none: no client-history oracle).
    elle: &'a [String],
}

/// Re-runs the failure-free run and the counterexample of a built-in SUT, fills the chart
/// (the counterexample, or the failure-free run of a search without one) and the lineage.
fn rerun(
    system: &'static System,
    seed: u64,
    spec: FailureSpec,
    oracle: &SearchOracle<'_>,
    counterexample: Option<Vec<Fault>>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let runner = faultline::search::runner(system, seed, spec);
    let spec_file =
        (oracle.spec_file != "built-in invariant").then(|| PathBuf::from(oracle.spec_file));
    let spec_oracle = match &spec_file {
        Some(path) => match SpecOracle::load(path) {
            Ok(oracle) => Some(oracle),
            Err(err) => {
                report.notes.push(format!(
                    "the oracle's spec cannot be read from here ({err:#}); the lineage goal is the built-in invariant's and no proof is shown"
                ));
                None
            }
        },
        None => None,
    };
    let failure_free = runner(&[]).map_err(anyhow::Error::msg)?;
    let goal = match &spec_oracle {
        Some(oracle) => {
            oracle
                .judge(&failure_free)
                .map_err(anyhow::Error::msg)?
                .goal
        }
        None => {
            InvariantOracle(system)
                .judge(&failure_free)
                .map_err(anyhow::Error::msg)?
                .goal
        }
    };
    let faults = counterexample.clone().unwrap_or_default();
    let goal = goal.events();
    // The search's lineage is what the oracle named; when it named nothing (elle-lite, or a
    // property without a goal), the graph drawn is not what the search reasoned with.
    let label = if !oracle.elle.is_empty() {
        report.notes.push(format!(
            "elle-lite ({}) names no goal, so the search did not use this lineage: it is the lineage of {}'s outcome on the failure-free run, for orientation",
            oracle.elle.join(", "),
            if spec_oracle.is_some() { "the spec" } else { "the built-in invariant" }
        ));
        "lineage of the failure-free run's outcome under the spec or invariant alone"
    } else if goal.is_empty() {
        report.notes.push(
            "the oracle named no goal on the failure-free run, so the search did not use lineage: the graph is the lineage of the run's last derivations, for orientation".into(),
        );
        "lineage of the failure-free run's last derivations (the oracle named no goal)"
    } else {
        "lineage of the failure-free run's outcome"
    };
    match lineage_section(&failure_free, Some(goal), label, faults) {
        Ok(section) => report.lineage = section,
        Err(err) => report.notes.push(format!("no lineage graph: {err:#}")),
    }
    let spec_path = spec_oracle.as_ref().and(spec_file.as_deref());
    let (trace, label) = match &counterexample {
        Some(faults) => (
            runner(faults).map_err(anyhow::Error::msg)?,
            format!("counterexample: {}", faults_to_json(faults)),
        ),
        None => (failure_free, "the failure-free run".to_string()),
    };
    report.run = Some(run_section_under(
        trace,
        label,
        spec_path,
        oracle.elle,
        &mut report.notes,
    )?);
    Ok(())
}
