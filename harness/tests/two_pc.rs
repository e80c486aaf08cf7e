//! 2pc-3: two-phase commit (coordinator C, agents a and b) where an undecided agent aborts on
//! its own at round 5. Property: if some agent committed, no agent aborted and every agent
//! that never crashed committed. Pinned: the failure-free run, the omission-plus-crash
//! counterexample, good runs with crashes and their scopes, why `CrashedNodesExempt` would be
//! unsound, determinism, brute-force counts.

use faultline_harness::{FailureSpec, Fault, InvariantReport, RunConfig, sut};
use faultline_trace::{EventKind, GoalScope, Trace};
use serde_json::json;

const NAME: &str = "2pc-3";

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
    run_with(None, faults)
}

/// A run under the default spec, or another one.
fn run_with(spec: Option<FailureSpec>, faults: Vec<Fault>) -> (Trace, InvariantReport) {
    let sut = sut(NAME).expect("built-in SUT");
    let spec = spec.unwrap_or(sut.default_spec);
    let config = RunConfig {
        failure_spec: Some(spec),
        ..RunConfig::new(0, spec.eot).with_faults(faults)
    };
    let trace = sut.run(&config).expect("runs");
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
    assert_eq!(sut.default_spec, spec(6, 3, 1));
}

#[test]
fn failure_free_run_commits_everywhere() {
    let (trace, report) = run(Vec::new());
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(report.explanation, "a and b committed");
    assert_eq!(report.goal.scope, GoalScope::FaultIndependent);
    assert!(report.goal.any_of.is_empty());
    let commit = json!(["commit", "t1"]);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("a".to_string(), commit.clone()), ("b".to_string(), commit)]
    );
    for event in &trace.events {
        if matches!(event.kind, EventKind::Send | EventKind::Derive) {
            assert!(!event.parents.is_empty(), "#{} has parents", event.id);
        }
    }
}

#[test]
fn commits_after_the_timeout_rest_on_the_earlier_commit() {
    let (trace, _) = run(Vec::new());
    let commit = Some(json!(["commit", "t1"]));
    for event in trace.events.iter().filter(|e| e.fact == commit) {
        let earlier_commit = event.parents.iter().any(|&parent| {
            let parent = trace.event(parent).expect("parents are events");
            parent.fact == commit && parent.node == event.node
        });
        // Up to round 5 each receipt decides on its own; later ones only re-derive.
        assert_eq!(
            earlier_commit,
            event.lt > 5,
            "#{} at round {}",
            event.id,
            event.lt
        );
    }
    // With EFF 5 omissions alone split the agents: b's only commits come after round 5.
    let lose: Vec<Fault> = (2..=4).map(|at| omission("C", "b", at)).collect();
    let (_, report) = run_with(Some(spec(6, 5, 0)), lose);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(report.explanation, "a committed but b aborted");
}

#[test]
fn a_lost_commit_and_a_coordinator_crash_split_the_agents() {
    let faults = vec![omission("C", "b", 2), crash("C", 3)];
    let (_, report) = run(faults.clone());
    assert!(!report.holds, "{}", report.explanation);
    assert!(report.goal.is_empty());
    assert_eq!(report.explanation, "a committed but b aborted");
    // Before b's timeout (round 5) b is blocked instead.
    let (_, report) = run_with(Some(spec(4, 3, 1)), faults);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(
        report.explanation,
        "a committed but b, which never crashed, is undecided"
    );
    // Either fault alone is harmless: C re-sends the commit, or b got the first one.
    for fault in [omission("C", "b", 2), crash("C", 3)] {
        let (_, report) = run(vec![fault]);
        assert!(report.holds && !report.vacuous, "{}", report.explanation);
    }
}

