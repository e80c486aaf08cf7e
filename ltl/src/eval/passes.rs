//! Phase 1, decide: one verdict bitset per subformula, filled bottom-up, one pass each —
//! backward for future operators, forward for past ones, two pointers for metric windows.
//!
//! Next to each verdict bitset sits a *presumptive* bitset: bit i says that the proof of the
//! verdict at i (with every summarised range expanded) contains an end-of-trace leaf. The
//! recurrences below mirror, case by case, the proof that `proof::extract` builds.

use super::bits::Bits;
use super::compile::{Compiled, Id, Op};
use crate::syntax::Interval;

/// Verdict and presumptive bits of every subformula.
#[derive(Debug, Clone)]
pub(crate) struct Verdicts {
    pub(crate) values: Vec<Bits>,
    pub(crate) presumptive: Vec<Bits>,
}

/// Builds a bitset from a backward walk (`bit(i)` is called for i = n-1 down to 0).
fn build_backward(len: usize, mut bit: impl FnMut(usize) -> (bool, bool)) -> (Bits, Bits) {
    let mut values = Bits::zeros(len);
    let mut presumptive = Bits::zeros(len);
    for index in (0..len).rev() {
        let (value, presumed) = bit(index);
        if value {
            values.set(index, true);
        }
        if presumed {
            presumptive.set(index, true);
        }
    }
    (values, presumptive)
}

/// Builds a bitset from a forward walk.
fn build_forward(len: usize, mut bit: impl FnMut(usize) -> (bool, bool)) -> (Bits, Bits) {
    let mut values = Bits::zeros(len);
    let mut presumptive = Bits::zeros(len);
    for index in 0..len {
        let (value, presumed) = bit(index);
        if value {
            values.set(index, true);
        }
        if presumed {
            presumptive.set(index, true);
        }
    }
    (values, presumptive)
}

/// Bit i of the result is bit i+1 of `bits` (0 at the last position).
fn shift_to_earlier(bits: &Bits) -> Bits {
    let mut out = bits.clone();
    let words = out.words_mut();
    for index in 0..words.len() {
        let carry = words.get(index + 1).map_or(0, |next| next << 63);
        words[index] = (words[index] >> 1) | carry;
    }
    out
}

/// Bit i of the result is bit i-1 of `bits` (0 at position 0).
fn shift_to_later(bits: &Bits) -> Bits {
    let mut out = bits.clone();
    let words = out.words_mut();
    for index in (0..words.len()).rev() {
        let carry = if index == 0 {
            0
        } else {
            words[index - 1] >> 63
        };
        words[index] = (words[index] << 1) | carry;
    }
    out.clear_tail();
    out
}

fn with_bit(mut bits: Bits, index: usize) -> Bits {
    bits.set(index, true);
    bits
}

