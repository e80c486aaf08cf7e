//! async-ack-deliv: ack-deliv's idea in the `async` time model, to exercise it end to end. a
//! sends `rbcast` to b and c and re-sends every [`RETRY_NS`] to whoever has not acked; b and c
//! log each receipt and ack it, and never relay. a cancels its timer once both acked. The
//! delivery invariant applies: a crash of a after c got P but before b did is a violation.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::NodeId;
use serde_json::{Value, json};

use crate::ack::AckMsg;
use crate::delivery::{BROADCASTER, input_facts, log_fact, log_receipt, neighbours};
use faultline_harness::{Cx, Effect, Reactor, TimerId};

/// a's retry period, in simulated ns (2 ms: a round trip takes 0.2 to 2 ms).
pub const RETRY_NS: u64 = 2_000_000;
const RETRY: &str = "retry";

/// A node of async-ack-deliv.
#[derive(Debug, Clone)]
pub struct AsyncAckDeliv {
    neighbours: Vec<NodeId>,
    broadcaster: bool,
    log: BTreeSet<String>,
    /// Neighbour → payloads it has acked.
    acks: BTreeMap<NodeId, BTreeSet<String>>,
}

impl AsyncAckDeliv {
    /// Node `me` of the a, b, c topology.
    pub fn new(me: &NodeId) -> Self {
        AsyncAckDeliv {
            neighbours: neighbours(me),
            broadcaster: me == BROADCASTER,
            log: BTreeSet::new(),
            acks: BTreeMap::new(),
        }
    }

    fn unacked(&self) -> Vec<(NodeId, String)> {
        let mut pending = Vec::new();
        for payload in &self.log {
            for neighbour in &self.neighbours {
                if !self
                    .acks
                    .get(neighbour)
                    .is_some_and(|acked| acked.contains(payload))
                {
                    pending.push((neighbour.clone(), payload.clone()));
                }
            }
        }
        pending
    }

    fn send_unacked(&self) -> Vec<Effect<AckMsg>> {
        let pending = self.unacked();
        let mut effects = Vec::with_capacity(pending.len() + 1);
        for (neighbour, payload) in &pending {
            effects.push(
                Effect::send(neighbour.clone(), AckMsg::Rbcast(payload.clone()))
                    .from([log_fact(payload)]),
            );
        }
        if !pending.is_empty() {
            effects.push(Effect::set_timer(RETRY, RETRY_NS));
        }
        effects
    }
}

impl Reactor for AsyncAckDeliv {
    type Msg = AckMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<AckMsg>> {
        if !self.broadcaster {
            return Vec::new();
        }
        let mut effects = input_facts(&mut self.log);
        effects.extend(self.send_unacked());
        effects
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, from: &NodeId, msg: AckMsg) -> Vec<Effect<AckMsg>> {
        match msg {
            AckMsg::Rbcast(payload) => {
                let ack = Effect::send(from.clone(), AckMsg::Ack(payload.clone()));
                let mut effects = log_receipt(&mut self.log, payload);
                effects.push(ack);
                effects
            }
            AckMsg::Ack(payload) => {
                self.acks.entry(from.clone()).or_default().insert(payload);
                if self.broadcaster && self.unacked().is_empty() {
                    vec![Effect::cancel_timer(RETRY)]
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<AckMsg>> {
        self.send_unacked()
    }

    fn state(&self) -> Value {
        json!({ "log": self.log, "acks": self.acks })
    }
}
