//! primary-backup: a client C writes `"x"` to the primary a; a stores it, replicates it to the
//! backup b and acks the client. Readers fail over to the first server (in order a, b) that is
//! up, so an acked write must be held at the end by the first server that never crashed.
//!
//! The bug: a acks the client as soon as it has stored the write, **before** b has acknowledged
//! the replication. If the replicate message is lost and a crashes before its retry, the client
//! holds an ack for a write that the surviving server b never saw: failover loses it. Minimal
//! counterexample (EOT 5, EFF 3, one crash): `omission a→b@2, crash a@3`.
//!
//! Protocol, in rounds (a message sent in round t arrives in round t + 1):
//! - C (round 1): derives its input `["write", "x"]`, sends `write` to a, and re-sends it every
//!   two rounds until it is acked (the retry timer fires after the round's deliveries, so an ack
//!   arriving on time stops it).
//! - a, on `write`: stores and derives `["store", "x"]` (every receipt re-derives it), acks the
//!   client at once (the bug), and on the first receipt sends `replicate` to b, re-sending it
//!   every two rounds until b's `repl_ack` arrives (`["replicated", "x"]`).
//! - b, on `replicate`: stores and derives `["store", "x"]`, answers `repl_ack`.
//! - C, on `ack`: derives `["acked", "x"]`.
//!
//! Lineage: every send names the fact it carries (`write`, `store`), every store and ack is a
//! derive triggered by its delivery.

use std::collections::BTreeSet;

use faultline_trace::{Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use faultline_harness::end_state::final_states;
use faultline_harness::end_state::{crashed_nodes, last_derive, string_set};
use faultline_harness::{Cx, Effect, InvariantReport, Reactor, TimerId};

/// The nodes, in header order: the client, the primary, the backup.
pub const PB_NODES: &[&str] = &["C", "a", "b"];
/// The client.
pub const PB_CLIENT: &str = "C";
/// The servers in failover order: the primary first.
pub const PB_SERVERS: &[&str] = &["a", "b"];
/// The value the client writes.
pub const PB_VALUE: &str = "x";
/// Rounds between two sends of an unanswered `write` or `replicate` (one round trip).
const RETRY_AFTER: u64 = 2;
const RETRY: &str = "retry";

/// Messages of primary-backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PbMsg {
    /// Client → primary: please store this value.
    Write(String),
    /// Primary → client: stored (sent before the backup has it: the bug).
    Ack(String),
    /// Primary → backup: store this value too.
    Replicate(String),
    /// Backup → primary: stored.
    ReplAck(String),
}

fn write_fact(value: &str) -> Value {
    json!(["write", value])
}

fn store_fact(value: &str) -> Value {
    json!(["store", value])
}

fn acked_fact(value: &str) -> Value {
    json!(["acked", value])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Client,
    Primary,
    Backup,
}

/// A node of primary-backup (its role follows from its name).
#[derive(Debug, Clone)]
pub struct PrimaryBackup {
    role: Role,
    /// Client: values acked.
    acked: BTreeSet<String>,
    /// Servers: values stored.
    store: BTreeSet<String>,
    /// Primary: values the backup has acknowledged.
    replicated: BTreeSet<String>,
}

impl PrimaryBackup {
    /// Node `me` of C, a, b.
    pub fn new(me: &NodeId) -> Self {
        let role = match me.as_str() {
            PB_CLIENT => Role::Client,
            "a" => Role::Primary,
            _ => Role::Backup,
        };
        PrimaryBackup {
            role,
            acked: BTreeSet::new(),
            store: BTreeSet::new(),
            replicated: BTreeSet::new(),
        }
    }

    fn replicate(value: &str) -> Effect<PbMsg> {
        Effect::send(PB_SERVERS[1], PbMsg::Replicate(value.to_string())).from([store_fact(value)])
    }
}

