//! The contract every subcommand keeps: exit codes, a full standard output is an error (exit 2,
//! named) rather than a panic, out-of-range numbers are bad input, `--json` carries `schema`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{faultline, repo_dir, shared_dir};

/// A trace written by `faultline run` into `dir`.
fn trace_in(dir: &Path) -> PathBuf {
    let path = dir.join("run.jsonl");
    faultline()
        .args(["run", "--sut", "retry-deliv", "-o"])
        .arg(&path)
        .assert()
        .code(0);
    path
}

fn elle_case() -> PathBuf {
    shared_dir()
        .join("conformance")
        .join("elle")
        .join("cli-valid-multiple-processes.json")
}

/// Runs `faultline ARGS` with `stdout` as its standard output.
fn into_full(args: &[&str], stdout: std::fs::File) -> std::process::Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("faultline"))
        .args(args)
        .stdout(stdout)
        .output()
        .expect("runs")
}

/// Every subcommand that prints a report, with `/dev/full` as standard output: exit 2 with a
/// message naming standard output and the cause, never a panic (exit 101).
#[test]
fn a_full_standard_output_exits_2_with_a_message_in_every_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = trace_in(dir.path());
    let trace = trace.to_str().expect("utf-8 path");
    let spec = repo_dir().join("specs").join("retry-deliv.ltl");
    let spec = spec.to_str().expect("utf-8 path");
    let elle = elle_case();
    let elle = elle.to_str().expect("utf-8 path");
    let commands: &[&[&str]] = &[
        &["suts"],
        &["suts", "--json"],
        &["run", "--sut", "simple-deliv"],
        &["run", "--sut", "simple-deliv", "--json"],
        &["run", "--sut", "simple-deliv", "--spec", spec],
        &["trace", "show", trace],
        &["trace", "show", "--chart", trace],
        &["trace", "validate", trace],
        &["trace", "validate", "--json", trace],
        &["explore", "--sut", "simple-deliv"],
        &["explore", "--sut", "simple-deliv", "--json"],
        &["estimate", "--eot", "4", "--eff", "2", "--nodes", "3"],
        &[
            "estimate", "--eot", "4", "--eff", "2", "--nodes", "3", "--json",
        ],
        &["lineage", trace],
        &["lineage", "--dot", trace],
        &["lineage", "--json", trace],
        &["elle", elle],
        &["elle", "--json", elle],
        &["check", "--spec", spec, trace],
        &["check", "--json", "--spec", spec, trace],
        &[
            "suggest",
            "--eot",
            "4",
            "--eff",
            "2",
            "--crashes",
            "1",
            trace,
        ],
        &[
            "suggest",
            "--lines",
            "--eot",
            "4",
            "--eff",
            "2",
            "--crashes",
            "1",
            trace,
        ],
        &[
            "bench",
            "ldfi",
            "--random-seeds",
            "1",
            "--random-runs-max",
            "1",
        ],
        &[
            "bench",
            "ldfi",
            "--random-seeds",
            "1",
            "--random-runs-max",
            "1",
            "--json",
        ],
    ];
    for args in commands {
        let full = std::fs::File::create("/dev/full").expect("/dev/full opens");
        let output = into_full(args, full);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("standard output") && stderr.contains("No space left"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// `--help` that cannot be printed is an error too, not a silent success.
#[test]
fn help_into_a_full_standard_output_exits_2() {
    let full = std::fs::File::create("/dev/full").expect("/dev/full opens");
    let output = into_full(&["explore", "--help"], full);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("standard output"));
}

/// Counts that reach Z3's `i32` cardinality bounds or start thousands of threads are refused
/// by name before anything runs.
#[test]
fn huge_crash_clog_and_job_counts_are_bad_input_naming_the_flag() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["explore", "--sut", "retry-deliv", "--crashes", "2147483648"],
            "--crashes",
        ),
        (
            &["explore", "--sut", "retry-deliv", "--crashes", "1001"],
            "--crashes",
        ),
        // retry-deliv has 3 nodes, and a node crashes at most once.
        (
            &["explore", "--sut", "retry-deliv", "--crashes", "4"],
            "--crashes 4",
        ),
        (
            &["explore", "--sut", "retry-deliv", "--clogs", "2147483648"],
            "--clogs",
        ),
        (
            &["explore", "--sut", "retry-deliv", "--jobs", "100000"],
            "--jobs",
        ),
        (
            &["explore", "--sut", "retry-deliv", "--jobs", "257"],
            "--jobs",
        ),
        (
            &[
                "estimate",
                "--eot",
                "4",
                "--eff",
                "2",
                "--nodes",
                "3",
                "--crashes",
                "2147483648",
            ],
            "--crashes",
        ),
        (
            &[
                "estimate",
                "--eot",
                "4",
                "--eff",
                "2",
                "--nodes",
                "3",
                "--crashes",
                "4",
            ],
            "--crashes 4",
        ),
        (
            &["estimate", "--eot", "4", "--eff", "2", "--nodes", "65"],
            "--nodes",
        ),
        (&["bench", "ldfi", "--random-seeds", "0"], "--random-seeds"),
    ];
    for (args, flag) in cases {
        let output = faultline().args(*args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?} names {flag}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // The bounds themselves are accepted.
    faultline()
        .args([
            "explore",
            "--sut",
            "retry-deliv",
            "--crashes",
            "3",
            "--jobs",
            "256",
        ])
        .assert()
        .code(1);
}

