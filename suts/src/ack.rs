//! ack-deliv (Molly `delivery/ack_rb.ded`, the paper's Figure 5): every node holding P sends
//! `rbcast` to each neighbour every round until that neighbour has acked it; each `rbcast`
//! receipt is logged and acked; acks persist.
//!
//! Molly's `rbcast(A, A, P) :- bcast(A, P)` also makes a ack itself; that self-ack is never
//! read (a is not its own neighbour), so it is left out.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::NodeId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::delivery::{BROADCASTER, TICK, input_facts, log_fact, log_receipt, neighbours};
use faultline_harness::{Cx, Effect, Reactor, TimerId};

/// Messages of ack-deliv (and of async-ack-deliv).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckMsg {
    /// `rbcast(Node2, Node1, P)`: please log P.
    Rbcast(String),
    /// `ack(From, Host, P)`: Host has P.
    Ack(String),
}

/// A node of ack-deliv.
#[derive(Debug, Clone)]
pub struct AckDeliv {
    neighbours: Vec<NodeId>,
    broadcaster: bool,
    log: BTreeSet<String>,
    /// Neighbour → payloads it has acked.
    acks: BTreeMap<NodeId, BTreeSet<String>>,
}

impl AckDeliv {
    /// Node `me` of the a, b, c topology.
    pub fn new(me: &NodeId) -> Self {
        AckDeliv {
            neighbours: neighbours(me),
            broadcaster: me == BROADCASTER,
            log: BTreeSet::new(),
            acks: BTreeMap::new(),
        }
    }

    /// `rbcast(N2, N1, P)@async :- log(N1, P), node(N1, N2), notin ack(N1, N2, P)`.
    fn send_unacked(&self, effects: &mut Vec<Effect<AckMsg>>) {
        for payload in &self.log {
            for neighbour in &self.neighbours {
                let acked = self
                    .acks
                    .get(neighbour)
                    .is_some_and(|acked| acked.contains(payload));
                if !acked {
                    effects.push(
                        Effect::send(neighbour.clone(), AckMsg::Rbcast(payload.clone()))
                            .from([log_fact(payload)]),
                    );
                }
            }
        }
    }
}

impl Reactor for AckDeliv {
    type Msg = AckMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<AckMsg>> {
        let mut effects = Vec::new();
        if self.broadcaster {
            effects = input_facts(&mut self.log);
            self.send_unacked(&mut effects);
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, from: &NodeId, msg: AckMsg) -> Vec<Effect<AckMsg>> {
        match msg {
            AckMsg::Rbcast(payload) => {
                // ack(From, Host, P)@async :- rbcast(Host, From, P)
                let ack = Effect::send(from.clone(), AckMsg::Ack(payload.clone()));
                let mut effects = log_receipt(&mut self.log, payload);
                effects.push(ack);
                effects
            }
            AckMsg::Ack(payload) => {
                self.acks.entry(from.clone()).or_default().insert(payload);
                Vec::new()
            }
        }
    }

    /// Runs after this round's deliveries, so acks received now stop sends now.
    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<AckMsg>> {
        let mut effects = Vec::new();
        self.send_unacked(&mut effects);
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn state(&self) -> Value {
        json!({ "log": self.log, "acks": self.acks })
    }
}
