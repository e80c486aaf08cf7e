//! `suggest --db`: a loop that keeps what it learned proposes exactly what the stateless call
//! with every trace proposes, reading only the traces it has not seen.

use std::path::{Path, PathBuf};

use crate::common::faultline;

/// One `suggest` call: exit code and standard output.
fn suggest(spec: &[&str], db: Option<&Path>, traces: &[PathBuf]) -> (i32, String) {
    let mut command = faultline();
    command.args(["suggest", "--count", "3"]).args(spec);
    if let Some(db) = db {
        command.arg("--db").arg(db);
    }
    let output = command.args(traces).output().expect("suggest runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).expect("utf-8"),
    )
}

fn run_trace(sut: &str, spec: &[&str], faults: &str, out: &Path) {
    faultline()
        .args(["run", "--sut", sut, "--faults", faults])
        .args(spec)
        .arg("-o")
        .arg(out)
        .output()
        .expect("runs");
}

/// Drives a loop to its end three ways at once — stateless with every trace, `--db` with
/// every trace, `--db` with only the new traces — and checks that every call agrees.
/// Returns the last exit code and the number of runs.
fn three_loops(sut: &str, spec: &[&str]) -> (i32, usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let all_db = dir.path().join("all.db");
    let new_db = dir.path().join("new.db");
    let mut traces = vec![dir.path().join("run0000.jsonl")];
    run_trace(sut, spec, "[]", &traces[0]);
    let mut fresh = traces.clone();
    for _ in 0..100 {
        let stateless = suggest(spec, None, &traces);
        let with_all = suggest(spec, Some(&all_db), &traces);
        let with_new = suggest(spec, Some(&new_db), &fresh);
        assert_eq!(with_all, stateless, "{sut} after {} runs", traces.len());
        assert_eq!(with_new, stateless, "{sut} after {} runs", traces.len());
        let (code, stdout) = stateless;
        if code != 0 {
            // Replayed from the store alone, the counterexample reads as the trace wrote it.
            assert_eq!(suggest(spec, Some(&new_db), &[]), (code, stdout));
            return (code, traces.len());
        }
        let answer: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        if answer["done"] == true {
            return (code, traces.len());
        }
        fresh.clear();
        for faults in answer["proposals"].as_array().expect("proposals") {
            let path = dir.path().join(format!("run{:04}.jsonl", traces.len()));
            run_trace(sut, spec, &faults.to_string(), &path);
            traces.push(path.clone());
            fresh.push(path);
        }
    }
    panic!("{sut}: no verdict in 100 calls");
}

#[test]
fn a_certifying_loop_with_a_store_proposes_what_the_stateless_loop_proposes() {
    let (code, runs) = three_loops("ack-deliv", &["--eot", "8", "--eff", "7", "--crashes", "1"]);
    assert_eq!(code, 0);
    assert!(runs > 30, "a real search: {runs} runs");
}

#[test]
fn a_loop_that_finds_a_bug_with_a_store_finds_it_at_the_same_run() {
    let (code, _) = three_loops(
        "retry-deliv",
        &["--eot", "4", "--eff", "2", "--crashes", "1"],
    );
    assert_eq!(code, 1);
}

fn first_trace(dir: &Path) -> PathBuf {
    let path = dir.join("run0.jsonl");
    run_trace("ack-deliv", &[], "[]", &path);
    path
}

const SPEC: [&str; 6] = ["--eot", "8", "--eff", "7", "--crashes", "1"];

/// `suggest --db db` over `traces` with [`SPEC`] that must fail: its exit code and stderr.
fn refused(db: &Path, traces: &[&Path]) -> (Option<i32>, String) {
    let output = faultline()
        .arg("suggest")
        .args(SPEC)
        .arg("--db")
        .arg(db)
        .args(traces)
        .output()
        .expect("runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_store_refuses_another_failure_spec() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = first_trace(dir.path());
    let db = dir.path().join("loop.db");
    assert_eq!(suggest(&SPEC, Some(&db), std::slice::from_ref(&trace)).0, 0);
    let output = faultline()
        .args([
            "suggest",
            "--eot",
            "8",
            "--eff",
            "6",
            "--crashes",
            "1",
            "--db",
        ])
        .arg(&db)
        .arg(&trace)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("loop.db"), "{stderr}");
    assert!(stderr.contains("\"eff\":7"), "{stderr}");
}

