//! `faultline suggest`: LDFI over traces written by another simulator.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use faultline_ldfi::{Proposals, Proposer, build_lineage, default_goal};
use faultline_trace::{FailureSpec, RunVerdict, faults_to_json};
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
                "{}:1: field `verdict`: expected \"good\" or \"bad\" (the run's outcome)",
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
    for (path, trace, _) in &traces {
        let goal = default_goal(trace);
        let lineage = build_lineage(trace, &goal)
            .with_context(|| format!("{}: lineage annotations", path.display()))?;
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
