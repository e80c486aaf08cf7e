//! Which subformulas the fully expanded proof of the verdict at event 0 contains, and at which
//! events — computed top-down with one bitset per subformula instead of by expanding proofs.
//!
//! Expanding is O(n^(k+1)) under k nested `G`/`H` (each summarised range holds n proofs, each
//! with a range of its own); here every compiled subformula is visited once, with one sweep
//! over the events: O(n · |φ|), like the evaluation itself. Parents have larger ids than their
//! children, so walking ids downwards from the root sees every parent before its children.
//!
//! [`Evaluation::child_reads`] mirrors, case by case, the proof that `extract` builds: a
//! subformula proved at event i (holding or failing there) has its children proved at the
//! events that proof names — the same witnesses, blockers and ranges.

use crate::eval::{Bits, Evaluation, Id, Op, future_window_at, past_window_at};

/// The events at which the proof of a parent reads one child.
pub(crate) struct Read {
    pub(crate) child: Id,
    pub(crate) events: Bits,
    /// The right disjunct of an `||` (the proof is `OrRight` where the `||` holds).
    pub(crate) or_right: bool,
}

/// A set of events built from single events and ranges (ranges through a difference array,
/// so that overlapping ranges cost O(1) each).
struct Events {
    points: Bits,
    starts_minus_ends: Option<Vec<i64>>,
}

impl Events {
    fn new(len: usize) -> Events {
        Events {
            points: Bits::zeros(len),
            starts_minus_ends: None,
        }
    }

    fn point(&mut self, at: usize) {
        self.points.set(at, true);
    }

    /// Events `[from, end)` (nothing when `end <= from`).
    fn range(&mut self, from: usize, end: usize) {
        let len = self.points.len();
        let end = end.min(len);
        if from >= end {
            return;
        }
        let diff = self
            .starts_minus_ends
            .get_or_insert_with(|| vec![0; len + 1]);
        diff[from] += 1;
        diff[end] -= 1;
    }

    fn finish(self) -> Bits {
        let mut bits = self.points;
        if let Some(diff) = self.starts_minus_ends {
            let mut open = 0i64;
            for (at, delta) in diff.iter().take(bits.len()).enumerate() {
                open += delta;
                if open > 0 {
                    bits.set(at, true);
                }
            }
        }
        bits
    }
}

fn read(child: Id, events: Events) -> Read {
    Read {
        child,
        events: events.finish(),
        or_right: false,
    }
}

fn read_bits(child: Id, events: Bits) -> Read {
    Read {
        child,
        events,
        or_right: false,
    }
}

