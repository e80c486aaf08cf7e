//! kafka: Kafka 0.8-style replication with a ZooKeeper-managed in-sync replica set (ISR), after
//! Molly's `kafka.ded` + `fake_zk.ded` + `util/timeout_svc.ded` (the LDFI paper's Figure 10).
//! Nodes a, b, c (replicas), C (the client) and Z (a ZooKeeper stand-in, one abstract node as
//! in the paper's §5.1.3). Every Dedalus rule is one handler step here, in rounds.
//!
//! Protocol (a message sent in round t arrives in round t + 1; each node evaluates its rules
//! once per round, after that round's deliveries, on its `tick` timer; round 1's rules run in
//! `init`):
//! - Setup (Molly's EDB at round 1): Z starts with `member(Z, a)` and `leader(Z, a)` (a is the
//!   preordained leader). Each replica sends `member` to Z once, in round 1 (`begin@1`); the
//!   client sends `clients` to Z once, in round 1. Z keeps what it receives.
//! - Z's 2-round timer (`timer_svc(Z, Z, 2) :- zookeeper(Z, Z)@1` holds every round, so
//!   `timeout(Z, Z)` holds from round 2 on): from round 2, every round, Z tells every member
//!   and every client each member and the leader (`member`, `leader` messages).
//! - Client (write requests `write_req(C, "Data1")` at rounds 2, 3 and 4): in each of those
//!   rounds it sends `write` to every leader it knows. It learns the leader in round 3 at the
//!   earliest, so it writes in rounds 3 and 4 (one operation, retried: one `invoke`).
//! - Replicas: a replica that knows it is the leader forwards each write it holds to every
//!   member it knows (itself included) that has not acked it (`ack_int`), every round. A
//!   replica that does not know it is the leader acks every write it holds to the write's
//!   origin (`ack_int`), every round. The leader acks a write to its origin (`ack`, every
//!   round) once no other member it knows is missing an `ack_int` for it. Everything received
//!   persists.
//! - Client, on `ack`: the write is acknowledged (`ok`).
//!
//! The bug (Kingsbury's Kafka 0.8 ISR bug): the leader's ISR is whatever Z told it. If b's and
//! c's `member` messages to Z are lost (round 1), the ISR is {a}: a acks the client's write as
//! soon as it has it (round 4), with no replica holding a copy; if a then crashes, an
//! acknowledged write is lost. Minimal counterexample at 6/4/1: `omission b→Z@1, omission
//! c→Z@1, crash a@5` (or `@6`). In the failure-free run the ack reaches C only in round 7 (the
//! write reaches a in round 4, b and c in 5, their `ack_int`s a in 6), so at EOT 6 C holds no
//! ack but a, b and c hold the write.
//!
//! Invariant (durability, Molly's `pre`/`post`): if C holds an ack for "Data1" at the end, some
//! replica that never crashed holds "Data1" (see [`check_kafka`]). C's write is one operation
//! of the trace's client history (`invoke` at its first send, `ok` when the ack arrives), so a
//! run is also a history for elle-lite and LTL specs.
//!
//! Goals (see [`check_kafka`] for the proofs): two facts of the protocol — only a acks, and
//! only writes it holds; no write reaches a before round 4 — make every fault set good unless
//! it crashes a after round 4. A run in which a never crashes, or crashes by round 4, names an
//! input no fault of its scope can break, so LDFI learns from it that no fault set with those
//! crashes can be bad; any other good run names the copies on replicas that never crashed.
//! With the copies as the only goals, every run in which C holds no ack and no live replica a
//! copy (the client never learns the leader, a crashes before the write arrives, ...) would be
//! vacuous: it teaches LDFI nothing, and the search wades through the supersets of such sets
//! (395 runs to the counterexample at 6/4/1 instead of 22; Molly's search, which is not
//! complete, never has to rule them out).
//!
//! Differences from Molly's semantics: a crashed node here runs no handler at all, where
//! Molly's keeps receiving and deriving (it only stops sending); so a client that crashes
//! before the ack arrives holds no ack here. Sends to oneself (the leader's forward to itself)
//! are never lost, as in Molly.
//!
//! Lineage: each received message derives the fact it carries at the receiver (`["member",
//! M]`, `["leader", L]`, `["clients", C]`, `["write", D, origin]`, `["ack_int", D, acker]`,
//! `["ack", D, acker]`), once per receipt (every receipt is an alternative support: Dedalus
//! persistence). Every send names the body atoms of its rule: Z's `member(A, M)` to A rests on
//! `member A` and `member M` (or `clients A`); its `leader` message on the leader and the
//! recipient's membership; the client's `write` on the leader it knows; a forward on the write,
//! the member it goes to and the leader fact; an `ack_int` on the write it acks; the leader's
//! `ack` on the write and the `ack_int` of every other member (the positive part of `notin
//! missing_ack`). Negated atoms (`notin ack_int`, `notin leader`, `notin missing_ack`) name
//! nothing: LDFI's lineage is positive, and the goal never rests on an ack (see
//! [`check_kafka`]). A forward names the write's first origin in name order ("C" before "a"):
//! the leader's own copy (origin a) exists only after a forward that rested on the client's.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{EventKind, Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::text::and_list;
use faultline_harness::end_state::final_states;
use faultline_harness::end_state::{crashed_nodes, last_derive, string_set};
use faultline_harness::{ClientEvent, Cx, Effect, InvariantReport, Reactor, TimerId};

