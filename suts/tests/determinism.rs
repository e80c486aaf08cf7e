//! Same SUT + seed + faults ⇒ byte-identical trace, in both time models, with clogs and with
//! panics; and the generators keep their promises (every fault they draw lies inside the run).

use faultline_harness::{
    Cx, Effect, FailureSpec, Fault, FaultRates, NetworkConfig, NodeId, Ratio, Reactor, RunConfig,
    Simulator, handler_panic, node_rng, random_fault_set, random_faults, swizzle_clog,
    swizzle_clog_until, validate_fault_times, validate_faults,
};
use faultline_trace::{Header, TimeModel, Validator};
use proptest::prelude::*;
use serde_json::{Value, json};

fn nodes() -> Vec<NodeId> {
    vec!["a".into(), "b".into(), "c".into()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn same_inputs_give_the_same_bytes(seed in any::<u64>(), fault_seed in any::<u64>(), sut_index in 0..1000usize) {
        let sut = &faultline_suts::all()[sut_index % faultline_suts::all().len()];
        let spec = FailureSpec { max_clogs: 1, ..sut.default_spec() };
        let rates = FaultRates { omission: Ratio::new(1, 6), crash: Ratio::new(1, 3), clog: Ratio::new(1, 3) };
        let mut faults = random_faults(&spec, sut.nodes(), &rates, &mut node_rng(fault_seed, 0));
        if fault_seed.is_multiple_of(3) {
            faults.extend(swizzle_clog_until(sut.nodes(), 2, 2, spec.eot, &mut node_rng(fault_seed, 1)));
        }
        let config = RunConfig { failure_spec: Some(spec), ..RunConfig::new(seed, spec.eot).with_faults(faults) };
        let first = sut.run(&config).unwrap_or_else(|err| panic!("{}: {err}", sut.name())).to_jsonl();
        let second = sut.run(&config).unwrap().to_jsonl();
        prop_assert_eq!(first, second);
    }

    #[test]
    fn swizzle_clogs_all_start_before_any_ends(seed in any::<u64>(), start in 1..20u64, gap_max in 1..4u64, eot in 1..40u64, bounded in any::<bool>()) {
        let clogs = if bounded {
            swizzle_clog_until(&nodes(), start, gap_max, eot, &mut node_rng(seed, 0))
        } else {
            swizzle_clog(&nodes(), start, gap_max, &mut node_rng(seed, 0))
        };
        if bounded && eot <= start {
            prop_assert!(clogs.is_empty(), "no room before the end of time");
            return Ok(());
        }
        prop_assert!(!clogs.is_empty() && clogs.len() <= 3);
        if bounded {
            prop_assert!(harness_accepts(&clogs, &nodes(), eot).is_ok(), "{:?}", clogs);
        }
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
        let spec = FailureSpec { eot, eff, max_crashes, max_clogs: 0, ..FailureSpec::default() };
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
        // Even a spec with eff > eot draws nothing outside the run.
        prop_assert!(harness_accepts(&faults, &nodes(), eot).is_ok(), "{:?}", faults);
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
    for sut in faultline_suts::all() {
        let config = |seed| RunConfig::new(seed, sut.default_spec().eot);
        let a = sut.run(&config(1)).unwrap();
        let b = sut.run(&config(2)).unwrap();
        match sut.time_model() {
            faultline_harness::TimeModel::Rounds => {
                assert_eq!(a.events, b.events, "{}", sut.name())
            }
            faultline_harness::TimeModel::Async => assert_ne!(a.events, b.events, "{}", sut.name()),
        }
    }
}

/// Whether the harness accepts `faults` for a run of `nodes` ending at `eot`.
fn harness_accepts(faults: &[Fault], nodes: &[NodeId], eot: u64) -> Result<(), String> {
    validate_faults(faults, nodes)
        .and_then(|()| validate_fault_times(faults, eot))
        .map_err(|err| err.to_string())
}

/// `--swizzle-clog` and `--random-faults` draw from the seed's streams `u64::MAX - 1` and
/// `u64::MAX` within the SUT's failure spec: for every built-in SUT and 1,000 seeds, every
/// drawn fault set lies inside the run, the harness runs it, and the trace validator accepts
/// its header. Before windows were bounded, ack-deliv's seed 2 drew `clog c[2,9)` with EOT 8
/// and the held message was never delivered: a spurious violation of a certified protocol.
#[test]
fn drawn_fault_sets_lie_inside_the_run() {
    for sut in faultline_suts::all() {
        let nodes = sut.nodes().to_vec();
        let spec = FailureSpec {
            max_clogs: 2,
            ..sut.default_spec()
        };
        let rates = FaultRates {
            omission: Ratio::new(1, 5),
            crash: Ratio::new(1, 3),
            clog: Ratio::new(1, 2),
        };
        for seed in 0..1_000u64 {
            let swizzle =
                swizzle_clog_until(&nodes, 1, 2, spec.eot, &mut node_rng(seed, u64::MAX - 1));
            let percent = seed % 101;
            let random = random_fault_set(
                &spec,
                &nodes,
                Ratio::new(percent, 100),
                &mut node_rng(seed, u64::MAX),
            );
            let mixed = random_faults(&spec, &nodes, &rates, &mut node_rng(seed, 7));
            for (what, faults) in [
                ("swizzle", &swizzle),
                ("random", &random),
                ("mixed", &mixed),
            ] {
                let context = format!("{} seed {seed} {what} {faults:?}", sut.name());
                assert!(
                    !(what == "swizzle" && faults.is_empty()),
                    "{context}: drew nothing"
                );
                harness_accepts(faults, &nodes, spec.eot)
                    .unwrap_or_else(|err| panic!("{context}: {err}"));
                let mut header = Header::new("r", sut.name(), sut.time_model(), nodes.clone());
                header.failure_spec = Some(spec);
                header.faults = faults.clone();
                Validator::new(&header, "drawn", 1)
                    .unwrap_or_else(|err| panic!("{context}: {err}"));
                let crashes = faults
                    .iter()
                    .filter(|f| matches!(f, Fault::Crash { .. }))
                    .count();
                let clogs = faults
                    .iter()
                    .filter(|f| matches!(f, Fault::Clog { .. }))
                    .count();
                assert!(crashes <= spec.max_crashes as usize, "{context}");
                if what == "mixed" {
                    assert!(clogs <= spec.max_clogs as usize, "{context}");
                }
                for fault in faults.iter() {
                    if let Fault::Omission { at, .. } = fault {
                        assert!(*at < spec.eff, "{context}");
                    }
                }
            }
            // A clog only delays, and a window that ends by the end of time releases what it
            // held in time for these protocols (each logs "hello" on receipt): no swizzle-clog
            // violates them. Unbounded windows gave 262 (simple, retry) and 23 (ack) spurious
            // violations in these 1,000 seeds. (classic-deliv logs a round after receipt, so
            // a delay to the last round can be a real violation there.)
            let logs_on_receipt = [
                "simple-deliv",
                "retry-deliv",
                "redun-deliv",
                "ack-deliv",
                "async-ack-deliv",
            ];
            if logs_on_receipt.contains(&sut.name()) {
                let config = RunConfig {
                    failure_spec: Some(spec),
                    ..RunConfig::new(seed, spec.eot).with_faults(swizzle.clone())
                };
                let trace = sut.run(&config).unwrap();
                let report = sut.check(&trace);
                assert!(
                    report.holds,
                    "{} seed {seed} {swizzle:?}: {}",
                    sut.name(),
                    report.explanation
                );
            }
        }
    }
}

/// The seed and stream `faultline run --swizzle-clog` used for ack-deliv seed 2 drew a window
/// past the end of time; bounded by EOT, the same draw fits and the run holds.
#[test]
fn ack_deliv_seed_2_swizzle_ends_by_the_end_of_time() {
    let ack = faultline_suts::get("ack-deliv").unwrap();
    let nodes = ack.nodes().to_vec();
    let unbounded = swizzle_clog(&nodes, 1, 2, &mut node_rng(2, u64::MAX - 1));
    assert!(
        harness_accepts(&unbounded, &nodes, 8).is_err(),
        "{unbounded:?}"
    );
    let bounded = swizzle_clog_until(&nodes, 1, 2, 8, &mut node_rng(2, u64::MAX - 1));
    assert!(harness_accepts(&bounded, &nodes, 8).is_ok(), "{bounded:?}");
    let trace = ack
        .run(&ack.default_config(2).with_faults(bounded))
        .unwrap();
    assert!(ack.check(&trace).holds);
}

/// With room to spare, the bounded generator draws exactly what the unbounded one does; in a
/// short run it draws fewer, narrower windows, and none when no window fits.
#[test]
fn swizzle_clog_until_fits_the_run() {
    let nodes: Vec<NodeId> = ["a", "b", "c", "d"].iter().map(|n| n.to_string()).collect();
    for seed in 0..200 {
        let free = swizzle_clog(&nodes, 3, 3, &mut node_rng(seed, 0));
        let roomy = swizzle_clog_until(&nodes, 3, 3, 3 + 7 * 3, &mut node_rng(seed, 0));
        assert_eq!(free, roomy, "seed {seed}");
        for eot in 1..12 {
            let clogs = swizzle_clog_until(&nodes, 3, 3, eot, &mut node_rng(seed, 0));
            assert!(
                harness_accepts(&clogs, &nodes, eot).is_ok(),
                "seed {seed} eot {eot}: {clogs:?}"
            );
            assert_eq!(
                clogs.is_empty(),
                eot <= 3,
                "seed {seed} eot {eot}: {clogs:?}"
            );
            // 2k - 1 gaps of at least one unit between 3 and eot.
            assert!(
                2 * clogs.len() as u64 <= eot.saturating_sub(3) + 1,
                "seed {seed} eot {eot}"
            );
        }
    }
}

/// The harness and the trace validator agree on which clog windows are valid: `from < to`
/// and `to <= eot`; the harness alone also needs `from >= 1` (its times start at 1).
#[test]
fn harness_and_trace_validator_agree_on_clog_windows() {
    let nodes: Vec<NodeId> = vec!["a".into(), "b".into()];
    for eot in 1..8u64 {
        for from in 0..10u64 {
            for to in 0..10u64 {
                let faults = vec![Fault::Clog {
                    node: "b".into(),
                    from,
                    to,
                }];
                let mut header = Header::new("r", "s", TimeModel::Rounds, nodes.clone());
                header.failure_spec = Some(FailureSpec {
                    eot,
                    eff: 1,
                    max_crashes: 0,
                    max_clogs: 1,
                    ..FailureSpec::default()
                });
                header.faults = faults.clone();
                let validator = Validator::new(&header, "h", 1).is_ok();
                let harness = harness_accepts(&faults, &nodes, eot).is_ok();
                assert_eq!(
                    harness,
                    validator && from >= 1,
                    "clog [{from}, {to}) with eot {eot}"
                );
                assert_eq!(validator, Validator::window_in_run(from, to, Some(eot)));
            }
        }
    }
}

/// Gossip in which a node panics on a delivery with probability 1/4 (its own seeded RNG).
struct Flaky {
    seen: u64,
}

impl Reactor for Flaky {
    type Msg = u64;
    fn init(&mut self, cx: &mut Cx<'_>, _durable: Option<&Value>) -> Vec<Effect<u64>> {
        vec![Effect::send(next(cx.me), 0)]
    }
    fn on_message(&mut self, cx: &mut Cx<'_>, _from: &NodeId, hops: u64) -> Vec<Effect<u64>> {
        assert!(
            cx.random_below(4) != 0,
            "{} drops the ball after {hops} hops",
            cx.me
        );
        self.seen += 1;
        vec![
            Effect::send(next(cx.me), hops + 1),
            Effect::send(next(next(cx.me).as_str()), hops + 1),
        ]
    }
    fn state(&self) -> Value {
        json!({ "seen": self.seen })
    }
}

fn next(me: &str) -> String {
    match me {
        "a" => "b",
        "b" => "c",
        _ => "a",
    }
    .to_string()
}

/// Same seed and faults (with clogs) ⇒ the same bytes, also when the run ends in a panic.
#[test]
fn clogs_and_panics_replay_byte_for_byte() {
    let nodes = || vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let rounds = Simulator::rounds("flaky", nodes(), |_| Flaky { seen: 0 });
    let asynchronous = Simulator::asynchronous(
        "flaky",
        nodes(),
        |_| Flaky { seen: 0 },
        NetworkConfig::default(),
    );
    let mut panicked = 0;
    for seed in 0..60u64 {
        let faults = swizzle_clog_until(&nodes(), 2, 2, 12, &mut node_rng(seed, 9));
        let config = RunConfig::new(seed, 12).with_faults(faults);
        for trace in [rounds.run(&config), asynchronous.run(&config)] {
            let trace = trace.unwrap();
            panicked += usize::from(handler_panic(&trace).is_some());
        }
        assert_eq!(
            rounds.run(&config).unwrap().to_jsonl(),
            rounds.run(&config).unwrap().to_jsonl(),
            "rounds seed {seed}"
        );
        assert_eq!(
            asynchronous.run(&config).unwrap().to_jsonl(),
            asynchronous.run(&config).unwrap().to_jsonl(),
            "async seed {seed}"
        );
    }
    assert!(panicked > 30, "most runs end in a panic: {panicked} of 120");
}
