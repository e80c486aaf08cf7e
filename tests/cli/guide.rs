//! The GUIDE's CI examples parse: every ```yaml block marked `yaml-check` is valid YAML of the
//! shape its tool expects.

use std::process::Command;

use crate::common::repo_dir;

/// The ```yaml blocks that follow a `yaml-check` marker.
fn checked_yaml_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if !line.contains("<!-- yaml-check") {
            continue;
        }
        let opening = lines.next().unwrap_or_default();
        assert_eq!(
            opening.trim(),
            "```yaml",
            "a yaml-check marker precedes a ```yaml block"
        );
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        blocks.push(block.join("\n"));
    }
    blocks
}

#[test]
fn the_ci_workflow_and_the_indexed_job_parse_as_yaml() {
    let guide = std::fs::read_to_string(repo_dir().join("GUIDE.md")).expect("GUIDE.md");
    let blocks = checked_yaml_blocks(&guide);
    assert_eq!(
        blocks.len(),
        2,
        "the GitHub workflow and the Kubernetes Job"
    );
    let script = r#"
import sys, yaml
docs = [yaml.safe_load(open(p)) for p in sys.argv[1:]]
workflow, job = docs
steps = workflow["jobs"]["shard"]["steps"]
assert workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
assert any("--shard ${{ matrix.shard }}/4" in s.get("run", "") for s in steps), steps
assert any("faultline merge" in s.get("run", "") for s in workflow["jobs"]["merge"]["steps"])
assert job["kind"] == "Job" and job["spec"]["completionMode"] == "Indexed"
env = job["spec"]["template"]["spec"]["containers"][0]["env"]
assert {"name": "FAULTLINE_SHARDS", "value": "8"} in env, env
assert job["spec"]["completions"] == 8
print("ok")
"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<_> = blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let path = dir.path().join(format!("block{i}.yaml"));
            std::fs::write(&path, block).expect("writes");
            path
        })
        .collect();
    match Command::new("python3").args(["-c", "import yaml"]).status() {
        Ok(status) if status.success() => {
            let out = Command::new("python3")
                .args(["-c", script])
                .args(&paths)
                .output()
                .expect("python runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have PyYAML (scripts/setup-test-tools.sh installs it)"
            );
            eprintln!("skipped: python3 with PyYAML is not installed");
        }
    }
}
