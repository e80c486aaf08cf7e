//! relay-chain-ack-N, N = 3..=9: relay-chain-ack over a chain of N nodes `n1 → n2 → … → nN`,
//! for measuring how a search scales with the node count (`faultline bench scaling`).
//!
//! `n1` holds `"m"` as input in round 1; every node holding `"m"` re-sends it to the next hop
//! every round until that hop's `ack` arrives; every receipt is stored (a derive of
//! `["hold", "m"]`) and acked. Property, at the end of the run: if `n1` holds `"m"`, `nN` holds
//! it. Goal of a good run: `nN`'s last derive of `["hold", "m"]`, fault independent (the
//! property never reads crashes). relay-chain-ack-3 behaves like relay-chain-ack on `a → b → c`.
//!
//! The copy reaches `nk` in round k, so the default spec is EOT N + 2, EFF N, no crashes
//! (certified, like relay-chain-ack's 5/3/0); with EFF = EOT − 1 the last unomittable copies
//! arrive too late and a long run of omissions on one hop breaks it.
//!
//! Self-contained: the family is reachable by name through [`crate::get`], not listed by
//! [`crate::all`] (the soundness suite's list).

use std::collections::BTreeSet;

use faultline_trace::{FailureSpec, Goal, GoalScope, NodeId, Trace};
use serde_json::{Value, json};

use faultline_harness::end_state::{final_states, last_derive, string_set};

use crate::relay_chain::RelayMsg;
use faultline_harness::{Cx, Effect, InvariantReport, Reactor, System, TimerId};

/// The nodes of the longest chain, in chain order; a chain of N nodes is the first N.
pub const CHAIN_NODES: [&str; 9] = ["n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"];
/// The shortest chain of the family.
pub const CHAIN_MIN: usize = 3;
const PAYLOAD: &str = "m";
const TICK: &str = "tick";

fn hold_fact() -> Value {
    json!(["hold", PAYLOAD])
}

/// A node of relay-chain-ack-N.
#[derive(Debug, Clone)]
struct ChainNode {
    source: bool,
    next: Option<NodeId>,
    hold: BTreeSet<String>,
    acked: BTreeSet<String>,
}

impl ChainNode {
    fn new(me: &NodeId, length: usize) -> Self {
        let chain = &CHAIN_NODES[..length];
        let index = chain.iter().position(|node| *node == me);
        ChainNode {
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
            effects.push(
                Effect::send(next.clone(), RelayMsg::Relay(payload.clone())).from([hold_fact()]),
            );
        }
    }
}

impl Reactor for ChainNode {
    type Msg = RelayMsg;

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<RelayMsg>> {
        let mut effects = Vec::new();
        if self.source {
            self.hold.insert(PAYLOAD.to_string());
            effects.push(Effect::derive(hold_fact()));
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
                    Effect::derive(hold_fact()),
                    Effect::send(from.clone(), RelayMsg::Ack(payload)).from([hold_fact()]),
                ]
            }
            RelayMsg::Ack(payload) => {
                self.acked.insert(payload);
                Vec::new()
            }
        }
    }

    /// Runs after the round's deliveries: a copy received this round is forwarded this round.
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

/// If the first node holds `"m"`, the last one does; vacuous when the first never held it.
fn check<const N: usize>(trace: &Trace) -> InvariantReport {
    let states = final_states(trace);
    let (source, sink) = (CHAIN_NODES[0], CHAIN_NODES[N - 1]);
    let scope = GoalScope::FaultIndependent;
    if !string_set(states.get(source), "hold").contains(PAYLOAD) {
        return InvariantReport {
            holds: true,
            vacuous: true,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!("vacuously true: {source} never held {PAYLOAD:?}"),
        };
    }
    if !string_set(states.get(sink), "hold").contains(PAYLOAD) {
        return InvariantReport {
            holds: false,
            vacuous: false,
            goal: Goal::all_of(Vec::new(), scope),
            explanation: format!("{source} sent {PAYLOAD:?} but {sink} does not hold it"),
        };
    }
    let goal: Vec<u64> = last_derive(trace, sink, &hold_fact()).into_iter().collect();
    InvariantReport {
        holds: true,
        vacuous: false,
        goal: Goal::all_of(goal, scope),
        explanation: format!("{source} sent {PAYLOAD:?} and {sink} holds it"),
    }
}

const NAMES: [&str; 7] = [
    "relay-chain-ack-3",
    "relay-chain-ack-4",
    "relay-chain-ack-5",
    "relay-chain-ack-6",
    "relay-chain-ack-7",
    "relay-chain-ack-8",
    "relay-chain-ack-9",
];

fn chain<const N: usize>(name: &str) -> System {
    System::new(name)
        .description("relay-chain-ack over a chain of N nodes n1 → … → nN (for `bench scaling`)")
        .nodes(CHAIN_NODES[..N].iter().copied(), |me| ChainNode::new(me, N))
        .failure_spec(FailureSpec::new(N as u64 + 2, N as u64, 0))
        .invariant(check::<N>)
        .build()
        .unwrap_or_else(|err| panic!("a built-in system is well formed: {err}"))
}

fn chains() -> &'static [System] {
    static CHAINS: std::sync::OnceLock<Vec<System>> = std::sync::OnceLock::new();
    CHAINS.get_or_init(|| {
        vec![
            chain::<3>(NAMES[0]),
            chain::<4>(NAMES[1]),
            chain::<5>(NAMES[2]),
            chain::<6>(NAMES[3]),
            chain::<7>(NAMES[4]),
            chain::<8>(NAMES[5]),
            chain::<9>(NAMES[6]),
        ]
    })
}

/// relay-chain-ack over `length` nodes (3..=9), if there is one of that length.
pub fn relay_chain_ack_n(length: usize) -> Option<&'static System> {
    chains().get(length.checked_sub(CHAIN_MIN)?)
}

/// The family member called `name` (`relay-chain-ack-3` … `relay-chain-ack-9`).
pub(crate) fn by_name(name: &str) -> Option<&'static System> {
    chains().iter().find(|system| system.name() == name)
}
