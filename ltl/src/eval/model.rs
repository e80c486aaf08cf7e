//! What the evaluator reads from a trace: a [`Model`] answers atoms at events.
//!
//! [`TraceModel`] reads a real [`Trace`] (states through [`StateView`]); [`PropTrace`] is a
//! plain sequence of named propositions, for tests and for benchmarking the temporal passes.

use std::collections::BTreeMap;

use faultline_trace::{EventKind, StateView, Trace};
use serde::Serialize;
use serde_json::Value;

use super::bits::Bits;
use super::values::{Val, compare, equal};
use crate::LtlError;
use crate::syntax::{Atom, CmpOp, EventField, NodeRef, Side, Term, path_text};

/// Where an observed value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedSide {
    /// A node's state before the event.
    Before,
    /// A node's state after the event.
    After,
    /// The event itself (or a proposition of a [`PropTrace`]).
    Event,
    /// A constant written in the spec.
    Literal,
}

/// One value an atom looked at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    /// The node whose state was read (after variable binding), if any.
    pub node: Option<String>,
    /// Before, after, event or literal.
    pub side: ObservedSide,
    /// The JSON path (`.log`, `$.payload.x`, or the literal's text).
    pub path: String,
    /// The value; `None` means the path is missing (distinct from JSON `null`).
    pub value: Option<Value>,
}

/// A finite, non-empty sequence of events whose atoms can be evaluated.
pub trait Model {
    /// The number of events (at least 1 for evaluation).
    fn event_count(&self) -> usize;
    /// The nodes that quantifiers range over, in a fixed order.
    fn nodes(&self) -> &[String];
    /// The simulated time of an event, in ns (non-decreasing), for metric operators.
    fn time_ns(&self, event_index: usize) -> u64;
    /// Checks once that `atom` (variables already bound) can be evaluated here.
    ///
    /// # Errors
    ///
    /// [`LtlError::UnknownNode`] or [`LtlError::UnsupportedAtom`].
    fn check_atom(&self, atom: &Atom, property: &str) -> Result<(), LtlError>;
    /// Whether `atom` holds at the event. Only called after [`Model::check_atom`] succeeded.
    fn atom_holds(&self, atom: &Atom, event_index: usize) -> bool;
    /// The values `atom` reads at the event, for proofs.
    fn observe(&self, atom: &Atom, event_index: usize) -> Vec<Observed>;
    /// One line naming the event for people (`event #3 @ t=0ns (lt 1): send a → b bcast`).
    fn describe_event(&self, event_index: usize) -> String {
        format!("event #{event_index}")
    }
    /// The atom's truth at every event.
    fn atom_bits(&self, atom: &Atom) -> Bits {
        Bits::from_fn(self.event_count(), |index| self.atom_holds(atom, index))
    }
}

/// A [`Trace`] with its per-event states folded, ready for atoms.
pub struct TraceModel<'t> {
    trace: &'t Trace,
    states: StateView,
    /// Per node (header order): down after the event (a crash and no restart since).
    crashed: Vec<Bits>,
    /// Every event's kind, compact: kind atoms read 1 byte per event instead of a whole event.
    kinds: Vec<EventKind>,
}

impl<'t> TraceModel<'t> {
    /// Folds the states of `trace`.
    ///
    /// # Errors
    ///
    /// [`LtlError::Trace`] when a state event cannot be folded.
    pub fn new(trace: &'t Trace) -> Result<TraceModel<'t>, LtlError> {
        let states = StateView::new(trace)?;
        let node_count = trace.header.nodes.len();
        let event_count = trace.events.len();
        // Each node's down intervals [crash, restart): filled once each, so a trace without
        // crashes costs one pass over the kinds.
        let mut down_since: Vec<Option<usize>> = vec![None; node_count];
        let mut crashed = vec![Bits::zeros(event_count); node_count];
        let kinds: Vec<EventKind> = trace.events.iter().map(|event| event.kind).collect();
        for (index, kind) in kinds.iter().enumerate() {
            if !matches!(kind, EventKind::Crash | EventKind::Restart) {
                continue;
            }
            let event = &trace.events[index];
            if *kind == EventKind::Crash && event.fault.is_none() && event.reason.is_some() {
                // The SUT's own code panicked: a bug, not a crash fault. `crashed(n)` stays
                // false, so no property exempts the node for it.
                continue;
            }
            let Some(node) = event
                .node
                .as_deref()
                .and_then(|node| states.node_index(node))
            else {
                continue;
            };
            match kind {
                EventKind::Crash => {
                    down_since[node].get_or_insert(index);
                }
                _ => {
                    if let Some(from) = down_since[node].take() {
                        crashed[node].set_range(from, index);
                    }
                }
            }
        }
        for (node, since) in down_since.into_iter().enumerate() {
            if let Some(from) = since {
                crashed[node].set_range(from, event_count);
            }
        }
        Ok(TraceModel {
            trace,
            states,
            crashed,
            kinds,
        })
    }

    /// The trace.
    pub fn trace(&self) -> &'t Trace {
        self.trace
    }

