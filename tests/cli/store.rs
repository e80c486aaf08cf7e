//! `explore --db`: a search killed with SIGKILL at any point resumes to the same result
//! without re-running a stored run; nondeterminism is caught; `faultline db` reads the store.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::faultline;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("faultline")
}

/// `explore --json` of `args` with `--db db`, parsed, and its exit code.
fn explore_json(db: &Path, args: &[&str]) -> (i32, Value) {
    let output = faultline()
        .arg("explore")
        .args(args)
        .arg("--db")
        .arg(db)
        .arg("--json")
        .output()
        .expect("runs");
    let code = output.status.code().unwrap_or(-1);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, json)
}

/// Rows in a table of the store (read with the store's own SQLite).
fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("opens");
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .expect("counts")
}

/// Starts `explore args --db db --events events`, waits until `runs` runs have finished
/// (as the events file says) and kills it with SIGKILL.
fn kill_after(db: &Path, events: &Path, args: &[&str], runs: usize) {
    let mut child = Command::new(bin())
        .arg("explore")
        .args(args)
        .arg("--db")
        .arg(db)
        .arg("--events")
        .arg(events)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let finished = std::fs::read_to_string(events)
            .map(|text| text.matches("\"run_finished\"").count())
            .unwrap_or(0);
        if finished >= runs || child.try_wait().expect("polls").is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "no progress in 120 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    // SIGKILL: no handler, no flush, no cleanup.
    let _ = child.kill();
    let _ = child.wait();
}

/// The uninterrupted search and, for each kill point, a killed-then-resumed one: the same
/// verdict, counterexamples and run count, and the resumed search reads every run the killed
/// one stored instead of running it again.
fn resumes_to_the_same_result(args: &[&str], kill_points: &[usize]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let whole = dir.path().join("whole.db");
    let (code, expected) = explore_json(&whole, args);
    let total = expected["runs"].as_u64().expect("runs");
    assert_eq!(expected["runs_executed"], total);
    for &point in kill_points {
        let db = dir.path().join(format!("killed-{point}.db"));
        let events = dir.path().join(format!("events-{point}.ndjson"));
        kill_after(&db, &events, args, point);
        let stored = count(&db, "runs") as u64;
        let finished = rusqlite::Connection::open(&db)
            .expect("opens")
            .query_row(
                "SELECT COUNT(*) FROM searches WHERE verdict IS NOT NULL",
                [],
                |row| row.get::<_, i64>(0),
            )
            .expect("counts");
        assert_eq!(
            finished, 0,
            "the search was killed before it ended (kill after {point})"
        );
        let (resumed_code, resumed) = explore_json(&db, args);
        assert_eq!(resumed_code, code, "kill after {point} runs");
        for field in ["verdict", "counterexamples", "runs", "solver_calls"] {
            assert_eq!(
                resumed[field], expected[field],
                "{field}, kill after {point} runs"
            );
        }
        let reused = resumed["runs_reused"].as_u64().expect("reused");
        let executed = resumed["runs_executed"].as_u64().expect("executed");
        assert_eq!(
            reused, stored,
            "every stored run is read back, kill after {point}"
        );
        assert_eq!(reused + executed, total, "kill after {point}");
        assert_eq!(count(&db, "runs") as u64, total);
        // Running it once more executes nothing.
        let (_, again) = explore_json(&db, args);
        assert_eq!(again["runs_executed"], 0);
        assert_eq!(again["runs_reused"], total);
    }
}

#[test]
fn a_certifying_search_killed_at_any_point_resumes_to_the_same_certificate() {
    resumes_to_the_same_result(&["--sut", "ack-deliv"], &[1, 2, 9, 33, 60]);
}

#[test]
fn a_counterexample_search_killed_at_any_point_resumes_to_the_same_counterexamples() {
    resumes_to_the_same_result(
        &[
            "--sut",
            "classic-deliv",
            "--all",
            "--crashes",
            "1",
            "--jobs",
            "2",
            "--batch",
            "3",
        ],
        &[1, 4, 10, 18],
    );
}

