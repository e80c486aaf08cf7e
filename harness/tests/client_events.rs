//! `Effect::Client`: a reactor records client-history events (`invoke`, `ok`, `fail`,
//! `info`), so a run is also a history; a malformed history is the SUT's bug.

use faultline_harness::{
    ClientEvent, Cx, Effect, HarnessError, NodeId, Reactor, RunConfig, Simulator,
};
use faultline_trace::{EventKind, client_history};
use serde_json::{Value, json};

/// A client that invokes `ops` one after the other, one per round, completing each the next
/// round with the given kind (`None`: leave it open).
struct Client {
    script: Vec<(ClientEvent, &'static str)>,
}

impl Reactor for Client {
    type Msg = ();

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<()>> {
        vec![Effect::set_timer("step", 1)]
    }

    fn on_timer(&mut self, cx: &mut Cx<'_>, _timer: &String) -> Vec<Effect<()>> {
        let index = (cx.lt - 2) as usize;
        let Some(&(kind, f)) = self.script.get(index) else {
            return Vec::new();
        };
        vec![
            Effect::client(kind, 7, f, json!([["append", "x", index]])),
            Effect::set_timer("step", 1),
        ]
    }

    fn state(&self) -> Value {
        json!({})
    }
}

fn run(script: Vec<(ClientEvent, &'static str)>) -> Result<faultline_trace::Trace, HarnessError> {
    let nodes: Vec<NodeId> = vec!["n".into()];
    let sim = Simulator::rounds("client", nodes, move |_| Client {
        script: script.clone(),
    });
    sim.run(&RunConfig::new(0, 8))
}

#[test]
fn client_effects_become_history_events() {
    let trace = run(vec![
        (ClientEvent::Invoke, "txn"),
        (ClientEvent::Ok, "txn"),
        (ClientEvent::Invoke, "txn"),
        (ClientEvent::Info, "txn"),
        (ClientEvent::Invoke, "read"),
        (ClientEvent::Fail, "read"),
        (ClientEvent::Invoke, "txn"),
    ])
    .expect("a well-formed history");
    faultline_trace::validate(&trace, "client").expect("valid trace");
    let history = client_history(&trace);
    let kinds: Vec<(EventKind, &str, u64)> = history
        .iter()
        .map(|op| (op.kind, op.f.as_str(), op.lt))
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Invoke, "txn", 2),
            (EventKind::Ok, "txn", 3),
            (EventKind::Invoke, "txn", 4),
            (EventKind::Info, "txn", 5),
            (EventKind::Invoke, "read", 6),
            (EventKind::Fail, "read", 7),
            (EventKind::Invoke, "txn", 8),
        ]
    );
    for op in &history {
        assert_eq!(op.process, 7);
        let event = trace.event(op.event).expect("an event");
        // Recorded at the node whose handler produced it, triggered by that handler's input.
        assert_eq!(event.node.as_deref(), Some("n"));
        assert_eq!(event.parents.len(), 1);
        let trigger = trace.event(event.parents[0]).expect("the trigger");
        assert_eq!(trigger.kind, EventKind::TimerFire);
    }
    assert_eq!(history[1].value, json!([["append", "x", 1]]));
}

#[test]
fn a_malformed_history_is_the_suts_bug() {
    let cases: [(Vec<(ClientEvent, &'static str)>, &str); 3] = [
        (
            vec![(ClientEvent::Invoke, "txn"), (ClientEvent::Invoke, "txn")],
            "invoke \"txn\" while operation \"txn\" is in flight",
        ),
        (
            vec![(ClientEvent::Ok, "txn")],
            "ok \"txn\" with no operation in flight",
        ),
        (
            vec![(ClientEvent::Invoke, "txn"), (ClientEvent::Fail, "read")],
            "fail \"read\" completes operation \"txn\"",
        ),
    ];
    for (script, message) in cases {
        let err = run(script).expect_err("a malformed history");
        assert!(
            matches!(&err, HarnessError::ClientHistory { process: 7, .. }),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!("SUT `client`: node `n`: client process 7: {message}")
        );
    }
}

/// Invokes on start and never completes: after a crash and a restart it invokes again.
struct Forgetful;

impl Reactor for Forgetful {
    type Msg = ();

    fn init(&mut self, _cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<()>> {
        vec![Effect::client(
            ClientEvent::Invoke,
            3,
            "txn",
            json!([["append", "x", 1]]),
        )]
    }

    fn state(&self) -> Value {
        json!({})
    }
}

#[test]
fn a_restarted_client_loses_its_operation_in_flight() {
    let nodes: Vec<NodeId> = vec!["n".into()];
    let sim = Simulator::rounds("forgetful", nodes, |_| Forgetful);
    let faults = faultline_trace::parse_faults(
        r#"[{"kind":"crash","node":"n","at":2},{"kind":"restart","node":"n","at":4}]"#,
    )
    .expect("faults");
    let trace = sim
        .run(&RunConfig::new(0, 6).with_faults(faults))
        .expect("a restarted client may start over");
    faultline_trace::validate(&trace, "forgetful").expect("valid trace");
    let kinds: Vec<(EventKind, u64)> = trace
        .events
        .iter()
        .filter(|e| e.process.is_some())
        .map(|e| (e.kind, e.lt))
        .collect();
    // The first invoke's outcome is unknown (info, recorded when the restarted node invokes
    // again), then the new invoke.
    assert_eq!(
        kinds,
        vec![
            (EventKind::Invoke, 1),
            (EventKind::Info, 4),
            (EventKind::Invoke, 4)
        ]
    );
    let info = trace
        .events
        .iter()
        .find(|e| e.kind == EventKind::Info)
        .expect("an info");
    assert_eq!(info.value, Some(json!([["append", "x", 1]])));
    // Without a restart, a second invoke while one is open is still the SUT's bug.
    let twice = Simulator::rounds("twice", vec!["n".into()], |_| Client {
        script: vec![(ClientEvent::Invoke, "txn"), (ClientEvent::Invoke, "txn")],
    })
    .run(&RunConfig::new(0, 8));
    assert!(matches!(twice, Err(HarnessError::ClientHistory { .. })));
}
