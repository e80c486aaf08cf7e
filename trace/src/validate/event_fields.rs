//! Per-event rules that need no memory of earlier events: required fields per kind, known
//! nodes, parents that point back, and well-formed state fields.

// Validation looks up every event's nodes and message: a fast non-cryptographic hash.
use rustc_hash::FxHashMap as HashMap;

use crate::{Event, EventKind, TraceError};

use super::At;
use super::header_rules::check_fault;

const NODE: &str = "a node name (string)";
const INTEGER: &str = "an integer";
const STRING: &str = "a string";

/// Every field `kind` requires, with its JSON type.
fn required(event: &Event) -> Vec<(&'static str, bool, &'static str)> {
    let node = ("node", event.node.is_some(), NODE);
    match event.kind {
        EventKind::Send | EventKind::Deliver | EventKind::Drop => vec![
            ("src", event.src.is_some(), NODE),
            ("dst", event.dst.is_some(), NODE),
            ("msg_id", event.msg_id.is_some(), INTEGER),
        ],
        EventKind::TimerSet | EventKind::TimerFire | EventKind::TimerCancel => {
            vec![
                node,
                ("timer", event.timer.is_some(), "a timer id (string)"),
            ]
        }
        EventKind::Start
        | EventKind::Crash
        | EventKind::Restart
        | EventKind::ClogStart
        | EventKind::ClogEnd
        | EventKind::Log => vec![node],
        EventKind::Derive => vec![node, ("fact", event.fact.is_some(), "a JSON value")],
        EventKind::Invoke | EventKind::Ok | EventKind::Fail | EventKind::Info => vec![
            ("process", event.process.is_some(), INTEGER),
            ("f", event.f.is_some(), STRING),
        ],
    }
}

pub(super) fn check_required(event: &Event, at: At<'_>) -> Result<(), TraceError> {
    for (field, present, json_type) in required(event) {
        if !present {
            return Err(at.field(
                field,
                format!("{json_type} (required for {} events)", event.kind),
                None,
            ));
        }
    }
    Ok(())
}

/// Checks that every node the event names is in the header and returns the actor's index.
pub(super) fn check_nodes(
    event: &Event,
    nodes: &HashMap<String, usize>,
    at: At<'_>,
) -> Result<Option<usize>, TraceError> {
    for (field, value) in [
        ("src", &event.src),
        ("dst", &event.dst),
        ("node", &event.node),
    ] {
        if let Some(node) = value
            && !nodes.contains_key(node)
        {
            return Err(at.field(
                field,
                "a node listed in the header's `nodes`",
                Some(format!("{node:?}")),
            ));
        }
    }
    // `actor()` prefers `node`: on a network event it must not contradict src / dst.
    let (role, expected) = match event.kind {
        EventKind::Send => ("src", &event.src),
        EventKind::Deliver | EventKind::Drop => ("dst", &event.dst),
        _ => ("", &None),
    };
    if let (Some(node), Some(expected)) = (&event.node, expected)
        && node != expected
    {
        return Err(at.field(
            "node",
            format!(
                "{expected:?} (the {role} of a {} event) or no `node`",
                event.kind
            ),
            Some(format!("{node:?}")),
        ));
    }
    let is_known = |node: &str| nodes.contains_key(node);
    if let Some(cause) = &event.cause {
        check_fault(cause, is_known, at, "cause")?;
    }
    if let Some(fault) = &event.fault {
        check_fault(fault, is_known, at, "fault")?;
    }
    Ok(event.actor().and_then(|actor| nodes.get(actor).copied()))
}

pub(super) fn check_parents(event: &Event, at: At<'_>) -> Result<(), TraceError> {
    for (index, &parent) in event.parents.iter().enumerate() {
        if parent >= event.id {
            return Err(at.field(
                format!("parents[{index}]"),
                format!("the id of an earlier event (less than {})", event.id),
                Some(parent.to_string()),
            ));
        }
    }
    Ok(())
}

pub(super) fn check_state(
    event: &Event,
    actor: Option<usize>,
    at: At<'_>,
) -> Result<(), TraceError> {
    if event.state.is_none() && event.state_patch.is_none() {
        return Ok(());
    }
    if event.state.is_some() && event.state_patch.is_some() {
        return Err(at.field(
            "state_patch",
            "no `state_patch` when `state` is present (give one or the other)",
            None,
        ));
    }
    if let Some(patch) = &event.state_patch
        && !patch.is_object()
    {
        return Err(at.field(
            "state_patch",
            "a JSON object (an RFC 7386 merge patch)",
            Some(json_type(patch).into()),
        ));
    }
    if actor.is_none() {
        return Err(at.field(
            "node",
            format!(
                "{NODE}: the node whose state changed (required with `state` or `state_patch` on {} events)",
                event.kind
            ),
            None,
        ));
    }
    Ok(())
}

pub(super) fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
