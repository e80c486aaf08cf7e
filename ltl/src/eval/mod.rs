//! Evaluation: compile, evaluate atoms, run the passes; then proofs on demand.

mod bits;
mod compile;
mod model;
mod passes;
mod values;

pub use bits::Bits;
pub use model::{Model, Observed, ObservedSide, PropTrace, TraceModel};

pub use compile::MAX_EXPANSION;
pub(crate) use compile::{Id, Op};
pub(crate) use passes::{future_window_at, past_window_at};

use crate::LtlError;
use crate::proof::{Proof, Range};
use crate::syntax::{Formula, Position, Property};

/// A formula decided at every event of a model.
///
/// # Complexity
///
/// Time O(n · |φ| · |nodes|^k) for n events and k nested node quantifiers, with |φ| · |nodes|^k
/// at most [`MAX_EXPANSION`]; memory two bitsets (n/8 bytes each) per distinct subformula.
/// Proofs are built on demand in O(|φ|) steps, each finding its witness by scanning bitsets
/// word by word.
pub struct Evaluation<'m> {
    pub(crate) model: &'m dyn Model,
    /// The source formula and where its nodes start (post-order; empty when unknown), for
    /// vacuity reports.
    pub(crate) formula: Formula,
    pub(crate) positions: Vec<Position>,
    pub(crate) compiled: compile::Compiled,
    pub(crate) verdicts: passes::Verdicts,
    pub(crate) atom_bits: Vec<Bits>,
    pub(crate) times_ns: Vec<u64>,
}

impl<'m> Evaluation<'m> {
    /// Decides `formula` at every event of `model`; `property` names it in errors. Errors and
    /// [`Evaluation::vacuity`] carry no spec-file positions: use [`Evaluation::for_property`]
    /// for a parsed property.
    ///
    /// # Errors
    ///
    /// [`LtlError::EmptyTrace`], [`LtlError::UnknownNode`], [`LtlError::UnsupportedAtom`],
    /// [`LtlError::QuantifierExpansion`] past [`MAX_EXPANSION`], or
    /// [`LtlError::TimeNotMonotone`] when a metric operator meets decreasing time.
    pub fn new(
        formula: &Formula,
        model: &'m dyn Model,
        property: &str,
    ) -> Result<Evaluation<'m>, LtlError> {
        Evaluation::with_positions(formula, &[], model, property)
    }

    /// [`Evaluation::new`] for a property of a parsed spec: errors and vacuity reports name
    /// line:column in the spec file.
    ///
    /// # Errors
    ///
    /// As [`Evaluation::new`].
    pub fn for_property(
        property: &Property,
        model: &'m dyn Model,
    ) -> Result<Evaluation<'m>, LtlError> {
        Evaluation::with_positions(
            &property.formula,
            &property.positions,
            model,
            &property.name,
        )
    }

    fn with_positions(
        formula: &Formula,
        positions: &[Position],
        model: &'m dyn Model,
        property: &str,
    ) -> Result<Evaluation<'m>, LtlError> {
        let len = model.event_count();
        if len == 0 {
            return Err(LtlError::EmptyTrace);
        }
        let compiled = compile::compile(formula, model, property, positions)?;
        let times_ns = if compiled.has_metric {
            let times: Vec<u64> = (0..len).map(|index| model.time_ns(index)).collect();
            if let Some(index) = (1..len).find(|&index| times[index] < times[index - 1]) {
                return Err(LtlError::TimeNotMonotone {
                    event: index as u64,
                    sim_ns: times[index],
                    previous_ns: times[index - 1],
                });
            }
            times
        } else {
            Vec::new()
        };
        let atom_bits: Vec<Bits> = compiled
            .atoms
            .iter()
            .map(|atom| model.atom_bits(atom))
            .collect();
        let verdicts = passes::decide(&compiled, len, &atom_bits, &times_ns);
        Ok(Evaluation {
            model,
            formula: formula.clone(),
            positions: positions.to_vec(),
            compiled,
            verdicts,
            atom_bits,
            times_ns,
        })
    }

    /// The number of events.
    pub fn event_count(&self) -> usize {
        self.model.event_count()
    }

    /// The model evaluated.
    pub fn model(&self) -> &'m dyn Model {
        self.model
    }

    /// Whether the formula holds at event `at`.
    pub fn holds(&self, at: usize) -> bool {
        self.verdicts.values[self.compiled.root as usize].get(at)
    }

    /// Whether the verdict at `at` depends on where the trace ended (its fully expanded proof
    /// contains an end-of-trace leaf).
    pub fn presumptive(&self, at: usize) -> bool {
        self.verdicts.presumptive[self.compiled.root as usize].get(at)
    }

    /// The verdict bits of the whole formula, one per event.
    pub fn verdicts(&self) -> &Bits {
        &self.verdicts.values[self.compiled.root as usize]
    }

    /// The proof of the verdict at event `at` (summarised ranges unexpanded).
    pub fn proof(&self, at: usize) -> Proof {
        self.prove(self.compiled.root, at)
    }

    /// The per-event proofs of a summarised range, in event order.
    pub fn expand(&self, range: &Range) -> Vec<Proof> {
        (range.from..range.end)
            .map(|at| self.prove(range.sub, at))
            .collect()
    }

    pub(crate) fn value(&self, id: Id, at: usize) -> bool {
        self.verdicts.values[id as usize].get(at)
    }

    pub(crate) fn bits(&self, id: Id) -> &Bits {
        &self.verdicts.values[id as usize]
    }

    pub(crate) fn op(&self, id: Id) -> &Op {
        &self.compiled.ops[id as usize]
    }
}

