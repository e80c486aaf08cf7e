//! The history model: Jepsen ops whose values are list-append transactions, with keys and
//! elements interned to small integers before any graph work.

use std::fmt;

use rustc_hash::FxHashMap;

/// An interned key.
pub type KeyId = u32;
/// An interned list element.
pub type ElemId = u32;

/// A key or element as written in the input: Elle compares them with Clojure equality, so the
/// integer `1` and the string `"1"` are different.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Atom {
    /// An integer.
    Int(i64),
    /// A string (EDN keywords `:x` become `"x"`).
    Str(String),
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Int(i) => write!(f, "{i}"),
            Atom::Str(s) => write!(f, "{s}"),
        }
    }
}

impl Atom {
    /// The atom as JSON (an integer or a string).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Atom::Int(i) => serde_json::Value::from(*i),
            Atom::Str(s) => serde_json::Value::from(s.as_str()),
        }
    }
}

/// Maps atoms to dense ids and back.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    /// Ids of small non-negative integers, indexed by value (`NONE` when absent): histories
    /// number their elements densely, and a direct lookup beats hashing millions of reads.
    small: Vec<u32>,
    /// Ids of the other integers.
    ints: FxHashMap<i64, u32>,
    strs: FxHashMap<Box<str>, u32>,
    atoms: Vec<Atom>,
}

const NONE: u32 = u32::MAX;

impl Interner {
    /// The id of an integer atom, allocating one if new.
    pub fn int(&mut self, value: i64) -> u32 {
        let slot = usize::try_from(value).unwrap_or(usize::MAX);
        if slot >= self.small.len() {
            self.grow_small(slot);
        }
        if let Some(id) = self.small.get_mut(slot) {
            if *id == NONE {
                *id = u32::try_from(self.atoms.len()).unwrap_or(NONE);
                self.atoms.push(Atom::Int(value));
            }
            return *id;
        }
        if let Some(&id) = self.ints.get(&value) {
            return id;
        }
        let id = self.next_id();
        self.ints.insert(value, id);
        self.atoms.push(Atom::Int(value));
        id
    }

    /// Extends the direct table to cover `slot` when that keeps it dense (at most a few
    /// entries per interned atom), moving hashed integers that now fit.
    fn grow_small(&mut self, slot: usize) {
        let limit = 4 * self.atoms.len() + 4096;
        if slot >= limit {
            return;
        }
        // Doubling keeps the rehoming of hashed integers below amortised O(1).
        let new_len = (slot + 1).max(2 * self.small.len());
        self.small.resize(new_len, NONE);
        if !self.ints.is_empty() {
            let small = &mut self.small;
            self.ints.retain(|&value, &mut id| {
                match usize::try_from(value).ok().and_then(|v| small.get_mut(v)) {
                    Some(entry) => {
                        *entry = id;
                        false
                    }
                    None => true,
                }
            });
        }
    }

    /// The id of a string atom, allocating one if new.
    pub fn str(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.strs.get(value) {
            return id;
        }
        let id = self.next_id();
        self.strs.insert(value.into(), id);
        self.atoms.push(Atom::Str(value.to_owned()));
        id
    }

    /// The id of any atom.
    pub fn atom(&mut self, atom: &Atom) -> u32 {
        match atom {
            Atom::Int(i) => self.int(*i),
            Atom::Str(s) => self.str(s),
        }
    }

    /// The atom behind an id.
    pub fn get(&self, id: u32) -> &Atom {
        &self.atoms[id as usize]
    }

    /// How many atoms are interned.
    pub fn len(&self) -> usize {
        self.atoms.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.atoms.is_empty()
    }

    fn next_id(&self) -> u32 {
        u32::try_from(self.atoms.len()).unwrap_or(u32::MAX)
    }
}

/// The four Jepsen op types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpType {
    /// The client started the transaction.
    Invoke,
    /// Committed.
    Ok,
    /// Definitely did not happen.
    Fail,
    /// Indeterminate: may or may not have committed.
    Info,
}

impl OpType {
    /// The name used in histories (`invoke`, `ok`, `fail`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            OpType::Invoke => "invoke",
            OpType::Ok => "ok",
            OpType::Fail => "fail",
            OpType::Info => "info",
        }
    }

    /// Parses a history's type name.
    pub fn parse(name: &str) -> Option<OpType> {
        match name {
            "invoke" => Some(OpType::Invoke),
            "ok" => Some(OpType::Ok),
            "fail" => Some(OpType::Fail),
            "info" => Some(OpType::Info),
            _ => None,
        }
    }
}

