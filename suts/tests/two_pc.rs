//! 2pc-3: two-phase commit (coordinator C, agents a and b) where an undecided agent aborts on
//! its own at round 5. Property: if some agent committed, no agent aborted and every agent
//! that never crashed committed. Pinned: the failure-free run, the omission-plus-crash
//! counterexample, good runs with crashes and their scopes, why `CrashedNodesExempt` would be
//! unsound, determinism, brute-force counts.

mod ground_truth;

use faultline_harness::{FailureSpec, Fault, InvariantReport, RunConfig};
use faultline_trace::{EventKind, GoalScope, Trace};
use ground_truth::{
    assert_deterministic, brute_force, brute_force_records, crash, goal_facts, omission,
    run_checked, spec, unsound_as,
};
use serde_json::json;

const NAME: &str = "2pc-3";

fn run(faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_with(None, faults)
}

/// A run under the default spec, or another one.
fn run_with(spec: Option<FailureSpec>, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_checked(NAME, |sut| {
        let spec = spec.unwrap_or(sut.default_spec());
        RunConfig {
            failure_spec: Some(spec),
            ..RunConfig::new(0, spec.eot).with_faults(faults)
        }
    })
}

#[test]
fn registry_entry() {
    let sut = faultline_suts::get(NAME).expect("built-in SUT");
    assert_eq!(sut.nodes(), ["C", "a", "b"]);
    assert_eq!(sut.time_model(), faultline_harness::TimeModel::Rounds);
    assert_eq!(sut.default_spec(), spec(6, 3, 1));
}

#[test]
fn failure_free_run_commits_everywhere() {
    let (trace, report) = run(Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(report.explanation, "a and b committed");
    assert_eq!(report.goal.scope, GoalScope::FaultIndependent);
    assert!(report.goal.any_of.is_empty());
    let commit = json!(["commit", "t1"]);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("a".to_string(), commit.clone()), ("b".to_string(), commit)]
    );
    for event in &trace.events {
        if matches!(event.kind, EventKind::Send | EventKind::Derive) {
            assert!(!event.parents.is_empty(), "#{} has parents", event.id);
        }
    }
}

#[test]
fn commits_after_the_timeout_rest_on_the_earlier_commit() {
    let (trace, _) = run(Vec::new());
    let commit = Some(json!(["commit", "t1"]));
    for event in trace.events.iter().filter(|e| e.fact == commit) {
        let earlier_commit = event.parents.iter().any(|&parent| {
            let parent = trace.event(parent).expect("parents are events");
            parent.fact == commit && parent.node == event.node
        });
        // Up to round 5 each receipt decides on its own; later ones only re-derive.
        assert_eq!(
            earlier_commit,
            event.lt > 5,
            "#{} at round {}",
            event.id,
            event.lt
        );
    }
    // With EFF 5 omissions alone split the agents: b's only commits come after round 5.
    let lose: Vec<Fault> = (2..=4).map(|at| omission("C", "b", at)).collect();
    let (_, report) = run_with(Some(spec(6, 5, 0)), lose);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(report.explanation, "a committed but b aborted");
}

#[test]
fn a_lost_commit_and_a_coordinator_crash_split_the_agents() {
    let faults = vec![omission("C", "b", 2), crash("C", 3)];
    let (_, report) = run(faults.clone());
    assert!(!report.holds, "{}", report.explanation);
    assert!(report.goal.is_empty());
    assert_eq!(report.explanation, "a committed but b aborted");
    // Before b's timeout (round 5) b is blocked instead.
    let (_, report) = run_with(Some(spec(4, 3, 1)), faults);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "a committed but b, which never crashed, is undecided"
    );
    // Either fault alone is harmless: C re-sends the commit, or b got the first one.
    for fault in [omission("C", "b", 2), crash("C", 3)] {
        let (_, report) = run(vec![fault]);
        assert!(report.holds && !report.vacuous, "{}", report.explanation);
    }
}

