//! Fault semantics: handler panics, clogs (delay, not loss), crash-restart with durable state,
//! partitions, the end of time, and the lineage the simulator records.

use faultline_harness::end_state::final_states;
use faultline_harness::{Cx, Effect, Fault, NetworkConfig, Reactor, RunConfig, Simulator, TimerId};
use faultline_suts::{SimpleDeliv, node_ids};
use faultline_trace::{EventKind, NodeId, Trace};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn kinds(trace: &Trace, kind: EventKind) -> Vec<&faultline_trace::Event> {
    trace.events.iter().filter(|e| e.kind == kind).collect()
}

/// a pings b every round; b panics on the second ping.
#[derive(Default)]
struct Fragile {
    pings: u64,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Ping {
    Ping(u64),
}

impl Reactor for Fragile {
    type Msg = Ping;
    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<Ping>> {
        if cx.me == "a" {
            vec![Effect::set_timer("ping", 1)]
        } else {
            Vec::new()
        }
    }
    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: Ping) -> Vec<Effect<Ping>> {
        let Ping::Ping(n) = msg;
        assert!(n < 2, "boom at ping {n}");
        self.pings += 1;
        Vec::new()
    }
    fn on_timer(&mut self, cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<Ping>> {
        vec![
            Effect::send("b", Ping::Ping(cx.lt - 1)),
            Effect::set_timer("ping", 1),
        ]
    }
    fn state(&self) -> Value {
        json!({ "pings": self.pings })
    }
}

#[test]
fn a_handler_panic_ends_the_run_with_its_node_and_message() {
    let sim = Simulator::rounds("fragile", vec!["a".into(), "b".into()], |_| {
        Fragile::default()
    });
    let trace = sim.run(&RunConfig::new(0, 6)).unwrap();
    let crashes = kinds(&trace, EventKind::Crash);
    assert_eq!(crashes.len(), 1);
    let crash = crashes[0];
    assert_eq!(crash.node.as_deref(), Some("b"));
    assert_eq!(
        crash.lt, 4,
        "ping 2 is sent in round 3 and arrives in round 4"
    );
    assert_eq!(
        crash.reason.as_deref(),
        Some("panicked in on_message: boom at ping 2")
    );
    assert_eq!(crash.fault, None, "a panic is no injected fault");
    assert_eq!(
        crash.parents,
        vec![crash.id - 1],
        "the delivery whose handler panicked"
    );
    // The run ends there: a's timer in round 4 and everything later never happen.
    assert_eq!(trace.events.last(), Some(crash));
    assert!(kinds(&trace, EventKind::Drop).is_empty());
    // b's state stays as it was before the panicking handler.
    assert_eq!(final_states(&trace)["b"], json!({ "pings": 1 }));
}

/// Counts rounds; persists the count every even round. `volatile` is never persisted.
#[derive(Default)]
struct Counter {
    count: u64,
    volatile: u64,
}

impl Reactor for Counter {
    type Msg = ();
    fn init(&mut self, _cx: &mut Cx<'_>, durable: Option<&Value>) -> Vec<Effect<()>> {
        self.count = durable.and_then(Value::as_u64).unwrap_or(0);
        vec![Effect::set_timer("tick", 1)]
    }
    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<()>> {
        self.count += 1;
        self.volatile += 1;
        let mut effects = vec![Effect::set_timer("tick", 1)];
        if self.count.is_multiple_of(2) {
            effects.push(Effect::Persist(json!(self.count)));
        }
        effects
    }
    fn state(&self) -> Value {
        json!({ "count": self.count, "volatile": self.volatile })
    }
}

#[test]
fn crash_restart_keeps_only_persisted_state() {
    let sim = Simulator::rounds("counter", vec!["n".into()], |_| Counter::default());
    // Ticks in rounds 2, 3, 4 (count 3, persisted 2); down in rounds 5..7; back in 8.
    let faults = vec![
        Fault::Crash {
            node: "n".into(),
            at: 5,
        },
        Fault::Restart {
            node: "n".into(),
            at: 8,
        },
    ];
    let trace = sim.run(&RunConfig::new(0, 8).with_faults(faults)).unwrap();
    let restart = kinds(&trace, EventKind::Restart)[0];
    let crash = kinds(&trace, EventKind::Crash)[0];
    assert_eq!(restart.lt, 8);
    assert_eq!(restart.parents, vec![crash.id]);
    // No timer fired while down, and the old timer did not survive the restart.
    assert!(kinds(&trace, EventKind::TimerFire).iter().all(|e| e.lt < 5));
    assert_eq!(
        final_states(&trace)["n"],
        json!({ "count": 2, "volatile": 0 })
    );
    // With another round, the new timer (armed by the restart's init) fires.
    let faults = trace.header.faults.clone();
    let longer = sim.run(&RunConfig::new(0, 9).with_faults(faults)).unwrap();
    assert_eq!(
        final_states(&longer)["n"],
        json!({ "count": 3, "volatile": 1 })
    );
}

#[test]
fn a_clog_delays_and_never_drops() {
    let simple = faultline_suts::get("simple-deliv").unwrap();
    let clog = Fault::Clog {
        node: "b".into(),
        from: 2,
        to: 4,
    };
    let trace = simple
        .run(&RunConfig::new(0, 4).with_faults(vec![clog.clone()]))
        .unwrap();
    assert!(kinds(&trace, EventKind::Drop).is_empty());
    let to_b = kinds(&trace, EventKind::Deliver)
        .into_iter()
        .find(|e| e.dst.as_deref() == Some("b"))
        .unwrap();
    assert_eq!(
        (to_b.sent_lt, to_b.lt),
        (Some(1), 4),
        "held from round 2 to round 4"
    );
    assert_eq!(kinds(&trace, EventKind::ClogStart)[0].lt, 2);
    assert_eq!(kinds(&trace, EventKind::ClogEnd)[0].lt, 4);
    assert_eq!(kinds(&trace, EventKind::ClogEnd)[0].fault, Some(clog));
    assert!(simple.check(&trace).holds);
}

/// Every fault lies inside the run: a clog window that ends after the end of time (it would
/// hold its messages for ever, a loss rather than a delay), starts before time 1, or is empty
/// is an error naming the fault, never a run.
#[test]
fn clog_windows_outside_the_run_are_rejected() {
    let simple = faultline_suts::get("simple-deliv").unwrap();
    let clog = |from, to| {
        RunConfig::new(0, 4).with_faults(vec![Fault::Clog {
            node: "b".into(),
            from,
            to,
        }])
    };
    for (from, to, message) in [
        (2, 5, "fault clog b[2,5): window [2, 5) is outside the run"),
        (0, 3, "fault clog b[0,3): window [0, 3) is outside the run"),
        (2, 2, "fault clog b[2,2): window starts at 2 but ends at 2"),
        (3, 1, "fault clog b[3,1): window starts at 3 but ends at 1"),
    ] {
        let err = simple.run(&clog(from, to)).unwrap_err().to_string();
        assert!(err.starts_with(message), "[{from}, {to}): {err}");
    }
    let async_ack = faultline_suts::get("async-ack-deliv").unwrap();
    let err = async_ack
        .run(&RunConfig::new(0, 60).with_faults(vec![Fault::Clog {
            node: "b".into(),
            from: 10,
            to: 61,
        }]))
        .unwrap_err();
    assert!(
        matches!(
            err,
            faultline_harness::HarnessError::WindowOutsideRun { eot: 60, .. }
        ),
        "{err}"
    );
}

/// a sends `count` messages to b at init; b counts what it receives.
struct Burst {
    count: u64,
    received: u64,
}

impl Reactor for Burst {
    type Msg = Ping;
    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<Ping>> {
        if cx.me != "a" {
            return Vec::new();
        }
        (0..self.count)
            .map(|n| Effect::send("b", Ping::Ping(n)))
            .collect()
    }
    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, _msg: Ping) -> Vec<Effect<Ping>> {
        self.received += 1;
        Vec::new()
    }
    fn state(&self) -> Value {
        json!({ "received": self.received })
    }
}

