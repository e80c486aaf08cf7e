//! sync-service (Testground's sync service on a memory-only store) and sync-service-durable
//! (the store persists before answering). Pinned: failure-free runs, the crash-restart fault
//! sets that break sync-service (duplicate signal numbers; duplicate publication numbers and
//! lost publications), the durable store under the same sets, brute force over every crash
//! and every crash-restart pair of one node at the default EOT (with the LTL specs' verdicts
//! compared to the built-in invariant's on every run), and the default spec's ground truth.

mod ground_truth;

use std::path::PathBuf;

use faultline_harness::{Fault, InvariantReport, RunConfig};
use faultline_ltl::{Evaluation, Spec, TraceModel, parse_spec};
use faultline_trace::{EventKind, FailureSpec, GoalScope, Trace};
use ground_truth::{assert_deterministic, crash, omission, run_checked, spec};
use serde_json::{Value, json};

const VOLATILE: &str = "sync-service";
const DURABLE: &str = "sync-service-durable";
const NODES: [&str; 4] = ["store", "a", "b", "c"];
const EOT: u64 = 40;

fn restart(node: &str, at: u64) -> Fault {
    Fault::Restart {
        node: node.into(),
        at,
    }
}

/// The store crashes at `at` and restarts at `back`.
fn bounce(node: &str, at: u64, back: u64) -> Vec<Fault> {
    vec![crash(node, at), restart(node, back)]
}

fn run(name: &str, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_checked(name, |sut| sut.default_config(0).with_faults(faults))
}

fn final_state(trace: &Trace, node: &str) -> Value {
    faultline_harness::end_state::final_states(trace)
        .remove(node)
        .unwrap_or(Value::Null)
}

/// (f, kind) of every client event, in order.
fn history(trace: &Trace) -> Vec<(String, EventKind)> {
    trace
        .events
        .iter()
        .filter(|event| matches!(event.kind, EventKind::Invoke | EventKind::Ok))
        .map(|event| (event.f.clone().unwrap_or_default(), event.kind))
        .collect()
}

const GOOD: &str = "3 signals and 3 publications numbered uniquely and densely, 3 barrier \
                    releases after 3 signals, 9 entries read in publication order (safety \
                    only: no goal)";

/// The duplicate signal: the store answers c's signal_entry with 1, crashes before a's and
/// b's arrive (they are dropped at the down store) and comes back empty; the retries of a and
/// b are numbered 1 and 2.
const SIGNAL_LOST: (u64, u64) = (6, 8);
const SIGNAL_LOST_WHY: &str = "signal_entry(\"ready\") returned 1 to both c and a";

/// The lost publication: the store crashes after numbering b's publication 1 (every
/// subscriber read it), and c's publish, re-sent to the empty store, is numbered 1 too.
const PUBLICATION_LOST: (u64, u64) = (18, 19);
const PUBLICATION_LOST_WHY: &str = "publish(\"addrs\") returned 1 to both c and b; a read \"b\" \
     at position 1, where \"c\" was published; b read \"b\" at position 1, where \"c\" was \
     published; c read \"b\" at position 1, where \"c\" was published";

#[test]
fn registry_entries() {
    for name in [VOLATILE, DURABLE] {
        let sut = faultline_suts::get(name).expect("built-in SUT");
        assert_eq!(sut.nodes(), NODES);
        assert_eq!(sut.time_model(), faultline_harness::TimeModel::Async);
        // One restart: the memory-only store's bug needs the store to come back.
        let expected = FailureSpec {
            max_restarts: 1,
            ..spec(EOT, 3, 1)
        };
        assert_eq!(sut.default_spec(), expected);
    }
}

