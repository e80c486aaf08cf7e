//! Version orders from read prefixes (Elle's `sorted-values`, `append-index`, `write-index`,
//! `read-index`), incompatible orders and the predecessor of every append.

use super::pairs::PairMap;
use super::prepare::{MopView, Prepared};
use crate::history::{ElemId, KeyId, OpType};

/// Stands for the initial, empty state of a key (`::init`).
pub(crate) const INIT: ElemId = ElemId::MAX;

/// Two reads of a key that no single append order explains.
pub(crate) struct Incompatible {
    pub(crate) key: KeyId,
    pub(crate) shorter: Vec<ElemId>,
    pub(crate) longer: Vec<ElemId>,
}

/// The inferred version order of every key, back to back in one vector.
pub(crate) struct Orders {
    /// Per key: its range in `elems`, if the key has an order.
    spans: Vec<Option<(u32, u32)>>,
    elems: Vec<ElemId>,
    /// (key, element) → position in the key's order.
    position: PairMap<u32>,
}

impl Orders {
    /// The order of `key`: the distinct elements of its longest read, in order.
    pub(crate) fn get(&self, key: KeyId) -> Option<&[ElemId]> {
        let (start, end) = (*self.spans.get(key as usize)?)?;
        Some(&self.elems[start as usize..end as usize])
    }

    /// Keys with an order, ascending, with their orders.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (KeyId, &[ElemId])> {
        (0..self.spans.len() as KeyId).filter_map(|k| self.get(k).map(|o| (k, o)))
    }

    /// The position of `elem` in `key`'s order.
    pub(crate) fn position(&self, key: KeyId, elem: ElemId) -> Option<u32> {
        self.position.get(key, elem)
    }
}

/// Everything the graph needs about versions.
pub(crate) struct Versions {
    pub(crate) orders: Orders,
    pub(crate) incompatible: Vec<Incompatible>,
    /// (key, element) → the ok/info completion that appended it (the last one, as Elle).
    writer: PairMap<u32>,
    /// (key, last element read or INIT) → its group of readers in `readers`.
    reader_group: PairMap<u32>,
    /// Group g's readers are `readers[reader_starts[g]..reader_starts[g + 1]]`, in history
    /// order.
    reader_starts: Vec<u32>,
    readers: Vec<u32>,
}

impl Versions {
    /// True when `list` is a prefix of the key's version order.
    pub(crate) fn is_prefix(&self, key: KeyId, list: &[ElemId]) -> bool {
        self.orders.get(key).is_some_and(|o| o.starts_with(list))
    }

    /// The ok/info op that appended `elem` to `key`.
    pub(crate) fn writer(&self, key: KeyId, elem: ElemId) -> Option<u32> {
        self.writer.get(key, elem)
    }

    /// The ok/info ops that read `key` in the state ending in `last` ([`INIT`]: empty).
    pub(crate) fn readers(&self, key: KeyId, last: ElemId) -> &[u32] {
        match self.reader_group.get(key, last) {
            Some(g) => {
                let g = g as usize;
                &self.readers[self.reader_starts[g] as usize..self.reader_starts[g + 1] as usize]
            }
            None => &[],
        }
    }

    /// The element appended just before `elem` on `key`, or [`INIT`]. An append nobody read
    /// comes after the last observed element.
    pub(crate) fn predecessor(&self, key: KeyId, elem: ElemId) -> ElemId {
        let Some(order) = self.orders.get(key) else {
            return INIT;
        };
        match self.orders.position(key, elem) {
            Some(0) => INIT,
            Some(i) => order[i as usize - 1],
            None => order.last().copied().unwrap_or(INIT),
        }
    }
}

