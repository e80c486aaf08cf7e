//! A small rounds-model simulator of the LDFI paper's delivery protocols (nodes a, b, c;
//! broadcaster a; payload "hello"), written to the harness's lineage contract, so the search
//! can be tested without `faultline-harness` (which this crate must not depend on).
#![allow(dead_code, clippy::needless_range_loop)]

use std::collections::{BTreeMap, BTreeSet};

use faultline_ldfi::{Judgement, Outcome};
use faultline_trace::{
    Event, EventKind, FailureSpec, Fault, Goal, GoalScope, Header, TimeModel, Trace,
};
use serde_json::json;

/// The five delivery protocols of the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// a sends once; no relay, no retry.
    Simple,
    /// a re-sends every round.
    Retry,
    /// every node with the payload sends to every neighbour every round.
    Redun,
    /// send every round until acked; receipts are acked.
    Ack,
    /// forward once on each receipt.
    Classic,
}

const NODES: [&str; 3] = ["a", "b", "c"];

struct Pending {
    src: usize,
    dst: usize,
    kind: &'static str,
    msg_id: u64,
    sent_lt: u64,
    send_event: u64,
}

struct Sim<'f> {
    trace: Trace,
    faults: &'f [Fault],
    next_msg: u64,
    in_flight: Vec<Pending>,
    last_log: [Option<u64>; 3],
    acked: [BTreeSet<usize>; 3],
}

impl Sim<'_> {
    fn push(&mut self, mut event: Event) -> u64 {
        let id = self.trace.events.len() as u64;
        event.id = id;
        self.trace.push(event);
        id
    }

    fn crashed(&self, node: usize, lt: u64) -> bool {
        self.faults
            .iter()
            .any(|f| matches!(f, Fault::Crash { node: n, at } if n == NODES[node] && *at <= lt))
    }

    fn omitted(&self, src: usize, dst: usize, lt: u64) -> Option<Fault> {
        self.faults
            .iter()
            .find(|f| matches!(f, Fault::Omission { src: s, dst: d, at } if s == NODES[src] && d == NODES[dst] && *at == lt))
            .cloned()
    }

    fn send(&mut self, src: usize, dst: usize, kind: &'static str, lt: u64, parents: Vec<u64>) {
        let msg_id = self.next_msg;
        self.next_msg += 1;
        let send_event = self.push(Event {
            src: Some(NODES[src].into()),
            dst: Some(NODES[dst].into()),
            msg_id: Some(msg_id),
            sent_lt: Some(lt),
            msg_type: Some(kind.into()),
            payload: Some(json!("hello")),
            parents,
            ..Event::new(0, EventKind::Send, lt)
        });
        self.in_flight.push(Pending {
            src,
            dst,
            kind,
            msg_id,
            sent_lt: lt,
            send_event,
        });
    }

    fn derive_log(&mut self, node: usize, lt: u64, parents: Vec<u64>) -> u64 {
        let id = self.push(Event {
            node: Some(NODES[node].into()),
            fact: Some(json!(["log", "hello"])),
            parents,
            ..Event::new(0, EventKind::Derive, lt)
        });
        self.last_log[node] = Some(id);
        id
    }

    fn neighbours(node: usize) -> impl Iterator<Item = usize> {
        (0..3).filter(move |&n| n != node)
    }
}

/// Runs `protocol` for `eot` rounds with `faults`.
pub fn simulate(protocol: Protocol, eot: u64, faults: &[Fault]) -> Trace {
    let mut header = Header::new(
        format!("{protocol:?}-{}", faultline_trace::faults_to_json(faults)),
        format!("{protocol:?}"),
        TimeModel::Rounds,
        NODES.iter().map(|n| n.to_string()).collect(),
    );
    header.faults = faults.to_vec();
    let mut sim = Sim {
        trace: Trace::new(header),
        faults,
        next_msg: 0,
        in_flight: Vec::new(),
        last_log: [None; 3],
        acked: Default::default(),
    };
    for round in 1..=eot {
        for node in 0..3 {
            if sim.crashed(node, round) {
                continue;
            }
            if round == 1 {
                let start = sim.push(Event {
                    node: Some(NODES[node].into()),
                    ..Event::new(0, EventKind::Start, 1)
                });
                if node == 0 {
                    let log = sim.derive_log(0, 1, vec![start]);
                    if matches!(protocol, Protocol::Simple | Protocol::Classic) {
                        for dst in Sim::neighbours(0) {
                            sim.send(0, dst, "log", 1, vec![log]);
                        }
                    }
                }
            }
            deliver_all(&mut sim, protocol, node, round);
            periodic(&mut sim, protocol, node, round);
        }
    }
    sim.trace
}