#[test]
fn failure_free_runs_hold_with_no_goal() {
    for name in [VOLATILE, DURABLE] {
        for seed in 0..8 {
            let (trace, report) =
                run_checked(name, |sut| sut.default_config(seed).with_faults(Vec::new()));
            assert!(
                report.holds && !report.vacuous,
                "{name} seed {seed}: {report:?}"
            );
            assert_eq!(report.explanation, GOOD, "{name} seed {seed}");
            assert!(report.goal.is_empty());
            assert_eq!(report.goal.scope, GoalScope::ExactCrashes);
            // Every instance invoked and completed its four operations, one at a time.
            let ops = history(&trace);
            assert_eq!(ops.len(), 24, "{name} seed {seed}");
            let mut numbers = Vec::new();
            let mut reads = Vec::new();
            for instance in ["a", "b", "c"] {
                let state = final_state(&trace, instance);
                assert_eq!(state["step"], 4, "{name} seed {seed} {instance}");
                assert_eq!(state["released"], true);
                numbers.push(state["seq"].as_u64().expect("a number"));
                reads.push(state["received"].clone());
            }
            numbers.sort_unstable();
            assert_eq!(numbers, [1, 2, 3], "{name} seed {seed}");
            assert!(reads.iter().all(|read| *read == reads[0]), "{reads:?}");
            // A few dozen steps, well inside the EOT: nothing is left to do at the end.
            let steps = trace.events.last().map(|event| event.lt);
            assert!(steps.is_some_and(|steps| steps < EOT - 8), "{steps:?}");
        }
    }
    // Seed 0: 28 steps (4 starts, 24 deliveries).
    let (trace, _) = run(VOLATILE, Vec::new());
    assert_eq!(trace.events.last().map(|event| event.lt), Some(28));
}

