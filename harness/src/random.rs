//! Seeded randomness: a named, portable generator (`ChaCha8Rng`) and integer-only draws.
//!
//! No floats reach the API (TigerBeetle style): probabilities are [`Ratio`]s, draws are
//! integers in a range, so a seed gives the same run on every platform and version.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The RNG of node number `index` (its position in the header's node list) for `seed`: one
/// ChaCha8 key per run, one stream per node, so nodes never share draws.
pub fn node_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// A uniform draw from `0..bound` (rejection sampling, no modulo bias). `bound` must be > 0.
pub fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    assert!(bound > 0, "below(0) has no values to draw");
    // The largest multiple of `bound` that fits; draws at or above it are redrawn.
    let zone = u64::MAX - (u64::MAX % bound);
    loop {
        let draw = rng.next_u64();
        if draw < zone {
            return draw % bound;
        }
    }
}

/// Shuffles `items` in place (Fisher-Yates).
pub fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for index in (1..items.len()).rev() {
        let other = below(rng, index as u64 + 1) as usize;
        items.swap(index, other);
    }
}

/// A probability as an integer ratio `numerator / denominator` (e.g. 1/10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ratio {
    /// Chances in favour.
    pub numerator: u64,
    /// Out of this many (must be > 0).
    pub denominator: u64,
}

impl Ratio {
    /// `numerator / denominator`; panics if `denominator` is 0 or the ratio exceeds 1.
    pub const fn new(numerator: u64, denominator: u64) -> Self {
        assert!(denominator > 0, "a ratio needs a positive denominator");
        assert!(numerator <= denominator, "a probability is at most 1");
        Ratio {
            numerator,
            denominator,
        }
    }

    /// Probability 0.
    pub const ZERO: Ratio = Ratio::new(0, 1);

    /// True with probability `numerator / denominator`.
    pub fn chance(self, rng: &mut ChaCha8Rng) -> bool {
        below(rng, self.denominator) < self.numerator
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = node_rng(7, 0);
        let mut seen = [false; 5];
        for _ in 0..500 {
            let draw = below(&mut rng, 5);
            assert!(draw < 5);
            seen[draw as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "all of 0..5 drawn in 500 tries");
    }

    #[test]
    fn node_streams_differ_and_repeat() {
        let first: Vec<u64> = (0..4).map(|_| node_rng(1, 0).next_u64()).collect();
        assert!(
            first.windows(2).all(|w| w[0] == w[1]),
            "same seed, same stream"
        );
        assert_ne!(node_rng(1, 0).next_u64(), node_rng(1, 1).next_u64());
        assert_ne!(node_rng(1, 0).next_u64(), node_rng(2, 0).next_u64());
    }

    #[test]
    fn ratio_extremes() {
        let mut rng = node_rng(3, 0);
        assert!((0..100).all(|_| !Ratio::ZERO.chance(&mut rng)));
        assert!((0..100).all(|_| Ratio::new(1, 1).chance(&mut rng)));
        let hits = (0..10_000)
            .filter(|_| Ratio::new(1, 4).chance(&mut rng))
            .count();
        assert!((2_200..2_800).contains(&hits), "about a quarter: {hits}");
    }
}
