//! Every case in `shared/conformance/elle/` (Elle's own verdicts) is checked here:
//! `expected_valid` and `valid_under` exactly, non-cycle anomalies exactly, cycle anomaly names
//! loosely (mismatches are printed, not failed), as the folder's README says.

use std::collections::BTreeSet;
use std::path::PathBuf;

use elle_lite::{CheckOptions, CheckResult, Validity, check, parse_history};
use serde_json::Value;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/conformance/elle");

const NON_CYCLE: [&str; 8] = [
    "G1a",
    "G1b",
    "internal",
    "future-read",
    "incompatible-order",
    "duplicate-elements",
    "dirty-update",
    "lost-update",
];

fn case_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(CASES);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("conformance folder {} is missing: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn options_of(case: &Value) -> CheckOptions {
    let opts = &case["check_opts"];
    let models = match opts.get("consistency-models") {
        None => Some(vec!["strict-serializable".to_owned()]),
        Some(Value::Null) => None,
        Some(list) => Some(strings(list)),
    };
    CheckOptions {
        consistency_models: models,
        anomalies: opts.get("anomalies").map(strings).unwrap_or_default(),
        ..CheckOptions::default()
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn validity(value: &Value) -> Option<Validity> {
    match value {
        Value::Bool(true) => Some(Validity::Valid),
        Value::Bool(false) => Some(Validity::Invalid),
        Value::String(s) if s == "unknown" => Some(Validity::Unknown),
        _ => None,
    }
}

fn non_cycle(types: &[String]) -> BTreeSet<String> {
    types
        .iter()
        .filter(|t| NON_CYCLE.contains(&t.as_str()))
        .cloned()
        .collect()
}

/// Checks one case; returns hard failures and soft notes.
fn run_case(path: &PathBuf) -> (Vec<String>, Vec<String>) {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("?")
        .to_owned();
    let text = std::fs::read_to_string(path).expect("case file is readable");
    let case: Value = serde_json::from_str(&text).expect("case file is JSON");
    let history = match parse_history(&text, None) {
        Ok(h) => h,
        Err(e) => return (vec![format!("{name}: does not parse: {e}")], vec![]),
    };
    let (mut hard, mut soft) = (Vec::new(), Vec::new());
    let main: CheckResult = match check(&history, &options_of(&case)) {
        Ok(r) => r,
        Err(e) => return (vec![format!("{name}: check failed: {e}")], vec![]),
    };
    let expected_types = strings(&case["expected_anomalies"]);
    if let Some(expected) = validity(&case["expected_valid"])
        && main.valid != expected
    {
        hard.push(format!(
            "{name}: valid {:?}, Elle {:?} ({:?})",
            main.valid, expected, main.anomaly_types
        ));
    }
    let ours = non_cycle(&main.anomaly_types);
    let theirs = non_cycle(&expected_types);
    let garbage_case = case.get("expected_error_in_elle").is_some();
    if (garbage_case && !theirs.is_subset(&ours)) || (!garbage_case && ours != theirs) {
        hard.push(format!(
            "{name}: non-cycle anomalies {ours:?}, Elle {theirs:?}"
        ));
    }
    let ours_all: BTreeSet<&String> = main.anomaly_types.iter().collect();
    let theirs_all: BTreeSet<&String> = expected_types.iter().collect();
    if ours_all != theirs_all {
        soft.push(format!(
            "{name}: anomaly types {ours_all:?}, Elle {theirs_all:?}"
        ));
    }
    if let Some(under) = case["valid_under"].as_object() {
        for (model, expected) in under {
            let result =
                check(&history, &CheckOptions::models(&[model.as_str()])).expect("checked above");
            if Some(result.valid) != validity(expected) {
                hard.push(format!(
                    "{name}: under {model}: {:?} {:?}, Elle {expected}",
                    result.valid, result.anomaly_types
                ));
            }
        }
    }
    for model in strings(&case["unknown_under"]) {
        let result =
            check(&history, &CheckOptions::models(&[model.as_str()])).expect("checked above");
        if result.valid != Validity::Unknown {
            hard.push(format!(
                "{name}: under {model}: {:?}, Elle unknown",
                result.valid
            ));
        }
    }
    (hard, soft)
}

#[test]
fn all_conformance_cases_agree_with_elle() {
    let files = case_files();
    assert_eq!(
        files.len(),
        64,
        "expected the 64 conformance cases in {CASES}"
    );
    let mut hard = Vec::new();
    let mut soft = Vec::new();
    let mut ran = 0;
    for path in &files {
        let (h, s) = run_case(path);
        hard.extend(h);
        soft.extend(s);
        ran += 1;
    }
    for note in &soft {
        eprintln!("soft (cycle names): {note}");
    }
    assert_eq!(ran, 64, "every case must run");
    assert!(
        hard.is_empty(),
        "{} disagreements with Elle:\n{}",
        hard.len(),
        hard.join("\n")
    );
}