#[test]
fn a_store_restart_numbers_signals_again() {
    let (at, back) = SIGNAL_LOST;
    let (trace, report) = run(VOLATILE, bounce("store", at, back));
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(report.explanation, SIGNAL_LOST_WHY);
    // a's and b's first signals were dropped at the down store; the empty store numbered
    // their retries.
    let dropped: Vec<(Option<&str>, &str)> = trace
        .events
        .iter()
        .filter(|event| event.kind == EventKind::Drop)
        .map(|event| {
            (
                event.src.as_deref(),
                event.msg_type.as_deref().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        dropped,
        [(Some("a"), "signal_entry"), (Some("b"), "signal_entry")]
    );
    assert_eq!(final_state(&trace, "a")["seq"], 1);
    assert_eq!(final_state(&trace, "b")["seq"], 2);
    assert_eq!(final_state(&trace, "c")["seq"], 1);
    // The restarted store counted 2 signals: the barrier never releases (a liveness loss,
    // which no finite run shows as a violation).
    assert_eq!(
        final_state(&trace, "store")["signals"],
        json!({"ready": ["a", "b"]})
    );
    assert!(
        history(&trace)
            .iter()
            .all(|(f, kind)| !(f == "barrier" && *kind == EventKind::Ok))
    );
}

#[test]
fn a_store_restart_loses_a_publication() {
    let (at, back) = PUBLICATION_LOST;
    let (trace, report) = run(VOLATILE, bounce("store", at, back));
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(report.explanation, PUBLICATION_LOST_WHY);
    for instance in ["a", "b", "c"] {
        let state = final_state(&trace, instance);
        assert_eq!(state["received"][0], "b", "{instance}");
        assert!(
            !state["received"]
                .as_array()
                .is_some_and(|read| read.contains(&json!("c"))),
            "{instance} never reads c's publication"
        );
    }
}

#[test]
fn the_durable_store_survives_the_same_restarts() {
    for (at, back) in [SIGNAL_LOST, PUBLICATION_LOST] {
        let (trace, report) = run(DURABLE, bounce("store", at, back));
        assert!(
            report.holds && !report.vacuous,
            "{at}-{back}: {}",
            report.explanation
        );
        // The retries find the persisted numbers, and everyone finishes within the EOT.
        for instance in ["a", "b", "c"] {
            assert_eq!(final_state(&trace, instance)["step"], 4, "{at}-{back}");
        }
        assert!(
            trace
                .events
                .iter()
                .any(|event| event.kind == EventKind::Restart)
        );
    }
}

#[test]
fn runs_are_deterministic() {
    for name in [VOLATILE, DURABLE] {
        assert_deterministic(
            name,
            5,
            vec![
                Vec::new(),
                bounce("store", SIGNAL_LOST.0, SIGNAL_LOST.1),
                bounce("store", PUBLICATION_LOST.0, PUBLICATION_LOST.1),
                vec![omission("a", "store", 2), crash("b", 9), restart("b", 14)],
            ],
        );
    }
}

fn spec_for(name: &str) -> Spec {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(format!("{name}.ltl"));
    let source = std::fs::read_to_string(&path).expect("spec file exists");
    parse_spec(&source, &path.display().to_string()).unwrap_or_else(|err| panic!("{err}"))
}

/// Whether every property of `spec` holds on `trace`.
fn spec_holds(spec: &Spec, trace: &Trace) -> bool {
    let model = TraceModel::new(trace).expect("states fold");
    spec.properties.iter().all(|property| {
        Evaluation::for_property(property, &model)
            .unwrap_or_else(|err| panic!("{}: {err}", property.name))
            .holds(0)
    })
}

/// No fault; every crash of one node (crash-stop); every crash and later restart of one node:
/// 1 + 4·40 + 4·780 = 3,281 fault sets at EOT 40.
fn crash_restart_space() -> Vec<Vec<Fault>> {
    let mut sets = vec![Vec::new()];
    for node in NODES {
        for at in 1..=EOT {
            sets.push(vec![crash(node, at)]);
            for back in at + 1..=EOT {
                sets.push(bounce(node, at, back));
            }
        }
    }
    sets
}

/// Runs every set of `sets` under `name`, comparing the spec's verdict with the built-in
/// invariant's on each when `with_spec`; returns the bad sets with their explanations.
fn brute_force_runs(name: &str, sets: &[Vec<Fault>], with_spec: bool) -> Vec<(Vec<Fault>, String)> {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let spec = spec_for(name);
    let mut bad = Vec::new();
    for faults in sets {
        let config = RunConfig {
            failure_spec: Some(sut.default_spec()),
            ..RunConfig::new(0, EOT).with_faults(faults.clone())
        };
        let trace = sut.run(&config).expect("runs");
        let report = sut.check(&trace);
        if with_spec {
            assert_eq!(
                spec_holds(&spec, &trace),
                report.holds,
                "{name} {faults:?}: {}",
                report.explanation
            );
        }
        if !report.holds {
            bad.push((faults.clone(), report.explanation));
        }
    }
    bad
}

#[test]
fn brute_force_durable_holds_over_every_crash_restart() {
    let sets = crash_restart_space();
    assert_eq!(sets.len(), 3_281);
    let bad = brute_force_runs(DURABLE, &sets, false);
    assert!(bad.is_empty(), "{} bad, first {:?}", bad.len(), bad.first());
}

#[test]
fn brute_force_volatile_breaks_only_on_store_restarts() {
    let bad = brute_force_runs(VOLATILE, &crash_restart_space(), false);
    // Crashes alone and instance restarts never break it: only a store that comes back.
    for (faults, why) in &bad {
        assert!(
            matches!(faults.as_slice(), [Fault::Crash { node, .. }, Fault::Restart { .. }] if node == "store"),
            "{faults:?}: {why}"
        );
    }
    let count = |part: &str| bad.iter().filter(|(_, why)| why.contains(part)).count();
    // 125 of the store's 780 crash-restart pairs: duplicate signal numbers (55, the store
    // down while some signals were answered and others not) or duplicate publication numbers
    // (70, of which 60 also lose a publication to a subscriber that read on).
    assert_eq!(
        (
            bad.len(),
            count("signal_entry"),
            count("publish"),
            count("was published")
        ),
        (125, 55, 70, 60)
    );
    // No barrier released early, no number above the count of callers, nothing read twice:
    // the store forgets, so it numbers from 1 again and counts fewer signals, never more.
    assert_eq!((count("barrier"), count("only"), count("twice")), (0, 0, 0));
    for pinned in [SIGNAL_LOST, PUBLICATION_LOST] {
        let faults = bounce("store", pinned.0, pinned.1);
        assert!(bad.iter().any(|(set, _)| *set == faults), "{pinned:?}");
    }
}

/// The store's crashes and its crash-restart pairs with the store down for 1 or 2 steps, and
/// the failure-free run: 1 + 40 + 77 = 118 sets, every kind of violation among them.
fn store_restart_sample() -> Vec<Vec<Fault>> {
    let mut sets = vec![Vec::new()];
    for at in 1..=EOT {
        sets.push(vec![crash("store", at)]);
        for back in (at + 1..=EOT).filter(|back| *back <= at + 2) {
            sets.push(bounce("store", at, back));
        }
    }
    sets
}

#[test]
fn the_specs_agree_with_the_invariant_on_store_restarts() {
    let sets = store_restart_sample();
    assert_eq!(sets.len(), 118);
    assert!(brute_force_runs(DURABLE, &sets, true).is_empty());
    let bad = brute_force_runs(VOLATILE, &sets, true);
    assert_eq!(bad.len(), 12);
    assert!(bad.iter().any(|(_, why)| why.starts_with("signal_entry")));
    assert!(bad.iter().any(|(_, why)| why.contains("was published")));
}

/// The LTL specs against the built-in invariant on every run of the crash-restart space, both
/// variants (6,562 runs, each evaluated twice).
#[test]
#[ignore = "about a minute in release: cargo test --release -p faultline-suts --test sync_service -- --ignored"]
fn the_specs_agree_with_the_invariant_over_every_crash_restart() {
    let sets = crash_restart_space();
    assert!(brute_force_runs(DURABLE, &sets, true).is_empty());
    assert_eq!(brute_force_runs(VOLATILE, &sets, true).len(), 125);
}

/// The sends before step 3 in any run of the default spec: each instance's first request, a
/// step earlier when a node crashed before its start (a skipped start takes no step).
const SLOTS: &[(&str, &str, u64)] = &[("a", "store", 1), ("a", "store", 2), ("b", "store", 2)];

/// Every fault set of the default spec 40/3/1 (no restarts yet), over the omission slots the
/// runs use: (sets run, sets of the exact space they stand for), asserting each holds. An
/// unused slot loses nothing, so each set run stands for 2^(unused slots) sets.
fn brute_force_default_spec(name: &str) -> (u64, u64) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    // The crash-stop part of the default spec (its restarts are covered by the crash-restart
    // brute force above).
    let spec = FailureSpec {
        max_restarts: 0,
        ..sut.default_spec()
    };
    let mut crashes: Vec<Option<(usize, u64)>> = vec![None];
    for node in 0..NODES.len() {
        crashes.extend((1..=spec.eot).map(|at| Some((node, at))));
    }
    let (mut runs, mut full) = (0u64, 0u64);
    for crashed in crashes {
        // Omission slots (src, dst, t), t < EFF, before the src's crash: listed or not.
        let mut used = Vec::new();
        let mut unused = 0u32;
        for (index, src) in NODES.iter().enumerate() {
            let end = match crashed {
                Some((node, at)) if node == index => spec.eff.min(at),
                _ => spec.eff,
            };
            for at in 1..end {
                for dst in NODES.iter().filter(|dst| *dst != src) {
                    if SLOTS.contains(&(*src, *dst, at)) {
                        used.push(omission(src, dst, at));
                    } else {
                        unused += 1;
                    }
                }
            }
        }
        for mask in 0u32..(1 << used.len()) {
            let mut faults: Vec<Fault> = crashed
                .map(|(node, at)| crash(NODES[node], at))
                .into_iter()
                .collect();
            faults.extend(
                used.iter()
                    .enumerate()
                    .filter(|(bit, _)| mask & (1 << bit) != 0)
                    .map(|(_, fault)| fault.clone()),
            );
            let config = RunConfig {
                failure_spec: Some(spec),
                ..RunConfig::new(0, spec.eot).with_faults(faults.clone())
            };
            let trace = sut.run(&config).expect("runs");
            for send in trace.events.iter().filter(|e| e.kind == EventKind::Send) {
                let slot = (
                    send.src.as_deref().unwrap_or("?"),
                    send.dst.as_deref().unwrap_or("?"),
                    send.lt,
                );
                assert!(
                    send.lt >= spec.eff || SLOTS.contains(&slot),
                    "unlisted {slot:?}"
                );
            }
            let report = sut.check(&trace);
            assert!(report.holds, "{name} {faults:?}: {}", report.explanation);
            assert!(report.goal.is_empty(), "{name} {faults:?}: no goal");
            runs += 1;
            full += 1 << unused;
        }
    }
    (runs, full)
}

#[test]
fn brute_force_the_default_spec() {
    // Crash-stop only: the store's memory never comes back, so the bug cannot show, and both
    // variants hold on the whole crash-stop space.
    for name in [VOLATILE, DURABLE] {
        let (runs, full) = brute_force_default_spec(name);
        // The exact count is `faultline estimate --eot 40 --eff 3 --crashes 1 --nodes 4`'s.
        assert_eq!((runs, full), (1_270, 2_576_351_232), "{name}");
    }
}
