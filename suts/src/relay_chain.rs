//! relay-chain and relay-chain-ack: a → b → c relay of the message `"m"` (a has it as input in
//! round 1). Property: if a holds (and so sent) `"m"`, c holds it at the end.
//!
//! - **relay-chain**: every node stores `"m"` and forwards it to the next hop once, on its first
//!   receipt; no retries. One lost message breaks it: `omission a→b@1` (or `b→c@2`).
//! - **relay-chain-ack**: every node holding `"m"` re-sends it to the next hop every round until
//!   that hop's `ack` arrives; every receipt is stored and acked. Without crashes it survives any
//!   omissions of sends before EFF as long as the last unomittable copy can still cross both
//!   hops, i.e. EFF < EOT − 1 (certified at its default 5/3/0); with EFF = EOT − 1 the last
//!   copies arrive too late (`omission a→b@1, omission a→b@2` at 4/3/0), and one crash of b or c
//!   breaks it outright.
//!
//! Lineage: each store is a derive of `["hold", "m"]` triggered by its delivery; each forward and
//! ack names that fact.

use std::collections::BTreeSet;

use faultline_trace::{Goal, GoalScope, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use faultline_harness::end_state::final_states;
use faultline_harness::end_state::{last_derive, string_set};
use faultline_harness::{Cx, Effect, InvariantReport, Reactor, TimerId};

/// The nodes, in chain order.
pub const RELAY_NODES: &[&str] = &["a", "b", "c"];
/// The message relayed.
pub const RELAY_PAYLOAD: &str = "m";
const TICK: &str = "tick";

/// Messages of the relay chains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayMsg {
    /// Previous hop → next hop: hold this.
    Relay(String),
    /// Next hop → previous hop: I hold it (relay-chain-ack only).
    Ack(String),
}

pub(crate) fn hold_fact(payload: &str) -> Value {
    json!(["hold", payload])
}

/// The next hop of `me`, if any.
fn next_hop(me: &str) -> Option<NodeId> {
    let index = RELAY_NODES.iter().position(|node| *node == me)?;
    RELAY_NODES.get(index + 1).map(|node| node.to_string())
}

/// The source's input: hold `"m"` (a derive with no premise but `start`).
fn input(hold: &mut BTreeSet<String>) -> Vec<Effect<RelayMsg>> {
    hold.insert(RELAY_PAYLOAD.to_string());
    vec![Effect::derive(hold_fact(RELAY_PAYLOAD))]
}

fn relay(next: &NodeId, payload: &str) -> Effect<RelayMsg> {
    Effect::send(next.clone(), RelayMsg::Relay(payload.to_string())).from([hold_fact(payload)])
}

/// A node of relay-chain: store and forward once.
#[derive(Debug, Clone)]
pub struct RelayChain {
    source: bool,
    next: Option<NodeId>,
    hold: BTreeSet<String>,
}

impl RelayChain {
    /// Node `me` of the a → b → c chain.
    pub fn new(me: &NodeId) -> Self {
        RelayChain {
            source: me == RELAY_NODES[0],
            next: next_hop(me),
            hold: BTreeSet::new(),
        }
    }
}

impl Reactor for RelayChain {
    type Msg = RelayMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<RelayMsg>> {
        if !self.source {
            return Vec::new();
        }
        let mut effects = input(&mut self.hold);
        effects.extend(self.next.iter().map(|next| relay(next, RELAY_PAYLOAD)));
        effects
    }

    fn on_message(
        &mut self,
        _cx: &mut Cx<'_>,
        _from: &NodeId,
        msg: RelayMsg,
    ) -> Vec<Effect<RelayMsg>> {
        let RelayMsg::Relay(payload) = msg else {
            return Vec::new();
        };
        let first = self.hold.insert(payload.clone());
        let mut effects = vec![Effect::derive(hold_fact(&payload))];
        if first {
            effects.extend(self.next.iter().map(|next| relay(next, &payload)));
        }
        effects
    }

    fn state(&self) -> Value {
        json!({ "hold": self.hold })
    }
}

