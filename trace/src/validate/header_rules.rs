//! Header rules: the schema tag, distinct node names, and faults and initial states that name
//! known nodes.

use std::collections::BTreeSet;

use crate::{Fault, Header, SCHEMA, TraceError};

use super::At;

pub(super) fn check(header: &Header, file: &str, line: u64) -> Result<(), TraceError> {
    let at = At { file, line };
    if header.schema != SCHEMA {
        return Err(at.field(
            "schema",
            format!("\"{SCHEMA}\""),
            Some(format!("{:?}", header.schema)),
        ));
    }
    if header.nodes.is_empty() {
        return Err(at.field("nodes", "at least one node name", Some("[]".into())));
    }
    let mut seen = BTreeSet::new();
    for (index, node) in header.nodes.iter().enumerate() {
        if node.is_empty() || !seen.insert(node.as_str()) {
            return Err(at.field(
                format!("nodes[{index}]"),
                "a distinct, non-empty node name",
                Some(format!("{node:?}")),
            ));
        }
    }
    for node in header.initial_state.keys() {
        if !seen.contains(node.as_str()) {
            return Err(at.field(
                format!("initial_state.{node}"),
                "a node listed in `nodes`",
                Some(format!("{node:?}")),
            ));
        }
    }
    let eot = header.failure_spec.map(|spec| spec.eot);
    for (index, fault) in header.faults.iter().enumerate() {
        let field = format!("faults[{index}]");
        check_fault(fault, |node| seen.contains(node), at, &field)?;
        check_window_end(fault, eot, at, &field)?;
    }
    if let Some((field, expected)) = header.failure_spec.and_then(|spec| spec.bound_problem()) {
        return Err(at.field(format!("failure_spec.{field}"), expected, None));
    }
    if let Some(spec) = header.failure_spec
        && spec.eff > spec.eot
    {
        return Err(at.field(
            "failure_spec.eff",
            format!(
                "at most eot = {} (failures end by the end of time)",
                spec.eot
            ),
            Some(spec.eff.to_string()),
        ));
    }
    Ok(())
}

/// A fault record names only known nodes and has a non-empty window.
pub(super) fn check_fault(
    fault: &Fault,
    is_known: impl Fn(&str) -> bool,
    at: At<'_>,
    field: &str,
) -> Result<(), TraceError> {
    for node in fault.nodes() {
        if !is_known(node) {
            return Err(at.field(
                field.to_string(),
                format!(
                    "a {} fault on nodes listed in the header's `nodes`",
                    kind(fault)
                ),
                Some(format!("unknown node {node:?}")),
            ));
        }
    }
    if !fault.is_well_formed_swizzle() {
        return Err(at.field(
            field.to_string(),
            "a swizzle with distinct nodes, one clog_at and one unclog_at per node, times from 1, and every clog before every unclog (max(clog_at) < min(unclog_at))",
            Some(fault.short()),
        ));
    }
    if let Fault::Clog { from, to, .. } | Fault::Partition { from, to, .. } = fault
        && *from >= *to
    {
        return Err(at.field(
            format!("{field}.to"),
            format!("greater than from = {from} (windows are [from, to))"),
            Some(to.to_string()),
        ));
    }
    Ok(())
}

/// A header fault's window ends by the run's end of time, when the failure spec gives it: a
/// clog past it would hold messages for ever (a loss, not a delay), and the harness rejects it
/// (the same rule: [`super::Validator::window_in_run`]).
fn check_window_end(
    fault: &Fault,
    eot: Option<u64>,
    at: At<'_>,
    field: &str,
) -> Result<(), TraceError> {
    let last_unclog = fault.swizzle_members().iter().map(|m| m.2).max();
    if let (Fault::Swizzle { .. }, Some(to), Some(eot)) = (fault, last_unclog, eot)
        && to > eot
    {
        return Err(at.field(
            format!("{field}.unclog_at"),
            format!("at most failure_spec.eot = {eot} (every fault lies inside the run: a window ends by the end of time)"),
            Some(to.to_string()),
        ));
    }
    if let (Fault::Clog { from, to, .. } | Fault::Partition { from, to, .. }, Some(eot)) =
        (fault, eot)
        && !super::Validator::window_in_run(*from, *to, Some(eot))
    {
        return Err(at.field(
            format!("{field}.to"),
            format!(
                "at most failure_spec.eot = {eot} (every fault lies inside the run: a window ends by the end of time)"
            ),
            Some(to.to_string()),
        ));
    }
    Ok(())
}

fn kind(fault: &Fault) -> &'static str {
    match fault {
        Fault::Omission { .. } => "omission",
        Fault::Crash { .. } => "crash",
        Fault::Restart { .. } => "restart",
        Fault::Clog { .. } => "clog",
        Fault::Partition { .. } => "partition",
        Fault::Swizzle { .. } => "swizzle",
        Fault::Skew { .. } => "skew",
    }
}
