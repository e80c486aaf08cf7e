//! What the delivery family shares (Molly's `delivery/bcast_edb.ded`): nodes a, b, c, each
//! listing the other two as neighbours; the input `bcast("a", "hello")@1`; the facts nodes
//! derive; and the `log` message of the log-shipping variants.
//!
//! Facts are JSON arrays named after Dedalus relations: `["bcast", P]` and `["log", P]` for
//! persistent relations; a relation that holds for one round only carries the round
//! (`["bcast", P, t]` in classic-deliv), so that every derivation of one fact is a valid
//! alternative support of everything that rests on it.

use std::collections::BTreeSet;

use faultline_trace::NodeId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use faultline_harness::Effect;

/// The nodes, in header order.
pub const NODES: &[&str] = &["a", "b", "c"];
/// The node with the input `bcast` fact.
pub const BROADCASTER: &str = "a";
/// The payload it broadcasts.
pub const PAYLOAD: &str = "hello";
/// The timer of protocols that act every round (`@next` persistence).
pub const TICK: &str = "tick";

/// The nodes as [`NodeId`]s.
pub fn node_ids() -> Vec<NodeId> {
    NODES.iter().map(|node| node.to_string()).collect()
}

/// Every node but `me`, in header order (`node(me, N)`).
pub fn neighbours(me: &str) -> Vec<NodeId> {
    NODES
        .iter()
        .filter(|&&node| node != me)
        .map(|node| node.to_string())
        .collect()
}

/// The fact `["log", payload]`.
pub fn log_fact(payload: &str) -> Value {
    json!(["log", payload])
}

/// The fact `["bcast", payload]` (the input).
pub fn bcast_fact(payload: &str) -> Value {
    json!(["bcast", payload])
}

/// The message of simple-, retry- and redun-deliv: `log(Node2, P)@async`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogMsg {
    /// Carries the payload.
    Log(String),
}

/// The broadcaster's input at round 1: derive `bcast(a, P)` and `log(a, P) :- bcast(a, P)`.
pub(crate) fn input_facts<M>(log: &mut BTreeSet<String>) -> Vec<Effect<M>> {
    log.insert(PAYLOAD.to_string());
    vec![
        Effect::derive(bcast_fact(PAYLOAD)),
        Effect::derive(log_fact(PAYLOAD)).from([bcast_fact(PAYLOAD)]),
    ]
}

/// Receiving `log(me, P)`: log it, and derive the fact again (each receipt is a derivation).
pub(crate) fn log_receipt<M>(log: &mut BTreeSet<String>, payload: String) -> Vec<Effect<M>> {
    let fact = log_fact(&payload);
    log.insert(payload);
    vec![Effect::derive(fact)]
}
