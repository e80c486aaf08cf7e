//! Random list-append histories from simulated stores, for benchmarks and property tests.
//!
//! Clients (processes) invoke transactions of reads and appends over a small pool of keys; each
//! key retires after a fixed number of appends, as Elle's generator does, so lists stay short.
//! The store decides what each transaction observes:
//!
//! - [`Store::Serializable`]: transactions run atomically at completion (strict serializable).
//! - [`Store::SnapshotIsolation`]: reads see the snapshot taken at invocation; first committer
//!   wins on write conflicts (the loser fails). Write skew (G2-item) happens.
//! - [`Store::LostUpdate`]: like snapshot isolation without the conflict check; a commit writes
//!   back its snapshot plus its appends, losing concurrent appends.
//! - [`Store::StaleRead`]: serializable, but some reads return an older prefix.
//! - [`Store::AbortedRead`]: serializable, but some failed transactions leak their appends.

use std::io::{self, Write};

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use rustc_hash::FxHashMap;

use crate::history::{Atom, History, Mop, MopSpec, OpType};

/// Which simulated store produces the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// Atomic transactions at completion time.
    Serializable,
    /// Snapshot reads, first-committer-wins.
    SnapshotIsolation,
    /// Snapshot reads, blind write-back of the snapshot plus appends.
    LostUpdate,
    /// Serializable with occasional stale reads.
    StaleRead,
    /// Serializable with occasional failed transactions whose appends stay visible.
    AbortedRead,
}

impl Store {
    /// Parses `serializable`, `si`, `lost-update`, `stale-read` or `aborted-read`.
    pub fn parse(name: &str) -> Option<Store> {
        match name {
            "serializable" => Some(Store::Serializable),
            "si" | "snapshot-isolation" => Some(Store::SnapshotIsolation),
            "lost-update" => Some(Store::LostUpdate),
            "stale-read" => Some(Store::StaleRead),
            "aborted-read" => Some(Store::AbortedRead),
            _ => None,
        }
    }
}

/// Generator settings.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Transactions to complete.
    pub txns: usize,
    /// Concurrent client processes.
    pub processes: usize,
    /// Keys in the active pool.
    pub keys: usize,
    /// Appends after which a key is retired for a fresh one.
    pub max_appends_per_key: usize,
    /// Micro-ops per transaction, at most.
    pub max_mops: usize,
    /// The store.
    pub store: Store,
    /// How often the store misbehaves, per thousand transactions (stale-read, aborted-read).
    pub fault_per_mille: u32,
    /// RNG seed: same config and seed, same history.
    pub seed: u64,
}

impl Default for GenConfig {
    fn default() -> Self {
        Self {
            txns: 1000,
            processes: 8,
            keys: 8,
            max_appends_per_key: 32,
            max_mops: 4,
            store: Store::Serializable,
            fault_per_mille: 10,
            seed: 0,
        }
    }
}

/// A transaction in flight.
struct Open {
    mops: Vec<(bool, u64)>,
    snapshot: FxHashMap<u64, Vec<u64>>,
}

struct Sim {
    rng: ChaCha8Rng,
    config: GenConfig,
    state: FxHashMap<u64, Vec<u64>>,
    /// Commit count per key at each txn's invocation, for first-committer-wins.
    commits: FxHashMap<u64, u64>,
    active: Vec<u64>,
    next_key: u64,
    next_elem: u64,
}

impl Sim {
    fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        (self.rng.next_u32() % 1000) < per_mille
    }

    fn new_txn(&mut self) -> Vec<(bool, u64)> {
        let count = 1 + self.below(self.config.max_mops);
        (0..count)
            .map(|_| {
                let slot = self.below(self.active.len());
                (self.rng.next_u32().is_multiple_of(2), self.active[slot])
            })
            .collect()
    }

    fn retire_full_keys(&mut self) {
        for slot in 0..self.active.len() {
            let key = self.active[slot];
            if self.state.get(&key).map_or(0, Vec::len) >= self.config.max_appends_per_key {
                self.active[slot] = self.next_key;
                self.next_key += 1;
            }
        }
    }
}

/// Generates a history (invocations and completions) of `config.txns` transactions.
pub fn generate(config: &GenConfig) -> History {
    let mut sim = Sim {
        rng: ChaCha8Rng::seed_from_u64(config.seed),
        config: config.clone(),
        state: FxHashMap::default(),
        commits: FxHashMap::default(),
        active: (0..config.keys.max(1) as u64).collect(),
        next_key: config.keys.max(1) as u64,
        next_elem: 1,
    };
    let mut history = History::new();
    let mut open: Vec<Option<(Open, Vec<u64>)>> =
        (0..config.processes.max(1)).map(|_| None).collect();
    let mut done = 0;
    while done < config.txns {
        let process = sim.below(open.len());
        match open[process].take() {
            None => {
                let mops = sim.new_txn();
                let invoke: Vec<MopSpec> = mops
                    .iter()
                    .map(|&(append, key)| {
                        if append {
                            let elem = sim.next_elem;
                            sim.next_elem += 1;
                            MopSpec::Append(Atom::Int(key as i64), Atom::Int(elem as i64))
                        } else {
                            MopSpec::Read(Atom::Int(key as i64), None)
                        }
                    })
                    .collect();
                let elems: Vec<u64> = invoke
                    .iter()
                    .filter_map(|m| match m {
                        MopSpec::Append(_, Atom::Int(e)) => Some(*e as u64),
                        _ => None,
                    })
                    .collect();
                history.push(None, OpType::Invoke, process as i64, &invoke);
                let snapshot = sim.state.clone_subset(&mops);
                let seen_commits: Vec<u64> = mops
                    .iter()
                    .map(|(_, k)| sim.commits.get(k).copied().unwrap_or(0))
                    .collect();
                open[process] = Some((Open { mops, snapshot }, [elems, seen_commits].concat()));
            }
            Some((txn, extra)) => {
                let (op_type, mops) = complete(&mut sim, &txn, &extra);
                history.push(None, op_type, process as i64, &mops);
                sim.retire_full_keys();
                done += 1;
            }
        }
    }
    history
}

