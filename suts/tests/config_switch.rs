//! config-switch (tasks pick their configuration by the process's clock, from a cached
//! schedule) and config-switch-verified (a task needs a store sync since its previous task and a
//! clock reading outside the skew band around the switch). Pinned: the failure-free runs,
//! the skew and clog counterexamples with their explanations, omissions beyond the default
//! spec, the fix's limit (a skew larger than its guard), determinism, and the whole default
//! space by brute force, where the LTL spec agrees with the invariant on every set.

mod ground_truth;

use std::path::PathBuf;

use faultline_harness::{FailureSpec, Fault, InvariantReport, RunConfig};
use faultline_ldfi::{exhaustive_sets, minimal_sets};
use faultline_ltl::{Spec, TraceModel, check_spec, parse_spec};
use faultline_suts::CS_SPEC;
use faultline_trace::{EventKind, GoalScope, Trace};
use ground_truth::{assert_deterministic, omission};
use serde_json::{Value, json};

const BUGGY: &str = "config-switch";
const VERIFIED: &str = "config-switch-verified";

fn skew(node: &str, by_ns: i64, at: u64) -> Fault {
    Fault::Skew {
        node: node.into(),
        by_ns,
        at,
    }
}

fn clog(node: &str, from: u64, to: u64) -> Fault {
    Fault::Clog {
        node: node.into(),
        from,
        to,
    }
}

/// A run of `name` at seed 0 under `spec` with `faults`, validated, and its report.
fn run_with(name: &str, spec: FailureSpec, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let config = RunConfig {
        failure_spec: Some(spec),
        ..RunConfig::new(0, spec.eot).with_faults(faults)
    };
    let trace = sut.run(&config).expect("runs");
    faultline_trace::validate(&trace, name).expect("valid trace");
    let report = sut.check(&trace);
    (trace, report)
}

fn run(name: &str, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_with(name, CS_SPEC, faults)
}

/// The client history's completions: (kind, value).
fn completions(trace: &Trace) -> Vec<(EventKind, Value)> {
    trace
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Ok | EventKind::Fail))
        .map(|e| (e.kind, e.value.clone().unwrap_or(Value::Null)))
        .collect()
}

fn spec_file(name: &str) -> Spec {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(format!("{name}.ltl"));
    let source = std::fs::read_to_string(&path).expect("spec file exists");
    parse_spec(&source, &path.display().to_string()).unwrap_or_else(|err| panic!("{err}"))
}

/// Whether every property of `spec` holds on `trace`.
fn spec_holds(spec: &Spec, trace: &Trace) -> bool {
    let model = TraceModel::new(trace).expect("states fold");
    check_spec(spec, &model)
        .expect("evaluates")
        .iter()
        .all(|verdict| verdict.holds)
}

#[test]
fn registry_entries() {
    for name in [BUGGY, VERIFIED] {
        let sut = faultline_suts::get(name).expect("built-in SUT");
        assert_eq!(sut.nodes(), ["s", "p"]);
        assert_eq!(sut.time_model(), faultline_harness::TimeModel::Async);
        let spec = sut.default_spec();
        assert_eq!(spec, CS_SPEC);
        assert_eq!((spec.eot, spec.eff, spec.max_crashes), (10, 1, 0));
        assert_eq!((spec.max_clogs, spec.max_skews), (1, 1));
        assert_eq!(spec.skew_offsets(), [-400_000, 400_000]);
        assert!(spec.bound_problem().is_none());
    }
}

#[test]
fn failure_free_runs_hold_and_name_no_goal() {
    let (trace, report) = run(BUGGY, Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "3 task(s) ran, each with the configuration valid at its start and a store sync at \
         most 1.000 ms old (safety: no goal)"
    );
    assert!(report.goal.is_empty());
    assert_eq!(report.goal.scope, GoalScope::ExactCrashes);
    assert_eq!(trace.events.last().map(|e| e.lt), Some(10), "10 steps");
    assert_eq!(
        completions(&trace),
        [
            (
                EventKind::Ok,
                json!({"task": 1, "config": 1, "clock_ns": 500_000})
            ),
            (
                EventKind::Ok,
                json!({"task": 2, "config": 2, "clock_ns": 1_500_000})
            ),
            (
                EventKind::Ok,
                json!({"task": 3, "config": 2, "clock_ns": 2_500_000})
            ),
        ]
    );
    // The fix refuses the task at the switch: its clock is within the guard band.
    let (trace, report) = run(VERIFIED, Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "2 task(s) ran, each with the configuration valid at its start and a store sync at \
         most 1.000 ms old, 1 refused (safety: no goal)"
    );
    assert!(report.goal.is_empty());
    assert_eq!(
        completions(&trace),
        [
            (
                EventKind::Ok,
                json!({"task": 1, "config": 1, "clock_ns": 500_000})
            ),
            (
                EventKind::Fail,
                json!({"task": 2, "error": "clock within 0.4 ms of the switch to configuration 2"})
            ),
            (
                EventKind::Ok,
                json!({"task": 3, "config": 2, "clock_ns": 2_500_000})
            ),
        ]
    );
}