    fn node_index(&self, node: &NodeRef) -> usize {
        self.states
            .node_index(&node.0)
            .expect("check_atom verified the node")
    }

    fn event_value(&self, field: &EventField, event_index: usize) -> Val<'t> {
        let event = &self.trace.events[event_index];
        let text = |value: Option<&'t String>| value.map_or(Val::Missing, |text| Val::Str(text));
        let number = |value: Option<u64>| value.map_or(Val::Missing, |n| Val::Num(n as f64));
        match field {
            EventField::Id => Val::Num(event.id as f64),
            EventField::Kind => Val::Str(event.kind.as_str()),
            EventField::Src => text(event.src.as_ref()),
            EventField::Dst => text(event.dst.as_ref()),
            EventField::Node => text(event.actor()),
            EventField::Type => text(event.msg_type.as_ref()),
            EventField::MsgId => number(event.msg_id),
            EventField::Lt => Val::Num(event.lt as f64),
            EventField::SimNs => Val::Num(event.sim_ns as f64),
            EventField::Timer => text(event.timer.as_ref()),
            EventField::Payload(path) => Val::from_path(event.payload.as_ref(), path),
            EventField::Fact(path) => Val::from_path(event.fact.as_ref(), path),
        }
    }

    fn state(&self, node: &NodeRef, side: Side, event_index: usize) -> &Value {
        let node = self.node_index(node);
        match side {
            Side::Before => self.states.before(event_index, node),
            Side::After => self.states.after(event_index, node),
        }
    }

    fn term_value<'a>(&'a self, term: &'a Term, event_index: usize) -> Val<'a> {
        match term {
            Term::State { node, side, path } => {
                Val::from_path(Some(self.state(node, *side, event_index)), path)
            }
            Term::Event(field) => self.event_value(field, event_index),
            Term::Literal(value) => Val::from_json(value),
            Term::Missing => Val::Missing,
            Term::Name(node) => Val::Str(&node.0),
        }
    }

    fn observe_term(&self, term: &Term, event_index: usize) -> Observed {
        let value = self.term_value(term, event_index).to_json();
        match term {
            Term::State { node, side, path } => Observed {
                node: Some(node.0.clone()),
                side: match side {
                    Side::Before => ObservedSide::Before,
                    Side::After => ObservedSide::After,
                },
                path: path_text(path),
                value,
            },
            Term::Event(field) => Observed {
                node: None,
                side: ObservedSide::Event,
                path: field.to_string(),
                value,
            },
            Term::Literal(_) | Term::Missing | Term::Name(_) => Observed {
                node: None,
                side: ObservedSide::Literal,
                path: term.to_string(),
                value,
            },
        }
    }

    fn check_node(&self, node: &NodeRef, property: &str) -> Result<(), LtlError> {
        match self.states.node_index(&node.0) {
            Some(_) => Ok(()),
            None => Err(LtlError::UnknownNode {
                property: property.to_string(),
                node: node.0.clone(),
                known: self.trace.header.nodes.clone(),
            }),
        }
    }

    fn check_term(&self, term: &Term, property: &str) -> Result<(), LtlError> {
        match term {
            Term::State { node, .. } | Term::Name(node) => self.check_node(node, property),
            Term::Event(_) | Term::Literal(_) | Term::Missing => Ok(()),
        }
    }
}

