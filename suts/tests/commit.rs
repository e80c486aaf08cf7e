//! The LDFI paper's commit family — 2pc, 2pc-ctp, 3pc (Molly `examples_ft/commit`), nodes a,
//! b, C, d — under Molly's `2pc_assert` (termination: if an agent prepared, two nodes decided;
//! agreement: no two decisions differ). Pinned: the failure-free runs, the paper's
//! counterexamples and why they break, the goals and scopes of good runs, determinism, and
//! brute-force spaces (every goal checked against every related run).

mod ground_truth;

use faultline_harness::{FailureSpec, Fault, InvariantReport, RunConfig, TimeModel};
use faultline_trace::{EventKind, GoalScope, Trace};
use ground_truth::{
    assert_deterministic, brute_force, crash, goal_facts, omission, run_checked, spec,
};
use serde_json::{Value, json};

const SUTS: [&str; 3] = ["2pc", "2pc-ctp", "3pc"];

fn run(name: &str, spec: FailureSpec, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_checked(name, |_| RunConfig {
        failure_spec: Some(spec),
        ..RunConfig::new(0, spec.eot).with_faults(faults)
    })
}

/// The decisions a node holds at the end of the run (its last recorded state).
fn decisions(trace: &Trace, node: &str) -> Vec<String> {
    let states = faultline_harness::end_state::final_states(trace);
    states[node]["decisions"]
        .as_array()
        .expect("every node writes its decisions")
        .iter()
        .map(|value| value.as_str().expect("a string").to_string())
        .collect()
}

/// Rounds of the derives of `fact` at `node`.
fn derive_rounds(trace: &Trace, node: &str, fact: &Value) -> Vec<u64> {
    trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Derive && e.node.as_deref() == Some(node))
        .filter(|e| e.fact.as_ref() == Some(fact))
        .map(|e| e.lt)
        .collect()
}

fn commit() -> Value {
    json!(["commit", "hello"])
}

fn abort() -> Value {
    json!(["abort", "hello"])
}

#[test]
fn registry_entries() {
    for (name, default_spec) in [
        ("2pc", spec(5, 0, 1)),
        ("2pc-ctp", spec(8, 0, 1)),
        ("3pc", spec(9, 7, 1)),
    ] {
        let sut = faultline_suts::get(name).expect("built-in SUT");
        assert_eq!(sut.nodes(), ["a", "b", "C", "d"], "{name}");
        assert_eq!(sut.time_model(), TimeModel::Rounds, "{name}");
        assert_eq!(sut.default_spec(), default_spec, "{name}");
    }
}

#[test]
fn failure_free_runs_commit_everywhere() {
    for name in SUTS {
        let default_spec = faultline_suts::get(name).expect("built in").default_spec();
        let (trace, report) = run(name, default_spec, Vec::new());
        assert!(
            report.holds && !report.vacuous,
            "{name}: {}",
            report.explanation
        );
        assert_eq!(report.explanation, "a, b, C and d committed", "{name}");
        for node in ["a", "b", "C", "d"] {
            assert_eq!(decisions(&trace, node), ["commit"], "{name} {node}");
        }
        for event in &trace.events {
            if matches!(event.kind, EventKind::Send | EventKind::Derive) {
                assert!(
                    !event.parents.is_empty(),
                    "{name}: #{} has parents",
                    event.id
                );
            }
        }
    }
}

/// The rounds of the failure-free runs are Molly's: `@next` decisions hold from the round
/// after their derivation, messages take one round.
#[test]
fn failure_free_timelines_follow_the_dedalus_programs() {
    // 2pc and 2pc-ctp: prepare 1, votes 2 → 3, C commits at the end of 3, sends from 4.
    for name in ["2pc", "2pc-ctp"] {
        let (trace, _) = run(name, spec(8, 0, 0), Vec::new());
        assert_eq!(derive_rounds(&trace, "C", &commit())[0], 3, "{name}");
        assert_eq!(derive_rounds(&trace, "a", &commit())[0], 5, "{name}");
    }
    // 2pc-ctp: the agents' first timers fire in round 5, after C's commit arrived: no request.
    let (trace, _) = run("2pc-ctp", spec(8, 0, 0), Vec::new());
    assert_eq!(
        derive_rounds(&trace, "b", &json!(["known", "hello", 5])),
        [5]
    );
    assert!(
        !trace
            .events
            .iter()
            .any(|e| e.kind == EventKind::Send && e.msg_type.as_deref() == Some("decision_req"))
    );
    // 3pc: cancommit 1, votes 2, precommit 3, acks 4 → 5, C commits at the end of 5; the
    // agents' second timers commit them in round 7, when C's commits of round 6 arrive too.
    let (trace, _) = run("3pc", spec(9, 7, 1), Vec::new());
    assert_eq!(derive_rounds(&trace, "C", &commit()), [5]);
    assert_eq!(derive_rounds(&trace, "d", &commit())[0], 7);
    // At EOT 6 only C has decided: 3pc needs EOT 7 to terminate.
    let (_, report) = run("3pc", spec(6, 0, 0), Vec::new());
    assert_eq!(
        report.explanation,
        "termination: a, b and d prepared but only C decided"
    );
}

