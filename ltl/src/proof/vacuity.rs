//! Vacuity: a property that holds without the trace ever exercising part of it.
//!
//! `G (req -> F resp)` holds on a trace without a single `req`, and `G ($.kind == "sned" -> …)`
//! holds on every trace: the verdict is true but says nothing. [`Evaluation::vacuity`] reports
//! the two common causes, with the spot in the spec file, so that `faultline check` can warn
//! and LDFI can refuse to count such a run as evidence.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::eval::{Evaluation, Op};
use crate::syntax::{Atom, Formula, Position};

/// Why a holding property may hold without saying anything about the trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Vacuity {
    /// An implication `p -> q` whose premise p held at none of the events where the
    /// property's proof (summarised ranges expanded) read the implication: q was never
    /// checked, and the property holds whatever q says.
    Premise {
        /// The premise as written (variables unbound).
        premise: String,
        /// The whole implication as written.
        implication: String,
        /// Where the premise starts in the spec file (`None` without a spec file).
        position: Option<Position>,
        /// At how many events (counted once per binding of the variables around it) the
        /// proof read the implication.
        evaluated: usize,
    },
    /// An atom that is true at no event of the trace, for any binding of its variables:
    /// often a typo (`$.kind == "sned"`). `crashed(n)` atoms are not reported: most runs
    /// inject no crash, and a misspelt node is already an error.
    AtomNeverTrue {
        /// The atom as written (variables unbound).
        atom: String,
        /// Where it starts in the spec file (its first occurrence; `None` without a spec
        /// file).
        position: Option<Position>,
        /// Whether some occurrence is negative (under `!`, in a premise, or in `<->`). When
        /// none is, the property holds just the same with the atom replaced by `false`: it
        /// did not matter. A negative one may be the point (`G !($.kind == "crash")`) — or
        /// a typo that makes the property hold on every trace.
        negative: bool,
    },
}

impl fmt::Display for Vacuity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |position: &Option<Position>| {
            position.map_or(String::new(), |position| format!(" at {position}"))
        };
        match self {
            Vacuity::Premise {
                premise,
                implication,
                position,
                evaluated,
            } => write!(
                f,
                "premise `{premise}`{} never held where `{implication}` was evaluated ({evaluated} \
                 event{}): its conclusion was never checked",
                at(position),
                if *evaluated == 1 { "" } else { "s" }
            ),
            Vacuity::AtomNeverTrue { atom, position, .. } => write!(
                f,
                "atom `{atom}`{} is true at no event of the trace",
                at(position)
            ),
        }
    }
}

/// Whether a source node sits under an even (positive) or odd (negative) number of
/// negations, or both (inside `<->`). Every temporal operator is monotone in its operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Polarity {
    Positive,
    Negative,
    Both,
}

impl Polarity {
    fn flip(self) -> Polarity {
        match self {
            Polarity::Positive => Polarity::Negative,
            Polarity::Negative => Polarity::Positive,
            Polarity::Both => Polarity::Both,
        }
    }
}

/// Per node of `order` (a formula in post-order): its left child's index and its polarity.
fn shape(order: &[&Formula]) -> (Vec<Option<usize>>, Vec<Polarity>) {
    let len = order.len();
    // Subtree sizes, then each child's index: in post-order the right child ends just before
    // its parent and the left child ends just before the right child's subtree.
    let mut sizes = vec![1usize; len];
    let mut children: Vec<(Option<usize>, Option<usize>)> = vec![(None, None); len];
    for index in 0..len {
        let [left, right] = order[index].children();
        let mut end = index;
        let right_index = right.map(|_| {
            end -= sizes[end - 1];
            index - 1
        });
        let left_index = left.map(|_| end - 1);
        sizes[index] = 1
            + right_index.map_or(0, |child| sizes[child])
            + left_index.map_or(0, |child| sizes[child]);
        children[index] = (left_index, right_index);
    }
    let mut polarity = vec![Polarity::Positive; len];
    // Parents come after their children: walk down from the root (the last node).
    for index in (0..len).rev() {
        let own = polarity[index];
        let (left, right) = children[index];
        let (to_left, to_right) = match order[index] {
            Formula::Not(_) => (own.flip(), own),
            Formula::Implies(..) => (own.flip(), own),
            Formula::Iff(..) => (Polarity::Both, Polarity::Both),
            _ => (own, own),
        };
        if let Some(left) = left {
            polarity[left] = to_left;
        }
        if let Some(right) = right {
            polarity[right] = to_right;
        }
    }
    let lefts = children.into_iter().map(|(left, _)| left).collect();
    (lefts, polarity)
}

