//! Simulator throughput: events per second of an `async` run with 5 nodes and ~10⁶ events.
//!
//! `cargo bench -p faultline-harness --bench simulate -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faultline_harness::{Cx, Effect, NetworkConfig, NodeId, Reactor, RunConfig, Simulator};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const NODES: [&str; 5] = ["n0", "n1", "n2", "n3", "n4"];
/// Deliveries (steps) per run; each is a deliver plus one send, so ~2 events per step.
const STEPS: u64 = 500_000;

/// Passes a token to a random peer on every receipt; counts what it received.
struct Gossip {
    peers: Vec<NodeId>,
    received: u64,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Token {
    Token(u64),
}

impl Gossip {
    fn pass(&self, cx: &mut Cx<'_>, hops: u64) -> Effect<Token> {
        let peer = cx.random_below(self.peers.len() as u64) as usize;
        Effect::send(self.peers[peer].clone(), Token::Token(hops))
    }
}

impl Reactor for Gossip {
    type Msg = Token;

    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<Token>> {
        vec![self.pass(cx, 0)]
    }

    fn on_message(&mut self, cx: &mut Cx<'_>, _from: &NodeId, msg: Token) -> Vec<Effect<Token>> {
        let Token::Token(hops) = msg;
        self.received += 1;
        vec![self.pass(cx, hops + 1)]
    }

    fn state(&self) -> Value {
        json!({ "received": self.received })
    }
}

fn simulator() -> Simulator<Gossip> {
    let nodes: Vec<NodeId> = NODES.iter().map(|n| n.to_string()).collect();
    let all = nodes.clone();
    Simulator::asynchronous(
        "gossip",
        nodes,
        move |me| Gossip {
            peers: all.iter().filter(|n| *n != me).cloned().collect(),
            received: 0,
        },
        NetworkConfig::default(),
    )
}

fn simulate(c: &mut Criterion) {
    let sim = simulator();
    let config = RunConfig::new(42, STEPS);
    let events = sim.run(&config).expect("runs").events.len() as u64;
    assert!(events >= 1_000_000, "a run has {events} events");
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    // Events streamed to a sink as they are made (no trace kept in memory).
    group.bench_function("async_5_nodes_1M_events_streamed", |b| {
        b.iter(|| {
            let mut count = 0u64;
            let mut sink = |event: faultline_trace::Event| count += black_box(event).id & 1;
            sim.run_into(black_box(&config), &mut sink).expect("runs");
            black_box(count)
        });
    });
    // The whole trace kept in memory (what `System::run` returns).
    group.bench_function("async_5_nodes_1M_events_in_memory", |b| {
        b.iter(|| black_box(sim.run(black_box(&config)).expect("runs")));
    });
    group.finish();
}

criterion_group!(benches, simulate);
criterion_main!(benches);
