//! kv-append and kv-append-sync: a primary–backup list-append store with a client history, to
//! be searched with `explore --elle` (and its own durability invariant).
//!
//! Nodes: the primary `a`, the backup `b`, the writer client `w` (process 0) and the reader
//! client `r` (process 1). Round 1: `w` invokes the transaction `[["append", "x", 1]]` and
//! sends it to `a`; `a` appends, replicates to `b` and acks `w` — at once (`kv-append`), or
//! only when `b` has acked the copy (`kv-append-sync`). Round 4: `r` invokes
//! `[["r", "x", null]]` and asks the backup `b`, which answers with its list.
//!
//! The bug (kv-append): lose the copy (`omission a→b@2`) and `w`'s append is acknowledged
//! (round 3) before `r` reads `[]` from `b` (invoked in round 4): a stale read, which elle-lite
//! reports under strict serializability, and an acknowledged write that the never-crashed
//! backup lacks, which the invariant reports. kv-append-sync acknowledges only what `b`
//! holds, so neither can happen.

use std::collections::BTreeSet;

use faultline_trace::{Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use faultline_harness::end_state::{crashed_nodes, final_states, last_derive};
use faultline_harness::{ClientEvent, Cx, Effect, InvariantReport, Reactor, TimerId};

/// The nodes: primary, backup, writer client, reader client.
pub const KV_NODES: &[&str] = &["a", "b", "w", "r"];
/// The replicas.
pub const KV_REPLICAS: &[&str] = &["a", "b"];
/// The key and the value appended.
const KEY: &str = "x";
const VALUE: u64 = 1;
/// The round the reader invokes its read.
pub const KV_READ_ROUND: u64 = 4;
const WRITER: u64 = 0;
const READER: u64 = 1;
const READ: &str = "read";

/// Messages of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KvMsg {
    /// Writer → primary.
    Write(u64),
    /// Primary → backup.
    Replicate(u64),
    /// Backup → primary: it holds the copy.
    ReplicaAck(u64),
    /// Primary → writer: the append is durable (or so the primary says).
    Ack(u64),
    /// Reader → backup.
    Read,
    /// Backup → reader: its list.
    ReadReply(Vec<u64>),
}

fn hold_fact(value: u64) -> Value {
    json!(["hold", KEY, value])
}

fn append_op(value: u64) -> Value {
    json!([["append", KEY, value]])
}

/// A node of the store (its role follows from its name).
#[derive(Debug, Clone)]
pub struct KvAppend {
    me: NodeId,
    /// Acknowledge only copies the backup holds.
    sync: bool,
    list: Vec<u64>,
    acked: BTreeSet<u64>,
    /// The writer's append is in flight (a restarted writer appends again and may hear both
    /// acks; only the first completes its operation).
    writing: bool,
}

impl KvAppend {
    /// Node `me` of kv-append (the primary acks at once).
    pub fn new(me: &NodeId) -> Self {
        KvAppend {
            me: me.clone(),
            sync: false,
            list: Vec::new(),
            acked: BTreeSet::new(),
            writing: false,
        }
    }

    /// Node `me` of kv-append-sync (the primary acks what the backup holds).
    pub fn synchronous(me: &NodeId) -> Self {
        KvAppend {
            sync: true,
            ..KvAppend::new(me)
        }
    }

    fn store(&mut self, value: u64) -> Effect<KvMsg> {
        self.list.push(value);
        Effect::derive(hold_fact(value))
    }
}

impl Reactor for KvAppend {
    type Msg = KvMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<KvMsg>> {
        match self.me.as_str() {
            "w" => {
                self.writing = true;
                vec![
                    Effect::client(ClientEvent::Invoke, WRITER, "txn", append_op(VALUE)),
                    Effect::send("a", KvMsg::Write(VALUE)),
                ]
            }
            "r" => vec![Effect::set_timer(READ, KV_READ_ROUND - 1)],
            _ => Vec::new(),
        }
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, from: &NodeId, msg: KvMsg) -> Vec<Effect<KvMsg>> {
        match msg {
            KvMsg::Write(value) => {
                let mut effects = vec![
                    self.store(value),
                    Effect::send("b", KvMsg::Replicate(value)).from([hold_fact(value)]),
                ];
                if !self.sync {
                    effects.push(
                        Effect::send(from.clone(), KvMsg::Ack(value)).from([hold_fact(value)]),
                    );
                }
                effects
            }
            KvMsg::Replicate(value) => vec![
                self.store(value),
                Effect::send(from.clone(), KvMsg::ReplicaAck(value)).from([hold_fact(value)]),
            ],
            KvMsg::ReplicaAck(value) if self.sync && self.acked.insert(value) => {
                vec![Effect::send("w", KvMsg::Ack(value)).from([hold_fact(value)])]
            }
            KvMsg::ReplicaAck(_) => Vec::new(),
            KvMsg::Ack(_) if !self.writing => Vec::new(),
            KvMsg::Ack(value) => {
                self.writing = false;
                vec![Effect::client(
                    ClientEvent::Ok,
                    WRITER,
                    "txn",
                    append_op(value),
                )]
            }
            KvMsg::Read => vec![Effect::send(
                from.clone(),
                KvMsg::ReadReply(self.list.clone()),
            )],
            KvMsg::ReadReply(list) => vec![Effect::client(
                ClientEvent::Ok,
                READER,
                "txn",
                json!([["r", KEY, list]]),
            )],
        }
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<KvMsg>> {
        vec![
            Effect::client(
                ClientEvent::Invoke,
                READER,
                "txn",
                json!([["r", KEY, null]]),
            ),
            Effect::send("b", KvMsg::Read),
        ]
    }

    fn state(&self) -> Value {
        json!({ "list": self.list })
    }
}

/// The invariant of both: once the writer's append is acknowledged, every replica that never
/// crashed holds it. Vacuous when it was never acknowledged.
///
/// Goal of a good run: each replica's derive of `["hold", "x", 1]`, scope
/// [`GoalScope::CrashedNodesExempt`] (a replica that crashed is not asked).
pub fn check_kv_append(trace: &Trace) -> InvariantReport {
    let acked = trace
        .events
        .iter()
        .any(|event| event.kind == faultline_trace::EventKind::Ok && event.process == Some(WRITER));
    let crashed = crashed_nodes(trace);
    let states = final_states(trace);
    let fact = hold_fact(VALUE);
    let mut goal = Vec::new();
    let mut missing = Vec::new();
    for replica in KV_REPLICAS.iter().filter(|r| !crashed.contains(**r)) {
        let holds = states
            .get(*replica)
            .and_then(|state| state["list"].as_array())
            .is_some_and(|list| list.contains(&json!(VALUE)));
        match last_derive(trace, replica, &fact) {
            Some(id) if holds => goal.push(id),
            _ => missing.push(*replica),
        }
    }
    let (holds, vacuous, explanation) = if !acked {
        (
            true,
            true,
            "vacuously true: the append was never acknowledged".to_string(),
        )
    } else if missing.is_empty() {
        (
            true,
            false,
            "the acknowledged append is on every replica that never crashed".to_string(),
        )
    } else {
        (
            false,
            false,
            format!(
                "the acknowledged append is missing on {}",
                missing.join(" and ")
            ),
        )
    };
    InvariantReport {
        holds,
        vacuous,
        goal: Goal::all_of(
            if holds && !vacuous { goal } else { Vec::new() },
            GoalScope::CrashedNodesExempt,
        ),
        explanation,
    }
}
