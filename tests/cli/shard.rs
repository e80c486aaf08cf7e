//! `explore --shard K/N` + `faultline merge`: the shards' union is the unsharded search — the
//! same verdict and representative counterexample for N = 1, 2, 8, whatever order the shard
//! stores are merged in.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::faultline;

/// Runs every shard of `args` split `count` ways into its own store under `dir`.
fn shards(dir: &Path, args: &[&str], count: u64) -> Vec<PathBuf> {
    (1..=count)
        .map(|k| {
            let db = dir.join(format!("shard-{count}-{k}.db"));
            let output = faultline()
                .arg("explore")
                .args(args)
                .args(["--shard", &format!("{k}/{count}"), "--db"])
                .arg(&db)
                .output()
                .expect("runs");
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "shard {k}/{count}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            db
        })
        .collect()
}

/// `merge --json` of `inputs` into `output`.
fn merge(inputs: &[PathBuf], output: &Path, expect: u64) -> (i32, Value) {
    let result = faultline()
        .arg("merge")
        .args(inputs)
        .arg("-o")
        .arg(output)
        .args(["--expect-shards", &expect.to_string(), "--json"])
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&result.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&result.stderr)));
    (result.status.code().unwrap_or(-1), json)
}

fn same_answer_for_1_2_8(args: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut answers = Vec::new();
    for count in [1, 2, 8] {
        let inputs = shards(dir.path(), args, count);
        let (code, merged) = merge(
            &inputs,
            &dir.path().join(format!("merged-{count}.db")),
            count,
        );
        // Order does not matter: the same merge from the inputs reversed.
        let reversed: Vec<PathBuf> = inputs.iter().rev().cloned().collect();
        let (code_r, mut merged_r) = merge(
            &reversed,
            &dir.path().join(format!("merged-{count}-reversed.db")),
            count,
        );
        assert_eq!(code_r, code);
        merged_r["output"] = merged["output"].clone();
        assert_eq!(
            merged_r, merged,
            "merge depends on input order ({count} shards)"
        );
        answers.push((count, code, merged));
    }
    let (_, code_1, one) = &answers[0];
    for (count, code, merged) in &answers[1..] {
        assert_eq!(code, code_1, "{args:?}: exit code with {count} shards");
        assert_eq!(
            merged["verdict"], one["verdict"],
            "{args:?}: {count} shards"
        );
        assert_eq!(
            merged["counterexample"]["faults"], one["counterexample"]["faults"],
            "{args:?}: representative counterexample with {count} shards"
        );
    }
}

#[test]
fn a_counterexample_search_gives_the_same_answer_split_1_2_or_8_ways() {
    same_answer_for_1_2_8(&["--sut", "classic-deliv", "--all"]);
    same_answer_for_1_2_8(&["--sut", "retry-deliv", "--all"]);
}

#[test]
fn a_certified_search_stays_certified_split_1_2_or_8_ways() {
    same_answer_for_1_2_8(&["--sut", "redun-deliv", "--eot", "6", "--eff", "5"]);
    same_answer_for_1_2_8(&["--sut", "ack-deliv", "--eot", "6", "--eff", "4"]);
}

/// A search that certifies by covering the space (no run names a goal; here the failure-free
/// run even holds only vacuously) splits on what the failure-free run's deliveries rest on.
#[test]
fn a_search_without_a_goal_is_split_too() {
    same_answer_for_1_2_8(&[
        "--sut",
        "paxos",
        "--eot",
        "4",
        "--eff",
        "3",
        "--crashes",
        "1",
    ]);
}

#[test]
fn sharded_exhaustive_enumeration_partitions_the_space() {
    let dir = tempfile::tempdir().expect("temp dir");
    let args = ["--sut", "retry-deliv", "--strategy", "exhaustive"];
    let whole = faultline()
        .arg("explore")
        .args(args)
        .arg("--json")
        .output()
        .expect("runs");
    let whole: Value = serde_json::from_slice(&whole.stdout).expect("json");
    let total = whole["runs"].as_u64().expect("runs");
    let inputs = shards(dir.path(), &args, 4);
    let (_, merged) = merge(&inputs, &dir.path().join("merged.db"), 4);
    // Every shard runs the failure-free run; every other set belongs to exactly one shard.
    assert_eq!(merged["runs"].as_u64(), Some(total));
    let shard_runs: u64 = merged["shards"]
        .as_array()
        .expect("shards")
        .iter()
        .map(|s| s["runs"].as_u64().expect("runs"))
        .sum();
    assert_eq!(shard_runs, total + 3);
    assert_eq!(merged["counterexamples"], whole["counterexamples"]);
}

#[test]
fn merge_refuses_missing_shards_mixed_searches_and_an_existing_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let inputs = shards(dir.path(), &["--sut", "retry-deliv"], 4);
    let out = dir.path().join("merged.db");
    faultline()
        .arg("merge")
        .args(&inputs[..3])
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("missing shards: 4/4"));
    let out2 = dir.path().join("merged2.db");
    faultline()
        .arg("merge")
        .args(&inputs)
        .arg("-o")
        .arg(&out2)
        .args(["--expect-shards", "8"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the shards say there are 4"));
    let other = shards(dir.path(), &["--sut", "classic-deliv"], 1);
    let out3 = dir.path().join("merged3.db");
    let mut mixed = inputs.clone();
    mixed.extend(other);
    faultline()
        .arg("merge")
        .args(&mixed)
        .arg("-o")
        .arg(&out3)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("different searches"));
    std::fs::write(dir.path().join("taken.db"), "").expect("writes");
    faultline()
        .arg("merge")
        .args(&inputs)
        .arg("-o")
        .arg(dir.path().join("taken.db"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
}

#[test]
fn ci_variables_choose_the_shard() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("k8s.db");
    faultline()
        .args(["explore", "--sut", "retry-deliv", "--db"])
        .arg(&db)
        .env("JOB_COMPLETION_INDEX", "1")
        .env("FAULTLINE_SHARDS", "2")
        .assert()
        .code(predicates::ord::ge(0));
    let ls = faultline()
        .args(["db", "ls", "--json"])
        .arg(&db)
        .output()
        .expect("runs");
    let ls: Value = serde_json::from_slice(&ls.stdout).expect("json");
    assert_eq!(ls["searches"][0]["shard"], "2/2");
    faultline()
        .args(["explore", "--sut", "retry-deliv", "--shard", "3/2"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("K runs from 1 to N"));
    faultline()
        .args(["explore", "--sut", "simple-deliv", "--shard", "1/1024"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("use at most"));
}
