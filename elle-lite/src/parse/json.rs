//! JSON histories: one array of ops, JSON Lines (one op per line), or a conformance-case
//! wrapper `{"name": ..., "history": [...]}`. Ops are read with borrowed serde structs, never
//! `serde_json::Value` trees, and interned as they arrive.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::LineIndex;
use super::fast;
use super::ops::{FlatMops, OpFields, RawAtom, RawMop, RawMops, finish_op};
use crate::error::Error;
use crate::history::History;

/// The fields of one op as they appear in the text.
#[derive(Deserialize)]
struct RawOp<'a> {
    index: Option<u64>,
    #[serde(rename = "type", borrow)]
    op_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    process: Option<&'a RawValue>,
    #[serde(borrow)]
    time: Option<&'a RawValue>,
    #[serde(borrow)]
    value: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Wrapper<'a> {
    #[serde(borrow)]
    history: Vec<RawOp<'a>>,
}

/// Reads JSON Lines: each non-blank line is one op.
pub(crate) fn parse_lines(text: &str) -> Result<History, Error> {
    let mut lines = LinesParser::default();
    // About 150 bytes per op in Jepsen histories; a guess that saves most regrowth.
    lines.history.reserve_for(text.len() / 150, text.len());
    lines.feed(text)?;
    Ok(lines.history)
}

/// JSON Lines read piece by piece (each piece a run of whole lines), so a stream never has
/// to be held in memory at once.
#[derive(Default)]
pub(crate) struct LinesParser {
    pub(crate) history: History,
    /// Lines read so far.
    lines: u64,
}

impl LinesParser {
    /// Reads the whole lines of `text`.
    pub(crate) fn feed(&mut self, text: &str) -> Result<(), Error> {
        let history = &mut self.history;
        let mut flat = FlatMops::default();
        for line in text.lines() {
            self.lines += 1;
            let line_number = self.lines;
            let position = history.ops.len();
            if let Some(op) = fast::parse_op(line, &mut flat) {
                let fields = OpFields {
                    line: line_number,
                    position,
                    index: op.index,
                    op_type: Some(op.op_type),
                    process: Some(Ok(op.process)),
                    time: op.time,
                    mops: Some(Ok(RawMops::Flat(&flat))),
                };
                let op = finish_op(history, fields)?;
                history.ops.extend(op);
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let raw: RawOp<'_> = serde_json::from_str(line)
                .map_err(|e| syntax(&e, line_number - 1, Some(position)))?;
            let fields = fields_of(&raw, line_number, position)?;
            let op = finish_op(history, fields)?;
            history.ops.extend(op);
        }
        Ok(())
    }
}

/// Reads one JSON array of ops.
pub(crate) fn parse_array(text: &str) -> Result<History, Error> {
    let counter = Cell::new(0usize);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let raws = deserializer
        .deserialize_seq(OpsVisitor { counter: &counter })
        .and_then(|raws| deserializer.end().map(|()| raws))
        .map_err(|e| syntax(&e, 0, Some(counter.get())))?;
    finish_all(text, raws)
}

/// Reads a conformance-case wrapper object (`{"history": [...], ...}`).
pub(crate) fn parse_wrapper(text: &str) -> Result<History, Error> {
    let wrapper: Wrapper<'_> = serde_json::from_str(text).map_err(|e| syntax(&e, 0, None))?;
    finish_all(text, wrapper.history)
}

/// True when `text` (starting with `{`) is one JSON document with a `history` field rather
/// than JSON Lines.
pub(crate) fn is_wrapper(text: &str) -> bool {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(first) {
        Ok(map) => map.contains_key("history"),
        // The first line is not a whole object: a pretty-printed document.
        Err(e) => e.is_eof(),
    }
}

fn finish_all(text: &str, raws: Vec<RawOp<'_>>) -> Result<History, Error> {
    let lines = LineIndex::new(text);
    let mut history = History::new();
    history.ops.reserve(raws.len());
    for (position, raw) in raws.iter().enumerate() {
        let line = raw
            .value
            .or(raw.process)
            .map(|v| lines.line_of(text, v.get()))
            .unwrap_or(0);
        let fields = fields_of(raw, line, position)?;
        let op = finish_op(&mut history, fields)?;
        history.ops.extend(op);
    }
    Ok(history)
}

fn fields_of<'a>(
    raw: &'a RawOp<'a>,
    line: u64,
    position: usize,
) -> Result<OpFields<'a, 'a>, Error> {
    let field_error = |field: &'static str, message: String| Error::Field {
        line,
        op: position,
        field,
        message,
    };
    let process = raw.process.and_then(|p| process_of(p.get()));
    let time = match raw.time {
        None => None,
        Some(t) => time_of(t.get()).map_err(|m| field_error("time", m))?,
    };
    let mops = match raw.value {
        None => None,
        Some(v) if v.get() == "null" => None,
        Some(v) => Some(
            serde_json::from_str::<Vec<RawMop<'a>>>(v.get())
                .map(RawMops::Nested)
                .map_err(|e| field_error("value", strip_position(&e))),
        ),
    };
    Ok(OpFields {
        line,
        position,
        index: raw.index,
        op_type: raw.op_type.as_deref(),
        process,
        time,
        mops,
    })
}