impl Reactor for PrimaryBackup {
    type Msg = PbMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<PbMsg>> {
        if self.role != Role::Client {
            return Vec::new();
        }
        vec![
            Effect::derive(write_fact(PB_VALUE)),
            Effect::send(PB_SERVERS[0], PbMsg::Write(PB_VALUE.into())).from([write_fact(PB_VALUE)]),
            Effect::set_timer(RETRY, RETRY_AFTER),
        ]
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, from: &NodeId, msg: PbMsg) -> Vec<Effect<PbMsg>> {
        match (self.role, msg) {
            (Role::Primary, PbMsg::Write(value)) => {
                let first = self.store.insert(value.clone());
                let mut effects = vec![
                    Effect::derive(store_fact(&value)),
                    // The bug: ack before the backup has acknowledged the replication.
                    Effect::send(from.clone(), PbMsg::Ack(value.clone()))
                        .from([store_fact(&value)]),
                ];
                if first {
                    effects.push(Self::replicate(&value));
                    effects.push(Effect::set_timer(RETRY, RETRY_AFTER));
                }
                effects
            }
            (Role::Primary, PbMsg::ReplAck(value)) => {
                self.replicated.insert(value.clone());
                vec![Effect::derive(json!(["replicated", value])).from([store_fact(&value)])]
            }
            (Role::Backup, PbMsg::Replicate(value)) => {
                self.store.insert(value.clone());
                vec![
                    Effect::derive(store_fact(&value)),
                    Effect::send(from.clone(), PbMsg::ReplAck(value.clone()))
                        .from([store_fact(&value)]),
                ]
            }
            (Role::Client, PbMsg::Ack(value)) => {
                self.acked.insert(value.clone());
                vec![Effect::derive(acked_fact(&value))]
            }
            _ => Vec::new(),
        }
    }

    /// Runs after the round's deliveries: re-send what is still unanswered.
    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<PbMsg>> {
        let mut effects = Vec::new();
        match self.role {
            Role::Client if !self.acked.contains(PB_VALUE) => {
                effects.push(
                    Effect::send(PB_SERVERS[0], PbMsg::Write(PB_VALUE.into()))
                        .from([write_fact(PB_VALUE)]),
                );
            }
            Role::Primary => {
                for value in self.store.difference(&self.replicated) {
                    effects.push(Self::replicate(value));
                }
            }
            _ => {}
        }
        if !effects.is_empty() {
            effects.push(Effect::set_timer(RETRY, RETRY_AFTER));
        }
        effects
    }

    fn state(&self) -> Value {
        match self.role {
            Role::Client => json!({ "acked": self.acked }),
            Role::Primary => json!({ "store": self.store, "replicated": self.replicated }),
            Role::Backup => json!({ "store": self.store }),
        }
    }
}

/// The invariant of primary-backup, at the end of the run: if the client holds an ack for
/// `"x"`, the first server (in order a, b) that never crashed holds `"x"` (a read after
/// failover finds the write). With no such server the acked write is lost.
///
/// Goal of a good run: that server's derive of `["store", "x"]`, scope
/// [`GoalScope::SameCrashes`]. Sufficient: in any run that crashes exactly the same nodes, the
/// first server that never crashed is the same node; if it derives `["store", "x"]` it holds
/// `"x"` at the end (stores only grow, a crashed node keeps its state), so `post` holds
/// whatever `pre` says. It is not sufficient under a larger crash set: crashing a after it
/// stored moves the obligation to b (`omission a→b@2, crash a@3` keeps a's store and is bad).
pub fn check_primary_backup(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let crashed = crashed_nodes(trace);
    let acked = string_set(states.get(PB_CLIENT), "acked").contains(PB_VALUE);
    let scope = GoalScope::SameCrashes;
    if !acked {
        return InvariantReport {
            holds: true,
            vacuous: true,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!("vacuously true: {PB_CLIENT} got no ack for {PB_VALUE:?}"),
        };
    }
    let Some(&first_live) = PB_SERVERS.iter().find(|server| !crashed.contains(**server)) else {
        return InvariantReport {
            holds: false,
            vacuous: false,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!(
                "{PB_CLIENT}'s write {PB_VALUE:?} was acked but a and b both crashed: it is lost"
            ),
        };
    };
    let holds = string_set(states.get(first_live), "store").contains(PB_VALUE);
    let role = if first_live == PB_SERVERS[0] {
        "the primary, which never crashed"
    } else {
        "the first server that never crashed"
    };
    if !holds {
        return InvariantReport {
            holds: false,
            vacuous: false,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!(
                "{PB_CLIENT}'s write {PB_VALUE:?} was acked but {first_live}, {role}, does not hold it"
            ),
        };
    }
    let goal: Vec<u64> = last_derive(trace, first_live, &store_fact(PB_VALUE))
        .into_iter()
        .collect();
    InvariantReport {
        holds: true,
        vacuous: false,
        goal: Goal::all_of(goal, scope),
        explanation: format!(
            "{PB_CLIENT}'s acked write {PB_VALUE:?} is held by {first_live}, {role}"
        ),
    }
}
