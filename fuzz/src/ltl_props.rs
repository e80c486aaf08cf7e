//! The LTL fuzz properties, shared word for word by the fuzz targets (`ltl_parse`,
//! `ltl_check`) and the stable-toolchain tests in `ltl/tests/fuzz_equivalent.rs`, which
//! include this file. It uses only faultline-ltl, faultline-trace and serde_json.

use std::collections::BTreeMap;

use faultline_ltl::{Evaluation, LtlError, Proof, TraceModel, check_proof, parse_spec, render};
use faultline_trace::{Event, EventKind, Header, TimeModel, Trace};
use serde_json::json;

/// Spec parser: never panics; a parse error names a line and column inside the input; a
/// spec that parses prints (`Display`) as a formula that parses back to itself.
pub fn ltl_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_spec(&text, "fuzz.ltl") {
        Ok(spec) => {
            for property in &spec.properties {
                assert_eq!(
                    property.positions.len(),
                    property.formula.post_order().len(),
                    "one position per node"
                );
                let printed = property.formula.to_string();
                match faultline_ltl::parse_formula(&printed) {
                    Ok(again) => assert_eq!(again, property.formula, "{printed}"),
                    // Printing may add parentheses past the nesting limit; nothing else.
                    Err(LtlError::Parse { expected, .. }) if expected.contains("nested") => {}
                    Err(err) => panic!("`{printed}` does not parse back: {err}"),
                }
            }
        }
        Err(LtlError::Parse { line, column, .. }) => {
            let lines = text.split('\n').count().max(1);
            assert!(
                line >= 1 && line as usize <= lines,
                "line {line} of {lines}"
            );
            assert!(column >= 1, "column {column}");
        }
        Err(LtlError::DuplicateProperty { line, .. }) => assert!(line >= 1),
        Err(other) => panic!("parse_spec returned a non-parse error: {other}"),
    }
    let _ = faultline_ltl::parse_formula(&text);
}

/// One event of a small structured trace over nodes a, b, c and C (the node names the
/// shipped specs use).
#[derive(Debug, Clone)]
pub struct SmallEvent {
    /// Which kind (modulo the kinds used).
    pub kind: u8,
    /// The acting node (modulo 4).
    pub node: u8,
    /// The other node of a send or deliver (modulo 4).
    pub peer: u8,
    /// Time since the previous event, ns.
    pub dt: u8,
    /// The actor's state after the event, when bit 6 is set: bits 0-3 pick the words
    /// ("hello", "m", "x", "bye") in its `log`, `hold`, `store` and `acked` lists, bits 4/5
    /// set its `decision` to "commit"/"abort".
    pub log: u8,
}

/// A structured trace: a few events, times from 0 or just below u64::MAX.
#[derive(Debug, Clone)]
pub struct SmallTrace {
    /// Start near u64::MAX, where metric windows overflow.
    pub late: bool,
    /// The events (at most 24 are used).
    pub events: Vec<SmallEvent>,
}

const NODES: [&str; 4] = ["a", "b", "c", "C"];

