//! A replicated register: client `C` writes `"x"` to primary `p`, which replicates it to
//! backups `b1` and `b2` and acknowledges the write to `C`.
//!
//! - `p` stores the write, then sends `replicate` to every backup every round until that
//!   backup acks it.
//! - A backup stores every `replicate` it receives and answers `replicated`.
//! - **Synchronous** mode ([`Ack::AfterBackups`]): `p` acks `C` once both backups acked.
//!   **Eager** mode ([`Ack::AtOnce`]): `p` acks `C` as soon as it stored the write — the bug:
//!   lose `p`'s first copies to the backups and crash `p` after its ack, and the acknowledged
//!   write survives nowhere.
//!
//! Invariant (durability): if `C` got the ack, some server that never crashed stores `"x"`.
//!
//! Lineage is what lets faultline search well: every [`Effect::derive`] and [`Effect::send`]
//! names the facts it rests on with `.from([...])`, so a search learns which messages the good
//! outcome needs and proposes only fault sets that could break all of them.

use std::collections::BTreeSet;

use faultline::end_state::{crashed_nodes, final_states, last_derive, string_set};
use faultline::{
    Cx, Effect, FailureSpec, Goal, GoalScope, HarnessError, InvariantReport, NodeId, Reactor,
    System, TimerId, Trace,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The servers, primary first.
pub const SERVERS: [&str; 3] = ["p", "b1", "b2"];
const BACKUPS: [&str; 2] = ["b1", "b2"];
const VALUE: &str = "x";
const RETRY: &str = "retry";

/// When the primary acknowledges a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Once every backup has it (correct).
    AfterBackups,
    /// As soon as the primary has it (the bug).
    AtOnce,
}

/// What the nodes say to each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    /// Client → primary: store this value.
    Write(String),
    /// Primary → backup: store this value too.
    Replicate(String),
    /// Backup → primary: stored.
    Replicated(String),
    /// Primary → client: your write is durable.
    Ack(String),
}

fn stored(value: &str) -> Value {
    json!(["stored", value])
}

fn replicated_at(backup: &str) -> Value {
    json!(["replicated", backup, VALUE])
}

/// The client: writes `"x"` at start, remembers the ack.
#[derive(Debug, Clone, Default)]
pub struct Client {
    acked: BTreeSet<String>,
}

impl Reactor for Client {
    type Msg = Msg;

    fn init(&mut self, _: &mut Cx<'_>, _: Option<&Value>) -> Vec<Effect<Msg>> {
        vec![Effect::send("p", Msg::Write(VALUE.into()))]
    }

    fn on_message(&mut self, _: &mut Cx<'_>, _: &NodeId, msg: Msg) -> Vec<Effect<Msg>> {
        let Msg::Ack(value) = msg else {
            return Vec::new();
        };
        self.acked.insert(value.clone());
        vec![Effect::derive(json!(["acked", value]))]
    }

    fn state(&self) -> Value {
        json!({ "acked": self.acked })
    }
}

/// The primary.
#[derive(Debug, Clone)]
pub struct Primary {
    ack: Ack,
    store: BTreeSet<String>,
    /// Backups that acked the value.
    replicated: BTreeSet<String>,
    acked_client: bool,
}

impl Primary {
    /// A primary that acknowledges as `ack` says.
    pub fn new(ack: Ack) -> Self {
        Primary {
            ack,
            store: BTreeSet::new(),
            replicated: BTreeSet::new(),
            acked_client: false,
        }
    }

    /// Copies to every backup that has not acked yet, resting on the stored value.
    fn replicate(&self) -> Vec<Effect<Msg>> {
        BACKUPS
            .iter()
            .filter(|backup| !self.replicated.contains(**backup))
            .map(|backup| Effect::send(*backup, Msg::Replicate(VALUE.into())).from([stored(VALUE)]))
            .collect()
    }

    fn ack_client(&mut self, from: Vec<Value>) -> Vec<Effect<Msg>> {
        if self.acked_client {
            return Vec::new();
        }
        self.acked_client = true;
        vec![Effect::send("C", Msg::Ack(VALUE.into())).from(from)]
    }
}

impl Reactor for Primary {
    type Msg = Msg;

    fn init(&mut self, _: &mut Cx<'_>, _: Option<&Value>) -> Vec<Effect<Msg>> {
        Vec::new()
    }