impl Model for TraceModel<'_> {
    fn event_count(&self) -> usize {
        self.trace.events.len()
    }

    fn nodes(&self) -> &[String] {
        &self.trace.header.nodes
    }

    fn time_ns(&self, event_index: usize) -> u64 {
        self.trace.events[event_index].sim_ns
    }

    fn describe_event(&self, event_index: usize) -> String {
        let event = &self.trace.events[event_index];
        let mut line = format!(
            "event #{} @ t={}ns (lt {}): {}",
            event.id, event.sim_ns, event.lt, event.kind
        );
        match (&event.src, &event.dst) {
            (Some(src), Some(dst)) => line.push_str(&format!(" {src} → {dst}")),
            _ => {
                if let Some(node) = event.actor() {
                    line.push_str(&format!(" {node}"));
                }
            }
        }
        if let Some(kind) = &event.msg_type {
            line.push_str(&format!(" {kind}"));
        }
        if let Some(payload) = &event.payload {
            line.push_str(&format!(" {payload}"));
        }
        if let Some(fact) = &event.fact {
            line.push_str(&format!(" fact {fact}"));
        }
        line
    }

    fn check_atom(&self, atom: &Atom, property: &str) -> Result<(), LtlError> {
        match atom {
            Atom::Compare(left, _, right) => {
                self.check_term(left, property)?;
                self.check_term(right, property)
            }
            Atom::Truthy(term) => self.check_term(term, property),
            Atom::Changed(node, _) | Atom::Crashed(node) => self.check_node(node, property),
        }
    }

    fn atom_holds(&self, atom: &Atom, event_index: usize) -> bool {
        match atom {
            Atom::Compare(left, op, right) => compare(
                self.term_value(left, event_index),
                *op,
                self.term_value(right, event_index),
            ),
            Atom::Truthy(term) => matches!(self.term_value(term, event_index), Val::Bool(true)),
            Atom::Changed(node, path) => {
                let before = self.state(node, Side::Before, event_index);
                let after = self.state(node, Side::After, event_index);
                !equal(
                    Val::from_path(Some(before), path),
                    Val::from_path(Some(after), path),
                )
            }
            Atom::Crashed(node) => self.crashed[self.node_index(node)].get(event_index),
        }
    }

    fn observe(&self, atom: &Atom, event_index: usize) -> Vec<Observed> {
        match atom {
            Atom::Compare(left, _, right) => vec![
                self.observe_term(left, event_index),
                self.observe_term(right, event_index),
            ],
            Atom::Truthy(term) => vec![self.observe_term(term, event_index)],
            Atom::Changed(node, path) => [Side::Before, Side::After]
                .into_iter()
                .map(|side| {
                    let term = Term::State {
                        node: node.clone(),
                        side,
                        path: path.clone(),
                    };
                    self.observe_term(&term, event_index)
                })
                .collect(),
            Atom::Crashed(node) => vec![Observed {
                node: Some(node.0.clone()),
                side: ObservedSide::After,
                path: "crashed".into(),
                value: Some(Value::Bool(self.atom_holds(atom, event_index))),
            }],
        }
    }

    fn atom_bits(&self, atom: &Atom) -> Bits {
        if let Some((kind, equal)) = kind_test(atom) {
            // `$.kind == "send"`, the commonest atom: compare enum tags, not strings.
            let kinds = &self.kinds;
            return Bits::from_fn(kinds.len(), |index| (Some(kinds[index]) == kind) == equal);
        }
        match atom {
            Atom::Crashed(node) => self.crashed[self.node_index(node)].clone(),
            _ => Bits::from_fn(self.event_count(), |index| self.atom_holds(atom, index)),
        }
    }
}

