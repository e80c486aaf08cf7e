//! paxos-synod (Molly paxos_synod.ded): the failure-free run agrees on "foobar"; the program as
//! written is not safe under omissions (its acceptors accept every accept: no phase-2 ballot
//! check), which the paper's Figure 13 missed. Pinned: the failure-free run, the two-omission
//! counterexample and why it is bad, determinism, and enumerations of whole fault spaces.

use std::collections::BTreeSet;

use faultline_harness::{FailureSpec, Fault, InvariantReport, RunConfig};
use faultline_trace::{EventKind, GoalScope, Trace};
use serde_json::json;

const NAME: &str = "paxos-synod";

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

fn run_at(eot: u64, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    let sut = faultline_suts::get(NAME).expect("built-in SUT");
    let trace = sut
        .run(&RunConfig::new(0, eot).with_faults(faults))
        .expect("runs");
    faultline_trace::validate(&trace, NAME).expect("valid trace");
    let report = sut.check(&trace);
    (trace, report)
}

/// The counterexample: b's messages of round 3 to a and c (its accept of ballot 5 and its
/// re-prepare, ballot 8) are lost.
fn lost_round_3() -> Vec<Fault> {
    vec![omission("b", "a", 3), omission("b", "c", 3)]
}

#[test]
fn registry_entry() {
    let sut = faultline_suts::get(NAME).expect("built-in SUT");
    assert_eq!(sut.nodes(), ["a", "b", "c"]);
    assert_eq!(
        sut.default_spec(),
        FailureSpec {
            eot: 7,
            eff: 6,
            max_crashes: 1,
            max_clogs: 0,
            ..FailureSpec::default()
        }
    );
}

#[test]
fn failure_free_run_agrees_on_foobar() {
    let (trace, report) = run_at(7, Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "acceptors that never crashed agree: \"foobar\" at a, b and c (agreement is not \
         monotone: no goal)"
    );
    // No goal: nothing in a good run shows that other fault sets are good.
    assert!(report.goal.is_empty());
    assert_eq!(report.goal.scope, GoalScope::ExactCrashes);
    // Ballot 4 (a) and 5 (b) arrive together in round 2: 4 is dominated everywhere, every
    // acceptor answers 5, and b's accept of (5, "foobar") reaches everyone in round 4.
    let accepted: BTreeSet<(String, u64)> = trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Derive)
        .filter(|e| e.fact == Some(json!(["accepted", 5, "foobar"])))
        .map(|e| (e.node.clone().expect("node"), e.lt))
        .filter(|(_, lt)| *lt == 4)
        .collect();
    assert_eq!(accepted.len(), 3, "{accepted:?}");
    let peter = trace.events.iter().any(|e| {
        e.kind == EventKind::Send && e.msg_type.as_deref() == Some("accept") && {
            e.payload.as_ref().and_then(|p| p.get("value")) == Some(&json!("peter"))
        }
    });
    assert!(!peter, "a never gets a majority for \"peter\"");
    for event in &trace.events {
        if matches!(event.kind, EventKind::Send | EventKind::Derive) {
            assert!(!event.parents.is_empty(), "#{} has parents", event.id);
        }
    }
}

#[test]
fn losing_bs_round_3_lets_a_second_value_be_accepted() {
    for eot in [6, 7] {
        let (trace, report) = run_at(eot, lost_round_3());
        assert!(!report.holds, "{}", report.explanation);
        assert_eq!(
            report.explanation,
            "acceptors that never crashed accepted different values: \"foobar\" at a, b and c \
             and \"peter\" at a, b and c"
        );
        // a's ballot 7 (round 3) reaches a and c, which have accepted nothing (b's accept of
        // ballot 5 to them was lost) and see no higher ballot (b's 8 was lost too): both
        // answer "anything", and a sends accept(7, "peter") in round 5.
        let accept = trace
            .events
            .iter()
            .find(|e| {
                e.kind == EventKind::Send
                    && e.msg_type.as_deref() == Some("accept")
                    && e.payload == Some(json!({"ballot": 7, "value": "peter"}))
            })
            .expect("a accepts its own value");
        assert_eq!((accept.lt, accept.src.as_deref()), (5, Some("a")));
    }
    // At EOT 5 the accept of "peter" is still in flight.
    let (_, report) = run_at(5, lost_round_3());
    assert!(report.holds, "{}", report.explanation);
    // A crash of a or b in round 3 stops its accept: only one value is ever proposed.
    for node in ["a", "b"] {
        let mut faults = lost_round_3();
        faults.push(crash(node, 3));
        let (_, report) = run_at(7, faults);
        assert!(report.holds, "crash {node}@3: {}", report.explanation);
    }
}

