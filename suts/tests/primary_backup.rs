//! primary-backup: the primary acks before the backup has the write; an acked write must be
//! held by the first server (a, then b) that never crashed. Pinned: the failure-free run, the
//! counterexample, a good failover, determinism, and a brute-force count over small fault
//! spaces.

mod ground_truth;

use faultline_harness::{FailureSpec, Fault, InvariantReport};
use faultline_trace::{EventKind, GoalScope, Trace};
use ground_truth::{
    assert_deterministic, brute_force, brute_force_records, crash, goal_facts, omission,
    run_checked, spec, unsound_as,
};
use serde_json::json;

const NAME: &str = "primary-backup";

fn run(faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_checked(NAME, |sut| sut.default_config(0).with_faults(faults))
}

#[test]
fn registry_entry() {
    let sut = faultline_suts::get(NAME).expect("built-in SUT");
    assert_eq!(sut.nodes(), ["C", "a", "b"]);
    assert_eq!(sut.time_model(), faultline_harness::TimeModel::Rounds);
    assert_eq!(
        sut.default_spec(),
        FailureSpec {
            eot: 5,
            eff: 3,
            max_crashes: 1,
            max_clogs: 0,
            ..FailureSpec::default()
        }
    );
}

#[test]
fn failure_free_run_holds_on_the_primary() {
    let (trace, report) = run(Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "C's acked write \"x\" is held by a, the primary, which never crashed"
    );
    assert_eq!(report.goal.scope, GoalScope::SameCrashes);
    assert!(report.goal.any_of.is_empty());
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("a".to_string(), json!(["store", "x"]))]
    );
    // Lineage is annotated: every send and derive names its parents.
    for event in &trace.events {
        if matches!(event.kind, EventKind::Send | EventKind::Derive) {
            assert!(!event.parents.is_empty(), "#{} has parents", event.id);
        }
    }
}

#[test]
fn losing_the_replication_and_crashing_the_primary_loses_an_acked_write() {
    for at in [3, 4] {
        let (trace, report) = run(vec![omission("a", "b", 2), crash("a", at)]);
        assert!(!report.holds, "crash a@{at}: {}", report.explanation);
        assert!(report.goal.is_empty());
        assert_eq!(
            report.explanation,
            "C's write \"x\" was acked but b, the first server that never crashed, does not hold it"
        );
        // a did store the write before crashing: its store is no goal under another crash set.
        let a_stored = trace.events.iter().any(|event| {
            event.kind == EventKind::Derive
                && event.node.as_deref() == Some("a")
                && event.fact == Some(json!(["store", "x"]))
        });
        assert!(a_stored, "the failure-free goal event still occurs");
    }
}

#[test]
fn a_late_crash_fails_over_to_a_backup_that_has_the_write() {
    // a's retry of the lost replicate (round 4) reaches b before a crashes at round 5.
    let (trace, report) = run(vec![omission("a", "b", 2), crash("a", 5)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "C's acked write \"x\" is held by b, the first server that never crashed"
    );
    assert_eq!(report.goal.scope, GoalScope::SameCrashes);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("b".to_string(), json!(["store", "x"]))]
    );
}

#[test]
fn no_ack_is_vacuous_and_both_servers_crashing_is_a_loss() {
    // a crashes before the write reaches it: nobody acks.
    let (_, report) = run(vec![crash("a", 2)]);
    assert!(report.holds && report.vacuous, "{}", report.explanation);
    assert!(report.goal.is_empty());
    assert_eq!(report.explanation, "vacuously true: C got no ack for \"x\"");

    let sut = faultline_suts::get(NAME).unwrap();
    let config = sut
        .default_config(0)
        .with_faults(vec![crash("a", 4), crash("b", 4)]);
    let report = sut.check(&sut.run(&config).unwrap());
    assert!(!report.holds);
    assert_eq!(
        report.explanation,
        "C's write \"x\" was acked but a and b both crashed: it is lost"
    );
}

#[test]
fn runs_are_deterministic() {
    assert_deterministic(
        NAME,
        7,
        vec![
            Vec::new(),
            vec![omission("a", "b", 2), crash("a", 3)],
            vec![omission("a", "C", 2), crash("b", 2)],
        ],
    );
}

/// The sends before round 3 (EFF ≤ 3): the write, the ack and the replicate.
const SLOTS: &[(&str, &str, u64)] = &[("C", "a", 1), ("a", "C", 2), ("a", "b", 2)];

#[test]
fn brute_force_default_spec_5_3_1() {
    let tally = brute_force(NAME, spec(5, 3, 1), SLOTS);
    // 44,800 sets in all (`faultline estimate`'s exact count), 1,024 of them bad.
    assert_eq!(tally.full, (24_832, 18_944, 1_024), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (112, 2), "{tally:?}");
    assert_eq!(
        tally.minimal,
        [
            vec![omission("a", "b", 2), crash("a", 3)],
            vec![omission("a", "b", 2), crash("a", 4)],
        ]
    );
}

#[test]
fn brute_force_other_specs() {
    // Without crashes a, which stored the write before acking, never loses it.
    let tally = brute_force(NAME, spec(5, 3, 0), SLOTS);
    assert_eq!(tally.full, (4_096, 0, 0), "{tally:?}");
    // Two crashes: also both servers crashing after the ack, with no omission at all.
    let (tally, records) = brute_force_records(NAME, spec(5, 3, 2), SLOTS);
    assert_eq!(tally.full, (35_712, 120_496, 23_424), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (558, 66), "{tally:?}");
    let mut minimal = vec![
        vec![omission("a", "b", 2), crash("a", 3)],
        vec![omission("a", "b", 2), crash("a", 4)],
    ];
    for a in 3..=5 {
        for b in 1..=5 {
            minimal.push(vec![crash("a", a), crash("b", b)]);
        }
    }
    assert_eq!(tally.minimal, minimal);
    // The failure-free goal (a's store) also occurs in the counterexample, which crashes a:
    // a scope binding other crash sets would be unsound.
    let lost = vec![omission("a", "b", 2), crash("a", 3)];
    for scope in [GoalScope::FaultIndependent, GoalScope::CrashedNodesExempt] {
        let unsound = unsound_as(&records, scope);
        assert!(
            unsound.contains(&(Vec::new(), lost.clone())),
            "{scope:?}: {unsound:?}"
        );
    }
}
