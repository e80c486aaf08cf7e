//! The one error type of the trace crate: every variant says where (file, line) and what.

/// An error reading, writing or validating a trace.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// The file could not be read or written.
    #[error("{file}: {source}")]
    Io {
        /// File name as given by the user (`-` for standard input).
        file: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file has no header line.
    #[error("{file}: empty trace: expected a header line (schema \"faultline-trace/v1\")")]
    Empty {
        /// File name.
        file: String,
    },
    /// A line is not one JSON object.
    #[error("{file}:{line}: not a JSON object: {message}")]
    Syntax {
        /// File name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// What the JSON parser said.
        message: String,
    },
    /// A field is missing, has the wrong type or an impossible value.
    #[error(
        "{file}:{line}: field `{field}`: expected {expected}{}",
        found_suffix(found)
    )]
    Field {
        /// File name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The field (a dotted path for nested fields, e.g. `faults[0].at`).
        field: String,
        /// What was expected there.
        expected: String,
        /// What was found, when there was something.
        found: Option<String>,
    },
    /// An in-memory trace (no file, no line numbers) has an event that a derived view cannot use.
    #[error("event #{event}: field `{field}`: expected {expected}")]
    InvalidEvent {
        /// The event's id.
        event: u64,
        /// The offending field.
        field: String,
        /// What was expected there.
        expected: String,
    },
}

fn found_suffix(found: &Option<String>) -> String {
    match found {
        Some(found) => format!(", found {found}"),
        None => String::new(),
    }
}

impl TraceError {
    /// The 1-based line the error is on, if it is about one line.
    pub fn line(&self) -> Option<u64> {
        match self {
            TraceError::Syntax { line, .. } | TraceError::Field { line, .. } => Some(*line),
            TraceError::Io { .. } | TraceError::Empty { .. } | TraceError::InvalidEvent { .. } => {
                None
            }
        }
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            TraceError::Field { field, .. } | TraceError::InvalidEvent { field, .. } => Some(field),
            _ => None,
        }
    }
}
