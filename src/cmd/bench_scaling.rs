//! `faultline bench scaling`: how a search grows with the length of its runs (EOT) and with
//! the number of nodes — total time, solver time and the longest single solver call.

use std::time::Duration;

use faultline::search::InvariantOracle;
use faultline_ldfi::ExploreConfig;
use faultline_trace::FailureSpec;
use serde_json::json;

use super::explore::{Extras, lookup_sut, search};

/// Arguments of `faultline bench scaling` (about a minute; `--quick`: seconds).
#[derive(clap::Args, Debug)]
pub struct ScalingBenchArgs {
    /// Only the smallest point of each curve, and no certifying async search (a smoke test).
    #[arg(long)]
    quick: bool,
    /// Print JSON (`"schema": "faultline-bench-scaling/v1"`).
    #[arg(long)]
    json: bool,
}

/// Runs per search (a bound hit is reported as INCONCLUSIVE).
const RUNS_MAX: u64 = 2_000;

/// One point of a curve: a SUT and its failure spec.
struct Point {
    curve: &'static str,
    sut: String,
    spec: FailureSpec,
}

fn points(quick: bool) -> Vec<Point> {
    let spec = |eot: u64, eff: u64, crashes: u32| FailureSpec {
        eot,
        eff,
        max_crashes: crashes,
        max_clogs: 0,
        ..FailureSpec::default()
    };
    let take = if quick { 1 } else { usize::MAX };
    let mut out = Vec::new();
    // Async: EOT is the step bound, messages sent in the first 30 steps may be lost (the
    // SUT's spec); with a crash the search finds the bug, without one it covers what it can.
    // (--quick: the crash case only; certifying takes seconds in a debug build.)
    for crashes in if quick { vec![1] } else { vec![1, 0] } {
        for eot in [100, 1_000, 10_000].into_iter().take(take) {
            out.push(Point {
                curve: "EOT",
                sut: "async-ack-deliv".into(),
                spec: spec(eot, 30, crashes),
            });
        }
    }
    // Relay with acks, every message but the last round's droppable: minimal fault sets grow
    // with the rounds.
    for eot in [20, 40, 80].into_iter().take(take) {
        out.push(Point {
            curve: "EOT (EFF = EOT − 1)",
            sut: "relay-chain-ack-3".into(),
            spec: spec(eot, eot - 1, 0),
        });
    }
    for nodes in (3..=9).take(take) {
        out.push(Point {
            curve: "nodes",
            sut: format!("relay-chain-ack-{nodes}"),
            spec: spec(20, 19, 0),
        });
    }
    out
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Runs `faultline bench scaling`.
pub fn run(args: &ScalingBenchArgs) -> anyhow::Result<()> {
    if !args.json {
        super::write_stdout(&format!(
            "{:<20} {:<18} {:>12} {:<15} {:>6} {:>7} {:>10} {:>11} {:>10}\n",
            "curve",
            "sut",
            "EOT/EFF/C",
            "verdict",
            "runs",
            "solves",
            "solver ms",
            "max call ms",
            "wall ms"
        ))?;
    }
    let mut rows = Vec::new();
    for point in points(args.quick) {
        let sut = lookup_sut(&point.sut)?;
        let mut config = ExploreConfig::new(point.spec);
        // async-ack-deliv without crashes no longer certifies from its goal (in async a goal
        // only guides; certifying means covering 2^sends omission sets): the row shows how
        // far 2,000 runs get.
        config.runs_max = RUNS_MAX;
        let (report, timing) = search(
            sut,
            0,
            &config,
            &InvariantOracle(sut),
            false,
            Extras::none(),
        )?;
        let spec = format!(
            "{}/{}/{}",
            point.spec.eot, point.spec.eff, point.spec.max_crashes
        );
        if args.json {
            rows.push(json!({
                "curve": point.curve, "sut": point.sut, "eot": point.spec.eot,
                "eff": point.spec.eff, "crashes": point.spec.max_crashes,
                "verdict": report.verdict.as_str(), "runs": report.runs,
                "solver_calls": report.solver_calls, "solver_ms": ms(timing.solver),
                "max_solver_call_ms": ms(timing.solver_max), "wall_ms": ms(timing.total),
            }));
        } else {
            super::write_stdout(&format!(
                "{:<20} {:<18} {:>12} {:<15} {:>6} {:>7} {:>10.1} {:>11.1} {:>10.1}\n",
                point.curve,
                point.sut,
                spec,
                report.verdict.as_str(),
                report.runs,
                report.solver_calls,
                ms(timing.solver),
                ms(timing.solver_max),
                ms(timing.total)
            ))?;
        }
    }
    if args.json {
        super::write_json("bench-scaling", json!({ "rows": rows }), true)?;
    }
    Ok(())
}
