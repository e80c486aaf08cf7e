//! The LDFI paper's delivery programs behave as Molly's do: the published counterexamples
//! violate the invariant, the correct programs survive the faults they are built for.

use faultline_harness::{FailureSpec, Fault, Ratio, RunConfig, node_rng, random_fault_set};
use faultline_trace::{EventKind, Trace};

fn omission(src: &str, dst: &str, at: u64) -> Fault {
    Fault::Omission {
        src: src.into(),
        dst: dst.into(),
        at,
    }
}

fn crash(node: &str, at: u64) -> Fault {
    Fault::Crash {
        node: node.into(),
        at,
    }
}

fn run(name: &str, faults: Vec<Fault>) -> (Trace, faultline_harness::InvariantReport) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let trace = sut
        .run(&sut.default_config(0).with_faults(faults))
        .expect("runs");
    let report = sut.check(&trace);
    (trace, report)
}

#[test]
fn failure_free_runs_hold_non_vacuously() {
    for name in [
        "simple-deliv",
        "retry-deliv",
        "redun-deliv",
        "ack-deliv",
        "classic-deliv",
        "async-ack-deliv",
    ] {
        let (trace, report) = run(name, Vec::new());
        assert!(report.holds, "{name}: {}", report.explanation);
        assert!(!report.vacuous, "{name}: {}", report.explanation);
        assert_eq!(
            report.goal.all_of.len(),
            3,
            "{name}: one log derive per node"
        );
        for &id in &report.goal.all_of {
            let event = trace.event(id).expect("goal ids are events");
            assert_eq!(event.kind, EventKind::Derive);
            assert_eq!(event.fact, Some(serde_json::json!(["log", "hello"])));
        }
        assert_eq!(report.explanation, "all 3 nodes have \"hello\"");
        faultline_trace::validate(&trace, name).expect("valid trace");
    }
}

#[test]
fn simple_deliv_loses_its_only_message() {
    let (_, report) = run("simple-deliv", vec![omission("a", "b", 1)]);
    assert!(!report.holds);
    assert!(report.goal.is_empty());
    assert_eq!(report.explanation, "c has \"hello\" but b does not");
}

#[test]
fn classic_deliv_breaks_under_three_omissions() {
    let faults = vec![
        omission("a", "b", 1),
        omission("c", "a", 2),
        omission("c", "b", 2),
    ];
    let (_, report) = run("classic-deliv", faults.clone());
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(report.explanation, "c has \"hello\" but b does not");
    // Any two of the three are not enough: redundancy in space.
    for skip in 0..3 {
        let fewer: Vec<Fault> = faults
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, f)| f.clone())
            .collect();
        let (_, report) = run("classic-deliv", fewer);
        assert!(report.holds, "without fault {skip}: {}", report.explanation);
    }
}

#[test]
fn retry_deliv_breaks_with_an_omission_and_a_crash() {
    let (_, report) = run("retry-deliv", vec![omission("a", "b", 1), crash("a", 2)]);
    assert!(!report.holds);
    assert_eq!(report.explanation, "c has \"hello\" but b does not");
    // Either fault alone is survived: a retries, or b already has it.
    assert!(run("retry-deliv", vec![omission("a", "b", 1)]).1.holds);
    assert!(run("retry-deliv", vec![crash("a", 2)]).1.holds);
}

/// Every omission (src ≠ dst, send time < eff) admissible under the SUT's default spec.
fn single_omissions(name: &str) -> Vec<Fault> {
    let sut = faultline_suts::get(name).unwrap();
    let nodes = sut.nodes().to_vec();
    let mut all = Vec::new();
    for at in 1..sut.default_spec().eff {
        for src in &nodes {
            for dst in nodes.iter().filter(|dst| *dst != src) {
                all.push(omission(src, dst, at));
            }
        }
    }
    all
}

#[test]
fn redun_deliv_survives_any_single_omission() {
    let omissions = single_omissions("redun-deliv");
    assert_eq!(omissions.len(), 6 * 9);
    for fault in omissions {
        let (_, report) = run("redun-deliv", vec![fault.clone()]);
        assert!(
            report.holds && !report.vacuous,
            "{fault}: {}",
            report.explanation
        );
    }
}

#[test]
fn ack_deliv_survives_losing_every_ack_only_send() {
    let (trace, _) = run("ack-deliv", Vec::new());
    // Channel-times whose every send is an ack: an omission there loses only acks.
    let mut acks_only: Vec<Fault> = Vec::new();
    for event in trace.events.iter().filter(|e| e.kind == EventKind::Send) {
        let (src, dst, at) = (
            event.src.clone().unwrap(),
            event.dst.clone().unwrap(),
            event.lt,
        );
        let same_channel = |e: &&faultline_trace::Event| {
            e.kind == EventKind::Send
                && e.src.as_ref() == Some(&src)
                && e.dst.as_ref() == Some(&dst)
                && e.lt == at
        };
        let only_acks = trace
            .events
            .iter()
            .filter(same_channel)
            .all(|e| e.msg_type.as_deref() == Some("ack"));
        let fault = omission(&src, &dst, at);
        if only_acks && !acks_only.contains(&fault) {
            acks_only.push(fault);
        }
    }
    assert!(
        acks_only.len() >= 2,
        "the failure-free run has ack-only sends: {acks_only:?}"
    );
    let (faulty, report) = run("ack-deliv", acks_only.clone());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    // Lost acks make the senders retry: more sends than the failure-free run.
    let sends = |t: &Trace| {
        t.events
            .iter()
            .filter(|e| e.kind == EventKind::Send)
            .count()
    };
    assert!(sends(&faulty) > sends(&trace));
    for fault in single_omissions("ack-deliv") {
        assert!(run("ack-deliv", vec![fault.clone()]).1.holds, "{fault}");
    }
}

