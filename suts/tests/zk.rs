//! The zksync recipes (`zk-lock`, `zk-lock-fenced`, `zk-rwmutex`, `zk-barrier`,
//! `zk-double-barrier`): registry entries, failure-free runs and their goals, the pinned
//! counterexamples, and brute force over each default spec's whole fault space (every clog
//! window of every node, or every crash).

use faultline_harness::{FailureSpec, Fault, InvariantReport, TimeModel};
use faultline_trace::{EventKind, GoalScope, Trace};
use serde_json::json;

fn clog(node: &str, from: u64, to: u64) -> Fault {
    Fault::Clog {
        node: node.into(),
        from,
        to,
    }
}

fn crash(node: &str, at: u64) -> Fault {
    Fault::Crash {
        node: node.into(),
        at,
    }
}

fn run(name: &str, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let trace = sut
        .run(&sut.default_config(0).with_faults(faults))
        .expect("runs");
    faultline_trace::validate(&trace, name).expect("valid trace");
    let report = sut.check(&trace);
    (trace, report)
}

/// Every fault set of `spec` with at most one clog and at most one crash (the zk default
/// specs allow no omissions): the exhaustive space, as `faultline explore --strategy
/// exhaustive` enumerates it.
fn space(nodes: &[String], spec: FailureSpec) -> Vec<Vec<Fault>> {
    assert_eq!(spec.eff, 0, "no omission slots");
    assert!(spec.max_clogs <= 1 && spec.max_crashes <= 1);
    let mut clogs: Vec<Option<Fault>> = vec![None];
    if spec.max_clogs == 1 {
        for node in nodes {
            for from in 1..spec.eot {
                for to in from + 1..=spec.eot {
                    clogs.push(Some(clog(node, from, to)));
                }
            }
        }
    }
    let mut crashes: Vec<Option<Fault>> = vec![None];
    if spec.max_crashes == 1 {
        for node in nodes {
            for at in 1..=spec.eot {
                crashes.push(Some(crash(node, at)));
            }
        }
    }
    let mut sets = Vec::new();
    for crash in &crashes {
        for clog in &clogs {
            sets.push(crash.iter().chain(clog.iter()).cloned().collect());
        }
    }
    sets
}

/// The violating sets of `name`'s default spec, and the number of sets run.
fn brute_force(name: &str) -> (usize, Vec<Vec<Fault>>) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let sets = space(sut.nodes(), sut.default_spec());
    let mut bad = Vec::new();
    for faults in &sets {
        let trace = sut
            .run(&sut.default_config(0).with_faults(faults.clone()))
            .unwrap_or_else(|err| panic!("{name} {faults:?}: {err}"));
        if !sut.check(&trace).holds {
            bad.push(faults.clone());
        }
    }
    (sets.len(), bad)
}

#[test]
fn registry_entries() {
    for (name, nodes, spec) in [
        (
            "zk-lock",
            &["zk", "p", "q", "r"][..],
            FailureSpec::new(40, 0, 0).with_clogs(1),
        ),
        (
            "zk-lock-fenced",
            &["zk", "p", "q", "r"][..],
            FailureSpec::new(40, 0, 0).with_clogs(1),
        ),
        (
            "zk-rwmutex",
            &["zk", "p", "q", "s", "r"][..],
            FailureSpec::new(60, 0, 0).with_clogs(1),
        ),
        (
            "zk-barrier",
            &["zk", "s", "p", "q"][..],
            FailureSpec::new(40, 0, 0).with_clogs(1),
        ),
        (
            "zk-double-barrier",
            &["zk", "p", "q", "s"][..],
            FailureSpec::new(40, 0, 1),
        ),
    ] {
        let sut = faultline_suts::get(name).expect("built-in SUT");
        assert_eq!(sut.nodes(), nodes, "{name}");
        assert_eq!(sut.time_model(), TimeModel::Async, "{name}");
        assert_eq!(sut.default_spec(), spec, "{name}");
    }
}

#[test]
fn lock_failure_free_run_rests_on_p_releasing_alive() {
    for name in ["zk-lock", "zk-rwmutex"] {
        let (trace, report) = run(name, Vec::new());
        assert!(
            report.holds && !report.vacuous,
            "{name}: {}",
            report.explanation
        );
        assert_eq!(report.goal.scope, GoalScope::FaultIndependent);
        assert_eq!(report.goal.all_of.len(), 1, "{name}");
        let goal = trace.event(report.goal.all_of[0]).expect("an event");
        assert_eq!(goal.kind, EventKind::Derive);
        assert_eq!(goal.node.as_deref(), Some("zk"));
        let fact = goal.fact.clone().expect("a fact");
        assert_eq!(
            (&fact[0], &fact[1]),
            (&json!("released"), &json!("p")),
            "{name}"
        );
        // The release rests on p's heartbeats: each session_alive on the one before.
        let alive = trace
            .events
            .iter()
            .filter(|e| {
                e.kind == EventKind::Derive
                    && e.fact
                        .as_ref()
                        .is_some_and(|f| f[0] == "session_alive" && f[1] == "p")
            })
            .count();
        assert!(alive >= 3, "{name}: {alive}");
    }
    let (_, report) = run("zk-lock", Vec::new());
    assert_eq!(
        report.explanation,
        "r accepted 2 accesses, one holder at a time; p released the lock with its session alive"
    );
}

