//! `faultline check` on properties that hold only vacuously: exit 0, but a `VACUOUS:` warning
//! naming the premise or atom and its line:column, and the same under `--json`'s `vacuity`.

use predicates::prelude::*;

use crate::common::{faultline, repo_dir};

fn failure_free_run(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("run.jsonl");
    faultline()
        .args(["run", "--sut", "retry-deliv", "-o"])
        .arg(&path)
        .assert()
        .code(0);
    path
}

const TYPO: &str =
    "# a typo: \"sned\"\nproperty resp:\n  G ($.kind == \"sned\" -> F $.kind == \"deliver\")\n";

#[test]
fn a_misspelt_premise_holds_vacuously_with_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = failure_free_run(&dir);
    let spec = dir.path().join("typo.ltl");
    std::fs::write(&spec, TYPO).expect("write");
    faultline()
        .args(["check", "--spec"])
        .arg(&spec)
        .arg(&trace)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("property resp (line 2): holds"))
        .stdout(predicate::str::contains(
            "VACUOUS: premise `$.kind == \"sned\"` at 3:6 never held",
        ))
        .stdout(predicate::str::contains(
            "VACUOUS: atom `$.kind == \"sned\"` at 3:6 is true at no event of the trace",
        ));
}

#[test]
fn json_lists_the_vacuity_of_each_property() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = failure_free_run(&dir);
    let spec = dir.path().join("typo.ltl");
    let fixed = TYPO.replace("sned", "send");
    std::fs::write(&spec, format!("{TYPO}{}", fixed.replace("resp", "fixed"))).expect("write");
    let output = faultline()
        .args(["check", "--json", "--spec"])
        .arg(&spec)
        .arg(&trace)
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let vacuity = &json["properties"][0]["vacuity"];
    assert_eq!(vacuity[0]["kind"], "premise");
    assert_eq!(vacuity[0]["premise"], "$.kind == \"sned\"");
    assert_eq!(
        vacuity[0]["position"],
        serde_json::json!({"line": 3, "column": 6})
    );
    assert_eq!(vacuity[1]["kind"], "atom_never_true");
    assert_eq!(vacuity[1]["negative"], true);
    // Spelt right, the property is exercised (and fails presumably: the last send waits).
    assert_eq!(json["properties"][1]["vacuity"], serde_json::json!([]));
}

#[test]
fn the_delivery_specs_are_not_vacuous_on_a_failure_free_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = failure_free_run(&dir);
    faultline()
        .args(["check", "--spec"])
        .arg(repo_dir().join("specs").join("retry-deliv.ltl"))
        .arg(&trace)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("VACUOUS").not());
}

#[test]
fn a_run_where_nobody_got_the_message_holds_vacuously() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("lost.jsonl");
    // a crashes before sending: `pre` (someone else logged "hello") never holds.
    faultline()
        .args(["run", "--sut", "retry-deliv", "--faults"])
        .arg(r#"[{"kind":"crash","node":"a","at":1}]"#)
        .arg("-o")
        .arg(&trace)
        .assert()
        .code(predicate::in_iter([0, 1]));
    faultline()
        .args(["check", "--spec"])
        .arg(repo_dir().join("specs").join("retry-deliv.ltl"))
        .arg(&trace)
        .assert()
        .code(0)
        .stdout(
            predicate::str::is_match(r#"VACUOUS: premise `"pre": .*` at 11:8 never held"#)
                .expect("regex"),
        );
}
