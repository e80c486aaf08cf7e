//! The LDFI paper's replication and consensus protocols (§1.9 "Kafka replication",
//! "Consensus / election"): verdicts and exact run counts of `faultline explore`, pinned.
//!
//! - kafka (Molly kafka.ded + fake_zk.ded): the ISR bug at 6/4/1 (Molly: 38 runs) and 7/4/1,
//!   no counterexample at 7/4/0 (Molly's CounterexampleSuite).
//! - paxos-synod (Molly paxos_synod.ded): the paper certifies 7/6/1 in 173 runs, but the
//!   program as written has a counterexample there (its acceptors accept every `accept`, with
//!   no phase-2 ballot check, and accepts are re-sent forever): losing b's messages of round 3
//!   to a and c lets a's ballot 7 win with "peter" after b's ballot 5 won with "foobar".

use crate::common::{faultline, repo_dir};
use faultline::spec_oracle::SpecOracle;
use faultline_harness::{Fault, RunConfig};
use serde_json::{Value, json};

fn explore(sut: &str, spec: (u64, u64, u32), ltl: Option<&str>) -> Value {
    let (eot, eff, crashes) = spec;
    let mut command = faultline();
    command.args(["explore", "--sut", sut, "--json"]);
    command.args(["--eot", &eot.to_string(), "--eff", &eff.to_string()]);
    command.args(["--crashes", &crashes.to_string()]);
    if let Some(ltl) = ltl {
        command
            .arg("--spec")
            .arg(repo_dir().join("specs").join(ltl));
    }
    let output = command.output().expect("runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON report");
    let expected_code = match report["verdict"].as_str() {
        Some("counterexample") => 1,
        Some("certified") => 0,
        _ => 3,
    };
    assert_eq!(output.status.code(), Some(expected_code), "{sut} {spec:?}");
    report
}

fn omission(src: &str, dst: &str, at: u64) -> Value {
    json!({"kind": "omission", "src": src, "dst": dst, "at": at})
}

fn crash(node: &str, at: u64) -> Value {
    json!({"kind": "crash", "node": node, "at": at})
}

/// b's and c's registrations with Z lost, a crashed after acking.
fn isr_bug(crash_round: u64) -> Value {
    json!([
        omission("b", "Z", 1),
        omission("c", "Z", 1),
        crash("a", crash_round)
    ])
}

/// Replays a counterexample with `faultline run`: exit 1 and the invariant's explanation.
fn replay(sut: &str, eot: u64, faults: &Value) -> String {
    let output = faultline()
        .args(["run", "--sut", sut, "--eot", &eot.to_string(), "--faults"])
        .arg(faults.to_string())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{sut}: {faults}");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn kafka_isr_bug_at_6_4_1_in_fewer_runs_than_molly() {
    let report = explore("kafka", (6, 4, 1), None);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(
        report["runs"], 34,
        "run count changed (Molly: 38, random: 1183)"
    );
    // The paper's Figure 10: b's and c's membership messages to Z are lost, so the ISR is
    // {a}; a acks at once, then crashes.
    assert_eq!(report["counterexample"], isr_bug(6));
    assert_eq!(report["fault_space"]["gross"], "18536856418509622775644160");
    let text = replay("kafka", 6, &report["counterexample"]);
    assert!(
        text.contains(
            "C's write \"Data1\" was acked (leader a's ISR: {a}) but no replica that never \
             crashed holds it: a holds it but crashed; b and c never got it"
        ),
        "{text}"
    );
}

#[test]
fn kafka_molly_regression_verdicts() {
    // Molly's CounterexampleSuite: kafka 7/4/1 has a counterexample, 7/4/0 has none.
    let report = explore("kafka", (7, 4, 1), None);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 57);
    assert_eq!(report["counterexample"], isr_bug(7));
    replay("kafka", 7, &report["counterexample"]);
    // Without crashes the leader, which acks only what it holds, never loses an acked write:
    // the failure-free run's lesson rules out every fault set at once.
    let report = explore("kafka", (7, 4, 0), None);
    assert_eq!(report["verdict"], "certified");
    assert_eq!(report["runs"], 1);
}

#[test]
fn kafka_spec_as_oracle_reaches_the_same_verdicts() {
    // The LTL spec's proofs name only the copies on live replicas, and a run without an ack
    // holds vacuously: more runs than the built-in invariant, same verdicts.
    let report = explore("kafka", (5, 2, 1), Some("kafka.ltl"));
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 139);
    assert_eq!(report["counterexample"], isr_bug(5));
    let report = explore("kafka", (5, 2, 1), None);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 9);
    assert_eq!(report["counterexample"], isr_bug(5));
}

#[test]
fn kafka_runs_are_histories() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("isr.jsonl");
    faultline()
        .args(["run", "--sut", "kafka", "--faults"])
        .arg(isr_bug(5).to_string())
        .arg("-o")
        .arg(&trace)
        .assert()
        .code(1);
    // The client's write and its ack are the trace's client history.
    let output = faultline()
        .args(["trace", "validate"])
        .arg(&trace)
        .output()
        .expect("runs");
    assert!(output.status.success());
    let summary = String::from_utf8(output.stdout).expect("utf-8");
    assert!(summary.contains("2 client events"), "{summary}");
    // elle-lite reads it: one append and no read, so nothing to order (unknown, exit 3).
    let output = faultline()
        .args(["elle", "--json"])
        .arg(&trace)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(3));
    let elle: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(elle["anomaly_types"], json!(["empty-transaction-graph"]));
    // The spec's premise reads the history (`O $.kind == "ok"`): the acked write is lost.
    let output = faultline()
        .args(["check", "--json", "--spec"])
        .arg(repo_dir().join("specs").join("kafka.ltl"))
        .arg(&trace)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.contains("\"ok\""), "{text}");
}