/// A node of relay-chain-ack: re-send to the next hop every round until it acks.
#[derive(Debug, Clone)]
pub struct RelayChainAck {
    source: bool,
    next: Option<NodeId>,
    hold: BTreeSet<String>,
    /// Payloads the next hop has acked.
    acked: BTreeSet<String>,
}

impl RelayChainAck {
    /// Node `me` of the a → b → c chain.
    pub fn new(me: &NodeId) -> Self {
        RelayChainAck::in_chain(me, RELAY_NODES)
    }

    /// Node `me` of `chain` (the source first): relay-chain-ack-N's nodes.
    pub fn in_chain(me: &NodeId, chain: &[&str]) -> Self {
        let index = chain.iter().position(|node| *node == me);
        RelayChainAck {
            source: index == Some(0),
            next: index
                .and_then(|i| chain.get(i + 1))
                .map(|node| node.to_string()),
            hold: BTreeSet::new(),
            acked: BTreeSet::new(),
        }
    }

    /// `relay(next, P)@async :- hold(P), notin acked(next, P)`.
    fn send_unacked(&self, effects: &mut Vec<Effect<RelayMsg>>) {
        let Some(next) = &self.next else { return };
        for payload in self.hold.difference(&self.acked) {
            effects.push(relay(next, payload));
        }
    }
}

impl Reactor for RelayChainAck {
    type Msg = RelayMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<RelayMsg>> {
        let mut effects = Vec::new();
        if self.source {
            effects = input(&mut self.hold);
            self.send_unacked(&mut effects);
        }
        if self.next.is_some() {
            effects.push(Effect::set_timer(TICK, 1));
        }
        effects
    }

    fn on_message(
        &mut self,
        _cx: &mut Cx<'_>,
        from: &NodeId,
        msg: RelayMsg,
    ) -> Vec<Effect<RelayMsg>> {
        match msg {
            RelayMsg::Relay(payload) => {
                self.hold.insert(payload.clone());
                vec![
                    Effect::derive(hold_fact(&payload)),
                    Effect::send(from.clone(), RelayMsg::Ack(payload.clone()))
                        .from([hold_fact(&payload)]),
                ]
            }
            RelayMsg::Ack(payload) => {
                self.acked.insert(payload);
                Vec::new()
            }
        }
    }

    /// Runs after the round's deliveries: a copy received this round is forwarded this round,
    /// and an ack received this round stops the re-sends now.
    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<RelayMsg>> {
        let mut effects = Vec::new();
        self.send_unacked(&mut effects);
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn state(&self) -> Value {
        json!({ "hold": self.hold, "acked": self.acked })
    }
}

/// The invariant of both relay chains, at the end of the run: if a holds `"m"` (a sends it in
/// the round it gets it), c holds `"m"`. Vacuous when a never held it (a crashed in round 1).
///
/// Goal of a good run: c's derive of `["hold", "m"]`, scope [`GoalScope::FaultIndependent`]: the
/// property never reads crashes, and in any run where c derives it c holds `"m"` at the end
/// (holds only grow; a crashed node keeps its state), so `post` holds whatever the faults.
pub fn check_relay(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let source = RELAY_NODES[0];
    let sink = RELAY_NODES[RELAY_NODES.len() - 1];
    let scope = GoalScope::FaultIndependent;
    if !string_set(states.get(source), "hold").contains(RELAY_PAYLOAD) {
        return InvariantReport {
            holds: true,
            vacuous: true,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!("vacuously true: {source} never held {RELAY_PAYLOAD:?}"),
        };
    }
    if !string_set(states.get(sink), "hold").contains(RELAY_PAYLOAD) {
        return InvariantReport {
            holds: false,
            vacuous: false,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!("{source} sent {RELAY_PAYLOAD:?} but {sink} does not hold it"),
        };
    }
    let goal: Vec<u64> = last_derive(trace, sink, &hold_fact(RELAY_PAYLOAD))
        .into_iter()
        .collect();
    InvariantReport {
        holds: true,
        vacuous: false,
        goal: Goal::all_of(goal, scope),
        explanation: format!("{source} sent {RELAY_PAYLOAD:?} and {sink} holds it"),
    }
}
