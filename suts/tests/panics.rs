//! A panic in the SUT's code is a bug in the SUT, never an admissible fault: the run ends with
//! it, the trace records it as a `crash` with a `reason` and no `fault`, and `System::check` calls
//! the run bad whatever the invariant's crash exemptions would say.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use faultline_harness::{
    Cx, Effect, FailureSpec, Fault, NodeId, Reactor, RunConfig, Simulator, System, TimerId,
    handler_panic,
};
use faultline_suts::check_delivery;
use faultline_trace::{EventKind, RunVerdict, Trace, TraceReader};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};

/// a logs "hello" and sends it to b and c, like simple-deliv; b and c panic on every delivery.
struct PanicDeliv {
    me: NodeId,
    log: Vec<String>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LogMsg {
    Log(String),
}

impl Reactor for PanicDeliv {
    type Msg = LogMsg;
    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<LogMsg>> {
        if self.me != "a" {
            return Vec::new();
        }
        self.log.push("hello".into());
        let fact = json!(["log", "hello"]);
        vec![
            Effect::derive(fact.clone()),
            Effect::send("b", LogMsg::Log("hello".into())).from([fact.clone()]),
            Effect::send("c", LogMsg::Log("hello".into())).from([fact]),
        ]
    }
    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, msg: LogMsg) -> Vec<Effect<LogMsg>> {
        let LogMsg::Log(payload) = msg;
        self.log.push(payload.clone());
        panic!("{} cannot handle {payload:?}", self.me);
    }
    fn state(&self) -> Value {
        json!({ "log": self.log })
    }
}

/// Judged by the delivery family's invariant, which exempts crashed nodes: before panics were
/// bad runs, b's and c's panics made them "crashed", the invariant held (vacuously) and an
/// LDFI search certified the SUT at max_crashes = 0.
fn panic_deliv() -> System {
    System::new("panic-deliv")
        .description("a broadcasts \"hello\"; b and c panic on every delivery")
        .nodes(["a", "b", "c"], |me| PanicDeliv {
            me: me.clone(),
            log: Vec::new(),
        })
        .failure_spec(FailureSpec::new(4, 2, 0))
        .invariant(check_delivery)
        .build()
        .expect("well formed")
}

#[test]
fn a_sut_that_panics_on_every_delivery_is_bad_without_any_crash_fault() {
    let sut = &panic_deliv();
    assert_eq!(sut.default_spec().max_crashes, 0);
    let trace = sut
        .run(&sut.default_config(0))
        .expect("a panic is no error");
    assert!(trace.header.faults.is_empty());
    assert_eq!(trace.header.verdict, Some(RunVerdict::Bad));
    let report = sut.check(&trace);
    assert!(!report.holds && !report.vacuous, "{report:?}");
    assert!(report.goal.is_empty());
    assert_eq!(
        report.explanation,
        "node b panicked in on_message: b cannot handle \"hello\""
    );
    // The run ends at the first panic: one `crash` with the panic's reason, no fault record,
    // the delivery as its parent, and nothing after it (no drops caused by a fake crash fault,
    // no second panic at c).
    let panic = trace.events.last().expect("events");
    assert_eq!(handler_panic(&trace), Some(panic));
    assert_eq!(panic.kind, EventKind::Crash);
    assert_eq!(panic.node.as_deref(), Some("b"));
    assert_eq!(panic.fault, None);
    assert_eq!(
        panic.reason.as_deref(),
        Some("panicked in on_message: b cannot handle \"hello\"")
    );
    assert_eq!(panic.lt, 2);
    assert_eq!(panic.parents.len(), 1);
    let delivery = trace.event(panic.parents[0]).expect("parent");
    assert_eq!(delivery.kind, EventKind::Deliver);
    assert_eq!(delivery.dst.as_deref(), Some("b"));
    let kinds: Vec<EventKind> = trace.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|&&k| k == EventKind::Crash).count(), 1);
    assert!(!kinds.contains(&EventKind::Drop));
    // b's state is not patched by the handler that panicked.
    assert_eq!(delivery.state_patch, None);
    // The trace is valid, and reads back with its verdict.
    let bytes = trace.to_jsonl();
    let back = TraceReader::new(&bytes[..], "panic.jsonl")
        .unwrap()
        .into_trace()
        .unwrap();
    faultline_trace::validate(&back, "panic.jsonl").expect("valid");
    assert_eq!(back.header.verdict, Some(RunVerdict::Bad));
    assert_eq!(handler_panic(&back), back.events.last());
}

/// An injected crash is not a panic, even together with one.
#[test]
fn injected_crashes_are_not_panics() {
    let sut = &panic_deliv();
    let crash_c = Fault::Crash {
        node: "c".into(),
        at: 1,
    };
    let config = sut.default_config(0).with_faults(vec![crash_c.clone()]);
    let trace = sut.run(&config).unwrap();
    let crashes: Vec<_> = trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Crash)
        .collect();
    assert_eq!(crashes.len(), 2, "c's injected crash, then b's panic");
    assert_eq!(crashes[0].fault, Some(crash_c));
    assert_eq!(crashes[0].reason, None);
    assert_eq!(handler_panic(&trace), Some(crashes[1]));
    assert!(!sut.check(&trace).holds);
    // A run with an injected crash only is judged by the invariant alone.
    let quiet = faultline_suts::get("simple-deliv").unwrap();
    let trace = quiet
        .run(&quiet.default_config(0).with_faults(vec![Fault::Crash {
            node: "b".into(),
            at: 1,
        }]))
        .unwrap();
    assert_eq!(handler_panic(&trace), None);
    assert!(quiet.check(&trace).holds);
}

