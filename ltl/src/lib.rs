//! LTL over finite traces (LTLf) with past and metric operators, checked in linear time, with
//! proof terms that say why a property holds or fails.
//!
//! # Brief overview
//!
//! A spec file holds named properties ([`parse_spec`]). An [`Evaluation`] decides a formula at
//! every event of a [`Model`] (a [`TraceModel`] over a faultline trace, or a [`PropTrace`] of
//! plain propositions) with one bitset per subformula, then explains the verdict at any event
//! as a [`Proof`]: [`Sat`] (why it holds) or [`Viol`] (why it fails). [`check_proof`] checks a
//! proof independently of the evaluator; [`render`] prints proofs for people and as JSON.
//! [`Evaluation::goal`] lists the events a holding verdict rests on (for LDFI), and
//! [`Evaluation::vacuity`] says when it rests on nothing (a premise that never held, an atom
//! true nowhere).
//!
//! Semantics: `X` strong, `WX` weak, `F`/`U` strong, `G`/`R`/`W` weak, `Y` strong, `WY` weak;
//! metric `F[a,b]`, `G[a,b]`, `O[a,b]` over `sim_ns` with closed intervals. A verdict whose
//! proof rests on where the trace ended is *presumptive* ([`Evaluation::presumptive`]).
//!
//! # Example
//!
//! ```
//! use std::collections::BTreeMap;
//! use faultline_ltl::{Bits, Evaluation, PropTrace, parse_formula};
//!
//! let p = Bits::from_fn(3, |i| i < 2); // p, p, ¬p
//! let trace = PropTrace::new(BTreeMap::from([("p".to_string(), p)]), vec![0, 1, 2]);
//! let formula = parse_formula("G(p -> X p)")?;
//! let evaluation = Evaluation::new(&formula, &trace, "demo")?;
//! assert!(!evaluation.holds(0)); // p at event 1 but not at event 2
//! let proof = evaluation.proof(0);
//! assert!(faultline_ltl::check_proof(&proof, &formula, 0, &trace, &|r| evaluation.expand(r)).is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
mod eval;
mod proof;
pub mod render;
mod syntax;

pub use error::LtlError;
pub use eval::{
    Bits, Evaluation, MAX_EXPANSION, Model, Observed, ObservedSide, PropTrace, TraceModel,
};
pub use proof::{
    AtomProof, Case, GoalEvent, Proof, ProofError, Range, Sat, Vacuity, Viol, Window, check_proof,
};
pub use syntax::{
    Atom, CmpOp, EventField, Formula, Interval, NodeRef, PathStep, Position, Property, Side, Spec,
    Term, parse_formula, parse_spec, path_text,
};

/// The verdict of one property of a spec on one trace.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyVerdict {
    /// The property's name.
    pub name: String,
    /// Whether it holds at event 0.
    pub holds: bool,
    /// Whether the verdict depends on where the trace ended.
    pub presumptive: bool,
    /// The proof at event 0 (ranges summarised).
    pub proof: Proof,
    /// For a holding property, [`Evaluation::goal_events`]; empty otherwise.
    pub goal_events: Vec<u64>,
    /// For a holding property, [`Evaluation::goal`] (the same events, with crash exemptions);
    /// empty otherwise.
    pub goal: Vec<GoalEvent>,
    /// For a holding property, why it may hold vacuously ([`Evaluation::vacuity`]): a premise
    /// that never held where it was evaluated, an atom true at no event. Empty when it holds
    /// for real, and when it fails. A run whose every property holds only vacuously is no
    /// evidence that the system works.
    pub vacuity: Vec<Vacuity>,
}

/// Checks every property of `spec` at event 0 of `model`, in file order.
///
/// # Errors
///
/// The first [`LtlError`] of any property (unknown node, empty trace, ...).
pub fn check_spec(spec: &Spec, model: &dyn Model) -> Result<Vec<PropertyVerdict>, LtlError> {
    spec.properties
        .iter()
        .map(|property| {
            let evaluation = Evaluation::for_property(property, model)?;
            let holds = evaluation.holds(0);
            let goal = if holds { evaluation.goal() } else { Vec::new() };
            Ok(PropertyVerdict {
                vacuity: evaluation.vacuity(),
                name: property.name.clone(),
                holds,
                presumptive: evaluation.presumptive(0),
                proof: evaluation.proof(0),
                goal_events: goal.iter().map(|event| event.event).collect(),
                goal,
            })
        })
        .collect()
}
