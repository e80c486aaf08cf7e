//! Streaming JSON Lines reading and writing.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::{Event, Header, SCHEMA, Trace, TraceError};

/// Reads a trace one event at a time. The header is read (and checked) by [`TraceReader::new`].
///
/// Only syntax and field types are checked here; [`crate::validate`] checks the rest
/// (dense ids, message links, known nodes, patches).
pub struct TraceReader<R> {
    input: R,
    file: String,
    header: Header,
    header_line: u64,
    line: u64,
    buffer: Vec<u8>,
}

impl TraceReader<BufReader<File>> {
    /// Opens `path` (use [`TraceReader::new`] with standard input for `-`).
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let file = path.display().to_string();
        let handle = File::open(path).map_err(|source| TraceError::Io {
            file: file.clone(),
            source,
        })?;
        TraceReader::new(BufReader::with_capacity(1 << 20, handle), file)
    }
}

impl<R: BufRead> TraceReader<R> {
    /// Reads the header line of `input`; `file` names the input in errors.
    pub fn new(mut input: R, file: impl Into<String>) -> Result<Self, TraceError> {
        let file = file.into();
        let mut buffer = Vec::with_capacity(4096);
        let mut line = 0;
        loop {
            buffer.clear();
            let read = input
                .read_until(b'\n', &mut buffer)
                .map_err(|source| TraceError::Io {
                    file: file.clone(),
                    source,
                })?;
            if read == 0 {
                return Err(TraceError::Empty { file });
            }
            line += 1;
            if !is_blank(&buffer) {
                break;
            }
        }
        let header: Header = parse_line(&buffer, &file, line)?;
        if header.schema != SCHEMA {
            return Err(TraceError::Field {
                file,
                line,
                field: "schema".into(),
                expected: format!("\"{SCHEMA}\""),
                found: Some(format!("{:?}", header.schema)),
            });
        }
        Ok(TraceReader {
            input,
            file,
            header,
            header_line: line,
            line,
            buffer,
        })
    }

    /// The trace's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The name used for this input in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line number of the header (after any leading blank lines).
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The 1-based line number of the last line read.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The next event, `None` at the end. Blank lines are skipped.
    pub fn next_event(&mut self) -> Option<Result<Event, TraceError>> {
        loop {
            self.buffer.clear();
            match self.input.read_until(b'\n', &mut self.buffer) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(source) => {
                    return Some(Err(TraceError::Io {
                        file: self.file.clone(),
                        source,
                    }));
                }
            }
            self.line += 1;
            if !is_blank(&self.buffer) {
                return Some(parse_line(&self.buffer, &self.file, self.line));
            }
        }
    }

    /// Reads every remaining event into a [`Trace`] (no validation beyond field types).
    pub fn into_trace(self) -> Result<Trace, TraceError> {
        self.into_trace_with_lines().map(|(trace, _)| trace)
    }

    /// Like [`TraceReader::into_trace`], plus the 1-based line each event was read from
    /// (`lines[i]` for event `i`; blank lines make it differ from `i + 2`).
    pub fn into_trace_with_lines(self) -> Result<(Trace, Vec<u64>), TraceError> {
        let header = self.header.clone();
        let mut events = Vec::new();
        let mut lines = Vec::new();
        self.for_each_event(|event, line| {
            events.push(event);
            lines.push(line);
            Ok(())
        })?;
        Ok((Trace { header, events }, lines))
    }

    /// Reads every remaining event and hands it with its line number to `visit`, in order,
    /// stopping at the first error (a parse error or one `visit` returns).
    pub fn for_each_event(
        mut self,
        mut visit: impl FnMut(Event, u64) -> Result<(), TraceError>,
    ) -> Result<(), TraceError> {
        while let Some(event) = self.next_event() {
            visit(event?, self.line)?;
        }
        Ok(())
    }
}

impl<R: BufRead> Iterator for TraceReader<R> {
    type Item = Result<Event, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event()
    }
}

/// Reads and validates the trace at `path` (`-` is standard input).
///
/// Validation runs while reading, so errors carry the real line numbers.
pub fn read_trace(path: &Path) -> Result<Trace, TraceError> {
    if path == Path::new("-") {
        read_and_validate(TraceReader::new(std::io::stdin().lock(), "-")?)
    } else {
        read_and_validate(TraceReader::open(path)?)
    }
}

/// Reads every event of `reader` into a [`Trace`], validating each as it is read.
pub fn read_and_validate<R: BufRead>(reader: TraceReader<R>) -> Result<Trace, TraceError> {
    let mut validator =
        crate::Validator::new(reader.header(), reader.file(), reader.header_line())?;
    let mut trace = Trace::new(reader.header().clone());
    reader.for_each_event(|event, line| {
        validator.check(&event, line)?;
        trace.events.push(event);
        Ok(())
    })?;
    Ok(trace)
}

