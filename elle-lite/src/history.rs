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
    ints: FxHashMap<i64, u32>,
    strs: FxHashMap<Box<str>, u32>,
    atoms: Vec<Atom>,
}

impl Interner {
    /// The id of an integer atom, allocating one if new.
    pub fn int(&mut self, value: i64) -> u32 {
        if let Some(&id) = self.ints.get(&value) {
            return id;
        }
        let id = self.next_id();
        self.ints.insert(value, id);
        self.atoms.push(Atom::Int(value));
        id
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

/// One micro-op of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        /// The list observed.
        value: Option<Vec<ElemId>>,
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
    /// The transaction.
    pub mops: Vec<Mop>,
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
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an op built from atoms (handy for tests, generators and adapters). The op's
    /// `index` is its position unless `index` is given.
    pub fn push(&mut self, index: Option<u64>, op_type: OpType, process: i64, mops: &[MopSpec]) {
        let mops = mops.iter().map(|spec| self.intern_mop(spec)).collect();
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
            MopSpec::Read(key, value) => Mop::Read {
                key: self.keys.atom(key),
                value: value
                    .as_ref()
                    .map(|list| list.iter().map(|a| self.elems.atom(a)).collect()),
            },
        }
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