/// The nodes, in header order: the replicas, the client, the ZooKeeper stand-in.
pub const KAFKA_NODES: &[&str] = &["a", "b", "c", "C", "Z"];
/// The replicas.
pub const KAFKA_REPLICAS: &[&str] = &["a", "b", "c"];
/// The client.
pub const KAFKA_CLIENT: &str = "C";
/// The ZooKeeper stand-in.
pub const KAFKA_ZOOKEEPER: &str = "Z";
/// The leader Z names (Molly's preordained `leader("Z", "a")`).
pub const KAFKA_LEADER: &str = "a";
/// The data the client writes.
pub const KAFKA_DATA: &str = "Data1";
/// The rounds at which the client has a write request (`write_req(C, "Data1")@2, @3, @4`).
pub const KAFKA_WRITE_ROUNDS: [u64; 3] = [2, 3, 4];
/// The client process of the history.
pub const KAFKA_PROCESS: u64 = 0;
/// The key the client's write appends to, in the history (`[["append", key, data]]`).
pub const KAFKA_KEY: &str = "topic";
const TICK: &str = "tick";

/// Messages of kafka (Molly's relations; the receiver is the tuple's location).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KafkaMsg {
    /// Replica → Z: I am a member; Z → node: this node is a member.
    Member(String),
    /// Client → Z: I am a client.
    Clients(String),
    /// Z → node: this node is the leader.
    Leader(String),
    /// Client → leader, leader → members: hold this data (from `origin`).
    Write {
        /// The data.
        data: String,
        /// Who sent the write: the client, or the forwarding leader.
        origin: String,
    },
    /// Replica → the write's origin: I hold it.
    AckInt {
        /// The data.
        data: String,
        /// The acking replica.
        acker: String,
    },
    /// Leader → client: your write is in the ISR.
    Ack {
        /// The data.
        data: String,
        /// The acking leader.
        acker: String,
    },
}

fn begin_fact() -> Value {
    json!(["begin"])
}

fn member_fact(member: &str) -> Value {
    json!(["member", member])
}

fn leader_fact(leader: &str) -> Value {
    json!(["leader", leader])
}

fn clients_fact(client: &str) -> Value {
    json!(["clients", client])
}

fn write_fact(data: &str, origin: &str) -> Value {
    json!(["write", data, origin])
}

fn ack_int_fact(data: &str, acker: &str) -> Value {
    json!(["ack_int", data, acker])
}

fn ack_fact(data: &str, acker: &str) -> Value {
    json!(["ack", data, acker])
}

fn append(data: &str) -> Value {
    json!([["append", KAFKA_KEY, data]])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Replica,
    Client,
    Zookeeper,
}

