//! The `async` time model (detsys / FoundationDB style): a priority queue of arrivals with
//! seeded latencies in simulated ns; logical time is the global step counter.
//!
//! Every scheduler decision (a start, a delivery, a drop at a down node, a timer fire) is one
//! step. Before step s, the timed faults at s happen (recorded with `lt` = s). Messages to a
//! clogged node are held, without using a step, and re-queued when its last clog ends. The run
//! stops after `steps_max` steps or when nothing is left to do.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use super::NetworkConfig;
use super::engine::{InFlight, Scheduled, Stop, TimerDue};
use crate::faults::ActionKind;
use crate::random::{below, node_rng};
use crate::{Engine, Reactor};

enum Work<M> {
    Start(usize),
    Message(InFlight<M>),
    Timer(TimerDue),
}

/// A queue entry, ordered by time, then by insertion (`seq`) so ties are deterministic.
struct Queued<M> {
    at_ns: u64,
    seq: u64,
    work: Work<M>,
}

impl<M> PartialEq for Queued<M> {
    fn eq(&self, other: &Self) -> bool {
        (self.at_ns, self.seq) == (other.at_ns, other.seq)
    }
}
impl<M> Eq for Queued<M> {}
impl<M> PartialOrd for Queued<M> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<M> Ord for Queued<M> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at_ns, self.seq).cmp(&(other.at_ns, other.seq))
    }
}

struct Network<M> {
    config: NetworkConfig,
    rng: rand_chacha::ChaCha8Rng,
    queue: BinaryHeap<Reverse<Queued<M>>>,
    seq: u64,
    /// Latest arrival per (src, dst) link, for FIFO links. A lookup table, never iterated.
    last_arrival: HashMap<(usize, usize), u64>,
    /// Active clog windows per node, and the messages held meanwhile (in arrival order).
    clogs_active: Vec<u32>,
    held: Vec<Vec<InFlight<M>>>,
}

impl<M> Network<M> {
    fn push(&mut self, at_ns: u64, work: Work<M>) {
        self.seq += 1;
        self.queue.push(Reverse(Queued {
            at_ns,
            seq: self.seq,
            work,
        }));
    }

    fn schedule(&mut self, now: u64, items: Vec<Scheduled<M>>) {
        for item in items {
            match item {
                Scheduled::Message(message) => {
                    let spread = self.config.latency_ns_max - self.config.latency_ns_min;
                    let latency = self.config.latency_ns_min + below(&mut self.rng, spread + 1);
                    let mut at_ns = now + latency;
                    if self.config.fifo {
                        let last = self
                            .last_arrival
                            .entry((message.src, message.dst))
                            .or_insert(0);
                        at_ns = at_ns.max(*last);
                        *last = at_ns;
                    }
                    self.push(at_ns, Work::Message(message));
                }
                Scheduled::Timer(timer) => {
                    let at_ns = now + timer.after;
                    self.push(at_ns, Work::Timer(timer));
                }
            }
        }
    }
}

pub(super) fn run<R: Reactor>(
    engine: &mut Engine<'_, R>,
    steps_max: u64,
    config: NetworkConfig,
) -> Result<(), Stop> {
    assert!(
        config.latency_ns_min <= config.latency_ns_max,
        "latency range is ordered"
    );
    let node_count = engine.node_count();
    let mut network = Network {
        config,
        // The network's stream comes after the nodes' streams (0..node_count).
        rng: node_rng(engine.seed(), node_count as u64),
        queue: BinaryHeap::with_capacity(1024),
        seq: 0,
        last_arrival: HashMap::new(),
        clogs_active: vec![0; node_count],
        held: (0..node_count).map(|_| Vec::new()).collect(),
    };
    for node in 0..node_count {
        network.push(0, Work::Start(node));
    }
    let mut step = 0;
    while step < steps_max {
        let next = step + 1;
        engine.lt = next;
        apply_actions(engine, &mut network, next)?;
        let Some(work) = next_decision(engine, &mut network) else {
            match engine.plan.next_action_at() {
                // Idle until the next timed fault (a restart or clog end can bring work).
                Some(at) => {
                    step = at.max(next + 1) - 1;
                    continue;
                }
                None => break,
            }
        };
        step = next;
        let items = match work {
            Work::Start(node) => engine.start(node)?,
            Work::Message(message) => engine.deliver(message)?,
            Work::Timer(timer) => engine.fire(timer)?,
        };
        network.schedule(engine.now, items);
        engine.flush();
    }
    Ok(())
}

fn apply_actions<R: Reactor>(
    engine: &mut Engine<'_, R>,
    network: &mut Network<R::Msg>,
    step: u64,
) -> Result<(), Stop> {
    for action in engine.plan.take_actions(step) {
        let items = engine.apply_action(action)?;
        network.schedule(engine.now, items);
        engine.flush();
        match action.kind {
            ActionKind::ClogStart => network.clogs_active[action.node] += 1,
            ActionKind::ClogEnd => {
                let active = &mut network.clogs_active[action.node];
                *active = active.saturating_sub(1);
                if *active == 0 {
                    let held = std::mem::take(&mut network.held[action.node]);
                    for message in held {
                        network.push(engine.now, Work::Message(message));
                    }
                }
            }
            ActionKind::Crash | ActionKind::Restart => {}
        }
    }
    Ok(())
}

/// Pops until a real decision: skips stale timers and already-started nodes, holds messages
/// to clogged nodes. Advances simulated time to the decision's time.
fn next_decision<R: Reactor>(
    engine: &mut Engine<'_, R>,
    network: &mut Network<R::Msg>,
) -> Option<Work<R::Msg>> {
    while let Some(Reverse(queued)) = network.queue.pop() {
        let live = match &queued.work {
            Work::Start(node) => engine.can_start(*node),
            Work::Timer(timer) => engine.timer_is_live(timer),
            Work::Message(message) => network.clogs_active[message.dst] == 0,
        };
        if !live {
            if let Work::Message(message) = queued.work {
                network.held[message.dst].push(message);
            }
            continue;
        }
        engine.now = engine.now.max(queued.at_ns);
        return Some(queued.work);
    }
    None
}
