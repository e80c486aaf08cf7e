//! `faultline suts` and `faultline run`: summaries, verdicts, exit codes, traces.

use faultline_trace::{RunVerdict, TraceReader};
use predicates::prelude::*;

use crate::common::faultline;

const LOSE_A_TO_B: &str = r#"[{"kind":"omission","src":"a","dst":"b","at":1}]"#;

#[test]
fn suts_lists_every_sut_with_its_spec() {
    let output = faultline()
        .arg("suts")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    for (name, eot, eff, crashes) in [
        ("simple-deliv", 4, 2, 0),
        ("retry-deliv", 4, 2, 1),
        ("redun-deliv", 11, 10, 1),
        ("ack-deliv", 8, 7, 1),
        ("classic-deliv", 5, 3, 0),
    ] {
        let line = text
            .lines()
            .find(|line| line.starts_with(name))
            .unwrap_or_else(|| panic!("{name} listed:\n{text}"));
        let columns: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(columns[1], "rounds", "{line}");
        assert_eq!(
            columns[2..5],
            [eot.to_string(), eff.to_string(), crashes.to_string()],
            "{line}"
        );
        assert!(line.contains("Molly"), "a description: {line}");
    }
    // The name column is as wide as the longest name (sync-service-durable): read columns.
    let async_ack = text
        .lines()
        .find(|line| line.starts_with("async-ack-deliv "))
        .unwrap_or_else(|| panic!("async-ack-deliv listed:\n{text}"));
    assert_eq!(
        async_ack.split_whitespace().nth(1),
        Some("async"),
        "{async_ack}"
    );
}

