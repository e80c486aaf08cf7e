//! `faultline bench coordination`: runs to each coordination system's bug — LDFI (the solver
//! proposing omissions, crashes, restarts, swizzle-clogs and skews as the row's failure spec
//! admits) against random fault sets from the same spec and against random swizzle-clogs
//! (FoundationDB's episode, `faultline run --swizzle-clog`).

use std::time::Instant;

use faultline::search::InvariantOracle;
use faultline_harness::{RunConfig, node_rng, swizzle_clog_until};
use faultline_ldfi::{ExploreConfig, Strategy, Verdict};
use faultline_trace::{FailureSpec, RunVerdict, faults_to_json};
use serde_json::json;

use super::explore::{Extras, lookup_sut, search};

/// Arguments of `faultline bench coordination`.
#[derive(clap::Args, Debug)]
pub struct CoordinationBenchArgs {
    /// Random searches per row: the means are over this many seeds.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    seeds: u64,
    /// Cap on the runs of one random search (a row that hits it says how many seeds found the
    /// bug).
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..))]
    runs_max: u64,
    /// Print JSON (`"schema": "faultline-bench-coordination/v1"`).
    #[arg(long)]
    json: bool,
}

/// One bug: a SUT and the failure spec it is searched with.
struct Row {
    label: &'static str,
    sut: &'static str,
    spec: fn(FailureSpec) -> FailureSpec,
}

const ROWS: &[Row] = &[
    Row {
        label: "store restart loses counters",
        sut: "sync-service",
        spec: |default| default,
    },
    Row {
        label: "skew past the switch",
        sut: "config-switch",
        spec: |default| default,
    },
    Row {
        label: "unreachable store (clog)",
        sut: "config-switch",
        spec: |default| FailureSpec {
            max_skews: 0,
            max_skew_ns: 0,
            skew_step_ns: 0,
            ..default
        },
    },
    Row {
        label: "two lock holders (clog)",
        sut: "zk-lock",
        spec: |default| default,
    },
    Row {
        label: "two lock holders (swizzle)",
        sut: "zk-lock",
        spec: |default| FailureSpec {
            max_clogs: 0,
            max_swizzles: 1,
            ..default
        },
    },
    Row {
        label: "double barrier blocks",
        sut: "zk-double-barrier",
        spec: |default| default,
    },
    Row {
        label: "late relay (swizzle)",
        sut: "classic-deliv",
        spec: |default| FailureSpec {
            eff: 0,
            max_crashes: 0,
            max_swizzles: 1,
            ..default
        },
    },
];

/// Mean runs to the first bad run and how many trials found one, over `seeds` trials of at
/// most `runs_max` runs each.
struct Baseline {
    mean: f64,
    found: u64,
}

impl Baseline {
    fn cell(&self, seeds: u64, runs_max: u64) -> String {
        if self.found == seeds {
            format!("{:.1}", self.mean)
        } else {
            format!("{}/{seeds} in {runs_max}", self.found)
        }
    }
}

/// Runs `faultline bench coordination`.
pub fn run(args: &CoordinationBenchArgs) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    if !args.json {
        super::write_stdout(&format!(
            "{:<28} {:<22} {:<15} {:>5} {:>9} {:>14} {:>14}  counterexample\n",
            "bug", "sut", "verdict", "runs", "wall ms", "random faults", "random swizzle"
        ))?;
    }
    for row in ROWS {
        let sut = lookup_sut(row.sut)?;
        let spec = (row.spec)(sut.default_spec());
        let config = ExploreConfig::new(spec);
        let started = Instant::now();
        let (report, _) = search(
            sut,
            0,
            &config,
            &InvariantOracle(sut),
            false,
            Extras::none(),
        )?;
        let wall_ms = started.elapsed().as_secs_f64() * 1e3;
        let mut random = Baseline {
            mean: 0.0,
            found: 0,
        };
        for seed in 0..args.seeds {
            let mut config = ExploreConfig::new(spec);
            config.strategy = Strategy::Random { seed };
            config.runs_max = args.runs_max;
            let (result, _) = search(
                sut,
                0,
                &config,
                &InvariantOracle(sut),
                false,
                Extras::none(),
            )?;
            random.mean += result.runs as f64;
            random.found += u64::from(result.verdict == Verdict::Counterexample);
        }
        random.mean /= args.seeds as f64;
        let swizzle = swizzle_baseline(sut, spec, args.seeds, args.runs_max)?;
        let counterexample = report
            .counterexamples
            .first()
            .map(|faults| faults_to_json(faults));
        if args.json {
            rows.push(json!({
                "bug": row.label, "sut": row.sut, "spec": spec,
                "verdict": report.verdict.as_str(), "runs": report.runs, "wall_ms": wall_ms,
                "counterexample": counterexample.as_deref().map(serde_json::from_str::<serde_json::Value>).transpose()?,
                "random_mean_runs": random.mean, "random_found": random.found,
                "swizzle_mean_runs": swizzle.mean, "swizzle_found": swizzle.found,
                "seeds": args.seeds, "runs_max": args.runs_max,
            }));
        } else {
            super::write_stdout(&format!(
                "{:<28} {:<22} {:<15} {:>5} {:>9.1} {:>14} {:>14}  {}\n",
                row.label,
                row.sut,
                report.verdict.as_str(),
                report.runs,
                wall_ms,
                random.cell(args.seeds, args.runs_max),
                swizzle.cell(args.seeds, args.runs_max),
                counterexample.unwrap_or_else(|| "-".into())
            ))?;
        }
    }
    if args.json {
        super::write_json("bench-coordination", json!({ "rows": rows }), false)?;
    } else {
        super::write_stdout(&format!(
            "runs include the failure-free run; random columns: mean runs over {} seeds until the \
             first bad run (\"k/{} in N\": only k seeds found it within N runs); random swizzle: \
             one FoundationDB swizzle-clog episode per run, as `faultline run --swizzle-clog`\n",
            args.seeds, args.seeds
        ))?;
    }
    Ok(())
}

/// Random swizzle-clogs: trial k runs the episodes of seeds k·runs_max, k·runs_max + 1, …
/// (each drawn as `faultline run --seed S --swizzle-clog` draws it) until one is bad.
fn swizzle_baseline(
    sut: &'static faultline_harness::System,
    spec: FailureSpec,
    seeds: u64,
    runs_max: u64,
) -> anyhow::Result<Baseline> {
    let mut baseline = Baseline {
        mean: 0.0,
        found: 0,
    };
    for trial in 0..seeds {
        let mut runs = 0;
        for attempt in 0..runs_max {
            let seed = trial * runs_max + attempt;
            let mut rng = node_rng(seed, u64::MAX - 1);
            let faults = swizzle_clog_until(sut.nodes(), 1, 2, spec.eot, &mut rng);
            let config = RunConfig {
                seed: 0,
                eot: spec.eot,
                faults,
                failure_spec: Some(spec),
            };
            runs += 1;
            let trace = sut.run(&config)?;
            if sut.check(&trace).verdict() == RunVerdict::Bad {
                baseline.found += 1;
                break;
            }
        }
        baseline.mean += runs as f64;
    }
    baseline.mean /= seeds as f64;
    Ok(baseline)
}
