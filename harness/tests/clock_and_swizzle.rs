//! The clock fault (`skew`) and the swizzle-clog in the simulator: what a skewed node's clock
//! reads, that a swizzle is exactly its members' clogs, and that both are refused where they
//! make no sense.

use faultline_harness::{
    Cx, Effect, FailureSpec, HarnessError, InvariantReport, NetworkConfig, NodeId, Reactor,
    RunConfig, System, TimerId,
};
use faultline_trace::{EventKind, Fault, Goal, GoalScope, Trace, parse_faults};
use serde_json::{Value, json};

const PERIOD_NS: u64 = 1_000_000;

/// Reads its clock every millisecond, keeps what it read and tells `sink`.
#[derive(Clone, Default)]
struct Ticker {
    read: Vec<u64>,
}

impl Reactor for Ticker {
    type Msg = u64;
    fn init(&mut self, _: &mut Cx<'_>, _: Option<&Value>) -> Vec<Effect<u64>> {
        vec![Effect::set_timer("tick", PERIOD_NS)]
    }
    fn on_timer(&mut self, cx: &mut Cx<'_>, _: &TimerId) -> Vec<Effect<u64>> {
        self.read.push(cx.now);
        vec![
            Effect::send("sink", cx.now),
            Effect::set_timer("tick", PERIOD_NS),
        ]
    }
    fn state(&self) -> Value {
        json!({ "read": self.read })
    }
}

#[derive(Clone, Default)]
struct Sink {
    got: Vec<u64>,
}

impl Reactor for Sink {
    type Msg = u64;
    fn init(&mut self, _: &mut Cx<'_>, _: Option<&Value>) -> Vec<Effect<u64>> {
        Vec::new()
    }
    fn on_message(&mut self, _: &mut Cx<'_>, _: &NodeId, msg: u64) -> Vec<Effect<u64>> {
        self.got.push(msg);
        Vec::new()
    }
    fn state(&self) -> Value {
        json!({ "got": self.got })
    }
}

fn always(_: &Trace) -> InvariantReport {
    InvariantReport::holds(Goal::all_of(Vec::new(), GoalScope::FaultIndependent))
}

fn system(asynchronous: bool) -> System {
    let builder = System::new("ticker")
        .node("ticker", Ticker::default())
        .node("sink", Sink::default())
        .failure_spec(FailureSpec::new(12, 12, 1))
        .invariant(always);
    let builder = if asynchronous {
        builder.asynchronous(NetworkConfig::default())
    } else {
        builder.rounds()
    };
    builder.build().expect("well formed")
}

fn run(system: &System, faults: &str) -> Result<Trace, HarnessError> {
    let config = RunConfig {
        faults: parse_faults(faults).expect("valid JSON"),
        ..RunConfig::new(7, 12)
    };
    system.run(&config)
}

/// (step, true simulated time, clock read) of every timer fire of the ticker.
fn reads(trace: &Trace) -> Vec<(u64, u64, u64)> {
    let mut out = Vec::new();
    for event in &trace.events {
        if event.kind == EventKind::TimerFire {
            let read = event
                .state_patch
                .as_ref()
                .and_then(|patch| patch["read"].as_array().cloned())
                .and_then(|read| read.last().and_then(Value::as_u64))
                .expect("each fire reads the clock");
            out.push((event.lt, event.sim_ns, read));
        }
    }
    out
}

