//! `faultline elle`: formats, verdicts, exit codes, bad input.

use std::path::PathBuf;

use faultline_trace::{Event, EventKind, Header, TimeModel, Trace};
use predicates::prelude::*;
use serde_json::{Value, json};

use crate::common::{faultline, shared_dir};

fn case(name: &str) -> PathBuf {
    shared_dir()
        .join("conformance")
        .join("elle")
        .join(format!("{name}.json"))
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("temp file is writable");
    path
}

/// The G1c example: T1 appends x=1 and reads y=[1]; T2 appends x=2, y=1; a later read sees x=[1 2].
const G1C_JSONL: &str = r#"{"index":0,"type":"invoke","process":0,"value":[["append","x",1],["r","y",null]]}
{"index":1,"type":"ok","process":0,"value":[["append","x",1],["r","y",[1]]]}
{"index":2,"type":"invoke","process":1,"value":[["append","x",2],["append","y",1]]}
{"index":3,"type":"ok","process":1,"value":[["append","x",2],["append","y",1]]}
{"index":4,"type":"invoke","process":2,"value":[["r","x",null]]}
{"index":5,"type":"ok","process":2,"value":[["r","x",[1,2]]]}
"#;

#[test]
fn conformance_case_with_g1c_exits_1_and_explains_the_cycle() {
    faultline()
        .args(["elle"])
        .arg(case("cli-g1c"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "INVALID under strict-serializable",
        ))
        .stdout(predicate::str::contains("G1c #0"))
        .stdout(predicate::str::contains(
            "T2 read key 2 = [1], whose last element is T1's append of 1",
        ))
        .stdout(predicate::str::contains("a contradiction!"))
        .stdout(predicate::str::contains("Ruled out: read-committed"));
}

#[test]
fn json_output_has_elle_result_shape() {
    let output = faultline()
        .args(["elle", "--json"])
        .arg(case("cli-stale-read-realtime"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let result: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(result["valid"], json!(false));
    assert_eq!(result["anomaly_types"], json!(["G-single-item-realtime"]));
    assert_eq!(result["not"], json!(["strong-snapshot-isolation"]));
    let cycle = &result["anomalies"]["G-single-item-realtime"][0];
    let indices: Vec<u64> = cycle["cycle"]
        .as_array()
        .expect("cycle")
        .iter()
        .map(|o| o["index"].as_u64().expect("index"))
        .collect();
    assert_eq!(indices, vec![5, 3, 5]);
    assert_eq!(cycle["steps"][1]["type"], json!("realtime"));
    assert!(
        cycle["explanation"]
            .as_str()
            .expect("text")
            .contains("before the invocation of T1")
    );
}

#[test]
fn valid_history_exits_0() {
    faultline()
        .args(["elle"])
        .arg(case("cli-valid-multiple-processes"))
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "VALID under strict-serializable",
        ));
}

