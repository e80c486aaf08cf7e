//! relay-chain (store and forward once) and relay-chain-ack (re-send every round until the
//! next hop acks): if a sent "m", c holds it at the end. Pinned: failure-free runs, the
//! one-omission counterexample, the retrying chain's certificate at EFF < EOT − 1 and its
//! failure at EFF = EOT − 1 or with a crash, determinism, brute-force counts.

mod ground_truth;

use faultline_harness::{Fault, InvariantReport};
use faultline_trace::{EventKind, GoalScope, Trace};
use ground_truth::{
    assert_deterministic, brute_force, crash, goal_facts, omission, run_checked, spec,
};
use serde_json::json;

const CHAIN: &str = "relay-chain";
const ACK: &str = "relay-chain-ack";

fn run(name: &str, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_at(name, None, faults)
}

/// A run under `name`'s default spec, with another EOT if given.
fn run_at(name: &str, eot: Option<u64>, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_checked(name, |sut| {
        let mut config = sut.default_config(0).with_faults(faults);
        if let Some(eot) = eot {
            config.eot = eot;
        }
        config
    })
}

#[test]
fn registry_entries() {
    for (name, eot) in [(CHAIN, 4), (ACK, 5)] {
        let sut = faultline_suts::get(name).expect("built-in SUT");
        assert_eq!(sut.nodes(), ["a", "b", "c"]);
        assert_eq!(sut.time_model(), faultline_harness::TimeModel::Rounds);
        assert_eq!(sut.default_spec(), spec(eot, 3, 0));
    }
}

