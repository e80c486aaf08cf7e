//! Issue 10, part 1: Testground's sync service as built-in SUTs. sync-service (a memory-only
//! store) breaks when its store crashes and restarts; sync-service-durable (the store persists
//! before answering) holds under the same faults. The search does not propose restarts yet:
//! at the default spec (crash-stop) both certify, by covering the space.

use serde_json::Value;

use crate::common::{faultline, repo_dir};

/// The store crashes at step 6 and restarts at step 8: signal numbers are handed out twice.
const SIGNAL_LOST: &str =
    r#"[{"kind":"crash","node":"store","at":6},{"kind":"restart","node":"store","at":8}]"#;

/// The store crashes at step 18 and restarts at step 19: a publication number is handed out
/// twice, and the first publication numbered 1 is lost to every subscriber.
const PUBLICATION_LOST: &str =
    r#"[{"kind":"crash","node":"store","at":18},{"kind":"restart","node":"store","at":19}]"#;

/// `faultline run` of `sut` under `faults`, writing the trace to `out`: (exit code, stdout).
fn run(sut: &str, faults: &str, out: &std::path::Path) -> (Option<i32>, String) {
    let output = faultline()
        .args(["run", "--sut", sut, "--faults", faults, "-o"])
        .arg(out)
        .output()
        .expect("runs");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    (output.status.code(), text)
}

/// `faultline check --spec specs/<spec>.ltl trace`: (exit code, stdout).
fn check(spec: &str, trace: &std::path::Path) -> (Option<i32>, String) {
    let output = faultline()
        .args(["check", "--spec"])
        .arg(repo_dir().join("specs").join(format!("{spec}.ltl")))
        .arg(trace)
        .output()
        .expect("runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("utf-8"),
    )
}

#[test]
fn a_store_restart_breaks_the_memory_only_store_and_its_spec() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (faults, why, property) in [
        (
            SIGNAL_LOST,
            r#"invariant: VIOLATED: signal_entry("ready") returned 1 to both c and a"#,
            "property signal_unique (line 18): FAILS",
        ),
        (
            PUBLICATION_LOST,
            r#"invariant: VIOLATED: publish("addrs") returned 1 to both c and b; a read "b" at position 1, where "c" was published"#,
            "property read_in_order (line 54): FAILS",
        ),
    ] {
        let trace = dir.path().join("cex.jsonl");
        let (code, text) = run("sync-service", faults, &trace);
        assert_eq!(code, Some(1), "{faults}: {text}");
        assert!(text.contains(why), "{text}");
        assert!(text.contains("restart store@"), "{text}");
        // The spec states the same property: it fails on the counterexample's trace.
        let (code, text) = check("sync-service", &trace);
        assert_eq!(code, Some(1), "{text}");
        assert!(text.contains(property), "{text}");
    }
}

#[test]
fn the_durable_store_holds_under_the_same_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    for faults in [SIGNAL_LOST, PUBLICATION_LOST] {
        let trace = dir.path().join("run.jsonl");
        let (code, text) = run("sync-service-durable", faults, &trace);
        assert_eq!(code, Some(0), "{faults}: {text}");
        assert!(
            text.contains("invariant: holds: 3 signals and 3 publications numbered uniquely"),
            "{text}"
        );
        let (code, text) = check("sync-service-durable", &trace);
        assert_eq!(code, Some(0), "{text}");
    }
}

/// The default spec admits one restart: `explore` finds the memory-only store's bug by
/// restarting the store (a crash and a restart, the only faults in the counterexample). The
/// durable store's certificate at the default spec (6,365 runs) is pinned in the release
/// suite (`tests/soundness`); here, without restarts, both certify by covering the space.
#[test]
fn explore_restarts_the_store_and_finds_the_bug() {
    let output = faultline()
        .args(["explore", "--sut", "sync-service", "--json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON report");
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 236);
    assert_eq!(report["spec"]["max_restarts"], 1);
    assert_eq!(
        report["counterexample"],
        serde_json::json!([
            {"kind":"crash","node":"store","at":21},
            {"kind":"restart","node":"store","at":34}
        ])
    );
    for sut in ["sync-service-durable", "sync-service"] {
        let output = faultline()
            .args(["explore", "--sut", sut, "--restarts", "0", "--json"])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{sut}");
        let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON report");
        assert_eq!(report["verdict"], "certified", "{sut}");
        assert_eq!(report["by_cover"], true, "{sut}");
        assert_eq!(report["runs"], 316, "{sut}");
        // `faultline estimate --eot 40 --eff 3 --crashes 1 --nodes 4`.
        assert_eq!(report["fault_space"]["exact"], "2576351232", "{sut}");
    }
}