/// A node of kafka (its role follows from its name). Every relation only grows.
#[derive(Debug, Clone)]
pub struct Kafka {
    me: NodeId,
    role: Role,
    /// `member(me, M)`.
    members: BTreeSet<String>,
    /// `leader(me, L)`.
    leaders: BTreeSet<String>,
    /// Z: `clients(Z, C)`.
    clients: BTreeSet<String>,
    /// Replicas: `write(me, D, origin)`, data → origins.
    writes: BTreeMap<String, BTreeSet<String>>,
    /// Leader (and a client that a not-yet-leader acked): `ack_int(me, D, acker)`.
    acks_int: BTreeSet<(String, String)>,
    /// Client: `ack(me, D, acker)`.
    acks: BTreeSet<(String, String)>,
    /// Client: the write operation is in flight (invoked, not yet acked).
    in_flight: bool,
}

impl Kafka {
    /// Node `me` of a, b, c, C, Z.
    pub fn new(me: &NodeId) -> Self {
        let role = match me.as_str() {
            KAFKA_CLIENT => Role::Client,
            KAFKA_ZOOKEEPER => Role::Zookeeper,
            _ => Role::Replica,
        };
        Kafka {
            me: me.clone(),
            role,
            members: BTreeSet::new(),
            leaders: BTreeSet::new(),
            clients: BTreeSet::new(),
            writes: BTreeMap::new(),
            acks_int: BTreeSet::new(),
            acks: BTreeSet::new(),
            in_flight: false,
        }
    }

    fn is_leader(&self) -> bool {
        self.leaders.contains(&self.me)
    }

    /// Z's round (from round 2: `timeout(Z, Z)`): tell every client and every member each
    /// member and the leader.
    fn publish(&self) -> Vec<Effect<KafkaMsg>> {
        let mut effects = Vec::new();
        let audience = self
            .clients
            .iter()
            .map(|client| (client, clients_fact(client)))
            .chain(
                self.members
                    .iter()
                    .map(|member| (member, member_fact(member))),
            );
        for (to, known) in audience {
            for member in &self.members {
                effects.push(
                    Effect::send(to.clone(), KafkaMsg::Member(member.clone()))
                        .from([known.clone(), member_fact(member)]),
                );
            }
            for leader in &self.leaders {
                effects.push(
                    Effect::send(to.clone(), KafkaMsg::Leader(leader.clone()))
                        .from([known.clone(), leader_fact(leader)]),
                );
            }
        }
        effects
    }

    /// The client's round: in a round with a write request, write to every known leader. The
    /// first write is the operation's `invoke` (the later ones are retries of it); no ack can
    /// arrive before round 5, after the last request.
    fn client_round(&mut self, round: u64) -> Vec<Effect<KafkaMsg>> {
        let mut effects = Vec::new();
        if !KAFKA_WRITE_ROUNDS.contains(&round) {
            return effects;
        }
        for leader in &self.leaders {
            if !self.in_flight && self.acks.is_empty() {
                self.in_flight = true;
                effects.push(Effect::client(
                    ClientEvent::Invoke,
                    KAFKA_PROCESS,
                    "txn",
                    append(KAFKA_DATA),
                ));
            }
            effects.push(
                Effect::send(
                    leader.clone(),
                    KafkaMsg::Write {
                        data: KAFKA_DATA.into(),
                        origin: self.me.clone(),
                    },
                )
                .from([leader_fact(leader)]),
            );
        }
        effects
    }

    /// A replica's round: forward (leader), `ack_int` (not the leader), `ack` (leader).
    fn replica_round(&self) -> Vec<Effect<KafkaMsg>> {
        let mut effects = Vec::new();
        let leader = self.is_leader();
        for (data, origins) in &self.writes {
            if leader {
                // The first origin in name order: the client's copy ("C") when there is one.
                let Some(first) = origins.first() else {
                    continue;
                };
                for next in &self.members {
                    if self.acks_int.contains(&(data.clone(), next.clone())) {
                        continue;
                    }
                    effects.push(
                        Effect::send(
                            next.clone(),
                            KafkaMsg::Write {
                                data: data.clone(),
                                origin: self.me.clone(),
                            },
                        )
                        .from([
                            write_fact(data, first),
                            member_fact(next),
                            leader_fact(&self.me),
                        ]),
                    );
                }
                let others: Vec<&String> = self.members.iter().filter(|m| **m != self.me).collect();
                let missing = others
                    .iter()
                    .any(|other| !self.acks_int.contains(&(data.clone(), (*other).clone())));
                if missing {
                    continue;
                }
                for origin in origins.iter().filter(|origin| **origin != self.me) {
                    let mut premises = vec![write_fact(data, origin), leader_fact(&self.me)];
                    premises.extend(others.iter().map(|other| ack_int_fact(data, other)));
                    effects.push(
                        Effect::send(
                            origin.clone(),
                            KafkaMsg::Ack {
                                data: data.clone(),
                                acker: self.me.clone(),
                            },
                        )
                        .from(premises),
                    );
                }
            } else {
                for origin in origins {
                    effects.push(
                        Effect::send(
                            origin.clone(),
                            KafkaMsg::AckInt {
                                data: data.clone(),
                                acker: self.me.clone(),
                            },
                        )
                        .from([write_fact(data, origin)]),
                    );
                }
            }
        }
        effects
    }
}