#[test]
fn goals_of_the_failure_free_runs() {
    // 2pc: two deciders, one any_of group per node; nothing can abort.
    let (trace, report) = run("2pc", spec(5, 0, 1), Vec::new());
    assert_eq!(report.goal.scope, GoalScope::FaultIndependent);
    assert!(report.goal.all_of.is_empty());
    assert_eq!(report.goal.any_of.len(), 4);
    for group in &report.goal.any_of {
        assert_eq!(group.len(), 3, "the other three nodes' commits");
        assert!(
            goal_facts(&trace, group)
                .iter()
                .all(|(_, fact)| *fact == commit())
        );
    }
    // 2pc-ctp: C's commit of round 3 and each agent's knowledge at its first timer.
    let (trace, report) = run("2pc-ctp", spec(8, 0, 1), Vec::new());
    assert_eq!(report.goal.scope, GoalScope::CrashedNodesExempt);
    assert_eq!(report.goal.exempt_if_crashed, Some(Default::default()));
    let known = json!(["known", "hello", 5]);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [
            ("C".to_string(), commit()),
            ("a".to_string(), known.clone()),
            ("b".to_string(), known.clone()),
            ("d".to_string(), known)
        ]
    );
    // 3pc: C's commit (it rests on the round-5 acks) and two deciders.
    let (trace, report) = run("3pc", spec(9, 7, 1), Vec::new());
    assert_eq!(report.goal.scope, GoalScope::FaultIndependent);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("C".to_string(), commit())]
    );
    let commit_at_c = trace.event(report.goal.all_of[0]).expect("an event");
    let premises: Vec<Value> = commit_at_c
        .parents
        .iter()
        .filter_map(|&p| trace.event(p).and_then(|e| e.fact.clone()))
        .collect();
    assert_eq!(
        premises,
        [
            json!(["ack", "a", "hello", 5]),
            json!(["ack", "b", "hello", 5]),
            json!(["ack", "d", "hello", 5])
        ]
    );
}

