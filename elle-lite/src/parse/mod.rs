//! Reading histories: JSON (array, JSON Lines, conformance wrapper) and EDN, detected by
//! content.

mod edn;
mod fast;
mod json;
mod ops;

use std::io::Read;

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
    // `#` opens a tagged EDN value: Jepsen writes `#jepsen.history.Op{...}` records.
    let edn_start = ["{:", "[{:", ";", "#", "[#"];
    if edn_start.iter().any(|prefix| compact.starts_with(prefix)) {
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
    if text.len() as u64 > MAX_BYTES {
        return Err(Error::TooLarge {
            bytes: text.len() as u64,
        });
    }
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

/// The history's arenas index micro-ops and elements with u32: each takes at least two bytes
/// of text, so this bound keeps them in range.
const MAX_BYTES: u64 = 2 * u32::MAX as u64;

/// How much of a JSON Lines stream is read at a time.
const CHUNK: u64 = 4 << 20;

/// Reads a history from a stream (a file, stdin), in the given format or the detected one;
/// `name` names the stream in I/O errors.
///
/// JSON Lines are parsed chunk by chunk as they arrive, so a history of a million
/// transactions (hundreds of MB) is never held whole; other formats (and inputs whose first
/// line does not settle the format) are read whole and parsed as [`parse_history`] does.
///
/// # Errors
/// As [`parse_history`], plus [`Error::Io`] when reading fails or the text is not UTF-8.
pub fn read_history(
    reader: impl Read,
    format: Option<Format>,
    name: &str,
) -> Result<History, Error> {
    read_in_chunks(reader, format, name, CHUNK)
}

fn read_in_chunks(
    mut reader: impl Read,
    format: Option<Format>,
    name: &str,
    chunk: u64,
) -> Result<History, Error> {
    let io = |source: std::io::Error| Error::Io {
        path: name.to_owned(),
        source,
    };
    let mut buffer = Vec::new();
    let mut at_eof = fill(&mut reader, &mut buffer, chunk).map_err(io)?;
    if at_eof || !streams_as_json_lines(&buffer, format) {
        reader.read_to_end(&mut buffer).map_err(io)?;
        let text = String::from_utf8(buffer).map_err(|_| io(not_utf8()))?;
        return parse_history(&text, format);
    }
    let mut lines = json::LinesParser::default();
    let mut total = 0u64;
    loop {
        // Whole lines only; the rest waits for the next chunk.
        let end = if at_eof {
            buffer.len()
        } else {
            buffer
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
        };
        let text = std::str::from_utf8(&buffer[..end]).map_err(|_| io(not_utf8()))?;
        lines.feed(text)?;
        total += end as u64;
        if total > MAX_BYTES {
            return Err(Error::TooLarge { bytes: total });
        }
        buffer.drain(..end);
        if at_eof {
            break;
        }
        at_eof = fill(&mut reader, &mut buffer, chunk).map_err(io)?;
    }
    if lines.history.ops.is_empty() {
        return Err(Error::Empty);
    }
    Ok(lines.history)
}

/// Appends up to `chunk` bytes; true at the end of the stream.
fn fill(reader: &mut impl Read, buffer: &mut Vec<u8>, chunk: u64) -> std::io::Result<bool> {
    let read = reader.by_ref().take(chunk).read_to_end(buffer)?;
    Ok((read as u64) < chunk)
}

fn not_utf8() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

/// True when the start of a stream already shows it is JSON Lines (not a one-document
/// wrapper), exactly as [`detect_format`] and the wrapper test would on the whole text.
fn streams_as_json_lines(head: &[u8], format: Option<Format>) -> bool {
    let Some(last_newline) = head.iter().rposition(|&b| b == b'\n') else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&head[..last_newline]) else {
        return false;
    };
    // The detection looks at the first three non-blank characters and the first non-blank
    // line: both must be complete here.
    let decided = text.chars().filter(|c| !c.is_whitespace()).nth(2).is_some();
    decided
        && format.unwrap_or_else(|| detect_format(text)) == Format::JsonLines
        && !json::is_wrapper(text)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenConfig, Store, generate, write_json_lines};
    use proptest::prelude::*;

    /// Everything a parse produced, in a comparable form.
    fn fingerprint(history: &History, with_lines: bool) -> String {
        let mut out = Vec::new();
        write_json_lines(history, &mut out).expect("in-memory write");
        let mut text = String::from_utf8(out).expect("UTF-8");
        for op in &history.ops {
            let line = if with_lines { op.line } else { 0 };
            text.push_str(&format!("{:?} {:?} {line}\n", op.process, op.time));
        }
        text
    }

    fn op_line() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            any::<i64>().prop_map(|i| i.to_string()),
            (0i64..40).prop_map(|i| i.to_string()),
            "[a-z]{1,3}".prop_map(|s| format!("\"{s}\"")),
            Just("1.5".to_owned()),
            Just("\"x\\n\"".to_owned()),
        ];
        let list =
            prop::collection::vec(atom.clone(), 0..4).prop_map(|l| format!("[{}]", l.join(", ")));
        let mop = prop_oneof![
            (atom.clone(), atom.clone()).prop_map(|(k, v)| format!("[\"append\", {k}, {v}]")),
            (atom.clone(), list).prop_map(|(k, l)| format!("[\"r\",{k},{l}]")),
            atom.clone().prop_map(|k| format!("[\"r\", {k}, null]")),
        ];
        let mops = prop::collection::vec(mop, 0..4).prop_map(|m| format!("[{}]", m.join(",")));
        let process = prop_oneof![
            (0i64..4).prop_map(|p| p.to_string()),
            Just("\"nemesis\"".to_owned())
        ];
        let op_type = prop_oneof![Just("ok"), Just("invoke"), Just("info"), Just("fail")];
        let extra = prop_oneof![
            Just(String::new()),
            Just(", \"f\": \"txn\"".to_owned()),
            Just(",\"time\":12345".to_owned()),
            Just(",\"time\":1.5e3".to_owned()),
            Just(", \"error\": [\"x\"]".to_owned()),
        ];
        (0u64..1000, op_type, process, mops, extra, any::<bool>()).prop_map(
            |(index, op_type, process, mops, extra, index_last)| {
                if index_last {
                    format!("{{\"type\":\"{op_type}\", \"process\":{process},\"value\":{mops}{extra}, \"index\": {index}}}")
                } else {
                    format!("{{\"index\":{index},\"type\":\"{op_type}\",\"process\":{process}{extra},\"value\":{mops}}}")
                }
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The JSON Lines fast path reads exactly what the serde path (used for JSON arrays)
        /// reads, or gives the same verdict on bad input.
        #[test]
        fn fast_path_agrees_with_serde(lines in prop::collection::vec(op_line(), 1..12)) {
            let jsonl = lines.join("\n");
            let array = format!("[{}]", lines.join(",\n"));
            let (fast, serde) = (parse_history(&jsonl, None), parse_history(&array, None));
            match (fast, serde) {
                (Ok(a), Ok(b)) => prop_assert_eq!(fingerprint(&a, false), fingerprint(&b, false)),
                (Err(_), Err(_)) => {}
                (a, b) => prop_assert!(false, "{:?} vs {:?}", a.map(|_| ()), b.map(|_| ())),
            }
        }

        /// Streaming in chunks of any size reads what parsing the whole text reads.
        #[test]
        fn chunked_reading_matches_whole_text(seed in any::<u64>(), txns in 1usize..80, chunk in 1usize..400) {
            let store = Store::SnapshotIsolation;
            let history = generate(&GenConfig { txns, store, seed, ..GenConfig::default() });
            let mut out = Vec::new();
            write_json_lines(&history, &mut out).expect("in-memory write");
            // A blank line and a CRLF ending must not shift line numbers.
            out.splice(0..0, b"\n".iter().copied());
            out.extend_from_slice(b"\r\n");
            let text = String::from_utf8(out).expect("UTF-8");
            let whole = parse_history(&text, None).expect("generated history parses");
            let streamed = read_in_chunks(text.as_bytes(), None, "test", chunk as u64)
                .expect("generated history streams");
            prop_assert_eq!(fingerprint(&streamed, true), fingerprint(&whole, true));
        }
    }

    #[test]
    fn streamed_errors_name_the_same_line() {
        let text = "{\"type\":\"ok\",\"process\":0,\"value\":[]}\n\n{\"type\":\"ok\",\"process\":0,\"value\":[[\"r\",1,2]]}\n";
        let whole = parse_history(text, None).expect_err("non-list read");
        let streamed = read_in_chunks(text.as_bytes(), None, "test", 8).expect_err("non-list read");
        assert_eq!(whole.to_string(), streamed.to_string());
        assert!(
            whole
                .to_string()
                .starts_with("line 3 (op #1): field `value`"),
            "{whole}"
        );
    }

    #[test]
    fn invalid_utf8_is_an_io_error() {
        let text = b"{\"type\":\"ok\",\"process\":0,\"value\":[]}\n\xff\n";
        let error = read_in_chunks(&text[..], None, "test", 8).expect_err("not UTF-8");
        assert!(matches!(error, Error::Io { .. }), "{error}");
    }
}
