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

/// Micro-ops as read: a vector per op (serde and EDN paths), or the flat lists of the JSON
/// Lines fast path.
pub(crate) enum RawMops<'a, 's> {
    Nested(Vec<RawMop<'a>>),
    Flat(&'s FlatMops<'a>),
}

/// One op's micro-ops with every read's atoms in one shared vector, reused from op to op.
#[derive(Default)]
pub(crate) struct FlatMops<'a> {
    pub(crate) mops: Vec<FlatMop<'a>>,
    pub(crate) atoms: Vec<FlatAtom<'a>>,
}

/// An atom borrowed from the text (nothing to drop, so clearing the buffers is free).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FlatAtom<'a> {
    Int(i64),
    Str(&'a str),
}

impl FlatMops<'_> {
    pub(crate) fn clear(&mut self) {
        self.mops.clear();
        self.atoms.clear();
    }
}

/// A micro-op whose read list is a range of [`FlatMops::atoms`].
pub(crate) enum FlatMop<'a> {
    Append(FlatAtom<'a>, FlatAtom<'a>),
    Read(FlatAtom<'a>, Option<std::ops::Range<usize>>),
}

/// The fields of one op, format-independent. `process` is `Some(Err(text))` for a non-integer
/// process (a nemesis op), and `mops` is `Some(Err(message))` when the value was malformed.
pub(crate) struct OpFields<'a, 's> {
    pub(crate) line: u64,
    pub(crate) position: usize,
    pub(crate) index: Option<u64>,
    pub(crate) op_type: Option<&'a str>,
    pub(crate) process: Option<Result<i64, String>>,
    pub(crate) time: Option<i64>,
    pub(crate) mops: Option<Result<RawMops<'a, 's>, Error>>,
}

/// Validates one op and interns it. Ops of non-integer processes (nemesis) are dropped, as
/// Elle's `h/client-ops` does: `Ok(None)`.
pub(crate) fn finish_op(
    history: &mut History,
    fields: OpFields<'_, '_>,
) -> Result<Option<Op>, Error> {
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
    let start = history.mops_start();
    match raw_mops {
        RawMops::Nested(mops) => {
            for mop in &mops {
                let mop = intern(history, mop);
                history.push_mop(mop);
            }
        }
        RawMops::Flat(flat) => {
            for mop in &flat.mops {
                let mop = intern_flat(history, flat, mop);
                history.push_mop(mop);
            }
        }
    }
    let mops = history.mops_since(start);
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
        RawMop::Read(key, value) => {
            let key = intern_atom(&mut history.keys, key);
            let value = value
                .as_deref()
                .map(|list| history.push_read(key, list, intern_atom));
            Mop::Read { key, value }
        }
    }
}

fn intern_flat(history: &mut History, flat: &FlatMops<'_>, mop: &FlatMop<'_>) -> Mop {
    match mop {
        FlatMop::Append(key, elem) => Mop::Append {
            key: intern_flat_atom(&mut history.keys, key),
            elem: intern_flat_atom(&mut history.elems, elem),
        },
        FlatMop::Read(key, value) => {
            let key = intern_flat_atom(&mut history.keys, key);
            let value = value
                .clone()
                .map(|range| history.push_read(key, &flat.atoms[range], intern_flat_atom));
            Mop::Read { key, value }
        }
    }
}

fn intern_atom(interner: &mut crate::history::Interner, atom: &RawAtom<'_>) -> u32 {
    match atom {
        RawAtom::Int(i) => interner.int(*i),
        RawAtom::Str(s) => interner.str(s),
    }
}

fn intern_flat_atom(interner: &mut crate::history::Interner, atom: &FlatAtom<'_>) -> u32 {
    match *atom {
        FlatAtom::Int(i) => interner.int(i),
        FlatAtom::Str(s) => interner.str(s),
    }
}
