//! The report of `faultline explore`: text for people, JSON for machines.

use faultline_harness::System;
use faultline_ldfi::{BoundHit, ExploreReport, Outcome, Verdict};
use faultline_trace::{FailureSpec, Fault, faults_to_json};
use serde_json::json;

use super::{StrategyArg, Timing};

/// Why an inconclusive search is inconclusive: the search's own words, else the bound's.
pub(crate) fn inconclusive_reason(report: &ExploreReport) -> Option<String> {
    if report.verdict != Verdict::Inconclusive {
        return None;
    }
    if let Some(reason) = &report.inconclusive_reason {
        return Some(reason.clone());
    }
    Some(match &report.bound_hit {
        Some(BoundHit::RunsMax { runs_max }) => {
            format!("the run bound (--runs-max {runs_max}) stopped the search")
        }
        Some(BoundHit::SolverTimeout { reason }) => {
            format!("the solver gave up ({reason}; raise --solver-timeout-ms)")
        }
        Some(BoundHit::Interrupted) => {
            "interrupted (Ctrl-C or SIGTERM) before the search ended".to_string()
        }
        None => "the search ended without covering the fault space".to_string(),
    })
}

/// Whether `--strategy exhaustive` ran every admissible fault set: it stops early only at a
/// bound, or when the failure-free run is already bad.
fn exhaustive_complete(report: &ExploreReport) -> bool {
    report.bound_hit.is_none()
        && report
            .history
            .first()
            .is_some_and(|run| run.outcome != Outcome::Bad)
}

/// The one-line reproducer of a fault set.
/// What a search ran: the SUT, the seed of its runs and the oracle's spec file, if any.
#[derive(Clone)]
pub(crate) struct Target<'a> {
    pub sut: &'a System,
    pub seed: u64,
    pub spec_file: Option<String>,
    /// `--elle` models.
    pub elle: Vec<String>,
    pub show_runs: bool,
    pub strategy: StrategyArg,
}

/// The one-line reproducer of a fault set of `target`.
pub(crate) fn target_reproducer(target: &Target, spec: &FailureSpec, faults: &[Fault]) -> String {
    let line = reproducer(target.sut, target.seed, spec, faults);
    let line = match &target.spec_file {
        Some(file) => format!("{line} --spec {file}"),
        None => line,
    };
    if target.elle.is_empty() {
        return line;
    }
    // The run, then its client history through elle-lite.
    let models: String = target
        .elle
        .iter()
        .map(|m| format!(" --model {m}"))
        .collect();
    format!("{line} -o cex.jsonl; faultline elle cex.jsonl{models}")
}

pub(crate) fn reproducer(sut: &System, seed: u64, spec: &FailureSpec, faults: &[Fault]) -> String {
    let seed = if seed == 0 {
        String::new()
    } else {
        format!(" --seed {seed}")
    };
    format!(
        "faultline run --sut {}{seed} --eot {} --faults '{}'",
        sut.name(),
        spec.eot,
        faults_to_json(faults)
    )
}

pub(crate) fn report_json(
    target: &Target,
    report: &ExploreReport,
    timing: &Timing,
) -> serde_json::Value {
    let (sut, seed) = (target.sut, target.seed);
    let first = report.counterexamples.first();
    json!({
        "sut": sut.name(),
        "seed": seed,
        "spec": report.spec,
        "verdict": report.verdict.as_str(),
        "inconclusive_reason": inconclusive_reason(report),
        "by_cover": report.by_cover,
        "strategy": match target.strategy {
            StrategyArg::Ldfi => "ldfi",
            StrategyArg::Random => "random",
            StrategyArg::Exhaustive => "exhaustive",
        },
        "counterexample": first,
        "counterexamples": report.counterexamples,
        "reproducer": first.map(|faults| target_reproducer(target, &report.spec, faults)),
        "oracle": target.spec_file.as_deref().unwrap_or("built-in invariant"),
        "elle": target.elle,
        "runs": report.runs,
        "solver_calls": report.solver_calls,
        "solver_ms": timing.solver.as_secs_f64() * 1e3,
        "wall_ms": timing.total.as_secs_f64() * 1e3,
        "bound_hit": report.bound_hit,
        "fault_space": {
            "gross": report.fault_space.gross.to_string(),
            "exact": report.fault_space.exact.to_string(),
        },
        "explored_fraction": report.explored_fraction(),
        "coverage": timing.coverage,
        "history": target.show_runs.then(|| history_json(report, timing)),
    })
}

/// Every run with its time (`duration_ms`: the simulator making it; `finished_ms`: since the
/// search started).
fn history_json(report: &ExploreReport, timing: &Timing) -> Vec<serde_json::Value> {
    report
        .history
        .iter()
        .map(|record| {
            let mut value = serde_json::to_value(record).unwrap_or_default();
            let run = timing.runs.get(&record.index).copied().unwrap_or_default();
            value["duration_ms"] = json!(run.duration.map(|d| d.as_secs_f64() * 1e3));
            value["finished_ms"] = json!(run.finished.as_secs_f64() * 1e3);
            value
        })
        .collect()
}

