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
