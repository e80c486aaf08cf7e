//! Explaining cycles: why each step `a < b` holds, in Elle's order (ww, wr and rw explainers
//! before realtime and process), and what anomaly the explained cycle is.

use serde_json::{Value, json};

use super::describe::{elem_json, elem_text, key_json, op_json, op_label, txn_text};
use super::graph::{DepGraph, rel};
use super::prepare::{MopView, Prepared};
use super::versions::{INIT, Versions};
use crate::history::{ElemId, KeyId};
use crate::report::Finding;

/// Why `a` precedes `b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Ww {
        key: KeyId,
        value: ElemId,
        next: ElemId,
    },
    Wr {
        key: KeyId,
        value: ElemId,
    },
    Rw {
        key: KeyId,
        value: ElemId,
        next: ElemId,
    },
    Process {
        process: i64,
    },
    Realtime {
        invocation: Option<u32>,
    },
}

impl Step {
    fn kind(&self) -> &'static str {
        match self {
            Step::Ww { .. } => "ww",
            Step::Wr { .. } => "wr",
            Step::Rw { .. } => "rw",
            Step::Process { .. } => "process",
            Step::Realtime { .. } => "realtime",
        }
    }
}

/// Explains one edge; `None` when no relation explains it (never for graph edges).
pub(crate) fn explain_pair(
    prepared: &Prepared<'_>,
    versions: &Versions,
    graph: &DepGraph,
    a: u32,
    b: u32,
) -> Option<Step> {
    for mop in prepared.mops(b) {
        if let MopView::Append { key, elem } = mop {
            let previous = versions.predecessor(key, elem);
            if previous != INIT && versions.writer(key, previous) == Some(a) {
                return Some(Step::Ww {
                    key,
                    value: previous,
                    next: elem,
                });
            }
        }
    }
    for mop in prepared.mops(b) {
        if let MopView::Read {
            key,
            value: Some(list),
        } = mop
            && let Some(&last) = list.last()
            && versions.writer(key, last) == Some(a)
        {
            return Some(Step::Wr { key, value: last });
        }
    }
    for mop in prepared.mops(b) {
        if let MopView::Append { key, elem } = mop {
            let previous = versions.predecessor(key, elem);
            if versions.readers(key, previous).contains(&a) {
                return Some(Step::Rw {
                    key,
                    value: previous,
                    next: elem,
                });
            }
        }
    }
    let rels = graph.rels(a, b);
    if rels & rel::REALTIME != 0 {
        return Some(Step::Realtime {
            invocation: prepared.invocation_of[b as usize],
        });
    }
    if rels & rel::PROCESS != 0 {
        return prepared
            .op(a)
            .client()
            .map(|process| Step::Process { process });
    }
    None
}

/// The anomaly name of an explained cycle (Elle's `cycle-explainer`): data dependencies give
/// the base (G0, G1c, G-single-item, G-nonadjacent-item, G2-item), realtime beats process for
/// the suffix.
pub(crate) fn classify(steps: &[Step]) -> String {
    let count = |kind: &str| steps.iter().filter(|s| s.kind() == kind).count();
    let rw = count("rw");
    let adjacent_rw = steps
        .iter()
        .zip(steps.iter().cycle().skip(1))
        .any(|(x, y)| x.kind() == "rw" && y.kind() == "rw");
    let base = if rw == 1 {
        "G-single-item"
    } else if rw > 1 {
        if adjacent_rw {
            "G2-item"
        } else {
            "G-nonadjacent-item"
        }
    } else if count("wr") > 0 {
        "G1c"
    } else {
        "G0"
    };
    let suffix = if count("realtime") > 0 {
        "-realtime"
    } else if count("process") > 0 {
        "-process"
    } else {
        ""
    };
    format!("{base}{suffix}")
}

/// Explains a cycle `[T1, .., Tn]` (first op not repeated). `None` when a step cannot be
/// explained (cannot happen for edges of the graph).
pub(crate) fn explain_cycle(
    prepared: &Prepared<'_>,
    versions: &Versions,
    graph: &DepGraph,
    cycle: &[u32],
) -> Option<(String, Vec<Step>)> {
    let steps = (0..cycle.len())
        .map(|i| {
            explain_pair(
                prepared,
                versions,
                graph,
                cycle[i],
                cycle[(i + 1) % cycle.len()],
            )
        })
        .collect::<Option<Vec<Step>>>()?;
    Some((classify(&steps), steps))
}