/// Builds the trace (`None` when it has no events).
pub fn build_trace(small: &SmallTrace) -> Option<Trace> {
    let events = &small.events[..small.events.len().min(24)];
    if events.is_empty() {
        return None;
    }
    let mut header = Header::new(
        "fuzz",
        "fuzz",
        TimeModel::Async,
        NODES.iter().map(|n| n.to_string()).collect(),
    );
    header.initial_state = NODES
        .iter()
        .map(|n| {
            (
                n.to_string(),
                json!({"log": [], "hold": [], "store": [], "acked": []}),
            )
        })
        .collect::<BTreeMap<_, _>>();
    let total: u64 = events.iter().map(|e| u64::from(e.dt)).sum();
    let mut time = if small.late { u64::MAX - total } else { 0 };
    let kinds = [
        EventKind::Send,
        EventKind::Deliver,
        EventKind::Crash,
        EventKind::Restart,
        EventKind::TimerFire,
        EventKind::Log,
    ];
    let mut trace = Trace::new(header);
    for (index, small) in events.iter().enumerate() {
        time += u64::from(small.dt);
        let kind = kinds[usize::from(small.kind) % kinds.len()];
        let node = NODES[usize::from(small.node) % NODES.len()];
        let peer = NODES[usize::from(small.peer) % NODES.len()];
        let id = index as u64;
        let mut event = Event {
            sim_ns: time,
            ..Event::new(id, kind, id)
        };
        match kind {
            EventKind::Send => {
                event.src = Some(node.into());
                event.dst = Some(peer.into());
                event.msg_id = Some(id);
                event.msg_type = Some("bcast".into());
                event.payload = Some(json!("hello"));
            }
            EventKind::Deliver => {
                event.src = Some(peer.into());
                event.dst = Some(node.into());
                event.msg_id = Some(id);
                event.msg_type = Some("bcast".into());
                event.payload = Some(json!("hello"));
            }
            _ => event.node = Some(node.into()),
        }
        if small.log & 64 != 0 {
            let words: Vec<&str> = [(1, "hello"), (2, "m"), (4, "x"), (8, "bye")]
                .into_iter()
                .filter(|(bit, _)| small.log & bit != 0)
                .map(|(_, word)| word)
                .collect();
            let mut state = json!({"log": words, "hold": words, "store": words, "acked": words});
            if small.log & 16 != 0 {
                state["decision"] = json!("commit");
            } else if small.log & 32 != 0 {
                state["decision"] = json!("abort");
            }
            event.state = Some(state);
        }
        trace.push(event);
    }
    Some(trace)
}

/// The cost of checking a proof with every range expanded grows as n^d for d nested temporal
/// operators: past this many steps the checker is skipped (the rest still runs).
const CHECK_BUDGET: u128 = 200_000;

/// Evaluates every property of `spec` on `trace` and checks everything [`ltl_check`] promises.
pub fn check_spec_on(spec: &faultline_ltl::Spec, trace: &Trace) {
    let model = TraceModel::new(trace).expect("a structured trace folds");
    let len = trace.events.len();
    for property in &spec.properties {
        let evaluation = match Evaluation::for_property(property, &model) {
            Ok(evaluation) => evaluation,
            Err(LtlError::UnknownNode { .. } | LtlError::QuantifierExpansion { .. }) => continue,
            Err(other) => panic!("property {}: unexpected error {other}", property.name),
        };
        let depth = temporal_depth(&property.formula);
        let affordable = (len as u128)
            .checked_pow(depth + 1)
            .is_some_and(|cost| cost <= CHECK_BUDGET);
        for at in 0..len {
            let proof = evaluation.proof(at);
            assert_eq!(proof.holds(), evaluation.holds(at));
            if affordable {
                let presumed = check_proof(&proof, &property.formula, at, &model, &|r| {
                    evaluation.expand(r)
                })
                .unwrap_or_else(|err| {
                    panic!("`{}` at {at}: proof rejected: {err}", property.formula)
                });
                assert_eq!(
                    presumed,
                    evaluation.presumptive(at),
                    "`{}` at {at}",
                    property.formula
                );
            }
        }
        let goal = evaluation.goal();
        assert!(goal.iter().all(|g| (g.event as usize) < len));
        let vacuity = evaluation.vacuity();
        assert!(evaluation.holds(0) || vacuity.is_empty());
        let _ = render::text(property, &evaluation, false);
        let _ = render::json(property, &evaluation, false);
        if let Proof::Holds(_) = evaluation.proof(0) {
            assert!(evaluation.holds(0));
        }
    }
}

/// The deepest nesting of operators whose proofs carry ranges or look at other events.
fn temporal_depth(formula: &faultline_ltl::Formula) -> u32 {
    use faultline_ltl::Formula as F;
    let own = u32::from(!matches!(
        formula,
        F::True
            | F::False
            | F::Last
            | F::Atom(_)
            | F::Not(_)
            | F::And(..)
            | F::Or(..)
            | F::Implies(..)
            | F::Iff(..)
            | F::Label(..)
            | F::Forall(..)
            | F::Exists(..)
    ));
    let children = formula
        .children()
        .into_iter()
        .flatten()
        .map(temporal_depth)
        .max()
        .unwrap_or(0);
    own + children
}