/// `$.kind == "k"` / `$.kind != "k"` (either side): the kind named (`None` if no event kind has
/// that name, so `==` never holds) and whether the test is `==`.
fn kind_test(atom: &Atom) -> Option<(Option<EventKind>, bool)> {
    let Atom::Compare(left, op, right) = atom else {
        return None;
    };
    let equal = match op {
        CmpOp::Eq => true,
        CmpOp::Ne => false,
        _ => return None,
    };
    let name = match (left, right) {
        (Term::Event(EventField::Kind), Term::Literal(Value::String(name)))
        | (Term::Literal(Value::String(name)), Term::Event(EventField::Kind)) => name,
        _ => return None,
    };
    let kind = EventKind::ALL
        .into_iter()
        .find(|kind| kind.as_str() == name);
    Some((kind, equal))
}

/// A trace of named boolean propositions (`p`, `q`, ...) with timestamps: the model of the
/// textbook semantics. Atoms are bare names (`p`).
#[derive(Debug, Clone, PartialEq)]
pub struct PropTrace {
    propositions: BTreeMap<String, Bits>,
    times_ns: Vec<u64>,
}

impl PropTrace {
    /// A trace of `times_ns.len()` events where `propositions[name]` gives each one's truth.
    ///
    /// # Panics
    ///
    /// If a bitset's length differs from `times_ns.len()` or times decrease.
    pub fn new(propositions: BTreeMap<String, Bits>, times_ns: Vec<u64>) -> PropTrace {
        for bits in propositions.values() {
            assert_eq!(bits.len(), times_ns.len(), "one bit per event");
        }
        assert!(times_ns.windows(2).all(|pair| pair[0] <= pair[1]));
        PropTrace {
            propositions,
            times_ns,
        }
    }

    /// Whether `name` holds at the event (false for unknown names).
    pub fn holds(&self, name: &str, event_index: usize) -> bool {
        self.propositions
            .get(name)
            .is_some_and(|bits| bits.get(event_index))
    }

    fn proposition<'a>(&self, atom: &'a Atom) -> Option<&'a str> {
        match atom {
            Atom::Truthy(Term::Name(NodeRef(name))) => Some(name),
            _ => None,
        }
    }
}

impl Model for PropTrace {
    fn event_count(&self) -> usize {
        self.times_ns.len()
    }

    fn nodes(&self) -> &[String] {
        &[]
    }

    fn time_ns(&self, event_index: usize) -> u64 {
        self.times_ns[event_index]
    }

    fn check_atom(&self, atom: &Atom, _property: &str) -> Result<(), LtlError> {
        match self.proposition(atom) {
            Some(_) => Ok(()),
            None => Err(LtlError::UnsupportedAtom {
                atom: atom.to_string(),
                reason: "a propositional trace has only named propositions".into(),
            }),
        }
    }

    fn atom_holds(&self, atom: &Atom, event_index: usize) -> bool {
        self.proposition(atom)
            .is_some_and(|name| self.holds(name, event_index))
    }

    fn observe(&self, atom: &Atom, event_index: usize) -> Vec<Observed> {
        vec![Observed {
            node: None,
            side: ObservedSide::Event,
            path: atom.to_string(),
            value: Some(Value::Bool(self.atom_holds(atom, event_index))),
        }]
    }

    fn atom_bits(&self, atom: &Atom) -> Bits {
        match self
            .proposition(atom)
            .and_then(|name| self.propositions.get(name))
        {
            Some(bits) => bits.clone(),
            None => Bits::zeros(self.event_count()),
        }
    }
}

#[cfg(test)]
mod kind_test_tests {
    use super::*;
    use crate::syntax::Formula;

    fn atom_of(text: &str) -> Atom {
        match crate::parse_formula(text).expect("parses") {
            Formula::Atom(atom) => atom,
            other => panic!("not an atom: {other:?}"),
        }
    }

    #[test]
    fn kind_comparisons_take_the_fast_path() {
        assert_eq!(
            kind_test(&atom_of(r#"$.kind == "send""#)),
            Some((Some(EventKind::Send), true))
        );
        assert_eq!(
            kind_test(&atom_of(r#""deliver" != $.kind"#)),
            Some((Some(EventKind::Deliver), false))
        );
        assert_eq!(
            kind_test(&atom_of(r#"$.kind == "nonsense""#)),
            Some((None, true))
        );
        assert_eq!(kind_test(&atom_of(r#"$.src == "a""#)), None);
    }
}
