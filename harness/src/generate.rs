//! Fault generators: FoundationDB's swizzle-clog, and random fault sets within a failure spec
//! (the random baseline LDFI is compared against).

use faultline_trace::{FailureSpec, Fault, NodeId};
use rand_chacha::ChaCha8Rng;

use crate::random::{Ratio, below, shuffle};

/// A swizzle-clog (FoundationDB's `swizzleClogClient`): a random subset of `nodes` (each with
/// probability 1/2, at least one) is clogged one by one, starting at time `start` with gaps of
/// 1 to `gap_max` time units; all are clogged before any is unclogged; then they are unclogged
/// one by one, with the same kind of gaps, in a random order drawn independently of the clog
/// order. A clog delays messages to its node, it does not drop them.
///
/// The windows are not bounded by a run's end of time, and the harness rejects a window that
/// ends after it: to inject the episode into a run, draw it with [`swizzle_clog_until`].
/// Returns one [`Fault::Clog`] per chosen node, in clog order (ascending `from`).
///
/// # Example
///
/// ```
/// use faultline_harness::{node_rng, swizzle_clog};
/// use faultline_trace::Fault;
///
/// let nodes = vec!["a".to_string(), "b".to_string(), "c".to_string()];
/// let clogs = swizzle_clog(&nodes, 2, 3, &mut node_rng(42, 0));
/// let last_start = clogs.iter().filter_map(|f| match f { Fault::Clog { from, .. } => Some(*from), _ => None }).max();
/// let first_end = clogs.iter().filter_map(|f| match f { Fault::Clog { to, .. } => Some(*to), _ => None }).min();
/// assert!(last_start < first_end);
/// ```
pub fn swizzle_clog(
    nodes: &[NodeId],
    start: u64,
    gap_max: u64,
    rng: &mut ChaCha8Rng,
) -> Vec<Fault> {
    swizzle_clog_until(nodes, start, gap_max, u64::MAX, rng)
}

/// [`swizzle_clog`] inside a run that ends at `eot`: every window lies in `[max(start, 1),
/// eot]`, so the harness accepts it and every held message is released (delivered) by the end
/// of time. `k` clogged nodes need `2k - 1` gaps of at least one unit between `start` and
/// `eot`, so a short run clogs fewer nodes (a random subset of those drawn) and narrows the
/// gaps to fit; it draws nothing when no window fits (`eot <= start`). With room to spare it
/// draws exactly what [`swizzle_clog`] draws from the same `rng`.
///
/// # Example
///
/// ```
/// use faultline_harness::{node_rng, swizzle_clog_until};
/// use faultline_trace::Fault;
///
/// let nodes = vec!["a".to_string(), "b".to_string(), "c".to_string()];
/// for seed in 0..100 {
///     for clog in swizzle_clog_until(&nodes, 1, 2, 8, &mut node_rng(seed, 0)) {
///         let Fault::Clog { from, to, .. } = clog else { unreachable!() };
///         assert!(1 <= from && from < to && to <= 8);
///     }
/// }
/// ```
pub fn swizzle_clog_until(
    nodes: &[NodeId],
    start: u64,
    gap_max: u64,
    eot: u64,
    rng: &mut ChaCha8Rng,
) -> Vec<Fault> {
    assert!(!nodes.is_empty(), "a swizzle-clog needs nodes");
    // Times start at 1: a window from 0 would lie outside the run.
    let start = start.max(1);
    let mut chosen: Vec<&NodeId> = nodes
        .iter()
        .filter(|_| Ratio::new(1, 2).chance(rng))
        .collect();
    if chosen.is_empty() {
        chosen.push(&nodes[below(rng, nodes.len() as u64) as usize]);
    }
    shuffle(&mut chosen, rng);
    // k windows need 2k - 1 gaps of at least 1 in `room`; the shuffle made any prefix a
    // random subset.
    let room = eot.saturating_sub(start);
    let fits = usize::try_from(room.div_ceil(2)).unwrap_or(usize::MAX);
    chosen.truncate(fits);
    if chosen.is_empty() {
        return Vec::new();
    }
    let gaps = 2 * chosen.len() as u64 - 1;
    let gap_max = gap_max.max(1).min(room / gaps);
    let mut time = start;
    let mut starts = Vec::with_capacity(chosen.len());
    for index in 0..chosen.len() {
        if index > 0 {
            time += 1 + below(rng, gap_max);
        }
        starts.push(time);
    }
    let mut unclog_order: Vec<usize> = (0..chosen.len()).collect();
    shuffle(&mut unclog_order, rng);
    let mut ends = vec![0; chosen.len()];
    for &clog in &unclog_order {
        time += 1 + below(rng, gap_max);
        ends[clog] = time;
    }
    chosen
        .iter()
        .zip(starts.iter().zip(&ends))
        .map(|(node, (&from, &to))| Fault::Clog {
            node: (*node).clone(),
            from,
            to,
        })
        .collect()
}

