//! What every input format produces before interning, and the checks shared by all of them.

use std::borrow::Cow;

use crate::error::Error;
use crate::history::{History, Mop, Op, OpType, Process};

/// A key or element as read, possibly borrowed from the input text.
#[derive(Debug, Clone)]
pub(crate) enum RawAtom<'a> {
    Int(i64),
    Str(Cow<'a, str>),
}

impl RawAtom<'_> {
    pub(crate) fn text(&self) -> String {
        match self {
            RawAtom::Int(i) => i.to_string(),
            RawAtom::Str(s) => s.to_string(),
        }
    }
}

/// A micro-op as read.
#[derive(Debug, Clone)]
pub(crate) enum RawMop<'a> {
    Append(RawAtom<'a>, RawAtom<'a>),
    Read(RawAtom<'a>, Option<Vec<RawAtom<'a>>>),
}

/// The fields of one op, format-independent. `process` is `Some(Err(text))` for a non-integer
/// process (a nemesis op), and `mops` is `Some(Err(message))` when the value was malformed.
pub(crate) struct OpFields<'a> {
    pub(crate) line: u64,
    pub(crate) position: usize,
    pub(crate) index: Option<u64>,
    pub(crate) op_type: Option<&'a str>,
    pub(crate) process: Option<Result<i64, String>>,
    pub(crate) time: Option<i64>,
    pub(crate) mops: Option<Result<Vec<RawMop<'a>>, Error>>,
}

/// Validates one op and interns it. Ops of non-integer processes (nemesis) are dropped, as
/// Elle's `h/client-ops` does: `Ok(None)`.
pub(crate) fn finish_op(history: &mut History, fields: OpFields<'_>) -> Result<Option<Op>, Error> {
    let field_error = |field: &'static str, message: String| Error::Field {
        line: fields.line,
        op: fields.position,
        field,
        message,
    };
    let type_name = fields
        .op_type
        .ok_or_else(|| field_error("type", "missing; expected invoke, ok, fail or info".into()))?;
    let op_type = OpType::parse(type_name).ok_or_else(|| {
        field_error(
            "type",
            format!("unknown op type `{type_name}`; expected invoke, ok, fail or info"),
        )
    })?;
    let process = match fields.process {
        None => {
            return Err(field_error(
                "process",
                "missing; every client op needs an integer process".into(),
            ));
        }
        Some(Err(_other)) => return Ok(None),
        Some(Ok(p)) => p,
    };
    let raw_mops = match fields.mops {
        None => {
            return Err(field_error(
                "value",
                "missing; expected a list of micro-ops".into(),
            ));
        }
        Some(Err(e)) => return Err(e),
        Some(Ok(mops)) => mops,
    };
    let mops = raw_mops.iter().map(|m| intern(history, m)).collect();
    Ok(Some(Op {
        index: fields.index.unwrap_or(fields.position as u64),
        op_type,
        process: Process::Client(process),
        time: fields.time,
        mops,
        line: fields.line,
    }))
}

fn intern(history: &mut History, mop: &RawMop<'_>) -> Mop {
    match mop {
        RawMop::Append(key, elem) => Mop::Append {
            key: intern_atom(&mut history.keys, key),
            elem: intern_atom(&mut history.elems, elem),
        },
        RawMop::Read(key, value) => Mop::Read {
            key: intern_atom(&mut history.keys, key),
            value: value.as_ref().map(|list| {
                list.iter()
                    .map(|a| intern_atom(&mut history.elems, a))
                    .collect()
            }),
        },
    }
}

fn intern_atom(interner: &mut crate::history::Interner, atom: &RawAtom<'_>) -> u32 {
    match atom {
        RawAtom::Int(i) => interner.int(*i),
        RawAtom::Str(s) => interner.str(s),
    }
}