/// Builds version orders over `ops` (positions), as Elle's `sorted-values` + `append-index`.
/// Returns the orders and the incompatible pairs, keys sorted.
pub(crate) fn orders_of(prepared: &Prepared<'_>, ops: &[u32]) -> (Orders, Vec<Incompatible>) {
    let history = prepared.history;
    let key_count = history.keys.len();
    // Single-append rule: a key appended once has the order [v] whatever was read.
    const NOT_APPENDED: ElemId = ElemId::MAX;
    const MANY: ElemId = ElemId::MAX - 1;
    let mut single: Vec<ElemId> = vec![NOT_APPENDED; key_count];
    // Non-empty reads grouped by key, in history order: count, then place.
    let mut starts = vec![0u32; key_count + 1];
    for &position in ops {
        for mop in prepared.mops(position) {
            match mop {
                MopView::Read {
                    key,
                    value: Some(list),
                } if !list.is_empty() => starts[key as usize + 1] += 1,
                MopView::Append { key, elem } => {
                    let seen = &mut single[key as usize];
                    *seen = if *seen == NOT_APPENDED { elem } else { MANY };
                }
                MopView::Read { .. } => {}
            }
        }
    }
    for k in 0..key_count {
        starts[k + 1] += starts[k];
    }
    let mut by_key: Vec<&[ElemId]> = vec![&[]; starts[key_count] as usize];
    let mut fill = starts.clone();
    for &position in ops {
        for mop in prepared.mops(position) {
            if let MopView::Read {
                key,
                value: Some(list),
            } = mop
                && !list.is_empty()
            {
                by_key[fill[key as usize] as usize] = list;
                fill[key as usize] += 1;
            }
        }
    }
    drop(fill);
    let mut orders = Orders {
        spans: vec![None; key_count],
        elems: Vec::new(),
        position: PairMap::new(history.elems.len()),
    };
    let mut incompatible = Vec::new();
    for key in 0..key_count {
        let values = &mut by_key[starts[key] as usize..starts[key + 1] as usize];
        let key = key as KeyId;
        let mut longest: &[ElemId] = &[];
        if !values.is_empty() {
            values.sort_unstable_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            // Equal neighbours pass the prefix test, so the first failing pair is the first
            // failing pair of the distinct values.
            if let Some(bad) = values.windows(2).find(|p| !p[1].starts_with(p[0])) {
                incompatible.push(Incompatible {
                    key,
                    shorter: bad[0].to_vec(),
                    longer: bad[1].to_vec(),
                });
            }
            longest = values[values.len() - 1];
        }
        match single[key as usize] {
            NOT_APPENDED | MANY if values.is_empty() => {}
            NOT_APPENDED | MANY => orders.push_order(key, longest),
            elem => orders.push_order(key, &[elem]),
        }
    }
    (orders, incompatible)
}

impl Orders {
    /// Records `longest`'s distinct elements as `key`'s order.
    fn push_order(&mut self, key: KeyId, longest: &[ElemId]) {
        let start = self.elems.len();
        for &elem in longest {
            let next = (self.elems.len() - start) as u32;
            if self.position.insert_new(key, elem, next) {
                self.elems.push(elem);
            }
        }
        self.spans[key as usize] = Some((start as u32, self.elems.len() as u32));
    }
}

/// The full version analysis over ok and info ops.
pub(crate) fn versions(prepared: &Prepared<'_>) -> Versions {
    let history = prepared.history;
    let (orders, incompatible) = orders_of(prepared, &prepared.possible);
    let mut writer = PairMap::new(history.elems.len());
    let mut reader_group = PairMap::new(history.elems.len());
    // (group, reader) in history order, then grouped by a counting sort.
    let mut reads: Vec<(u32, u32)> = Vec::new();
    let mut groups = 0u32;
    for &position in &prepared.possible {
        let op = prepared.op(position);
        for mop in prepared.mops(position) {
            match mop {
                MopView::Append { key, elem } => writer.insert(key, elem, position),
                MopView::Read { key, value } => {
                    // An info op's nil read is "unknown", never an observation.
                    if value.is_none() && op.op_type == OpType::Info {
                        continue;
                    }
                    let last = value.and_then(|l| l.last()).copied().unwrap_or(INIT);
                    let group = reader_group.get_or_insert(key, last, groups);
                    if group == groups {
                        groups += 1;
                    }
                    reads.push((group, position));
                }
            }
        }
    }
    let mut reader_starts = vec![0u32; groups as usize + 1];
    for &(group, _) in &reads {
        reader_starts[group as usize + 1] += 1;
    }
    for g in 0..groups as usize {
        reader_starts[g + 1] += reader_starts[g];
    }
    let mut fill = reader_starts.clone();
    let mut readers = vec![0u32; reads.len()];
    for (group, reader) in reads {
        readers[fill[group as usize] as usize] = reader;
        fill[group as usize] += 1;
    }
    Versions {
        orders,
        incompatible,
        writer,
        reader_group,
        reader_starts,
        readers,
    }
}