#[test]
fn paxos_synod_as_written_is_not_certified_at_7_6_1() {
    let report = explore("paxos-synod", (7, 6, 1), None);
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 424);
    let lost = json!([omission("b", "a", 3), omission("b", "c", 3)]);
    assert_eq!(report["counterexample"], lost);
    let text = replay("paxos-synod", 7, &lost);
    assert!(
        text.contains(
            "acceptors that never crashed accepted different values: \"foobar\" at a, b and c \
             and \"peter\" at a, b and c"
        ),
        "{text}"
    );
    // The LTL spec agrees, with the same count (neither oracle can name a goal).
    let report = explore("paxos-synod", (7, 6, 1), Some("paxos-synod.ltl"));
    assert_eq!(report["verdict"], "counterexample");
    assert_eq!(report["runs"], 424);
    assert_eq!(report["counterexample"], lost);
}

/// Each fault set: any subset of `slots` with no crash or one crash of any node at any round.
fn fault_sets(nodes: &[&str], eot: u64, slots: &[(&str, &str, u64)]) -> Vec<Vec<Fault>> {
    let mut crashes: Vec<Option<Fault>> = vec![None];
    for node in nodes {
        for at in 1..=eot {
            crashes.push(Some(Fault::Crash {
                node: node.to_string(),
                at,
            }));
        }
    }
    let mut sets = Vec::new();
    for crash in &crashes {
        for mask in 0u32..(1 << slots.len()) {
            let mut faults: Vec<Fault> = crash.iter().cloned().collect();
            for (bit, (src, dst, at)) in slots.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    faults.push(Fault::Omission {
                        src: src.to_string(),
                        dst: dst.to_string(),
                        at: *at,
                    });
                }
            }
            sets.push(faults);
        }
    }
    sets
}

/// The spec and the built-in invariant give the same verdict on every set: (sets, bad sets).
fn spec_agrees_with_invariant(name: &str, eot: u64, sets: &[Vec<Fault>]) -> (usize, usize) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let oracle = SpecOracle::load(&repo_dir().join("specs").join(format!("{name}.ltl")))
        .expect("the spec parses");
    let mut bad = 0;
    for faults in sets {
        let trace = sut
            .run(&RunConfig::new(0, eot).with_faults(faults.clone()))
            .expect("runs");
        let invariant = sut.check(&trace).holds;
        let spec = oracle
            .verdicts(&trace)
            .expect("checks")
            .iter()
            .all(|verdict| verdict.holds);
        assert_eq!(invariant, spec, "{name} {faults:?}");
        bad += usize::from(!invariant);
    }
    (sets.len(), bad)
}

#[test]
fn the_specs_state_the_built_in_invariants() {
    // kafka, EOT 5: every loss of a round-1 registration, with or without one crash.
    let slots = [("a", "Z", 1), ("b", "Z", 1), ("c", "Z", 1), ("C", "Z", 1)];
    let sets = fault_sets(&["a", "b", "c", "C", "Z"], 5, &slots);
    assert_eq!(spec_agrees_with_invariant("kafka", 5, &sets), (416, 2));
    // paxos-synod, EOT 6: the messages of both counterexamples, with or without one crash.
    let slots = [
        ("b", "a", 1),
        ("b", "c", 1),
        ("a", "b", 3),
        ("a", "c", 3),
        ("b", "a", 3),
        ("b", "c", 3),
    ];
    let sets = fault_sets(&["a", "b", "c"], 6, &slots);
    let (count, bad) = spec_agrees_with_invariant("paxos-synod", 6, &sets);
    assert_eq!(count, 1_216);
    assert_eq!(bad, 42);
}

/// A property that names no goal certifies only by covering the space. paxos-synod does, at
/// Molly's own configuration for its table of correct programs (8/3/1; its whole space of
/// 102,400 sets has no counterexample: `suts/tests/paxos.rs`), and `paxos` — the same program
/// with the acceptor's phase-2 promise, judged by Paxos's safety — does where paxos-synod has
/// a counterexample (6/4/0).
#[test]
fn properties_without_a_goal_certify_by_covering_the_space() {
    let report = explore("paxos-synod", (8, 3, 1), None);
    assert_eq!(report["verdict"], "certified");
    assert_eq!(report["by_cover"], true);
    assert_eq!(report["runs"], 810);
    let report = explore("paxos", (6, 4, 0), None);
    assert_eq!(report["verdict"], "certified");
    assert_eq!(report["by_cover"], true);
    assert_eq!(report["runs"], 672);
    assert_eq!(
        explore("paxos-synod", (6, 4, 0), None)["verdict"],
        "counterexample"
    );
    // The text says how the certificate was reached.
    let output = faultline()
        .args([
            "explore",
            "--sut",
            "paxos",
            "--eot",
            "4",
            "--eff",
            "3",
            "--crashes",
            "1",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(
        text.contains("no run named a goal, so the search covered the space"),
        "{text}"
    );
}
