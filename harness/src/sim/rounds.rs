//! The `rounds` time model (the LDFI paper's): synchronous rounds `1..=eot`.
//!
//! Each round: (1) timed faults (crash, restart, clog end, clog start, in that order, by node);
//! (2) in round 1, every node's `init`, in header order; (3) the messages arriving this round,
//! by receiver (header order), then sender, then `msg_id`; (4) the timers due this round, by
//! node, then in the order they were armed. A message sent in round t arrives in round t + 1,
//! unless a fault loses it; one sent in round `eot` is never delivered (the run ends). One that
//! arrives in a clog window `[from, to)` of its receiver arrives in round `to` instead, which is
//! at most `eot`, so a clog delays and never drops. A timer armed in round t with `after` = k
//! fires in round t + max(k, 1).

use std::collections::BTreeMap;

use super::engine::{InFlight, Scheduled, Stop, TimerDue};
use crate::{Engine, Reactor};

struct Agenda<M> {
    eot: u64,
    /// Arrival round → messages.
    arrivals: BTreeMap<u64, Vec<InFlight<M>>>,
    /// Due round → timers, in the order they were armed.
    timers: BTreeMap<u64, Vec<TimerDue>>,
}

impl<M> Agenda<M> {
    fn schedule<R: Reactor<Msg = M>>(&mut self, engine: &Engine<'_, R>, items: Vec<Scheduled<M>>) {
        for item in items {
            match item {
                Scheduled::Message(message) => {
                    let arrival = engine.plan.clogged_arrival(message.dst, engine.lt + 1);
                    // Clog windows end by EOT (validated), so only a send in round EOT itself
                    // arrives after the run (in flight at the end); a held message never does.
                    debug_assert!(arrival <= self.eot || engine.lt == self.eot);
                    if arrival <= self.eot {
                        self.arrivals.entry(arrival).or_default().push(message);
                    }
                }
                Scheduled::Timer(timer) => {
                    let due = engine.lt + timer.after.max(1);
                    if due <= self.eot {
                        self.timers.entry(due).or_default().push(timer);
                    }
                }
            }
        }
    }
}

pub(super) fn run<R: Reactor>(engine: &mut Engine<'_, R>, eot: u64) -> Result<(), Stop> {
    let mut agenda = Agenda {
        eot,
        arrivals: BTreeMap::new(),
        timers: BTreeMap::new(),
    };
    for round in 1..=eot {
        engine.lt = round;
        // Faults timed before round 1 happen at round 1.
        for action in engine.plan.take_actions(round) {
            let items = engine.apply_action(action)?;
            agenda.schedule(engine, items);
            engine.flush();
        }
        if round == 1 {
            for node in 0..engine.node_count() {
                let items = engine.start(node)?;
                agenda.schedule(engine, items);
                engine.flush();
            }
        }
        let mut arrivals = agenda.arrivals.remove(&round).unwrap_or_default();
        arrivals.sort_by_key(|message| (message.dst, message.src, message.msg_id));
        for message in arrivals {
            let items = engine.deliver(message)?;
            agenda.schedule(engine, items);
            engine.flush();
        }
        // Timers armed now fire in a later round, so one pass drains this round.
        let mut timers = agenda.timers.remove(&round).unwrap_or_default();
        // A stable sort keeps the arming order within a node.
        timers.sort_by_key(|timer| timer.node);
        for timer in timers {
            if engine.timer_is_live(&timer) {
                let items = engine.fire(timer)?;
                agenda.schedule(engine, items);
                engine.flush();
            }
        }
    }
    Ok(())
}