fn deliver_all(sim: &mut Sim, protocol: Protocol, node: usize, round: u64) {
    let arriving: Vec<usize> = (0..sim.in_flight.len())
        .filter(|&i| sim.in_flight[i].dst == node && sim.in_flight[i].sent_lt + 1 == round)
        .collect();
    for index in arriving {
        let (src, kind, msg_id, sent_lt, send_event) = {
            let p = &sim.in_flight[index];
            (p.src, p.kind, p.msg_id, p.sent_lt, p.send_event)
        };
        let base = Event {
            src: Some(NODES[src].into()),
            dst: Some(NODES[node].into()),
            msg_id: Some(msg_id),
            sent_lt: Some(sent_lt),
            msg_type: Some(kind.into()),
            payload: Some(json!("hello")),
            ..Event::new(0, EventKind::Deliver, round)
        };
        if let Some(cause) = sim.omitted(src, node, sent_lt) {
            sim.push(Event {
                kind: EventKind::Drop,
                cause: Some(cause),
                ..base
            });
            continue;
        }
        let deliver = sim.push(Event {
            parents: vec![send_event],
            ..base
        });
        if kind == "ack" {
            sim.acked[node].insert(src);
            continue;
        }
        sim.derive_log(node, round, vec![deliver]);
        match protocol {
            Protocol::Classic => {
                for dst in Sim::neighbours(node) {
                    sim.send(node, dst, "log", round, vec![deliver]);
                }
            }
            Protocol::Ack => sim.send(node, src, "ack", round, vec![deliver]),
            _ => {}
        }
    }
    // Messages to a crashed node are lost; the simulator never delivers them.
}

fn periodic(sim: &mut Sim, protocol: Protocol, node: usize, round: u64) {
    let Some(log) = sim.last_log[node] else {
        return;
    };
    let targets: Vec<usize> = match protocol {
        Protocol::Retry if node == 0 => Sim::neighbours(0).collect(),
        Protocol::Redun => Sim::neighbours(node).collect(),
        Protocol::Ack => Sim::neighbours(node)
            .filter(|n| !sim.acked[node].contains(n))
            .collect(),
        _ => Vec::new(),
    };
    let kind = if protocol == Protocol::Ack {
        "rbcast"
    } else {
        "log"
    };
    for dst in targets {
        sim.send(node, dst, kind, round, vec![log]);
    }
}

/// The paper's agreement invariant: a never-crashing non-broadcaster holds the payload ⇒ every
/// node that never crashes holds it. Vacuous when no such node holds it. Goal: each node's last
/// `log` derivation.
pub fn judge(trace: &Trace) -> Judgement {
    let crashed: BTreeSet<String> = trace
        .header
        .faults
        .iter()
        .filter_map(|f| match f {
            Fault::Crash { node, .. } => Some(node.clone()),
            _ => None,
        })
        .collect();
    let mut last: BTreeMap<String, u64> = BTreeMap::new();
    for event in trace.events.iter().filter(|e| e.kind == EventKind::Derive) {
        last.insert(event.node.clone().unwrap_or_default(), event.id);
    }
    let pre = NODES[1..]
        .iter()
        .any(|n| last.contains_key(*n) && !crashed.contains(*n));
    let post = NODES
        .iter()
        .all(|n| crashed.contains(*n) || last.contains_key(*n));
    let outcome = match (pre, post) {
        (false, _) => Outcome::Vacuous,
        (true, true) => Outcome::Good,
        (true, false) => Outcome::Bad,
    };
    // Agreement speaks of the nodes that never crash: each node's log is exempt if it crashes.
    let exempt_if_crashed = last.iter().map(|(node, &id)| (id, node.clone())).collect();
    let goal = Goal {
        exempt_if_crashed: Some(exempt_if_crashed),
        ..Goal::all_of(last.into_values().collect(), GoalScope::CrashedNodesExempt)
    };
    Judgement::new(outcome, goal)
}

/// A failure spec without clogs.
pub fn spec(eot: u64, eff: u64, max_crashes: u32) -> FailureSpec {
    FailureSpec {
        eot,
        eff,
        max_crashes,
        max_clogs: 0,
        ..FailureSpec::default()
    }
}
