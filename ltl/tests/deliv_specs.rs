//! The delivery specs in `specs/` against the harness's built-in invariant (`System::check`), on
//! failure-free runs, the paper's counterexample runs and many seeded random fault sets.

use std::path::PathBuf;

use faultline_harness::{Fault, RunConfig, System};
use faultline_ltl::{Evaluation, Proof, Spec, TraceModel, Viol, check_proof, parse_spec};

const SUTS: [&str; 5] = [
    "simple-deliv",
    "retry-deliv",
    "redun-deliv",
    "ack-deliv",
    "classic-deliv",
];

fn spec_for(name: &str) -> Spec {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(format!("{name}.ltl"));
    let source = std::fs::read_to_string(&path).expect("spec file exists");
    parse_spec(&source, &path.display().to_string()).unwrap_or_else(|err| panic!("{err}"))
}

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

/// Runs `faults` and returns (built-in verdict, spec verdict), checking the spec's proof.
fn both_verdicts(sut: &System, spec: &Spec, faults: Vec<Fault>) -> (bool, bool, Option<usize>) {
    let config = RunConfig::new(7, sut.default_spec().eot).with_faults(faults.clone());
    let trace = sut
        .run(&config)
        .unwrap_or_else(|err| panic!("{} {faults:?}: {err}", sut.name()));
    let builtin = sut.check(&trace).holds;
    let model = TraceModel::new(&trace).expect("states fold");
    let property = &spec.properties[0];
    let evaluation = Evaluation::new(&property.formula, &model, &property.name).expect("evaluates");
    let proof = evaluation.proof(0);
    check_proof(&proof, &property.formula, 0, &model, &|r| {
        evaluation.expand(r)
    })
    .unwrap_or_else(|err| panic!("{} {faults:?}: {err}", sut.name()));
    let failing_event = match &proof {
        Proof::Fails(Viol::Always { failing, .. }) => Some(*failing),
        _ => None,
    };
    (builtin, evaluation.holds(0), failing_event)
}

#[test]
fn specs_hold_on_failure_free_runs() {
    for name in SUTS {
        let sut = faultline_suts::get(name).expect("registered SUT");
        let spec = spec_for(name);
        let (builtin, spec_holds, _) = both_verdicts(sut, &spec, Vec::new());
        assert!(
            builtin,
            "{name}: built-in invariant on the failure-free run"
        );
        assert!(spec_holds, "{name}: spec on the failure-free run");
    }
}

#[test]
fn simple_deliv_counterexample_fails_with_a_proof_naming_the_last_event() {
    let sut = faultline_suts::get("simple-deliv").expect("registered");
    let spec = spec_for("simple-deliv");
    let (builtin, spec_holds, failing) = both_verdicts(sut, &spec, vec![omission("a", "b", 1)]);
    assert!(!builtin);
    assert!(!spec_holds);
    let trace = sut
        .run(&RunConfig::new(7, sut.default_spec().eot).with_faults(vec![omission("a", "b", 1)]))
        .expect("runs");
    assert_eq!(
        failing,
        Some(trace.events.len() - 1),
        "fails at the end of the run"
    );
}

#[test]
fn paper_counterexamples_agree() {
    let cases: [(&str, Vec<Fault>); 4] = [
        ("simple-deliv", vec![omission("a", "c", 1)]),
        ("retry-deliv", vec![crash("a", 2), omission("a", "b", 1)]),
        ("classic-deliv", vec![omission("a", "b", 1)]),
        (
            "classic-deliv",
            vec![omission("a", "b", 1), omission("a", "c", 1)],
        ),
    ];
    for (name, faults) in cases {
        let sut = faultline_suts::get(name).expect("registered");
        let (builtin, spec_holds, _) = both_verdicts(sut, &spec_for(name), faults.clone());
        assert_eq!(builtin, spec_holds, "{name} {faults:?}");
    }
}

/// A tiny deterministic generator (splitmix64), so the fault sets are the same on every run.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn specs_agree_with_the_builtin_invariant_on_random_fault_sets() {
    let nodes = ["a", "b", "c"];
    let mut state = 2024;
    for name in SUTS {
        let sut = faultline_suts::get(name).expect("registered");
        let spec = spec_for(name);
        let eot = sut.default_spec().eot;
        let (mut good, mut bad) = (0, 0);
        for _ in 0..60 {
            let count = next(&mut state) % 4;
            let faults: Vec<Fault> = (0..count)
                .map(|_| {
                    let at = 1 + next(&mut state) % eot.saturating_sub(1).max(1);
                    let src = nodes[(next(&mut state) % 3) as usize];
                    let dst = nodes[(next(&mut state) % 3) as usize];
                    if next(&mut state).is_multiple_of(4) {
                        crash(src, at)
                    } else if src == dst {
                        omission(
                            src,
                            nodes[(nodes.iter().position(|n| *n == src).unwrap_or(0) + 1) % 3],
                            at,
                        )
                    } else {
                        omission(src, dst, at)
                    }
                })
                .collect();
            let mut unique = faults.clone();
            unique.sort();
            unique.dedup();
            let (builtin, spec_holds, _) = both_verdicts(sut, &spec, unique.clone());
            assert_eq!(builtin, spec_holds, "{name} {unique:?}");
            if builtin { good += 1 } else { bad += 1 }
        }
        assert!(good > 0, "{name}: some random runs are good");
        if name == "simple-deliv" || name == "retry-deliv" {
            assert!(bad > 0, "{name}: some random runs find the bug");
        }
    }
}

#[test]
fn goal_events_are_where_each_node_logged_the_payload() {
    for name in SUTS {
        let sut = faultline_suts::get(name).expect("registered");
        let trace = sut
            .run(&RunConfig::new(7, sut.default_spec().eot))
            .expect("runs");
        let model = TraceModel::new(&trace).expect("states fold");
        let property = &spec_for(name).properties[0];
        let evaluation =
            Evaluation::new(&property.formula, &model, &property.name).expect("evaluates");
        let goal = evaluation.goal_events();
        let builtin = sut.check(&trace).goal;
        // One event per node, each the event after which that node's log holds "hello".
        assert_eq!(goal.len(), 3, "{name}: {goal:?} (built-in: {builtin:?})");
        for event in &goal {
            let event = &trace.events[*event as usize];
            let node = event.actor().expect("a node event");
            let state = faultline_trace::StateView::new(&trace).expect("folds");
            let index = state.node_index(node).expect("known node");
            let before = state.before(event.id as usize, index);
            let after = state.after(event.id as usize, index);
            assert!(
                !before["log"]
                    .as_array()
                    .is_some_and(|log| log.iter().any(|x| x == "hello"))
            );
            assert!(
                after["log"]
                    .as_array()
                    .is_some_and(|log| log.iter().any(|x| x == "hello"))
            );
        }
        eprintln!("{name}: goal {goal:?} built-in {builtin:?}");
    }
}
