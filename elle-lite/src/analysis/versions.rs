//! Version orders from read prefixes (Elle's `sorted-values`, `append-index`, `write-index`,
//! `read-index`), incompatible orders and the predecessor of every append.

use rustc_hash::FxHashMap;

use super::prepare::Prepared;
use crate::history::{ElemId, KeyId, Mop, OpType};

/// Stands for the initial, empty state of a key (`::init`).
pub(crate) const INIT: ElemId = ElemId::MAX;

/// The inferred version order of one key.
#[derive(Default)]
pub(crate) struct KeyOrder {
    /// The distinct elements of the longest read, in order.
    pub(crate) order: Vec<ElemId>,
    /// Element → position in `order`.
    pub(crate) position: FxHashMap<ElemId, u32>,
}

/// Two reads of a key that no single append order explains.
pub(crate) struct Incompatible {
    pub(crate) key: KeyId,
    pub(crate) shorter: Vec<ElemId>,
    pub(crate) longer: Vec<ElemId>,
}

/// Everything the graph needs about versions.
pub(crate) struct Versions {
    pub(crate) orders: FxHashMap<KeyId, KeyOrder>,
    pub(crate) incompatible: Vec<Incompatible>,
    /// (key, element) → the ok/info completion that appended it (the last one, as Elle).
    pub(crate) writer: FxHashMap<(KeyId, ElemId), u32>,
    /// (key, last element read or INIT) → the ok/info ops that read that state.
    pub(crate) readers: FxHashMap<(KeyId, ElemId), Vec<u32>>,
}

impl Versions {
    /// True when `list` is a prefix of the key's version order.
    pub(crate) fn is_prefix(&self, key: KeyId, list: &[ElemId]) -> bool {
        self.orders
            .get(&key)
            .is_some_and(|o| o.order.starts_with(list))
    }

    /// The element appended just before `elem` on `key`, or [`INIT`]. An append nobody read
    /// comes after the last observed element.
    pub(crate) fn predecessor(&self, key: KeyId, elem: ElemId) -> ElemId {
        let Some(order) = self.orders.get(&key) else {
            return INIT;
        };
        match order.position.get(&elem) {
            Some(0) => INIT,
            Some(&i) => order.order[i as usize - 1],
            None => order.order.last().copied().unwrap_or(INIT),
        }
    }
}

/// Builds version orders over `ops` (positions), as Elle's `sorted-values` + `append-index`.
/// Returns the orders and the incompatible pairs, keys sorted.
pub(crate) fn orders_of(
    prepared: &Prepared<'_>,
    ops: &[u32],
) -> (FxHashMap<KeyId, KeyOrder>, Vec<Incompatible>) {
    let mut reads: FxHashMap<KeyId, Vec<&[ElemId]>> = FxHashMap::default();
    // Single-append rule: a key appended once has the order [v] whatever was read.
    let mut single: FxHashMap<KeyId, Option<ElemId>> = FxHashMap::default();
    for &position in ops {
        for mop in &prepared.op(position).mops {
            match mop {
                Mop::Read {
                    key,
                    value: Some(list),
                } if !list.is_empty() => {
                    reads.entry(*key).or_default().push(list.as_slice());
                }
                Mop::Append { key, elem } => {
                    single
                        .entry(*key)
                        .and_modify(|seen| *seen = None)
                        .or_insert(Some(*elem));
                }
                Mop::Read { .. } => {}
            }
        }
    }
    let mut keys: Vec<KeyId> = reads.keys().copied().collect();
    keys.sort_unstable();
    let mut orders = FxHashMap::default();
    let mut incompatible = Vec::new();
    for key in keys {
        let mut values = reads.remove(&key).unwrap_or_default();
        values.sort_unstable_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        values.dedup();
        if let Some(bad) = values.windows(2).find(|pair| !pair[1].starts_with(pair[0])) {
            incompatible.push(Incompatible {
                key,
                shorter: bad[0].to_vec(),
                longer: bad[1].to_vec(),
            });
        }
        let longest = values.last().copied().unwrap_or(&[]);
        orders.insert(key, order_from(longest));
    }
    for (key, elem) in single {
        if let Some(elem) = elem {
            orders.insert(key, order_from(&[elem]));
        }
    }
    (orders, incompatible)
}

fn order_from(longest: &[ElemId]) -> KeyOrder {
    let mut order = Vec::with_capacity(longest.len());
    let mut position = FxHashMap::default();
    for &elem in longest {
        if let std::collections::hash_map::Entry::Vacant(slot) = position.entry(elem) {
            slot.insert(order.len() as u32);
            order.push(elem);
        }
    }
    KeyOrder { order, position }
}

/// The full version analysis over ok and info ops.
pub(crate) fn versions(prepared: &Prepared<'_>) -> Versions {
    let (orders, incompatible) = orders_of(prepared, &prepared.possible);
    let mut writer = FxHashMap::default();
    let mut readers: FxHashMap<(KeyId, ElemId), Vec<u32>> = FxHashMap::default();
    for &position in &prepared.possible {
        let op = prepared.op(position);
        for mop in &op.mops {
            match mop {
                Mop::Append { key, elem } => {
                    writer.insert((*key, *elem), position);
                }
                Mop::Read { key, value } => {
                    // An info op's nil read is "unknown", never an observation.
                    if value.is_none() && op.op_type == OpType::Info {
                        continue;
                    }
                    let last = value
                        .as_ref()
                        .and_then(|l| l.last())
                        .copied()
                        .unwrap_or(INIT);
                    readers.entry((*key, last)).or_default().push(position);
                }
            }
        }
    }
    Versions {
        orders,
        incompatible,
        writer,
        readers,
    }
}
