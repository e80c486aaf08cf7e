//! relay-chain (store and forward once) and relay-chain-ack (re-send every round until the
//! next hop acks): if a sent "m", c holds it at the end. Pinned: failure-free runs, the
//! one-omission counterexample, the retrying chain's certificate at EFF < EOT − 1 and its
//! failure at EFF = EOT − 1 or with a crash, determinism, brute-force counts.

use faultline_harness::{FailureSpec, Fault, InvariantReport, RunConfig, sut};
use faultline_trace::{EventKind, GoalScope, Trace};
use serde_json::json;

const CHAIN: &str = "relay-chain";
const ACK: &str = "relay-chain-ack";

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

fn run(name: &str, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    run_at(name, None, faults)
}

/// A run under `name`'s default spec, with another EOT if given.
fn run_at(name: &str, eot: Option<u64>, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    let sut = sut(name).expect("built-in SUT");
    let mut config = sut.default_config(0).with_faults(faults);
    if let Some(eot) = eot {
        config.eot = eot;
    }
    let trace = sut.run(&config).expect("runs");
    faultline_trace::validate(&trace, name).expect("valid trace");
    let report = sut.check(&trace);
    (trace, report)
}

/// The goal's events as (node, fact).
fn goal_facts(trace: &Trace, ids: &[u64]) -> Vec<(String, serde_json::Value)> {
    ids.iter()
        .map(|&id| {
            let event = trace.event(id).expect("goal ids are events");
            assert_eq!(event.kind, EventKind::Derive, "goal events are derives");
            (
                event.node.clone().expect("a derive has a node"),
                event.fact.clone().expect("a derive has a fact"),
            )
        })
        .collect()
}