#[test]
fn good_runs_with_crashes_and_their_scopes() {
    // C crashes after its re-send of round 3 reached b: everybody committed.
    let (trace, report) = run(vec![omission("C", "b", 2), crash("C", 4)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(report.goal.scope, GoalScope::FaultIndependent);
    assert_eq!(goal_facts(&trace, &report.goal.all_of).len(), 2);
    // b crashes before the commit reaches it: a committed, b owes nothing but must not abort.
    let (trace, report) = run(vec![crash("b", 3)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(report.explanation, "a committed; b crashed undecided");
    assert_eq!(report.goal.scope, GoalScope::SameCrashes);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("a".to_string(), json!(["commit", "t1"]))]
    );
    // C crashes before deciding: both agents abort at round 5, nobody committed.
    let (_, report) = run(vec![crash("C", 2)]);
    assert!(report.holds && report.vacuous, "{}", report.explanation);
    assert!(report.goal.is_empty());
    assert_eq!(
        report.explanation,
        "vacuously true: no agent committed (a and b aborted)"
    );
}

#[test]
fn crashed_nodes_exempt_would_not_be_sufficient() {
    // The failure-free goal is a's and b's commits. Exempting b when b crashes would accept
    // this run: a committed, b crashed, but b had aborted at round 5 before crashing.
    let faults = vec![omission("C", "b", 2), crash("C", 3), crash("b", 6)];
    let (trace, report) = run_with(Some(spec(6, 3, 2)), faults);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(report.explanation, "a committed but b aborted");
    let a_committed = trace.events.iter().any(|event| {
        event.kind == EventKind::Derive
            && event.node.as_deref() == Some("a")
            && event.fact == Some(json!(["commit", "t1"]))
    });
    assert!(a_committed);
}

#[test]
fn runs_are_deterministic() {
    assert_deterministic(
        NAME,
        5,
        vec![
            Vec::new(),
            vec![omission("C", "b", 2), crash("C", 3)],
            vec![omission("a", "C", 1), omission("b", "C", 2), crash("a", 4)],
        ],
    );
}

/// The sends before round 3 (EFF ≤ 3): the votes of rounds 1 and 2, C's first commits.
const SLOTS: &[(&str, &str, u64)] = &[
    ("a", "C", 1),
    ("b", "C", 1),
    ("a", "C", 2),
    ("b", "C", 2),
    ("C", "a", 2),
    ("C", "b", 2),
];

/// One enumeration of 6/3/2 answers the default spec 6/3/1 and 6/3/0 too: their spaces are
/// its sets with at most 1 (0) crashes.
#[test]
fn brute_force_default_spec_and_more_crashes() {
    let (tally, records) = brute_force_records(NAME, spec(6, 3, 2), SLOTS);
    assert_eq!(
        tally.by_crashes,
        [
            (4_096, 0, 0),
            (42_496, 9_984, 512),
            (128_512, 97_968, 2_048)
        ],
        "{tally:?}"
    );
    assert_eq!((tally.runs, tally.bad), (5_140, 40), "{tally:?}");
    // No crash: C's re-sends reach the agents before their timeout.
    assert!(tally.minimal_within(0).is_empty());
    // The default spec (57,088 sets: `faultline estimate`'s exact count).
    assert_eq!(
        tally.minimal_within(1),
        [
            vec![omission("C", "a", 2), crash("C", 3)],
            vec![omission("C", "b", 2), crash("C", 3)],
        ]
    );
    // A second crash adds no new minimal counterexample.
    assert_eq!(tally.minimal, tally.minimal_within(1));
    // A fault-independent goal for a run where an agent crashed undecided would be unsound: the
    // other agent's commit also occurs when the first one aborts.
    let unsound = unsound_as(&records, GoalScope::FaultIndependent);
    let split = vec![omission("C", "b", 2), crash("C", 3)];
    assert!(
        unsound
            .iter()
            .any(|(good, bad)| good == &[crash("b", 2)] && bad == &split),
        "{unsound:?}"
    );
    // So would "crashed nodes exempt" for the failure-free run: b aborts, then crashes.
    let unsound = unsound_as(&records, GoalScope::CrashedNodesExempt);
    let split = vec![omission("C", "b", 2), crash("C", 3), crash("b", 6)];
    assert!(unsound.contains(&(Vec::new(), split)), "{unsound:?}");
}

/// EFF 4 without crashes: C's commits of rounds 2 and 3 may be lost, the one of round 4 still
/// arrives in round 5, before the timeout fires.
#[test]
fn brute_force_omissions_alone_at_eff_4() {
    let mut slots = SLOTS.to_vec();
    slots.extend([("a", "C", 3), ("b", "C", 3), ("C", "a", 3), ("C", "b", 3)]);
    let tally = brute_force(NAME, spec(6, 4, 0), &slots);
    assert_eq!(tally.full, (200_704, 61_440, 0), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (1_024, 0), "{tally:?}");
}
