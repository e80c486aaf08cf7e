//! Fault semantics: handler panics, clogs (delay, not loss), crash-restart with durable state,
//! partitions, the end of time, and the lineage the simulator records.

use faultline_harness::suts::{SimpleDeliv, final_states, node_ids};
use faultline_harness::{
    Cx, Effect, Fault, NetworkConfig, Reactor, RunConfig, Simulator, TimerId, sut,
};
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
fn a_handler_panic_crashes_only_its_node() {
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
    let reason = crash.reason.as_deref().unwrap();
    assert!(
        reason.starts_with("handler panicked: boom at ping 2"),
        "{reason}"
    );
    assert_eq!(
        crash.parents,
        vec![crash.id - 1],
        "the delivery whose handler panicked"
    );
    // The engine went on: a kept pinging, and later pings to b are dropped (b is down).
    let drops = kinds(&trace, EventKind::Drop);
    let drop_rounds: Vec<u64> = drops.iter().map(|d| d.lt).collect();
    assert_eq!(drop_rounds, vec![5, 6], "pings 3 and 4 reach the crashed b");
    assert!(drops.iter().all(|d| d.cause
        == Some(Fault::Crash {
            node: "b".into(),
            at: 4
        })));
    assert!(
        kinds(&trace, EventKind::TimerFire)
            .iter()
            .any(|e| e.lt == 6)
    );
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
    let simple = sut("simple-deliv").unwrap();
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
    // Held past the end of time: never delivered, yet not dropped either.
    let late = Fault::Clog {
        node: "b".into(),
        from: 2,
        to: 5,
    };
    let trace = simple
        .run(&RunConfig::new(0, 4).with_faults(vec![late]))
        .unwrap();
    assert!(kinds(&trace, EventKind::Drop).is_empty());
    assert_eq!(kinds(&trace, EventKind::Deliver).len(), 1);
    assert!(!simple.check(&trace).holds);
}

#[test]
fn an_async_clog_holds_messages_until_it_ends() {
    let sut = sut("async-ack-deliv").unwrap();
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
    let simple = sut("retry-deliv").unwrap();
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
    let retry = sut("retry-deliv").unwrap();
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
    let redun = sut("redun-deliv").unwrap();
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
    let simple = sut("simple-deliv").unwrap();
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