/// Runs every pass. `atoms[k]` is the truth of atom k; `times_ns` is needed for metric ops.
pub(crate) fn decide(
    compiled: &Compiled,
    len: usize,
    atoms: &[Bits],
    times_ns: &[u64],
) -> Verdicts {
    assert!(len > 0, "traces are never empty");
    let last = len - 1;
    let mut values: Vec<Bits> = Vec::with_capacity(compiled.ops.len());
    let mut presumptive: Vec<Bits> = Vec::with_capacity(compiled.ops.len());
    for op in &compiled.ops {
        let v = |id: &Id| &values[*id as usize];
        let p = |id: &Id| &presumptive[*id as usize];
        let (value, presumed) = match op {
            Op::True => (Bits::ones(len), Bits::zeros(len)),
            Op::False => (Bits::zeros(len), Bits::zeros(len)),
            Op::Last => (with_bit(Bits::zeros(len), last), Bits::zeros(len)),
            Op::Atom(index) => (atoms[*index].clone(), Bits::zeros(len)),
            Op::Not(a) => {
                let ones = Bits::ones(len);
                (v(a).zip(&ones, |x, one| !x & one), p(a).clone())
            }
            Op::And(a, b) => (
                v(a).zip(v(b), |x, y| x & y),
                Bits::zip4(v(a), v(b), p(a), p(b), |x, y, px, py| {
                    (x & y & (px | py)) | (!x & px) | (x & !y & py)
                }),
            ),
            Op::Or(a, b) => (
                v(a).zip(v(b), |x, y| x | y),
                Bits::zip4(v(a), v(b), p(a), p(b), |x, y, px, py| {
                    (x & px) | (!x & y & py) | (!x & !y & (px | py))
                }),
            ),
            Op::Implies(a, b) => (
                v(a).zip(v(b), |x, y| !x | y),
                Bits::zip4(v(a), v(b), p(a), p(b), |x, y, px, py| {
                    (!x & px) | (x & y & py) | (x & !y & (px | py))
                }),
            ),
            Op::Iff(a, b) => (
                v(a).zip(v(b), |x, y| !(x ^ y)),
                p(a).zip(p(b), |px, py| px | py),
            ),
            Op::Next(a) => (
                shift_to_earlier(v(a)),
                with_bit(shift_to_earlier(p(a)), last),
            ),
            Op::WeakNext(a) => (
                with_bit(shift_to_earlier(v(a)), last),
                with_bit(shift_to_earlier(p(a)), last),
            ),
            Op::Yesterday(a) => (shift_to_later(v(a)), shift_to_later(p(a))),
            Op::WeakYesterday(a) => (with_bit(shift_to_later(v(a)), 0), shift_to_later(p(a))),
            Op::Eventually(a) => eventually(v(a), p(a)),
            Op::Always(a) => always(v(a), p(a)),
            Op::Until(a, b) => until(v(a), v(b), p(a), p(b), false),
            Op::WeakUntil(a, b) => until(v(a), v(b), p(a), p(b), true),
            Op::Release(a, b) => release(v(a), v(b), p(a), p(b)),
            Op::Once(a) => once(v(a), p(a)),
            Op::Historically(a) => historically(v(a), p(a)),
            Op::Since(a, b) => since(v(a), v(b), p(a), p(b)),
            Op::EventuallyWithin(window, a) => future_window(v(a), p(a), times_ns, *window, true),
            Op::AlwaysWithin(window, a) => future_window(v(a), p(a), times_ns, *window, false),
            Op::OnceWithin(window, a) => once_within(v(a), p(a), times_ns, *window),
            Op::Forall(_, cases) => quantifier(len, cases, &values, &presumptive, true),
            Op::Exists(_, cases) => quantifier(len, cases, &values, &presumptive, false),
            Op::Label(_, a) => (v(a).clone(), p(a).clone()),
        };
        values.push(value);
        presumptive.push(presumed);
    }
    Verdicts {
        values,
        presumptive,
    }
}

fn eventually(a: &Bits, pa: &Bits) -> (Bits, Bits) {
    let mut witness: Option<usize> = None;
    build_backward(a.len(), |i| {
        if a.get(i) {
            witness = Some(i);
        }
        match witness {
            Some(j) => (true, pa.get(j)),
            None => (false, true), // exhausted: an end-of-trace leaf
        }
    })
}

fn always(a: &Bits, pa: &Bits) -> (Bits, Bits) {
    let mut failing: Option<usize> = None;
    let mut suffix_presumed = false;
    build_backward(a.len(), |i| {
        if !a.get(i) {
            failing = Some(i);
        }
        suffix_presumed |= pa.get(i);
        match failing {
            Some(k) => (false, pa.get(k)),
            None => (true, suffix_presumed),
        }
    })
}

/// `a U b` (strong) or `a W b` (weak).
fn until(a: &Bits, b: &Bits, pa: &Bits, pb: &Bits, weak: bool) -> (Bits, Bits) {
    // Past the last event: U is exhausted (false, presumptive); W holds (range of a, so far empty).
    let (mut value_next, mut presumed_next) = (weak, !weak);
    build_backward(a.len(), |i| {
        let (value, presumed) = if b.get(i) {
            (true, pb.get(i))
        } else if !a.get(i) {
            (false, pa.get(i) | pb.get(i))
        } else {
            let own = if value_next { pa.get(i) } else { pb.get(i) };
            (value_next, presumed_next | own)
        };
        value_next = value;
        presumed_next = presumed;
        (value, presumed)
    })
}