/// `Some(Ok(p))` for an integer process, `Some(Err(text))` for any other non-null value.
fn process_of(text: &str) -> Option<Result<i64, String>> {
    if text == "null" {
        return None;
    }
    match serde_json::from_str::<i64>(text) {
        Ok(p) => Some(Ok(p)),
        Err(_) => Some(Err(text.trim_matches('"').to_owned())),
    }
}

fn time_of(text: &str) -> Result<Option<i64>, String> {
    if text == "null" {
        return Ok(None);
    }
    if let Ok(t) = serde_json::from_str::<i64>(text) {
        return Ok(Some(t));
    }
    match serde_json::from_str::<f64>(text) {
        Ok(t) => Ok(Some(t as i64)),
        Err(_) => Err(format!("expected a number of nanoseconds, found {text}")),
    }
}

fn syntax(e: &serde_json::Error, line_offset: u64, op: Option<usize>) -> Error {
    Error::Syntax {
        line: e.line() as u64 + line_offset,
        column: e.column() as u64,
        op,
        message: strip_position(e),
    }
}

/// serde_json appends " at line L column C"; the error variants carry those separately.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

struct OpsVisitor<'c> {
    counter: &'c Cell<usize>,
}

impl<'de> Visitor<'de> for OpsVisitor<'_> {
    type Value = Vec<RawOp<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of ops")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut ops = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(op) = seq.next_element::<RawOp<'de>>()? {
            ops.push(op);
            self.counter.set(ops.len());
        }
        Ok(ops)
    }
}

impl<'de> Deserialize<'de> for RawMop<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(MopVisitor)
    }
}

struct MopVisitor;

impl<'de> Visitor<'de> for MopVisitor {
    type Value = RawMop<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a micro-op [\"append\", k, v] or [\"r\", k, list-or-null]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let function: RawAtom<'de> = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("empty micro-op; expected [f, k, v]"))?;
        let key: RawAtom<'de> = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("micro-op without a key"))?;
        let mop = match &function {
            RawAtom::Str(f) if f == "append" => {
                let elem: RawAtom<'de> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("append without an element"))?;
                RawMop::Append(key, elem)
            }
            RawAtom::Str(f) if f == "r" => {
                let list: Option<ReadList<'de>> = seq.next_element()?;
                RawMop::Read(key, list.and_then(|l| l.0))
            }
            other => {
                return Err(de::Error::custom(format!(
                    "unknown micro-op function `{}` (expected \"append\" or \"r\")",
                    other.text()
                )));
            }
        };
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("micro-op has more than 3 elements"));
        }
        Ok(mop)
    }
}

impl<'de> Deserialize<'de> for RawAtom<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AtomVisitor)
    }
}

struct AtomVisitor;

impl<'de> Visitor<'de> for AtomVisitor {
    type Value = RawAtom<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(RawAtom::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(RawAtom::Int)
            .map_err(|_| E::custom(format!("integer {v} is too large")))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(RawAtom::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(RawAtom::Str(Cow::Owned(v.to_owned())))
    }
}

/// A read's value: `null` or a list of atoms; anything else is bad input.
struct ReadList<'a>(Option<Vec<RawAtom<'a>>>);

impl<'de> Deserialize<'de> for ReadList<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ReadListVisitor)
    }
}

struct ReadListVisitor;

impl<'de> Visitor<'de> for ReadListVisitor {
    type Value = ReadList<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a read value that is a list or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ReadList(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ReadList(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(atom) = seq.next_element::<RawAtom<'de>>()? {
            list.push(atom);
        }
        Ok(ReadList(Some(list)))
    }
}