/// A run of items in one of [`History`]'s arenas (micro-ops or read elements): every op's
/// micro-ops and every read's list live in two shared vectors, so a history of a million
/// transactions costs a handful of allocations, not millions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// Number of items.
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// True when the span holds nothing.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

/// One micro-op of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mop {
    /// `[:append k v]`.
    Append {
        /// The key.
        key: KeyId,
        /// The unique element appended.
        elem: ElemId,
    },
    /// `[:r k v]`; `None` is a `nil` read (unknown in invocations and info ops, empty in ok ops).
    Read {
        /// The key.
        key: KeyId,
        /// The list observed, in [`History::list`].
        value: Option<Span>,
    },
}

impl Mop {
    /// The key this micro-op touches.
    pub fn key(&self) -> KeyId {
        match self {
            Mop::Append { key, .. } | Mop::Read { key, .. } => *key,
        }
    }
}

/// Which process ran an op. Elle keeps only ops with an integer process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Process {
    /// A client process.
    Client(i64),
    /// Anything else (`:nemesis`, a string): the op is not part of the client history.
    Other(String),
}

/// One Jepsen operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// `:index`, given or assigned densely.
    pub index: u64,
    /// `:type`.
    pub op_type: OpType,
    /// `:process`.
    pub process: Process,
    /// `:time` in nanoseconds, if given.
    pub time: Option<i64>,
    /// The transaction, in [`History::mops`].
    pub mops: Span,
    /// 1-based line of the op in its file (0 when built in code).
    pub line: u64,
}

impl Op {
    /// The client process, if this is a client op.
    pub fn client(&self) -> Option<i64> {
        match self.process {
            Process::Client(p) => Some(p),
            Process::Other(_) => None,
        }
    }
}

/// A whole history with its interned keys and elements.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The ops, in history order.
    pub ops: Vec<Op>,
    /// Interned keys.
    pub keys: Interner,
    /// Interned list elements.
    pub elems: Interner,
    /// Every op's micro-ops, back to back.
    mop_arena: Vec<Mop>,
    /// Every read's elements, back to back; reads of a key that are prefixes of one another
    /// share their elements (see [`History::push_read`]).
    elem_arena: Vec<ElemId>,
    /// Per key: the longest read stored so far, which later reads may share or extend.
    longest_read: Vec<Span>,
}