/// `a R b`: b holds up to and including the first a, or forever.
fn release(a: &Bits, b: &Bits, pa: &Bits, pb: &Bits) -> (Bits, Bits) {
    let (mut value_next, mut presumed_next) = (true, false);
    build_backward(a.len(), |i| {
        let (value, presumed) = if !b.get(i) {
            (false, pb.get(i))
        } else if a.get(i) {
            (true, pa.get(i) | pb.get(i))
        } else {
            let own = if value_next { pb.get(i) } else { pa.get(i) };
            (value_next, presumed_next | own)
        };
        value_next = value;
        presumed_next = presumed;
        (value, presumed)
    })
}

fn once(a: &Bits, pa: &Bits) -> (Bits, Bits) {
    let mut witness: Option<usize> = None;
    let mut prefix_presumed = false;
    build_forward(a.len(), |i| {
        if a.get(i) {
            witness = Some(i);
        }
        prefix_presumed |= pa.get(i);
        match witness {
            Some(j) => (true, pa.get(j)),
            None => (false, prefix_presumed),
        }
    })
}

fn historically(a: &Bits, pa: &Bits) -> (Bits, Bits) {
    let mut failing: Option<usize> = None;
    let mut prefix_presumed = false;
    build_forward(a.len(), |i| {
        if !a.get(i) {
            failing = Some(i);
        }
        prefix_presumed |= pa.get(i);
        match failing {
            Some(k) => (false, pa.get(k)),
            None => (true, prefix_presumed),
        }
    })
}

fn since(a: &Bits, b: &Bits, pa: &Bits, pb: &Bits) -> (Bits, Bits) {
    let (mut value_prev, mut presumed_prev) = (false, false);
    let mut seen_b = false;
    let mut prefix_presumed_b = false;
    build_forward(a.len(), |i| {
        prefix_presumed_b |= pb.get(i);
        let (value, presumed) = if b.get(i) {
            seen_b = true;
            (true, pb.get(i))
        } else if !seen_b {
            (false, prefix_presumed_b)
        } else if !a.get(i) {
            (false, pa.get(i) | pb.get(i))
        } else {
            let own = if value_prev { pa.get(i) } else { pb.get(i) };
            (value_prev, presumed_prev | own)
        };
        value_prev = value;
        presumed_prev = presumed;
        (value, presumed)
    })
}

/// The window of a future metric operator at event i: `[lo, hi)` event indices whose time is in
/// `[t_i + a, t_i + b]`, and whether the window reaches past the end of the trace.
///
/// The bounds are exact (u128): `t_i + b` past u64::MAX takes in every later event, and a start
/// `t_i + a` past u64::MAX leaves the window empty for good — no event, now or after the end of
/// the trace, can be that late, so such a window is never cut off by the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FutureWindow {
    pub(crate) lo: usize,
    pub(crate) hi: usize,
    pub(crate) truncated: bool,
    /// `t_i + a` and `t_i + b`, exactly.
    pub(crate) start_ns: u128,
    pub(crate) end_ns: u128,
}

/// Advances the two pointers of a future window to event `i` (both only move forward, since
/// times do not decrease).
pub(crate) fn future_window_at(
    times_ns: &[u64],
    window: Interval,
    i: usize,
    lo: &mut usize,
    hi: &mut usize,
) -> FutureWindow {
    let len = times_ns.len();
    let t = u128::from(times_ns[i]);
    let start_ns = t + u128::from(window.lo_ns);
    let end_ns = t + u128::from(window.hi_ns);
    *lo = (*lo).max(i);
    while *lo < len && u128::from(times_ns[*lo]) < start_ns {
        *lo += 1;
    }
    *hi = (*hi).max(*lo);
    while *hi < len && u128::from(times_ns[*hi]) <= end_ns {
        *hi += 1;
    }
    let reachable = start_ns <= u128::from(u64::MAX);
    let truncated = reachable && u128::from(times_ns[len - 1]) < end_ns;
    FutureWindow {
        lo: *lo,
        hi: *hi,
        truncated,
        start_ns,
        end_ns,
    }
}