/// Where a [`Bomb`] goes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Site {
    Init,
    OnMessage,
    OnTimer,
    /// `state` serializes a value whose `Serialize` panics (after b's first delivery).
    State,
    /// The message's `Serialize` panics when the simulator records the send.
    MessageSerialize,
    /// The factory panics when building b at the start.
    Factory,
    /// `state` panics when the simulator reads b's initial state.
    InitialState,
    /// The factory panics when building b again on its restart.
    RestartFactory,
}

/// A message whose `Serialize` panics when `explode` is set.
#[derive(Clone, Deserialize)]
struct Ping {
    explode: bool,
}

impl Serialize for Ping {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        assert!(!self.explode, "Ping refuses to serialize");
        serializer.serialize_str("ping")
    }
}

/// A state field whose `Serialize` panics.
struct Broken;

impl Serialize for Broken {
    fn serialize<S: Serializer>(&self, _serializer: S) -> Result<S::Ok, S::Error> {
        panic!("state refuses to serialize")
    }
}

/// a arms a timer and pings b at init; the bomb goes off at `site`.
struct Bomb {
    me: NodeId,
    site: Site,
    pinged: bool,
}

impl Reactor for Bomb {
    type Msg = Ping;
    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<Ping>> {
        if self.me == "b" {
            assert!(self.site != Site::Init, "b cannot start");
            return Vec::new();
        }
        let explode = self.site == Site::MessageSerialize;
        vec![
            Effect::set_timer("t", 1),
            Effect::send("b", Ping { explode }),
        ]
    }
    fn on_message(&mut self, _cx: &mut Cx<'_>, _from: &NodeId, _msg: Ping) -> Vec<Effect<Ping>> {
        assert!(self.site != Site::OnMessage, "b cannot take a ping");
        self.pinged = true;
        Vec::new()
    }
    fn on_timer(&mut self, _cx: &mut Cx<'_>, _timer: &TimerId) -> Vec<Effect<Ping>> {
        assert!(self.site != Site::OnTimer, "a cannot tick");
        Vec::new()
    }
    fn state(&self) -> Value {
        let broken = self.me == "b"
            && ((self.site == Site::State && self.pinged) || self.site == Site::InitialState);
        if broken {
            return serde_json::to_value(&Broken).unwrap_or(Value::Null);
        }
        json!({ "pinged": self.pinged })
    }
}

fn bomb_run(site: Site) -> Trace {
    let builds_of_b = Arc::new(AtomicUsize::new(0));
    let sim = Simulator::rounds("bomb", vec!["a".into(), "b".into()], move |me| {
        if me == "b" {
            let builds = builds_of_b.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(
                !(site == Site::Factory || site == Site::RestartFactory && builds == 2),
                "no reactor for b (build {builds})"
            );
        }
        Bomb {
            me: me.clone(),
            site,
            pinged: false,
        }
    });
    let faults = if site == Site::RestartFactory {
        vec![
            Fault::Crash {
                node: "b".into(),
                at: 3,
            },
            Fault::Restart {
                node: "b".into(),
                at: 4,
            },
        ]
    } else {
        Vec::new()
    };
    sim.run(&RunConfig::new(0, 5).with_faults(faults))
        .expect("a panic is a bad run, not an error")
}

#[test]
fn a_panic_anywhere_in_the_suts_code_ends_the_run() {
    // (site, node, round, reason, kind of the triggering event)
    let cases = [
        (
            Site::Init,
            "b",
            1,
            "panicked in init: b cannot start",
            Some(EventKind::Start),
        ),
        (
            Site::OnMessage,
            "b",
            2,
            "panicked in on_message: b cannot take a ping",
            Some(EventKind::Deliver),
        ),
        (
            Site::OnTimer,
            "a",
            2,
            "panicked in on_timer: a cannot tick",
            Some(EventKind::TimerFire),
        ),
        (
            Site::State,
            "b",
            2,
            "panicked in state: state refuses to serialize",
            Some(EventKind::Deliver),
        ),
        (
            Site::MessageSerialize,
            "a",
            1,
            "panicked serializing a message: Ping refuses to serialize",
            Some(EventKind::Start),
        ),
        (
            Site::Factory,
            "b",
            1,
            "panicked in the reactor factory: no reactor for b (build 1)",
            None,
        ),
        (
            Site::InitialState,
            "b",
            1,
            "panicked in state: state refuses to serialize",
            None,
        ),
        (
            Site::RestartFactory,
            "b",
            4,
            "panicked in the reactor factory: no reactor for b (build 2)",
            Some(EventKind::Restart),
        ),
    ];
    for (site, node, lt, reason, trigger) in cases {
        let trace = bomb_run(site);
        let panic = handler_panic(&trace).unwrap_or_else(|| panic!("{site:?}: no panic"));
        assert_eq!(
            Some(panic),
            trace.events.last(),
            "{site:?}: the run ends there"
        );
        assert_eq!(panic.node.as_deref(), Some(node), "{site:?}");
        assert_eq!(panic.lt, lt, "{site:?}");
        assert_eq!(panic.reason.as_deref(), Some(reason), "{site:?}");
        assert_eq!(panic.fault, None, "{site:?}");
        let parent = panic
            .parents
            .first()
            .map(|&id| trace.events[id as usize].kind);
        assert_eq!(parent, trigger, "{site:?}");
        faultline_trace::validate(&trace, "bomb").unwrap_or_else(|err| panic!("{site:?}: {err}"));
    }
    // A panic at construction leaves b out of the initial states (it has none).
    let trace = bomb_run(Site::Factory);
    assert_eq!(trace.events.len(), 1);
    assert!(!trace.header.initial_state.contains_key("b"));
}
