//! redun-deliv (Molly `delivery/replog.ded`): every node that holds P sends it to every
//! neighbour every round (`log(N2, P)@async :- log(N1, P), node(N1, N2)`). Redundancy in space
//! and in time.

use std::collections::BTreeSet;

use faultline_trace::NodeId;
use serde_json::{Value, json};

use crate::delivery::{BROADCASTER, LogMsg, TICK, input_facts, log_fact, log_receipt, neighbours};
use faultline_harness::{Cx, Effect, Reactor, TimerId};

/// A node of redun-deliv.
#[derive(Debug, Clone)]
pub struct RedunDeliv {
    neighbours: Vec<NodeId>,
    broadcaster: bool,
    log: BTreeSet<String>,
}

impl RedunDeliv {
    /// Node `me` of the a, b, c topology.
    pub fn new(me: &NodeId) -> Self {
        RedunDeliv {
            neighbours: neighbours(me),
            broadcaster: me == BROADCASTER,
            log: BTreeSet::new(),
        }
    }

    /// One `log` message per payload held, to every neighbour, resting on the `log` fact.
    fn ship_log(&self, effects: &mut Vec<Effect<LogMsg>>) {
        for payload in &self.log {
            for neighbour in &self.neighbours {
                effects.push(
                    Effect::send(neighbour.clone(), LogMsg::Log(payload.clone()))
                        .from([log_fact(payload)]),
                );
            }
        }
    }
}

impl Reactor for RedunDeliv {
    type Msg = LogMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<LogMsg>> {
        let mut effects = Vec::new();
        if self.broadcaster {
            effects = input_facts(&mut self.log);
            self.ship_log(&mut effects);
        }
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: LogMsg) -> Vec<Effect<LogMsg>> {
        let LogMsg::Log(payload) = msg;
        log_receipt(&mut self.log, payload)
    }

    /// Runs after this round's deliveries, so a payload received now is shipped now.
    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<LogMsg>> {
        let mut effects = Vec::with_capacity(1 + 2 * self.log.len());
        self.ship_log(&mut effects);
        effects.push(Effect::set_timer(TICK, 1));
        effects
    }

    fn state(&self) -> Value {
        json!({ "log": self.log })
    }
}
