//! Issue 10, part 3: a configuration switch scheduled by time, searched with clock skews and
//! clogs in the default spec (`suts/src/config_switch.rs`). Pinned: LDFI's counterexample of
//! config-switch with the built-in invariant and with the LTL spec, the verified variant's
//! verdict, and exhaustive enumeration agreeing with both.

use crate::common::{faultline, repo_dir};
use serde_json::{Value, json};

/// `faultline explore --sut SUT --json` plus `args`; checks that the exit code matches the
/// verdict.
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

/// The kinds of a fault list, in order.
fn kinds(faults: &Value) -> Vec<&str> {
    faults
        .as_array()
        .expect("a fault list")
        .iter()
        .map(|fault| fault["kind"].as_str().expect("a kind"))
        .collect()
}

/// p's clock 400 µs behind from step `at` on.
fn skew_behind(at: u64) -> Value {
    json!({"kind": "skew", "node": "p", "by_ns": -400000, "at": at})
}

fn spec_arg(name: &str) -> String {
    repo_dir()
        .join("specs")
        .join(format!("{name}.ltl"))
        .display()
        .to_string()
}

#[test]
fn explore_finds_the_skew_bug_of_config_switch() {
    let report = explore("config-switch", &[]);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(kinds(&report["counterexample"]), ["skew"]);
    // p's clock 400 µs behind from the step of the task at the switch on (random: 10.0 runs
    // on average over seeds 1..=25).
    assert_eq!(report["counterexample"], json!([skew_behind(7)]));
    assert_eq!(report["runs"], 5);
    assert_eq!(report["fault_space"]["exact"], "3731");
    // The reproducer replays to the violation.
    let output = faultline()
        .args(["run", "--sut", "config-switch", "--faults"])
        .arg(report["counterexample"].to_string())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("with configuration 1, at or after the switch"),
        "{text}"
    );
}

#[test]
fn explore_with_the_ltl_spec_finds_it_too() {
    let spec = spec_arg("config-switch");
    let report = explore("config-switch", &["--spec", &spec]);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(kinds(&report["counterexample"]), ["skew"]);
    assert_eq!(report["counterexample"], json!([skew_behind(7)]));
    // The spec is not monotone: its good runs teach nothing but not to repeat them, which is
    // what the invariant's empty goal teaches too.
    assert_eq!(report["runs"], 5);
}

#[test]
fn the_pinned_counterexamples_replay() {
    for (faults, needle) in [
        (
            json!([skew_behind(7)]),
            "p ran task 2 at 1.500 ms with configuration 1",
        ),
        (
            json!([{"kind": "clog", "node": "p", "from": 9, "to": 10}]),
            "which it could not verify",
        ),
    ] {
        let output = faultline()
            .args(["run", "--sut", "config-switch", "--faults"])
            .arg(faults.to_string())
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1), "{faults}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains(needle), "{faults}: {text}");
        // The fix holds under the same faults.
        faultline()
            .args(["run", "--sut", "config-switch-verified", "--faults"])
            .arg(faults.to_string())
            .assert()
            .code(0);
    }
}

#[test]
fn exhaustive_enumeration_agrees() {
    let report = explore("config-switch", &["--strategy", "exhaustive"]);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 3731);
    let report = explore("config-switch-verified", &["--strategy", "exhaustive"]);
    assert_eq!(report["verdict"], "certified");
    assert_eq!(report["runs"], 3731);
}

/// No run names a goal (a skew or a clog can add a bad task), so the fix certifies only by
/// covering the space: 1,339 runs of the 3,731 sets (about 4 s in a release build).
#[test]
fn the_verified_variant_is_certified_by_covering_the_space() {
    let report = explore("config-switch-verified", &[]);
    assert_eq!(report["verdict"], "certified");
    assert_eq!(report["by_cover"], true);
    assert_eq!(report["runs"], 1339);
    // A skew beyond its guard band breaks it.
    let report = explore("config-switch-verified", &["--max-skew-ns", "800000"]);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(
        report["counterexample"],
        json!([{"kind": "skew", "node": "p", "by_ns": -800000, "at": 1}])
    );
    assert_eq!(report["runs"], 16);
}

#[test]
fn suts_lists_both_with_their_skews_and_clog() {
    let output = faultline().args(["suts", "--json"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for name in ["config-switch", "config-switch-verified"] {
        let sut = document["suts"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|sut| sut["name"] == name)
            .unwrap_or_else(|| panic!("{name} listed"));
        assert_eq!(sut["time_model"], "async");
        assert_eq!(sut["nodes"], json!(["s", "p"]));
        assert_eq!(
            sut["default_spec"],
            json!({"eot": 10, "eff": 1, "max_crashes": 0, "max_clogs": 1, "max_skews": 1,
                   "max_skew_ns": 400000, "skew_step_ns": 400000})
        );
    }
}