/// A clog [1, EOT) on the receiver holds a's messages to the last round or step and releases
/// them there: the handler runs at `to` = EOT, and nothing is dropped.
#[test]
fn a_clog_ending_at_the_end_of_time_delivers_there() {
    const EOT: u64 = 6;
    let clog = vec![Fault::Clog {
        node: "b".into(),
        from: 1,
        to: EOT,
    }];
    let config = RunConfig::new(3, EOT).with_faults(clog);
    let nodes = || vec!["a".to_string(), "b".to_string()];
    let burst = |count| move |_: &NodeId| Burst { count, received: 0 };
    // Rounds: every held message is delivered in round EOT.
    for count in [1, 3] {
        let trace = Simulator::rounds("burst", nodes(), burst(count))
            .run(&config)
            .unwrap();
        assert!(kinds(&trace, EventKind::Drop).is_empty());
        let delivered: Vec<u64> = kinds(&trace, EventKind::Deliver)
            .iter()
            .map(|e| e.lt)
            .collect();
        assert_eq!(delivered, vec![EOT; count as usize], "rounds, {count}");
        assert_eq!(final_states(&trace)["b"], json!({ "received": count }));
    }
    // Async: the one held message is delivered at step EOT.
    let trace = Simulator::asynchronous("burst", nodes(), burst(1), NetworkConfig::default())
        .run(&config)
        .unwrap();
    assert!(kinds(&trace, EventKind::Drop).is_empty());
    let delivers = kinds(&trace, EventKind::Deliver);
    assert_eq!(delivers.len(), 1);
    assert_eq!(delivers[0].lt, EOT);
    let end = kinds(&trace, EventKind::ClogEnd)[0];
    assert!(end.lt == EOT && end.id < delivers[0].id);
    assert_eq!(final_states(&trace)["b"], json!({ "received": 1 }));
    // Async time is a step budget, one delivery a step: of three messages released at step
    // EOT only the first is delivered; the others are still in flight when the run ends (as
    // is any message the budget does not reach), never recorded as dropped.
    let trace = Simulator::asynchronous("burst", nodes(), burst(3), NetworkConfig::default())
        .run(&config)
        .unwrap();
    assert!(kinds(&trace, EventKind::Drop).is_empty());
    let delivered: Vec<u64> = kinds(&trace, EventKind::Deliver)
        .iter()
        .map(|e| e.lt)
        .collect();
    assert_eq!(delivered, vec![EOT]);
    assert_eq!(kinds(&trace, EventKind::Send).len(), 3);
}

