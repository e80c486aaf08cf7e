//! simple-deliv (Molly `delivery/simplog.ded`, the paper's Figure 2): a logs P at round 1 and
//! sends it once to each neighbour; receivers log it. No retry, no relay.

use std::collections::BTreeSet;

use faultline_trace::NodeId;
use serde_json::{Value, json};

use crate::delivery::{
    BROADCASTER, LogMsg, PAYLOAD, bcast_fact, input_facts, log_receipt, neighbours,
};
use faultline_harness::{Cx, Effect, Reactor};

/// A node of simple-deliv.
#[derive(Debug, Clone)]
pub struct SimpleDeliv {
    neighbours: Vec<NodeId>,
    broadcaster: bool,
    log: BTreeSet<String>,
}

impl SimpleDeliv {
    /// Node `me` of the a, b, c topology.
    pub fn new(me: &NodeId) -> Self {
        SimpleDeliv {
            neighbours: neighbours(me),
            broadcaster: me == BROADCASTER,
            log: BTreeSet::new(),
        }
    }
}

impl Reactor for SimpleDeliv {
    type Msg = LogMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<LogMsg>> {
        if !self.broadcaster {
            return Vec::new();
        }
        let mut effects = input_facts(&mut self.log);
        // log(Node2, P)@async :- bcast(Node1, P), node(Node1, Node2)
        for neighbour in &self.neighbours {
            effects.push(
                Effect::send(neighbour.clone(), LogMsg::Log(PAYLOAD.into()))
                    .from([bcast_fact(PAYLOAD)]),
            );
        }
        effects
    }

    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: LogMsg) -> Vec<Effect<LogMsg>> {
        let LogMsg::Log(payload) = msg;
        log_receipt(&mut self.log, payload)
    }

    fn state(&self) -> Value {
        json!({ "log": self.log })
    }
}
