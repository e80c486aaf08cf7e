//! The proposer on hand-built traces: detsys's worked examples, and Z3's minimal hitting sets
//! against brute force.

mod common;

use std::collections::BTreeSet;

use faultline_ldfi::{Proposals, Proposer, build_lineage, default_goal};
use faultline_trace::{Event, EventKind, FailureSpec, Fault, Header, TimeModel, Trace};
use proptest::prelude::*;

/// A trace without lineage annotations: (src, dst, sent_lt, delivered) messages, in order.
fn network_trace(faults: &[Fault], messages: &[(&str, &str, u64, bool)]) -> Trace {
    let mut nodes = BTreeSet::new();
    for (src, dst, _, _) in messages {
        nodes.insert(src.to_string());
        nodes.insert(dst.to_string());
    }
    let mut header = Header::new(
        "hand",
        "hand",
        TimeModel::Rounds,
        nodes.into_iter().collect(),
    );
    header.faults = faults.to_vec();
    let mut trace = Trace::new(header);
    for (msg_id, (src, dst, sent_lt, delivered)) in messages.iter().enumerate() {
        let message = Event {
            src: Some(src.to_string()),
            dst: Some(dst.to_string()),
            msg_id: Some(msg_id as u64),
            sent_lt: Some(*sent_lt),
            ..Event::new(0, EventKind::Send, *sent_lt)
        };
        let id = trace.events.len() as u64;
        trace.push(Event {
            id,
            ..message.clone()
        });
        let kind = if *delivered {
            EventKind::Deliver
        } else {
            EventKind::Drop
        };
        trace.push(Event {
            id: id + 1,
            kind,
            lt: sent_lt + 1,
            ..message
        });
    }
    trace
}

fn omission(src: &str, dst: &str, at: u64) -> Fault {
    Fault::Omission {
        src: src.into(),
        dst: dst.into(),
        at,
    }
}

fn crash(node: &str, at: u64) -> Fault {
    Fault::Crash {
        node: node.into(),
        at,
    }
}

fn good_run(proposer: &mut Proposer, trace: &Trace) {
    let lineage = build_lineage(trace, &default_goal(trace)).expect("lineage");
    proposer.add_good_run(&trace.header.faults, trace, &lineage);
}

fn all_sets(proposer: &mut Proposer) -> Vec<Vec<Fault>> {
    match proposer.propose(100) {
        Proposals::Sets(sets) => sets,
        other => panic!("expected proposals, got {other:?}"),
    }
}

fn sorted(mut set: Vec<Fault>) -> Vec<Fault> {
    set.sort();
    set
}

#[test]
fn detsys_cache_example_never_fails_s1_or_s2_without_c() {
    let spec = FailureSpec {
        eot: 5,
        eff: 3,
        max_crashes: 0,
        max_clogs: 0,
        ..FailureSpec::default()
    };
    let mut proposer = Proposer::new(spec, 10_000);
    good_run(
        &mut proposer,
        &network_trace(&[], &[("A", "B", 1, true), ("A", "C", 1, true)]),
    );
    good_run(
        &mut proposer,
        &network_trace(
            &[],
            &[
                ("A", "B", 1, true),
                ("A", "R", 1, true),
                ("R", "S1", 2, true),
                ("R", "S2", 2, true),
            ],
        ),
    );
    let sets = all_sets(&mut proposer);
    // A→B ∧ (A→C ∨ (A→R ∧ R→S1 ∧ R→S2)): break A→B, or A→C and one of the cache path.
    let expected = [
        vec![omission("A", "B", 1)],
        sorted(vec![omission("A", "C", 1), omission("A", "R", 1)]),
        sorted(vec![omission("A", "C", 1), omission("R", "S1", 2)]),
        sorted(vec![omission("A", "C", 1), omission("R", "S2", 2)]),
    ];
    assert_eq!(sets[0], expected[0]);
    let rest: BTreeSet<_> = sets[1..].iter().cloned().collect();
    assert_eq!(rest, expected[1..].iter().cloned().collect());
    for set in &sets {
        let hits_cache = set
            .iter()
            .any(|f| matches!(f, Fault::Omission { src, .. } if src == "R"));
        if hits_cache {
            assert!(set.contains(&omission("A", "C", 1)), "{set:?}");
        }
    }
}

