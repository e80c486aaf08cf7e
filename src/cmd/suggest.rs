//! `faultline suggest`: LDFI over traces written by another simulator.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use faultline_ldfi::{
    GoalGuess, Outcome, Proposals, Proposer, canonical, check_foreign_trace, foreign_judgement,
};
use faultline_trace::{EventKind, FailureSpec, Fault, RunVerdict, Trace, faults_to_json};
use serde_json::{Value, json};

/// The version of `suggest`'s JSON output.
const SCHEMA: &str = "faultline-suggest/v1";

/// Arguments of `faultline suggest`.
///
/// Reads the traces of earlier runs (each header holds the faults injected, the run's verdict
/// and, for a good run, the goal its oracle states) and prints the next fault sets as one JSON
/// object: `{"schema": "faultline-suggest/v1", "proposals": [[fault...]...], "done": bool,
/// "verdict": "searching" | "certified" | "inconclusive" | "counterexample"}`. Exit 0 with
/// proposals or certified, 1 when a trace's verdict is bad, 2 on bad input, 3 inconclusive
/// (the space is exhausted only relative to a guessed goal, every run was vacuous, or the
/// solver gave up; `inconclusive_reason` says which).
///
/// With `--lines`, for shell loops: one proposal per line (a JSON fault list), nothing at all
/// when done (exit 0 certified, 3 inconclusive with the reason on stderr), and the
/// counterexample's fault list when a trace's verdict is bad (exit 1).
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
    /// For traces whose header states no `goal`: the good outcome is this fact (JSON, e.g.
    /// '["log","hello"]') wherever it is derived. Default: every fact derived in a run (every
    /// delivery when a trace has no `derive`). A guessed goal never yields a certificate.
    #[arg(long)]
    pub goal: Option<String>,
    /// For traces whose header states no `goal`: your property speaks only of nodes that never
    /// crash, so a goal fact at a node that crashed is not required. Without it a guessed goal
    /// binds only runs with the same crashed nodes.
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
    let guess = GoalGuess {
        fact: match &args.goal {
            Some(text) => Some(serde_json::from_str::<Value>(text).with_context(|| {
                format!("--goal {text:?}: expected a JSON fact such as '[\"log\",\"hello\"]'")
            })?),
            None => None,
        },
        crashed_nodes_exempt: args.crashed_nodes_exempt,
    };
    let mut traces = Vec::with_capacity(args.traces.len());
    for path in &args.traces {
        let trace = faultline_trace::read_trace(path)?;
        check_foreign_trace(&trace, &spec).with_context(|| format!("{}", path.display()))?;
        traces.push(trace);
    }
    if let Some(code) = nondeterminism(&args.traces, &traces)? {
        return Ok(code);
    }
    if let Some(fact) = &guess.fact {
        let derived = traces
            .iter()
            .flat_map(|t| &t.events)
            .any(|event| event.kind == EventKind::Derive && event.fact.as_ref() == Some(fact));
        if !derived {
            anyhow::bail!("--goal {fact}: no trace derives this fact (check its spelling)");
        }
    }
    if let Some(trace) = traces
        .iter()
        .find(|trace| trace.header.verdict == Some(RunVerdict::Bad))
    {
        if args.lines {
            super::write_stdout(&format!("{}\n", faults_to_json(&trace.header.faults)))?;
        } else {
            let out = json!({
                "schema": SCHEMA,
                "proposals": [],
                "done": true,
                "verdict": "counterexample",
                "counterexample": trace.header.faults,
            });
            super::write_stdout(&format!("{out}\n"))?;
        }
        return Ok(super::bug_found());
    }
    let mut proposer = Proposer::new(spec, args.solver_timeout_ms);
    let mut caveat: Option<String> = None;
    let mut tested = false;
    for trace in &traces {
        let judgement = foreign_judgement(trace, &guess);
        if judgement.outcome == Outcome::Good && !judgement.goal.is_empty() {
            tested = true;
            if caveat.is_none() {
                caveat.clone_from(&judgement.caveat);
            }
        }
        proposer
            .learn(&trace.header.faults, trace, &judgement)
            .with_context(|| format!("run {}: lineage", trace.header.run_id))?;
    }
    let proposals = match proposer.propose(usize::try_from(args.count).unwrap_or(usize::MAX)) {
        Proposals::Sets(sets) => sets,
        Proposals::Exhausted => {
            let reason = if !tested {
                Some("every run held only vacuously, so no run tested the outcome".to_string())
            } else {
                caveat.map(|caveat| {
                    format!("no fault set breaks every support found, but only relative to a goal that was not shown to cover the property: {caveat}")
                })
            };
            return finish(&args, reason);
        }
        Proposals::Unknown(reason) => {
            return finish(
                &args,
                Some(format!(
                    "the solver gave up ({reason}; raise --solver-timeout-ms)"
                )),
            );
        }
    };
    if args.lines {
        let lines: String = proposals
            .iter()
            .map(|faults| format!("{}\n", faults_to_json(faults)))
            .collect();
        super::write_stdout(&lines)?;
    } else {
        let out = json!({
            "schema": SCHEMA,
            "proposals": proposals,
            "done": false,
            "verdict": "searching",
        });
        super::write_stdout(&format!("{out}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Two runs of the same fault set that differ: the simulator is not deterministic, and every
/// lesson LDFI draws ("this fault set gives this run") is void. Exit 4, naming both files.
fn nondeterminism(paths: &[PathBuf], traces: &[Trace]) -> anyhow::Result<Option<ExitCode>> {
    let mut seen: BTreeMap<Vec<Fault>, (usize, String)> = BTreeMap::new();
    for (index, trace) in traces.iter().enumerate() {
        let events = serde_json::to_string(&trace.events)?;
        match seen.get(&canonical(&trace.header.faults)) {
            Some((first, earlier)) if *earlier != events => {
                eprintln!(
                    "error: nondeterminism: {} and {} ran the same faults {} but differ",
                    paths[*first].display(),
                    paths[index].display(),
                    faults_to_json(&trace.header.faults)
                );
                return Ok(Some(super::nondeterminism()));
            }
            Some(_) => {}
            None => {
                seen.insert(canonical(&trace.header.faults), (index, events));
            }
        }
    }
    Ok(None)
}

/// The search is over: certified (exit 0), or inconclusive for `reason` (exit 3).
fn finish(args: &SuggestArgs, reason: Option<String>) -> anyhow::Result<ExitCode> {
    let verdict = if reason.is_some() {
        "inconclusive"
    } else {
        "certified"
    };
    if args.lines {
        if let Some(reason) = &reason {
            eprintln!("inconclusive: {reason}");
        }
    } else {
        let out = json!({
            "schema": SCHEMA,
            "proposals": [],
            "done": true,
            "verdict": verdict,
            "inconclusive_reason": reason,
        });
        super::write_stdout(&format!("{out}\n"))?;
    }
    Ok(if reason.is_some() {
        super::inconclusive()
    } else {
        ExitCode::SUCCESS
    })
}