impl Evaluation<'_> {
    /// Why the property may hold vacuously at event 0, in source order: implications whose
    /// premise never held where the proof read them ([`Vacuity::Premise`]), and atoms true at
    /// no event ([`Vacuity::AtomNeverTrue`]). Empty when the property fails (its
    /// counterexample is the finding) or holds for real.
    ///
    /// Positions are known for an evaluation built with [`Evaluation::for_property`].
    ///
    /// # Complexity
    ///
    /// O(n · |φ|), like goal extraction (the proof is never expanded).
    pub fn vacuity(&self) -> Vec<Vacuity> {
        if !self.holds(0) {
            return Vec::new();
        }
        let order = self.formula.post_order();
        let (lefts, polarity) = shape(&order);
        let reads = self.proof_reads();
        let position = |index: usize| self.positions.get(index).copied();
        let instances = |index: usize| {
            self.compiled
                .instances
                .get(index)
                .map_or(&[][..], Vec::as_slice)
        };
        // (post-order index, report), sorted into source order at the end.
        let mut found: Vec<(usize, Vacuity)> = Vec::new();
        // Atoms by text: first occurrence, any negative occurrence, never true anywhere.
        let mut atoms: HashMap<String, (usize, bool, bool)> = HashMap::new();
        for (index, node) in order.iter().enumerate() {
            match node {
                Formula::Implies(premise, _) => {
                    let mut evaluated = 0;
                    let mut premise_held = false;
                    for &id in instances(index) {
                        let Op::Implies(premise_id, _) = self.op(id) else {
                            continue;
                        };
                        let read = &reads[id as usize];
                        evaluated += read.count_ones();
                        premise_held |= read.zip(self.bits(*premise_id), |r, v| r & v).any();
                    }
                    if evaluated > 0 && !premise_held {
                        let premise_index = lefts[index].unwrap_or(index);
                        found.push((
                            premise_index,
                            Vacuity::Premise {
                                premise: premise.to_string(),
                                implication: node.to_string(),
                                position: position(premise_index),
                                evaluated,
                            },
                        ));
                    }
                }
                Formula::Atom(atom) if !matches!(atom, Atom::Crashed(_)) => {
                    let ids = instances(index);
                    // Not instantiated (a quantifier over no nodes): nothing was evaluated.
                    if ids.is_empty() {
                        continue;
                    }
                    let never = ids.iter().all(|&id| match self.op(id) {
                        Op::Atom(k) => !self.atom_bits[*k].any(),
                        _ => false,
                    });
                    let negative = polarity[index] != Polarity::Positive;
                    let entry = atoms
                        .entry(atom.to_string())
                        .or_insert((index, false, true));
                    entry.1 |= negative;
                    entry.2 &= never;
                }
                _ => {}
            }
        }
        for (atom, (index, negative, never)) in atoms {
            if never {
                found.push((
                    index,
                    Vacuity::AtomNeverTrue {
                        atom,
                        position: position(index),
                        negative,
                    },
                ));
            }
        }
        // Source order where positions are known, else formula order (post-order).
        found.sort_by_key(|(index, vacuity)| {
            let kind = usize::from(!matches!(vacuity, Vacuity::Premise { .. }));
            (position(*index), *index, kind)
        });
        found.into_iter().map(|(_, vacuity)| vacuity).collect()
    }
}