impl Reactor for Kafka {
    type Msg = KafkaMsg;

    /// Round 1: Molly's EDB and the rules that fire on it (`begin`, `client`).
    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<KafkaMsg>> {
        let mut effects = Vec::new();
        match self.role {
            Role::Replica => {
                effects.push(Effect::derive(begin_fact()));
                effects.push(
                    Effect::send(KAFKA_ZOOKEEPER, KafkaMsg::Member(self.me.clone()))
                        .from([begin_fact()]),
                );
            }
            Role::Client => {
                effects.push(Effect::send(
                    KAFKA_ZOOKEEPER,
                    KafkaMsg::Clients(self.me.clone()),
                ));
            }
            Role::Zookeeper => {
                self.members.insert(KAFKA_LEADER.into());
                self.leaders.insert(KAFKA_LEADER.into());
                effects.push(Effect::derive(member_fact(KAFKA_LEADER)));
                effects.push(Effect::derive(leader_fact(KAFKA_LEADER)));
            }
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn on_message(
        &mut self,
        _cx: &mut Cx<'_>,
        _from: &NodeId,
        msg: KafkaMsg,
    ) -> Vec<Effect<KafkaMsg>> {
        let fact = match msg {
            KafkaMsg::Member(member) => {
                let fact = member_fact(&member);
                self.members.insert(member);
                fact
            }
            KafkaMsg::Clients(client) => {
                let fact = clients_fact(&client);
                self.clients.insert(client);
                fact
            }
            KafkaMsg::Leader(leader) => {
                let fact = leader_fact(&leader);
                self.leaders.insert(leader);
                fact
            }
            KafkaMsg::Write { data, origin } => {
                let fact = write_fact(&data, &origin);
                self.writes.entry(data).or_default().insert(origin);
                fact
            }
            KafkaMsg::AckInt { data, acker } => {
                let fact = ack_int_fact(&data, &acker);
                self.acks_int.insert((data, acker));
                fact
            }
            KafkaMsg::Ack { data, acker } => {
                let fact = ack_fact(&data, &acker);
                let first = self.acks.is_empty();
                self.acks.insert((data.clone(), acker));
                let mut effects = vec![Effect::derive(fact)];
                if first && self.in_flight && data == KAFKA_DATA {
                    self.in_flight = false;
                    effects.push(Effect::client(
                        ClientEvent::Ok,
                        KAFKA_PROCESS,
                        "txn",
                        append(&data),
                    ));
                }
                return effects;
            }
        };
        vec![Effect::derive(fact)]
    }

    /// Rounds 2 and later, after the round's deliveries.
    fn on_timer(&mut self, cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<KafkaMsg>> {
        let mut effects = match self.role {
            Role::Zookeeper => self.publish(),
            Role::Client => self.client_round(cx.lt),
            Role::Replica => self.replica_round(),
        };
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn state(&self) -> Value {
        let mut state = serde_json::Map::new();
        state.insert("members".into(), json!(self.members));
        state.insert("leaders".into(), json!(self.leaders));
        match self.role {
            Role::Zookeeper => {
                state.insert("clients".into(), json!(self.clients));
            }
            Role::Client => {
                let acked: BTreeSet<&String> = self.acks.iter().map(|(data, _)| data).collect();
                state.insert("acked".into(), json!(acked));
            }
            Role::Replica => {
                let store: Vec<&String> = self.writes.keys().collect();
                state.insert("store".into(), json!(store));
                let writes: Vec<(&String, &String)> = self
                    .writes
                    .iter()
                    .flat_map(|(data, origins)| origins.iter().map(move |o| (data, o)))
                    .collect();
                state.insert("writes".into(), json!(writes));
                state.insert("acks_int".into(), json!(self.acks_int));
            }
        }
        Value::Object(state)
    }
}

/// The replicas that hold `data` at the end (their final state's `store`).
fn holders(states: &BTreeMap<NodeId, Value>, data: &str) -> Vec<&'static str> {
    KAFKA_REPLICAS
        .iter()
        .copied()
        .filter(|replica| string_set(states.get(*replica), "store").contains(data))
        .collect()
}

/// The round in which the client's write reaches the leader at the earliest: C registers with
/// Z in round 1, Z first publishes the leader in round 2 (its timer), C learns it in round 3
/// and writes, the write arrives in round 4. Faults only drop or delay messages, so no run of
/// any fault set gets a write to a sooner.
pub const KAFKA_FIRST_WRITE_ROUND: u64 = 4;

/// Each crashed node and the round it crashed in.
fn crash_rounds(trace: &Trace) -> BTreeMap<NodeId, u64> {
    let crashed = crashed_nodes(trace);
    trace
        .events
        .iter()
        .filter(|event| event.kind == EventKind::Crash)
        .filter_map(|event| Some((event.node.clone()?, event.lt)))
        .filter(|(node, _)| crashed.contains(node))
        .collect()
}

/// The invariant of kafka (Molly's `pre(X) :- ack(_, X, _)`, `post(X) :- ack(_, X, _),
/// write(R, X, _), notin crash(R, R, _)`), at the end of the run: if C holds an ack for
/// "Data1", some replica that never crashed holds "Data1". Bad when C holds the ack and no
/// replica that never crashed holds the data.
///
/// Two facts of the protocol decide which runs can be bad at all. (1) Only a acks (Z names
/// only a as leader, and only a node that is told it leads acks), and a acks only a write it
/// holds (the ack rule joins `write(a, D, C)`); a keeps it (nothing is removed), so while a
/// never crashes every ack is backed by a live copy. (2) No write reaches a before round
/// [`KAFKA_FIRST_WRITE_ROUND`] (faults only drop or delay), and a crash in round t stops every
/// handler of a from round t on, so a crashed by then never acks. Hence only fault sets that
/// crash a in a round after [`KAFKA_FIRST_WRITE_ROUND`] can break the property. The goal of a
/// good run, with scope [`GoalScope::SameCrashes`] (it binds fault sets that crash exactly
/// the same nodes, each no later):
///
/// - a never crashed: a's `["begin"]` (its input at round 1). By (1) every run that crashes
///   the same nodes (a not among them) is good; a's begin cannot be broken without crashing
///   a, which the scope excludes, so the lesson rules out this whole crash set.
/// - a crashed no later than round [`KAFKA_FIRST_WRITE_ROUND`]: by (2) every run that crashes
///   the same nodes, a no later, is good; the goal is the `["begin"]` of a replica that never
///   crashed (unbreakable within the scope, as above). With every replica crashed the run is
///   vacuous instead (nothing can be acked, nothing to name).
/// - a crashed later: one `any_of` group, the latest derive of each `["write", "Data1",
///   origin]` at each replica that never crashed and holds it — the witnesses of `post`,
///   acked or not. Sufficient: in a run that crashes exactly the same nodes, those replicas
///   again never crash, and one that derives the write holds it at the end, so `post` holds
///   whatever the ack. Not for a larger crash set (`CrashedNodesExempt`): crashing the
///   holders is the bug. With no such replica and no ack the run is vacuous.
///
/// The goal never rests on the ack itself: it is non-monotone in the faults (a smaller ISR
/// acks sooner), so its lineage is no support.
pub fn check_kafka(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let crashes = crash_rounds(trace);
    let scope = GoalScope::SameCrashes;
    let acked = string_set(states.get(KAFKA_CLIENT), "acked").contains(KAFKA_DATA);
    let holding = holders(&states, KAFKA_DATA);
    let (live, dead): (Vec<&str>, Vec<&str>) = holding
        .iter()
        .partition(|replica| !crashes.contains_key(**replica));
    let verb = |names: &[&str]| if names.len() == 1 { "holds" } else { "hold" };
    if acked && live.is_empty() {
        return InvariantReport {
            holds: false,
            vacuous: false,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: loss(&states, &holding, &dead),
        };
    }
    let write = if acked {
        format!("{KAFKA_CLIENT}'s acked write {KAFKA_DATA:?}")
    } else {
        format!("{KAFKA_CLIENT}'s write {KAFKA_DATA:?} (not acked)")
    };
    let held = if live.is_empty() {
        "no replica that never crashed holds it".to_string()
    } else {
        format!("{} {} it and never crashed", and_list(&live), verb(&live))
    };
    let unbreakable = |replica: &str, reason: String| InvariantReport {
        holds: true,
        vacuous: false,
        goal: Goal::all_of(
            last_derive(trace, replica, &begin_fact())
                .into_iter()
                .collect(),
            scope,
        ),
        explanation: format!("{write}: {held}; {reason}"),
    };
    let leader_crash = crashes.get(KAFKA_LEADER).copied();
    match leader_crash {
        None => {
            return unbreakable(
                KAFKA_LEADER,
                format!("leader {KAFKA_LEADER} never crashed, and it acks only writes it holds"),
            );
        }
        Some(round) if round <= KAFKA_FIRST_WRITE_ROUND => {
            let reason = format!(
                "leader {KAFKA_LEADER} crashed in round {round}, before any write could reach it (round {KAFKA_FIRST_WRITE_ROUND} at the earliest)"
            );
            if let Some(witness) = KAFKA_REPLICAS
                .iter()
                .find(|replica| !crashes.contains_key(**replica))
            {
                return unbreakable(witness, reason);
            }
        }
        Some(_) if !live.is_empty() => {
            let mut group = Vec::new();
            for replica in &live {
                for (data, origin) in string_pairs(states.get(*replica), "writes") {
                    if data == KAFKA_DATA
                        && let Some(id) = last_derive(trace, replica, &write_fact(&data, &origin))
                    {
                        group.push(id);
                    }
                }
            }
            return InvariantReport {
                holds: true,
                vacuous: false,
                goal: Goal {
                    any_of: vec![group],
                    ..Goal::all_of(Vec::new(), scope)
                },
                explanation: format!("{write}: {held}"),
            };
        }
        Some(_) => {}
    }
    let why = if dead.is_empty() {
        "no replica holds it".to_string()
    } else {
        format!("only {} {} it and crashed", and_list(&dead), verb(&dead))
    };
    InvariantReport {
        holds: true,
        vacuous: true,
        goal: Goal::all_of(Vec::new(), scope),
        explanation: format!(
            "vacuously true: {KAFKA_CLIENT}'s write {KAFKA_DATA:?} was not acked ({why})"
        ),
    }
}

/// Why an acked write is lost: the leader's ISR, who held it and crashed, who never got it.
fn loss(states: &BTreeMap<NodeId, Value>, holding: &[&str], dead: &[&str]) -> String {
    let missing: Vec<&str> = KAFKA_REPLICAS
        .iter()
        .copied()
        .filter(|replica| !holding.contains(replica))
        .collect();
    let isr: Vec<String> = string_set(states.get(KAFKA_LEADER), "members")
        .into_iter()
        .collect();
    let mut explanation = format!(
        "{KAFKA_CLIENT}'s write {KAFKA_DATA:?} was acked (leader {KAFKA_LEADER}'s ISR: {{{}}}) but no replica that never crashed holds it",
        isr.join(", ")
    );
    if !dead.is_empty() {
        let verb = if dead.len() == 1 { "holds" } else { "hold" };
        explanation.push_str(&format!(": {} {verb} it but crashed", and_list(dead)));
    }
    if !missing.is_empty() {
        explanation.push_str(&format!("; {} never got it", and_list(&missing)));
    }
    explanation
}

/// The `[a, b]` string pairs in the array `field` of a node state.
fn string_pairs(state: Option<&Value>, field: &str) -> Vec<(String, String)> {
    state
        .and_then(|state| state.get(field))
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| {
                    let pair = entry.as_array()?;
                    Some((
                        pair.first()?.as_str()?.to_string(),
                        pair.get(1)?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}