#[test]
fn a_stored_trace_that_differs_from_a_fresh_run_is_nondeterminism_and_both_are_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("runs.db");
    let (code, _) = explore_json(&db, &["--sut", "retry-deliv"]);
    assert_eq!(code, 1);
    // As if the SUT had behaved differently the first time: change one stored trace (and its
    // hash, so the store itself is consistent).
    let conn = rusqlite::Connection::open(&db).expect("opens");
    // The first run (by id) whose trace has a "hello" to change: a run with an early crash
    // may have none.
    let runs: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT run_id, trace FROM runs ORDER BY run_id")
        .expect("prepares")
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("queries")
        .collect::<Result<_, _>>()
        .expect("reads");
    let (run_id, text) = runs
        .into_iter()
        .map(|(run_id, blob)| {
            let trace = faultline_store::decompress(&blob, &run_id).expect("inflates");
            (run_id, String::from_utf8(trace).expect("utf-8"))
        })
        .find(|(_, text)| text.contains("\"hello\""))
        .expect("a run that delivered hello");
    let changed = text.replacen("\"hello\"", "\"hellp\"", 1);
    assert_ne!(changed, text);
    conn.execute(
        "UPDATE runs SET trace = ?1, trace_hash = ?2 WHERE run_id = ?3",
        rusqlite::params![
            faultline_store::compress(changed.as_bytes()),
            faultline_store::trace_hash(changed.as_bytes()),
            run_id
        ],
    )
    .expect("updates");
    drop(conn);
    let (code, json) = explore_json(&db, &["--sut", "retry-deliv", "--recheck", "1"]);
    assert_eq!(code, 4, "{json}");
    let found = json["nondeterminism"].as_array().expect("findings");
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["run_id"], run_id);
    assert_eq!(count(&db, "nondeterminism"), 1);
    faultline()
        .args(["db", "show", "--db"])
        .arg(&db)
        .arg(&run_id[..12])
        .assert()
        .success()
        .stdout(predicates::str::contains("NONDETERMINISM"));
}

