//! quorum-write: a client C writes `"x"` to the replicas a, b, c (one `write` each, in round 1);
//! each replica that receives it stores it and acks; C declares success (`["acked", "x"]`) once
//! two replicas have acked (a write quorum of 2 out of 3).
//!
//! The property asks more than the quorum gives: an acked write must be held at the end by at
//! least one replica that never crashed. With one crash allowed it holds (two replicas acked;
//! one of them survives). With two crashes it does not: the two replicas that acked crash after
//! acking while the third never got the write. Minimal counterexample (EOT 3, EFF 2, two
//! crashes): `omission C→c@1, crash a@3, crash b@3`.
//!
//! Lineage: a replica's store is a derive triggered by the `write` delivery, its ack names the
//! store; C derives `["ack_from", R, "x"]` on each ack and `["acked", "x"]` from each pair of
//! acks it holds (one derivation per pair: every quorum is an alternative support).

use std::collections::BTreeSet;

use faultline_trace::{Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::text::and_list;
use faultline_harness::end_state::final_states;
use faultline_harness::end_state::{crashed_nodes, last_derive, string_set};
use faultline_harness::{Cx, Effect, InvariantReport, Reactor};

/// The nodes, in header order: the client, then the replicas.
pub const QW_NODES: &[&str] = &["C", "a", "b", "c"];
/// The client.
pub const QW_CLIENT: &str = "C";
/// The replicas.
pub const QW_REPLICAS: &[&str] = &["a", "b", "c"];
/// The value the client writes.
pub const QW_VALUE: &str = "x";
/// Acks the client waits for.
pub const QW_QUORUM: usize = 2;

/// Messages of quorum-write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QwMsg {
    /// Client → replica: store this value.
    Write(String),
    /// Replica → client: stored.
    Ack(String),
}

fn write_fact(value: &str) -> Value {
    json!(["write", value])
}

fn store_fact(value: &str) -> Value {
    json!(["store", value])
}

fn ack_from_fact(replica: &str, value: &str) -> Value {
    json!(["ack_from", replica, value])
}

/// A node of quorum-write: the client or a replica (by name).
#[derive(Debug, Clone)]
pub struct QuorumWrite {
    client: bool,
    /// Replica: values stored.
    store: BTreeSet<String>,
    /// Client: replicas that acked the value.
    acks: BTreeSet<NodeId>,
    /// Client: values acked by a quorum.
    acked: BTreeSet<String>,
}

impl QuorumWrite {
    /// Node `me` of C, a, b, c.
    pub fn new(me: &NodeId) -> Self {
        QuorumWrite {
            client: me == QW_CLIENT,
            store: BTreeSet::new(),
            acks: BTreeSet::new(),
            acked: BTreeSet::new(),
        }
    }
}

impl Reactor for QuorumWrite {
    type Msg = QwMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<QwMsg>> {
        if !self.client {
            return Vec::new();
        }
        let mut effects = vec![Effect::derive(write_fact(QW_VALUE))];
        for replica in QW_REPLICAS {
            effects.push(
                Effect::send(*replica, QwMsg::Write(QW_VALUE.into())).from([write_fact(QW_VALUE)]),
            );
        }
        effects
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, from: &NodeId, msg: QwMsg) -> Vec<Effect<QwMsg>> {
        match msg {
            QwMsg::Write(value) if !self.client => {
                self.store.insert(value.clone());
                vec![
                    Effect::derive(store_fact(&value)),
                    Effect::send(from.clone(), QwMsg::Ack(value.clone()))
                        .from([store_fact(&value)]),
                ]
            }
            QwMsg::Ack(value) if self.client => {
                self.acks.insert(from.clone());
                let mut effects = vec![Effect::derive(ack_from_fact(from, &value))];
                if self.acks.len() >= QW_QUORUM {
                    self.acked.insert(value.clone());
                    // One derivation per quorum {from, other}: each is an alternative.
                    for other in self.acks.iter().filter(|other| *other != from) {
                        effects.push(
                            Effect::derive(json!(["acked", value]))
                                .from([ack_from_fact(from, &value), ack_from_fact(other, &value)]),
                        );
                    }
                }
                effects
            }
            _ => Vec::new(),
        }
    }

    fn state(&self) -> Value {
        if self.client {
            json!({ "acks": self.acks, "acked": self.acked })
        } else {
            json!({ "store": self.store })
        }
    }
}

/// The invariant of quorum-write, at the end of the run: if the client has `"x"` acked, some
/// replica that never crashed holds `"x"`.
///
/// Goal of a good run: one `any_of` group, the derive of `["store", "x"]` at each replica that
/// never crashed and holds it; scope [`GoalScope::SameCrashes`]. Sufficient: in any run that
/// crashes exactly the same nodes, each replica of the group is again one that never crashed,
/// and one that derives `["store", "x"]` holds it at the end (stores only grow), so `post`
/// holds. Not under a larger crash set (`CrashedNodesExempt`): crashing the holders is exactly
/// the bug.
pub fn check_quorum_write(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let crashed = crashed_nodes(trace);
    let scope = GoalScope::SameCrashes;
    let acked = string_set(states.get(QW_CLIENT), "acked").contains(QW_VALUE);
    if !acked {
        return InvariantReport {
            holds: true,
            vacuous: true,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!("vacuously true: {QW_CLIENT}'s write {QW_VALUE:?} was not acked"),
        };
    }
    let live: Vec<&str> = QW_REPLICAS
        .iter()
        .copied()
        .filter(|replica| !crashed.contains(*replica))
        .collect();
    let holders: Vec<&str> = live
        .iter()
        .copied()
        .filter(|replica| string_set(states.get(*replica), "store").contains(QW_VALUE))
        .collect();
    if holders.is_empty() {
        let dead: Vec<&str> = QW_REPLICAS
            .iter()
            .copied()
            .filter(|replica| crashed.contains(*replica))
            .collect();
        let live_part = if live.is_empty() {
            String::new()
        } else {
            let verb = if live.len() == 1 { "does" } else { "do" };
            format!("; {} {verb} not hold it", and_list(&live))
        };
        return InvariantReport {
            holds: false,
            vacuous: false,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!(
                "{QW_CLIENT}'s write {QW_VALUE:?} was acked but no replica that never crashed holds it ({} crashed{live_part})",
                and_list(&dead)
            ),
        };
    }
    let group: Vec<u64> = holders
        .iter()
        .filter_map(|replica| last_derive(trace, replica, &store_fact(QW_VALUE)))
        .collect();
    let verb = if holders.len() == 1 { "holds" } else { "hold" };
    InvariantReport {
        holds: true,
        vacuous: false,
        goal: Goal {
            any_of: vec![group],
            ..Goal::all_of(Vec::new(), scope)
        },
        explanation: format!(
            "{QW_CLIENT}'s acked write {QW_VALUE:?}: {} {verb} it and never crashed",
            and_list(&holders)
        ),
    }
}