impl Evaluation<'_> {
    /// The text of a compiled subformula, node variables replaced by node names.
    pub(crate) fn subformula_text(&self, id: Id) -> String {
        let text = |id: &Id| self.operand_text(*id);
        match self.op(id) {
            Op::True => "true".into(),
            Op::False => "false".into(),
            Op::Last => "last".into(),
            Op::Atom(index) => self.compiled.atoms[*index].to_string(),
            Op::Not(a) => format!("!{}", text(a)),
            Op::And(a, b) => format!("{} && {}", text(a), text(b)),
            Op::Or(a, b) => format!("{} || {}", text(a), text(b)),
            Op::Implies(a, b) => format!("{} -> {}", text(a), text(b)),
            Op::Iff(a, b) => format!("{} <-> {}", text(a), text(b)),
            Op::Next(a) => format!("X {}", text(a)),
            Op::WeakNext(a) => format!("WX {}", text(a)),
            Op::Eventually(a) => format!("F {}", text(a)),
            Op::Always(a) => format!("G {}", text(a)),
            Op::Until(a, b) => format!("{} U {}", text(a), text(b)),
            Op::WeakUntil(a, b) => format!("{} W {}", text(a), text(b)),
            Op::Release(a, b) => format!("{} R {}", text(a), text(b)),
            Op::Yesterday(a) => format!("Y {}", text(a)),
            Op::WeakYesterday(a) => format!("WY {}", text(a)),
            Op::Once(a) => format!("O {}", text(a)),
            Op::Historically(a) => format!("H {}", text(a)),
            Op::Since(a, b) => format!("{} S {}", text(a), text(b)),
            Op::EventuallyWithin(w, a) => format!("F[{},{}] {}", w.lo_ns, w.hi_ns, text(a)),
            Op::AlwaysWithin(w, a) => format!("G[{},{}] {}", w.lo_ns, w.hi_ns, text(a)),
            Op::OnceWithin(w, a) => format!("O[{},{}] {}", w.lo_ns, w.hi_ns, text(a)),
            Op::Forall(var, cases) | Op::Exists(var, cases) => {
                let word = if matches!(self.op(id), Op::Forall(..)) {
                    "forall"
                } else {
                    "exists"
                };
                let nodes: Vec<&str> = cases.iter().map(|(node, _)| node.as_str()).collect();
                format!("{word} {var} in {{{}}}. …", nodes.join(", "))
            }
            Op::Label(label, a) => {
                format!("{}: {}", serde_json::Value::String(label.clone()), text(a))
            }
        }
    }

    fn operand_text(&self, id: Id) -> String {
        match self.op(id) {
            Op::True | Op::False | Op::Last | Op::Atom(_) => self.subformula_text(id),
            _ => format!("({})", self.subformula_text(id)),
        }
    }

    /// Text of the subformula a range summarises.
    pub fn range_text(&self, range: &Range) -> String {
        self.subformula_text(range.sub)
    }
}
