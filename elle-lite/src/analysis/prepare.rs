//! The client history Elle analyses: integer-process ops, each completion paired with its
//! invocation, and the unique-append precondition.

use rustc_hash::FxHashMap;

use crate::error::Error;
use crate::history::{History, Mop, OpType};

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
        let mut appended: rustc_hash::FxHashSet<(u32, u32)> = Default::default();
        for (position, op) in history.ops.iter().enumerate() {
            let Some(process) = op.client() else { continue };
            let position = position as u32;
            client.push(position);
            if op.op_type == OpType::Invoke {
                for mop in &op.mops {
                    if let Mop::Append { key, elem } = mop
                        && !appended.insert((*key, *elem))
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
        Ok(Self {
            history,
            client,
            possible,
            invocation_of,
            completion_of,
            fully_paired,
        })
    }

    /// The op at a position.
    pub(crate) fn op(&self, position: u32) -> &'h crate::history::Op {
        &self.history.ops[position as usize]
    }
}