#[test]
fn detsys_broadcast1_proposes_the_minimal_omission() {
    let spec = FailureSpec {
        eot: 5,
        eff: 3,
        max_crashes: 0,
        max_clogs: 0,
        ..FailureSpec::default()
    };
    let mut proposer = Proposer::new(spec, 10_000);
    good_run(
        &mut proposer,
        &network_trace(&[], &[("A", "B", 1, true), ("A", "C", 1, true)]),
    );
    let first = all_sets(&mut proposer);
    assert_eq!(
        first.iter().cloned().collect::<BTreeSet<_>>(),
        [vec![omission("A", "B", 1)], vec![omission("A", "C", 1)]]
            .into_iter()
            .collect()
    );
    // Run 2 dropped A→C and still only B's delivery held the outcome: A→B is the one left.
    let second = [omission("A", "C", 1)];
    good_run(
        &mut proposer,
        &network_trace(&second, &[("A", "B", 1, true), ("A", "C", 1, false)]),
    );
    assert_eq!(all_sets(&mut proposer), vec![vec![omission("A", "B", 1)]]);
}

#[test]
fn detsys_broadcast2_retry_needs_a_crash_and_an_omission() {
    let spec = FailureSpec {
        eot: 5,
        eff: 2,
        max_crashes: 1,
        max_clogs: 0,
        ..FailureSpec::default()
    };
    let mut proposer = Proposer::new(spec, 10_000);
    good_run(
        &mut proposer,
        &network_trace(&[], &[("A", "B", 1, true), ("A", "C", 1, true)]),
    );
    let c_lost = [omission("A", "C", 1)];
    good_run(
        &mut proposer,
        &network_trace(&c_lost, &[("A", "B", 1, true), ("A", "C", 1, false)]),
    );
    let b_lost = [omission("A", "B", 1)];
    good_run(
        &mut proposer,
        &network_trace(
            &b_lost,
            &[
                ("A", "B", 1, false),
                ("A", "C", 1, true),
                ("A", "B", 2, true),
            ],
        ),
    );
    let sets = all_sets(&mut proposer);
    assert!(
        sets.contains(&sorted(vec![omission("A", "B", 1), crash("A", 2)])),
        "{sets:?}"
    );
    // Size 1, in either order: crash the broadcaster before it sends, or crash B before its
    // only delivery (any node may crash at any round); everything else needs two faults.
    let singles: BTreeSet<Vec<Fault>> = sets[..2].iter().cloned().collect();
    assert_eq!(
        singles,
        [vec![crash("A", 1)], vec![crash("B", 2)]]
            .into_iter()
            .collect()
    );
    assert!(sets[2..].iter().all(|set| set.len() == 2), "{sets:?}");
    // Never a tried set, never a superset of the crash at 1 proposed in the same call.
    for set in &sets[2..] {
        assert!(!set.contains(&crash("A", 1)));
        assert_ne!(set[..], c_lost[..]);
        assert_ne!(set[..], b_lost[..]);
    }
}

#[test]
fn a_counterexample_blocks_its_supersets_and_certification_follows() {
    let spec = FailureSpec {
        eot: 5,
        eff: 3,
        max_crashes: 0,
        max_clogs: 0,
        ..FailureSpec::default()
    };
    let mut proposer = Proposer::new(spec, 10_000);
    good_run(&mut proposer, &network_trace(&[], &[("A", "B", 1, true)]));
    assert_eq!(all_sets(&mut proposer), vec![vec![omission("A", "B", 1)]]);
    proposer.add_counterexample(&[omission("A", "B", 1)]);
    assert_eq!(proposer.propose(5), Proposals::Exhausted);
}