/// `F[a,b]` (`exists = true`) or `G[a,b]`.
fn future_window(
    a: &Bits,
    pa: &Bits,
    times_ns: &[u64],
    window: Interval,
    exists: bool,
) -> (Bits, Bits) {
    let len = a.len();
    let (mut lo, mut hi) = (0, 0);
    // Candidates: the first a (or ¬a) at or after lo, and the first presumptive bit there.
    // `len` means "none"; usize::MAX means "not searched yet". Both only move forward.
    let mut candidate = usize::MAX;
    let mut candidate_presumed = usize::MAX;
    build_forward(len, |i| {
        let span = future_window_at(times_ns, window, i, &mut lo, &mut hi);
        if candidate == usize::MAX || candidate < span.lo {
            candidate = a.next(span.lo, exists).unwrap_or(len);
        }
        if candidate_presumed == usize::MAX || candidate_presumed < span.lo {
            candidate_presumed = pa.next(span.lo, true).unwrap_or(len);
        }
        let found = (candidate < span.hi).then_some(candidate);
        let any_presumed = candidate_presumed < span.hi;
        match (found, exists) {
            (Some(j), true) => (true, pa.get(j)),
            (None, true) => (false, span.truncated || any_presumed),
            (Some(k), false) => (false, pa.get(k)),
            (None, false) => (true, span.truncated || any_presumed),
        }
    })
}

/// The window of `O[a,b]` at event i: `[lo, hi)` event indices whose time is in
/// `[t_i - b, t_i - a]`, with `hi <= i + 1`.
pub(crate) fn past_window_at(
    times_ns: &[u64],
    window: Interval,
    i: usize,
    lo: &mut usize,
    hi: &mut usize,
) -> (usize, usize) {
    let t = times_ns[i];
    let start = t.saturating_sub(window.hi_ns);
    while *lo <= i && times_ns[*lo] < start {
        *lo += 1;
    }
    match t.checked_sub(window.lo_ns) {
        None => (*lo, *lo), // t - a < 0: no event is old enough
        Some(end) => {
            while *hi <= i && times_ns[*hi] <= end {
                *hi += 1;
            }
            (*lo, (*hi).max(*lo))
        }
    }
}

fn once_within(a: &Bits, pa: &Bits, times_ns: &[u64], window: Interval) -> (Bits, Bits) {
    let (mut lo, mut hi) = (0, 0);
    let mut scanned = 0; // events below `scanned` have been folded into the two "latest"
    let mut latest: Option<usize> = None;
    let mut latest_presumed: Option<usize> = None;
    build_forward(a.len(), |i| {
        let (start, end) = past_window_at(times_ns, window, i, &mut lo, &mut hi);
        while scanned < end {
            if a.get(scanned) {
                latest = Some(scanned);
            }
            if pa.get(scanned) {
                latest_presumed = Some(scanned);
            }
            scanned += 1;
        }
        let found = latest.filter(|&j| j >= start && j < end);
        match found {
            Some(j) => (true, pa.get(j)),
            None => (
                false,
                latest_presumed.is_some_and(|j| j >= start && j < end),
            ),
        }
    })
}

fn quantifier(
    len: usize,
    cases: &[(String, Id)],
    values: &[Bits],
    presumptive: &[Bits],
    forall: bool,
) -> (Bits, Bits) {
    // `undecided`: positions where no case has decided the verdict yet (all true for forall).
    let mut undecided = Bits::ones(len);
    let mut presumed = Bits::zeros(len);
    let mut all_presumed = Bits::zeros(len);
    for (_, id) in cases {
        let (value, case_presumed) = (&values[*id as usize], &presumptive[*id as usize]);
        let deciding = if forall {
            undecided.zip(value, |u, x| u & !x)
        } else {
            undecided.zip(value, |u, x| u & x)
        };
        presumed = Bits::zip4(
            &presumed,
            &deciding,
            case_presumed,
            case_presumed,
            |acc, d, c, _| acc | (d & c),
        );
        undecided = if forall {
            undecided.zip(value, |u, x| u & x)
        } else {
            undecided.zip(value, |u, x| u & !x)
        };
        all_presumed = all_presumed.zip(case_presumed, |acc, c| acc | c);
    }
    // Undecided at the end: forall holds (all cases listed), exists fails (all cases listed).
    let presumed = Bits::zip4(
        &presumed,
        &undecided,
        &all_presumed,
        &all_presumed,
        |acc, u, c, _| acc | (u & c),
    );
    let value = if forall {
        undecided
    } else {
        undecided.zip(&Bits::ones(len), |u, one| !u & one)
    };
    (value, presumed)
}
