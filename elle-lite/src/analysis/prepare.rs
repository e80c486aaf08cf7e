//! The client history Elle analyses: integer-process ops, each completion paired with its
//! invocation, and the unique-append precondition.

use rustc_hash::FxHashMap;

use super::pairs::PairMap;
use crate::error::Error;
use crate::history::{ElemId, History, KeyId, Mop, OpType};

/// A micro-op with its read list resolved from the history's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MopView<'h> {
    Append {
        key: KeyId,
        elem: ElemId,
    },
    Read {
        key: KeyId,
        value: Option<&'h [ElemId]>,
    },
}

impl MopView<'_> {
    /// The key this micro-op touches.
    pub(crate) fn key(&self) -> KeyId {
        match self {
            MopView::Append { key, .. } | MopView::Read { key, .. } => *key,
        }
    }
}

/// Positions (into `History::ops`) of client ops, and invocation pairing.
pub(crate) struct Prepared<'h> {
    pub(crate) history: &'h History,
    /// Client ops in history order.
    pub(crate) client: Vec<u32>,
    /// Ok and info completions (the graph's vertices), in history order.
    pub(crate) possible: Vec<u32>,
    /// For each op position: the position of its invocation, for paired completions.
    pub(crate) invocation_of: Vec<Option<u32>>,
    /// For each op position: the position of its completion, for paired invocations.
    pub(crate) completion_of: Vec<Option<u32>>,
    /// True when every ok/info completion has an invocation.
    pub(crate) fully_paired: bool,
    /// For each op position: true when two of its micro-ops touch the same key.
    repeats_key: Vec<bool>,
}

impl<'h> Prepared<'h> {
    /// Filters and pairs; fails on duplicate appends among invocations (Elle's
    /// `verify-unique-appends`).
    pub(crate) fn new(history: &'h History) -> Result<Self, Error> {
        let n = history.ops.len();
        let mut client = Vec::with_capacity(n);
        let mut invocation_of = vec![None; n];
        let mut completion_of = vec![None; n];
        let mut pending: FxHashMap<i64, u32> = FxHashMap::default();
        let mut appended: PairMap<bool> = PairMap::new(history.elems.len());
        for (position, op) in history.ops.iter().enumerate() {
            let Some(process) = op.client() else { continue };
            let position = position as u32;
            client.push(position);
            if op.op_type == OpType::Invoke {
                for mop in history.mops(op) {
                    if let Mop::Append { key, elem } = mop
                        && !appended.insert_new(*key, *elem, true)
                    {
                        return Err(Error::DuplicateAppend {
                            line: op.line,
                            index: op.index,
                            key: history.key(*key).to_string(),
                            element: history.elem(*elem).to_string(),
                        });
                    }
                }
                pending.insert(process, position);
            } else if let Some(invoke) = pending.remove(&process) {
                invocation_of[position as usize] = Some(invoke);
                completion_of[invoke as usize] = Some(position);
            }
        }
        let possible: Vec<u32> = client
            .iter()
            .copied()
            .filter(|&p| matches!(history.ops[p as usize].op_type, OpType::Ok | OpType::Info))
            .collect();
        let fully_paired = possible
            .iter()
            .all(|&p| invocation_of[p as usize].is_some());
        let repeats_key = history
            .ops
            .iter()
            .map(|op| touches_a_key_twice(history.mops(op)))
            .collect();
        Ok(Self {
            history,
            client,
            possible,
            invocation_of,
            completion_of,
            fully_paired,
            repeats_key,
        })
    }

    /// The op at a position.
    pub(crate) fn op(&self, position: u32) -> &'h crate::history::Op {
        &self.history.ops[position as usize]
    }

    /// True when two micro-ops of the op touch the same key: the txn-internal anomalies
    /// (internal, future-read, lost-update, G1b's intermediate appends) need that.
    pub(crate) fn touches_a_key_twice(&self, position: u32) -> bool {
        self.repeats_key[position as usize]
    }

    /// The micro-ops of the op at a position, read lists resolved.
    pub(crate) fn mops(&self, position: u32) -> impl Iterator<Item = MopView<'h>> + use<'h> {
        let history = self.history;
        history
            .mops(&history.ops[position as usize])
            .iter()
            .map(move |mop| view(history, mop))
    }
}

fn touches_a_key_twice(mops: &[Mop]) -> bool {
    // Transactions are short: pairwise beats sorting.
    if mops.len() <= 16 {
        return (1..mops.len()).any(|i| mops[..i].iter().any(|m| m.key() == mops[i].key()));
    }
    let mut keys: Vec<KeyId> = mops.iter().map(Mop::key).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

/// Resolves a micro-op's read list.
pub(crate) fn view<'h>(history: &'h History, mop: &Mop) -> MopView<'h> {
    match *mop {
        Mop::Append { key, elem } => MopView::Append { key, elem },
        Mop::Read { key, value } => MopView::Read {
            key,
            value: value.map(|span| history.list(span)),
        },
    }
}
