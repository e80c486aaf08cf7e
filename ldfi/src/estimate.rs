//! Size of the fault space of a failure spec: Molly's gross estimate and the exact count.

use faultline_trace::FailureSpec;
use num_bigint::BigUint;

/// Both counts for one spec (arbitrary precision: 3pc-size specs exceed `u64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpace {
    /// Molly's `grossEstimate`: binom(N, C) · crashFree^(N−C) · crashProne^C. It over-counts:
    /// it picks C crash-prone nodes and also lets them never crash.
    pub gross: BigUint,
    /// The number of distinct admissible fault sets of the same model: each node crashes at
    /// most once (at a round 1..=EOT, at most C nodes in all) and omits any subset of its
    /// outgoing messages sent before min(EFF, its crash).
    pub exact: BigUint,
}

fn binomial(n: u64, k: u64) -> BigUint {
    let mut result = BigUint::from(1u32);
    for i in 0..k {
        result = result * BigUint::from(n - i) / BigUint::from(i + 1);
    }
    result
}

/// Loss patterns of one node's outgoing channels in one round: 2^(N−1).
fn loss_patterns(nodes: u64) -> BigUint {
    BigUint::from(1u32) << nodes.saturating_sub(1)
}

/// Σ_{k=0}^{count−1} L^k with L = 2^(N−1) (a geometric series of powers of two, in closed
/// form: O(size of the result), however many terms).
fn loss_series(count: u64, nodes: u64) -> BigUint {
    let bits = nodes.saturating_sub(1);
    if bits == 0 || count == 0 {
        return BigUint::from(count);
    }
    // (L^count − 1) / (L − 1).
    let total_bits = usize::try_from(bits.saturating_mul(count)).unwrap_or(usize::MAX);
    ((BigUint::from(1u32) << total_bits) - 1u32) / (loss_patterns(nodes) - 1u32)
}

/// L^e for L = 2^(N−1): a shift.
fn loss_power(exponent: u64, nodes: u64) -> BigUint {
    let bits = nodes.saturating_sub(1).saturating_mul(exponent);
    BigUint::from(1u32) << usize::try_from(bits).unwrap_or(usize::MAX)
}

/// Σ_{c=1}^{last} L^min(EFF, c−1): omission patterns of a node crashing at round c. The terms
/// with c − 1 ≥ EFF are all L^EFF.
fn crash_patterns(eff: u64, last: u64, nodes: u64) -> BigUint {
    let below = last.min(eff);
    loss_series(below, nodes) + loss_power(eff, nodes) * BigUint::from(last - below)
}

/// Molly's `grossEstimate(eot, eff, crashes, nodes)`.
///
/// # Complexity
/// O(EFF · N · C) bits of big-number arithmetic, whatever EOT is.
pub fn gross_estimate(eot: u64, eff: u64, crashes: u64, nodes: u64) -> BigUint {
    let crashes = crashes.min(nodes);
    let crash_free = loss_patterns(nodes).pow(u32::try_from(eff).unwrap_or(u32::MAX));
    // c = EOT + 1 stands for "never crashes".
    let crash_prone = crash_patterns(eff, eot + 1, nodes);
    binomial(nodes, crashes)
        * crash_free.pow(u32::try_from(nodes - crashes).unwrap_or(u32::MAX))
        * crash_prone.pow(u32::try_from(crashes).unwrap_or(u32::MAX))
}

/// Omission patterns of one node whose sends stop at `end` (its crash, or never): it may lose
/// any subset of its N−1 outgoing messages in each round 1 ≤ t < min(EFF, end).
fn omission_patterns(eff: u64, end: u64, nodes: u64) -> BigUint {
    let rounds = eff.min(end).saturating_sub(1);
    loss_patterns(nodes).pow(u32::try_from(rounds).unwrap_or(u32::MAX))
}

