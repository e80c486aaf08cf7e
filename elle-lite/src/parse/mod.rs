//! Reading histories: JSON (array, JSON Lines, conformance wrapper) and EDN, detected by
//! content.

mod edn;
mod json;
mod ops;

use crate::error::Error;
use crate::history::History;

/// The text formats elle-lite reads (faultline traces are converted by the CLI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON array of ops, or a `{"history": [...]}` wrapper.
    Json,
    /// One JSON op per line.
    JsonLines,
    /// Jepsen's EDN: `{:type :invoke, :f :txn, :value [[:append :x 1]], :process 0}` per line,
    /// or one vector of such maps.
    Edn,
}

/// Guesses the format from the first non-blank character(s): `{:` or `[{:` is EDN, `[` a JSON
/// array, `{` JSON Lines (or a one-document wrapper with a `history` field).
pub fn detect_format(text: &str) -> Format {
    let start = text.trim_start();
    let compact: String = start
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(3)
        .collect();
    if compact.starts_with("{:") || compact.starts_with("[{:") || compact.starts_with(';') {
        Format::Edn
    } else if compact.starts_with('[') {
        Format::Json
    } else {
        Format::JsonLines
    }
}

/// Parses a history in the given format (or the detected one).
///
/// # Errors
/// [`Error::Syntax`] or [`Error::Field`] naming the line and op for malformed input,
/// [`Error::Empty`] when no ops were found.
pub fn parse_history(text: &str, format: Option<Format>) -> Result<History, Error> {
    let format = format.unwrap_or_else(|| detect_format(text));
    let history = match format {
        Format::Json if text.trim_start().starts_with('{') => json::parse_wrapper(text)?,
        Format::Json => json::parse_array(text)?,
        Format::JsonLines if json::is_wrapper(text) => json::parse_wrapper(text)?,
        Format::JsonLines => json::parse_lines(text)?,
        Format::Edn => edn::parse(text)?,
    };
    if history.ops.is_empty() {
        return Err(Error::Empty);
    }
    Ok(history)
}

/// Maps byte offsets to 1-based line numbers.
pub(crate) struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Self { newlines }
    }

    /// The line of `offset`.
    pub(crate) fn line(&self, offset: usize) -> u64 {
        self.newlines.partition_point(|&nl| nl < offset) as u64 + 1
    }

    /// The line where `part`, a slice of `text`, starts.
    pub(crate) fn line_of(&self, text: &str, part: &str) -> u64 {
        let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        self.line(offset.min(text.len()))
    }
}
