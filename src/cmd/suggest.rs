//! `faultline suggest`: LDFI over traces written by another simulator.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use faultline_ldfi::{FaultModel, GoalGuess, Proposals, Proposer, canonical, check_foreign_trace};
use faultline_trace::{FailureSpec, Fault, RunVerdict, faults_to_json};

use super::suggest_store::{LearnedLoop, LearnedRun, Located};
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
    /// With `--db`, only the new ones are needed.
    #[arg(required_unless_present = "db")]
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
    #[command(flatten)]
    pub bounds: super::fault_bounds::FaultBoundArgs,
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
    /// Keep what was learned in this SQLite file and read only traces it has not seen: a
    /// call reads the new traces, replays the stored lessons and asks the solver exactly what
    /// the stateless call with every trace (in the order first given) asks, so the proposals
    /// are the same. Traces already stored may be passed again or left out. The file is tied
    /// to the failure spec and `--goal` options of its first call.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

/// Runs `faultline suggest`.
pub fn run(args: SuggestArgs) -> anyhow::Result<ExitCode> {
    let spec = args.bounds.apply(FailureSpec {
        eot: args.eot,
        eff: args.eff,
        max_crashes: args.crashes,
        max_clogs: args.clogs,
        ..FailureSpec::default()
    });
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
    let mut stored = match &args.db {
        Some(path) => Some(LearnedLoop::open(path, &spec, &guess)?),
        None => None,
    };
    let model = FaultModel::new(spec);
    let mut runs: Vec<LearnedRun> = match &stored {
        Some(stored) => stored.runs()?,
        None => Vec::new(),
    };
    let known = runs.len();
    // A file named twice is one run (with --db: one stored trace), learned once.
    let mut given = std::collections::BTreeSet::new();
    for path in &args.traces {
        let identity = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if !given.insert(identity) {
            continue;
        }
        let (shown, meta) = match &stored {
            Some(stored) => match stored.locate(path, &runs)? {
                Located::Known => continue,
                Located::New { absolute, meta } => (absolute, Some(meta)),
            },
            None => (path.display().to_string(), None),
        };
        let trace = faultline_trace::read_trace(path)?;
        check_foreign_trace(&trace, &spec).with_context(|| format!("{}", path.display()))?;
        runs.push(LearnedRun::read(shown, meta, &trace, &model, &guess)?);
    }
    // New runs against each other here; against the stored ones (checked among themselves
    // when stored) by the store, under its write lock.
    if let Some(code) = nondeterminism(&runs[known..])? {
        return Ok(code);
    }
    if let Some(fact) = &guess.fact
        && !runs.iter().any(|run| run.derives_goal)
    {
        anyhow::bail!("--goal {fact}: no trace derives this fact (check its spelling)");
    }
    if runs.is_empty() {
        anyhow::bail!("no traces: give the traces of the runs so far (this --db has none yet)");
    }
    if let Some(stored) = &mut stored
        && let Some(code) = stored.append(&runs[known..])?
    {
        return Ok(code);
    }
    if let Some(run) = runs.iter().find(|run| run.verdict == Some(RunVerdict::Bad)) {
        if args.lines {
            super::write_stdout(&format!("{}\n", faults_to_json(&run.faults)))?;
        } else {
            let out = json!({
                "schema": SCHEMA,
                "proposals": [],
                "done": true,
                "verdict": "counterexample",
                "counterexample": run.faults,
            });
            super::write_stdout(&format!("{out}\n"))?;
        }
        return Ok(super::bug_found());
    }
    let mut proposer = Proposer::new(spec, args.solver_timeout_ms);
    let caveat = runs
        .iter()
        .filter(|run| run.tested)
        .find_map(|run| run.caveat.clone());
    let tested = runs.iter().any(|run| run.tested);
    for run in &runs {
        proposer.learn_lesson(&run.lesson);
    }
    let proposals = match proposer.propose(usize::try_from(args.count).unwrap_or(usize::MAX)) {
        Proposals::Sets(sets) => sets,
        Proposals::Exhausted => {
            // As `explore` does: good runs that name no goal only rule out repeating
            // themselves, so running out of proposals means the space is covered.
            let held = runs.iter().any(|run| run.verdict == Some(RunVerdict::Good));
            let covered = held && runs.iter().all(LearnedRun::covers);
            if !tested && covered {
                return finish(&args, None, true);
            }
            let reason = if runs.iter().any(|run| run.lesson.async_goal()) {
                Some(ASYNC_GOALS.to_string())
            } else if !tested && held {
                Some(NOT_COVERED.to_string())
            } else if !tested {
                Some("every run held only vacuously, so no run tested the outcome".to_string())
            } else {
                caveat.map(|caveat| {
                    format!("no fault set breaks every support found, but only relative to a goal that was not shown to cover the property: {caveat}")
                })
            };
            return finish(&args, reason, false);
        }
        Proposals::Unknown(reason) => {
            return finish(
                &args,
                Some(format!(
                    "the solver gave up ({reason}; raise --solver-timeout-ms)"
                )),
                false,
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
fn nondeterminism(runs: &[LearnedRun]) -> anyhow::Result<Option<ExitCode>> {
    let mut seen: BTreeMap<Vec<Fault>, &LearnedRun> = BTreeMap::new();
    for run in runs {
        match seen.get(&canonical(&run.faults)) {
            Some(earlier) if earlier.events_hash != run.events_hash => {
                eprintln!(
                    "error: nondeterminism: {} and {} ran the same faults {} but differ",
                    earlier.path,
                    run.path,
                    faults_to_json(&run.faults)
                );
                return Ok(Some(super::nondeterminism()));
            }
            Some(_) => {}
            None => {
                seen.insert(canonical(&run.faults), run);
            }
        }
    }
    Ok(None)
}

/// Why runs that name no goal did not certify (as `explore` says it).
const NOT_COVERED: &str = "the runs name no goal, and the space is not shown covered: a run \
    held only vacuously under a scope that ignores late crashes, or a goal came with a caveat";

/// Why proposals running out over `async` traces with goals is no certificate.
const ASYNC_GOALS: &str = "the traces are async and name goals: there fault times are schedule \
     steps that a fault shifts, so a goal guides the search but does not show the space \
     covered (explore goes on covering; suggest cannot without the traces)";

/// The search is over: certified (exit 0; `by_cover` when no run named a goal), or
/// inconclusive for `reason` (exit 3).
fn finish(args: &SuggestArgs, reason: Option<String>, by_cover: bool) -> anyhow::Result<ExitCode> {
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
            "by_cover": by_cover,
        });
        super::write_stdout(&format!("{out}\n"))?;
    }
    Ok(if reason.is_some() {
        super::inconclusive()
    } else {
        ExitCode::SUCCESS
    })
}