/// Parses one JSON Lines record; on failure, re-parses it to name the offending field.
pub(crate) fn parse_line<T: DeserializeOwned>(
    bytes: &[u8],
    file: &str,
    line: u64,
) -> Result<T, TraceError> {
    // serde would also read a struct from an array, positionally: a record is an object.
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(TraceError::Syntax {
            file: file.to_string(),
            line,
            message: "expected a JSON object, one record per line".into(),
        });
    }
    match serde_json::from_slice(bytes) {
        Ok(value) => Ok(value),
        // The slow path runs only on bad input: it tracks the path of the field being parsed.
        Err(err) if err.is_data() => {
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
                Ok(value) => Ok(value),
                Err(err) => Err(field_error(err, file, line)),
            }
        }
        Err(err) => Err(TraceError::Syntax {
            file: file.to_string(),
            line,
            message: strip_position(&err),
        }),
    }
}

fn field_error(
    err: serde_path_to_error::Error<serde_json::Error>,
    file: &str,
    line: u64,
) -> TraceError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = strip_position(&inner);
    // serde names a missing or repeated field in its message, not in the path.
    for (prefix, expected, found) in [
        ("missing field `", "a value (the field is required)", None),
        ("duplicate field `", "the field once", Some("it twice")),
    ] {
        let Some(name) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
        else {
            continue;
        };
        let field = if path == "." {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        return TraceError::Field {
            file: file.to_string(),
            line,
            field,
            expected: expected.into(),
            found: found.map(str::to_string),
        };
    }
    let (found, expected) = split_invalid(&message);
    TraceError::Field {
        file: file.to_string(),
        line,
        field: if path == "." { "(record)".into() } else { path },
        expected,
        found,
    }
}

/// Turns serde's "invalid type: string \"x\", expected u64" into (found, expected).
fn split_invalid(message: &str) -> (Option<String>, String) {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((found, expected)) = rest.split_once(", expected ")
        {
            return (Some(found.to_string()), expected.to_string());
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return (Some(found.to_string()), expected.to_string());
    }
    (None, message.to_string())
}

/// serde_json appends " at line 1 column 17"; the line is ours to report.
fn strip_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message,
    }
}

pub(crate) fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Writes a trace as JSON Lines: the header, then one event per line.
pub struct TraceWriter<W: Write> {
    output: BufWriter<W>,
    next_id: u64,
}

impl<W: Write> TraceWriter<W> {
    /// Writes the header line.
    pub fn new(output: W, header: &Header) -> std::io::Result<Self> {
        let mut output = BufWriter::with_capacity(1 << 16, output);
        serde_json::to_writer(&mut output, header)?;
        output.write_all(b"\n")?;
        Ok(TraceWriter { output, next_id: 0 })
    }

    /// Writes one event; ids must be dense.
    pub fn write_event(&mut self, event: &Event) -> std::io::Result<()> {
        assert_eq!(event.id, self.next_id, "events are written in id order");
        self.next_id += 1;
        serde_json::to_writer(&mut self.output, event)?;
        self.output.write_all(b"\n")
    }

    /// Flushes and returns the inner writer.
    pub fn finish(self) -> std::io::Result<W> {
        self.output.into_inner().map_err(|err| err.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"schema":"faultline-trace/v1","run_id":"x","sut":"s","time_model":"rounds","nodes":["a"]}"#;

    fn first_event_error(line: &str) -> TraceError {
        let text = format!("{HEADER}\n{line}\n");
        let mut reader = TraceReader::new(text.as_bytes(), "t.jsonl").expect("header reads");
        reader
            .next_event()
            .expect("a line")
            .expect_err("the line is bad")
    }

    #[test]
    fn a_repeated_field_is_named() {
        let err = first_event_error(r#"{"id":0,"id":1,"kind":"start","lt":1,"node":"a"}"#);
        assert_eq!(err.line(), Some(2));
        assert_eq!(err.field(), Some("id"));
        assert!(
            err.to_string()
                .contains("expected the field once, found it twice"),
            "{err}"
        );
    }

    #[test]
    fn a_record_must_be_an_object_not_an_array() {
        let err = TraceReader::new(&b"[1,2]\n"[..], "t.jsonl")
            .err()
            .expect("not a header");
        assert!(
            err.to_string()
                .contains("t.jsonl:1: not a JSON object: expected a JSON object"),
            "{err}"
        );
        let err = first_event_error(r#"[0,"start",1]"#);
        assert_eq!(err.line(), Some(2));
        assert!(matches!(err, TraceError::Syntax { .. }), "{err}");
    }
}
