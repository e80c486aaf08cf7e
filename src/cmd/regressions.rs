//! The regression file (proptest's and Hypothesis's habit): every counterexample a search
//! finds is appended as one line, the file is committed to the user's repository, and
//! `explore --regressions FILE` replays its entries for the SUT first, failing fast when one
//! still fails.
//!
//! Format: JSON Lines; `#` starts a comment line. Each entry:
//! `{"schema":"faultline-regression/v1","sut":..,"build_id":..,"seed":..,"spec":{..},
//! "faults":[..],"reproducer":".."}`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use faultline_trace::{FailureSpec, Fault};
use serde::{Deserialize, Serialize};

/// The schema of every entry.
pub(crate) const REGRESSION_SCHEMA: &str = "faultline-regression/v1";

/// One counterexample to replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub schema: String,
    pub sut: String,
    pub build_id: String,
    pub seed: u64,
    pub spec: FailureSpec,
    pub faults: Vec<Fault>,
    pub reproducer: String,
}

impl Entry {
    /// Entries name the same counterexample when these agree (the build id may differ:
    /// replaying old counterexamples on new builds is the point).
    fn same_case(&self, other: &Entry) -> bool {
        (self.sut.as_str(), self.seed, self.spec, &self.faults)
            == (other.sut.as_str(), other.seed, other.spec, &other.faults)
    }
}

/// The entries of `path` with their line numbers; a missing file has none.
pub(crate) fn read(path: &Path) -> anyhow::Result<Vec<(u64, Entry)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => {
            return Err(err).with_context(|| format!("{}: cannot read", path.display()));
        }
    };
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut deserializer = serde_json::Deserializer::from_str(trimmed);
        let entry: Entry = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let field = err.path().to_string();
            anyhow::anyhow!(
                "{}:{number}: field `{field}`: {}",
                path.display(),
                err.into_inner()
            )
        })?;
        if entry.schema != REGRESSION_SCHEMA {
            anyhow::bail!(
                "{}:{number}: field `schema`: {:?} is not {REGRESSION_SCHEMA:?}",
                path.display(),
                entry.schema
            );
        }
        entries.push((number, entry));
    }
    Ok(entries)
}

/// Appends the entries not in the file yet; returns how many were added.
pub(crate) fn append(path: &Path, new: &[Entry]) -> anyhow::Result<usize> {
    let existing = read(path)?;
    let fresh: Vec<&Entry> = new
        .iter()
        .enumerate()
        .filter(|(index, entry)| {
            !existing.iter().any(|(_, old)| old.same_case(entry))
                && !new[..*index].iter().any(|earlier| earlier.same_case(entry))
        })
        .map(|(_, entry)| entry)
        .collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    let header = !path.exists();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("{}: cannot open for appending", path.display()))?;
    let mut text = String::new();
    if header {
        text.push_str(
            "# faultline regression file: counterexamples found by `faultline explore`, replayed \
             first by `explore --regressions`.\n# Commit it. One JSON object per line.\n",
        );
    }
    for entry in &fresh {
        text.push_str(&serde_json::to_string(entry).expect("entries serialize"));
        text.push('\n');
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_data())
        .with_context(|| format!("{}: cannot append", path.display()))?;
    Ok(fresh.len())
}
