//! dirty-update (a committed append follows a failed one in a key's version order) and
//! elle-lite's garbage-read (a read of an element nobody appended, where Elle crashes).

use serde_json::{Value, json};

use super::describe::{
    elem_json, elem_text, key_json, list_json, list_text, mop_json, op_json, op_label,
};
use super::pairs::PairMap;
use super::prepare::{MopView, Prepared};
use super::versions::{Versions, orders_of};
use crate::history::{ElemId, KeyId, Mop, OpType};
use crate::report::Finding;

/// dirty-update, over the version orders of *all* client ops (failed reads included), as Elle.
pub(crate) fn dirty_updates(prepared: &Prepared<'_>) -> Vec<Finding> {
    let history = prepared.history;
    // Every case starts at a failed append: without one there is nothing to find.
    let failed_append = prepared.client.iter().any(|&p| {
        let op = prepared.op(p);
        op.op_type == OpType::Fail
            && history
                .mops(op)
                .iter()
                .any(|m| matches!(m, Mop::Append { .. }))
    });
    if !failed_append {
        return Vec::new();
    }
    let (orders, _) = orders_of(prepared, &prepared.client);
    let mut writer: PairMap<u32> = PairMap::new(history.elems.len());
    for &position in &prepared.client {
        let op = prepared.op(position);
        if op.op_type == OpType::Invoke {
            continue;
        }
        for mop in prepared.mops(position) {
            if let MopView::Append { key, elem } = mop {
                writer.insert(key, elem, position);
            }
        }
    }
    let mut keys: Vec<(KeyId, &[ElemId])> = orders.iter().collect();
    keys.sort_by_key(|(k, _)| history.key(*k));
    let mut findings = Vec::new();
    for (key, order) in keys {
        let key = &key;
        // `None` stands for the initial state, which counts as committed.
        let mut t1: Option<u32> = None;
        let mut values: Vec<ElemId> = Vec::new();
        for &elem in order {
            // Garbage elements have no writer; garbage-read reports them.
            let Some(t2) = writer.get(*key, elem) else {
                continue;
            };
            let t1_type = t1.map_or(OpType::Ok, |t| prepared.op(t).op_type);
            values.push(elem);
            match (t1_type, prepared.op(t2).op_type) {
                (OpType::Fail, OpType::Ok) => {
                    if let Some(failed) = t1 {
                        findings.push(dirty_finding(prepared, *key, &values, failed, t2));
                    }
                    t1 = Some(t2);
                    values = vec![elem];
                }
                (_, OpType::Ok) | (OpType::Ok | OpType::Info, OpType::Fail) => {
                    t1 = Some(t2);
                    values = vec![elem];
                }
                // fail → fail and anything → info: keep the range open.
                _ => {}
            }
        }
    }
    findings
}

fn dirty_finding(
    prepared: &Prepared<'_>,
    key: KeyId,
    values: &[ElemId],
    failed: u32,
    ok: u32,
) -> Finding {
    let history = prepared.history;
    let (failed, ok) = (prepared.op(failed), prepared.op(ok));
    Finding {
        detail: json!({
            "key": key_json(history, key),
            "values": list_json(history, values),
            "txns": [op_json(failed), Value::from("..."), op_json(ok)],
        }),
        explanation: format!(
            "in the version order of key {}, the committed {} appended on top of {}, written by \
             the failed {}",
            history.key(key),
            op_label(ok),
            list_text(history, values),
            op_label(failed)
        ),
    }
}

/// garbage-read: an ok or info read contains an element that no op appended to that key. One
/// finding per (key, element): its first reader.
pub(crate) fn garbage_reads(prepared: &Prepared<'_>, versions: &Versions) -> Vec<Finding> {
    let history = prepared.history;
    let mut appended: PairMap<bool> = PairMap::new(history.elems.len());
    for &position in &prepared.client {
        for mop in prepared.mops(position) {
            if let MopView::Append { key, elem } = mop {
                appended.insert(key, elem, true);
            }
        }
    }
    // How much of each key's version order is made of appended elements.
    let mut clean_prefix: Vec<usize> = vec![0; history.keys.len()];
    for (key, order) in versions.orders.iter() {
        clean_prefix[key as usize] = order
            .iter()
            .take_while(|e| appended.contains(key, **e))
            .count();
    }
    let mut reported: PairMap<bool> = PairMap::new(history.elems.len());
    let mut findings = Vec::new();
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
            if list.len() <= clean_prefix.get(key as usize).copied().unwrap_or(0)
                && versions.is_prefix(key, list)
            {
                continue;
            }
            let key = &key;
            for &elem in list {
                if appended.contains(*key, elem) || !reported.insert_new(*key, elem, true) {
                    continue;
                }
                findings.push(Finding {
                    detail: json!({
                        "op": op_json(op), "mop": mop_json(history, &mop),
                        "key": key_json(history, *key), "element": elem_json(history, elem),
                    }),
                    explanation: format!(
                        "{} read key {} = {}, which includes {}, but no operation appended {} \
                         to {}",
                        op_label(op),
                        history.key(*key),
                        list_text(history, list),
                        elem_text(history, elem),
                        elem_text(history, elem),
                        history.key(*key)
                    ),
                });
            }
        }
    }
    findings
}