#[test]
fn a_skewed_clock_reads_the_offset_from_its_time_on_and_nothing_else_changes() {
    let sut = system(true);
    let clean = run(&sut, "[]").unwrap();
    let ahead = run(
        &sut,
        r#"[{"kind":"skew","node":"ticker","by_ns":300000,"at":5}]"#,
    )
    .unwrap();
    let clean_reads = reads(&clean);
    let ahead_reads = reads(&ahead);
    assert!(clean_reads.len() >= 4, "{clean_reads:?}");
    assert!(clean_reads.iter().all(|&(_, sim, read)| sim == read));
    // Same schedule (timers keep simulated time), and the clock reads +0.3 ms from step 5.
    assert_eq!(clean_reads.len(), ahead_reads.len());
    for (&(lt, sim, _), &(lt2, sim2, read)) in clean_reads.iter().zip(&ahead_reads) {
        assert_eq!((lt, sim), (lt2, sim2));
        assert_eq!(
            read,
            if lt >= 5 { sim + 300_000 } else { sim },
            "at step {lt}"
        );
    }
    // Behind by more than the time itself: the clock reads 0, never wraps.
    let behind = run(
        &sut,
        r#"[{"kind":"skew","node":"ticker","by_ns":-900000000,"at":1}]"#,
    )
    .unwrap();
    assert!(reads(&behind).iter().all(|&(_, _, read)| read == 0));
    // The same faults give the same bytes.
    let again = run(
        &sut,
        r#"[{"kind":"skew","node":"ticker","by_ns":300000,"at":5}]"#,
    )
    .unwrap();
    assert_eq!(ahead.to_jsonl(), again.to_jsonl());
}

#[test]
fn a_skew_needs_the_async_time_model() {
    let err = run(
        &system(false),
        r#"[{"kind":"skew","node":"ticker","by_ns":5,"at":1}]"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("a clock skew needs the async time model"),
        "{err}"
    );
}

#[test]
fn a_swizzle_is_exactly_its_members_clogs() {
    let sut = system(true);
    let swizzle = run(
        &sut,
        r#"[{"kind":"swizzle","nodes":["sink","ticker"],"clog_at":[3,2],"unclog_at":[9,7]}]"#,
    )
    .unwrap();
    let clogs = run(
        &sut,
        r#"[{"kind":"clog","node":"sink","from":3,"to":9},{"kind":"clog","node":"ticker","from":2,"to":7}]"#,
    )
    .unwrap();
    let shape = |trace: &Trace| -> Vec<(EventKind, u64, Option<String>, Option<u64>)> {
        trace
            .events
            .iter()
            .map(|e| (e.kind, e.lt, e.actor().cloned(), e.msg_id))
            .collect()
    };
    assert_eq!(shape(&swizzle), shape(&clogs));
    let clog_events: Vec<&Fault> = swizzle
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ClogStart | EventKind::ClogEnd))
        .filter_map(|e| e.fault.as_ref())
        .collect();
    assert_eq!(clog_events.len(), 4);
    assert!(
        clog_events
            .iter()
            .all(|f| matches!(f, Fault::Swizzle { .. }))
    );
    assert!(
        shape(&swizzle) != shape(&run(&sut, "[]").unwrap()),
        "the swizzle held some delivery"
    );
}

#[test]
fn swizzles_without_the_shape_are_refused() {
    let sut = system(true);
    for (faults, needle) in [
        (
            r#"[{"kind":"swizzle","nodes":["sink","ticker"],"clog_at":[2,7],"unclog_at":[6,9]}]"#,
            "every clog before every unclog",
        ),
        (
            r#"[{"kind":"swizzle","nodes":["sink","sink"],"clog_at":[2,3],"unclog_at":[6,9]}]"#,
            "distinct nodes",
        ),
        (
            r#"[{"kind":"swizzle","nodes":["sink"],"clog_at":[2,3],"unclog_at":[6]}]"#,
            "one clog_at and one unclog_at per node",
        ),
        (
            r#"[{"kind":"swizzle","nodes":[],"clog_at":[],"unclog_at":[]}]"#,
            "a swizzle needs",
        ),
    ] {
        let err = run(&sut, faults).unwrap_err().to_string();
        assert!(err.contains(needle), "{faults}: {err}");
    }
    let late = run(
        &sut,
        r#"[{"kind":"swizzle","nodes":["sink"],"clog_at":[2],"unclog_at":[13]}]"#,
    )
    .unwrap_err();
    assert!(
        matches!(
            late,
            HarnessError::WindowOutsideRun {
                to: 13,
                eot: 12,
                ..
            }
        ),
        "{late}"
    );
}
