//! Anomalies found without the graph: G1a, G1b, internal, future-read, duplicate-elements,
//! lost-update (Elle's rules, case by case).

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Value, json};

use super::describe::{
    elem_json, elem_text, key_json, list_json, list_text, mop_json, mop_text, op_json, op_label,
};
use super::pairs::PairMap;
use super::prepare::{MopView, Prepared};
use super::versions::Versions;
use crate::history::{ElemId, KeyId, OpType};
use crate::report::Finding;

/// G1a: an ok read contains an element appended by a failed op; one finding per element.
pub(crate) fn aborted_reads(prepared: &Prepared<'_>) -> Vec<Finding> {
    let history = prepared.history;
    let mut failed: PairMap<u32> = PairMap::new(history.elems.len());
    let mut any_failed = false;
    for &position in &prepared.client {
        let op = prepared.op(position);
        if op.op_type == OpType::Fail {
            for mop in prepared.mops(position) {
                if let MopView::Append { key, elem } = mop {
                    failed.insert(key, elem, position);
                    any_failed = true;
                }
            }
        }
    }
    if !any_failed {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for &position in ok_ops(prepared) {
        let op = prepared.op(position);
        for mop in prepared.mops(position) {
            let MopView::Read {
                key,
                value: Some(list),
            } = mop
            else {
                continue;
            };
            for elem in list {
                let Some(writer) = failed.get(key, *elem) else {
                    continue;
                };
                let writer = prepared.op(writer);
                findings.push(Finding {
                    detail: json!({
                        "op": op_json(op), "mop": mop_json(history, &mop),
                        "writer": op_json(writer), "element": elem_json(history, *elem),
                    }),
                    explanation: format!(
                        "{} read key {} = {}, which includes {}, appended by the failed {}",
                        op_label(op),
                        history.key(key),
                        list_text(history, list),
                        elem_text(history, *elem),
                        op_label(writer)
                    ),
                });
            }
        }
    }
    findings
}

/// G1b: an ok read ends in an element another op later overwrote within its own txn.
pub(crate) fn intermediate_reads(prepared: &Prepared<'_>) -> Vec<Finding> {
    let history = prepared.history;
    let mut intermediate: PairMap<u32> = PairMap::new(history.elems.len());
    let mut any = false;
    let mut last: FxHashMap<KeyId, ElemId> = FxHashMap::default();
    for &position in &prepared.client {
        if !prepared.touches_a_key_twice(position) {
            continue;
        }
        last.clear();
        for mop in prepared.mops(position) {
            if let MopView::Append { key, elem } = mop
                && let Some(previous) = last.insert(key, elem)
            {
                intermediate.insert(key, previous, position);
                any = true;
            }
        }
    }
    if !any {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for &position in ok_ops(prepared) {
        let op = prepared.op(position);
        for mop in prepared.mops(position) {
            let MopView::Read {
                key,
                value: Some(list),
            } = mop
            else {
                continue;
            };
            let Some(last) = list.last() else { continue };
            let Some(writer) = intermediate.get(key, *last) else {
                continue;
            };
            let writer = prepared.op(writer);
            // Reading your own intermediate state is fine.
            if writer.index == op.index {
                continue;
            }
            findings.push(Finding {
                detail: json!({
                    "op": op_json(op), "mop": mop_json(history, &mop),
                    "writer": op_json(writer), "element": elem_json(history, *last),
                }),
                explanation: format!(
                    "{} read key {} = {}, ending in {}, which {} overwrote later in the same \
                     transaction (an intermediate state)",
                    op_label(op),
                    history.key(key),
                    list_text(history, list),
                    elem_text(history, *last),
                    op_label(writer)
                ),
            });
        }
    }
    findings
}

/// What a txn expects a key to hold, from its own earlier reads and appends.
#[derive(Clone)]
enum Expected {
    /// Exactly this list.
    Known(Vec<ElemId>),
    /// An unknown prefix followed by these elements.
    Suffix(Vec<ElemId>),
    /// The txn read nil (empty) and has not appended since.
    Nil,
}

/// internal: within one ok txn, a read disagrees with the txn's own previous read or append.
/// At most one finding per op, as Elle.
pub(crate) fn internal(prepared: &Prepared<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut state: FxHashMap<KeyId, Expected> = FxHashMap::default();
    for &position in ok_ops(prepared) {
        // A read can only disagree with an earlier micro-op on its key.
        if !prepared.touches_a_key_twice(position) {
            continue;
        }
        state.clear();
        for mop in prepared.mops(position) {
            match mop {
                MopView::Append { key, elem } => {
                    let next = match state.remove(&key) {
                        None => Expected::Suffix(vec![elem]),
                        Some(Expected::Nil) => Expected::Known(vec![elem]),
                        Some(Expected::Known(mut l)) => {
                            l.push(elem);
                            Expected::Known(l)
                        }
                        Some(Expected::Suffix(mut s)) => {
                            s.push(elem);
                            Expected::Suffix(s)
                        }
                    };
                    state.insert(key, next);
                }
                MopView::Read { key, value } => {
                    if let Some(expected) = state.get(&key)
                        && !matches_expected(expected, value)
                    {
                        findings.push(internal_finding(prepared, position, &mop, expected));
                        break;
                    }
                    state.insert(
                        key,
                        value.map_or(Expected::Nil, |l| Expected::Known(l.to_vec())),
                    );
                }
            }
        }
    }
    findings
}

fn matches_expected(expected: &Expected, read: Option<&[ElemId]>) -> bool {
    match (expected, read) {
        (Expected::Known(list), Some(read)) => list.as_slice() == read,
        // Elle compares a vector with nil: never equal.
        (Expected::Known(_), None) => false,
        (Expected::Suffix(suffix), read) => read.unwrap_or(&[]).ends_with(suffix),
        // An ok read of nil means empty.
        (Expected::Nil, read) => read.unwrap_or(&[]).is_empty(),
    }
}

fn internal_finding(
    prepared: &Prepared<'_>,
    position: u32,
    mop: &MopView<'_>,
    expected: &Expected,
) -> Finding {
    let history = prepared.history;
    let op = prepared.op(position);
    let (expected_json, expected_text) = match expected {
        Expected::Known(list) => (list_json(history, list), list_text(history, list)),
        Expected::Suffix(suffix) => {
            let mut items = vec![Value::from("...")];
            items.extend(suffix.iter().map(|e| elem_json(history, *e)));
            let text = list_text(history, suffix);
            (Value::Array(items), format!("[... {}", &text[1..]))
        }
        Expected::Nil => (
            Value::Null,
            "nil (the empty list it read before)".to_owned(),
        ),
    };
    Finding {
        detail: json!({"op": op_json(op), "mop": mop_json(history, mop), "expected": expected_json}),
        explanation: format!(
            "{} performed {}, but its own earlier reads and appends of key {} mean it should \
             have read {}",
            op_label(op),
            mop_text(history, mop),
            history.key(mop.key()),
            expected_text
        ),
    }
}

/// future-read: an ok txn reads an element it appends later in the same txn.
pub(crate) fn future_reads(prepared: &Prepared<'_>) -> Vec<Finding> {
    let history = prepared.history;
    let mut findings = Vec::new();
    for &position in ok_ops(prepared) {
        if !prepared.touches_a_key_twice(position) {
            continue;
        }
        let op = prepared.op(position);
        let mops: Vec<MopView<'_>> = prepared.mops(position).collect();
        // Transactions are short: scanning earlier micro-ops beats hashing every element.
        let found = mops.iter().enumerate().find_map(|(i, mop)| {
            let MopView::Append { key, elem } = *mop else {
                return None;
            };
            mops[..i].iter().find_map(|earlier| match *earlier {
                MopView::Read {
                    key: k,
                    value: Some(list),
                } if k == key && list.contains(&elem) => Some((*earlier, elem)),
                _ => None,
            })
        });
        if let Some((read, elem)) = found {
            findings.push(Finding {
                detail: json!({
                    "op": op_json(op), "mop": mop_json(history, &read),
                    "element": elem_json(history, elem),
                }),
                explanation: format!(
                    "{} performed {}, observing {} before the transaction itself appended it",
                    op_label(op),
                    mop_text(history, &read),
                    elem_text(history, elem)
                ),
            });
        }
    }
    findings
}

/// duplicate-elements: an ok or info read holds an element more than once.
pub(crate) fn duplicates(prepared: &Prepared<'_>, versions: &Versions) -> Vec<Finding> {
    let history = prepared.history;
    let mut findings = Vec::new();
    let mut counts: FxHashMap<ElemId, u32> = FxHashMap::default();
    for &position in &prepared.possible {
        let op = prepared.op(position);
        for mop in prepared.mops(position) {
            let MopView::Read {
                key,
                value: Some(list),
            } = mop
            else {
                continue;
            };
            // Version orders hold distinct elements: a prefix of one has no duplicates.
            if versions.is_prefix(key, list) {
                continue;
            }
            counts.clear();
            for elem in list {
                *counts.entry(*elem).or_default() += 1;
            }
            if counts.len() == list.len() {
                continue;
            }
            let dups: BTreeMap<String, u32> = counts
                .iter()
                .filter(|(_, n)| **n > 1)
                .map(|(e, n)| (history.elem(*e).to_string(), *n))
                .collect();
            let words: Vec<String> = dups
                .iter()
                .map(|(e, n)| format!("{e} ({n} times)"))
                .collect();
            findings.push(Finding {
                detail: json!({"op": op_json(op), "mop": mop_json(history, &mop), "duplicates": dups}),
                explanation: format!(
                    "{} read key {} = {}, which contains {}",
                    op_label(op),
                    history.key(key),
                    list_text(history, list),
                    words.join(", ")
                ),
            });
        }
    }
    findings
}

/// lost-update: two or more ok txns first read the same value of a key, then append to it.
pub(crate) fn lost_updates(prepared: &Prepared<'_>) -> Vec<Finding> {
    let history = prepared.history;
    let mut groups: FxHashMap<(KeyId, Option<&[ElemId]>), Vec<u32>> = FxHashMap::default();
    let mut reads: FxHashMap<KeyId, Option<&[ElemId]>> = FxHashMap::default();
    let mut writes: FxHashSet<KeyId> = FxHashSet::default();
    for &position in ok_ops(prepared) {
        // Only a read followed by an append of the same key counts.
        if !prepared.touches_a_key_twice(position) {
            continue;
        }
        reads.clear();
        writes.clear();
        for mop in prepared.mops(position) {
            match mop {
                MopView::Append { key, .. } => {
                    if !writes.contains(&key)
                        && let Some(read) = reads.get(&key)
                    {
                        groups.entry((key, *read)).or_default().push(position);
                        writes.insert(key);
                    }
                }
                MopView::Read { key, value } => {
                    reads.entry(key).or_insert(value);
                }
            }
        }
    }
    let mut cases: Vec<_> = groups
        .into_iter()
        .filter(|(_, txns)| txns.len() >= 2)
        .collect();
    cases.sort_by(|a, b| {
        (history.key(a.0.0), a.0.1.map(|l| l.to_vec()))
            .cmp(&(history.key(b.0.0), b.0.1.map(|l| l.to_vec())))
    });
    cases
        .into_iter()
        .map(|((key, value), txns)| {
            let labels: Vec<String> = txns.iter().map(|&t| op_label(prepared.op(t))).collect();
            Finding {
                detail: json!({
                    "key": key_json(history, key),
                    "value": value.map(|l| list_json(history, l)),
                    "txns": txns.iter().map(|&t| op_json(prepared.op(t))).collect::<Vec<_>>(),
                }),
                explanation: format!(
                    "{} all read key {} = {} and then appended to it: all but one of those \
                     updates was lost",
                    labels.join(", "),
                    history.key(key),
                    value.map_or("nil".to_owned(), |l| list_text(history, l))
                ),
            }
        })
        .collect()
}

fn ok_ops<'p>(prepared: &'p Prepared<'_>) -> impl Iterator<Item = &'p u32> {
    prepared
        .possible
        .iter()
        .filter(|&&p| prepared.op(p).op_type == OpType::Ok)
}
