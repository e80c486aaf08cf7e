//! The one error type of elle-lite: bad input, always with the line and op it came from.

/// Everything that can go wrong while reading or checking a history.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not well-formed JSON / EDN.
    #[error("line {line}, column {column}{}: {message}", op_suffix(*.op))]
    Syntax {
        /// 1-based line of the problem.
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// 0-based position of the op in the file, when known.
        op: Option<usize>,
        /// What the parser expected.
        message: String,
    },
    /// An op is well-formed text but a field has the wrong shape or value.
    #[error("line {line}{}: field `{field}`: {message}", op_suffix(Some(*.op)))]
    Field {
        /// 1-based line of the op.
        line: u64,
        /// 0-based position of the op in the file.
        op: usize,
        /// The field at fault (`type`, `process`, `value`, ...).
        field: &'static str,
        /// What was expected.
        message: String,
    },
    /// The same element was appended to the same key by two invocations (Elle's
    /// `:duplicate-appends`); list-append inference needs unique appends.
    #[error(
        "line {line} (op index {index}): element {element} appended to key {key} more than once; \
         list-append histories need unique appends"
    )]
    DuplicateAppend {
        /// 1-based line of the second append.
        line: u64,
        /// `index` of the op with the second append.
        index: u64,
        /// The key, as written.
        key: String,
        /// The element, as written.
        element: String,
    },
    /// The input holds no operations at all.
    #[error("the history is empty: no operations found")]
    Empty,
    /// The input is too big for one history (more than 8 GiB of text).
    #[error("the history is too large ({bytes} bytes; at most 8 GiB)")]
    TooLarge {
        /// The size of the text.
        bytes: u64,
    },
    /// Reading the input failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn op_suffix(op: Option<usize>) -> String {
    match op {
        Some(op) => format!(" (op #{op})"),
        None => String::new(),
    }
}
