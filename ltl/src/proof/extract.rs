//! Phase 2, explain: proofs read top-down from the verdict bitsets, O(1) proof nodes per
//! formula node (witnesses found by word-level bitset scans). Each case matches a recurrence
//! in `eval::passes`.

use super::{AtomProof, Case, Proof, Range, Sat, Viol, Window};
use crate::eval::{Evaluation, Id, Op, future_window_at, past_window_at};

impl Evaluation<'_> {
    pub(crate) fn prove(&self, id: Id, at: usize) -> Proof {
        if self.value(id, at) {
            Proof::Holds(self.sat(id, at))
        } else {
            Proof::Fails(self.viol(id, at))
        }
    }

    fn range(&self, sub: Id, from: usize, end: usize, holds: bool) -> Range {
        Range {
            from,
            end: end.max(from),
            holds,
            sub,
        }
    }

    fn atom_proof(&self, index: usize, at: usize) -> AtomProof {
        let atom = &self.compiled.atoms[index];
        AtomProof {
            at,
            atom: atom.to_string(),
            observed: self.model.observe(atom, at),
        }
    }

    fn last(&self) -> usize {
        self.event_count() - 1
    }

    fn sat_box(&self, id: Id, at: usize) -> Box<Sat> {
        Box::new(self.sat(id, at))
    }

    fn viol_box(&self, id: Id, at: usize) -> Box<Viol> {
        Box::new(self.viol(id, at))
    }

    /// The window of a future metric operator at `at` (clipped to u64; `None` when it lies
    /// wholly past u64::MAX), the events `[lo, hi)` inside it, and whether it is truncated.
    fn future_span(
        &self,
        window: crate::syntax::Interval,
        at: usize,
    ) -> (Option<Window>, usize, usize, bool) {
        let (mut lo, mut hi) = (0, 0);
        let span = future_window_at(&self.times_ns, window, at, &mut lo, &mut hi);
        let window = u64::try_from(span.start_ns).ok().map(|from_ns| Window {
            from_ns,
            to_ns: u64::try_from(span.end_ns).unwrap_or(u64::MAX),
        });
        (window, span.lo, span.hi, span.truncated)
    }

    /// The window of `O[a,b]` at `at` (clipped at 0; `None` when it ends before time 0) and
    /// the events `[start, end)` inside it.
    fn past_span(
        &self,
        window: crate::syntax::Interval,
        at: usize,
    ) -> (Option<Window>, usize, usize) {
        let (mut lo, mut hi) = (0, 0);
        let (start, end) = past_window_at(&self.times_ns, window, at, &mut lo, &mut hi);
        let t = self.times_ns[at];
        let window = t.checked_sub(window.lo_ns).map(|to_ns| Window {
            from_ns: t.saturating_sub(window.hi_ns),
            to_ns,
        });
        (window, start, end)
    }

    /// Why subformula `id` holds at `at` (it must).
    pub(crate) fn sat(&self, id: Id, at: usize) -> Sat {
        debug_assert!(self.value(id, at));
        let last = self.last();
        match self.op(id) {
            Op::True => Sat::True { at },
            Op::Last => Sat::Last { at },
            Op::Atom(index) => Sat::Atom(self.atom_proof(*index, at)),
            Op::Not(a) => Sat::Not {
                sub: self.viol_box(*a, at),
            },
            Op::And(a, b) => Sat::And {
                left: self.sat_box(*a, at),
                right: self.sat_box(*b, at),
            },
            Op::Or(a, b) if self.value(*a, at) => Sat::OrLeft {
                left: self.sat_box(*a, at),
            },
            Op::Or(a, b) => Sat::OrRight {
                right: self.sat_box(*b, at),
                left_sub: *a,
            },
            Op::Implies(a, _) if !self.value(*a, at) => Sat::ImpliesVacuous {
                premise: self.viol_box(*a, at),
            },
            Op::Implies(_, b) => Sat::ImpliesThen {
                conclusion: self.sat_box(*b, at),
            },
            Op::Iff(a, b) if self.value(*a, at) => Sat::IffBoth {
                left: self.sat_box(*a, at),
                right: self.sat_box(*b, at),
            },
            Op::Iff(a, b) => Sat::IffNeither {
                left: self.viol_box(*a, at),
                right: self.viol_box(*b, at),
            },
            Op::Next(a) => Sat::Next {
                at,
                sub: self.sat_box(*a, at + 1),
            },
            Op::WeakNext(_) if at == last => Sat::WeakNextAtEnd { at },
            Op::WeakNext(a) => Sat::WeakNext {
                at,
                sub: self.sat_box(*a, at + 1),
            },
            Op::Eventually(a) => {
                let witness = self
                    .bits(*a)
                    .next(at, true)
                    .expect("F holds: a witness exists");
                Sat::Eventually {
                    at,
                    witness,
                    sub: self.sat_box(*a, witness),
                }
            }
            Op::Always(a) => Sat::Always {
                at,
                held: self.range(*a, at, last + 1, true),
            },
            Op::Until(a, b) | Op::WeakUntil(a, b) => {
                let witness = self.bits(*b).next(at, true);
                let blocker = self.bits(*a).next(at, false);
                match witness {
                    Some(j) if blocker.is_none_or(|k| j <= k) => Sat::Until {
                        at,
                        witness: j,
                        sub: self.sat_box(*b, j),
                        held: self.range(*a, at, j, true),
                    },
                    _ => Sat::WeakUntilForever {
                        at,
                        held: self.range(*a, at, last + 1, true),
                    },
                }
            }
            Op::Release(a, b) => match self.bits(*a).next(at, true) {
                Some(j) => Sat::ReleaseBy {
                    at,
                    witness: j,
                    sub: self.sat_box(*a, j),
                    held: self.range(*b, at, j + 1, true),
                },
                None => Sat::ReleaseForever {
                    at,
                    held: self.range(*b, at, last + 1, true),
                },
            },
            Op::Yesterday(a) => Sat::Yesterday {
                at,
                sub: self.sat_box(*a, at - 1),
            },
            Op::WeakYesterday(_) if at == 0 => Sat::WeakYesterdayAtStart { at },
            Op::WeakYesterday(a) => Sat::WeakYesterday {
                at,
                sub: self.sat_box(*a, at - 1),
            },
            Op::Once(a) => {
                let witness = self
                    .bits(*a)
                    .prev(at, true)
                    .expect("O holds: a witness exists");
                Sat::Once {
                    at,
                    witness,
                    sub: self.sat_box(*a, witness),
                }
            }
            Op::Historically(a) => Sat::Historically {
                at,
                held: self.range(*a, 0, at + 1, true),
            },
            Op::Since(a, b) => {
                let witness = self
                    .bits(*b)
                    .prev(at, true)
                    .expect("S holds: a witness exists");
                Sat::Since {
                    at,
                    witness,
                    sub: self.sat_box(*b, witness),
                    held: self.range(*a, witness + 1, at + 1, true),
                }
            }
            Op::EventuallyWithin(window, a) => {
                let (_, lo, _, _) = self.future_span(*window, at);
                let witness = self
                    .bits(*a)
                    .next(lo, true)
                    .expect("F[a,b] holds: a witness");
                Sat::EventuallyWithin {
                    at,
                    witness,
                    dt_ns: self.times_ns[witness] - self.times_ns[at],
                    sub: self.sat_box(*a, witness),
                }
            }
            Op::AlwaysWithin(window, a) => {
                let (window, lo, hi, truncated) = self.future_span(*window, at);
                Sat::AlwaysWithin {
                    at,
                    window,
                    held: self.range(*a, lo, hi, true),
                    truncated,
                }
            }
            Op::OnceWithin(window, a) => {
                let (_, _, end) = self.past_span(*window, at);
                let witness = self
                    .bits(*a)
                    .prev(end - 1, true)
                    .expect("O[a,b] holds: a witness");
                Sat::OnceWithin {
                    at,
                    witness,
                    dt_ns: self.times_ns[at] - self.times_ns[witness],
                    sub: self.sat_box(*a, witness),
                }
            }
            Op::Forall(var, cases) => Sat::Forall {
                var: var.clone(),
                cases: cases
                    .iter()
                    .map(|(node, case)| Case {
                        node: node.clone(),
                        proof: self.sat(*case, at),
                    })
                    .collect(),
            },
            Op::Exists(var, cases) => {
                let (node, case) = cases
                    .iter()
                    .find(|(_, case)| self.value(*case, at))
                    .expect("exists holds: a witness node");
                Sat::Exists {
                    var: var.clone(),
                    node: node.clone(),
                    sub: self.sat_box(*case, at),
                }
            }
            Op::Label(label, a) => Sat::Label {
                label: label.clone(),
                sub: self.sat_box(*a, at),
            },
            Op::False => unreachable!("false never holds"),
        }
    }

    /// Why subformula `id` fails at `at` (it must).
    pub(crate) fn viol(&self, id: Id, at: usize) -> Viol {
        debug_assert!(!self.value(id, at));
        let last = self.last();
        match self.op(id) {
            Op::False => Viol::False { at },
            Op::Last => Viol::NotLast { at },
            Op::Atom(index) => Viol::Atom(self.atom_proof(*index, at)),
            Op::Not(a) => Viol::Not {
                sub: self.sat_box(*a, at),
            },
            Op::And(a, _) if !self.value(*a, at) => Viol::AndLeft {
                left: self.viol_box(*a, at),
            },
            Op::And(_, b) => Viol::AndRight {
                right: self.viol_box(*b, at),
            },
            Op::Or(a, b) => Viol::Or {
                left: self.viol_box(*a, at),
                right: self.viol_box(*b, at),
            },
            Op::Implies(a, b) => Viol::Implies {
                premise: self.sat_box(*a, at),
                conclusion: self.viol_box(*b, at),
            },
            Op::Iff(a, b) if self.value(*a, at) => Viol::IffLeft {
                left: self.sat_box(*a, at),
                right: self.viol_box(*b, at),
            },
            Op::Iff(a, b) => Viol::IffRight {
                left: self.viol_box(*a, at),
                right: self.sat_box(*b, at),
            },
            Op::Next(_) if at == last => Viol::NextAtEnd { at },
            Op::Next(a) => Viol::Next {
                at,
                sub: self.viol_box(*a, at + 1),
            },
            Op::WeakNext(a) => Viol::WeakNext {
                at,
                sub: self.viol_box(*a, at + 1),
            },
            Op::Eventually(a) => Viol::Eventually {
                at,
                never: self.range(*a, at, last + 1, false),
            },
            Op::Always(a) => {
                let failing = self
                    .bits(*a)
                    .next(at, false)
                    .expect("G fails: a failing event");
                Viol::Always {
                    at,
                    failing,
                    sub: self.viol_box(*a, failing),
                }
            }
            Op::Until(a, b) | Op::WeakUntil(a, b) => match self.bits(*a).next(at, false) {
                Some(k) if self.bits(*b).next(at, true).is_none_or(|j| k < j) => {
                    Viol::UntilBlocked {
                        at,
                        blocker: k,
                        sub: self.viol_box(*a, k),
                        waited: self.range(*b, at, k + 1, false),
                    }
                }
                _ => Viol::UntilExhausted {
                    at,
                    waited: self.range(*b, at, last + 1, false),
                },
            },
            Op::Release(a, b) => {
                let failing = self
                    .bits(*b)
                    .next(at, false)
                    .expect("R fails: ψ fails somewhere");
                Viol::ReleaseBroken {
                    at,
                    failing,
                    sub: self.viol_box(*b, failing),
                    waited: self.range(*a, at, failing, false),
                }
            }
            Op::Yesterday(_) if at == 0 => Viol::YesterdayAtStart { at },
            Op::Yesterday(a) => Viol::Yesterday {
                at,
                sub: self.viol_box(*a, at - 1),
            },
            Op::WeakYesterday(a) => Viol::WeakYesterday {
                at,
                sub: self.viol_box(*a, at - 1),
            },
            Op::Once(a) => Viol::Once {
                at,
                never: self.range(*a, 0, at + 1, false),
            },
            Op::Historically(a) => {
                let failing = self
                    .bits(*a)
                    .prev(at, false)
                    .expect("H fails: a failing event");
                Viol::Historically {
                    at,
                    failing,
                    sub: self.viol_box(*a, failing),
                }
            }
            Op::Since(a, b) => match self.bits(*b).prev(at, true) {
                None => Viol::SinceNever {
                    at,
                    never: self.range(*b, 0, at + 1, false),
                },
                Some(_) => {
                    let blocker = self.bits(*a).prev(at, false).expect("S fails: φ failed");
                    Viol::SinceBlocked {
                        at,
                        blocker,
                        sub: self.viol_box(*a, blocker),
                        waited: self.range(*b, blocker, at + 1, false),
                    }
                }
            },
            Op::EventuallyWithin(window, a) => {
                let (window, lo, hi, truncated) = self.future_span(*window, at);
                Viol::EventuallyWithin {
                    at,
                    window,
                    never: self.range(*a, lo, hi, false),
                    truncated,
                }
            }
            Op::AlwaysWithin(window, a) => {
                let (_, lo, _, _) = self.future_span(*window, at);
                let failing = self
                    .bits(*a)
                    .next(lo, false)
                    .expect("G[a,b] fails: a failing event");
                Viol::AlwaysWithin {
                    at,
                    failing,
                    dt_ns: self.times_ns[failing] - self.times_ns[at],
                    sub: self.viol_box(*a, failing),
                }
            }
            Op::OnceWithin(window, a) => {
                let (window, start, end) = self.past_span(*window, at);
                Viol::OnceWithin {
                    at,
                    window,
                    never: self.range(*a, start, end, false),
                }
            }
            Op::Forall(var, cases) => {
                let (node, case) = cases
                    .iter()
                    .find(|(_, case)| !self.value(*case, at))
                    .expect("forall fails: a failing node");
                Viol::Forall {
                    var: var.clone(),
                    node: node.clone(),
                    sub: self.viol_box(*case, at),
                }
            }
            Op::Exists(var, cases) => Viol::Exists {
                var: var.clone(),
                cases: cases
                    .iter()
                    .map(|(node, case)| Case {
                        node: node.clone(),
                        proof: self.viol(*case, at),
                    })
                    .collect(),
            },
            Op::Label(label, a) => Viol::Label {
                label: label.clone(),
                sub: self.viol_box(*a, at),
            },
            Op::True => unreachable!("true never fails"),
        }
    }
}
