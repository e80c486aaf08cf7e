//! `faultline bench report`: how long a report takes to generate for a large search, and how
//! big the page is. The first paint in a browser is measured by `scripts/bench-report.sh`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use faultline_ldfi::Oracle;
use faultline_report::{Banner, LineageSection, Report, RunRow, SearchSummary};
use faultline_trace::{FailureSpec, Fault};
use serde_json::json;

use faultline::search::InvariantOracle;

/// Arguments of `faultline bench report`.
#[derive(clap::Args, Debug)]
pub struct ReportBenchArgs {
    /// Events in the counterexample's trace, about (retry-deliv is run long enough).
    #[arg(long, default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(100..=2_000_000))]
    pub events: u64,
    /// Runs in the search (the run table and the coverage chart).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub runs: u64,
    /// Generate the page this many times; the figures are the median, minimum and maximum.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub repeats: u64,
    /// Keep the page here (for `scripts/bench-report.sh`, which times its first paint).
    #[arg(short = 'o', long = "output", value_name = "OUT.html")]
    pub output: Option<PathBuf>,
    /// Print JSON (`"schema": "faultline-bench/v1"`).
    #[arg(long)]
    pub json: bool,
}

/// The system the bench draws: retry-deliv re-sends every round, about 8 events per round.
const SUT: &str = "retry-deliv";

