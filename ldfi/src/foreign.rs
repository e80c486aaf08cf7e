//! Judging traces written by another simulator (`faultline suggest`): the verdict and goal come
//! from each trace's header, and what the header does not say is never guessed silently.
//!
//! A certificate needs, from every good run, a goal that the run's own oracle stated (the
//! header's `goal`, with its scope). Without one, a goal is guessed (every fact the run
//! derived) and the judgement carries a caveat, so the search can end `Inconclusive` but never
//! `Certified` on it.

use std::collections::{HashMap, HashSet};

use faultline_trace::{
    EventKind, FailureSpec, Fault, Goal, GoalScope, LineageDecl, RunVerdict, TimeModel, Trace,
};
use serde_json::Value;

use crate::{Judgement, Outcome, select_goal};

/// What to assume of a trace whose header states no goal.
#[derive(Debug, Clone, Default)]
pub struct GoalGuess {
    /// Only this fact (wherever derived) is the outcome; `None`: every fact derived.
    pub fact: Option<Value>,
    /// The property speaks only of nodes that never crash. Without it, a guessed goal binds
    /// only fault sets with exactly the same crashes.
    pub crashed_nodes_exempt: bool,
}

/// A trace that cannot be judged soundly: the line (1 = header) and field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: field `{field}`: {problem}")]
pub struct ForeignTraceError {
    /// 1-based line of the trace file (line 1 is the header; event `id` is on line id + 2).
    pub line: u64,
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong and what to do.
    pub problem: String,
}

fn event_error(id: u64, field: &'static str, problem: impl Into<String>) -> ForeignTraceError {
    ForeignTraceError {
        line: id + 2,
        field,
        problem: problem.into(),
    }
}

fn header_error(field: &'static str, problem: impl Into<String>) -> ForeignTraceError {
    ForeignTraceError {
        line: 1,
        field,
        problem: problem.into(),
    }
}

/// Checks that LDFI can reason soundly about `trace` under `spec`: it has a verdict; its
/// failure spec, if stated, is `spec`; every message can be hit by the fault model (sends at
/// `lt ≥ 1`, deliveries linked to their send); lineage is annotated everywhere or nowhere
/// (unless the header declares the mode); a stated goal names events of the trace.
pub fn check_foreign_trace(trace: &Trace, spec: &FailureSpec) -> Result<(), ForeignTraceError> {
    let header = &trace.header;
    if header.verdict.is_none() {
        return Err(header_error(
            "verdict",
            "expected \"good\", \"vacuous\" or \"bad\" (the run's outcome)",
        ));
    }
    if let Some(stated) = &header.failure_spec
        && stated != spec
    {
        return Err(header_error(
            "failure_spec",
            format!(
                "the trace was made under EOT {}, EFF {}, crashes ≤ {}, clogs ≤ {}, but the \
                 search is for EOT {}, EFF {}, crashes ≤ {}, clogs ≤ {}: search with the \
                 trace's spec, or re-run under this one",
                stated.eot,
                stated.eff,
                stated.max_crashes,
                stated.max_clogs,
                spec.eot,
                spec.eff,
                spec.max_crashes,
                spec.max_clogs
            ),
        ));
    }
    check_faults_match_events(trace, spec)?;
    let annotated_somewhere = trace.events.iter().any(|e| !e.parents.is_empty());
    let mut sent: HashSet<u64> = HashSet::new();
    for event in &trace.events {
        if event.kind == EventKind::Send
            && let Some(msg_id) = event.msg_id
        {
            sent.insert(msg_id);
        }
        match event.kind {
            EventKind::Send if event.lt == 0 => {
                return Err(event_error(
                    event.id,
                    "lt",
                    "a send at lt 0 can never be lost (fault times start at 1: an omission \
                     hits sends at 1 ≤ t < EFF): count rounds or steps from 1",
                ));
            }
            EventKind::Deliver => {
                if event.src.is_none() || event.dst.is_none() {
                    let field = if event.src.is_none() { "src" } else { "dst" };
                    return Err(event_error(
                        event.id,
                        field,
                        "a deliver needs `src` and `dst`",
                    ));
                }
                let linked = event.msg_id.is_some_and(|m| sent.contains(&m));
                if event.sent_lt.is_none() && !linked {
                    return Err(event_error(
                        event.id,
                        "sent_lt",
                        "a deliver needs `sent_lt`, or a `msg_id` naming an earlier send: \
                         without the send's time no omission can be placed on it",
                    ));
                }
            }
            EventKind::Send | EventKind::Derive
                if annotated_somewhere && header.lineage.is_none() && event.parents.is_empty() =>
            {
                return Err(event_error(
                    event.id,
                    "parents",
                    "other events of this trace carry `parents` but this one does not: \
                     annotate every send and derive, or declare \"lineage\": \"annotated\" \
                     in the header (an event without parents then depends on nothing) or \
                     \"happens_before\" (parents are then ignored)",
                ));
            }
            _ => {}
        }
    }
    if let Some(goal) = &header.goal {
        check_goal(trace, goal)?;
    }
    Ok(())
}

