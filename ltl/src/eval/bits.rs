//! A fixed-length bitset: one per subformula, one bit per event.

/// A fixed-length set of bits (one per event). Bits past `len` are always zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    /// `len` zero bits.
    pub fn zeros(len: usize) -> Bits {
        Bits {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// `len` one bits.
    pub fn ones(len: usize) -> Bits {
        let mut bits = Bits {
            words: vec![u64::MAX; len.div_ceil(64)],
            len,
        };
        bits.clear_tail();
        bits
    }

    /// Builds from one bool per event.
    pub fn from_fn(len: usize, mut bit: impl FnMut(usize) -> bool) -> Bits {
        let mut bits = Bits::zeros(len);
        for (word_index, word) in bits.words.iter_mut().enumerate() {
            let base = word_index * 64;
            let mut value = 0u64;
            for offset in 0..64.min(len - base) {
                value |= u64::from(bit(base + offset)) << offset;
            }
            *word = value;
        }
        bits
    }

    /// The number of bits.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no bits at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bit `index`.
    #[inline]
    pub fn get(&self, index: usize) -> bool {
        debug_assert!(index < self.len);
        self.words[index / 64] >> (index % 64) & 1 == 1
    }

    /// Sets bits `from..end` to one.
    pub fn set_range(&mut self, from: usize, end: usize) {
        debug_assert!(from <= end && end <= self.len);
        let end = end.min(self.len);
        let mut index = from;
        while index < end {
            if index.is_multiple_of(64) && index + 64 <= end {
                // A whole word at once.
                self.words[index / 64] = u64::MAX;
                index += 64;
            } else {
                self.set(index, true);
                index += 1;
            }
        }
    }

    /// Sets bit `index` to `value`.
    #[inline]
    pub fn set(&mut self, index: usize, value: bool) {
        debug_assert!(index < self.len);
        let mask = 1u64 << (index % 64);
        if value {
            self.words[index / 64] |= mask;
        } else {
            self.words[index / 64] &= !mask;
        }
    }

    /// The number of one bits.
    pub fn count_ones(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// The first index `>= from` whose bit is `value`.
    pub fn next(&self, from: usize, value: bool) -> Option<usize> {
        if from >= self.len {
            return None;
        }
        let flip = if value { 0 } else { u64::MAX };
        let mut word_index = from / 64;
        let mut word = (self.words[word_index] ^ flip) & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                let index = word_index * 64 + word.trailing_zeros() as usize;
                return (index < self.len).then_some(index);
            }
            word_index += 1;
            if word_index >= self.words.len() {
                return None;
            }
            word = self.words[word_index] ^ flip;
        }
    }

    /// The last index `<= upto` whose bit is `value`.
    pub fn prev(&self, upto: usize, value: bool) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let upto = upto.min(self.len - 1);
        let flip = if value { 0 } else { u64::MAX };
        let mut word_index = upto / 64;
        let shift = 63 - upto % 64;
        let mut word = (self.words[word_index] ^ flip) & (u64::MAX >> shift);
        loop {
            if word != 0 {
                return Some(word_index * 64 + 63 - word.leading_zeros() as usize);
            }
            if word_index == 0 {
                return None;
            }
            word_index -= 1;
            word = self.words[word_index] ^ flip;
        }
    }

    /// Word-wise combination of two bitsets of the same length.
    pub(crate) fn zip(&self, other: &Bits, op: impl Fn(u64, u64) -> u64) -> Bits {
        assert_eq!(self.len, other.len);
        let mut bits = Bits {
            words: self
                .words
                .iter()
                .zip(&other.words)
                .map(|(&a, &b)| op(a, b))
                .collect(),
            len: self.len,
        };
        bits.clear_tail();
        bits
    }

    /// Word-wise combination of four bitsets of the same length.
    pub(crate) fn zip4(
        a: &Bits,
        b: &Bits,
        c: &Bits,
        d: &Bits,
        op: impl Fn(u64, u64, u64, u64) -> u64,
    ) -> Bits {
        assert_eq!(a.len, b.len);
        assert_eq!(a.len, c.len);
        assert_eq!(a.len, d.len);
        let words = (0..a.words.len())
            .map(|i| op(a.words[i], b.words[i], c.words[i], d.words[i]))
            .collect();
        let mut bits = Bits { words, len: a.len };
        bits.clear_tail();
        bits
    }

    /// Whether any bit is one.
    pub(crate) fn any(&self) -> bool {
        self.words.iter().any(|&word| word != 0)
    }

    /// Sets every bit that is one in `other` (same length).
    pub(crate) fn union_with(&mut self, other: &Bits) {
        assert_eq!(self.len, other.len);
        for (word, &more) in self.words.iter_mut().zip(&other.words) {
            *word |= more;
        }
    }

    /// The one bits, ascending.
    pub(crate) fn ones_iter(&self) -> impl Iterator<Item = usize> + '_ {
        let mut from = 0;
        std::iter::from_fn(move || {
            let index = self.next(from, true)?;
            from = index + 1;
            Some(index)
        })
    }

    /// Mutable access to the words, for the word-level passes.
    pub(crate) fn words_mut(&mut self) -> &mut [u64] {
        &mut self.words
    }

    /// Zeroes the bits past `len` (after a word-level negation or shift).
    pub(crate) fn clear_tail(&mut self) {
        let used = self.len % 64;
        if let (true, Some(last)) = (used != 0, self.words.last_mut()) {
            *last &= (1u64 << used) - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bits;

    #[test]
    fn next_and_prev_find_bits_across_words() {
        let bits = Bits::from_fn(200, |i| i == 3 || i == 130);
        assert_eq!(bits.next(0, true), Some(3));
        assert_eq!(bits.next(4, true), Some(130));
        assert_eq!(bits.next(131, true), None);
        assert_eq!(bits.prev(199, true), Some(130));
        assert_eq!(bits.prev(129, true), Some(3));
        assert_eq!(bits.prev(2, true), None);
        assert_eq!(bits.next(3, false), Some(4));
        assert_eq!(bits.prev(130, false), Some(129));
        let ones = Bits::ones(130);
        assert_eq!(ones.next(0, false), None);
        assert_eq!(ones.count_ones(), 130);
    }
}

#[cfg(test)]
mod set_range_tests {
    use super::Bits;

    #[test]
    fn set_range_matches_setting_each_bit() {
        for len in [0, 1, 63, 64, 65, 130, 200] {
            for from in (0..=len).step_by(7) {
                for end in (from..=len).step_by(5) {
                    let mut fast = Bits::zeros(len);
                    fast.set_range(from, end);
                    let slow = Bits::from_fn(len, |index| (from..end).contains(&index));
                    assert_eq!(fast, slow, "len {len}, {from}..{end}");
                }
            }
        }
    }
}