    fn on_message(&mut self, _: &mut Cx<'_>, from: &NodeId, msg: Msg) -> Vec<Effect<Msg>> {
        match msg {
            Msg::Write(value) if value == VALUE => {
                let mut effects = vec![Effect::derive(stored(VALUE))];
                if !self.store.insert(value) {
                    return effects;
                }
                effects.extend(self.replicate());
                effects.push(Effect::set_timer(RETRY, 1));
                if self.ack == Ack::AtOnce {
                    effects.extend(self.ack_client(vec![stored(VALUE)]));
                }
                effects
            }
            Msg::Replicated(value) if value == VALUE => {
                self.replicated.insert(from.clone());
                let mut effects = vec![Effect::derive(replicated_at(from))];
                if self.ack == Ack::AfterBackups && self.replicated.len() == BACKUPS.len() {
                    let all = BACKUPS.iter().map(|backup| replicated_at(backup));
                    effects.extend(self.ack_client(all.collect()));
                }
                effects
            }
            _ => Vec::new(),
        }
    }

    fn on_timer(&mut self, _: &mut Cx<'_>, _: &TimerId) -> Vec<Effect<Msg>> {
        let mut effects = self.replicate();
        if !effects.is_empty() {
            effects.push(Effect::set_timer(RETRY, 1));
        }
        effects
    }

    fn state(&self) -> Value {
        json!({ "store": self.store, "replicated": self.replicated })
    }
}

/// A backup: stores what the primary replicates and says so.
#[derive(Debug, Clone, Default)]
pub struct Backup {
    store: BTreeSet<String>,
}

impl Reactor for Backup {
    type Msg = Msg;

    fn init(&mut self, _: &mut Cx<'_>, _: Option<&Value>) -> Vec<Effect<Msg>> {
        Vec::new()
    }

    fn on_message(&mut self, _: &mut Cx<'_>, from: &NodeId, msg: Msg) -> Vec<Effect<Msg>> {
        let Msg::Replicate(value) = msg else {
            return Vec::new();
        };
        self.store.insert(value.clone());
        vec![
            Effect::derive(stored(&value)),
            Effect::send(from.clone(), Msg::Replicated(value.clone())).from([stored(&value)]),
        ]
    }

    fn state(&self) -> Value {
        json!({ "store": self.store })
    }
}

/// Durability: if `C` holds the ack, some server that never crashed stores `"x"`.
///
/// The goal is "one of the live holders' latest `stored` derivations": the outcome survives
/// as long as one of them keeps a support. It depends on which nodes crashed ("never crashed"),
/// so its scope is [`GoalScope::SameCrashes`]: a support learned here binds only fault sets
/// that crash the same nodes.
pub fn durable(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let crashed = crashed_nodes(trace);
    if !string_set(states.get("C"), "acked").contains(VALUE) {
        return InvariantReport::vacuous("the write was never acknowledged");
    }
    let holders: Vec<&str> = SERVERS
        .into_iter()
        .filter(|server| !crashed.contains(*server))
        .filter(|server| string_set(states.get(*server), "store").contains(VALUE))
        .collect();
    if holders.is_empty() {
        return InvariantReport::violated(
            "the write was acknowledged but no server that never crashed stores it",
        );
    }
    let group = holders
        .iter()
        .filter_map(|server| last_derive(trace, server, &stored(VALUE)))
        .collect();
    InvariantReport::holds(Goal::any_of(vec![group], GoalScope::SameCrashes)).explain(format!(
        "the acknowledged write is on {}",
        holders.join(", ")
    ))
}

/// The system: client, primary acking as `ack` says, two backups; searched by default for
/// runs of 6 rounds, messages lost before round 4, one crash.
pub fn system(ack: Ack) -> Result<System, HarnessError> {
    let name = match ack {
        Ack::AfterBackups => "register-sync",
        Ack::AtOnce => "register-eager",
    };
    System::new(name)
        .description("client C writes to primary p, which replicates to b1 and b2")
        .node("C", Client::default())
        .node("p", Primary::new(ack))
        .node("b1", Backup::default())
        .node("b2", Backup::default())
        .failure_spec(FailureSpec::new(6, 4, 1))
        .invariant(durable)
        .build()
}