/// Figure 8: C crashes after the agents prepared; no timeout, so nobody else ever decides.
#[test]
fn twopc_blocks_when_the_coordinator_crashes() {
    let (trace, report) = run("2pc", spec(5, 0, 1), vec![crash("C", 4)]);
    assert!(!report.holds);
    assert_eq!(
        report.explanation,
        "termination: a, b and d prepared but only C decided"
    );
    // C decided at the end of round 3 and holds it, but sent nothing from round 4 on.
    assert_eq!(decisions(&trace, "C"), ["commit"]);
    for crashed_earlier in [2, 3] {
        let (_, report) = run("2pc", spec(5, 0, 1), vec![crash("C", crashed_earlier)]);
        assert_eq!(
            report.explanation,
            "termination: a, b and d prepared but no node decided"
        );
    }
    // An agent that crashes before voting blocks everybody just the same, at any EOT.
    let (_, report) = run("2pc", spec(9, 0, 1), vec![crash("a", 2)]);
    assert_eq!(
        report.explanation,
        "termination: b and d prepared but no node decided"
    );
    // A crash after the commits are out is harmless.
    let (_, report) = run("2pc", spec(5, 0, 1), vec![crash("C", 5)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
}

/// CounterexampleSuite: 7/3/0 holds, 6/3/x does not. Losing C's prepares to a in rounds 1 and
/// 2 delays a's vote to round 4, C's commit to the end of 5, the agents' to round 7.
#[test]
fn twopc_omissions_only_delay_the_decision() {
    let lose = vec![omission("C", "a", 1), omission("C", "a", 2)];
    let (_, report) = run("2pc", spec(7, 3, 0), lose.clone());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    let (_, report) = run("2pc", spec(6, 3, 0), lose);
    assert_eq!(
        report.explanation,
        "termination: a, b and d prepared but only C decided"
    );
}

/// The paper's 2pc-ctp counterexample: C crashes after the votes; the agents' requests reach
/// only uncertain peers.
#[test]
fn twopc_ctp_still_blocks_when_the_coordinator_crashes() {
    let (trace, report) = run("2pc-ctp", spec(8, 0, 1), vec![crash("C", 4)]);
    assert_eq!(
        report.explanation,
        "termination: a, b and d prepared but only C decided"
    );
    let requests: Vec<(String, u64)> = trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Send && e.msg_type.as_deref() == Some("decision_req"))
        .filter(|e| e.dst.as_deref() == Some("C"))
        .map(|e| (e.src.clone().unwrap_or_default(), e.lt))
        .collect();
    // Each agent asks at each of its timers (one per prepare: rounds 2, 3, 4 → 5, 6, 7).
    assert_eq!(requests.len(), 9, "{requests:?}");
    assert!(requests.iter().all(|(_, round)| (5..=7).contains(round)));
}

/// Molly's 2pc_ctp: C aborts at its timer when a vote is missing, stops running, and then
/// commits on any yes vote (`missing_vote` needs `running`); it holds both in round 7.
#[test]
fn twopc_ctp_coordinator_commits_after_aborting() {
    let (trace, report) = run("2pc-ctp", spec(8, 0, 1), vec![crash("d", 1)]);
    assert!(!report.holds);
    assert_eq!(derive_rounds(&trace, "C", &abort())[0], 4);
    assert_eq!(derive_rounds(&trace, "C", &commit())[0], 6);
    assert_eq!(decisions(&trace, "C"), ["commit", "abort"]);
    // At EOT 6 the commit would hold only after the run: everybody has aborted.
    let (_, report) = run("2pc-ctp", spec(6, 0, 1), vec![crash("d", 1)]);
    assert!(report.holds, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "a, b and C aborted (no goal known to suffice: nothing to learn)"
    );
    // A node that never prepared aborts on a request: C, once an agent asks it (its first
    // prepare was lost, so its vote came late and C committed late).
    let (_, report) = run("2pc-ctp", spec(6, 2, 0), vec![omission("C", "d", 1)]);
    assert_eq!(
        report.explanation,
        "agreement: a, b, C and d hold commit but C holds abort"
    );
}

/// Figure 9: d's ack is missing (d crashed), so C aborts; its aborts of round 6 to a and b are
/// lost; a and b time out precommitted and commit, and keep sending commit to each other.
#[test]
fn threepc_splits_under_omissions_and_a_crash() {
    let figure_9 = vec![crash("d", 4), omission("C", "a", 6), omission("C", "b", 6)];
    let (trace, report) = run("3pc", spec(9, 7, 1), figure_9);
    assert_eq!(
        report.explanation,
        "agreement: a and b hold commit but a, b and C hold abort"
    );
    assert_eq!(derive_rounds(&trace, "C", &abort()), [5]);
    assert_eq!(derive_rounds(&trace, "a", &commit())[0], 7);
    // One lost abort is enough: a commits, and its commits keep b's and d's commit alive.
    for missing_ack in [crash("d", 4), omission("d", "C", 4)] {
        let (_, report) = run(
            "3pc",
            spec(9, 7, 1),
            vec![missing_ack, omission("C", "a", 6)],
        );
        assert!(!report.holds, "{}", report.explanation);
    }
    // Without the lost abort, everybody aborts: C's abort arrives before the agents' timers.
    let (_, report) = run("3pc", spec(9, 7, 1), vec![crash("d", 4)]);
    assert_eq!(report.explanation, "a, b and C aborted");
}

/// With two crashes 3pc splits without any omission: C aborts for the crashed agent's missing
/// ack at the end of round 5 and crashes in round 6, before its aborts are out. Molly's
/// CounterexampleSuite expects no counterexample at 8/0/2; see the module doc of `commit_3pc`.
#[test]
fn threepc_splits_with_two_crashes() {
    let (trace, report) = run("3pc", spec(8, 0, 2), vec![crash("d", 4), crash("C", 6)]);
    assert_eq!(
        report.explanation,
        "agreement: a and b hold commit but C holds abort"
    );
    assert_eq!(decisions(&trace, "C"), ["abort"]);
    // Either crash alone is harmless (8/0/1 certifies).
    for fault in [crash("d", 4), crash("C", 6)] {
        let (_, report) = run("3pc", spec(8, 0, 1), vec![fault]);
        assert!(report.holds && !report.vacuous, "{}", report.explanation);
    }
}

#[test]
fn threepc_goals_of_good_runs_with_faults() {
    // C crashed by round 5, every agent precommitted in round 4: nobody can abort.
    let (trace, report) = run("3pc", spec(9, 7, 1), vec![crash("C", 5)]);
    assert_eq!(report.explanation, "a, b and d committed");
    assert_eq!(report.goal.scope, GoalScope::CrashedNodesExempt);
    let precommitted = json!(["precommitted", "hello"]);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        ["a", "b", "d"].map(|a| (a.to_string(), precommitted.clone()))
    );
    // C crashed by round 3: no precommit ever, so nobody can commit.
    let (_, report) = run("3pc", spec(9, 7, 1), vec![crash("C", 3)]);
    assert_eq!(report.explanation, "a, b and d aborted");
    assert!(report.goal.all_of.is_empty());
    assert_eq!(report.goal.any_of.len(), 4);
    // C aborted: its abort and its deliveries of round 7 (d crashed by then).
    let (trace, report) = run("3pc", spec(9, 7, 1), vec![crash("d", 4)]);
    assert_eq!(report.goal.scope, GoalScope::CrashedNodesExempt);
    let kinds: Vec<(EventKind, Option<&str>, u64)> = report
        .goal
        .all_of
        .iter()
        .map(|&id| {
            let e = trace.event(id).expect("an event");
            (e.kind, e.dst.as_deref().or(e.node.as_deref()), e.lt)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Derive, Some("C"), 5),
            (EventKind::Deliver, Some("a"), 7),
            (EventKind::Deliver, Some("b"), 7)
        ]
    );
    // An agent that got no precommit and no abort by round 7 and stays up: no goal is known.
    let (_, report) = run(
        "3pc",
        spec(9, 7, 1),
        vec![omission("C", "a", 3), omission("C", "a", 6)],
    );
    assert!(
        report.holds && report.goal.is_empty(),
        "{}",
        report.explanation
    );
}