/// Random fault sets under `spec` (omissions at send time < eff; crashes, if any, only of the
/// broadcaster): the programs Molly certifies stay correct.
fn survives_random_faults(name: &str, spec: FailureSpec, runs: u64) {
    let sut = faultline_suts::get(name).unwrap();
    let nodes = sut.nodes().to_vec();
    let mut rng = node_rng(2015, 0);
    let omissions_only = FailureSpec {
        max_crashes: 0,
        ..spec
    };
    for run in 0..runs {
        let mut faults = random_fault_set(&omissions_only, &nodes, Ratio::new(1, 4), &mut rng);
        if spec.max_crashes > 0 && run.is_multiple_of(2) {
            faults.push(crash("a", 1 + run % spec.eot));
        }
        let config = RunConfig {
            failure_spec: Some(spec),
            ..RunConfig::new(0, spec.eot).with_faults(faults.clone())
        };
        let trace = sut.run(&config).unwrap();
        let report = sut.check(&trace);
        assert!(
            report.holds,
            "{name} with {faults:?}: {}",
            report.explanation
        );
    }
}

#[test]
fn certified_programs_survive_random_admissible_faults() {
    survives_random_faults(
        "redun-deliv",
        faultline_suts::get("redun-deliv").unwrap().default_spec(),
        150,
    );
    survives_random_faults(
        "ack-deliv",
        faultline_suts::get("ack-deliv").unwrap().default_spec(),
        150,
    );
    // Molly's regression suite: retry-deliv is correct under omissions only (6/3/0).
    let spec = |eot, eff, max_crashes| FailureSpec {
        eot,
        eff,
        max_crashes,
        max_clogs: 0,
        ..FailureSpec::default()
    };
    survives_random_faults("retry-deliv", spec(6, 3, 0), 150);
    // classic-deliv survives a crash of the broadcaster before it sends or after it logged.
    for at in [1, 3, 4, 5, 6] {
        let (_, report) = run_at("classic-deliv", 6, vec![crash("a", at)]);
        assert!(report.holds, "crash a@{at}: {}", report.explanation);
    }
}

fn run_at(name: &str, eot: u64, faults: Vec<Fault>) -> (Trace, faultline_harness::InvariantReport) {
    let sut = faultline_suts::get(name).unwrap();
    let trace = sut
        .run(&RunConfig::new(0, eot).with_faults(faults))
        .unwrap();
    let report = sut.check(&trace);
    (trace, report)
}

/// Fail-stop crashes (the harness's semantics): a node crashed before the payload reaches it
/// never gets it and counts as missing, so even redun-deliv breaks. (In Molly's code a crashed
/// node keeps receiving and only stops sending.)
#[test]
fn a_crashed_receiver_is_exempt_from_agreement() {
    // Reliable broadcast's agreement speaks of correct nodes: c, crashed before it got the
    // payload, is not "missing" it, so redun-deliv and classic-deliv survive receiver crashes.
    let (_, report) = run("redun-deliv", vec![crash("c", 2)]);
    assert!(report.holds, "{}", report.explanation);
    assert!(!report.vacuous);
    let (trace, report) = run_at("classic-deliv", 6, vec![crash("c", 3)]);
    assert!(report.holds, "{}", report.explanation);
    // The goal names only the nodes that stayed up.
    let goal_nodes: Vec<&str> = report
        .goal
        .all_of
        .iter()
        .map(|&id| trace.events[id as usize].node.as_deref().unwrap_or("?"))
        .collect();
    assert_eq!(goal_nodes, ["a", "b"]);
    assert_eq!(
        report.goal.scope,
        faultline_trace::GoalScope::CrashedNodesExempt
    );
}

#[test]
fn a_crashed_receiver_drops_what_arrives() {
    let (trace, report) = run("simple-deliv", vec![crash("b", 2)]);
    assert!(report.holds, "{}", report.explanation);
    let drop = trace
        .events
        .iter()
        .find(|e| e.kind == EventKind::Drop)
        .expect("a drop");
    assert_eq!(drop.cause, Some(crash("b", 2)));
    assert_eq!(drop.lt, 2);
    // ... and a crashed broadcaster's peers still must agree among themselves.
    let (_, report) = run("retry-deliv", vec![omission("a", "b", 1), crash("a", 2)]);
    assert!(!report.holds);
    assert_eq!(report.explanation, "c has \"hello\" but b does not");
}

#[test]
fn nothing_delivered_is_vacuously_good() {
    let (_, report) = run(
        "simple-deliv",
        vec![omission("a", "b", 1), omission("a", "c", 1)],
    );
    assert!(report.holds);
    assert!(report.vacuous);
    assert!(report.goal.is_empty(), "post does not hold, so no goal");
}
