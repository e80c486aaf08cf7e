//! Same SUT + seed + faults ⇒ byte-identical trace, in both time models; and the generators
//! keep their promises.

use faultline_harness::{
    FailureSpec, Fault, FaultRates, NodeId, Ratio, RunConfig, node_rng, random_fault_set,
    random_faults, suts, swizzle_clog,
};
use proptest::prelude::*;

fn nodes() -> Vec<NodeId> {
    vec!["a".into(), "b".into(), "c".into()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn same_inputs_give_the_same_bytes(seed in any::<u64>(), fault_seed in any::<u64>(), sut_index in 0..6usize) {
        let sut = &suts()[sut_index];
        let spec = FailureSpec { max_clogs: 1, ..sut.default_spec };
        let rates = FaultRates { omission: Ratio::new(1, 6), crash: Ratio::new(1, 3), clog: Ratio::new(1, 3) };
        let mut faults = random_faults(&spec, &sut.node_ids(), &rates, &mut node_rng(fault_seed, 0));
        if fault_seed.is_multiple_of(3) {
            faults.extend(swizzle_clog(&sut.node_ids(), 2, 2, &mut node_rng(fault_seed, 1)));
        }
        let config = RunConfig { failure_spec: Some(spec), ..RunConfig::new(seed, spec.eot).with_faults(faults) };
        let first = sut.run(&config).unwrap().to_jsonl();
        let second = sut.run(&config).unwrap().to_jsonl();
        prop_assert_eq!(first, second);
    }

    #[test]
    fn swizzle_clogs_all_start_before_any_ends(seed in any::<u64>(), start in 1..20u64, gap_max in 1..4u64) {
        let clogs = swizzle_clog(&nodes(), start, gap_max, &mut node_rng(seed, 0));
        prop_assert!(!clogs.is_empty() && clogs.len() <= 3);
        let mut seen: Vec<&NodeId> = Vec::new();
        let (mut starts, mut ends) = (Vec::new(), Vec::new());
        for clog in &clogs {
            let Fault::Clog { node, from, to } = clog else { panic!("only clogs: {clog:?}") };
            prop_assert!(nodes().contains(node));
            prop_assert!(!seen.contains(&node), "each node at most once");
            seen.push(node);
            starts.push(*from);
            ends.push(*to);
        }
        prop_assert_eq!(starts[0], start);
        prop_assert!(starts.windows(2).all(|w| w[0] < w[1]), "clogged one by one: {:?}", starts);
        let mut sorted_ends = ends.clone();
        sorted_ends.sort();
        prop_assert!(sorted_ends.windows(2).all(|w| w[0] < w[1]), "unclogged one by one: {:?}", ends);
        prop_assert!(starts.iter().max() < ends.iter().min(), "all clogged before any unclogs");
    }

    #[test]
    fn random_fault_sets_stay_within_the_spec(seed in any::<u64>(), eot in 1..12u64, eff in 0..12u64, max_crashes in 0..3u32) {
        let spec = FailureSpec { eot, eff, max_crashes, max_clogs: 0 };
        let faults = random_fault_set(&spec, &nodes(), Ratio::new(1, 2), &mut node_rng(seed, 0));
        let mut crashed: Vec<&NodeId> = Vec::new();
        for fault in &faults {
            match fault {
                Fault::Omission { src, dst, at } => {
                    prop_assert!(*at >= 1 && *at < eff, "omission at {} with eff {}", at, eff);
                    prop_assert!(src != dst);
                }
                Fault::Crash { node, at } => {
                    prop_assert!(*at >= 1 && *at <= eot);
                    prop_assert!(!crashed.contains(&node));
                    crashed.push(node);
                }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert!(crashed.len() <= max_crashes as usize);
        let mut sorted = faults.clone();
        sorted.sort();
        prop_assert_eq!(sorted, faults);
    }
}

/// The unclog order is drawn independently of the clog order: over many seeds it is sometimes
/// the same order, sometimes the reverse, sometimes neither.
#[test]
fn unclog_order_is_independent_of_clog_order() {
    let nodes: Vec<NodeId> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|n| n.to_string())
        .collect();
    let (mut same, mut reverse, mut other) = (0, 0, 0);
    for seed in 0..400 {
        let clogs = swizzle_clog(&nodes, 1, 3, &mut node_rng(seed, 0));
        if clogs.len() < 3 {
            continue;
        }
        let clog_order: Vec<&NodeId> = clogs.iter().map(|f| f.nodes()[0]).collect();
        let mut by_end: Vec<(u64, &NodeId)> = clogs
            .iter()
            .map(|f| match f {
                Fault::Clog { node, to, .. } => (*to, node),
                _ => unreachable!("swizzle_clog returns clogs"),
            })
            .collect();
        by_end.sort();
        let unclog_order: Vec<&NodeId> = by_end.into_iter().map(|(_, node)| node).collect();
        let reversed: Vec<&NodeId> = clog_order.iter().rev().copied().collect();
        if unclog_order == clog_order {
            same += 1;
        } else if unclog_order == reversed {
            reverse += 1;
        } else {
            other += 1;
        }
    }
    assert!(
        same > 0 && reverse > 0 && other > same + reverse,
        "{same} {reverse} {other}"
    );
}

#[test]
fn different_seeds_change_async_runs_only() {
    for sut in suts() {
        let config = |seed| RunConfig::new(seed, sut.default_spec.eot);
        let a = sut.run(&config(1)).unwrap();
        let b = sut.run(&config(2)).unwrap();
        match sut.time_model {
            faultline_harness::TimeModel::Rounds => assert_eq!(a.events, b.events, "{}", sut.name),
            faultline_harness::TimeModel::Async => assert_ne!(a.events, b.events, "{}", sut.name),
        }
    }
}