#[test]
fn runs_are_deterministic() {
    let sut = faultline_suts::get(NAME).unwrap();
    for faults in [Vec::new(), lost_round_3(), vec![crash("b", 2)]] {
        let config = sut.default_config(3).with_faults(faults);
        let first = sut.run(&config).unwrap().to_jsonl();
        let second = sut.run(&config).unwrap().to_jsonl();
        assert_eq!(first, second);
    }
}

/// Every fault set of `spec` (omissions on every channel before EFF, at most `max_crashes`
/// crashes): the number of runs and the subset-minimal bad sets.
fn enumerate(spec: FailureSpec) -> (u64, Vec<Vec<Fault>>) {
    let nodes = ["a", "b", "c"];
    let mut slots = Vec::new();
    for at in 1..spec.eff {
        for src in nodes {
            for dst in nodes.iter().filter(|dst| **dst != src) {
                slots.push(omission(src, dst, at));
            }
        }
    }
    let mut crash_sets: Vec<Vec<Fault>> = vec![Vec::new()];
    if spec.max_crashes > 0 {
        for node in nodes {
            for at in 1..=spec.eot {
                crash_sets.push(vec![crash(node, at)]);
            }
        }
    }
    let sut = faultline_suts::get(NAME).unwrap();
    let mut runs = 0;
    let mut bad: Vec<Vec<Fault>> = Vec::new();
    for crashes in &crash_sets {
        for mask in 0u64..(1 << slots.len()) {
            let mut faults = crashes.clone();
            faults.extend(
                slots
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| mask & (1 << bit) != 0)
                    .map(|(_, fault)| fault.clone()),
            );
            faults.sort();
            let config = RunConfig {
                failure_spec: Some(spec),
                ..RunConfig::new(0, spec.eot).with_faults(faults.clone())
            };
            let trace = sut.run(&config).unwrap();
            runs += 1;
            if !sut.check(&trace).holds {
                bad.push(faults);
            }
        }
    }
    bad.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    let mut minimal: Vec<Vec<Fault>> = Vec::new();
    for set in bad {
        if !minimal
            .iter()
            .any(|small| small.iter().all(|f| set.contains(f)))
        {
            minimal.push(set);
        }
    }
    (runs, minimal)
}

#[test]
fn no_counterexample_without_losses_after_round_2() {
    // Omissions in rounds 1 and 2 only: the accept of round 3 reaches every acceptor.
    let (runs, minimal) = enumerate(FailureSpec {
        eot: 7,
        eff: 3,
        max_crashes: 0,
        max_clogs: 0,
        ..FailureSpec::default()
    });
    assert_eq!(runs, 4_096);
    assert!(minimal.is_empty(), "{minimal:?}");
}

#[test]
#[ignore = "about 360k runs: cargo test --release -p faultline-suts --test paxos -- --ignored"]
fn whole_spaces() {
    // Molly's own configuration for its table of correct programs: 8/3/1. No counterexample.
    let (runs, minimal) = enumerate(FailureSpec {
        eot: 8,
        eff: 3,
        max_crashes: 1,
        max_clogs: 0,
        ..FailureSpec::default()
    });
    assert_eq!(runs, 102_400);
    assert!(minimal.is_empty(), "{minimal:?}");
    // 6/4/0: two minimal counterexamples. The second lets a's ballot 4 win in round 2 (b's
    // prepares to a and c lost), then hides a's accept of (4, "peter") from b and c, and b's
    // round 3 from a, so that b's ballot 8 wins with "foobar" on b and c alone.
    let (runs, minimal) = enumerate(FailureSpec {
        eot: 6,
        eff: 4,
        max_crashes: 0,
        max_clogs: 0,
        ..FailureSpec::default()
    });
    assert_eq!(runs, 262_144);
    let mut second = vec![
        omission("a", "b", 3),
        omission("a", "c", 3),
        omission("b", "a", 1),
        omission("b", "a", 3),
        omission("b", "c", 1),
    ];
    second.sort();
    assert_eq!(minimal, [lost_round_3(), second]);
}