#[test]
fn runs_are_deterministic() {
    assert_deterministic("2pc", 3, vec![Vec::new(), vec![crash("C", 4)]]);
    assert_deterministic("2pc-ctp", 3, vec![Vec::new(), vec![crash("C", 4)]]);
    assert_deterministic(
        "3pc",
        3,
        vec![
            Vec::new(),
            vec![crash("d", 4), omission("C", "a", 6), omission("C", "b", 6)],
        ],
    );
}

/// Every omission slot C and the agents send on before round `eff` in 2pc.
fn twopc_slots(eff: u64) -> Vec<(&'static str, &'static str, u64)> {
    let mut slots = Vec::new();
    for at in 1..eff {
        for agent in ["a", "b", "d"] {
            slots.push(("C", agent, at));
            if at >= 2 {
                slots.push((agent, "C", at));
            }
        }
    }
    slots
}

/// CounterexampleSuite 2pc 7/3/0: no counterexample (C's prepares of round 3 always arrive).
/// One omission fewer of slack and it blocks (6/3/0).
#[test]
fn brute_force_twopc_omissions() {
    let tally = brute_force("2pc", spec(7, 3, 0), &twopc_slots(3));
    assert_eq!((tally.runs, tally.bad), (512, 0), "{tally:?}");
    let tally = brute_force("2pc", spec(6, 3, 0), &twopc_slots(3));
    assert_eq!(tally.bad, 387, "{tally:?}");
    assert_eq!(tally.minimal.len(), 6);
    assert!(
        tally
            .minimal
            .contains(&vec![omission("C", "a", 1), omission("C", "a", 2)])
    );
}

/// Crash-only spaces (EFF 0): every admissible set.
#[test]
fn brute_force_crashes() {
    let no_slots: &[(&str, &str, u64)] = &[];
    let tally = brute_force("2pc", spec(5, 0, 2), no_slots);
    assert_eq!((tally.runs, tally.bad), (171, 108), "{tally:?}");
    assert_eq!(
        tally.minimal_within(1),
        [
            vec![crash("C", 2)],
            vec![crash("C", 3)],
            vec![crash("C", 4)],
            vec![crash("a", 1)],
            vec![crash("a", 2)],
            vec![crash("b", 1)],
            vec![crash("b", 2)],
            vec![crash("d", 1)],
            vec![crash("d", 2)],
        ]
    );
    let tally = brute_force("2pc-ctp", spec(8, 0, 2), no_slots);
    assert_eq!(tally.runs, 417, "{tally:?}");
    assert!(tally.minimal.contains(&vec![crash("C", 4)]));
    let tally = brute_force("3pc", spec(8, 0, 2), no_slots);
    assert_eq!(tally.runs, 417, "{tally:?}");
    // 8/0/1 certifies; every minimal counterexample of 8/0/2 crashes C in round 6, after it
    // aborted for a crashed agent's missing ack.
    assert!(tally.minimal_within(1).is_empty());
    assert_eq!(
        tally.minimal,
        [
            vec![crash("C", 6), crash("a", 3)],
            vec![crash("C", 6), crash("a", 4)],
            vec![crash("C", 6), crash("b", 3)],
            vec![crash("C", 6), crash("b", 4)],
            vec![crash("C", 6), crash("d", 3)],
            vec![crash("C", 6), crash("d", 4)],
        ]
    );
}