trait CloneSubset {
    fn clone_subset(&self, mops: &[(bool, u64)]) -> FxHashMap<u64, Vec<u64>>;
}

impl CloneSubset for FxHashMap<u64, Vec<u64>> {
    fn clone_subset(&self, mops: &[(bool, u64)]) -> FxHashMap<u64, Vec<u64>> {
        mops.iter()
            .map(|(_, k)| (*k, self.get(k).cloned().unwrap_or_default()))
            .collect()
    }
}

/// Runs a transaction at completion; returns the completion type and its micro-ops.
fn complete(sim: &mut Sim, txn: &Open, extra: &[u64]) -> (OpType, Vec<MopSpec>) {
    let append_count = txn.mops.iter().filter(|(a, _)| *a).count();
    let (elems, seen_commits) = extra.split_at(append_count);
    let snapshot_reads = matches!(
        sim.config.store,
        Store::SnapshotIsolation | Store::LostUpdate
    );
    let mut view: FxHashMap<u64, Vec<u64>> = if snapshot_reads {
        txn.snapshot.clone()
    } else {
        txn.mops
            .iter()
            .map(|(_, k)| (*k, sim.state.get(k).cloned().unwrap_or_default()))
            .collect()
    };
    if sim.config.store == Store::SnapshotIsolation {
        let conflict = txn
            .mops
            .iter()
            .zip(seen_commits)
            .any(|((append, key), seen)| {
                *append && sim.commits.get(key).copied().unwrap_or(0) != *seen
            });
        if conflict {
            return (OpType::Fail, invoke_shape(txn, elems));
        }
    }
    let stale = sim.config.store == Store::StaleRead && sim.chance(sim.config.fault_per_mille);
    let mut out = Vec::with_capacity(txn.mops.len());
    let mut next_elem = elems.iter();
    for &(append, key) in &txn.mops {
        let list = view.entry(key).or_default();
        if append {
            let elem = next_elem.next().copied().unwrap_or(0);
            list.push(elem);
            out.push(MopSpec::Append(
                Atom::Int(key as i64),
                Atom::Int(elem as i64),
            ));
        } else {
            let mut seen = list.clone();
            if stale && !seen.is_empty() {
                seen.pop();
            }
            let atoms = seen.into_iter().map(|e| Atom::Int(e as i64)).collect();
            out.push(MopSpec::Read(Atom::Int(key as i64), Some(atoms)));
        }
    }
    // Install the writes.
    let mut touched: Vec<u64> = txn
        .mops
        .iter()
        .filter(|(a, _)| *a)
        .map(|(_, k)| *k)
        .collect();
    touched.dedup();
    let mut next_elem = elems.iter();
    for &(append, key) in &txn.mops {
        if !append {
            continue;
        }
        let elem = next_elem.next().copied().unwrap_or(0);
        if sim.config.store != Store::LostUpdate {
            sim.state.entry(key).or_default().push(elem);
        }
    }
    if sim.config.store == Store::LostUpdate {
        for key in &touched {
            if let Some(list) = view.get(key) {
                sim.state.insert(*key, list.clone());
            }
        }
    }
    for key in touched {
        *sim.commits.entry(key).or_default() += 1;
    }
    if sim.config.store == Store::AbortedRead
        && append_count > 0
        && sim.chance(sim.config.fault_per_mille)
    {
        return (OpType::Fail, invoke_shape(txn, elems));
    }
    (OpType::Ok, out)
}

fn invoke_shape(txn: &Open, elems: &[u64]) -> Vec<MopSpec> {
    let mut next_elem = elems.iter();
    txn.mops
        .iter()
        .map(|&(append, key)| {
            if append {
                let elem = next_elem.next().copied().unwrap_or(0);
                MopSpec::Append(Atom::Int(key as i64), Atom::Int(elem as i64))
            } else {
                MopSpec::Read(Atom::Int(key as i64), None)
            }
        })
        .collect()
}

/// Writes a history as JSON Lines (the conformance-case op format).
///
/// # Errors
/// Any write error.
pub fn write_json_lines(history: &History, out: &mut impl Write) -> io::Result<()> {
    for op in &history.ops {
        let value: Vec<serde_json::Value> = history
            .mops(op)
            .iter()
            .map(|mop| match *mop {
                Mop::Append { key, elem } => {
                    serde_json::json!([
                        "append",
                        history.key(key).to_json(),
                        history.elem(elem).to_json()
                    ])
                }
                Mop::Read { key, value } => serde_json::json!([
                    "r",
                    history.key(key).to_json(),
                    value.map(|l| history
                        .list(l)
                        .iter()
                        .map(|e| history.elem(*e).to_json())
                        .collect::<Vec<_>>())
                ]),
            })
            .collect();
        let line = serde_json::json!({
            "index": op.index,
            "type": op.op_type.as_str(),
            "process": op.client(),
            "value": value,
        });
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_history() {
        let config = GenConfig {
            txns: 200,
            store: Store::SnapshotIsolation,
            seed: 7,
            ..GenConfig::default()
        };
        let (a, b) = (generate(&config), generate(&config));
        assert_eq!(a.ops, b.ops);
        let completions = a.ops.iter().filter(|o| o.op_type != OpType::Invoke).count();
        assert_eq!(completions, 200);
    }
}
