//! `faultline merge`: the shards of a sharded search (`explore --shard K/N --db shard-K.db`)
//! united into one store, with the verdict of the whole search.
//!
//! Runs are united by id (a same-id, different-trace pair is nondeterminism: exit 4). The
//! merged verdict: a counterexample if any shard found one (the representative is the
//! smallest, in canonical order); certified only if every shard certified its share; else
//! inconclusive. Inputs are processed in shard order, whatever order they are given in, so the
//! merged store does not depend on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use faultline_ldfi::{canonical, minimal_sets};
use faultline_store::{NewSearch, SearchSummary, Store};
use faultline_trace::Fault;
use serde_json::{Value, json};

/// Arguments of `faultline merge`.
///
/// Exit codes: 0 certified, 1 counterexample, 2 bad input (a missing shard, shards of
/// different searches, an existing output file), 3 inconclusive, 4 nondeterminism.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The shard stores.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// The merged store to write (must not exist yet).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Fail unless exactly this many shards of the search are present.
    #[arg(long, value_name = "N")]
    pub expect_shards: Option<u64>,
    /// Print JSON (`"schema": "faultline-merge/v1"`).
    #[arg(long)]
    pub json: bool,
}

/// A shard's search as read back.
struct ShardSearch {
    index: u64,
    count: u64,
    base_key: String,
    summary: SearchSummary,
}

fn shard_of(summary: SearchSummary) -> anyhow::Result<ShardSearch> {
    let label = summary.shard.clone().unwrap_or_default();
    let (index, count) = label
        .split_once('/')
        .and_then(|(k, n)| Some((k.parse().ok()?, n.parse().ok()?)))
        .ok_or_else(|| anyhow::anyhow!("search #{} has a malformed shard {label:?}", summary.id))?;
    let config: Value = serde_json::from_str(&summary.config)?;
    let base_key = config["base_key"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("search #{} has no base key", summary.id))?
        .to_string();
    Ok(ShardSearch {
        index,
        count,
        base_key,
        summary,
    })
}

