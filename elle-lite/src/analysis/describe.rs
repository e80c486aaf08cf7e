//! How ops, micro-ops and lists are shown in findings, as JSON and as words.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::prepare::{MopView, view};
use super::versions::INIT;
use crate::history::{ElemId, History, KeyId, Op};

/// `{"index": 3, "process": 1, "type": "ok"}`.
pub(crate) fn op_json(op: &Op) -> Value {
    json!({
        "index": op.index,
        "process": op.client(),
        "type": op.op_type.as_str(),
    })
}

/// `op 3 (process 1, ok)`.
pub(crate) fn op_label(op: &Op) -> String {
    match op.client() {
        Some(p) => format!("op {} (process {p}, {})", op.index, op.op_type.as_str()),
        None => format!("op {} ({})", op.index, op.op_type.as_str()),
    }
}

/// A list of elements as JSON.
pub(crate) fn list_json(history: &History, list: &[ElemId]) -> Value {
    Value::Array(list.iter().map(|e| elem_json(history, *e)).collect())
}

/// One element as JSON; the initial state is `"init"`.
pub(crate) fn elem_json(history: &History, elem: ElemId) -> Value {
    if elem == INIT {
        Value::from("init")
    } else {
        history.elem(elem).to_json()
    }
}

/// A key as JSON.
pub(crate) fn key_json(history: &History, key: KeyId) -> Value {
    history.key(key).to_json()
}

/// `[1 2 3]`.
pub(crate) fn list_text(history: &History, list: &[ElemId]) -> String {
    let mut out = String::with_capacity(2 + 4 * list.len());
    push_list_text(&mut out, history, list);
    out
}

/// Writes `[1 2 3]` into `out` (one string per cycle explanation, not one per element).
fn push_list_text(out: &mut String, history: &History, list: &[ElemId]) {
    out.push('[');
    for (i, &elem) in list.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_elem_text(out, history, elem);
    }
    out.push(']');
}

/// One element for people.
pub(crate) fn elem_text(history: &History, elem: ElemId) -> String {
    let mut out = String::new();
    push_elem_text(&mut out, history, elem);
    out
}

fn push_elem_text(out: &mut String, history: &History, elem: ElemId) {
    if elem == INIT {
        out.push_str("the initial state");
    } else {
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", history.elem(elem));
    }
}

/// A micro-op as JSON: `["append", k, v]` / `["r", k, [..] | null]`.
pub(crate) fn mop_json(history: &History, mop: &MopView<'_>) -> Value {
    match *mop {
        MopView::Append { key, elem } => {
            json!(["append", key_json(history, key), elem_json(history, elem)])
        }
        MopView::Read { key, value } => json!([
            "r",
            key_json(history, key),
            value.map(|l| list_json(history, l))
        ]),
    }
}

/// A micro-op for people: `[append x 1]`, `[r x [1 2]]`.
pub(crate) fn mop_text(history: &History, mop: &MopView<'_>) -> String {
    let mut out = String::new();
    push_mop_text(&mut out, history, mop);
    out
}

fn push_mop_text(out: &mut String, history: &History, mop: &MopView<'_>) {
    // Writing to a String cannot fail.
    match *mop {
        MopView::Append { key, elem } => {
            let _ = write!(out, "[append {} {}]", history.key(key), history.elem(elem));
        }
        MopView::Read { key, value } => {
            let _ = write!(out, "[r {} ", history.key(key));
            match value {
                Some(list) => push_list_text(out, history, list),
                None => out.push_str("nil"),
            }
            out.push(']');
        }
    }
}

/// The whole transaction for people.
pub(crate) fn txn_text(history: &History, op: &Op) -> String {
    let mut out = String::from("[");
    for (i, mop) in history.mops(op).iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_mop_text(&mut out, history, &view(history, mop));
    }
    out.push(']');
    out
}