#[test]
fn an_async_clog_holds_messages_until_it_ends() {
    let sut = faultline_suts::get("async-ack-deliv").unwrap();
    let clog = Fault::Clog {
        node: "b".into(),
        from: 1,
        to: 30,
    };
    let trace = sut
        .run(&RunConfig::new(5, 60).with_faults(vec![clog]))
        .unwrap();
    assert!(kinds(&trace, EventKind::Drop).is_empty());
    let end = kinds(&trace, EventKind::ClogEnd)[0];
    assert_eq!(end.lt, 30);
    let to_b = kinds(&trace, EventKind::Deliver)
        .into_iter()
        .filter(|e| e.dst.as_deref() == Some("b"));
    let mut count = 0;
    for deliver in to_b {
        assert!(
            deliver.id > end.id,
            "nothing reaches b before its clog ends"
        );
        count += 1;
    }
    assert!(count >= 2, "a's retries were held and then delivered");
    assert!(sut.check(&trace).holds);
}

#[test]
fn a_partition_loses_cross_group_messages_in_its_window() {
    let simple = faultline_suts::get("retry-deliv").unwrap();
    let partition = Fault::Partition {
        groups: vec![vec!["a".into()], vec!["b".into(), "c".into()]],
        from: 1,
        to: 3,
    };
    let trace = simple
        .run(&RunConfig::new(0, 4).with_faults(vec![partition.clone()]))
        .unwrap();
    let drops = kinds(&trace, EventKind::Drop);
    assert_eq!(drops.len(), 4, "a's sends in rounds 1 and 2");
    assert!(
        drops
            .iter()
            .all(|d| d.cause.as_ref() == Some(&partition) && d.lt == d.sent_lt.unwrap())
    );
    let delivered: Vec<u64> = kinds(&trace, EventKind::Deliver)
        .iter()
        .map(|e| e.lt)
        .collect();
    assert_eq!(delivered, vec![4, 4], "round 3's sends get through");
}

#[test]
fn sends_in_the_last_round_are_never_delivered() {
    let retry = faultline_suts::get("retry-deliv").unwrap();
    let trace = retry.run(&RunConfig::new(0, 4)).unwrap();
    let last_sends = kinds(&trace, EventKind::Send)
        .into_iter()
        .filter(|e| e.lt == 4)
        .count();
    assert_eq!(last_sends, 2);
    assert!(trace.events.iter().all(|e| e.lt <= 4));
    assert_eq!(
        kinds(&trace, EventKind::Deliver).len(),
        6,
        "rounds 1..3 delivered, round 4 not"
    );
}

