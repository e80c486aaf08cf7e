//! Searching a user's own system from its own `cargo test`: the eager register loses an
//! acknowledged write, the synchronous one is certified, and both verdicts agree with running
//! every admissible fault set.

use faultline::{Explore, Fault, Strategy, Verdict, explore};
use faultline_examples::register::{Ack, system};

/// The LTL form of the invariant: the search may use it as its oracle instead.
const DURABLE: &str = r#"
property durable:
  G (last ->
      ("pre": "x" in @C'.acked)
      -> ("post": exists s. s != C && !O crashed(s) && "x" in @s'.store))
"#;

#[test]
fn the_failure_free_run_acknowledges_a_durable_write() {
    for ack in [Ack::AfterBackups, Ack::AtOnce] {
        let register = system(ack).expect("well formed");
        let trace = register.run(&register.default_config(0)).expect("runs");
        let report = register.check(&trace);
        assert!(report.holds && !report.vacuous, "{ack:?}: {report:?}");
        assert_eq!(report.explanation, "the acknowledged write is on p, b1, b2");
    }
}

#[test]
fn the_eager_register_loses_an_acknowledged_write() {
    let eager = system(Ack::AtOnce).expect("well formed");
    let report = explore(&eager, &Explore::new()).expect("searches");
    let faults = report.assert_counterexample();
    // The only way: both first copies lost, the primary crashed after its ack went out.
    assert!(
        faults
            .iter()
            .any(|fault| matches!(fault, Fault::Crash { node, .. } if node == "p")),
        "{report}"
    );
    assert_eq!(faults.len(), 3, "{report}");
    // The reproducer replays the bug.
    let line = report.reproducer().expect("a counterexample has one");
    assert!(line.starts_with("system.replay(0, r#\"["), "{line}");
    let json = faults_json(&line);
    let replayed = eager.replay(0, json).expect("replays");
    let verdict = eager.check(&replayed);
    assert!(!verdict.holds, "{verdict:?}");
    assert_eq!(
        verdict.explanation,
        "the write was acknowledged but no server that never crashed stores it"
    );
}

#[test]
fn the_synchronous_register_is_certified() {
    let sync = system(Ack::AfterBackups).expect("well formed");
    let report = explore(&sync, &Explore::new()).expect("searches");
    report.assert_certified();
    // Two crashes still leave one server holding every acknowledged write.
    explore(&sync, &Explore::new().crashes(2))
        .expect("searches")
        .assert_certified();
}

#[test]
fn the_ltl_spec_reaches_the_invariants_verdicts() {
    let eager = system(Ack::AtOnce).expect("well formed");
    let report = explore(&eager, &Explore::new().ltl(DURABLE)).expect("searches");
    assert_eq!(report.verdict(), Verdict::Counterexample, "{report}");
    let sync = system(Ack::AfterBackups).expect("well formed");
    explore(&sync, &Explore::new().ltl(DURABLE))
        .expect("searches")
        .assert_certified();
}

#[test]
fn ldfi_agrees_with_every_fault_set_on_small_specs() {
    for ack in [Ack::AfterBackups, Ack::AtOnce] {
        let register = system(ack).expect("well formed");
        // Four nodes make omission spaces grow fast (2^24 sets at EFF 3): these stay under
        // 10^4 sets each. At EOT 4 the ack cannot arrive in time, so every run is vacuous
        // and both searches must say inconclusive, never certified.
        for (eot, eff, crashes) in [(4, 2, 0), (5, 2, 0), (6, 0, 2), (6, 1, 2)] {
            let config = Explore::new().eot(eot).eff(eff).crashes(crashes);
            let ldfi = explore(&register, &config).expect("searches");
            let truth =
                explore(&register, &config.strategy(Strategy::Exhaustive)).expect("enumerates");
            assert_eq!(
                ldfi.verdict(),
                truth.verdict(),
                "{ack:?} at {eot}/{eff}/{crashes}: LDFI {ldfi} exhaustive {truth}"
            );
            assert!(ldfi.runs() <= truth.runs(), "{ldfi} vs {truth}");
        }
    }
}

#[test]
fn a_badly_described_system_is_an_error_not_a_panic() {
    let config = Explore::new().crashes(9);
    let register = system(Ack::AfterBackups).expect("well formed");
    let err = explore(&register, &config).expect_err("more crashes than nodes");
    assert_eq!(
        err.to_string(),
        "register-sync: 9 crashes allowed but the system has 4 nodes (a node crashes once)"
    );
    let err = explore(&register, &Explore::new().ltl("property p: G (")).expect_err("bad LTL");
    assert!(err.to_string().starts_with("<ltl>:1:"), "{err}");
}

/// The JSON between `r#"` and `"#` in a reproducer line.
fn faults_json(line: &str) -> &str {
    let start = line.find("r#\"").expect("raw string") + 3;
    let end = line.rfind("\"#").expect("raw string end");
    &line[start..end]
}