/// The exact number of distinct admissible fault sets of omissions and crashes (see
/// [`FaultSpace::exact`]): each node crashes at most once, at a round 1..=EOT, at most
/// `crashes` nodes in all, and loses any subset of its messages sent at 1 ≤ t < min(EFF, its
/// crash) — the fault sets [`crate::exhaustive_sets`] enumerates, with no clogs.
pub fn exact_count(eot: u64, eff: u64, crashes: u64, nodes: u64) -> BigUint {
    let crash_free = omission_patterns(eff, u64::MAX, nodes);
    // Σ_{c=1}^{EOT} L^(min(EFF, c) − 1), in closed form: the first min(EOT, EFF) terms are
    // L^0..L^(min−1), every later one is L^(EFF−1).
    let below = eot.min(eff);
    let crashing = loss_series(below, nodes)
        + loss_power(eff.saturating_sub(1), nodes) * BigUint::from(eot - below);
    (0..=crashes.min(nodes))
        .map(|k| {
            binomial(nodes, k)
                * crash_free.pow(u32::try_from(nodes - k).unwrap_or(u32::MAX))
                * crashing.pow(u32::try_from(k).unwrap_or(u32::MAX))
        })
        .sum()
}

/// [`exact_count`] with every other fault kind of the spec: restarts of crashed nodes (with the
/// omissions a restarted node's later sends allow), times the ways to choose at most
/// `max_clogs` clog windows among the N · EOT·(EOT−1)/2 windows 1 ≤ from < to ≤ EOT, times
/// the swizzle choices (none, or one of [`swizzle_count`]), times the skew choices (at most
/// `max_skews` nodes, each at a time 1..=EOT by one of the spec's offsets) — the sets
/// [`crate::exhaustive_sets`] enumerates.
pub fn exact_count_spec(spec: &FailureSpec, nodes: u64) -> BigUint {
    let windows = nodes * spec.eot * spec.eot.saturating_sub(1) / 2;
    let clog_choices: BigUint = (0..=u64::from(spec.max_clogs).min(windows))
        .map(|k| binomial(windows, k))
        .sum();
    let base = if spec.max_restarts > 0 && spec.max_crashes > 0 {
        crash_restart_count(spec, nodes)
    } else {
        exact_count(spec.eot, spec.eff, u64::from(spec.max_crashes), nodes)
    };
    base * clog_choices * swizzle_choices(spec, nodes) * skew_choices(spec, nodes)
}

/// Ways to add no swizzle or one: 1 + [`swizzle_count`] when swizzles are allowed.
fn swizzle_choices(spec: &FailureSpec, nodes: u64) -> BigUint {
    if spec.max_swizzles == 0 {
        return BigUint::from(1u32);
    }
    BigUint::from(1u32) + swizzle_count(spec.eot, nodes)
}

/// The distinct swizzles over N nodes with windows inside 1..=EOT: for each non-empty node
/// set of size k, the k-tuples of windows [from, to) with max(from) < min(to). Grouping by
/// M = min(to): the froms lie in 1..M (so (M−1)^k ways) and the tos in M..=EOT with at least
/// one equal to M ((EOT−M+1)^k − (EOT−M)^k ways).
///
/// # Complexity
/// O(N · EOT) big-number products.
pub fn swizzle_count(eot: u64, nodes: u64) -> BigUint {
    let mut total = BigUint::from(0u32);
    for k in 1..=nodes {
        let k32 = u32::try_from(k).unwrap_or(u32::MAX);
        let mut windows = BigUint::from(0u32);
        for min_to in 2..=eot {
            let froms = BigUint::from(min_to - 1).pow(k32);
            let tos =
                BigUint::from(eot - min_to + 1).pow(k32) - BigUint::from(eot - min_to).pow(k32);
            windows += froms * tos;
        }
        total += binomial(nodes, k) * windows;
    }
    total
}

/// Ways to skew at most `max_skews` nodes, each once: Σ_j C(N, j) · (EOT · offsets)^j.
fn skew_choices(spec: &FailureSpec, nodes: u64) -> BigUint {
    let offsets = spec.skew_offsets().len() as u64;
    if offsets == 0 {
        return BigUint::from(1u32);
    }
    let per_node = BigUint::from(spec.eot) * BigUint::from(offsets);
    (0..=u64::from(spec.max_skews).min(nodes))
        .map(|j| binomial(nodes, j) * per_node.pow(u32::try_from(j).unwrap_or(u32::MAX)))
        .sum()
}