#[test]
fn bug_a_a_skewed_clock_runs_the_old_configuration_after_the_switch() {
    let behind = vec![skew("p", -400_000, 7)];
    let (_, report) = run(BUGGY, behind.clone());
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "p ran task 2 at 1.500 ms with configuration 1, at or after the switch to \
         configuration 2 at 1.500 ms (its clock read 1.100 ms)"
    );
    // A skew from step 8 on comes after the task: nothing changes.
    let (_, report) = run(BUGGY, vec![skew("p", -400_000, 8)]);
    assert!(report.holds, "{}", report.explanation);
    // Ahead, the clock reads 0.9 ms at the first task: still before the switch, still good.
    let (_, report) = run(BUGGY, vec![skew("p", 400_000, 1)]);
    assert!(report.holds, "{}", report.explanation);
    // The fix refuses the task: its clock reads inside the guard band.
    let (trace, report) = run(VERIFIED, behind);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(completions(&trace)[1].0, EventKind::Fail);
}

#[test]
fn bug_b_an_unreachable_store_leaves_a_cached_configuration_unverified() {
    // The sync of 2.0 ms held until step 10: the task at 2.5 ms runs on the sync of 1.0 ms.
    let (_, report) = run(BUGGY, vec![clog("p", 9, 10)]);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "p ran task 3 at 2.500 ms with configuration 2, which it could not verify: its last \
         store sync arrived at 1.239 ms, more than 1.000 ms before"
    );
    // Held from before the announcement: the task at the switch also runs configuration 1.
    let (_, report) = run(BUGGY, vec![clog("p", 6, 8)]);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "p ran task 2 at 1.500 ms with configuration 1, at or after the switch to \
         configuration 2 at 1.500 ms (its clock read 1.500 ms); p ran task 2 at 1.500 ms with \
         configuration 1, which it could not verify: its last store sync arrived at 0.248 ms, \
         more than 1.000 ms before"
    );
    // The fix refuses both tasks: no store sync arrived since the task before.
    for window in [clog("p", 9, 10), clog("p", 6, 8)] {
        let (trace, report) = run(VERIFIED, vec![window.clone()]);
        assert!(report.holds, "{window:?}: {}", report.explanation);
        let refusals: Vec<Value> = completions(&trace)
            .into_iter()
            .filter(|(kind, _)| *kind == EventKind::Fail)
            .map(|(_, value)| value["error"].clone())
            .collect();
        assert!(
            refusals.iter().any(|error| error
                .as_str()
                .is_some_and(|e| e.starts_with("no store sync since the last task"))),
            "{window:?}: {refusals:?}"
        );
    }
}

#[test]
fn omissions_of_the_store_syncs_beyond_the_default_spec() {
    let spec = FailureSpec { eff: 6, ..CS_SPEC };
    let lost = vec![omission("s", "p", 5)];
    let (_, report) = run_with(BUGGY, spec, lost.clone());
    assert!(!report.holds, "{}", report.explanation);
    assert!(
        report
            .explanation
            .starts_with("p ran task 2 at 1.500 ms with configuration 1, at or after the switch"),
        "{}",
        report.explanation
    );
    let (_, report) = run_with(VERIFIED, spec, lost);
    assert!(report.holds, "{}", report.explanation);
    // Every subset of the store's sends of the failure-free run lost (steps 1, 5 and 8; EFF 9
    // reaches the last): the fix holds on all of them. Losing the sync of step 1 moves the
    // store's later sends one step earlier, off the other two slots.
    let spec = FailureSpec { eff: 9, ..CS_SPEC };
    let slots = [1, 5, 8];
    let mut bad = Vec::new();
    for mask in 0u32..8 {
        let lost: Vec<Fault> = slots
            .iter()
            .enumerate()
            .filter(|(bit, _)| mask & (1 << bit) != 0)
            .map(|(_, at)| omission("s", "p", *at))
            .collect();
        let (_, report) = run_with(VERIFIED, spec, lost.clone());
        assert!(report.holds, "{lost:?}: {}", report.explanation);
        if !run_with(BUGGY, spec, lost.clone()).1.holds {
            bad.push(lost);
        }
    }
    assert_eq!(
        bad,
        [
            vec![omission("s", "p", 5)],
            vec![omission("s", "p", 8)],
            vec![omission("s", "p", 5), omission("s", "p", 8)],
        ]
    );
}

