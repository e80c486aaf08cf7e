//! `faultline trace validate|show`: exit codes, file:line and field in errors, readable output.

use std::path::PathBuf;

use predicates::prelude::*;

use crate::common::faultline;

const GOOD: &str = r#"{"schema":"faultline-trace/v1","run_id":"r1","sut":"demo","time_model":"rounds","nodes":["a","b","c"],"faults":[{"kind":"omission","src":"a","dst":"c","at":1}],"initial_state":{"a":{"log":[]}}}

{"id":0,"kind":"send","lt":1,"src":"a","dst":"b","msg_id":0,"type":"log","payload":{"p":"hello"}}
{"id":1,"kind":"send","lt":1,"src":"a","dst":"c","msg_id":1,"type":"log","payload":{"p":"hello"}}
{"id":2,"kind":"deliver","lt":2,"src":"a","dst":"b","msg_id":0,"sent_lt":1,"parents":[0],"state_patch":{"log":["hello"]}}
{"id":3,"kind":"drop","lt":2,"src":"a","dst":"c","msg_id":1,"sent_lt":1,"cause":{"kind":"omission","src":"a","dst":"c","at":1}}
{"id":4,"kind":"crash","lt":3,"node":"c","fault":{"kind":"crash","node":"c","at":3}}
"#;

/// Writes `text` to a temporary `trace.jsonl`; keep the directory alive while using the path.
fn trace_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("trace.jsonl");
    std::fs::write(&path, text).expect("writing the trace");
    (dir, path)
}

/// `GOOD` with the first occurrence of `from` on line `line` (1-based) replaced by `to`.
fn good_with(line: usize, from: &str, to: &str) -> String {
    let mut lines: Vec<String> = GOOD.lines().map(str::to_string).collect();
    assert!(lines[line - 1].contains(from), "line {line} has {from}");
    lines[line - 1] = lines[line - 1].replacen(from, to, 1);
    lines.join("\n") + "\n"
}

#[test]
fn validate_accepts_a_good_trace_with_a_summary() {
    let (_dir, path) = trace_file(GOOD);
    faultline()
        .args(["trace", "validate"])
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "5 events, 3 nodes, 2 messages sent, 1 delivered, 1 dropped, 0 in flight",
        ));
}

#[test]
fn validate_json_summary() {
    let (_dir, path) = trace_file(GOOD);
    let output = faultline()
        .args(["trace", "validate", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["summary"]["events"], 5);
    assert_eq!(json["summary"]["dropped"], 1);
}

#[test]
fn validate_reads_stdin() {
    faultline()
        .args(["trace", "validate", "-"])
        .write_stdin(GOOD)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("-: valid"));
}

/// Every kind of bad file: exit 2, `file:line`, and the field in stderr.
#[test]
fn validate_names_line_and_field_for_each_kind_of_bad_input() {
    let cases = [
        (good_with(3, r#","msg_id":0"#, ""), 3, "msg_id"),
        (good_with(4, r#""id":1"#, r#""id":7"#), 4, "id"),
        (good_with(5, r#""dst":"b""#, r#""dst":"zz""#), 5, "dst"),
        (good_with(5, r#""msg_id":0"#, r#""msg_id":9"#), 5, "msg_id"),
        (
            good_with(5, r#""sent_lt":1"#, r#""sent_lt":0"#),
            5,
            "sent_lt",
        ),
        (good_with(5, r#""lt":2"#, r#""lt":0"#), 5, "lt"),
        (good_with(5, "[0]", "[5]"), 5, "parents[0]"),
        (good_with(5, r#"{"log":["hello"]}"#, "7"), 5, "state_patch"),
        (good_with(6, r#""msg_id":1"#, r#""msg_id":0"#), 6, "msg_id"),
        (
            good_with(7, r#""node":"c","fault""#, r#""node":"d","fault""#),
            7,
            "node",
        ),
        (good_with(3, r#""lt":1"#, r#""lt":"one""#), 3, "lt"),
        (
            good_with(1, r#""nodes":["a","b","c"]"#, r#""nodes":["a","a"]"#),
            1,
            "nodes[1]",
        ),
    ];
    for (text, line, field) in cases {
        let (_dir, path) = trace_file(&text);
        let location = format!("{}:{line}: field `{field}`", path.display());
        faultline()
            .args(["trace", "validate"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(location));
    }
}

#[test]
fn validate_reports_syntax_errors_and_missing_files() {
    let (_dir, path) = trace_file(&good_with(4, "{", "{{"));
    faultline()
        .args(["trace", "validate"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{}:4: not a JSON object",
            path.display()
        )));
    faultline()
        .args(["trace", "validate", "/nonexistent/trace.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/trace.jsonl"));
}

#[test]
fn validate_json_error() {
    let (_dir, path) = trace_file(&good_with(3, r#","msg_id":0"#, ""));
    let output = faultline()
        .args(["trace", "validate", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["error"]["line"], 3);
    assert_eq!(json["error"]["field"], "msg_id");
}

#[test]
fn show_prints_one_line_per_event_with_markers() {
    let (_dir, path) = trace_file(GOOD);
    let output = faultline()
        .args(["trace", "show"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(
        lines[0].contains("sut demo") && lines[0].contains("rounds time"),
        "{text}"
    );
    assert!(
        lines[3].starts_with("#2  r2  a → b")
            && lines[3].contains(r#"deliver       log {"p":"hello"} (sent r1)"#),
        "{text}"
    );
    assert!(
        lines[4].contains("!! drop") && lines[4].contains("omission a→c@1"),
        "{text}"
    );
    assert!(lines[5].contains("!! crash"), "{text}");
}

#[test]
fn show_filters_by_kind_and_node() {
    let (_dir, path) = trace_file(GOOD);
    let output = faultline()
        .args(["trace", "show", "--kinds", "send,drop", "--node", "c"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let events: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(events.len(), 2, "{text}");
    assert!(
        events[0].starts_with("#1 ") && events[1].starts_with("#3 "),
        "{text}"
    );
}

#[test]
fn show_chart_has_a_column_per_node() {
    let (_dir, path) = trace_file(GOOD);
    let output = faultline()
        .args(["trace", "show", "--chart"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["a", "b", "c"],
        "{text}"
    );
    assert!(lines[2].starts_with("   o------>      |"), "{text}");
    assert!(
        lines[5].starts_with("   |      |      x") && lines[5].contains("DROP"),
        "{text}"
    );
}

#[test]
fn show_rejects_bad_arguments_and_bad_traces() {
    let (_dir, path) = trace_file(GOOD);
    faultline()
        .args(["trace", "show", "--kinds", "sned"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown event kind \"sned\""));
    faultline()
        .args(["trace", "show", "--node", "zz"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--node"));
    let (_bad_dir, bad) = trace_file(&good_with(6, r#""msg_id":1"#, r#""msg_id":0"#));
    faultline()
        .args(["trace", "show"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(":6: field `msg_id`"));
}