#[test]
fn recheck_of_a_deterministic_search_finds_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = faultline()
        .args(["explore", "--sut", "ack-deliv", "--recheck", "0.5"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let line = text
        .lines()
        .find(|line| line.starts_with("recheck: "))
        .expect("a recheck line");
    let rechecked: u64 = line["recheck: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    // Half of 70 runs, give or take what the id hash decides; never none, never all.
    assert!((15..=55).contains(&rechecked), "{line}");
    assert!(line.ends_with(", 0 nondeterministic"), "{line}");
}

#[test]
fn db_commands_read_the_store_and_refuse_what_is_not_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("runs.db");
    explore_json(&db, &["--sut", "simple-deliv"]);
    explore_json(&db, &["--sut", "redun-deliv"]);
    let ls = faultline()
        .args(["db", "ls"])
        .arg(&db)
        .arg("--json")
        .output()
        .expect("runs");
    assert!(ls.status.success());
    let ls: Value = serde_json::from_slice(&ls.stdout).expect("json");
    assert_eq!(ls["schema"], "faultline-db-ls/v1");
    let searches = ls["searches"].as_array().expect("searches");
    assert_eq!(searches.len(), 2);
    assert_eq!(searches[0]["sut"], "simple-deliv");
    assert_eq!(searches[0]["verdict"], "counterexample");
    assert_eq!(searches[0]["runs"], 2);
    assert_eq!(searches[1]["verdict"], "certified");
    // A run's trace comes back byte for byte what `faultline run` writes.
    let conn = rusqlite::Connection::open(&db).expect("opens");
    let run_id: String = conn
        .query_row(
            "SELECT run_id FROM search_runs WHERE search_id = 1 AND idx = 1",
            [],
            |row| row.get(0),
        )
        .expect("the counterexample run");
    drop(conn);
    let stored = dir.path().join("stored.jsonl");
    faultline()
        .args(["db", "show", "--db"])
        .arg(&db)
        .arg(&run_id[..10])
        .arg("-o")
        .arg(&stored)
        .assert()
        .success();
    faultline()
        .args(["trace", "validate"])
        .arg(&stored)
        .assert()
        .success();
    faultline()
        .args(["db", "show", "--db"])
        .arg(&db)
        .arg("deadbeefdeadbeef")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no run"));
    faultline()
        .args(["db", "gc"])
        .arg(&db)
        .assert()
        .success()
        .stdout(predicates::str::contains("removed 0 searches and 0 runs"));
    // Not a store, a missing store, a store from a newer faultline.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not sqlite at all, just text that is long enough").expect("writes");
    faultline()
        .args(["db", "ls"])
        .arg(&junk)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("junk.db"));
    faultline()
        .args(["db", "ls"])
        .arg(dir.path().join("missing.db"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such store"));
    let conn = rusqlite::Connection::open(&db).expect("opens");
    conn.pragma_update(None, "user_version", 99).expect("sets");
    drop(conn);
    faultline()
        .args(["db", "ls"])
        .arg(&db)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("newer than this faultline knows"));
}

#[test]
fn the_regression_file_is_appended_to_and_replayed_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("faultline-regressions.txt");
    let explore = |extra: &[&str]| {
        faultline()
            .args(["explore", "--sut", "retry-deliv", "--regressions"])
            .arg(&file)
            .args(extra)
            .output()
            .expect("runs")
    };
    let first = explore(&[]);
    assert_eq!(first.status.code(), Some(1));
    let text = std::fs::read_to_string(&file).expect("written");
    let entries: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(entries.len(), 1, "{text}");
    let entry: Value = serde_json::from_str(entries[0]).expect("json");
    assert_eq!(entry["schema"], "faultline-regression/v1");
    assert_eq!(entry["sut"], "retry-deliv");
    // Replayed first: it still fails, so the search never starts (no solver call).
    let events = dir.path().join("events.ndjson");
    let second = faultline()
        .args(["explore", "--sut", "retry-deliv", "--regressions"])
        .arg(&file)
        .arg("--events")
        .arg(&events)
        .output()
        .expect("runs");
    assert_eq!(second.status.code(), Some(1));
    let stdout = String::from_utf8(second.stdout).expect("utf-8");
    assert!(stdout.contains("still fails"), "{stdout}");
    let log = std::fs::read_to_string(&events).expect("events");
    assert!(!log.contains("solve_started"), "{log}");
    // Nothing is appended twice.
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);
    // An entry for another SUT is not replayed; a broken line names its line and field.
    let other = faultline()
        .args(["explore", "--sut", "redun-deliv", "--regressions"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(other.status.code(), Some(0));
    std::fs::write(
        &file,
        format!("{text}{{\"schema\":\"faultline-regression/v1\",\"sut\":1}}\n"),
    )
    .expect("writes");
    let broken = explore(&[]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = String::from_utf8(broken.stderr).expect("utf-8");
    assert!(
        stderr.contains("faultline-regressions.txt:4: field `sut`"),
        "{stderr}"
    );
}

#[test]
fn events_are_ndjson_with_a_schema_on_every_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.ndjson");
    faultline()
        .args(["explore", "--sut", "retry-deliv", "--events"])
        .arg(&events)
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&events).expect("events");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert!(lines.iter().all(|l| l["schema"] == "faultline-events/v1"));
    assert_eq!(lines[0]["event"], "search_started");
    let last = lines.last().expect("lines");
    assert_eq!(last["event"], "search_finished");
    assert_eq!(last["verdict"], "counterexample");
    assert_eq!(last["runs"], 3);
    let runs = lines
        .iter()
        .filter(|l| l["event"] == "run_finished")
        .count();
    assert_eq!(runs, 3);
}