/// Per-kind probabilities for [`random_faults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultRates {
    /// Chance that a given (src, dst, time) message is omitted.
    pub omission: Ratio,
    /// Chance that a given node crashes (at a uniform time in `1..=eot`).
    pub crash: Ratio,
    /// Chance that a given node gets a clog window.
    pub clog: Ratio,
}

/// A random fault set admissible under `spec`, with one `rate` for omissions and crashes (no
/// clogs): every omission (src ≠ dst, send time `1..eff`, i.e. `< eff` as in Molly) is drawn
/// independently with probability `rate`; nodes are visited in a random order and each
/// crashes with probability `rate` at a uniform time in `1..=eot`, at most `max_crashes` of
/// them. The result is sorted (`Fault`'s order). `faultline run --random-faults` draws it.
pub fn random_fault_set(
    spec: &FailureSpec,
    nodes: &[NodeId],
    rate: Ratio,
    rng: &mut ChaCha8Rng,
) -> Vec<Fault> {
    let rates = FaultRates {
        omission: rate,
        crash: rate,
        clog: Ratio::ZERO,
    };
    random_faults(spec, nodes, &rates, rng)
}

/// A random fault set admissible under `spec` with separate rates per kind, every fault inside
/// the run (times `1..=eot`, so the harness accepts it): omissions as in [`random_fault_set`];
/// clog windows (at most `max_clogs`, none when `eot < 2`) start at a uniform time in `1..eot`
/// and end at a uniform time after that, by `eot`. Sorted.
pub fn random_faults(
    spec: &FailureSpec,
    nodes: &[NodeId],
    rates: &FaultRates,
    rng: &mut ChaCha8Rng,
) -> Vec<Fault> {
    let mut faults = Vec::new();
    // Message loss ends at EFF, and never after the run (a spec may say `eff > eot`).
    for at in 1..spec.eff.min(spec.eot.saturating_add(1)) {
        for src in nodes {
            for dst in nodes {
                if src != dst && rates.omission.chance(rng) {
                    faults.push(Fault::Omission {
                        src: src.clone(),
                        dst: dst.clone(),
                        at,
                    });
                }
            }
        }
    }
    let eot = spec.eot;
    let mut order: Vec<&NodeId> = nodes.iter().collect();
    shuffle(&mut order, rng);
    let mut crash_count = 0;
    for node in &order {
        if crash_count < spec.max_crashes && eot >= 1 && rates.crash.chance(rng) {
            crash_count += 1;
            faults.push(Fault::Crash {
                node: (*node).clone(),
                at: 1 + below(rng, eot),
            });
        }
    }
    shuffle(&mut order, rng);
    let mut clog_count = 0;
    for node in &order {
        // A window [from, to) with 1 <= from < to <= eot: held messages are released by the
        // end of time, so a clog delays and never drops.
        if clog_count < spec.max_clogs && eot >= 2 && rates.clog.chance(rng) {
            clog_count += 1;
            let from = 1 + below(rng, eot - 1);
            faults.push(Fault::Clog {
                node: (*node).clone(),
                from,
                to: from + 1 + below(rng, eot - from),
            });
        }
    }
    faults.sort();
    faults
}