/// Runs `faultline merge`.
pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    if args.output.exists() {
        anyhow::bail!(
            "{}: already exists; merge writes a new store (remove it or choose another -o)",
            args.output.display()
        );
    }
    // Read every input first: which shard each holds, so that they are absorbed in order.
    let mut inputs: Vec<(u64, PathBuf)> = Vec::new();
    for path in &args.shards {
        let store = Store::open_existing(path)?;
        let shards: Vec<ShardSearch> = store
            .searches()?
            .into_iter()
            .filter(|s| s.shard.is_some())
            .map(shard_of)
            .collect::<anyhow::Result<_>>()?;
        let first = shards.iter().map(|s| s.index).min().ok_or_else(|| {
            anyhow::anyhow!("{}: holds no shard of a sharded search", path.display())
        })?;
        inputs.push((first, path.clone()));
    }
    inputs.sort();
    let mut merged = Store::open(&args.output)?;
    let mut conflicts = Vec::new();
    for (_, path) in &inputs {
        let (_, found) = merged.absorb(path)?;
        conflicts.extend(found);
    }
    let shards: Vec<ShardSearch> = merged
        .searches()?
        .into_iter()
        .filter(|s| s.shard.is_some())
        .map(shard_of)
        .collect::<anyhow::Result<_>>()?;
    let mut groups: BTreeMap<String, Vec<ShardSearch>> = BTreeMap::new();
    for shard in shards {
        groups
            .entry(shard.base_key.clone())
            .or_default()
            .push(shard);
    }
    if groups.len() != 1 {
        anyhow::bail!(
            "the inputs hold shards of {} different searches; merge the shards of one search",
            groups.len()
        );
    }
    let (base_key, mut shards) = groups.into_iter().next().expect("one group");
    shards.sort_by_key(|s| s.index);
    let count = shards[0].count;
    if shards.iter().any(|s| s.count != count) {
        anyhow::bail!("the inputs disagree on the number of shards");
    }
    if let Some(expected) = args.expect_shards
        && expected != count
    {
        anyhow::bail!("--expect-shards {expected}: the shards say there are {count}");
    }
    let present: BTreeSet<u64> = shards.iter().map(|s| s.index).collect();
    let missing: Vec<String> = (1..=count)
        .filter(|k| !present.contains(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!("missing shards: {}", missing.join(", "));
    }
    // The whole search: every shard's runs in shard order, each run once.
    let mut runs = Vec::new();
    let mut seen = BTreeSet::new();
    let mut counterexamples = Vec::new();
    for shard in &shards {
        for run in merged.search_runs(shard.summary.id)? {
            if seen.insert(run.run_id.clone()) {
                runs.push(run);
            }
        }
        counterexamples.extend(merged.counterexamples(shard.summary.id)?);
    }
    let mut found: Vec<(Vec<Fault>, (String, String, String))> = counterexamples
        .into_iter()
        .map(|entry| {
            let faults: Vec<Fault> = serde_json::from_str(&entry.1).unwrap_or_default();
            (canonical(&faults), entry)
        })
        .collect();
    found.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
    found.dedup_by(|a, b| a.0 == b.0);
    // A shard's counterexamples are minimal within its share; a subset may lie in another
    // share. Across the union only the subset-minimal ones are minimal counterexamples.
    let minimal = minimal_sets(
        &found
            .iter()
            .map(|(faults, _)| faults.clone())
            .collect::<Vec<_>>(),
    );
    found.retain(|(faults, _)| minimal.contains(faults));
    let verdicts: Vec<&str> = shards
        .iter()
        .map(|s| s.summary.verdict.as_deref().unwrap_or("unfinished"))
        .collect();
    let verdict = if !conflicts.is_empty() {
        "nondeterminism"
    } else if !found.is_empty() {
        "counterexample"
    } else if verdicts.iter().all(|v| *v == "certified") {
        "certified"
    } else if verdicts
        .iter()
        .all(|v| *v == "no_counterexample" || *v == "certified")
    {
        "no_counterexample"
    } else {
        "inconclusive"
    };
    let first = &shards[0].summary;
    let report: Value = first
        .report
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null);
    let exact = report["fault_space"]["exact"].as_str().unwrap_or("0");
    let exact_f: f64 = exact.parse().unwrap_or(0.0);
    let fraction = if exact_f > 0.0 {
        runs.len() as f64 / exact_f
    } else {
        0.0
    };
    let representative = found
        .first()
        .map(|(faults, (_, _, line))| json!({ "faults": faults, "reproducer": line }));
    let summary = json!({
        "verdict": verdict,
        "runs": runs.len(),
        "shards": shards.iter().map(|s| json!({
            "shard": format!("{}/{}", s.index, s.count),
            "verdict": s.summary.verdict,
            "runs": s.summary.runs,
        })).collect::<Vec<_>>(),
        "counterexample": representative,
        "counterexamples": found.iter().map(|(faults, _)| faults).collect::<Vec<_>>(),
        "fault_space": { "exact": exact },
        "explored_fraction": fraction,
        "nondeterminism": conflicts.iter().map(|c| json!({
            "run_id": c.run_id, "trace_hashes": [c.kept, c.other],
        })).collect::<Vec<_>>(),
    });
    let new = NewSearch {
        key: base_key,
        sut: first.sut.clone(),
        source: first.source.clone(),
        build_id: first.build_id.clone(),
        faultline_version: first.faultline_version.clone(),
        spec: first.spec.to_string(),
        strategy: first.strategy.clone(),
        seed: first.seed,
        oracle: first.oracle.clone(),
        config: json!({ "merged_shards": count }).to_string(),
        shard: None,
    };
    let entries: Vec<(String, String, String)> =
        found.iter().map(|(_, entry)| entry.clone()).collect();
    let id = merged.insert_merged_search(
        &new,
        &runs,
        &entries,
        verdict,
        &summary.to_string(),
        super::record::now(),
    )?;
    if args.json {
        let mut document = summary.clone();
        document["merged_search"] = json!(id);
        document["output"] = json!(args.output.display().to_string());
        super::write_json("merge", document, true)?;
    } else {
        let mut text = format!(
            "merged {count} shards of {} into {} (search #{id}): {verdict}, {} distinct runs, explored {fraction:.3e}\n",
            super::sanitize(&first.sut),
            args.output.display(),
            runs.len()
        );
        for (shard, v) in shards.iter().zip(&verdicts) {
            text.push_str(&format!(
                "  shard {}/{}: {v}, {} runs\n",
                shard.index, shard.count, shard.summary.runs
            ));
        }
        if let Some((faults, (_, _, line))) = found.first() {
            text.push_str(&format!(
                "  counterexample: {}\n  reproduce: {}\n",
                faultline_trace::faults_to_json(faults),
                super::sanitize(line)
            ));
        }
        for conflict in &conflicts {
            text.push_str(&format!(
                "  NONDETERMINISM: run {} has traces {} and {}\n",
                &conflict.run_id[..16],
                &conflict.kept[..16],
                &conflict.other[..16]
            ));
        }
        super::write_stdout(&text)?;
    }
    Ok(match verdict {
        "nondeterminism" => super::nondeterminism(),
        "counterexample" => super::bug_found(),
        "inconclusive" => super::inconclusive(),
        _ => ExitCode::SUCCESS,
    })
}