/// The arenas hold at most `u32::MAX` items each; `parse_history` refuses texts big enough to
/// overflow them.
fn span(start: usize, end: usize) -> Span {
    Span {
        start: u32::try_from(start).unwrap_or(u32::MAX),
        len: u32::try_from(end - start).unwrap_or(u32::MAX),
    }
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an op built from atoms (handy for tests, generators and adapters). The op's
    /// `index` is its position unless `index` is given.
    pub fn push(&mut self, index: Option<u64>, op_type: OpType, process: i64, mops: &[MopSpec]) {
        let start = self.mop_arena.len();
        for spec in mops {
            let mop = self.intern_mop(spec);
            self.mop_arena.push(mop);
        }
        let mops = span(start, self.mop_arena.len());
        let index = index.unwrap_or(self.ops.len() as u64);
        self.ops.push(Op {
            index,
            op_type,
            process: Process::Client(process),
            time: None,
            mops,
            line: 0,
        });
    }

    /// Interns one micro-op given as atoms.
    pub fn intern_mop(&mut self, spec: &MopSpec) -> Mop {
        match spec {
            MopSpec::Append(key, elem) => Mop::Append {
                key: self.keys.atom(key),
                elem: self.elems.atom(elem),
            },
            MopSpec::Read(key, value) => {
                let key = self.keys.atom(key);
                let value = value
                    .as_deref()
                    .map(|list| self.push_read(key, list, Interner::atom));
                Mop::Read { key, value }
            }
        }
    }

    /// The micro-ops of `op`.
    pub fn mops(&self, op: &Op) -> &[Mop] {
        &self.mop_arena[op.mops.range()]
    }

    /// The elements of a read (a [`Mop::Read`] value).
    pub fn list(&self, list: Span) -> &[ElemId] {
        &self.elem_arena[list.range()]
    }

    /// The arena position where the next op's micro-ops start (for parsers building ops).
    pub(crate) fn mops_start(&self) -> usize {
        self.mop_arena.len()
    }

    /// Adds one interned micro-op to the arena.
    pub(crate) fn push_mop(&mut self, mop: Mop) {
        self.mop_arena.push(mop);
    }

    /// The span of micro-ops pushed since `start`.
    pub(crate) fn mops_since(&self, start: usize) -> Span {
        span(start, self.mop_arena.len())
    }

    /// Interns a read of `key` (its elements through `intern`) into the arena, returning its
    /// span. Reads of a key mostly grow by appends, so a read that is a prefix of the key's
    /// longest stored read reuses its elements, and one that extends it (when that read is
    /// the arena's tail) only adds the new ones: a history of a million transactions then
    /// stores a few million elements, not tens of millions.
    pub(crate) fn push_read<A>(
        &mut self,
        key: KeyId,
        list: &[A],
        intern: impl Fn(&mut Interner, &A) -> ElemId,
    ) -> Span {
        let start = self.elem_arena.len();
        for atom in list {
            let elem = intern(&mut self.elems, atom);
            self.elem_arena.push(elem);
        }
        let slot = key as usize;
        if slot >= self.longest_read.len() {
            self.longest_read.resize(slot + 1, Span::default());
        }
        let longest = self.longest_read[slot];
        let (known, new) = self.elem_arena.split_at(start);
        let known = &known[longest.range()];
        let (shared, extends) = (known.starts_with(new), new.starts_with(known));
        let new_len = new.len();
        if shared {
            self.elem_arena.truncate(start);
            return span(longest.start as usize, longest.start as usize + new_len);
        }
        let stored = if extends && longest.range().end == start && !longest.is_empty() {
            // Only the elements past the longest read are new: keep them where they follow it.
            self.elem_arena.drain(start..start + longest.len());
            span(longest.start as usize, self.elem_arena.len())
        } else {
            span(start, self.elem_arena.len())
        };
        if stored.len() >= longest.len() {
            self.longest_read[slot] = stored;
        }
        stored
    }

    /// Reserves room for `ops` ops of about `bytes` bytes of text.
    pub(crate) fn reserve_for(&mut self, ops: usize, bytes: usize) {
        self.ops.reserve(ops);
        self.mop_arena.reserve(ops * 3);
        // Elements dominate the text: a few bytes each.
        self.elem_arena.reserve(bytes / 8);
    }

    /// Renders a key for people.
    pub fn key(&self, key: KeyId) -> &Atom {
        self.keys.get(key)
    }

    /// Renders an element for people.
    pub fn elem(&self, elem: ElemId) -> &Atom {
        self.elems.get(elem)
    }
}

/// A micro-op written with atoms, before interning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MopSpec {
    /// `[:append k v]`.
    Append(Atom, Atom),
    /// `[:r k v]`, `None` for nil.
    Read(Atom, Option<Vec<Atom>>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Ids follow first appearance whether an integer lands in the direct table or the
        /// hash map (negative, huge, or sparse values), also across table growth.
        #[test]
        fn interner_ids_follow_first_appearance(values in prop::collection::vec(
            prop_oneof![0i64..50, 0i64..20_000, any::<i64>(), -5i64..0], 0..300)) {
            let mut interner = Interner::default();
            let mut expected: Vec<i64> = Vec::new();
            for &v in &values {
                let id = interner.int(v);
                let want = expected.iter().position(|&e| e == v).unwrap_or_else(|| {
                    expected.push(v);
                    expected.len() - 1
                });
                prop_assert_eq!(id as usize, want);
                prop_assert_eq!(interner.get(id), &Atom::Int(v));
            }
            prop_assert_eq!(interner.len(), expected.len());
        }

        /// Reads that share or extend earlier reads of their key still read back exactly.
        #[test]
        fn shared_reads_read_back_exactly(reads in prop::collection::vec(
            (0i64..3, prop::collection::vec(0i64..6, 0..8), any::<bool>()), 0..60)) {
            let mut history = History::new();
            let mut written = Vec::new();
            for (key, list, grow) in reads {
                // Mostly growing prefixes, as real histories; sometimes arbitrary lists.
                let list: Vec<i64> = if grow { (0..list.len() as i64).collect() } else { list };
                let atoms = list.iter().map(|&e| Atom::Int(e)).collect();
                let mop = history.intern_mop(&MopSpec::Read(Atom::Int(key), Some(atoms)));
                written.push((mop, list));
            }
            for (mop, list) in written {
                let Mop::Read { value: Some(span), .. } = mop else {
                    return Err(TestCaseError::fail("not a read"));
                };
                let back: Vec<&Atom> = history.list(span).iter().map(|&e| history.elem(e)).collect();
                let want: Vec<Atom> = list.iter().map(|&e| Atom::Int(e)).collect();
                prop_assert_eq!(back, want.iter().collect::<Vec<_>>());
            }
        }
    }
}