/// "the spec FILE" or "the built-in invariant", joined by `conjunction` to elle-lite's models.
fn oracle_phrase(target: &Target, conjunction: &str) -> String {
    let base = match &target.spec_file {
        Some(file) => format!("the spec {file}"),
        None => "the built-in invariant".to_string(),
    };
    if target.elle.is_empty() {
        base
    } else {
        format!(
            "{base} {conjunction} elle-lite ({})",
            target.elle.join(", ")
        )
    }
}

pub(crate) fn report_text(target: &Target, report: &ExploreReport, timing: &Timing) -> String {
    let sut = target.sut;
    let spec = report.spec;
    let oracle = oracle_phrase(target, "and");
    let mut out = format!(
        "explore {} — EOT {}, EFF {}, crashes ≤ {}, clogs ≤ {}{}; oracle: {oracle}\n",
        sut.name(),
        spec.eot,
        spec.eff,
        spec.max_crashes,
        spec.max_clogs,
        crate::cmd::fault_bounds::describe(&spec)
    );
    let verdict = match report.verdict {
        Verdict::Counterexample if !target.elle.is_empty() => {
            format!(
                "COUNTEREXAMPLE: a run fails {}",
                oracle_phrase(target, "or")
            )
        }
        Verdict::Counterexample => format!("COUNTEREXAMPLE: {oracle} is violated"),
        Verdict::Certified if target.strategy == StrategyArg::Exhaustive => {
            format!("CERTIFIED: every admissible fault set was run; none violates {oracle}")
        }
        Verdict::Certified
            if report.by_cover && target.sut.time_model() == faultline_trace::TimeModel::Async =>
        {
            "CERTIFIED: in async time a goal only guides the search (faults move the steps of \
             what follows), so the search covered the space: every admissible fault set was \
             run, or adds to a run only faults that change nothing"
                .to_string()
        }
        Verdict::Certified if report.by_cover => "CERTIFIED: no run named a goal, so the search \
             covered the space: every admissible fault set was run, or adds to a run only faults \
             that change nothing"
            .to_string(),
        Verdict::Certified => "CERTIFIED: no admissible fault set breaks the outcome".to_string(),
        Verdict::NoCounterexample => format!("no counterexample in {} runs", report.runs),
        Verdict::Inconclusive => format!(
            "INCONCLUSIVE: {}",
            inconclusive_reason(report).unwrap_or_default()
        ),
    };
    if target.show_runs {
        for record in &report.history {
            let faults: Vec<String> = record.faults.iter().map(Fault::short).collect();
            let faults = if faults.is_empty() {
                "no faults".to_string()
            } else {
                faults.join(", ")
            };
            out.push_str(&format!(
                "run {:>4}: {:<8} {faults}\n",
                record.index,
                record.outcome.as_str()
            ));
        }
    }
    out.push_str(&format!("verdict: {verdict}\n"));
    for faults in &report.counterexamples {
        let list: Vec<String> = faults.iter().map(Fault::short).collect();
        out.push_str(&format!("  faults: {}\n", list.join(", ")));
        out.push_str(&format!(
            "  reproduce: {}\n",
            target_reproducer(target, &spec, faults)
        ));
    }
    if target.strategy == StrategyArg::Exhaustive
        && report.verdict == Verdict::Counterexample
        && exhaustive_complete(report)
    {
        out.push_str(&format!(
            "every admissible fault set was run: {} minimal counterexample(s)\n",
            report.counterexamples.len()
        ));
    }
    match &report.bound_hit {
        Some(BoundHit::RunsMax { runs_max }) => {
            out.push_str(&format!("bound hit: --runs-max {runs_max}\n"));
        }
        Some(BoundHit::SolverTimeout { reason }) => {
            out.push_str(&format!("bound hit: solver timeout ({reason})\n"));
        }
        Some(BoundHit::Interrupted) => {
            out.push_str("bound hit: interrupted (Ctrl-C or SIGTERM)\n");
        }
        None => {}
    }
    out.push_str(&format!(
        "runs: {} (failure-free and failing runs included), wall {:.1} ms\n",
        report.runs,
        timing.total.as_secs_f64() * 1e3
    ));
    out.push_str(&format!(
        "solver: {} calls, {:.1} ms\n",
        report.solver_calls,
        timing.solver.as_secs_f64() * 1e3
    ));
    out.push_str(&format!(
        "fault space: {} (Molly's gross estimate), {} (exact count)\n",
        report.fault_space.gross, report.fault_space.exact
    ));
    out.push_str(&format!(
        "explored: {} runs = {:.3e} of the exact fault space\n",
        report.runs,
        report.explored_fraction()
    ));
    out.push_str(&timing.coverage.summary());
    out
}
