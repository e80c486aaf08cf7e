//! How ops, micro-ops and lists are shown in findings, as JSON and as words.

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
    let items: Vec<String> = list.iter().map(|e| elem_text(history, *e)).collect();
    format!("[{}]", items.join(" "))
}

/// One element for people.
pub(crate) fn elem_text(history: &History, elem: ElemId) -> String {
    if elem == INIT {
        "the initial state".to_owned()
    } else {
        history.elem(elem).to_string()
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
    match *mop {
        MopView::Append { key, elem } => {
            format!("[append {} {}]", history.key(key), history.elem(elem))
        }
        MopView::Read { key, value } => format!(
            "[r {} {}]",
            history.key(key),
            value.map_or("nil".to_owned(), |l| list_text(history, l))
        ),
    }
}

/// The whole transaction for people.
pub(crate) fn txn_text(history: &History, op: &Op) -> String {
    let mops: Vec<String> = history
        .mops(op)
        .iter()
        .map(|m| mop_text(history, &view(history, m)))
        .collect();
    format!("[{}]", mops.join(" "))
}
