//! The checker: preparation, version orders, direct anomalies, the dependency graph and the
//! cycle search, stitched together by [`check`].

mod describe;
mod direct;
mod dirty;
mod exists;
mod explain;
mod graph;
mod pairs;
mod prepare;
mod scc;
mod search;
mod versions;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use self::describe::{key_json, list_json, list_text};
use self::graph::{Extras, all_components};
use self::prepare::Prepared;
use crate::error::Error;
use crate::history::History;
use crate::models;
use crate::report::{CheckResult, Finding, Validity};

/// What to check for (Elle's `check` options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Models expected to hold; `None` means no model (only `anomalies`). Elle's default is
    /// `["strict-serializable"]`.
    pub consistency_models: Option<Vec<String>>,
    /// Extra anomalies to prohibit (with everything that implies them), e.g. `["G0"]`.
    pub anomalies: Vec<String>,
    /// Edge relaxations the cycle search may spend per strongly connected component before it
    /// reports `cycle-search-timeout` (a step count, so results are deterministic).
    pub cycle_search_budget: u64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            consistency_models: Some(vec!["strict-serializable".to_owned()]),
            anomalies: Vec::new(),
            cycle_search_budget: 5_000_000,
        }
    }
}

impl CheckOptions {
    /// Options checking exactly these models.
    pub fn models(models: &[&str]) -> Self {
        Self {
            consistency_models: Some(models.iter().map(|m| (*m).to_owned()).collect()),
            ..Self::default()
        }
    }
}

/// One pass over the prepared history that finds one kind of anomaly.
type Pass = fn(&Prepared<'_>) -> Vec<Finding>;

const UNKNOWN_MARKERS: [&str; 2] = ["empty-transaction-graph", "cycle-search-timeout"];

/// Checks a list-append history.
///
/// # Errors
/// [`Error::DuplicateAppend`] when two invocations append the same element to the same key
/// (Elle answers `:unknown` there; the inference needs unique appends).
pub fn check(history: &History, options: &CheckOptions) -> Result<CheckResult, Error> {
    let prepared = Prepared::new(history)?;
    let model_names: Vec<&'static str> = options
        .consistency_models
        .iter()
        .flatten()
        .filter_map(|m| models::canonical_of(m))
        .collect();
    let mut prohibited = models::anomalies_prohibited_by(&model_names);
    prohibited.extend(models::anomalies_implying(
        options.anomalies.iter().map(String::as_str),
    ));
    let realtime = prohibited
        .iter()
        .any(|a| is_cycle_type(a) && a.ends_with("-realtime"));
    let process = prohibited
        .iter()
        .any(|a| is_cycle_type(a) && a.ends_with("-process"));
    // Elle relies on realtime order to cover process order; without invocations it cannot.
    let extras = Extras {
        realtime,
        process: (process && !realtime) || (realtime && !prepared.fully_paired),
    };
    let mut found: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let versions = versions::versions(&prepared);
    cycle_anomalies(
        &prepared,
        &versions,
        extras,
        options.cycle_search_budget,
        &mut found,
    );
    direct_anomalies(&prepared, &versions, &mut found);
    Ok(result_map(options, &prohibited, found))
}

fn is_cycle_type(anomaly: &str) -> bool {
    let base = anomaly
        .trim_end_matches("-realtime")
        .trim_end_matches("-process");
    matches!(
        base,
        "G0" | "G1c"
            | "G-single-item"
            | "G-nonadjacent-item"
            | "G2-item"
            | "G-single"
            | "G-nonadjacent"
            | "G2"
    )
}

fn cycle_anomalies(
    prepared: &Prepared<'_>,
    versions: &versions::Versions,
    extras: Extras,
    budget: u64,
    found: &mut BTreeMap<String, Vec<Finding>>,
) {
    let graph = graph::build(prepared, versions, extras);
    if graph.edge_count() == 0 {
        found
            .entry("empty-transaction-graph".into())
            .or_default()
            .push(Finding {
                detail: json!({"type": "empty-transaction-graph"}),
                explanation:
                    "no transaction depends on another (the dependency graph has no edges), \
                          so nothing can be said about their order"
                        .into(),
            });
    }
    let mut scratch = search::Scratch::default();
    for scc in all_components(&graph, &mut scratch.scc) {
        let result = search::search_scc(prepared, versions, &graph, &scc, budget, &mut scratch);
        for (kind, findings) in result.by_type {
            found.entry(kind).or_default().extend(findings);
        }
    }
    let history = prepared.history;
    for case in &versions.incompatible {
        found
            .entry("incompatible-order".into())
            .or_default()
            .push(Finding {
                detail: json!({
                    "key": key_json(history, case.key),
                    "values": [list_json(history, &case.shorter), list_json(history, &case.longer)],
                }),
                explanation: format!(
                    "reads of key {} saw {} and {}; neither is a prefix of the other, so no single \
                 order of appends explains both",
                    history.key(case.key),
                    list_text(history, &case.shorter),
                    list_text(history, &case.longer)
                ),
            });
    }
}

fn direct_anomalies(
    prepared: &Prepared<'_>,
    versions: &versions::Versions,
    found: &mut BTreeMap<String, Vec<Finding>>,
) {
    let mut push = |kind: &str, findings: Vec<Finding>| {
        if !findings.is_empty() {
            found.entry(kind.into()).or_default().extend(findings);
        }
    };
    push("duplicate-elements", direct::duplicates(prepared, versions));
    push("garbage-read", dirty::garbage_reads(prepared, versions));
    let passes: [(&str, Pass); 6] = [
        ("internal", direct::internal),
        ("future-read", direct::future_reads),
        ("dirty-update", dirty::dirty_updates),
        ("G1a", direct::aborted_reads),
        ("G1b", direct::intermediate_reads),
        ("lost-update", direct::lost_updates),
    ];
    for (kind, pass) in passes {
        push(kind, pass(prepared));
    }
}

/// Elle's `result-map`: filter by what the models prohibit, drop redundant cycle-exists
/// proofs, and name the models ruled out.
fn result_map(
    options: &CheckOptions,
    prohibited: &BTreeSet<&'static str>,
    found: BTreeMap<String, Vec<Finding>>,
) -> CheckResult {
    let found_types: Vec<String> = found.keys().cloned().collect();
    let bad = found.keys().any(|k| prohibited.contains(k.as_str()));
    let mut reportable: BTreeMap<String, Vec<Finding>> = found
        .into_iter()
        .filter(|(k, _)| prohibited.contains(k.as_str()) || UNKNOWN_MARKERS.contains(&k.as_str()))
        .collect();
    let others: Vec<&str> = reportable
        .keys()
        .map(String::as_str)
        .filter(|k| !k.ends_with("-cycle-exists"))
        .collect();
    let impossible = models::impossible_models(others);
    reportable.retain(|k, _| match k.strip_suffix("-cycle-exists") {
        Some(model) => !impossible.contains(model),
        None => true,
    });
    let models_checked = options.consistency_models.clone().unwrap_or_default();
    if reportable.is_empty() {
        return CheckResult {
            valid: Validity::Valid,
            anomaly_types: Vec::new(),
            anomalies: BTreeMap::new(),
            not: Vec::new(),
            also_not: Vec::new(),
            found_types,
            models: models_checked,
        };
    }
    let (not, also_not) = models::boundary(found_types.iter().map(String::as_str));
    CheckResult {
        valid: if bad {
            Validity::Invalid
        } else {
            Validity::Unknown
        },
        anomaly_types: reportable.keys().cloned().collect(),
        anomalies: reportable,
        not,
        also_not,
        found_types,
        models: models_checked,
    }
}