/// The LDFI search's counterexample (`faultline explore --sut zk-lock`): the clog holds p's
/// heartbeats (and q's create) until zk expired p's session.
#[test]
fn lock_clog_of_zk_expires_the_holder_mid_section() {
    let faults = vec![clog("zk", 8, 17)];
    let (trace, report) = run("zk-lock", faults.clone());
    assert!(!report.holds);
    assert_eq!(
        report.explanation,
        "two holders: r accepted an access of q (writer, token 2) inside the critical section of p (writer, token 1)"
    );
    assert!(
        trace
            .events
            .iter()
            .any(|e| e.kind == EventKind::TimerFire && e.timer.as_deref() == Some("expire:p")),
        "p's session expired"
    );
    // Fenced, the same clog is harmless: r refuses p's late exit.
    let (trace, report) = run("zk-lock-fenced", faults);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    let states = faultline_harness::end_state::final_states(&trace);
    assert_eq!(states["r"]["refused"], json!([["p", "write", 1, "exit"]]));
    assert_eq!(report.goal.all_of.len(), 1);
    let goal = trace.event(report.goal.all_of[0]).expect("an event");
    assert_eq!(goal.fact, Some(json!(["fenced"])));
}

#[test]
fn rwmutex_clog_of_zk_lets_readers_in_with_the_writer() {
    let (_, report) = run("zk-rwmutex", vec![clog("zk", 14, 24)]);
    assert!(!report.holds);
    assert!(
        report
            .explanation
            .starts_with("two holders: r accepted an access of q (reader, token"),
        "{}",
        report.explanation
    );
    assert!(
        report
            .explanation
            .ends_with("inside the critical section of p (writer, token 1)"),
        "{}",
        report.explanation
    );
}

#[test]
fn barrier_failure_free_run_passes_both_waiters() {
    let (_, report) = run("zk-barrier", Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert!(report.goal.is_empty(), "safety: no goal");
    assert_eq!(
        report.explanation,
        "2 waiter(s) passed, each after seeing the barrier unset"
    );
}

#[test]
fn double_barrier_crash_before_enter_blocks_the_others() {
    let (trace, report) = run("zk-double-barrier", Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(report.goal.scope, GoalScope::CrashedNodesExempt);
    assert_eq!(report.goal.all_of.len(), 3);
    for id in &report.goal.all_of {
        let event = trace.event(*id).expect("an event");
        let node = event.node.clone().expect("a node");
        assert_eq!(event.fact, Some(json!(["entered", node])));
    }
    // The module doc's reproducer, and LDFI's counterexample (s crashes before it starts).
    for (node, at, others) in [("p", 1, "q and s"), ("s", 4, "p and q")] {
        let (_, report) = run("zk-double-barrier", vec![crash(node, at)]);
        assert!(!report.holds);
        assert_eq!(
            report.explanation,
            format!("{others} invoked enter but got no ok within 8 ms (crashed: {node})")
        );
    }
    // A crash after enter blocks nobody's enter; a crash of zk is out of the model.
    let (_, report) = run("zk-double-barrier", vec![crash("p", 30)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    let (_, report) = run("zk-double-barrier", vec![crash("zk", 5)]);
    assert!(report.holds && report.vacuous, "{}", report.explanation);
}

#[test]
fn runs_are_deterministic() {
    for (name, faults) in [
        ("zk-lock", vec![clog("zk", 8, 17)]),
        ("zk-lock-fenced", vec![clog("zk", 8, 17)]),
        ("zk-rwmutex", vec![clog("zk", 14, 24)]),
        ("zk-barrier", vec![clog("s", 5, 20)]),
        ("zk-double-barrier", vec![crash("s", 4)]),
    ] {
        let sut = faultline_suts::get(name).expect("built-in SUT");
        for faults in [Vec::new(), faults] {
            let config = sut.default_config(5).with_faults(faults);
            let first = sut.run(&config).expect("runs").to_jsonl();
            let second = sut.run(&config).expect("runs").to_jsonl();
            assert_eq!(first, second, "{name}");
        }
    }
}

/// zk-lock's whole default space: 3,121 sets, of which 18 clog windows of zk break it.
#[test]
fn brute_force_zk_lock_default_spec() {
    let (sets, bad) = brute_force("zk-lock");
    assert_eq!(sets, 3_121);
    assert_eq!(bad.len(), 18, "{bad:?}");
    assert!(bad.iter().all(|set| matches!(
        set.as_slice(),
        [Fault::Clog { node, .. }] if node == "zk"
    )));
    assert!(bad.contains(&vec![clog("zk", 8, 17)]));
    assert!(
        bad.contains(&vec![clog("zk", 20, 21)]),
        "one step, when the expiry is next"
    );
}

/// The fix holds under every fault set of its default spec.
#[test]
fn brute_force_zk_lock_fenced_default_spec() {
    let (sets, bad) = brute_force("zk-lock-fenced");
    assert_eq!(sets, 3_121);
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn brute_force_zk_barrier_default_spec() {
    let (sets, bad) = brute_force("zk-barrier");
    assert_eq!(sets, 3_121);
    assert!(bad.is_empty(), "{bad:?}");
}

/// A crash of a participant before it sends its create (at its start: p at step 2, q at 3,
/// s at 4) blocks the other two; so does a crash of the participant that completes the group
/// (q, with seed 0: its create arrives last) before it creates `dbr/ready` (step 10), since
/// only the one that sees all three children creates it.
#[test]
fn brute_force_zk_double_barrier_default_spec() {
    let (sets, bad) = brute_force("zk-double-barrier");
    assert_eq!(sets, 161);
    let mut expected: Vec<Vec<Fault>> = Vec::new();
    for (node, last) in [("p", 2), ("q", 10), ("s", 4)] {
        for at in 1..=last {
            expected.push(vec![crash(node, at)]);
        }
    }
    let mut bad = bad;
    bad.sort();
    expected.sort();
    assert_eq!(bad, expected);
}