/// Omission and crash patterns when crashed nodes may restart: per node, never crashing
/// (omissions at 1 ≤ t < EFF), crashing at c (omissions at t < min(EFF, c)), or crashing at c
/// and restarting at r in c+1..=EOT (omissions also at r ≤ t < EFF); at most `max_crashes`
/// crashes and `max_restarts` restarts over all nodes. The per-node counts are combined as a
/// polynomial in (crashes, restarts), truncated at the bounds.
///
/// # Complexity
/// O(EOT) big-number operations per node kind, plus O(N · C · R) for the product.
fn crash_restart_count(spec: &FailureSpec, nodes: u64) -> BigUint {
    let (eot, eff) = (spec.eot, spec.eff);
    let sends_before = |t: u64| eff.min(t).saturating_sub(1);
    let never = loss_power(eff.saturating_sub(1), nodes);
    // after[r] = Σ_{r' ≥ r} L^{max(0, EFF − r')}: the restart choices from r on.
    let mut after = vec![BigUint::from(0u32); usize::try_from(eot + 2).unwrap_or(usize::MAX)];
    for r in (1..=eot).rev() {
        let r_index = usize::try_from(r).unwrap_or(usize::MAX);
        after[r_index] = &after[r_index + 1] + loss_power(eff.saturating_sub(r), nodes);
    }
    let mut crash_only = BigUint::from(0u32);
    let mut crash_restart = BigUint::from(0u32);
    for c in 1..=eot {
        let before = loss_power(sends_before(c), nodes);
        crash_restart += &before * &after[usize::try_from(c + 1).unwrap_or(usize::MAX)];
        crash_only += before;
    }
    let max_c = usize::try_from(u64::from(spec.max_crashes).min(nodes)).unwrap_or(usize::MAX);
    let max_r = usize::try_from(u64::from(spec.max_restarts).min(nodes)).unwrap_or(usize::MAX);
    // ways[c][r]: assignments of the nodes so far with c crashes and r restarts.
    let mut ways = vec![vec![BigUint::from(0u32); max_r + 1]; max_c + 1];
    ways[0][0] = BigUint::from(1u32);
    for _ in 0..nodes {
        let mut next = vec![vec![BigUint::from(0u32); max_r + 1]; max_c + 1];
        for c in 0..=max_c {
            for r in 0..=max_r {
                if ways[c][r] == BigUint::from(0u32) {
                    continue;
                }
                let here = ways[c][r].clone();
                next[c][r] += &here * &never;
                if c < max_c {
                    next[c + 1][r] += &here * &crash_only;
                    if r < max_r {
                        next[c + 1][r + 1] += &here * &crash_restart;
                    }
                }
            }
        }
        ways = next;
    }
    ways.into_iter().flatten().sum()
}

/// Both counts (omissions and crashes only).
pub fn fault_space(eot: u64, eff: u64, crashes: u64, nodes: u64) -> FaultSpace {
    FaultSpace {
        gross: gross_estimate(eot, eff, crashes, nodes),
        exact: exact_count(eot, eff, crashes, nodes),
    }
}

/// Both counts for a whole failure spec: the exact count includes clog windows (Molly's gross
/// estimate knows no clogs).
pub fn fault_space_spec(spec: &FailureSpec, nodes: u64) -> FaultSpace {
    FaultSpace {
        gross: gross_estimate(spec.eot, spec.eff, u64::from(spec.max_crashes), nodes),
        exact: exact_count_spec(spec, nodes),
    }
}