/// The header's `faults` must be what the events show: LDFI learns "this fault set gave this
/// run", so a simulator that did not inject what it claims (or injected more) would teach it
/// wrong lessons. Also: no events past the end of time, no fault kinds outside the search's
/// model, and a SUT panic is never a good or vacuous run.
fn check_faults_match_events(trace: &Trace, spec: &FailureSpec) -> Result<(), ForeignTraceError> {
    let header = &trace.header;
    let model = crate::FaultModel::new(*spec);
    if let Some(fault) = header.faults.iter().find(|f| match f {
        Fault::Partition { .. } => true,
        Fault::Restart { .. } | Fault::Swizzle { .. } | Fault::Skew { .. } => {
            !model.is_admissible(f)
        }
        _ => false,
    }) {
        return Err(header_error(
            "faults",
            format!(
                "{} is outside the fault model of this search (omissions, crashes, clogs, and \
                 restarts, swizzles and skews where the failure spec admits them)",
                fault.short()
            ),
        ));
    }
    let mut delivered: HashSet<(&str, &str, u64)> = HashSet::new();
    let mut sent_at: HashMap<u64, u64> = HashMap::new();
    for event in &trace.events {
        if header.time_model == TimeModel::Rounds && event.lt > spec.eot {
            return Err(event_error(
                event.id,
                "lt",
                format!(
                    "round {} is past the end of time of the search (EOT {})",
                    event.lt, spec.eot
                ),
            ));
        }
        match event.kind {
            EventKind::Send => {
                if let Some(msg_id) = event.msg_id {
                    sent_at.insert(msg_id, event.lt);
                }
            }
            EventKind::Deliver => {
                let sent = event
                    .sent_lt
                    .or_else(|| sent_at.get(&event.msg_id?).copied());
                if let (Some(src), Some(dst), Some(sent)) = (&event.src, &event.dst, sent) {
                    delivered.insert((src.as_str(), dst.as_str(), sent));
                }
            }
            EventKind::Crash => match (&event.fault, &event.reason) {
                (None, Some(reason)) if header.verdict != Some(RunVerdict::Bad) => {
                    return Err(event_error(
                        event.id,
                        "reason",
                        format!(
                            "the SUT panicked ({reason}): a panic is a bug, so the run is                              \"bad\", not {:?}",
                            header.verdict.map_or("unknown", RunVerdict::as_str)
                        ),
                    ));
                }
                (Some(fault), _) if !header.faults.contains(fault) => {
                    return Err(event_error(
                        event.id,
                        "fault",
                        format!("{} is not among the header's faults", fault.short()),
                    ));
                }
                (None, None) => {
                    return Err(event_error(
                        event.id,
                        "fault",
                        "a crash needs the crash `fault` it injects (or, for a panic, a `reason`)",
                    ));
                }
                _ => {}
            },
            EventKind::Drop => {
                if let Some(cause) = &event.cause
                    && !header.faults.contains(cause)
                {
                    return Err(event_error(
                        event.id,
                        "cause",
                        format!("{} is not among the header's faults", cause.short()),
                    ));
                }
            }
            _ => {}
        }
    }
    for fault in &header.faults {
        if let Fault::Omission { src, dst, at } = fault
            && delivered.contains(&(src.as_str(), dst.as_str(), *at))
        {
            return Err(header_error(
                "faults",
                format!(
                    "{} is in the header, but that message was delivered: the run did not \
                     inject it",
                    fault.short()
                ),
            ));
        }
    }
    Ok(())
}