fn json_stdout(args: &[&str], code: i32) -> Value {
    let output = faultline().args(args).output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

/// Every `--json` document names its schema and version.
#[test]
fn every_json_document_carries_its_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = trace_in(dir.path());
    let trace = trace.to_str().expect("utf-8 path");
    let elle = elle_case();
    let elle = elle.to_str().expect("utf-8 path");
    let cases: &[(&[&str], i32, &str)] = &[
        (&["suts", "--json"], 0, "faultline-suts/v1"),
        (
            &["run", "--sut", "simple-deliv", "--json"],
            0,
            "faultline-run/v1",
        ),
        (
            &["trace", "validate", "--json", trace],
            0,
            "faultline-trace-validate/v1",
        ),
        (
            &["explore", "--sut", "simple-deliv", "--json"],
            1,
            "faultline-explore/v1",
        ),
        (
            &[
                "estimate", "--eot", "4", "--eff", "2", "--nodes", "3", "--json",
            ],
            0,
            "faultline-estimate/v1",
        ),
        (&["lineage", "--json", trace], 0, "faultline-lineage/v1"),
        (&["elle", "--json", elle], 0, "faultline-elle/v1"),
        (
            &[
                "bench",
                "ldfi",
                "--random-seeds",
                "1",
                "--random-runs-max",
                "1",
                "--json",
            ],
            0,
            "faultline-bench/v1",
        ),
        (
            &["bench", "scaling", "--quick", "--json"],
            0,
            "faultline-bench-scaling/v1",
        ),
        (
            &["bench", "suggest", "--runs", "12", "--count", "4", "--json"],
            0,
            "faultline-bench-suggest/v1",
        ),
    ];
    for (args, code, schema) in cases {
        let document = json_stdout(args, *code);
        assert_eq!(document["schema"], *schema, "{args:?}");
    }
    let bench = json_stdout(
        &[
            "bench",
            "ldfi",
            "--random-seeds",
            "1",
            "--random-runs-max",
            "1",
            "--json",
        ],
        0,
    );
    assert_eq!(bench["rows"].as_array().map(Vec::len), Some(10));
    // The suggest bench checks that --db and the stateless call agree at every checkpoint.
    let suggest = json_stdout(
        &["bench", "suggest", "--runs", "12", "--count", "4", "--json"],
        0,
    );
    let rows = suggest["rows"].as_array().expect("rows");
    assert!(!rows.is_empty(), "{suggest}");
    assert!(
        rows.iter().all(|row| row["same_proposals"] == true),
        "{suggest}"
    );
    let scaling = json_stdout(&["bench", "scaling", "--quick", "--json"], 0);
    let rows = scaling["rows"].as_array().expect("rows");
    // The smallest point of each curve: async EOT (with a crash), relay EOT, nodes.
    assert_eq!(rows.len(), 3, "{scaling}");
    assert!(
        rows.iter().all(|row| row["verdict"] != "inconclusive"),
        "{scaling}"
    );
    // An invalid trace still gets a schema-tagged document (and exit 2).
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{}\n").expect("write");
    let document = json_stdout(&["trace", "validate", "--json", bad.to_str().unwrap()], 2);
    assert_eq!(document["schema"], "faultline-trace-validate/v1");
    assert_eq!(document["valid"], false);
}
