//! quorum-write: C succeeds on 2 acks out of 3 replicas; an acked write must be held by some
//! replica that never crashed. Pinned: the failure-free run and its any-of goal, the
//! two-crash counterexample, a good one-crash run, determinism, and a brute-force count over
//! small fault spaces.

mod ground_truth;

use faultline_harness::{Fault, InvariantReport};
use faultline_trace::{EventKind, GoalScope, Trace};
use ground_truth::{
    assert_deterministic, brute_force, brute_force_records, crash, goal_facts, omission,
    run_checked, spec, unsound_as,
};
use serde_json::json;

const NAME: &str = "quorum-write";

fn run(faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_checked(NAME, |sut| sut.default_config(0).with_faults(faults))
}

#[test]
fn registry_entry() {
    let sut = faultline_suts::get(NAME).expect("built-in SUT");
    assert_eq!(sut.nodes(), ["C", "a", "b", "c"]);
    assert_eq!(sut.time_model(), faultline_harness::TimeModel::Rounds);
    assert_eq!(sut.default_spec(), spec(3, 2, 2));
}

#[test]
fn failure_free_run_holds_with_every_replica_as_an_alternative() {
    let (trace, report) = run(Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "C's acked write \"x\": a, b and c hold it and never crashed"
    );
    assert_eq!(report.goal.scope, GoalScope::SameCrashes);
    assert!(report.goal.all_of.is_empty());
    assert_eq!(report.goal.any_of.len(), 1);
    let store = json!(["store", "x"]);
    assert_eq!(
        goal_facts(&trace, &report.goal.any_of[0]),
        [
            ("a".to_string(), store.clone()),
            ("b".to_string(), store.clone()),
            ("c".to_string(), store),
        ]
    );
    // C's success rests on each pair of acks: one derivation of ["acked", "x"] per quorum.
    let acked: Vec<&faultline_trace::Event> = trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Derive && e.fact == Some(json!(["acked", "x"])))
        .collect();
    assert_eq!(acked.len(), 3, "quorums {{a,b}}, {{c,a}}, {{c,b}}");
    for event in &trace.events {
        if matches!(event.kind, EventKind::Send | EventKind::Derive) {
            assert!(!event.parents.is_empty(), "#{} has parents", event.id);
        }
    }
}

#[test]
fn the_two_replicas_that_acked_crash() {
    let (_, report) = run(vec![omission("C", "c", 1), crash("a", 3), crash("b", 3)]);
    assert!(!report.holds, "{}", report.explanation);
    assert!(report.goal.is_empty());
    assert_eq!(
        report.explanation,
        "C's write \"x\" was acked but no replica that never crashed holds it (a and b crashed; c does not hold it)"
    );
}

#[test]
fn one_crash_leaves_a_live_holder() {
    let (trace, report) = run(vec![omission("C", "c", 1), crash("a", 3)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "C's acked write \"x\": b holds it and never crashed"
    );
    assert_eq!(report.goal.scope, GoalScope::SameCrashes);
    assert!(report.goal.all_of.is_empty());
    assert_eq!(report.goal.any_of.len(), 1);
    assert_eq!(
        goal_facts(&trace, &report.goal.any_of[0]),
        [("b".to_string(), json!(["store", "x"]))]
    );
}

#[test]
fn one_ack_is_vacuous() {
    let (_, report) = run(vec![omission("C", "a", 1), omission("C", "b", 1)]);
    assert!(report.holds && report.vacuous, "{}", report.explanation);
    assert!(report.goal.is_empty());
    assert_eq!(
        report.explanation,
        "vacuously true: C's write \"x\" was not acked"
    );
}

#[test]
fn runs_are_deterministic() {
    assert_deterministic(
        NAME,
        3,
        vec![
            Vec::new(),
            vec![omission("C", "c", 1), crash("a", 3), crash("b", 3)],
            vec![omission("C", "a", 1), crash("C", 3)],
        ],
    );
}

/// The sends before round 3 (EFF ≤ 3): the writes and the acks.
const SLOTS: &[(&str, &str, u64)] = &[
    ("C", "a", 1),
    ("C", "b", 1),
    ("C", "c", 1),
    ("a", "C", 2),
    ("b", "C", 2),
    ("c", "C", 2),
];

#[test]
fn brute_force_default_spec_3_2_2() {
    let (tally, records) = brute_force_records(NAME, spec(3, 2, 2), SLOTS);
    // 149,888 sets in all (`faultline estimate`'s exact count).
    assert_eq!(tally.full, (23_168, 125_184, 1_536), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (466, 3), "{tally:?}");
    let mut expected = Vec::new();
    for (lost, acked) in [("a", ["b", "c"]), ("b", ["a", "c"]), ("c", ["a", "b"])] {
        expected.push(vec![
            omission("C", lost, 1),
            crash(acked[0], 3),
            crash(acked[1], 3),
        ]);
    }
    expected.sort();
    assert_eq!(tally.minimal, expected);
    assert!(tally.minimal_within(1).is_empty());
    // The failure-free goal (any replica's store) also occurs in a counterexample: a scope
    // binding other crash sets would be unsound.
    let lost = vec![omission("C", "c", 1), crash("a", 3), crash("b", 3)];
    for scope in [GoalScope::FaultIndependent, GoalScope::CrashedNodesExempt] {
        let unsound = unsound_as(&records, scope);
        assert!(
            unsound.contains(&(Vec::new(), lost.clone())),
            "{scope:?}: {unsound:?}"
        );
    }
}

#[test]
fn brute_force_other_specs() {
    // One crash never loses an acked write: two replicas acked, one of them survives (EFF 3
    // also loses acks, which only makes runs vacuous).
    let tally = brute_force(NAME, spec(3, 3, 1), SLOTS);
    assert_eq!(tally.bad, 0, "{tally:?}");
    // EOT 4: the two crashes may also come in round 4; lost acks add no counterexample.
    let tally = brute_force(NAME, spec(4, 3, 2), SLOTS);
    assert_eq!(
        tally.full,
        (64_520_192, 550_887_424, 6_291_456),
        "{tally:?}"
    );
    assert_eq!((tally.runs, tally.bad), (4_368, 24), "{tally:?}");
    let mut expected = Vec::new();
    for (lost, acked) in [("a", ["b", "c"]), ("b", ["a", "c"]), ("c", ["a", "b"])] {
        for first in [3, 4] {
            for second in [3, 4] {
                expected.push(vec![
                    omission("C", lost, 1),
                    crash(acked[0], first),
                    crash(acked[1], second),
                ]);
            }
        }
    }
    expected.sort();
    assert_eq!(tally.minimal, expected);
}