fn check_goal(trace: &Trace, goal: &Goal) -> Result<(), ForeignTraceError> {
    if goal.any_of.iter().any(Vec::is_empty) {
        return Err(header_error(
            "goal",
            "an `any_of` group is empty (it could never be met)",
        ));
    }
    if let Some(exempt) = &goal.exempt_if_crashed {
        if goal.scope != GoalScope::CrashedNodesExempt {
            return Err(header_error(
                "goal",
                "`exempt_if_crashed` needs the scope \"crashed_nodes_exempt\"",
            ));
        }
        let events = goal.events();
        for (event, node) in exempt {
            if events.binary_search(event).is_err() {
                return Err(header_error(
                    "goal",
                    format!("`exempt_if_crashed` names event {event}, which is not a goal event"),
                ));
            }
            if !trace.header.nodes.contains(node) {
                return Err(header_error(
                    "goal",
                    format!("`exempt_if_crashed` names {node:?}, which is not a node"),
                ));
            }
        }
    }
    if let Some(missing) = goal
        .events()
        .into_iter()
        .find(|&id| trace.event(id).is_none())
    {
        return Err(header_error(
            "goal",
            format!("names event {missing}, which is not in the trace"),
        ));
    }
    Ok(())
}

/// The judgement a foreign trace's header gives (call [`check_foreign_trace`] first). A good
/// run without a stated goal gets a guessed one, with a caveat saying so.
pub fn foreign_judgement(trace: &Trace, guess: &GoalGuess) -> Judgement {
    let guessed_scope = if guess.crashed_nodes_exempt {
        GoalScope::CrashedNodesExempt
    } else {
        // Not knowing how the property reads crashes, learn only for the very same crashes.
        GoalScope::ExactCrashes
    };
    let scope = trace
        .header
        .goal
        .as_ref()
        .map_or(guessed_scope, |goal| goal.scope);
    match trace.header.verdict {
        Some(RunVerdict::Bad) => Judgement::bad(),
        Some(RunVerdict::Vacuous) | None => {
            Judgement::new(Outcome::Vacuous, Goal::all_of(Vec::new(), scope))
        }
        Some(RunVerdict::Good) => match &trace.header.goal {
            Some(goal) => Judgement::new(Outcome::Good, goal.clone()),
            None => {
                let events = select_goal(trace, guess.fact.as_ref(), None);
                let what = match &guess.fact {
                    Some(fact) => format!("every derivation of {fact}"),
                    None => "every fact the run derived".to_string(),
                };
                Judgement {
                    caveat: Some(format!(
                        "good runs' headers state no `goal`, so it was guessed as {what}; \
                         write each good run's goal (and its scope) in its header for a \
                         certificate (trace/SCHEMA.md, \"Goals\")"
                    )),
                    ..Judgement::new(Outcome::Good, Goal::all_of(events, scope))
                }
            }
        },
    }
}

/// The lineage mode a header declares, for people.
pub fn lineage_mode_name(trace: &Trace) -> &'static str {
    match trace.header.lineage {
        Some(LineageDecl::Annotated) => "annotated (declared)",
        Some(LineageDecl::HappensBefore) => "happens-before (declared)",
        None if trace.events.iter().any(|e| !e.parents.is_empty()) => "annotated",
        None => "happens-before",
    }
}