impl Evaluation<'_> {
    /// For subformula `id` proved at the events of `demand`, the events at which those proofs
    /// (ranges expanded) prove each child. A child may be listed more than once.
    pub(crate) fn child_reads(&self, id: Id, demand: &Bits) -> Vec<Read> {
        let len = demand.len();
        let value = self.bits(id);
        let holds = demand.zip(value, |d, v| d & v);
        let fails = demand.zip(value, |d, v| d & !v);
        let shifted = |offset: isize| {
            let mut events = Bits::zeros(len);
            for at in demand.ones_iter() {
                if let Some(to) = at.checked_add_signed(offset).filter(|&to| to < len) {
                    events.set(to, true);
                }
            }
            events
        };
        match self.op(id) {
            Op::True | Op::False | Op::Last | Op::Atom(_) => Vec::new(),
            Op::Not(a) | Op::Label(_, a) => vec![read_bits(*a, demand.clone())],
            Op::Iff(a, b) => vec![read_bits(*a, demand.clone()), read_bits(*b, demand.clone())],
            Op::And(a, b) => {
                // Holds: both. Fails: the left where it fails, else the right.
                let va = self.bits(*a);
                vec![
                    read_bits(
                        *a,
                        Bits::zip4(&holds, &fails, va, va, |h, f, x, _| h | (f & !x)),
                    ),
                    read_bits(
                        *b,
                        Bits::zip4(&holds, &fails, va, va, |h, f, x, _| h | (f & x)),
                    ),
                ]
            }
            Op::Or(a, b) => {
                // Holds: the left where it holds, else the right. Fails: both.
                let va = self.bits(*a);
                vec![
                    read_bits(
                        *a,
                        Bits::zip4(&holds, &fails, va, va, |h, f, x, _| (h & x) | f),
                    ),
                    Read {
                        child: *b,
                        events: Bits::zip4(&holds, &fails, va, va, |h, f, x, _| (h & !x) | f),
                        or_right: true,
                    },
                ]
            }
            Op::Implies(a, b) => {
                // Holds: the premise where it fails (vacuously), else the conclusion. Fails: both.
                let va = self.bits(*a);
                vec![
                    read_bits(
                        *a,
                        Bits::zip4(&holds, &fails, va, va, |h, f, x, _| (h & !x) | f),
                    ),
                    read_bits(
                        *b,
                        Bits::zip4(&holds, &fails, va, va, |h, f, x, _| (h & x) | f),
                    ),
                ]
            }
            // At the last event X fails and WX holds with no sub-proof; elsewhere, the next event.
            Op::Next(a) | Op::WeakNext(a) => vec![read_bits(*a, shifted(1))],
            // At event 0 Y fails and WY holds with no sub-proof; elsewhere, the previous event.
            Op::Yesterday(a) | Op::WeakYesterday(a) => vec![read_bits(*a, shifted(-1))],
            Op::Eventually(a) => {
                let va = self.bits(*a);
                let mut events = Events::new(len);
                let mut witness = None;
                for at in (0..len).rev() {
                    if va.get(at) {
                        witness = Some(at);
                    }
                    if let (true, Some(w)) = (holds.get(at), witness) {
                        events.point(w);
                    }
                    if fails.get(at) {
                        events.range(at, len);
                    }
                }
                vec![read(*a, events)]
            }
            Op::Always(a) => {
                let va = self.bits(*a);
                let mut events = Events::new(len);
                let mut failing = None;
                for at in (0..len).rev() {
                    if !va.get(at) {
                        failing = Some(at);
                    }
                    if holds.get(at) {
                        events.range(at, len);
                    }
                    if let (true, Some(k)) = (fails.get(at), failing) {
                        events.point(k);
                    }
                }
                vec![read(*a, events)]
            }
            Op::Until(a, b) | Op::WeakUntil(a, b) => {
                let (va, vb) = (self.bits(*a), self.bits(*b));
                let (mut left, mut right) = (Events::new(len), Events::new(len));
                let (mut next_b, mut next_not_a) = (None, None);
                for at in (0..len).rev() {
                    if vb.get(at) {
                        next_b = Some(at);
                    }
                    if !va.get(at) {
                        next_not_a = Some(at);
                    }
                    if holds.get(at) {
                        match next_b {
                            Some(j) if next_not_a.is_none_or(|k| j <= k) => {
                                right.point(j);
                                left.range(at, j);
                            }
                            _ => left.range(at, len),
                        }
                    }
                    if fails.get(at) {
                        match next_not_a {
                            Some(k) if next_b.is_none_or(|j| k < j) => {
                                left.point(k);
                                right.range(at, k + 1);
                            }
                            _ => right.range(at, len),
                        }
                    }
                }
                vec![read(*a, left), read(*b, right)]
            }
            Op::Release(a, b) => {
                let (va, vb) = (self.bits(*a), self.bits(*b));
                let (mut left, mut right) = (Events::new(len), Events::new(len));
                let (mut next_a, mut next_not_b) = (None, None);
                for at in (0..len).rev() {
                    if va.get(at) {
                        next_a = Some(at);
                    }
                    if !vb.get(at) {
                        next_not_b = Some(at);
                    }
                    if holds.get(at) {
                        match next_a {
                            Some(j) => {
                                left.point(j);
                                right.range(at, j + 1);
                            }
                            None => right.range(at, len),
                        }
                    }
                    if let (true, Some(k)) = (fails.get(at), next_not_b) {
                        right.point(k);
                        left.range(at, k);
                    }
                }
                vec![read(*a, left), read(*b, right)]
            }
            Op::Once(a) => {
                let va = self.bits(*a);
                let mut events = Events::new(len);
                let mut witness = None;
                for at in 0..len {
                    if va.get(at) {
                        witness = Some(at);
                    }
                    if let (true, Some(w)) = (holds.get(at), witness) {
                        events.point(w);
                    }
                    if fails.get(at) {
                        events.range(0, at + 1);
                    }
                }
                vec![read(*a, events)]
            }
            Op::Historically(a) => {
                let va = self.bits(*a);
                let mut events = Events::new(len);
                let mut failing = None;
                for at in 0..len {
                    if !va.get(at) {
                        failing = Some(at);
                    }
                    if holds.get(at) {
                        events.range(0, at + 1);
                    }
                    if let (true, Some(k)) = (fails.get(at), failing) {
                        events.point(k);
                    }
                }
                vec![read(*a, events)]
            }
            Op::Since(a, b) => {
                let (va, vb) = (self.bits(*a), self.bits(*b));
                let (mut left, mut right) = (Events::new(len), Events::new(len));
                let (mut prev_b, mut prev_not_a) = (None, None);
                for at in 0..len {
                    if vb.get(at) {
                        prev_b = Some(at);
                    }
                    if !va.get(at) {
                        prev_not_a = Some(at);
                    }
                    if let (true, Some(w)) = (holds.get(at), prev_b) {
                        right.point(w);
                        left.range(w + 1, at + 1);
                    }
                    if fails.get(at) {
                        match (prev_b, prev_not_a) {
                            (None, _) => right.range(0, at + 1),
                            (Some(_), Some(k)) => {
                                left.point(k);
                                right.range(k, at + 1);
                            }
                            (Some(_), None) => {}
                        }
                    }
                }
                vec![read(*a, left), read(*b, right)]
            }
            Op::EventuallyWithin(window, a) | Op::AlwaysWithin(window, a) => {
                // F[a,b] holds / G[a,b] fails: the first event at or after the window's start
                // where the operand holds / fails. Otherwise: every event of the window.
                let exists = matches!(self.op(id), Op::EventuallyWithin(..));
                let (witnessed, ranged) = if exists {
                    (&holds, &fails)
                } else {
                    (&fails, &holds)
                };
                let va = self.bits(*a);
                let mut events = Events::new(len);
                let (mut lo, mut hi) = (0, 0);
                let mut candidate: Option<usize> = None;
                for at in 0..len {
                    let span = future_window_at(&self.times_ns, *window, at, &mut lo, &mut hi);
                    if witnessed.get(at) {
                        // Window starts only move forward: reuse the last witness if still in.
                        if candidate.is_none_or(|c| c < span.lo) {
                            candidate = va.next(span.lo, exists);
                        }
                        if let Some(w) = candidate {
                            events.point(w);
                        }
                    }
                    if ranged.get(at) {
                        events.range(span.lo, span.hi);
                    }
                }
                vec![read(*a, events)]
            }
            Op::OnceWithin(window, a) => {
                let va = self.bits(*a);
                let mut events = Events::new(len);
                let (mut lo, mut hi) = (0, 0);
                let mut scanned = 0;
                let mut latest = None;
                for at in 0..len {
                    let (start, end) =
                        past_window_at(&self.times_ns, *window, at, &mut lo, &mut hi);
                    while scanned < end {
                        if va.get(scanned) {
                            latest = Some(scanned);
                        }
                        scanned += 1;
                    }
                    if let (true, Some(w)) = (holds.get(at), latest) {
                        events.point(w);
                    }
                    if fails.get(at) {
                        events.range(start, end);
                    }
                }
                vec![read(*a, events)]
            }
            Op::Forall(_, cases) => {
                // Holds: every case. Fails: the first failing case.
                let mut undecided = fails;
                let mut reads = Vec::with_capacity(cases.len());
                for (_, case) in cases {
                    let vc = self.bits(*case);
                    let taken = Bits::zip4(&holds, &undecided, vc, vc, |h, u, x, _| h | (u & !x));
                    undecided = undecided.zip(vc, |u, x| u & x);
                    reads.push(read_bits(*case, taken));
                }
                reads
            }
            Op::Exists(_, cases) => {
                // Holds: the first holding case. Fails: every case.
                let mut undecided = holds;
                let mut reads = Vec::with_capacity(cases.len());
                for (_, case) in cases {
                    let vc = self.bits(*case);
                    let taken = Bits::zip4(&fails, &undecided, vc, vc, |f, u, x, _| f | (u & x));
                    undecided = undecided.zip(vc, |u, x| u & !x);
                    reads.push(read_bits(*case, taken));
                }
                reads
            }
        }
    }

    /// Per compiled subformula, the events at which the fully expanded proof of the verdict at
    /// event 0 proves it (in either polarity).
    pub(crate) fn proof_reads(&self) -> Vec<Bits> {
        let len = self.event_count();
        let root = self.compiled.root as usize;
        let mut reads: Vec<Option<Bits>> = vec![None; root + 1];
        reads[root] = Some(Bits::from_fn(len, |at| at == 0));
        for id in (0..=root).rev() {
            let Some(demand) = reads[id].take() else {
                continue;
            };
            if demand.any() {
                for child in self.child_reads(id as Id, &demand) {
                    match &mut reads[child.child as usize] {
                        Some(events) => events.union_with(&child.events),
                        slot => *slot = Some(child.events),
                    }
                }
            }
            reads[id] = Some(demand);
        }
        reads
            .into_iter()
            .map(|events| events.unwrap_or_else(|| Bits::zeros(len)))
            .collect()
    }
}