#[test]
fn good_runs_with_crashes_and_their_scopes() {
    // C crashes after its re-send of round 3 reached b: everybody committed.
    let (trace, report) = run(vec![omission("C", "b", 2), crash("C", 4)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(report.goal.scope, GoalScope::FaultIndependent);
    assert_eq!(goal_facts(&trace, &report.goal.all_of).len(), 2);
    // b crashes before the commit reaches it: a committed, b owes nothing but must not abort.
    let (trace, report) = run(vec![crash("b", 3)]);
    assert!(report.holds && !report.vacuous, "{}", report.explanation);
    assert_eq!(report.explanation, "a committed; b crashed undecided");
    assert_eq!(report.goal.scope, GoalScope::SameCrashes);
    assert_eq!(
        goal_facts(&trace, &report.goal.all_of),
        [("a".to_string(), json!(["commit", "t1"]))]
    );
    // C crashes before deciding: both agents abort at round 5, nobody committed.
    let (_, report) = run(vec![crash("C", 2)]);
    assert!(report.holds && report.vacuous, "{}", report.explanation);
    assert!(report.goal.is_empty());
    assert_eq!(
        report.explanation,
        "vacuously true: no agent committed (a and b aborted)"
    );
}

#[test]
fn crashed_nodes_exempt_would_not_be_sufficient() {
    // The failure-free goal is a's and b's commits. Exempting b when b crashes would accept
    // this run: a committed, b crashed, but b had aborted at round 5 before crashing.
    let faults = vec![omission("C", "b", 2), crash("C", 3), crash("b", 6)];
    let (trace, report) = run_with(Some(spec(6, 3, 2)), faults);
    assert!(!report.holds, "{}", report.explanation);
    assert_eq!(report.explanation, "a committed but b aborted");
    let a_committed = trace.events.iter().any(|event| {
        event.kind == EventKind::Derive
            && event.node.as_deref() == Some("a")
            && event.fact == Some(json!(["commit", "t1"]))
    });
    assert!(a_committed);
}

#[test]
fn runs_are_deterministic() {
    let sut = sut(NAME).unwrap();
    for faults in [
        Vec::new(),
        vec![omission("C", "b", 2), crash("C", 3)],
        vec![omission("a", "C", 1), omission("b", "C", 2), crash("a", 4)],
    ] {
        let config = sut.default_config(5).with_faults(faults);
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

/// The sends before round 3 (EFF ≤ 3): the votes of rounds 1 and 2, C's first commits.
const SLOTS: &[(&str, &str, u64)] = &[
    ("a", "C", 1),
    ("b", "C", 1),
    ("a", "C", 2),
    ("b", "C", 2),
    ("C", "a", 2),
    ("C", "b", 2),
];

/// One enumeration of 6/3/2 answers the default spec 6/3/1 and 6/3/0 too: their spaces are
/// its sets with at most 1 (0) crashes.
#[test]
fn brute_force_default_spec_and_more_crashes() {
    let (tally, records) = brute_force_records(NAME, spec(6, 3, 2), SLOTS);
    assert_eq!(
        tally.by_crashes,
        [
            (4_096, 0, 0),
            (42_496, 9_984, 512),
            (128_512, 97_968, 2_048)
        ],
        "{tally:?}"
    );
    assert_eq!((tally.runs, tally.bad), (5_140, 40), "{tally:?}");
    // No crash: C's re-sends reach the agents before their timeout.
    assert!(tally.minimal_within(0).is_empty());
    // The default spec (57,088 sets: `faultline estimate`'s exact count).
    assert_eq!(
        tally.minimal_within(1),
        [
            vec![omission("C", "a", 2), crash("C", 3)],
            vec![omission("C", "b", 2), crash("C", 3)],
        ]
    );
    // A second crash adds no new minimal counterexample.
    assert_eq!(tally.minimal, tally.minimal_within(1));
    // A fault-independent goal for a run where an agent crashed undecided would be unsound: the
    // other agent's commit also occurs when the first one aborts.
    let unsound = unsound_as(&records, GoalScope::FaultIndependent);
    let split = vec![omission("C", "b", 2), crash("C", 3)];
    assert!(
        unsound
            .iter()
            .any(|(good, bad)| good == &[crash("b", 2)] && bad == &split),
        "{unsound:?}"
    );
    // So would "crashed nodes exempt" for the failure-free run: b aborts, then crashes.
    let unsound = unsound_as(&records, GoalScope::CrashedNodesExempt);
    let split = vec![omission("C", "b", 2), crash("C", 3), crash("b", 6)];
    assert!(unsound.contains(&(Vec::new(), split)), "{unsound:?}");
}

/// EFF 4 without crashes: C's commits of rounds 2 and 3 may be lost, the one of round 4 still
/// arrives in round 5, before the timeout fires.
#[test]
fn brute_force_omissions_alone_at_eff_4() {
    let mut slots = SLOTS.to_vec();
    slots.extend([("a", "C", 3), ("b", "C", 3), ("C", "a", 3), ("C", "b", 3)]);
    let tally = brute_force(NAME, spec(6, 4, 0), &slots);
    assert_eq!(tally.full, (200_704, 61_440, 0), "{tally:?}");
    assert_eq!((tally.runs, tally.bad), (1_024, 0), "{tally:?}");
}
