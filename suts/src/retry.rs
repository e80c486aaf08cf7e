//! retry-deliv (Molly `delivery/rdlog.ded` = simplog + `bcast(N, P)@next :- bcast(N, P)`): a
//! re-sends P to every neighbour every round; receivers log it and never relay. Redundancy in
//! time, not space.

use std::collections::BTreeSet;

use faultline_trace::NodeId;
use serde_json::{Value, json};

use crate::delivery::{
    BROADCASTER, LogMsg, PAYLOAD, TICK, bcast_fact, input_facts, log_receipt, neighbours,
};
use faultline_harness::{Cx, Effect, Reactor, TimerId};

/// A node of retry-deliv.
#[derive(Debug, Clone)]
pub struct RetryDeliv {
    neighbours: Vec<NodeId>,
    broadcaster: bool,
    log: BTreeSet<String>,
}

impl RetryDeliv {
    /// Node `me` of the a, b, c topology.
    pub fn new(me: &NodeId) -> Self {
        RetryDeliv {
            neighbours: neighbours(me),
            broadcaster: me == BROADCASTER,
            log: BTreeSet::new(),
        }
    }

    /// `log(Node2, P)@async :- bcast(Node1, P), node(Node1, Node2)`, every round.
    fn send_all(&self, effects: &mut Vec<Effect<LogMsg>>) {
        for neighbour in &self.neighbours {
            effects.push(
                Effect::send(neighbour.clone(), LogMsg::Log(PAYLOAD.into()))
                    .from([bcast_fact(PAYLOAD)]),
            );
        }
    }
}

impl Reactor for RetryDeliv {
    type Msg = LogMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<LogMsg>> {
        if !self.broadcaster {
            return Vec::new();
        }
        let mut effects = input_facts(&mut self.log);
        self.send_all(&mut effects);
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: LogMsg) -> Vec<Effect<LogMsg>> {
        let LogMsg::Log(payload) = msg;
        log_receipt(&mut self.log, payload)
    }

    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<LogMsg>> {
        // bcast persists, so the broadcaster sends again this round.
        let mut effects = Vec::with_capacity(3);
        self.send_all(&mut effects);
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn state(&self) -> Value {
        json!({ "log": self.log })
    }
}