#[test]
fn unknown_verdict_exits_3_inconclusive_with_a_note() {
    let output = faultline()
        .args(["elle", "--json"])
        .arg(case("cli-valid-read-empty"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    let result: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(result["schema"], json!("faultline-elle/v1"));
    assert_eq!(result["valid"], json!("unknown"));
    assert_eq!(result["anomaly_types"], json!(["empty-transaction-graph"]));
    faultline()
        .args(["elle"])
        .arg(case("cli-valid-read-empty"))
        .assert()
        .code(3)
        .stdout(predicate::str::contains("UNKNOWN").and(predicate::str::contains("inconclusive")));
}

#[test]
fn repeated_models_must_all_hold() {
    // Write skew: fine under snapshot isolation, not under serializable.
    faultline()
        .args(["elle", "--model", "snapshot-isolation"])
        .arg(case("cli-g2-item"))
        .assert()
        .code(0);
    faultline()
        .args([
            "elle",
            "--model",
            "snapshot-isolation",
            "--model",
            "serializable",
        ])
        .arg(case("cli-g2-item"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("G2-item"));
}

#[test]
fn unknown_model_is_bad_input() {
    faultline()
        .args(["elle", "--model", "eventual-ish"])
        .arg(case("cli-g1c"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown consistency model `eventual-ish`",
        ));
}

#[test]
fn reads_json_lines_json_array_and_edn() {
    let dir = tempfile::tempdir().expect("temp dir");
    let jsonl = write(&dir, "h.jsonl", G1C_JSONL);
    faultline()
        .args(["elle"])
        .arg(&jsonl)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("G1c"));
    let array = format!("[{}]", G1C_JSONL.trim_end().replace('\n', ",\n"));
    let json = write(&dir, "h.json", &array);
    faultline()
        .args(["elle"])
        .arg(&json)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("G1c"));
    let edn = write(
        &dir,
        "h.edn",
        "{:type :invoke, :f :txn, :value [[:append :x 1] [:r :y nil]], :process 0, :index 0}\n\
         {:type :ok, :f :txn, :value [[:append :x 1] [:r :y [1]]], :process 0, :index 1}\n\
         {:type :invoke, :f :txn, :value [[:append :x 2] [:append :y 1]], :process 1, :index 2}\n\
         {:type :ok, :f :txn, :value [[:append :x 2] [:append :y 1]], :process 1, :index 3}\n\
         {:type :info, :f :kill, :value nil, :process :nemesis, :index 4}\n\
         {:type :invoke, :f :txn, :value [[:r :x nil]], :process 2, :index 5}\n\
         {:type :ok, :f :txn, :value [[:r :x [1 2]]], :process 2, :index 6}\n",
    );
    faultline()
        .args(["elle"])
        .arg(&edn)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("G1c"));
}

#[test]
fn reads_the_client_events_of_a_faultline_trace() {
    let mut trace = Trace::new(Header::new(
        "r1",
        "kv",
        TimeModel::Rounds,
        vec!["n1".into()],
    ));
    let ops = [
        (
            EventKind::Invoke,
            0,
            json!([["append", "x", 1], ["r", "y", null]]),
        ),
        (
            EventKind::Invoke,
            1,
            json!([["append", "y", 1], ["r", "x", null]]),
        ),
        (
            EventKind::Ok,
            0,
            json!([["append", "x", 1], ["r", "y", []]]),
        ),
        (
            EventKind::Ok,
            1,
            json!([["append", "y", 1], ["r", "x", []]]),
        ),
    ];
    for (id, (kind, process, value)) in ops.into_iter().enumerate() {
        let mut event = Event::new(id as u64, kind, id as u64);
        event.process = Some(process);
        event.f = Some("txn".into());
        event.value = Some(value);
        trace.push(event);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("run.jsonl");
    std::fs::write(&path, trace.to_jsonl()).expect("write trace");
    faultline()
        .args(["elle", "--json", "--model", "serializable"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"G2-item\""));
    faultline()
        .args(["elle", "--model", "snapshot-isolation"])
        .arg(&path)
        .assert()
        .code(0);
}

#[test]
fn bad_input_exits_2_naming_line_and_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "broken.jsonl",
            "{\"index\":0,\"type\":\"ok\",\"process\":0,\"value\":[]}\n{\"index\":1,\"type\":\"ok\",\n",
            vec!["line 2", "op #1"],
        ),
        (
            "noprocess.jsonl",
            "{\"index\":0,\"type\":\"ok\",\"value\":[[\"r\",\"x\",[1]]]}\n",
            vec!["line 1", "field `process`", "missing"],
        ),
        (
            "badtype.jsonl",
            "{\"index\":0,\"type\":\"ok\",\"process\":0,\"value\":[]}\n{\"index\":1,\"type\":\"done\",\"process\":0,\"value\":[]}\n",
            vec!["line 2", "unknown op type `done`"],
        ),
        (
            "badread.jsonl",
            "{\"index\":0,\"type\":\"ok\",\"process\":0,\"value\":[[\"r\",\"x\",3]]}\n",
            vec!["line 1", "field `value`", "list or null"],
        ),
        (
            "badmop.jsonl",
            "{\"type\":\"ok\",\"process\":0,\"value\":[[\"w\",\"x\",3]]}\n",
            vec!["unknown micro-op function `w`"],
        ),
        (
            "array.json",
            "[{\"type\":\"ok\",\"process\":0,\"value\":[]},\n {\"type\":\"ok\",\"process\":0,\"value\":[[\"r\",\"x\",{}]]}]",
            vec!["line 2"],
        ),
        (
            "broken.edn",
            "{:type :ok, :process 0, :value []}\n{:type :ok, :process 0 :value [[:r :x [1 2]}\n",
            vec!["line 2"],
        ),
        ("empty.jsonl", "\n\n", vec!["empty"]),
    ];
    for (name, text, expected) in cases {
        let path = write(&dir, name, text);
        let assert = faultline().args(["elle"]).arg(&path).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{name}: expected `{needle}` in: {stderr}"
            );
        }
    }
}