/// Runs `faultline bench report`.
pub fn run(args: ReportBenchArgs) -> anyhow::Result<ExitCode> {
    let system = super::report::builtin_system(SUT)
        .ok_or_else(|| anyhow::anyhow!("{SUT} is not built in"))?;
    let eot = (args.events / 7).max(8);
    // Two early omissions (dropped messages in the chart), a clog window, a late crash of a.
    let faults = vec![
        Fault::Omission {
            src: "a".into(),
            dst: "b".into(),
            at: 1,
        },
        Fault::Omission {
            src: "a".into(),
            dst: "c".into(),
            at: 2,
        },
        Fault::Clog {
            node: "c".into(),
            from: 3,
            to: 6,
        },
        Fault::Crash {
            node: "a".into(),
            at: eot - eot / 8,
        },
    ];
    let spec = FailureSpec {
        eot,
        eff: eot,
        max_crashes: 1,
        max_clogs: 1,
        ..FailureSpec::default()
    };
    let runner = faultline::search::runner(system, 0, spec);
    let simulated = Instant::now();
    let failure_free = runner(&[]).map_err(anyhow::Error::msg)?;
    let counterexample = runner(&faults).map_err(anyhow::Error::msg)?;
    let simulate = simulated.elapsed();
    let goal = InvariantOracle(system)
        .judge(&failure_free)
        .map_err(anyhow::Error::msg)?
        .goal;
    let rows = synthetic_runs(args.runs, eot);
    let path = match &args.output {
        Some(path) => path.clone(),
        None => std::env::temp_dir().join(format!(
            "faultline-bench-report-{}.html",
            std::process::id()
        )),
    };
    let mut times = Vec::new();
    let (mut page_bytes, mut vertices) = (0usize, 0usize);
    // The parts, once: lineage, layout (the page lays it out again inside `render`).
    let parts_started = Instant::now();
    let graph = faultline_ldfi::build_lineage(&failure_free, &goal.events())?;
    let lineage_ms = parts_started.elapsed();
    let layout_started = Instant::now();
    let layout = faultline_report::lineage_layout(&graph);
    let layout_ms = layout_started.elapsed();
    drop((graph, layout));
    for _ in 0..args.repeats {
        let started = Instant::now();
        let graph = faultline_ldfi::build_lineage(&failure_free, &goal.events())?;
        vertices = graph.graph.node_count();
        let report = Report {
            title: format!("{SUT}: counterexample (bench)"),
            banner: Some(Banner {
                verdict: "counterexample".into(),
                headline: "a synthetic search of the report bench".into(),
                reproducer: Some(super::explore::reproducer(system, 0, &spec, &faults)),
            }),
            search: Some(summary(args.runs, spec)),
            runs: Some(rows.clone()),
            run: Some(faultline_report::RunSection {
                label: "the bench's long run".into(),
                trace: counterexample.clone(),
                failing_event: counterexample.events.len().checked_sub(1).map(|i| i as u64),
                properties: Vec::new(),
                elle: None,
            }),
            lineage: Some(LineageSection::new(
                "lineage of the failure-free run",
                graph,
                faults.clone(),
            )),
            notes: Vec::new(),
        };
        let page = faultline_report::render(&report);
        super::report::write_page(&path, &page)?;
        times.push(started.elapsed());
        page_bytes = page.len();
    }
    if args.output.is_none() {
        let _ = std::fs::remove_file(&path);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (median, min, max) = (
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    let events = counterexample.events.len();
    if args.json {
        super::write_json(
            "bench",
            json!({
                "bench": "report", "sut": SUT, "eot": eot, "events": events, "runs": args.runs,
                "lineage_vertices": vertices, "simulate_ms": ms(simulate),
                "generate_ms": {"median": median, "min": min, "max": max, "repeats": args.repeats},
                "lineage_ms": ms(lineage_ms), "layout_ms": ms(layout_ms),
                "page_bytes": page_bytes,
                "output": args.output.as_ref().map(|p| p.display().to_string()),
            }),
            true,
        )?;
    } else {
        super::write_stdout(&format!(
            "report bench: {} runs; the chart's run has {events} events ({SUT}, EOT {eot}); the failure-free lineage has {vertices} vertices\n\
             simulating both runs: {:.0} ms (done once by `report --from-json`; not in the figure below)\n\
             generating the page (lineage, layout, HTML, write): median {median:.0} ms (min {min:.0}, max {max:.0}, {} repeats)\n\
             of which, once: lineage graph {:.0} ms, layered layout {:.0} ms\n\
             page size: {page_bytes} bytes ({:.2} MB)\n{}",
            args.runs,
            ms(simulate),
            args.repeats,
            ms(lineage_ms),
            ms(layout_ms),
            page_bytes as f64 / 1e6,
            args.output
                .as_ref()
                .map(|p| format!("page: {}\n", p.display()))
                .unwrap_or_default(),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(runs: u64, spec: FailureSpec) -> SearchSummary {
    SearchSummary {
        sut: SUT.into(),
        seed: 0,
        strategy: "ldfi".into(),
        oracle: "built-in invariant".into(),
        spec: Some(spec),
        runs,
        solver_calls: runs + 2,
        solver_ms: Some(runs as f64 * 0.8),
        wall_ms: Some(runs as f64 * 2.1),
        fault_space_gross: "123456789012345678901234567890".into(),
        fault_space_exact: "98765432109876543210".into(),
        explored_fraction: runs as f64 / 98_765_432_109_876_543_210.0,
        bound: None,
        inconclusive_reason: None,
        by_cover: false,
        elle: Vec::new(),
    }
}

/// `count` runs with varied fault sets and outcomes, the last one bad (deterministic).
fn synthetic_runs(count: u64, eot: u64) -> Vec<RunRow> {
    let nodes = ["a", "b", "c"];
    let mut finished_ms = 0.0;
    (0..count)
        .map(|index| {
            let mut faults = Vec::new();
            if index > 0 {
                faults.push(Fault::Omission {
                    src: "a".into(),
                    dst: nodes[1 + (index % 2) as usize].into(),
                    at: 1 + index % eot.saturating_sub(1).max(1),
                });
            }
            if index % 3 == 1 {
                faults.push(Fault::Crash {
                    node: nodes[(index % 3) as usize].into(),
                    at: 1 + index % eot,
                });
            }
            let outcome = if index + 1 == count {
                "bad"
            } else if index % 7 == 3 {
                "vacuous"
            } else {
                "good"
            };
            let duration_ms = 0.4 + (index % 17) as f64 * 0.05;
            finished_ms += duration_ms + 0.3;
            RunRow {
                index,
                faults,
                outcome: outcome.into(),
                duration_ms: Some(duration_ms),
                finished_ms: Some(finished_ms),
            }
        })
        .collect()
}
