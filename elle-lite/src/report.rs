//! The checker's answer: Elle's result map (`valid`, `anomaly-types`, `anomalies`, `not`,
//! `also-not`), as JSON for machines and as text for people.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

/// Elle's `:valid?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// No reportable anomaly.
    Valid,
    /// A prohibited anomaly was found.
    Invalid,
    /// Only unknown markers (`empty-transaction-graph`, `cycle-search-timeout`) are reportable.
    Unknown,
}

impl Validity {
    /// `true`, `false` or `"unknown"`.
    pub fn to_json(self) -> Value {
        match self {
            Validity::Valid => Value::Bool(true),
            Validity::Invalid => Value::Bool(false),
            Validity::Unknown => Value::from("unknown"),
        }
    }
}

/// One anomaly instance: Elle-shaped details and an explanation in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Details (ops as `{"index", "process", "type"}`, keys and elements as in the input).
    pub detail: Value,
    /// Why this is an anomaly, for people.
    pub explanation: String,
}

/// The result of [`crate::check`].
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    /// The verdict under the requested models.
    pub valid: Validity,
    /// The reportable anomaly types, sorted.
    pub anomaly_types: Vec<String>,
    /// The reportable findings by type.
    pub anomalies: BTreeMap<String, Vec<Finding>>,
    /// The weakest models ruled out by everything found (friendly names).
    pub not: Vec<String>,
    /// The stronger models ruled out too.
    pub also_not: Vec<String>,
    /// Every anomaly type found, reportable or not.
    pub found_types: Vec<String>,
    /// The models the history was checked against.
    pub models: Vec<String>,
}

impl CheckResult {
    /// `{"valid": true|false|"unknown", "anomaly_types": [..], "anomalies": {type: [..]},
    /// "not": [..], "also_not": [..]}`; every finding carries its `explanation`.
    pub fn to_json(&self) -> Value {
        let anomalies: serde_json::Map<String, Value> = self
            .anomalies
            .iter()
            .map(|(kind, findings)| {
                let list = findings
                    .iter()
                    .map(|f| {
                        let mut detail = f.detail.clone();
                        if let Value::Object(map) = &mut detail {
                            map.insert("explanation".into(), Value::from(f.explanation.as_str()));
                        }
                        detail
                    })
                    .collect();
                (kind.clone(), Value::Array(list))
            })
            .collect();
        json!({
            "valid": self.valid.to_json(),
            "anomaly_types": self.anomaly_types,
            "anomalies": anomalies,
            "not": self.not,
            "also_not": self.also_not,
        })
    }

    /// The report for people: verdict, explanations per anomaly type, models ruled out.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let models = if self.models.is_empty() {
            "the requested anomalies".to_owned()
        } else {
            self.models.join(", ")
        };
        let _ = match self.valid {
            Validity::Valid => {
                writeln!(out, "VALID under {models}: no prohibited anomalies found.")
            }
            Validity::Invalid => writeln!(
                out,
                "INVALID under {models}: {} anomaly type(s): {}",
                self.anomaly_types.len(),
                self.anomaly_types.join(", ")
            ),
            Validity::Unknown => writeln!(
                out,
                "UNKNOWN under {models}: {} (no prohibited anomaly, but the analysis is inconclusive)",
                self.anomaly_types.join(", ")
            ),
        };
        for (kind, findings) in &self.anomalies {
            let _ = writeln!(out, "\n== {kind} ({} found) ==", findings.len());
            for (i, finding) in findings.iter().enumerate() {
                let _ = writeln!(out, "\n{kind} #{i}");
                let _ = writeln!(out, "{}", finding.explanation.trim_end());
            }
        }
        if !self.not.is_empty() {
            let _ = writeln!(out, "\nRuled out: {}", self.not.join(", "));
            if !self.also_not.is_empty() {
                let _ = writeln!(
                    out,
                    "Also ruled out (stronger): {}",
                    self.also_not.join(", ")
                );
            }
        }
        let hidden: Vec<&String> = self
            .found_types
            .iter()
            .filter(|t| !self.anomalies.contains_key(*t))
            .collect();
        if !hidden.is_empty() {
            let _ = writeln!(
                out,
                "\nAlso found, but allowed by the requested models: {}",
                hidden
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out
    }
}