#[test]
fn failure_free_runs_deliver_to_c() {
    for name in [CHAIN, ACK] {
        let (trace, report) = run(name, Vec::new());
        assert!(
            report.holds && !report.vacuous,
            "{name}: {}",
            report.explanation
        );
        assert_eq!(report.explanation, "a sent \"m\" and c holds it");
        assert_eq!(report.goal.scope, GoalScope::FaultIndependent);
        assert!(report.goal.any_of.is_empty());
        assert_eq!(
            goal_facts(&trace, &report.goal.all_of),
            [("c".to_string(), json!(["hold", "m"]))],
            "{name}"
        );
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

#[test]
fn one_lost_message_breaks_the_chain() {
    for lose in [omission("a", "b", 1), omission("b", "c", 2)] {
        let (_, report) = run(CHAIN, vec![lose.clone()]);
        assert!(!report.holds, "{lose:?}: {}", report.explanation);
        assert!(report.goal.is_empty());
        assert_eq!(report.explanation, "a sent \"m\" but c does not hold it");
    }
    // A crash of c after it got the message changes nothing: c keeps its state.
    let (trace, report) = run(CHAIN, vec![crash("c", 4)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("c".to_string(), json!(["hold", "m"]))]
    );
    // a down from round 1 never sends: vacuous.
    let (_, report) = run(CHAIN, vec![crash("a", 1)]);
    assert!(report.holds && report.vacuous, "{}", report.explanation);
    assert_eq!(report.explanation, "vacuously true: a never held \"m\"");
}

#[test]
fn the_retrying_chain_survives_omissions_until_eff_but_not_at_eot_minus_one() {
    let lose_both = vec![omission("a", "b", 1), omission("a", "b", 2)];
    // Default EOT 5: a's copy of round 3 reaches b at 4, b's forward reaches c at 5.
    let (trace, report) = run(ACK, lose_both.clone());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    let goal = report.goal.all_of[0];
    assert_eq!(trace.event(goal).map(|e| e.lt), Some(5));
    // EOT 4 = EFF + 1: that forward arrives after the end.
    let (_, report) = run_at(ACK, Some(4), lose_both);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(report.explanation, "a sent \"m\" but c does not hold it");
    // One crash of the relay breaks it outright.
    let (_, report) = run(ACK, vec![crash("b", 2)]);
    assert!(!report.holds, "{}", report.explanation);
}

#[test]
fn runs_are_deterministic() {
    for name in [CHAIN, ACK] {
        assert_deterministic(
            name,
            11,
            vec![
                Vec::new(),
                vec![omission("a", "b", 1)],
                vec![omission("b", "c", 2), crash("c", 4)],
            ],
        );
    }
}

/// relay-chain's sends before round 3: a's forward (round 1), b's (round 2).
const CHAIN_SLOTS: &[(&str, &str, u64)] = &[("a", "b", 1), ("b", "c", 2)];

/// relay-chain-ack's sends before round 3: a's copies (rounds 1 and 2), b's ack and forward
/// of a round-2 receipt.
const ACK_SLOTS: &[(&str, &str, u64)] =
    &[("a", "b", 1), ("a", "b", 2), ("b", "a", 2), ("b", "c", 2)];

#[test]
fn brute_force_relay_chain() {
    let tally = brute_force(CHAIN, spec(4, 3, 0), CHAIN_SLOTS);
    assert_eq!(tally.full, (1_024, 0, 3_072), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (4, 3), "{tally:?}");
    assert_eq!(
        tally.minimal,
        [vec![omission("a", "b", 1)], vec![omission("b", "c", 2)]]
    );
    // One crash: also crashing b before it forwards, or c before it holds "m" (c never sends,
    // so a search that only crashes nodes from their first send on cannot crash c).
    let tally = brute_force(CHAIN, spec(4, 3, 1), CHAIN_SLOTS);
    assert_eq!(tally.full, (6_400, 256, 25_856), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (46, 37), "{tally:?}");
    assert_eq!(
        tally.minimal,
        [
            vec![omission("a", "b", 1)],
            vec![omission("b", "c", 2)],
            vec![crash("b", 1)],
            vec![crash("b", 2)],
            vec![crash("c", 1)],
            vec![crash("c", 2)],
            vec![crash("c", 3)],
        ]
    );
}

#[test]
fn brute_force_relay_chain_ack() {
    // Certified at the default 5/3/0 (EFF < EOT - 1).
    let tally = brute_force(ACK, spec(5, 3, 0), ACK_SLOTS);
    assert_eq!(tally.full, (4_096, 0, 0), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (16, 0), "{tally:?}");
    // EFF = EOT - 1: losing both of a's early copies is too much.
    let tally = brute_force(ACK, spec(4, 3, 0), ACK_SLOTS);
    assert_eq!(tally.full, (3_072, 0, 1_024), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (16, 4), "{tally:?}");
    assert_eq!(
        tally.minimal,
        [vec![omission("a", "b", 1), omission("a", "b", 2)]]
    );
    // One crash: crashing b or c early enough breaks it.
    let tally = brute_force(ACK, spec(5, 3, 1), ACK_SLOTS);
    assert_eq!(tally.full, (28_160, 256, 16_384), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (212, 96), "{tally:?}");
    let lose_a1 = omission("a", "b", 1);
    let lose_a2 = omission("a", "b", 2);
    let lose_b2 = omission("b", "c", 2);
    assert_eq!(
        tally.minimal,
        [
            vec![crash("b", 1)],
            vec![crash("b", 2)],
            vec![crash("c", 1)],
            vec![crash("c", 2)],
            vec![crash("c", 3)],
            // A lost copy delays the chain by a round; a crash then stops the retries.
            vec![lose_a1.clone(), crash("a", 2)],
            vec![lose_a1.clone(), crash("b", 3)],
            vec![lose_a1.clone(), crash("c", 4)],
            vec![lose_b2.clone(), crash("b", 3)],
            vec![lose_b2, crash("c", 4)],
            vec![lose_a1.clone(), lose_a2.clone(), crash("a", 3)],
            vec![lose_a1.clone(), lose_a2.clone(), crash("b", 4)],
            vec![lose_a1, lose_a2, crash("c", 5)],
        ]
    );
}
