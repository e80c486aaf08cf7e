//! `faultline suggest`: LDFI over traces written by another simulator.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use faultline_ldfi::{Proposals, Proposer, build_lineage, select_goal};
use faultline_trace::{FailureSpec, NodeId, RunVerdict, faults_to_json};
use serde_json::json;

/// Arguments of `faultline suggest`.
///
/// Reads the traces of earlier runs (each header holds the faults injected and the run's
/// verdict) and prints the next fault sets as one JSON object: `{"proposals": [[fault...]...],
/// "done": bool, "verdict": "searching" | "certified" | "counterexample"}`. Exit 0 with
/// proposals or certified, 1 when a trace's verdict is bad, 2 on bad input.
///
/// With `--lines`, for shell loops: one proposal per line (a JSON fault list), nothing at all
/// when certified, and the counterexample's fault list when a trace's verdict is bad (exit 1).
#[derive(clap::Args, Debug)]
pub struct SuggestArgs {
    /// Traces of the runs so far (the failure-free run first is customary, not required).
    #[arg(required = true)]
    pub traces: Vec<PathBuf>,
    /// End of time.
    #[arg(long)]
    pub eot: u64,
    /// End of finite failures: messages sent before it may be lost.
    #[arg(long)]
    pub eff: u64,
    /// At most this many crashes.
    #[arg(long, default_value_t = 0)]
    pub crashes: u32,
    /// At most this many clog windows.
    #[arg(long, default_value_t = 0)]
    pub clogs: u32,
    /// Propose up to this many fault sets.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub count: u64,
    /// Each solver check gives up after this many milliseconds.
    #[arg(long, default_value_t = 60_000)]
    pub solver_timeout_ms: u32,
    /// Print one fault list per line (nothing when certified) instead of a JSON object.
    #[arg(long)]
    pub lines: bool,
    /// The good outcome is this fact (JSON, e.g. '["log","hello"]') wherever it is derived.
    /// Default: every fact derived in a run (every delivery when a trace has no `derive`).
    #[arg(long)]
    pub goal: Option<String>,
    /// Your property speaks only of nodes that never crash: a goal fact at a node that crashed
    /// is not required, so LDFI does not try to break the outcome by crashing that node.
    #[arg(long)]
    pub crashed_nodes_exempt: bool,
}

/// Runs `faultline suggest`.
pub fn run(args: SuggestArgs) -> anyhow::Result<ExitCode> {
    let spec = FailureSpec {
        eot: args.eot,
        eff: args.eff,
        max_crashes: args.crashes,
        max_clogs: args.clogs,
    };
    super::explore::check_spec(&spec)?;
    let mut traces = Vec::with_capacity(args.traces.len());
    for path in &args.traces {
        let trace = faultline_trace::read_trace(path)?;
        let verdict = trace.header.verdict.with_context(|| {
            format!(
                "{}:1: field `verdict`: expected \"good\", \"vacuous\" or \"bad\" (the run's outcome)",
                path.display()
            )
        })?;
        traces.push((path, trace, verdict));
    }
    if let Some((_, trace, _)) = traces
        .iter()
        .find(|(_, _, verdict)| *verdict == RunVerdict::Bad)
    {
        if args.lines {
            println!("{}", faults_to_json(&trace.header.faults));
        } else {
            let out = json!({
                "proposals": [],
                "done": true,
                "verdict": "counterexample",
                "counterexample": trace.header.faults,
            });
            println!("{out}");
        }
        return Ok(super::bug_found());
    }
    let mut proposer = Proposer::new(spec, args.solver_timeout_ms);
    for (_, trace, _) in &traces {
        proposer.observe(trace);
    }
    let fact = match &args.goal {
        Some(text) => Some(
            serde_json::from_str::<serde_json::Value>(text).with_context(|| {
                format!("--goal {text:?}: expected a JSON fact such as '[\"log\",\"hello\"]'")
            })?,
        ),
        None => None,
    };
    for (path, trace, verdict) in &traces {
        if *verdict == RunVerdict::Vacuous {
            // Held only because its precondition failed: nothing of it is a support to break.
            proposer.add_vacuous_run(&trace.header.faults, trace);
            continue;
        }
        let goal = select_goal(trace, fact.as_ref(), None);
        let mut lineage = build_lineage(trace, &goal)
            .with_context(|| format!("{}: lineage annotations", path.display()))?;
        if args.crashed_nodes_exempt {
            let exempt: BTreeMap<u64, NodeId> = goal
                .iter()
                .filter_map(|&id| Some((id, trace.event(id)?.actor()?.clone())))
                .collect();
            lineage.exempt_if_crashed(&exempt);
        }
        if lineage.is_empty() {
            proposer.add_vacuous_run(&trace.header.faults, trace);
        } else {
            proposer.add_good_run(&trace.header.faults, trace, &lineage);
        }
    }
    let proposals = match proposer.propose(usize::try_from(args.count).unwrap_or(usize::MAX)) {
        Proposals::Sets(sets) => sets,
        Proposals::Exhausted => Vec::new(),
        Proposals::Unknown(reason) => {
            anyhow::bail!("the solver gave up: {reason} (raise --solver-timeout-ms)")
        }
    };
    if args.lines {
        for faults in &proposals {
            println!("{}", faults_to_json(faults));
        }
    } else if proposals.is_empty() {
        println!(
            "{}",
            json!({"proposals": [], "done": true, "verdict": "certified"})
        );
    } else {
        let out = json!({"proposals": proposals, "done": false, "verdict": "searching"});
        println!("{out}");
    }
    Ok(ExitCode::SUCCESS)
}
