//! `System::new(..)...build()`: what a description must contain, and that nodes of different
//! reactor types run side by side.

use faultline_harness::{
    Cx, Effect, FailureSpec, HarnessError, InvariantReport, NodeId, Reactor, RunConfig, System,
};
use faultline_trace::{EventKind, Goal, GoalScope};
use serde_json::{Value, json};

#[derive(Clone)]
struct Pinger;

impl Reactor for Pinger {
    type Msg = String;
    fn init(&mut self, _: &mut Cx<'_>, _: Option<&Value>) -> Vec<Effect<String>> {
        vec![Effect::send("echo", "ping".to_string())]
    }
    fn state(&self) -> Value {
        json!({})
    }
}

#[derive(Clone, Default)]
struct Echo {
    heard: u32,
}

impl Reactor for Echo {
    type Msg = String;
    fn init(&mut self, _: &mut Cx<'_>, _: Option<&Value>) -> Vec<Effect<String>> {
        Vec::new()
    }
    fn on_message(&mut self, _: &mut Cx<'_>, _: &NodeId, msg: String) -> Vec<Effect<String>> {
        self.heard += 1;
        vec![Effect::derive(json!(["heard", msg]))]
    }
    fn state(&self) -> Value {
        json!({ "heard": self.heard })
    }
}

fn heard(trace: &faultline_trace::Trace) -> InvariantReport {
    let derive = trace
        .events
        .iter()
        .find(|event| event.kind == EventKind::Derive)
        .map(|event| event.id);
    match derive {
        Some(id) => InvariantReport::holds(Goal::all_of(vec![id], GoalScope::FaultIndependent)),
        None => InvariantReport::violated("echo heard nothing"),
    }
}

fn ping_echo() -> faultline_harness::SystemBuilder<String> {
    System::new("ping-echo")
        .node("ping", Pinger)
        .node("echo", Echo::default())
        .failure_spec(FailureSpec::new(3, 2, 1))
        .invariant(heard)
}

#[test]
fn nodes_of_different_reactor_types_run_together_and_are_checked() {
    let system = ping_echo()
        .description("ping and echo")
        .build()
        .expect("well formed");
    assert_eq!(system.name(), "ping-echo");
    assert_eq!(system.description(), "ping and echo");
    assert_eq!(system.nodes(), ["ping", "echo"]);
    let trace = system.run(&system.default_config(0)).expect("runs");
    assert_eq!(trace.header.sut, "ping-echo");
    assert_eq!(trace.header.failure_spec, Some(FailureSpec::new(3, 2, 1)));
    assert!(system.check(&trace).holds);
    assert_eq!(
        trace.header.verdict,
        Some(faultline_trace::RunVerdict::Good)
    );
    let lost = system
        .replay(
            0,
            r#"[{"kind":"omission","src":"ping","dst":"echo","at":1}]"#,
        )
        .expect("replays");
    let report = system.check(&lost);
    assert!(!report.holds);
    assert_eq!(report.explanation, "echo heard nothing");
    // Same system, seed and faults: the same trace, byte for byte.
    let again = system.run(&system.default_config(0)).expect("runs");
    assert_eq!(trace.to_jsonl(), again.to_jsonl());
}

#[test]
fn a_fresh_reactor_per_run_nothing_leaks_between_runs() {
    let system = ping_echo().build().expect("well formed");
    for _ in 0..3 {
        let trace = system.run(&RunConfig::new(0, 3)).expect("runs");
        let end = faultline_harness::end_state::final_states(&trace);
        assert_eq!(end["echo"], json!({ "heard": 1 }));
    }
}

fn problem(result: Result<System, HarnessError>) -> String {
    match result {
        Ok(system) => panic!("{system:?} should not build"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn an_incomplete_description_is_an_error_saying_what_is_missing() {
    let no_nodes = System::new("empty")
        .failure_spec(FailureSpec::new(3, 2, 0))
        .invariant(heard);
    let no_nodes: faultline_harness::SystemBuilder<String> = no_nodes;
    assert_eq!(
        problem(no_nodes.build()),
        "system \"empty\": no nodes: add .node(\"a\", reactor)"
    );
    assert_eq!(
        problem(ping_echo().node("echo", Echo::default()).build()),
        "system \"ping-echo\": node \"echo\" is added twice"
    );
    let no_invariant = System::new("x")
        .node("ping", Pinger)
        .failure_spec(FailureSpec::new(3, 2, 0));
    assert!(problem(no_invariant.build()).contains("no invariant"));
    let no_spec = System::new("x").node("ping", Pinger).invariant(heard);
    assert!(problem(no_spec.build()).contains("no failure spec"));
    assert_eq!(
        problem(ping_echo().failure_spec(FailureSpec::new(3, 4, 0)).build()),
        "system \"ping-echo\": the failure spec's EFF (4) exceeds its EOT (3)"
    );
    assert_eq!(
        problem(ping_echo().failure_spec(FailureSpec::new(3, 2, 3)).build()),
        "system \"ping-echo\": the failure spec allows 3 crashes but there are 2 nodes (a node crashes once)"
    );
    assert!(
        problem(ping_echo().failure_spec(FailureSpec::new(0, 0, 0)).build()).contains("EOT is 0")
    );
    assert!(problem(ping_echo().node("", Pinger).build()).contains("a node's name is empty"));
}

#[test]
fn a_bad_fault_set_in_replay_names_the_problem() {
    let system = ping_echo().build().expect("well formed");
    let err = system
        .replay(0, r#"[{"kind":"crash","node":"nobody","at":1}]"#)
        .expect_err("unknown node");
    assert!(err.to_string().contains("unknown node `nobody`"), "{err}");
    let err = system.replay(0, "[{").expect_err("bad JSON");
    assert!(err.to_string().contains("the fault set"), "{err}");
}