#[test]
fn duplicate_appends_are_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        &dir,
        "dup.jsonl",
        "{\"type\":\"invoke\",\"process\":0,\"value\":[[\"append\",\"x\",1]]}\n\
         {\"type\":\"ok\",\"process\":0,\"value\":[[\"append\",\"x\",1]]}\n\
         {\"type\":\"invoke\",\"process\":1,\"value\":[[\"append\",\"x\",1]]}\n",
    );
    faultline()
        .args(["elle"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("line 3")
                .and(predicate::str::contains("appended to key x more than once")),
        );
}

/// Deeply nested EDN is bad input (exit 2, line named), never a stack overflow (exit 134).
#[test]
fn deeply_nested_edn_is_bad_input_not_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let deep = format!(
        "[{{:type :invoke, :process 0, :value {}1{}}}]",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let path = write(&dir, "deep.edn", &deep);
    faultline()
        .arg("elle")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1"))
        .stderr(predicate::str::contains("nested deeper than 128 levels"));
}

/// `explore --elle`: each run's client history is checked by elle-lite. kv-append acks the
/// writer before the backup holds the append, and the reader reads the backup: losing the copy
/// gives a stale read, an anomaly under strict serializability only.
#[test]
fn explore_with_elle_finds_the_stale_read_and_certifies_the_fixed_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A spec that always holds: the counterexample must come from the history.
    let always = dir.path().join("always.ltl");
    std::fs::write(
        &always,
        "property anything:\n  G (last -> (\"post\": !O $.kind == \"nonsense\"))\n",
    )
    .expect("writes");
    let explore = |sut: &str, model: &str| {
        let output = faultline()
            .args(["explore", "--sut", sut, "--json", "--elle", model, "--spec"])
            .arg(&always)
            .output()
            .expect("runs");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("one JSON report");
        (output.status.code(), report)
    };
    let (code, report) = explore("kv-append", "strict-serializable");
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        report["counterexample"],
        serde_json::json!([{"kind": "omission", "src": "a", "dst": "b", "at": 2}])
    );
    assert_eq!(report["elle"], serde_json::json!(["strict-serializable"]));
    // The counterexample's history, checked on its own, has the anomaly.
    let trace = dir.path().join("cex.jsonl");
    faultline()
        .args(["run", "--sut", "kv-append", "--faults"])
        .arg(report["counterexample"].to_string())
        .arg("-o")
        .arg(&trace)
        .output()
        .expect("runs");
    faultline()
        .args(["elle", "--model", "strict-serializable"])
        .arg(&trace)
        .assert()
        .code(1);
    // Under serializability a stale read is allowed: no counterexample.
    let (code, report) = explore("kv-append", "serializable");
    assert_ne!(code, Some(1), "{report}");
    // The synchronous store, with its invariant and elle-lite: certified by covering the space.
    let output = faultline()
        .args([
            "explore",
            "--sut",
            "kv-append-sync",
            "--json",
            "--elle",
            "strict-serializable",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["verdict"], "certified");
    assert_eq!(report["by_cover"], true);
    assert_eq!(report["runs"], 99);
}

#[test]
fn explore_refuses_an_unknown_elle_model() {
    let output = faultline()
        .args([
            "explore",
            "--sut",
            "kv-append",
            "--elle",
            "linearizable-ish",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--elle") && stderr.contains("linearizable-ish"),
        "{stderr}"
    );
}