#[test]
fn junit_parses_with_a_real_junit_parser_and_carries_the_reproducer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("junit.xml");
    let summary = dir.path().join("summary.md");
    let output = faultline()
        .args(["explore", "--sut", "retry-deliv", "--github", "--junit"])
        .arg(&junit)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let annotation = stdout
        .lines()
        .find(|line| line.starts_with("::error title="))
        .expect("an error annotation");
    assert!(annotation.contains("retry-deliv"), "{annotation}");
    assert!(
        annotation.contains("%0Areproduce: faultline run --sut retry-deliv"),
        "{annotation}"
    );
    let markdown = std::fs::read_to_string(&summary).expect("the step summary");
    assert!(markdown.starts_with("## faultline"), "{markdown}");
    assert!(
        markdown.contains("| explore retry-deliv 4/2/1/0 (ldfi, seed 0) | counterexample | 3 |"),
        "{markdown}"
    );
    // Python's junitparser, as CI systems read it.
    let script = r#"
import sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
cases = [case for suite in xml for case in suite]
assert len(cases) == 1, cases
case = cases[0]
assert case.name == "explore retry-deliv 4/2/1/0 (ldfi, seed 0)", case.name
failures = [r for r in case.result if isinstance(r, Failure)]
assert len(failures) == 1, case.result
assert failures[0].type == "counterexample"
assert "reproduce: faultline run --sut retry-deliv" in failures[0].text, failures[0].text
print("ok")
"#;
    match Command::new("python3")
        .args(["-c", "import junitparser"])
        .status()
    {
        Ok(status) if status.success() => {
            let check = Command::new("python3")
                .args(["-c", script])
                .arg(&junit)
                .output()
                .expect("python runs");
            assert!(
                check.status.success(),
                "junitparser: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have junitparser (scripts/setup.sh installs it)"
            );
            eprintln!(
                "skipped: python3 with junitparser is not installed (scripts/setup.sh installs it)"
            );
        }
    }
}

#[test]
fn report_reads_a_store_back_with_the_same_verdicts_and_ci_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("runs.db");
    explore_json(&db, &["--sut", "redun-deliv"]);
    explore_json(&db, &["--sut", "retry-deliv"]);
    let junit = dir.path().join("junit.xml");
    let output = faultline()
        .arg("report")
        .arg(&db)
        .arg("--junit")
        .arg(&junit)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "a counterexample among them");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.contains("search #1 in"), "{text}");
    assert!(text.contains("verdict: certified"), "{text}");
    assert!(text.contains("counterexample run "), "{text}");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains("tests=\"2\"") && xml.contains("failures=\"1\""),
        "{xml}"
    );
    let json = faultline()
        .arg("report")
        .arg(&db)
        .args(["--search", "1", "--json"])
        .output()
        .expect("runs");
    assert_eq!(json.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(json["schema"], "faultline-report/v1");
    assert_eq!(json["searches"][0]["verdict"], "certified");
    assert_eq!(json["searches"][0]["report"]["runs"], 11);
    faultline()
        .arg("report")
        .arg(&db)
        .args(["--search", "9"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no search #9"));
}

#[test]
fn a_stored_search_becomes_an_html_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("runs.db");
    explore_json(&db, &["--sut", "retry-deliv"]);
    let page = dir.path().join("page.html");
    faultline()
        .arg("report")
        .arg(&db)
        .args(["--search", "1", "-o"])
        .arg(&page)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
        "{}",
        &html[..80]
    );
    assert!(html.contains("retry-deliv"));
    assert!(!html.contains("src=\"http"), "nothing is fetched");
    // An unfinished search has no page yet.
    faultline()
        .args(["report", "--db"])
        .arg(&db)
        .args(["--search", "7", "-o"])
        .arg(dir.path().join("none.html"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such search"));
}
