//! Helpers shared by the CLI tests.

use std::path::PathBuf;

/// The `faultline` binary under test.
pub fn faultline() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("faultline").expect("the faultline binary is built")
}

/// `../shared` beside the repository (anchors and conformance cases).
#[allow(dead_code)]
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
}

/// The repository root.
#[allow(dead_code)]
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[allow(dead_code)]
/// A `suggest --lines` loop with `faultline run` (given `run_spec`) as the simulator, as a
/// foreign simulator's loop would drive it; returns suggest's exit code once it stops proposing
/// (0 certified, 1 counterexample, 3 inconclusive, 2 or 4 an error) and the number of runs.
pub fn suggest_loop(sut: &str, spec: &[&str], run_spec: &[&str]) -> (i32, usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |index: usize, faults: &str| {
        faultline()
            .args(["run", "--sut", sut, "--faults", faults])
            .args(run_spec)
            .arg("-o")
            .arg(dir.path().join(format!("run{index:04}.jsonl")))
            .output()
            .expect("runs");
    };
    run(0, "[]");
    for runs in 1..400 {
        let mut traces: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|entry| entry.expect("entry").path())
            .collect();
        traces.sort();
        let output = faultline()
            .args(["suggest", "--lines"])
            .args(spec)
            .args(&traces)
            .output()
            .expect("suggest runs");
        let code = output.status.code().unwrap_or(-1);
        let stdout = String::from_utf8(output.stdout).expect("utf-8");
        match (code, stdout.lines().next()) {
            (0, Some(faults)) => run(runs, faults),
            _ => return (code, runs),
        }
    }
    panic!("{sut}: no verdict in 400 runs");
}
