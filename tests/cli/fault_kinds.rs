//! Restarts, swizzle-clogs and clock skews from the command line: the search proposes them,
//! agrees with exhaustive enumeration, counts them, and refuses bounds it cannot search.

use serde_json::Value;

use crate::common::faultline;

fn explore_json(args: &[&str]) -> (i32, Value) {
    let output = faultline()
        .arg("explore")
        .args(args)
        .arg("--json")
        .output()
        .expect("explore runs");
    let code = output.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{args:?}: no JSON ({err}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, json)
}

#[test]
fn the_solver_proposes_a_swizzle_and_exhaustive_enumeration_agrees() {
    let spec = [
        "--sut",
        "classic-deliv",
        "--swizzles",
        "1",
        "--crashes",
        "0",
        "--eff",
        "0",
    ];
    let (code, ldfi) = explore_json(&spec);
    assert_eq!(code, 1);
    assert_eq!(ldfi["verdict"], "counterexample");
    assert_eq!(ldfi["runs"], 2);
    // Hold b's deliveries from round 2 to the end of time: b learns "hello" too late to relay.
    assert_eq!(
        ldfi["counterexample"],
        serde_json::json!([{"kind":"swizzle","nodes":["b"],"clog_at":[2],"unclog_at":[5]}])
    );
    assert_eq!(ldfi["spec"]["max_swizzles"], 1);
    let mut exhaustive_args = spec.to_vec();
    exhaustive_args.extend(["--strategy", "exhaustive"]);
    let (code, exhaustive) = explore_json(&exhaustive_args);
    assert_eq!(code, 1);
    assert_eq!(exhaustive["verdict"], "counterexample");
    // Every set of the space was run: the exact count with the swizzles.
    assert_eq!(exhaustive["runs"], 683);
    assert_eq!(exhaustive["fault_space"]["exact"], "683");
    let minimal = exhaustive["counterexamples"].as_array().expect("a list");
    assert!(minimal.contains(&ldfi["counterexample"]), "{minimal:?}");
}

#[test]
fn restarts_are_searched_and_agree_with_exhaustive_enumeration() {
    // Spaces small enough to enumerate in a debug build (1,408, 1,408 and 61 sets).
    for (sut, eot, eff) in [
        ("retry-deliv", "4", "2"),
        ("primary-backup", "4", "2"),
        ("2pc", "5", "1"),
    ] {
        let spec = [
            "--sut",
            sut,
            "--eot",
            eot,
            "--eff",
            eff,
            "--crashes",
            "1",
            "--restarts",
            "1",
        ];
        let (ldfi_code, ldfi) = explore_json(&spec);
        let mut exhaustive_args = spec.to_vec();
        exhaustive_args.extend(["--strategy", "exhaustive"]);
        let (code, exhaustive) = explore_json(&exhaustive_args);
        assert_eq!(
            exhaustive["runs"].to_string(),
            exhaustive["fault_space"]["exact"]
                .as_str()
                .expect("a count"),
            "{sut}: the whole space was run"
        );
        assert_eq!(ldfi_code, code, "{sut}");
        assert_eq!(ldfi["verdict"], exhaustive["verdict"], "{sut}");
        assert_eq!(ldfi["spec"]["max_restarts"], 1);
        if let Some(found) = ldfi["counterexample"].as_array() {
            let minimal = exhaustive["counterexamples"].as_array().expect("a list");
            assert!(
                minimal.contains(&ldfi["counterexample"]),
                "{sut}: {found:?} is not among {minimal:?}"
            );
        }
    }
}

#[test]
fn skews_need_an_async_sut_and_a_magnitude() {
    let output = faultline()
        .args(["explore", "--sut", "simple-deliv", "--skews", "1"])
        .args(["--max-skew-ns", "1000"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("clock skews need an async SUT"), "{stderr}");
    for (args, needle) in [
        (vec!["--skews", "1"], "--max-skew-ns"),
        (
            vec!["--skews", "1", "--max-skew-ns", "10", "--skew-step-ns", "3"],
            "a divisor of max_skew_ns = 10",
        ),
        (
            vec![
                "--skews",
                "1",
                "--max-skew-ns",
                "6500",
                "--skew-step-ns",
                "10",
            ],
            "at most 64 magnitudes",
        ),
        (vec!["--swizzles", "2"], "--swizzles"),
    ] {
        let output = faultline()
            .args(["explore", "--sut", "async-ack-deliv"])
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let output = faultline()
        .args(["run", "--sut", "simple-deliv", "--faults"])
        .arg(r#"[{"kind":"skew","node":"a","by_ns":5,"at":1}]"#)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_skew_search_on_an_async_sut_agrees_with_exhaustive_enumeration() {
    let spec = [
        "--sut",
        "async-ack-deliv",
        "--eot",
        "8",
        "--eff",
        "1",
        "--crashes",
        "0",
        "--skews",
        "1",
        "--max-skew-ns",
        "2000000",
        "--skew-step-ns",
        "1000000",
    ];
    let (code, ldfi) = explore_json(&spec);
    let mut exhaustive_args = spec.to_vec();
    exhaustive_args.extend(["--strategy", "exhaustive"]);
    let (exhaustive_code, exhaustive) = explore_json(&exhaustive_args);
    assert_eq!(code, exhaustive_code);
    assert_eq!(ldfi["verdict"], exhaustive["verdict"]);
    // No skew, or one of 3 nodes × 8 times × 4 offsets (±1 ms, ±2 ms).
    assert_eq!(exhaustive["runs"], 97);
    assert_eq!(ldfi["spec"]["max_skew_ns"], 2_000_000);
    assert_eq!(ldfi["spec"]["skew_step_ns"], 1_000_000);
}

#[test]
fn estimate_counts_restarts_swizzles_and_skews() {
    let count = |args: &[&str]| -> String {
        let output = faultline()
            .arg("estimate")
            .args(args)
            .arg("--json")
            .output()
            .expect("runs");
        assert!(output.status.success(), "{args:?}");
        let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        json["exact"]
            .as_str()
            .expect("a decimal string")
            .to_string()
    };
    // Two nodes, EOT 3: no swizzle, or one of 3 + 3 one-node and 7 two-node ones.
    assert_eq!(
        count(&[
            "--eot",
            "3",
            "--eff",
            "0",
            "--nodes",
            "2",
            "--swizzles",
            "1"
        ]),
        "14"
    );
    // One node, EOT 3, EFF 0: never crash, crash at 1..3, or crash c and restart r > c.
    assert_eq!(
        count(&[
            "--eot",
            "3",
            "--eff",
            "0",
            "--nodes",
            "1",
            "--crashes",
            "1",
            "--restarts",
            "1"
        ]),
        "7"
    );
    // One node, EOT 2: no skew, or 2 times × 2 offsets (±10).
    assert_eq!(
        count(&[
            "--eot",
            "2",
            "--eff",
            "0",
            "--nodes",
            "1",
            "--skews",
            "1",
            "--max-skew-ns",
            "10"
        ]),
        "5"
    );
}