#[test]
fn registry_entries() {
    for (name, eot) in [(CHAIN, 4), (ACK, 5)] {
        let sut = sut(name).expect("built-in SUT");
        assert_eq!(sut.nodes, ["a", "b", "c"]);
        assert_eq!(sut.time_model, faultline_harness::TimeModel::Rounds);
        assert_eq!(sut.default_spec, spec(eot, 3, 0));
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
        let sut = sut(name).unwrap();
        for faults in [
            Vec::new(),
            vec![omission("a", "b", 1)],
            vec![omission("b", "c", 2), crash("c", 4)],
        ] {
            let config = sut.default_config(11).with_faults(faults);
            let first = sut.run(&config).unwrap().to_jsonl();
            let second = sut.run(&config).unwrap().to_jsonl();
            assert_eq!(first, second, "{name}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Brute force: every fault set of the exhaustive space (each node never crashes or crashes at
// one round 1..=EOT, at most `max_crashes` crashes; any subset of the omissions (src, dst, t)
// with 1 <= t < min(EFF, src's crash round)), run and checked. An omission slot on which no
// run ever sends cannot change a run, so only the slots the protocol sends on are enumerated
// (every run asserts that it sends on no other slot before EFF) and each set run stands for
// 2^(unused slots) sets of the full space.
//
// It also checks every goal against every run: whenever a good run's goal events (as facts at
// their nodes) all occur in another run whose crashes relate to the good run's as the goal's
// scope says, that run must hold (`brute_force` asserts it; `unsound_as` pretends every goal
// has another scope, to show that a weaker scope would be unsound).

#[derive(Debug, Default)]
struct Tally {
    runs: u64,
    good: u64,
    vacuous: u64,
    /// Violating sets among those run.
    bad: u64,
    /// Sets of the full exhaustive space: (good, vacuous, bad).
    full: (u64, u64, u64),
    /// The same for the sets with exactly k crashes, k = 0..=max_crashes.
    by_crashes: Vec<(u64, u64, u64)>,
    /// The subset-minimal violating sets, each sorted.
    minimal: Vec<Vec<Fault>>,
    /// Distinct goals checked against every related run.
    goals: u64,
    /// (good run, other run) pairs whose crashes relate as the good run's scope says.
    goal_checks: u64,
}

impl Tally {
    /// The minimal violating sets with at most `crashes` crashes: the minimal sets of the
    /// smaller space (a subset of a set has no more crashes).
    #[allow(dead_code)]
    fn minimal_within(&self, crashes: usize) -> Vec<Vec<Fault>> {
        self.minimal
            .iter()
            .filter(|set| {
                let count = set
                    .iter()
                    .filter(|f| matches!(f, Fault::Crash { .. }))
                    .count();
                count <= crashes
            })
            .cloned()
            .collect()
    }
}

/// A fact at a node: (node, fact as JSON text).
type NodeFact = (String, String);

/// A good run's goal as facts, and its scope.
struct GoalFacts {
    all_of: Vec<NodeFact>,
    any_of: Vec<Vec<NodeFact>>,
    scope: GoalScope,
}

/// What the goal check needs of one run.
struct Record {
    faults: Vec<Fault>,
    /// Node → crash round.
    crashes: std::collections::BTreeMap<String, u64>,
    /// (node, fact) of every derive.
    facts: std::collections::BTreeSet<NodeFact>,
    holds: bool,
    /// For a good run: its goal.
    goal: Option<GoalFacts>,
}

fn fact_at(trace: &Trace, id: u64) -> NodeFact {
    let event = trace.event(id).expect("goal ids are events");
    assert_eq!(event.kind, EventKind::Derive, "goal events are derives");
    let node = event.node.clone().expect("a derive has a node");
    (node, event.fact.as_ref().expect("a fact").to_string())
}

fn record(faults: Vec<Fault>, trace: &Trace, report: &InvariantReport) -> Record {
    let crashes = faults
        .iter()
        .filter_map(|fault| match fault {
            Fault::Crash { node, at } => Some((node.clone(), *at)),
            _ => None,
        })
        .collect();
    let facts = trace
        .events
        .iter()
        .filter(|event| event.kind == EventKind::Derive)
        .map(|event| {
            let node = event.node.clone().expect("a derive has a node");
            (node, event.fact.as_ref().expect("a fact").to_string())
        })
        .collect();
    let goal = (report.holds && !report.vacuous).then(|| {
        let all_of = report
            .goal
            .all_of
            .iter()
            .map(|&id| fact_at(trace, id))
            .collect();
        let any_of = report
            .goal
            .any_of
            .iter()
            .map(|group| group.iter().map(|&id| fact_at(trace, id)).collect())
            .collect();
        GoalFacts {
            all_of,
            any_of,
            scope: report.goal.scope,
        }
    });
    Record {
        faults,
        crashes,
        facts,
        holds: report.holds,
        goal,
    }
}

/// True when `other`'s crashes relate to `good`'s as `scope` says (crashed nodes exempt:
/// returns the nodes exempt in `other`).
fn related(good: &Record, other: &Record, scope: GoalScope) -> Option<Vec<String>> {
    let no_later = good.crashes.iter().all(|(node, at)| {
        other
            .crashes
            .get(node)
            .is_some_and(|other_at| other_at <= at)
    });
    match scope {
        GoalScope::FaultIndependent => Some(Vec::new()),
        GoalScope::CrashedNodesExempt => no_later.then(|| other.crashes.keys().cloned().collect()),
        GoalScope::SameCrashes => {
            (no_later && other.crashes.len() == good.crashes.len()).then(Vec::new)
        }
        GoalScope::ExactCrashes => (other.crashes == good.crashes).then(Vec::new),
    }
}

/// Checks every good run's goal, with its own scope or `scope_as`, against every related run:
/// returns the (good run, bad run in which its goal occurs) pairs. Good runs with the same
/// goal, scope and (unless fault-independent) crashes are checked once, as the first of them.
fn check_goals(
    records: &[Record],
    scope_as: Option<GoalScope>,
    tally: &mut Tally,
) -> Vec<(Vec<Fault>, Vec<Fault>)> {
    let mut unsound = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for good in records {
        let Some(GoalFacts {
            all_of,
            any_of,
            scope,
        }) = &good.goal
        else {
            continue;
        };
        assert!(
            !all_of.is_empty() || !any_of.is_empty(),
            "a good run names goal events: {:?}",
            good.faults
        );
        let scope = scope_as.unwrap_or(*scope);
        // Runs with the same goal, scope and (unless fault-independent) crashes bind alike.
        let crashes = (scope != GoalScope::FaultIndependent).then(|| good.crashes.clone());
        if !seen.insert((all_of.clone(), any_of.clone(), scope, crashes)) {
            continue;
        }
        tally.goals += 1;
        for other in records {
            let Some(exempt) = related(good, other, scope) else {
                continue;
            };
            tally.goal_checks += 1;
            let occurs = |(node, fact): &NodeFact| {
                exempt.contains(node) || other.facts.contains(&(node.clone(), fact.clone()))
            };
            let met = all_of.iter().all(occurs) && any_of.iter().all(|g| g.iter().any(occurs));
            if met && !other.holds {
                unsound.push((good.faults.clone(), other.faults.clone()));
            }
        }
    }
    unsound
}

/// The goals that would be insufficient if every good run's goal had `scope`.
#[allow(dead_code)]
fn unsound_as(records: &[Record], scope: GoalScope) -> Vec<(Vec<Fault>, Vec<Fault>)> {
    check_goals(records, Some(scope), &mut Tally::default())
}

#[allow(dead_code)] // not every test file needs every helper
fn brute_force(name: &str, spec: FailureSpec, slots: &[(&str, &str, u64)]) -> Tally {
    brute_force_records(name, spec, slots).0
}

/// The tally and every run's record; asserts that every goal is sufficient.
fn brute_force_records(
    name: &str,
    spec: FailureSpec,
    slots: &[(&str, &str, u64)],
) -> (Tally, Vec<Record>) {
    let sut = sut(name).expect("built-in SUT");
    let nodes = sut.nodes;
    let mut tally = Tally {
        by_crashes: vec![(0, 0, 0); spec.max_crashes as usize + 1],
        ..Tally::default()
    };
    let mut records = Vec::new();
    let mut crash_at = vec![0u64; nodes.len()];
    loop {
        let crashes = crash_at.iter().filter(|&&at| at > 0).count();
        if crashes <= spec.max_crashes as usize {
            let mut used = Vec::new();
            let mut unused = 0u32;
            for (src_index, src) in nodes.iter().enumerate() {
                let end = match crash_at[src_index] {
                    0 => spec.eff,
                    at => spec.eff.min(at),
                };
                for at in 1..end {
                    for dst in nodes.iter().filter(|dst| *dst != src) {
                        if slots.contains(&(*src, *dst, at)) {
                            used.push(omission(src, dst, at));
                        } else {
                            unused += 1;
                        }
                    }
                }
            }
            for mask in 0u64..(1 << used.len()) {
                let mut faults: Vec<Fault> = nodes
                    .iter()
                    .zip(&crash_at)
                    .filter(|(_, at)| **at > 0)
                    .map(|(node, at)| crash(node, *at))
                    .collect();
                faults.extend(
                    used.iter()
                        .enumerate()
                        .filter(|(bit, _)| mask & (1 << bit) != 0)
                        .map(|(_, fault)| fault.clone()),
                );
                faults.sort();
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
                        send.lt >= spec.eff || slots.contains(&slot),
                        "unlisted slot {slot:?}"
                    );
                }
                let report = sut.check(&trace);
                tally.runs += 1;
                let weight = 1u64 << unused;
                let by = &mut tally.by_crashes[crashes];
                match (report.holds, report.vacuous) {
                    (false, _) => {
                        tally.bad += 1;
                        tally.full.2 += weight;
                        by.2 += weight;
                    }
                    (true, true) => {
                        tally.vacuous += 1;
                        tally.full.1 += weight;
                        by.1 += weight;
                    }
                    (true, false) => {
                        tally.good += 1;
                        tally.full.0 += weight;
                        by.0 += weight;
                    }
                }
                records.push(record(faults, &trace, &report));
            }
        }
        // Next crash vector (odometer over 0..=EOT per node).
        let mut carried = true;
        for at in crash_at.iter_mut() {
            if *at < spec.eot {
                *at += 1;
                carried = false;
                break;
            }
            *at = 0;
        }
        if carried || spec.max_crashes == 0 {
            break;
        }
    }
    let unsound = check_goals(&records, None, &mut tally);
    assert!(tally.goals > 0, "some run is good");
    assert!(
        unsound.is_empty(),
        "goals that occur in bad runs (good run, bad run): {:?}",
        &unsound[..unsound.len().min(10)]
    );
    let mut bad_sets: Vec<&Vec<Fault>> = records
        .iter()
        .filter(|record| !record.holds)
        .map(|record| &record.faults)
        .collect();
    bad_sets.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    for set in bad_sets {
        let covered = tally
            .minimal
            .iter()
            .any(|small| small.iter().all(|fault| set.contains(fault)));
        if !covered {
            tally.minimal.push(set.clone());
        }
    }
    (tally, records)
}

fn spec(eot: u64, eff: u64, max_crashes: u32) -> FailureSpec {
    FailureSpec {
        eot,
        eff,
        max_crashes,
        max_clogs: 0,
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
