//! The zksync recipes (issue 10): verdicts, counterexamples and exact run counts of
//! `faultline explore` on each default spec, pinned.
//!
//! - zk-lock: a clog of zk holds the holder's heartbeats past its session timeout; its
//!   ephemeral lock znode goes, q takes the lock while p still works: two holders. LDFI finds
//!   it by lineage (p's release rests on its chain of heartbeats) in 16 runs; the spec, whose
//!   good runs the search counts as vacuous, in 734 (pinned in the release suite,
//!   `tests/soundness`, with zk-rwmutex's 75 and zk-lock-fenced's certificate).
//! - zk-lock-fenced: its goal is the fencing itself, but in `async` a goal only guides the
//!   search: it certifies by covering the space (2,333 runs), never after one run.
//! - zk-barrier: safe; no goal, so LDFI could only certify by covering the space (thousands
//!   of solver calls): pinned with `--strategy exhaustive` and a bounded LDFI search.
//! - zk-double-barrier: a participant that crashes before it enters blocks the others.

use crate::common::{faultline, repo_dir};
use serde_json::{Value, json};

fn explore(sut: &str, args: &[&str]) -> Value {
    let output = faultline()
        .args(["explore", "--sut", sut, "--json"])
        .args(args)
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON report");
    let expected_code = match report["verdict"].as_str() {
        Some("counterexample") => 1,
        Some("certified") => 0,
        _ => 3,
    };
    assert_eq!(output.status.code(), Some(expected_code), "{sut} {args:?}");
    report
}

fn clog(node: &str, from: u64, to: u64) -> Value {
    json!({"kind": "clog", "node": node, "from": from, "to": to})
}

/// Replays `faults` with `faultline run`: exit 1 and the invariant's explanation.
fn replay(sut: &str, faults: &Value) -> String {
    let output = faultline()
        .args(["run", "--sut", sut, "--faults"])
        .arg(faults.to_string())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{sut} {faults}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn zk_lock_two_holders_by_lineage() {
    let report = explore("zk-lock", &[]);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 16);
    let faults = json!([clog("zk", 8, 17)]);
    assert_eq!(report["counterexample"], faults);
    assert!(
        replay("zk-lock", &faults).contains(
            "two holders: r accepted an access of q (writer, token 2) inside the critical section of p (writer, token 1)"
        )
    );
}

#[test]
fn zk_lock_fenced_is_not_certified_by_its_goal_alone() {
    // The goal (r's fencing) names no fault that breaks it, so in `rounds` the failure-free
    // run would certify; in `async` the search must go on covering the space.
    let report = explore("zk-lock-fenced", &["--runs-max", "30"]);
    assert_eq!(report["verdict"], "inconclusive");
    assert_eq!(report["runs"], 30);
    // The ground truth: every fault set of the default spec holds.
    let report = explore("zk-lock-fenced", &["--strategy", "exhaustive"]);
    assert_eq!(report["verdict"], "certified");
    assert_eq!(report["runs"], 3_121);
}

#[test]
fn zk_barrier_holds() {
    let report = explore("zk-barrier", &["--strategy", "exhaustive"]);
    assert_eq!(report["verdict"], "certified");
    assert_eq!(report["runs"], 3_121);
    let report = explore("zk-barrier", &["--runs-max", "50"]);
    assert_eq!(report["verdict"], "inconclusive");
    assert_eq!(report["runs"], 50);
}

#[test]
fn zk_double_barrier_crash_before_enter() {
    let report = explore("zk-double-barrier", &[]);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 2);
    let faults = json!([{"kind": "crash", "node": "s", "at": 4}]);
    assert_eq!(report["counterexample"], faults);
    assert!(
        replay("zk-double-barrier", &faults)
            .contains("p and q invoked enter but got no ok within 8 ms (crashed: s)")
    );
    let spec = repo_dir().join("specs/zk-double-barrier.ltl");
    let report = explore(
        "zk-double-barrier",
        &["--spec", spec.to_str().expect("UTF-8 path")],
    );
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["counterexample"], faults);
    assert_eq!(report["runs"], 61);
}
