//! A map keyed by (key, element) that is mostly a direct table: elements are interned densely
//! and almost always belong to one key, so the element indexes a vector that remembers its key,
//! and only elements shared between keys (or the initial state) go to a hash map. Lookups in
//! the hot loops (writers, positions, readers) then cost an array access, not a hash.

use rustc_hash::FxHashMap;

use crate::history::{ElemId, KeyId};

/// A direct slot holds `key + 1`, so an all-zero table is empty: `vec!` then gets it from
/// `calloc`, and pages never touched are never faulted in.
const EMPTY: KeyId = 0;

/// (key, element) → `V`.
pub(crate) struct PairMap<V> {
    dense: Vec<(KeyId, V)>,
    other: FxHashMap<(KeyId, ElemId), V>,
}

impl<V: Copy + Default> PairMap<V> {
    /// A map for elements below `elem_count` (others still work, hashed).
    pub(crate) fn new(elem_count: usize) -> Self {
        Self {
            dense: vec![(EMPTY, V::default()); elem_count],
            other: FxHashMap::default(),
        }
    }

    pub(crate) fn get(&self, key: KeyId, elem: ElemId) -> Option<V> {
        let tag = key.wrapping_add(1);
        match self.dense.get(elem as usize) {
            Some(&(k, v)) if k == tag && tag != EMPTY => Some(v),
            // An empty slot means the pair was never inserted (unless its key has no tag).
            Some(&(EMPTY, _)) if tag != EMPTY => None,
            _ if self.other.is_empty() => None,
            _ => self.other.get(&(key, elem)).copied(),
        }
    }

    pub(crate) fn contains(&self, key: KeyId, elem: ElemId) -> bool {
        self.get(key, elem).is_some()
    }

    /// Sets the value, replacing any previous one.
    pub(crate) fn insert(&mut self, key: KeyId, elem: ElemId, value: V) {
        if let Some(slot) = self.slot(key, elem) {
            *slot = (key + 1, value);
        } else {
            self.other.insert((key, elem), value);
        }
    }

    /// The value, inserting `value` first if absent.
    pub(crate) fn get_or_insert(&mut self, key: KeyId, elem: ElemId, value: V) -> V {
        if let Some(slot) = self.slot(key, elem) {
            if slot.0 == EMPTY {
                *slot = (key + 1, value);
            }
            return slot.1;
        }
        *self.other.entry((key, elem)).or_insert(value)
    }

    /// Inserts if absent; true when it was absent.
    pub(crate) fn insert_new(&mut self, key: KeyId, elem: ElemId, value: V) -> bool {
        if self.contains(key, elem) {
            return false;
        }
        self.insert(key, elem, value);
        true
    }

    /// The direct slot for the pair if it has (or can take) one.
    fn slot(&mut self, key: KeyId, elem: ElemId) -> Option<&mut (KeyId, V)> {
        let tag = key.checked_add(1)?;
        self.dense
            .get_mut(elem as usize)
            .filter(|(k, _)| *k == EMPTY || *k == tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_elements_and_init_fall_back_to_hashing() {
        let mut map: PairMap<u32> = PairMap::new(4);
        map.insert(1, 2, 10);
        map.insert(3, 2, 30);
        map.insert(1, ElemId::MAX, 50);
        map.insert(KeyId::MAX, 1, 60);
        map.insert(0, 0, 70);
        assert_eq!(map.get(KeyId::MAX, 1), Some(60));
        assert_eq!(map.get(0, 0), Some(70));
        assert_eq!(map.get(0, 1), None);
        assert_eq!(map.get(1, 2), Some(10));
        assert_eq!(map.get(3, 2), Some(30));
        assert_eq!(map.get(2, 2), None);
        assert_eq!(map.get(1, ElemId::MAX), Some(50));
        assert_eq!(map.get(1, 3), None);
        assert_eq!(map.get_or_insert(3, 2, 99), 30);
        assert_eq!(map.get_or_insert(3, 1, 7), 7);
        assert!(!map.insert_new(3, 1, 8));
        assert!(map.insert_new(4, 1, 8));
        assert_eq!((map.get(3, 1), map.get(4, 1)), (Some(7), Some(8)));
    }
}
