//! `faultline check`: LTL specs against traces, with proofs and exit codes.

use predicates::prelude::*;

use crate::common::{faultline, repo_dir};

const SUTS: [&str; 5] = [
    "simple-deliv",
    "retry-deliv",
    "redun-deliv",
    "ack-deliv",
    "classic-deliv",
];

fn run_sut(dir: &tempfile::TempDir, sut: &str, faults: &str) -> std::path::PathBuf {
    let path = dir.path().join(format!("{sut}.jsonl"));
    faultline()
        .args(["run", "--sut", sut, "--faults", faults, "-o"])
        .arg(&path)
        .assert()
        .code(predicate::in_iter([0, 1]));
    path
}

fn spec(sut: &str) -> std::path::PathBuf {
    repo_dir().join("specs").join(format!("{sut}.ltl"))
}

#[test]
fn delivery_specs_hold_on_failure_free_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    for sut in SUTS {
        let trace = run_sut(&dir, sut, "[]");
        faultline()
            .args(["check", "--spec"])
            .arg(spec(sut))
            .arg(&trace)
            .assert()
            .code(0)
            .stdout(
                predicate::str::is_match(r"property deliv \(line \d+\): holds").expect("regex"),
            );
    }
}

#[test]
fn simple_deliv_counterexample_fails_naming_the_event_and_the_atom() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = run_sut(
        &dir,
        "simple-deliv",
        r#"[{"kind":"omission","src":"a","dst":"b","at":1}]"#,
    );
    faultline()
        .args(["check", "--spec"])
        .arg(spec("simple-deliv"))
        .arg(&trace)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAILS"))
        .stdout(predicate::str::contains("fails at event #"))
        .stdout(predicate::str::contains("fails for m = b"))
        .stdout(predicate::str::contains("b.after.log = []"));
}

#[test]
fn json_output_has_the_stable_shape() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = run_sut(
        &dir,
        "simple-deliv",
        r#"[{"kind":"omission","src":"a","dst":"c","at":1}]"#,
    );
    let output = faultline()
        .args(["check", "--json", "--spec"])
        .arg(spec("simple-deliv"))
        .arg(&trace)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).expect("valid JSON");
    let property = &json["properties"][0];
    assert_eq!(property["name"], "deliv");
    assert_eq!(property["verdict"], "fails");
    assert_eq!(property["presumptive"], false);
    assert_eq!(property["proof"]["rule"], "always");
    assert!(property["proof"]["failing"].is_u64());
}

#[test]
fn expand_lists_every_event_of_a_summarised_range() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = run_sut(&dir, "simple-deliv", "[]");
    let short = faultline()
        .args(["check", "--spec"])
        .arg(spec("simple-deliv"))
        .arg(&trace)
        .output()
        .expect("runs");
    let long = faultline()
        .args(["check", "--expand", "--spec"])
        .arg(spec("simple-deliv"))
        .arg(&trace)
        .output()
        .expect("runs");
    let short = String::from_utf8_lossy(&short.stdout).lines().count();
    let long_text = String::from_utf8_lossy(&long.stdout).to_string();
    assert!(long_text.lines().count() > short + 5, "{long_text}");
    assert!(long_text.contains("holds vacuously, the premise fails:"));
}

#[test]
fn a_bad_spec_exits_2_with_line_column_and_caret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = run_sut(&dir, "simple-deliv", "[]");
    let bad = dir.path().join("bad.ltl");
    std::fs::write(
        &bad,
        "property ok: G true\n\nproperty broken:\n  G (p && )\n",
    )
    .expect("write");
    faultline()
        .args(["check", "--spec"])
        .arg(&bad)
        .arg(&trace)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.ltl:4:11: expected a formula, found `)`",
        ))
        .stderr(predicate::str::contains("  G (p && )\n"))
        .stderr(predicate::str::contains("\n            ^"));
}

#[test]
fn an_unknown_node_and_a_missing_trace_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = run_sut(&dir, "simple-deliv", "[]");
    let spec_file = dir.path().join("unknown.ltl");
    std::fs::write(&spec_file, "property p: F \"hello\" in @zed'.log\n").expect("write");
    faultline()
        .args(["check", "--spec"])
        .arg(&spec_file)
        .arg(&trace)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`zed` is not a bound variable nor a node",
        ));
    faultline()
        .args(["check", "--spec"])
        .arg(spec("simple-deliv"))
        .arg(dir.path().join("nope.jsonl"))
        .assert()
        .code(2);
}

fn write_spec(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("spec.ltl");
    std::fs::write(&path, text).expect("temp file is writable");
    path
}

/// A spec nested past the parser's limit is bad input (exit 2, line and column named), never
/// a stack overflow (exit 134).
#[test]
fn deeply_nested_spec_is_bad_input_not_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = run_sut(&dir, "retry-deliv", "[]");
    for formula in [
        format!("{}true{}", "(".repeat(50_000), ")".repeat(50_000)),
        vec!["true"; 50_000].join(" && "),
    ] {
        let spec = write_spec(&dir, &format!("property deep: {formula}\n"));
        faultline()
            .args(["check", "--spec"])
            .arg(&spec)
            .arg(&trace)
            .assert()
            .code(2)
            .stderr(
                predicate::str::is_match(r"spec\.ltl:1:\d+: expected at most 256 nested")
                    .expect("regex"),
            );
    }
}

/// Errors say each thing once: the evaluator's error names the property, the I/O error its
/// cause, and an empty trace is blamed on the trace file.
#[test]
fn errors_name_file_and_cause_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = run_sut(&dir, "retry-deliv", "[]");
    let bad_spec = write_spec(&dir, "property p: crashed(zz)\n");
    faultline()
        .args(["check", "--spec"])
        .arg(&bad_spec)
        .arg(&trace)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "spec.ltl:1: property `p`: `zz` is not a bound variable",
        ))
        .stderr(predicate::str::contains("property `p`: property").not());
    faultline()
        .args(["check", "--spec"])
        .arg(spec("retry-deliv"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::function(|err: &str| {
            err.matches("Is a directory").count() == 1
        }));
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(
        &empty,
        r#"{"schema":"faultline-trace/v1","run_id":"r","sut":"s","time_model":"rounds","nodes":["a"]}"#,
    )
    .expect("temp file is writable");
    faultline()
        .args(["check", "--spec"])
        .arg(spec("retry-deliv"))
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "empty.jsonl: the trace has no events",
        ));
}