#[test]
fn lineage_names_triggers_and_fact_derivations() {
    let redun = faultline_suts::get("redun-deliv").unwrap();
    let trace = redun.run(&RunConfig::new(0, 4)).unwrap();
    let event = |id: u64| trace.event(id).unwrap();
    for send in kinds(&trace, EventKind::Send) {
        let node = send.src.as_ref().unwrap();
        // A send rests on its trigger (start or tick) and its node's latest log derivation.
        assert_eq!(send.parents.len(), 2, "{send:?}");
        let trigger = event(send.parents[1].max(send.parents[0]));
        let derive = event(send.parents[0].min(send.parents[1]));
        let (trigger, derive) = if derive.kind == EventKind::Derive {
            (trigger, derive)
        } else {
            (derive, trigger)
        };
        assert!(matches!(
            trigger.kind,
            EventKind::Start | EventKind::TimerFire
        ));
        assert_eq!(derive.kind, EventKind::Derive);
        assert_eq!(derive.node.as_ref(), Some(node));
        assert_eq!(derive.fact, Some(json!(["log", "hello"])));
        let later = trace.events[derive.id as usize + 1..send.id as usize]
            .iter()
            .any(|e| {
                e.kind == EventKind::Derive
                    && e.node.as_ref() == Some(node)
                    && e.fact == derive.fact
            });
        assert!(!later, "the latest derivation before the send");
    }
    // Every receipt of the payload is its own derivation, resting on that delivery.
    let derives_at_b: Vec<_> = kinds(&trace, EventKind::Derive)
        .into_iter()
        .filter(|e| e.node.as_deref() == Some("b"))
        .collect();
    assert_eq!(
        derives_at_b.len(),
        5,
        "from a in rounds 2, 3, 4 and from c in rounds 3, 4"
    );
    for derive in derives_at_b {
        assert_eq!(derive.parents.len(), 1);
        assert_eq!(event(derive.parents[0]).kind, EventKind::Deliver);
    }
}

#[test]
fn patches_replay_to_the_reactor_state() {
    let trace = Simulator::rounds("simple-deliv", node_ids(), SimpleDeliv::new)
        .run(&RunConfig::new(0, 4))
        .unwrap();
    let states = final_states(&trace);
    for node in ["a", "b", "c"] {
        assert_eq!(states[node], json!({ "log": ["hello"] }));
    }
    assert_eq!(trace.header.initial_state["b"], json!({ "log": [] }));
    // Handlers that change nothing record no patch.
    let ticks = Simulator::rounds("counter", vec!["n".into()], |_| Counter::default())
        .run(&RunConfig::new(0, 3))
        .unwrap();
    let start = &ticks.events[0];
    assert_eq!(start.kind, EventKind::Start);
    assert_eq!(start.state_patch, None);
}

#[test]
fn bad_fault_sets_are_rejected_before_running() {
    let simple = faultline_suts::get("simple-deliv").unwrap();
    let unknown = RunConfig::new(0, 4).with_faults(vec![Fault::Crash {
        node: "z".into(),
        at: 1,
    }]);
    let err = simple.run(&unknown).unwrap_err().to_string();
    assert!(err.contains("unknown node `z`"), "{err}");
    let reversed = RunConfig::new(0, 4).with_faults(vec![Fault::Clog {
        node: "b".into(),
        from: 3,
        to: 1,
    }]);
    assert!(
        simple
            .run(&reversed)
            .unwrap_err()
            .to_string()
            .contains("starts at 3 but ends at 1")
    );
}

#[test]
fn async_latencies_come_from_the_seed() {
    let sim = || {
        Simulator::asynchronous(
            "async",
            node_ids(),
            SimpleDeliv::new,
            NetworkConfig::default(),
        )
    };
    let arrivals = |seed| -> Vec<u64> {
        let trace = sim().run(&RunConfig::new(seed, 20)).unwrap();
        kinds(&trace, EventKind::Deliver)
            .iter()
            .map(|e| e.sim_ns)
            .collect()
    };
    assert_eq!(arrivals(1), arrivals(1));
    assert_ne!(arrivals(1), arrivals(2));
    for at in arrivals(3) {
        assert!((100_000..=1_000_000).contains(&at), "{at}");
    }
}