#[test]
fn a_learned_trace_that_changed_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = first_trace(dir.path());
    let db = dir.path().join("loop.db");
    assert_eq!(suggest(&SPEC, Some(&db), std::slice::from_ref(&trace)).0, 0);
    let text = std::fs::read_to_string(&trace).expect("reads");
    std::fs::write(&trace, format!("{text}\n")).expect("writes");
    let other = dir.path().join("run1.jsonl");
    run_trace(
        "ack-deliv",
        &[],
        r#"[{"kind":"omission","src":"a","dst":"b","at":1}]"#,
        &other,
    );
    let (code, stderr) = refused(&db, &[&other, &trace]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("run0.jsonl") && stderr.contains("changed"),
        "{stderr}"
    );
    // The new trace before it was not stored either: the same call with only it is
    // still the first to read it, and agrees with the stateless call.
    let first = suggest(&SPEC, Some(&db), std::slice::from_ref(&other));
    let original = dir.path().join("copy.jsonl");
    std::fs::write(&original, text).expect("writes");
    assert_eq!(first, suggest(&SPEC, None, &[original, other]));
}

#[test]
fn a_new_trace_that_contradicts_a_stored_one_is_nondeterminism_and_is_not_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = first_trace(dir.path());
    let db = dir.path().join("loop.db");
    assert_eq!(suggest(&SPEC, Some(&db), std::slice::from_ref(&trace)).0, 0);
    // Another run of the same (empty) fault set, with different events.
    let text = std::fs::read_to_string(&trace).expect("reads");
    let changed = text.replacen("\"hello\"", "\"hellp\"", 1);
    assert_ne!(changed, text);
    let rerun = dir.path().join("rerun.jsonl");
    std::fs::write(&rerun, changed).expect("writes");
    for _ in 0..2 {
        let (code, stderr) = refused(&db, &[&rerun]);
        assert_eq!(code, Some(4));
        assert!(
            stderr.contains("run0.jsonl") && stderr.contains("rerun.jsonl"),
            "{stderr}"
        );
    }
    // Nothing of the refused call was stored: a good new run is learned as if it never came.
    let other = dir.path().join("other.jsonl");
    run_trace(
        "ack-deliv",
        &[],
        r#"[{"kind":"omission","src":"a","dst":"b","at":1}]"#,
        &other,
    );
    assert_eq!(
        suggest(&SPEC, Some(&db), std::slice::from_ref(&other)),
        suggest(&SPEC, None, &[trace, other])
    );
}

#[test]
fn a_corrupt_store_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = first_trace(dir.path());
    let db = dir.path().join("loop.db");
    std::fs::write(
        &db,
        "not a database, just text that is long enough to be a header..",
    )
    .expect("writes");
    let (code, stderr) = refused(&db, &[&trace]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("loop.db"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_file_named_twice_is_one_run_with_or_without_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = first_trace(dir.path());
    let once = suggest(&SPEC, None, std::slice::from_ref(&trace));
    let twice = suggest(&SPEC, None, &[trace.clone(), trace.clone()]);
    assert_eq!(twice, once);
    let db = dir.path().join("loop.db");
    assert_eq!(suggest(&SPEC, Some(&db), &[trace.clone(), trace]), once);
}

#[test]
fn a_first_call_without_traces_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("loop.db");
    let (code, stderr) = refused(&db, &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no traces"), "{stderr}");
    // The file is not tied to the refused call's spec.
    let conn = rusqlite::Connection::open(&db).expect("opens");
    let loops: i64 = conn
        .query_row("SELECT count(*) FROM suggest_loop", [], |row| row.get(0))
        .expect("counts");
    assert_eq!(loops, 0);
}