#[test]
fn unbreakable_supports_are_certified_at_once() {
    // Sends at 3 and later cannot be lost with EFF 3 and no crashes.
    let spec = FailureSpec {
        eot: 5,
        eff: 3,
        max_crashes: 0,
        max_clogs: 0,
        ..FailureSpec::default()
    };
    let mut proposer = Proposer::new(spec, 10_000);
    good_run(&mut proposer, &network_trace(&[], &[("A", "B", 3, true)]));
    assert_eq!(proposer.propose(5), Proposals::Exhausted);
}

/// Subset-minimal hitting sets by enumeration of every subset.
fn brute_force(fault_count: usize, supports: &[Vec<usize>]) -> BTreeSet<Vec<usize>> {
    let hits = |mask: u32| {
        supports
            .iter()
            .all(|s| s.iter().any(|&i| mask & (1 << i) != 0))
    };
    let all: Vec<u32> = (0..1u32 << fault_count).filter(|&m| hits(m)).collect();
    all.iter()
        .filter(|&&m| !all.iter().any(|&o| o != m && o & m == o))
        .map(|&m| (0..fault_count).filter(|&i| m & (1 << i) != 0).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn z3_minimal_hitting_sets_match_brute_force(
        fault_count in 1usize..7,
        raw in prop::collection::vec(prop::collection::btree_set(0usize..7, 1..4), 1..6),
    ) {
        let supports: Vec<Vec<usize>> = raw
            .into_iter()
            .map(|s| s.into_iter().filter(|&i| i < fault_count).collect::<Vec<_>>())
            .filter(|s: &Vec<usize>| !s.is_empty())
            .collect();
        prop_assume!(!supports.is_empty());
        let fault = |i: usize| omission("a", "b", i as u64 + 1);
        let spec = FailureSpec { eot: 20, eff: 20, max_crashes: 0, max_clogs: 0, ..FailureSpec::default() };
        let mut proposer = Proposer::new(spec, 10_000);
        for support in &supports {
            let faults: Vec<Fault> = support.iter().map(|&i| fault(i)).collect();
            proposer.add_support(&faults);
        }
        let sets = match proposer.propose(1 << fault_count) {
            Proposals::Sets(sets) => sets,
            other => panic!("{other:?}"),
        };
        for pair in sets.windows(2) {
            prop_assert!(pair[0].len() <= pair[1].len(), "smallest first");
        }
        let found: BTreeSet<Vec<usize>> = sets
            .iter()
            .map(|set| set.iter().map(|f| match f {
                Fault::Omission { at, .. } => *at as usize - 1,
                other => panic!("{other}"),
            }).collect())
            .collect();
        prop_assert_eq!(found.len(), sets.len(), "no duplicates");
        prop_assert_eq!(found, brute_force(fault_count, &supports));
    }
}

/// A failure spec whose new bounds cannot be searched as given is refused, not adjusted: a
/// skew grid finer than 64 magnitudes, or two swizzles.
#[test]
fn explore_refuses_unusable_bounds() {
    let runner = |_: &[Fault]| -> Result<Trace, String> { Err("never run".into()) };
    let oracle =
        |_: &Trace| -> Result<faultline_ldfi::Judgement, String> { Err("never judged".into()) };
    for spec in [
        FailureSpec {
            eot: 4,
            eff: 2,
            max_skews: 1,
            max_skew_ns: 650,
            skew_step_ns: 10,
            ..FailureSpec::default()
        },
        FailureSpec {
            eot: 4,
            eff: 2,
            max_swizzles: 2,
            ..FailureSpec::default()
        },
    ] {
        let config = faultline_ldfi::ExploreConfig::new(spec);
        let err = faultline_ldfi::explore(&runner, &oracle, &config, &mut faultline_ldfi::Silent)
            .expect_err("refused");
        assert!(
            matches!(err, faultline_ldfi::LdfiError::Spec { .. }),
            "{spec:?}: {err}"
        );
    }
}