#[test]
fn a_skew_beyond_the_guard_breaks_the_fix() {
    let spec = FailureSpec {
        max_skew_ns: 800_000,
        skew_step_ns: 400_000,
        ..CS_SPEC
    };
    let (_, report) = run_with(VERIFIED, spec, vec![skew("p", -800_000, 7)]);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "p ran task 2 at 1.500 ms with configuration 1, at or after the switch to \
         configuration 2 at 1.500 ms (its clock read 0.700 ms)"
    );
}

#[test]
fn runs_are_deterministic() {
    for name in [BUGGY, VERIFIED] {
        assert_deterministic(
            name,
            5,
            vec![
                Vec::new(),
                vec![skew("p", -400_000, 7)],
                vec![clog("p", 6, 8), skew("s", 400_000, 2)],
            ],
        );
    }
}

/// The brute-force ground truth of `name` over its default space: (sets, bad sets, the
/// minimal bad sets). The LTL spec gives the invariant's verdict on every set.
fn brute_force(name: &str) -> (usize, usize, Vec<Vec<Fault>>) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let spec = spec_file(name);
    let mut count = 0;
    let mut bad = Vec::new();
    for faults in exhaustive_sets(CS_SPEC, sut.nodes()) {
        let (trace, report) = run(name, faults.clone());
        assert_eq!(
            spec_holds(&spec, &trace),
            report.holds,
            "{name} {faults:?}: the spec and the invariant disagree ({})",
            report.explanation
        );
        count += 1;
        if !report.holds {
            bad.push(faults);
        }
    }
    let minimal = minimal_sets(&bad);
    (count, bad.len(), minimal)
}

#[test]
fn brute_force_the_fix_holds_on_the_whole_default_space() {
    let (count, bad, _) = brute_force(VERIFIED);
    // `faultline estimate`'s exact count for 2 nodes: 41 skew choices × 91 clog choices.
    assert_eq!(count, 3_731);
    assert_eq!(bad, 0);
}

#[test]
fn brute_force_the_bug_on_the_whole_default_space() {
    let (count, bad, minimal) = brute_force(BUGGY);
    assert_eq!((count, bad), (3_731, 1_042));
    // Bug B: p's inbound clogged over the delivery of the announcing sync and the task at the
    // switch (from step 4, 5 or 6 to 7..10), or over the sync of 2.0 ms and the last task
    // (to 10). Bug A: p's clock 400 µs behind from any step up to the task at the switch
    // (step 7). A skew ahead never breaks it: the task before the switch is 1 ms before it.
    let mut expected = Vec::new();
    for from in 4..=6 {
        for to in 7..=10 {
            expected.push(vec![clog("p", from, to)]);
        }
    }
    for from in 7..=9 {
        expected.push(vec![clog("p", from, 10)]);
    }
    for at in 1..=7 {
        expected.push(vec![skew("p", -400_000, at)]);
    }
    assert_eq!(minimal, expected);
}

/// A first version of the fix counted its task periods with its timer and asked for the
/// store's sync of the task's period: a crash-restart of `p` restarts the count, and a clog
/// then let it run on a sync 1 ms stale (exhaustive enumeration at EOT 14 with one crash,
/// one restart and one clog found it). It now asks for a sync since its previous task.
#[test]
fn r_restarted_process_needs_a_sync_since_its_previous_task() {
    let spec = FailureSpec {
        eot: 14,
        max_crashes: 1,
        max_restarts: 1,
        ..CS_SPEC
    };
    let restarted = vec![
        Fault::Crash {
            node: "p".into(),
            at: 1,
        },
        Fault::Restart {
            node: "p".into(),
            at: 4,
        },
        clog("p", 5, 8),
    ];
    let (trace, report) = run_with(VERIFIED, spec, restarted.clone());
    assert!(report.holds, "{}", report.explanation);
    assert!(
        completions(&trace)
            .iter()
            .any(|(kind, _)| *kind == EventKind::Fail)
    );
    let (_, report) = run_with(BUGGY, spec, restarted);
    assert!(!report.holds, "{}", report.explanation);
}
