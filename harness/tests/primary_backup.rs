//! primary-backup: the primary acks before the backup has the write; an acked write must be
//! held by the first server (a, then b) that never crashed. Pinned: the failure-free run, the
//! counterexample, a good failover, determinism, and a brute-force count over small fault
//! spaces.

use faultline_harness::{FailureSpec, Fault, InvariantReport, RunConfig, sut};
use faultline_trace::{EventKind, GoalScope, Trace};
use serde_json::json;

const NAME: &str = "primary-backup";

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

fn run(faults: Vec<Fault>) -> (Trace, InvariantReport) {
    let sut = sut(NAME).expect("built-in SUT");
    let trace = sut
        .run(&sut.default_config(0).with_faults(faults))
        .expect("runs");
    faultline_trace::validate(&trace, NAME).expect("valid trace");
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
fn registry_entry() {
    let sut = sut(NAME).expect("built-in SUT");
    assert_eq!(sut.nodes, ["C", "a", "b"]);
    assert_eq!(sut.time_model, faultline_harness::TimeModel::Rounds);
    assert_eq!(
        sut.default_spec,
        FailureSpec {
            eot: 5,
            eff: 3,
            max_crashes: 1,
            max_clogs: 0
        }
    );
}

#[test]
fn failure_free_run_holds_on_the_primary() {
    let (trace, report) = run(Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "C's acked write \"x\" is held by a, the primary, which never crashed"
    );
    assert_eq!(report.goal.scope, GoalScope::SameCrashes);
    assert!(report.goal.any_of.is_empty());
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("a".to_string(), json!(["store", "x"]))]
    );
    // Lineage is annotated: every send and derive names its parents.
    for event in &trace.events {
        if matches!(event.kind, EventKind::Send | EventKind::Derive) {
            assert!(!event.parents.is_empty(), "#{} has parents", event.id);
        }
    }
}

#[test]
fn losing_the_replication_and_crashing_the_primary_loses_an_acked_write() {
    for at in [3, 4] {
        let (trace, report) = run(vec![omission("a", "b", 2), crash("a", at)]);
        assert!(!report.holds, "crash a@{at}: {}", report.explanation);
        assert!(report.goal.is_empty());
        assert_eq!(
            report.explanation,
            "C's write \"x\" was acked but b, the first server that never crashed, does not hold it"
        );
        // a did store the write before crashing: its store is no goal under another crash set.
        let a_stored = trace.events.iter().any(|event| {
            event.kind == EventKind::Derive
                && event.node.as_deref() == Some("a")
                && event.fact == Some(json!(["store", "x"]))
        });
        assert!(a_stored, "the failure-free goal event still occurs");
    }
}

#[test]
fn a_late_crash_fails_over_to_a_backup_that_has_the_write() {
    // a's retry of the lost replicate (round 4) reaches b before a crashes at round 5.
    let (trace, report) = run(vec![omission("a", "b", 2), crash("a", 5)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "C's acked write \"x\" is held by b, the first server that never crashed"
    );
    assert_eq!(report.goal.scope, GoalScope::SameCrashes);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("b".to_string(), json!(["store", "x"]))]
    );
}

#[test]
fn no_ack_is_vacuous_and_both_servers_crashing_is_a_loss() {
    // a crashes before the write reaches it: nobody acks.
    let (_, report) = run(vec![crash("a", 2)]);
    assert!(report.holds && report.vacuous, "{}", report.explanation);
    assert!(report.goal.is_empty());
    assert_eq!(report.explanation, "vacuously true: C got no ack for \"x\"");

    let sut = sut(NAME).unwrap();
    let config = sut
        .default_config(0)
        .with_faults(vec![crash("a", 4), crash("b", 4)]);
    let report = sut.check(&sut.run(&config).unwrap());
    assert!(!report.holds);
    assert_eq!(
        report.explanation,
        "C's write \"x\" was acked but a and b both crashed: it is lost"
    );
}

#[test]
fn runs_are_deterministic() {
    let sut = sut(NAME).unwrap();
    for faults in [
        Vec::new(),
        vec![omission("a", "b", 2), crash("a", 3)],
        vec![omission("a", "C", 2), crash("b", 2)],
    ] {
        let config = sut.default_config(7).with_faults(faults);
        let first = sut.run(&config).unwrap().to_jsonl();
        let second = sut.run(&config).unwrap().to_jsonl();
        assert_eq!(first, second);
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

/// The sends before round 3 (EFF ≤ 3): the write, the ack and the replicate.
const SLOTS: &[(&str, &str, u64)] = &[("C", "a", 1), ("a", "C", 2), ("a", "b", 2)];

#[test]
fn brute_force_default_spec_5_3_1() {
    let tally = brute_force(NAME, spec(5, 3, 1), SLOTS);
    // 44,800 sets in all (`faultline estimate`'s exact count), 1,024 of them bad.
    assert_eq!(tally.full, (24_832, 18_944, 1_024), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (112, 2), "{tally:?}");
    assert_eq!(
        tally.minimal,
        [
            vec![omission("a", "b", 2), crash("a", 3)],
            vec![omission("a", "b", 2), crash("a", 4)],
        ]
    );
}

#[test]
fn brute_force_other_specs() {
    // Without crashes a, which stored the write before acking, never loses it.
    let tally = brute_force(NAME, spec(5, 3, 0), SLOTS);
    assert_eq!(tally.full, (4_096, 0, 0), "{tally:?}");
    // Two crashes: also both servers crashing after the ack, with no omission at all.
    let (tally, records) = brute_force_records(NAME, spec(5, 3, 2), SLOTS);
    assert_eq!(tally.full, (35_712, 120_496, 23_424), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (558, 66), "{tally:?}");
    let mut minimal = vec![
        vec![omission("a", "b", 2), crash("a", 3)],
        vec![omission("a", "b", 2), crash("a", 4)],
    ];
    for a in 3..=5 {
        for b in 1..=5 {
            minimal.push(vec![crash("a", a), crash("b", b)]);
        }
    }
    assert_eq!(tally.minimal, minimal);
    // The failure-free goal (a's store) also occurs in the counterexample, which crashes a:
    // a scope binding other crash sets would be unsound.
    let lost = vec![omission("a", "b", 2), crash("a", 3)];
    for scope in [GoalScope::FaultIndependent, GoalScope::CrashedNodesExempt] {
        let unsound = unsound_as(&records, scope);
        assert!(
            unsound.contains(&(Vec::new(), lost.clone())),
            "{scope:?}: {unsound:?}"
        );
    }
}