#[test]
fn suts_json_is_machine_readable() {
    let output = faultline()
        .args(["suts", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let document: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(document["schema"], "faultline-suts/v1");
    let ack = document["suts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ack-deliv")
        .unwrap();
    assert_eq!(ack["default_spec"]["eot"], 8);
    assert_eq!(ack["default_spec"]["max_crashes"], 1);
    assert_eq!(ack["nodes"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(ack["time_model"], "rounds");
}

#[test]
fn a_good_run_exits_0_with_a_summary() {
    faultline()
        .args(["run", "--sut", "simple-deliv"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "messages: 2 sent, 2 delivered, 0 dropped",
        ))
        .stdout(predicate::str::contains("crashes: 0"))
        .stdout(predicate::str::contains(
            "invariant: holds: all 3 nodes have \"hello\"",
        ));
}

#[test]
fn a_violation_exits_1_with_a_reproducer() {
    faultline()
        .args(["run", "--sut", "simple-deliv", "--faults", LOSE_A_TO_B])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("faults: omission a→b@1"))
        .stdout(predicate::str::contains("2 sent, 1 delivered, 1 dropped"))
        .stdout(predicate::str::contains(
            "invariant: VIOLATED: c has \"hello\" but b does not",
        ))
        .stdout(predicate::str::contains(format!(
            "reproduce: faultline run --sut simple-deliv --seed 0 --eot 4 --faults '{LOSE_A_TO_B}'"
        )));
}

#[test]
fn faults_can_come_from_a_file_and_eot_can_change() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faults.json");
    std::fs::write(
        &file,
        r#"[{"kind":"omission","src":"a","dst":"b","at":1},{"kind":"crash","node":"a","at":2}]"#,
    )
    .unwrap();
    faultline()
        .args(["run", "--sut", "retry-deliv", "--faults"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("crashes: 1"));
    // With only the omission, a's retries reach b.
    faultline()
        .args([
            "run",
            "--sut",
            "retry-deliv",
            "--eot",
            "6",
            "--faults",
            LOSE_A_TO_B,
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("eot 6"));
}

#[test]
fn bad_input_exits_2_and_says_what_is_wrong() {
    faultline()
        .args(["run", "--sut", "no-such-sut"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown SUT `no-such-sut`"))
        .stderr(predicate::str::contains(
            "simple-deliv, retry-deliv, redun-deliv, ack-deliv, classic-deliv",
        ));
    faultline()
        .args([
            "run",
            "--sut",
            "simple-deliv",
            "--faults",
            r#"[{"kind":"omission","src":"a","dst":"b"}]"#,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--faults: [0]: missing field `at`",
        ));
    faultline()
        .args(["run", "--sut", "simple-deliv", "--faults", "[{"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1 column 2"));
    faultline()
        .args([
            "run",
            "--sut",
            "simple-deliv",
            "--faults",
            r#"[{"kind":"crash","node":"z","at":1}]"#,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown node `z`"));
    faultline()
        .args([
            "run",
            "--sut",
            "simple-deliv",
            "--faults",
            r#"[{"kind":"clog","node":"b","from":4,"to":2}]"#,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("starts at 4 but ends at 2"));
    faultline()
        .args([
            "run",
            "--sut",
            "simple-deliv",
            "--faults",
            "no/such/file.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/file.json"));
}

#[test]
fn the_written_trace_reads_back_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let paths = [dir.path().join("one.jsonl"), dir.path().join("two.jsonl")];
    for path in &paths {
        faultline()
            .args([
                "run",
                "--sut",
                "classic-deliv",
                "--seed",
                "7",
                "--faults",
                LOSE_A_TO_B,
                "-o",
            ])
            .arg(path)
            .assert()
            .code(0);
    }
    let bytes = std::fs::read(&paths[0]).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(&paths[1]).unwrap(),
        "byte-identical across runs"
    );
    let trace = TraceReader::new(&bytes[..], "one.jsonl")
        .unwrap()
        .into_trace()
        .unwrap();
    faultline_trace::validate(&trace, "one.jsonl").unwrap();
    let header = &trace.header;
    assert_eq!(header.sut, "classic-deliv");
    assert_eq!(header.seed, 7);
    assert_eq!(
        header.faults,
        faultline_trace::parse_faults(LOSE_A_TO_B).unwrap()
    );
    assert_eq!(header.failure_spec.unwrap().eot, 5);
    assert_eq!(header.verdict, Some(RunVerdict::Good));
    assert_eq!(header.nodes, ["a", "b", "c"]);
    assert!(
        trace
            .events
            .iter()
            .any(|e| e.kind == faultline_trace::EventKind::Drop)
    );
}

#[test]
fn run_json_reports_counts_and_the_invariant() {
    let output = faultline()
        .args([
            "run",
            "--sut",
            "simple-deliv",
            "--json",
            "--faults",
            LOSE_A_TO_B,
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(summary["verdict"], "bad");
    assert_eq!(summary["sent"], 2);
    assert_eq!(summary["dropped"], 1);
    assert_eq!(summary["invariant"]["holds"], false);
    assert_eq!(
        summary["invariant"]["explanation"],
        "c has \"hello\" but b does not"
    );
    assert_eq!(summary["faults"][0]["kind"], "omission");
}

#[test]
fn async_suts_run_too() {
    faultline()
        .args([
            "run",
            "--sut",
            "async-ack-deliv",
            "--seed",
            "3",
            "--faults",
            r#"[{"kind":"clog","node":"b","from":1,"to":20}]"#,
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 dropped"));
}

/// `faultline ... | head -1` ends quietly (SIGPIPE), never with a panic about stdout.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("long.jsonl");
    // Long enough that the expanded proof (hundreds of KB) outlasts the pipe's buffer.
    faultline()
        .args(["run", "--sut", "redun-deliv", "--eot", "300", "-o"])
        .arg(&trace)
        .assert()
        .code(0);
    let binary = assert_cmd::cargo::cargo_bin("faultline");
    let spec = crate::common::repo_dir()
        .join("specs")
        .join("redun-deliv.ltl");
    let script = format!(
        "'{}' check --expand --spec '{}' '{}' | head -n 1",
        binary.display(),
        spec.display(),
        trace.display()
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
}

#[test]
fn a_run_of_zero_rounds_is_bad_input() {
    faultline()
        .args(["run", "--sut", "simple-deliv", "--eot", "0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--eot 0"));
}

/// `--swizzle-clog` and `--random-faults` draw from the seed, print the faults in full, and the
/// reproducer (explicit faults, no flags) gives the byte-identical trace.
#[test]
fn drawn_faults_are_printed_and_reproduce_the_same_trace() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (flags, seed) in [
        (&["--swizzle-clog"][..], "11"),
        (&["--random-faults", "30"][..], "5"),
    ] {
        let drawn = dir.path().join("drawn.jsonl");
        let output = faultline()
            .args([
                "run",
                "--sut",
                "redun-deliv",
                "--seed",
                seed,
                "--json",
                "-o",
            ])
            .arg(&drawn)
            .args(flags)
            .output()
            .expect("runs");
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        let faults = summary["faults"].as_array().expect("faults").clone();
        assert!(!faults.is_empty(), "{flags:?} drew nothing");
        if flags[0] == "--swizzle-clog" {
            // FoundationDB's shape: every clog starts before any ends.
            let starts = faults.iter().map(|f| f["from"].as_u64().expect("from"));
            let ends = faults.iter().map(|f| f["to"].as_u64().expect("to"));
            assert!(starts.max() < ends.min(), "{faults:?}");
        }
        let replay = dir.path().join("replay.jsonl");
        faultline()
            .args(["run", "--sut", "redun-deliv", "--seed", seed, "--faults"])
            .arg(serde_json::to_string(&faults).expect("json"))
            .arg("-o")
            .arg(&replay)
            .assert()
            .code(predicates::ord::le(1));
        assert_eq!(
            std::fs::read(&drawn).expect("drawn trace"),
            std::fs::read(&replay).expect("replayed trace"),
            "{flags:?}"
        );
    }
}

/// Limits and impossible values are bad input, named, never silently adjusted.
#[test]
fn out_of_range_arguments_are_bad_input() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "run",
                "--sut",
                "simple-deliv",
                "--faults",
                r#"[{"kind":"crash","node":"a","at":9}]"#,
            ],
            "outside the run",
        ),
        (
            &[
                "run",
                "--sut",
                "simple-deliv",
                "--faults",
                r#"[{"kind":"omission","src":"a","dst":"b","at":0}]"#,
            ],
            "outside the run",
        ),
        (
            &["run", "--sut", "simple-deliv", "--eot", "10000000"],
            "at most 100000",
        ),
        (
            &[
                "explore",
                "--sut",
                "simple-deliv",
                "--eot",
                "100001",
                "--eff",
                "2",
            ],
            "a search accepts at most 100000",
        ),
        (
            &["explore", "--sut", "simple-deliv", "--runs-max", "0"],
            "--runs-max",
        ),
        (
            &["explore", "--sut", "simple-deliv", "--batch", "0"],
            "--batch",
        ),
        (
            &["estimate", "--eot", "0", "--eff", "0", "--nodes", "3"],
            "--eot 0",
        ),
    ];
    for (args, message) in cases {
        faultline()
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(*message));
    }
}

/// `run -o` replaces the file only once the whole trace is written. Here the write fails part
/// way (a 1 KiB file-size limit, SIGXFSZ ignored so the write returns EFBIG): the old file
/// stays byte for byte, no temporary file is left, and the error names the file (exit 2).
/// Writing in place used to truncate the old file first and leave a partial trace.
#[test]
fn a_failed_trace_write_leaves_the_old_file_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.jsonl");
    let old = b"the previous trace\n";
    std::fs::write(&path, old).expect("write the old file");
    let binary = assert_cmd::cargo::cargo_bin("faultline");
    // ack-deliv's trace is about 13 KB, past the limit of two 512-byte blocks.
    let output = std::process::Command::new("sh")
        .args(["-c", r#"trap '' XFSZ; ulimit -f 2; exec "$0" "$@""#])
        .arg(&binary)
        .args(["run", "--sut", "ack-deliv", "-o"])
        .arg(&path)
        .output()
        .expect("sh runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("old.jsonl"), "{stderr}");
    assert_eq!(std::fs::read(&path).expect("read"), old);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["old.jsonl"], "no temporary file left behind");
}

/// A run that fails before its trace exists leaves the old file alone too, and a successful
/// run replaces it, keeping its permissions.
#[test]
fn run_output_replaces_the_old_file_only_on_success() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.jsonl");
    let old = b"the previous trace\n";
    std::fs::write(&path, old).expect("write the old file");
    faultline()
        .args(["run", "--sut", "simple-deliv", "--faults", "[{]", "-o"])
        .arg(&path)
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&path).expect("read"), old);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    faultline()
        .args(["run", "--sut", "simple-deliv", "-o"])
        .arg(&path)
        .assert()
        .code(0);
    let trace = std::fs::read_to_string(&path).expect("read");
    assert!(trace.starts_with(r#"{"schema":"faultline-trace/v1""#));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
}