/// `runs / space` as a float (for "fraction explored"); 0 for an empty space.
pub fn fraction(runs: u64, space: &BigUint) -> f64 {
    let digits = space.to_string();
    let space: f64 = digits.parse().unwrap_or(f64::INFINITY);
    if space == 0.0 {
        0.0
    } else {
        runs as f64 / space
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gross(eot: u64, eff: u64, crashes: u64, nodes: u64) -> String {
        gross_estimate(eot, eff, crashes, nodes).to_string()
    }

    #[test]
    fn molly_failure_spec_suite() {
        assert_eq!(gross(3, 0, 0, 3), "1");
        assert_eq!(gross(3, 0, 2, 2), "16");
        assert_eq!(gross(3, 0, 1, 1), "4");
        assert_eq!(gross(3, 0, 2, 4), "96");
        assert_eq!(gross(3, 2, 0, 2), "16");
        assert_eq!(gross(3, 1, 0, 2), "4");
        assert_eq!(gross(3, 2, 2, 2), "121");
        assert_ne!(gross(6, 4, 1, 5), "0");
    }

    #[test]
    fn detsys_estimate_tests() {
        assert_eq!(gross(3, 0, 1, 2), "8");
        assert_eq!(gross(3, 0, 1, 3), "12");
        // The exact enumerator's answer ("NOTE: should be 8" in detsys): 1 + 2·3.
        assert_eq!(exact_count(3, 0, 1, 2).to_string(), "7");
    }

    #[test]
    fn figure_12_and_13_combinations() {
        assert_eq!(gross(4, 2, 0, 3), "4096");
        assert_eq!(gross(4, 2, 1, 3), "40704");
        assert_eq!(gross(5, 3, 0, 3), "262144");
        assert_eq!(gross(5, 0, 1, 4), "24");
        assert_eq!(gross(8, 0, 1, 4), "36");
        assert_eq!(gross(9, 7, 1, 4), "243166788160558532938170368");
        assert_eq!(gross(6, 4, 1, 5), "18536856418509622775644160");
        // 3 · (2^20)^2 · 2446677 = 8.07×10¹⁸, the figure the paper prints.
        assert_eq!(gross(11, 10, 1, 3), "8070449432736301056");
        assert_eq!(gross(8, 7, 1, 3), "30786057142272"); // 3.08×10¹³
    }

    #[test]
    fn detsys_readme_table() {
        assert_eq!(gross(5, 2, 1, 3), "52992");
        assert_eq!(gross(5, 3, 1, 3), "2617344");
        assert_eq!(gross(5, 3, 1, 4), "863825297408");
        assert_eq!(gross(5, 3, 2, 4), "4071957725184");
        assert_eq!(gross(3, 2, 2, 2), "121");
    }

    #[test]
    fn exact_never_exceeds_gross() {
        for (eot, eff, crashes, nodes) in [(4, 2, 1, 3), (5, 3, 0, 3), (11, 10, 1, 3), (3, 2, 2, 2)]
        {
            let space = fault_space(eot, eff, crashes, nodes);
            assert!(space.exact <= space.gross, "{eot}/{eff}/{crashes}/{nodes}");
            if crashes == 0 {
                // Without crashes only the omission rounds differ: Molly's formula counts rounds
                // 1..=EFF, its own solver (and ours) only sends at t < EFF.
                assert_eq!(space.exact, gross_estimate(eot, eff - 1, 0, nodes));
            }
        }
        // 2 nodes, EOT 3, EFF 2, ≤2 crashes: per node 2 (never crashes: loses its round-1
        // message or not) + 1 + 2 + 2 (crash at 1, 2, 3) = 7 choices.
        assert_eq!(exact_count(3, 2, 2, 2).to_string(), "49");
        // ≤1 crash: 2·2 + 2·(5·2) = 24 (the gross estimate says 88).
        assert_eq!(exact_count(3, 2, 1, 2).to_string(), "24");
        assert_eq!(gross(3, 2, 1, 2), "88");
    }

    #[test]
    fn closed_forms_equal_the_sums_they_replace() {
        let loss = |nodes: u64| BigUint::from(1u32) << nodes.saturating_sub(1);
        for nodes in 1..5u64 {
            for eff in 0..7u64 {
                for eot in eff.max(1)..9 {
                    let gross_sum: BigUint = (1..=eot + 1)
                        .map(|c| loss(nodes).pow(u32::try_from(eff.min(c - 1)).unwrap()))
                        .sum();
                    assert_eq!(crash_patterns(eff, eot + 1, nodes), gross_sum);
                    let exact_sum: BigUint =
                        (1..=eot).map(|c| omission_patterns(eff, c, nodes)).sum();
                    let below = eot.min(eff);
                    let closed = loss_series(below, nodes)
                        + loss_power(eff.saturating_sub(1), nodes) * BigUint::from(eot - below);
                    assert_eq!(closed, exact_sum, "{eot}/{eff}/{nodes}");
                }
            }
        }
    }

    #[test]
    fn clogs_multiply_by_window_choices() {
        let spec = FailureSpec {
            eot: 3,
            eff: 0,
            max_crashes: 0,
            max_clogs: 1,
            ..FailureSpec::default()
        };
        // 2 nodes × 3 windows ([1,2), [1,3), [2,3)) + no clog.
        assert_eq!(exact_count_spec(&spec, 2).to_string(), "7");
        let two = FailureSpec {
            max_clogs: 2,
            ..spec
        };
        assert_eq!(
            exact_count_spec(&two, 2).to_string(),
            (1 + 6 + 15).to_string()
        );
    }
}