/// The finding for an explained cycle: JSON (`cycle` with the first op repeated, `steps`) and
/// Elle-style text.
pub(crate) fn cycle_finding(
    prepared: &Prepared<'_>,
    kind: &str,
    cycle: &[u32],
    steps: &[Step],
) -> Finding {
    let history = prepared.history;
    let mut ops: Vec<Value> = cycle.iter().map(|&t| op_json(prepared.op(t))).collect();
    ops.push(op_json(prepared.op(cycle[0])));
    let steps_json: Vec<Value> = steps.iter().map(|s| step_json(prepared, s)).collect();
    let mut text = String::from("Let:\n");
    for (i, &t) in cycle.iter().enumerate() {
        let op = prepared.op(t);
        text.push_str(&format!(
            "  T{} = {}: {}\n",
            i + 1,
            op_label(op),
            txn_text(history, op)
        ));
    }
    text.push_str("\nThen:\n");
    for (i, step) in steps.iter().enumerate() {
        let (a, b) = (i, (i + 1) % cycle.len());
        let (a_name, b_name) = (format!("T{}", a + 1), format!("T{}", b + 1));
        let why = step_text(prepared, step, cycle[a], cycle[b], &a_name, &b_name);
        if i + 1 == steps.len() {
            text.push_str(&format!(
                "  - However, {a_name} < {b_name}, because {why}: a contradiction!\n"
            ));
        } else {
            text.push_str(&format!("  - {a_name} < {b_name}, because {why}.\n"));
        }
    }
    Finding {
        detail: json!({"type": kind, "cycle": ops, "steps": steps_json}),
        explanation: text,
    }
}

fn step_json(prepared: &Prepared<'_>, step: &Step) -> Value {
    let history = prepared.history;
    match step {
        Step::Ww { key, value, next } => json!({
            "type": "ww", "key": key_json(history, *key),
            "value": elem_json(history, *value), "value'": elem_json(history, *next),
        }),
        Step::Wr { key, value } => json!({
            "type": "wr", "key": key_json(history, *key), "value": elem_json(history, *value),
        }),
        Step::Rw { key, value, next } => json!({
            "type": "rw", "key": key_json(history, *key),
            "value": elem_json(history, *value), "value'": elem_json(history, *next),
        }),
        Step::Process { process } => json!({"type": "process", "process": process}),
        Step::Realtime { invocation } => json!({
            "type": "realtime",
            "b-invocation": invocation.map(|i| prepared.op(i).index),
        }),
    }
}

fn step_text(
    prepared: &Prepared<'_>,
    step: &Step,
    a: u32,
    b: u32,
    a_name: &str,
    b_name: &str,
) -> String {
    let history = prepared.history;
    match step {
        Step::Ww { key, value, next } => format!(
            "{b_name} appended {} after {a_name} appended {} to key {}",
            elem_text(history, *next),
            elem_text(history, *value),
            history.key(*key)
        ),
        Step::Wr { key, value } => format!(
            "{b_name} read key {} = {}, whose last element is {a_name}'s append of {}",
            history.key(*key),
            read_text(prepared, b, *key),
            elem_text(history, *value)
        ),
        Step::Rw { key, value, next } if *value == INIT => format!(
            "{a_name} observed the initial (empty) state of key {}, which {b_name} created by \
             appending {}",
            history.key(*key),
            elem_text(history, *next)
        ),
        Step::Rw { key, next, .. } => format!(
            "{a_name} read key {} = {}, which did not include {b_name}'s append of {}, the \
             next element",
            history.key(*key),
            read_text(prepared, a, *key),
            elem_text(history, *next)
        ),
        Step::Process { process } => format!("process {process} executed {a_name} before {b_name}"),
        Step::Realtime { invocation } => realtime_text(prepared, a, *invocation, a_name, b_name),
    }
}

fn read_text(prepared: &Prepared<'_>, op: u32, key: KeyId) -> String {
    let history = prepared.history;
    prepared
        .mops(op)
        .find_map(|m| match m {
            MopView::Read { key: k, value } if k == key => {
                Some(value.map_or("nil".to_owned(), |l| super::describe::list_text(history, l)))
            }
            _ => None,
        })
        .unwrap_or_else(|| "?".to_owned())
}

fn realtime_text(
    prepared: &Prepared<'_>,
    a: u32,
    invocation: Option<u32>,
    a_name: &str,
    b_name: &str,
) -> String {
    let a_op = prepared.op(a);
    let Some(invocation) = invocation else {
        return format!(
            "{a_name} completed (op index {}) before {b_name} began",
            a_op.index
        );
    };
    let b_op = prepared.op(invocation);
    let gap = match (a_op.time, b_op.time) {
        (Some(ta), Some(tb)) if tb > ta => format!("{:.3} seconds", (tb - ta) as f64 / 1e9),
        (Some(_), Some(_)) => "just".to_owned(),
        _ => String::new(),
    };
    let when = if gap.is_empty() {
        "before".to_owned()
    } else {
        format!("{gap} before")
    };
    format!(
        "{a_name} completed at index {}, {when} the invocation of {b_name}, at index {}",
        a_op.index, b_op.index
    )
}
