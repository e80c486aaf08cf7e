//! classic-deliv (Molly `delivery/classic_rb.ded`), Birman-style reliable broadcast: a node
//! that holds `bcast(N, P)` in a round forwards it to every neighbour in that round and logs P
//! the next round (`log(N, P)@next :- bcast(N, P)`); `bcast` does not persist, so a node
//! forwards again only when a copy arrives again. Redundancy in space, not in time.
//!
//! `bcast` holds for one round, so its fact carries the round: `["bcast", P, t]`. Copies that
//! arrive in the same round are alternative derivations of the same fact, and the forward (at
//! the round's tick, after the deliveries) rests on that fact: one message per neighbour per
//! round, as in Datalog's set semantics.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::NodeId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::delivery::{BROADCASTER, PAYLOAD, TICK, log_fact, neighbours};
use faultline_harness::{Cx, Effect, Reactor, TimerId};

/// The message of classic-deliv: `bcast(Node2, P)@async`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BcastMsg {
    /// Carries the payload.
    Bcast(String),
}

/// The one-round fact `["bcast", P, round]`.
fn bcast_at(payload: &str, round: u64) -> Value {
    json!(["bcast", payload, round])
}

/// A node of classic-deliv.
#[derive(Debug, Clone)]
pub struct ClassicDeliv {
    neighbours: Vec<NodeId>,
    broadcaster: bool,
    log: BTreeSet<String>,
    /// Round → payloads held as `bcast` in that round (the current and the previous round).
    bcast: BTreeMap<u64, BTreeSet<String>>,
}

impl ClassicDeliv {
    /// Node `me` of the a, b, c topology.
    pub fn new(me: &NodeId) -> Self {
        ClassicDeliv {
            neighbours: neighbours(me),
            broadcaster: me == BROADCASTER,
            log: BTreeSet::new(),
            bcast: BTreeMap::new(),
        }
    }

    fn forward(&self, payload: &str, round: u64, effects: &mut Vec<Effect<BcastMsg>>) {
        for neighbour in &self.neighbours {
            effects.push(
                Effect::send(neighbour.clone(), BcastMsg::Bcast(payload.to_string()))
                    .from([bcast_at(payload, round)]),
            );
        }
    }
}

impl Reactor for ClassicDeliv {
    type Msg = BcastMsg;

    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<BcastMsg>> {
        let mut effects = Vec::new();
        if self.broadcaster {
            // The input bcast("a", "hello")@1, forwarded this round.
            self.bcast
                .entry(cx.lt)
                .or_default()
                .insert(PAYLOAD.to_string());
            effects.push(Effect::derive(bcast_at(PAYLOAD, cx.lt)));
            self.forward(PAYLOAD, cx.lt, &mut effects);
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn on_message(
        &mut self,
        cx: &mut Cx<'_>,
        _from: &NodeId,
        msg: BcastMsg,
    ) -> Vec<Effect<BcastMsg>> {
        let BcastMsg::Bcast(payload) = msg;
        let fact = bcast_at(&payload, cx.lt);
        self.bcast.entry(cx.lt).or_default().insert(payload);
        vec![Effect::derive(fact)]
    }

    /// After this round's deliveries: log what was held last round, forward what is held now.
    fn on_timer(&mut self, cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<BcastMsg>> {
        let round = cx.lt;
        let mut effects = Vec::new();
        let previous = self
            .bcast
            .get(&round.saturating_sub(1))
            .cloned()
            .unwrap_or_default();
        for payload in previous {
            effects.push(
                Effect::derive(log_fact(&payload))
                    .from([bcast_at(&payload, round.saturating_sub(1))]),
            );
            self.log.insert(payload);
        }
        let current = self.bcast.get(&round).cloned().unwrap_or_default();
        for payload in &current {
            self.forward(payload, round, &mut effects);
        }
        // Only this round's bcast matters from now on (for next round's log).
        self.bcast.retain(|&held, _| held >= round);
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn state(&self) -> Value {
        let bcast: BTreeMap<String, &BTreeSet<String>> = self
            .bcast
            .iter()
            .map(|(round, payloads)| (round.to_string(), payloads))
            .collect();
        json!({ "log": self.log, "bcast": bcast })
    }
}
