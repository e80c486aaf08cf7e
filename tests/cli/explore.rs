//! `faultline explore`, `lineage`, `suggest`, `estimate`, `bench`.

use crate::common::faultline;
use serde_json::Value;

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("stdout is one JSON value")
}

#[test]
fn explore_finds_simple_deliv_bug_in_two_runs() {
    let output = faultline()
        .args(["explore", "--sut", "simple-deliv", "--json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output.stdout);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 2);
    assert_eq!(report["counterexample"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["fault_space"]["gross"], "4096");
    assert!(
        report["explored_fraction"]
            .as_f64()
            .is_some_and(|f| f > 0.0 && f < 1.0)
    );
    let reproducer = report["reproducer"].as_str().expect("reproducer");
    assert!(reproducer.starts_with("faultline run --sut simple-deliv --eot 4 --faults '"));
}

#[test]
fn explore_reproducer_replays_to_a_violation() {
    let output = faultline()
        .args(["explore", "--sut", "retry-deliv", "--json"])
        .output()
        .expect("runs");
    let report = json_of(&output.stdout);
    assert_eq!(report["verdict"], "counterexample");
    assert!(report["runs"].as_u64().is_some_and(|runs| runs <= 3));
    let faults = serde_json::to_string(&report["counterexample"]).expect("faults");
    faultline()
        .args([
            "run",
            "--sut",
            "retry-deliv",
            "--eot",
            "4",
            "--faults",
            &faults,
        ])
        .assert()
        .code(1);
}

#[test]
fn explore_human_report_names_verdict_runs_and_space() {
    let output = faultline()
        .args(["explore", "--sut", "classic-deliv"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "COUNTEREXAMPLE",
        "reproduce: faultline run --sut classic-deliv",
        "runs: ",
        "gross estimate",
        "exact count",
        "explored: ",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn random_strategy_never_certifies() {
    let output = faultline()
        .args([
            "explore",
            "--sut",
            "simple-deliv",
            "--strategy",
            "random",
            "--seed",
            "3",
            "--runs-max",
            "500",
            "--json",
        ])
        .output()
        .expect("runs");
    let report = json_of(&output.stdout);
    assert_ne!(report["verdict"], "certified");
}

#[test]
fn explore_rejects_bad_input_with_exit_2() {
    faultline()
        .args(["explore", "--sut", "no-such-sut"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown SUT"));
    faultline()
        .args([
            "explore",
            "--sut",
            "simple-deliv",
            "--eot",
            "4",
            "--eff",
            "9",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--eff 9"));
}

#[test]
fn estimate_prints_both_counts() {
    let output = faultline()
        .args([
            "estimate",
            "--eot",
            "3",
            "--eff",
            "0",
            "--crashes",
            "1",
            "--nodes",
            "2",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let counts = json_of(&output.stdout);
    assert_eq!(counts["gross"], "8");
    assert_eq!(counts["exact"], "7");
    let output = faultline()
        .args([
            "estimate",
            "--eot",
            "9",
            "--eff",
            "7",
            "--crashes",
            "1",
            "--nodes",
            "4",
        ])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&output.stdout).contains("243166788160558532938170368"));
}

fn write_run(dir: &std::path::Path, name: &str, faults: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    faultline()
        .args(["run", "--sut", "simple-deliv", "--faults", faults, "-o"])
        .arg(&path)
        .output()
        .expect("runs");
    path
}

#[test]
fn lineage_prints_text_dot_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trace = write_run(dir.path(), "ff.jsonl", "[]");
    let dot = faultline()
        .arg("lineage")
        .arg(&trace)
        .arg("--dot")
        .output()
        .expect("runs");
    assert!(dot.status.success());
    assert!(String::from_utf8_lossy(&dot.stdout).starts_with("digraph lineage {"));
    let json = faultline()
        .arg("lineage")
        .arg(&trace)
        .args(["--json", "--goal", r#"["log","hello"]"#, "--node", "b"])
        .output()
        .expect("runs");
    let graph = json_of(&json.stdout);
    assert_eq!(graph["mode"], "annotated");
    assert!(
        graph["nodes"]
            .as_array()
            .is_some_and(|nodes| nodes.len() >= 4)
    );
    faultline()
        .arg("lineage")
        .arg(&trace)
        .args(["--node", "zz"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--node \"zz\""));
}

#[test]
fn suggest_drives_a_foreign_loop_to_the_bug() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut traces = vec![write_run(dir.path(), "run0.jsonl", "[]")];
    for round in 1..5 {
        let output = faultline()
            .args(["suggest", "--eot", "4", "--eff", "2"])
            .args(&traces)
            .output()
            .expect("runs");
        let answer = json_of(&output.stdout);
        if output.status.code() == Some(1) {
            assert_eq!(answer["verdict"], "counterexample");
            assert_eq!(answer["done"], true);
            return;
        }
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(answer["done"], false);
        let proposal = serde_json::to_string(&answer["proposals"][0]).expect("proposal");
        traces.push(write_run(
            dir.path(),
            &format!("run{round}.jsonl"),
            &proposal,
        ));
    }
    panic!("suggest did not reach the simple-deliv bug in 4 rounds");
}

#[test]
fn suggest_needs_verdicts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("no-verdict.jsonl");
    std::fs::write(
        &path,
        "{\"schema\":\"faultline-trace/v1\",\"run_id\":\"x\",\"sut\":\"x\",\"time_model\":\"rounds\",\"nodes\":[\"a\"]}\n",
    )
    .expect("write");
    faultline()
        .args(["suggest", "--eot", "4", "--eff", "2"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("verdict"));
}