/// 3pc with omissions of rounds 1 and 2 (cancommit, votes) and a crash: no counterexample.
#[test]
fn brute_force_threepc_early_omissions() {
    let mut slots = Vec::new();
    for agent in ["a", "b", "d"] {
        slots.push(("C", agent, 1));
        slots.push((agent, "C", 2));
    }
    let tally = brute_force("3pc", spec(9, 3, 1), &slots);
    assert_eq!(tally.bad, 0, "{tally:?}");
}

/// 2pc-ctp with the prepares and votes of rounds 1 and 2 lossy: one lost message breaks it.
/// A late vote lets C's timer (round 4) abort it, or delays its commit past an agent's first
/// timer, whose request C (never prepared) answers by aborting; either way C commits too.
#[test]
fn brute_force_twopc_ctp_omissions() {
    let tally = brute_force("2pc-ctp", spec(8, 3, 0), &twopc_slots(3));
    assert_eq!(
        (tally.runs, tally.bad, tally.goalless),
        (512, 496, 8),
        "{tally:?}"
    );
    let singles: Vec<Vec<Fault>> = twopc_slots(3)
        .into_iter()
        .filter(|(src, dst, at)| (*src == "C" && *at == 1) || (*dst == "C" && *at == 2))
        .map(|(src, dst, at)| vec![omission(src, dst, at)])
        .collect();
    let mut minimal = tally.minimal.clone();
    minimal.sort();
    let mut expected = singles;
    expected.sort();
    assert_eq!(minimal, expected);
}

/// 3pc with every message of rounds 1 to 4 lossy (cancommit, votes, precommit, acks): C's
/// aborts of round 6 always arrive, so nothing splits.
#[test]
fn brute_force_threepc_omissions_before_the_decision() {
    let mut slots = Vec::new();
    for agent in ["a", "b", "d"] {
        for (src, dst, at) in [
            ("C", agent, 1),
            (agent, "C", 2),
            ("C", agent, 3),
            (agent, "C", 4),
        ] {
            slots.push((src, dst, at));
        }
    }
    let tally = brute_force("3pc", spec(8, 5, 0), &slots);
    assert_eq!((tally.runs, tally.bad), (4_096, 0), "{tally:?}");
}

/// Larger brute-force spaces behind LDFI's certificates for 3pc with omissions and a crash
/// (`faultline explore --sut 3pc --eot E --eff F --crashes 1` certifies each): slow in a debug
/// build, run with `cargo test --release -p faultline-suts --test commit -- --ignored`.
#[test]
#[ignore = "tens of seconds in release, minutes in debug"]
fn brute_force_threepc_certificates() {
    let round = |at: u64| -> Vec<(&'static str, &'static str, u64)> {
        ["a", "b", "d"]
            .into_iter()
            .map(|agent| {
                if at % 2 == 1 {
                    ("C", agent, at)
                } else {
                    (agent, "C", at)
                }
            })
            .collect()
    };
    let slots: Vec<_> = (1..=3).flat_map(round).collect();
    for eot in [7, 8, 9] {
        let tally = brute_force("3pc", spec(eot, 4, 1), &slots);
        assert_eq!(tally.bad, 0, "{eot}/4/1: {tally:?}");
    }
    let slots: Vec<_> = (1..=4).flat_map(round).collect();
    for eot in [7, 9] {
        let tally = brute_force("3pc", spec(eot, 6, 0), &slots);
        assert_eq!(tally.bad, 0, "{eot}/6/0: {tally:?}");
    }
    let tally = brute_force("2pc", spec(9, 4, 0), &twopc_slots(4));
    assert_eq!(tally.bad, 0, "2pc 9/4/0: {tally:?}");
}
