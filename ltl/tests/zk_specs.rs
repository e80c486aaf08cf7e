//! The zksync recipes' specs (`specs/zk-*.ltl`) against their built-in invariants, on every
//! fault set of each default spec (every clog window of every node, or every crash): the two
//! must give the same verdict on every run.

use std::path::PathBuf;

use faultline_harness::{FailureSpec, Fault};
use faultline_ltl::{Evaluation, Spec, TraceModel, parse_spec};

fn spec_for(name: &str) -> Spec {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(format!("{name}.ltl"));
    let source = std::fs::read_to_string(&path).expect("spec file exists");
    parse_spec(&source, &path.display().to_string()).unwrap_or_else(|err| panic!("{err}"))
}

/// Every fault set of `spec` (at most one clog, at most one crash, no omissions).
fn space(nodes: &[String], spec: FailureSpec) -> Vec<Vec<Fault>> {
    assert_eq!(spec.eff, 0, "no omission slots");
    let mut clogs: Vec<Option<Fault>> = vec![None];
    if spec.max_clogs >= 1 {
        for node in nodes {
            for from in 1..spec.eot {
                for to in from + 1..=spec.eot {
                    clogs.push(Some(Fault::Clog {
                        node: node.clone(),
                        from,
                        to,
                    }));
                }
            }
        }
    }
    let mut crashes: Vec<Option<Fault>> = vec![None];
    if spec.max_crashes >= 1 {
        for node in nodes {
            for at in 1..=spec.eot {
                crashes.push(Some(Fault::Crash {
                    node: node.clone(),
                    at,
                }));
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

/// (runs, runs the built-in invariant calls bad); panics on the first disagreement.
fn agree(name: &str) -> (usize, usize) {
    let sut = faultline_suts::get(name).expect("registered SUT");
    let spec = spec_for(name);
    let property = &spec.properties[0];
    let sets = space(sut.nodes(), sut.default_spec());
    let mut bad = 0;
    for faults in &sets {
        let trace = sut
            .run(&sut.default_config(0).with_faults(faults.clone()))
            .unwrap_or_else(|err| panic!("{name} {faults:?}: {err}"));
        let builtin = sut.check(&trace);
        let model = TraceModel::new(&trace).expect("states fold");
        let evaluation =
            Evaluation::new(&property.formula, &model, &property.name).expect("evaluates");
        assert_eq!(
            builtin.holds,
            evaluation.holds(0),
            "{name} {faults:?}: built-in says {:?}",
            builtin.explanation
        );
        bad += usize::from(!builtin.holds);
    }
    (sets.len(), bad)
}

#[test]
fn zk_lock_spec_agrees_on_the_whole_default_space() {
    assert_eq!(agree("zk-lock"), (3_121, 18));
}

#[test]
fn zk_lock_fenced_spec_agrees_on_the_whole_default_space() {
    assert_eq!(agree("zk-lock-fenced"), (3_121, 0));
}

#[test]
fn zk_rwmutex_spec_agrees_on_the_whole_default_space() {
    assert_eq!(agree("zk-rwmutex"), (8_851, 51));
}

#[test]
fn zk_barrier_spec_agrees_on_the_whole_default_space() {
    assert_eq!(agree("zk-barrier"), (3_121, 0));
}

#[test]
fn zk_double_barrier_spec_agrees_on_the_whole_default_space() {
    assert_eq!(agree("zk-double-barrier"), (161, 16));
}
