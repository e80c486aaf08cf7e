//! Shared by the per-SUT test files (`mod ground_truth;`): fault constructors, a checked run,
//! a determinism check, and the brute-force ground truth over small exhaustive fault spaces.
//! Each test file uses only some of it.
#![allow(dead_code)]

use faultline_harness::{FailureSpec, Fault, InvariantReport, RunConfig, System};
use faultline_trace::{EventKind, GoalScope, Trace};

pub fn omission(src: &str, dst: &str, at: u64) -> Fault {
    Fault::Omission {
        src: src.into(),
        dst: dst.into(),
        at,
    }
}

pub fn crash(node: &str, at: u64) -> Fault {
    Fault::Crash {
        node: node.into(),
        at,
    }
}

pub fn spec(eot: u64, eff: u64, max_crashes: u32) -> FailureSpec {
    FailureSpec {
        eot,
        eff,
        max_crashes,
        max_clogs: 0,
        ..FailureSpec::default()
    }
}

/// Runs the built-in SUT `name` under the config `config` builds for it, validates the trace
/// and checks the invariant.
pub fn run_checked(
    name: &str,
    config: impl FnOnce(&System) -> RunConfig,
) -> (Trace, InvariantReport) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let trace = sut.run(&config(sut)).expect("runs");
    faultline_trace::validate(&trace, name).expect("valid trace");
    let report = sut.check(&trace);
    (trace, report)
}

/// Asserts that two runs of `name` under each fault set (default config, seed `seed`) give
/// the same trace.
pub fn assert_deterministic(name: &str, seed: u64, fault_sets: Vec<Vec<Fault>>) {
    let sut = faultline_suts::get(name).unwrap();
    for faults in fault_sets {
        let config = sut.default_config(seed).with_faults(faults);
        let first = sut.run(&config).unwrap().to_jsonl();
        let second = sut.run(&config).unwrap().to_jsonl();
        assert_eq!(first, second, "{name}");
    }
}

/// The goal's events as (node, fact).
pub fn goal_facts(trace: &Trace, ids: &[u64]) -> Vec<(String, serde_json::Value)> {
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
pub struct Tally {
    pub runs: u64,
    pub good: u64,
    pub vacuous: u64,
    /// Violating sets among those run.
    pub bad: u64,
    /// Sets of the full exhaustive space: (good, vacuous, bad).
    pub full: (u64, u64, u64),
    /// The same for the sets with exactly k crashes, k = 0..=max_crashes.
    pub by_crashes: Vec<(u64, u64, u64)>,
    /// The subset-minimal violating sets, each sorted.
    pub minimal: Vec<Vec<Fault>>,
    /// Distinct goals checked against every related run.
    pub goals: u64,
    /// Good runs that name no goal (their oracle knows none that suffices).
    pub goalless: u64,
    /// (good run, other run) pairs whose crashes relate as the good run's scope says.
    pub goal_checks: u64,
}

impl Tally {
    /// The minimal violating sets with at most `crashes` crashes: the minimal sets of the
    /// smaller space (a subset of a set has no more crashes).
    pub fn minimal_within(&self, crashes: usize) -> Vec<Vec<Fault>> {
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
    /// With `exempt_if_crashed` listed in the goal: the facts exempt when their node crashes
    /// (None: every fact, the scope's default).
    exempt: Option<std::collections::BTreeSet<NodeFact>>,
}

/// What the goal check needs of one run.
pub struct Record {
    faults: Vec<Fault>,
    /// Node → crash round.
    crashes: std::collections::BTreeMap<String, u64>,
    /// (node, fact) of every derive, and every delivery (see `event_key`).
    facts: std::collections::BTreeSet<NodeFact>,
    holds: bool,
    /// For a good run: its goal.
    goal: Option<GoalFacts>,
}

fn fact_at(trace: &Trace, id: u64) -> NodeFact {
    let event = trace.event(id).expect("goal ids are events");
    event_key(event).expect("goal events are derives or deliveries")
}

/// A derive as (node, fact); a delivery, which has no alternative, as (receiver, "deliver
/// SRC TYPE @ROUND").
fn event_key(event: &faultline_trace::Event) -> Option<NodeFact> {
    match event.kind {
        EventKind::Derive => Some((
            event.node.clone().expect("a derive has a node"),
            event.fact.as_ref().expect("a fact").to_string(),
        )),
        EventKind::Deliver => Some((
            event.dst.clone().expect("a delivery has a receiver"),
            format!(
                "deliver {} {} @{}",
                event.src.as_deref().unwrap_or("?"),
                event.msg_type.as_deref().unwrap_or("?"),
                event.lt
            ),
        )),
        _ => None,
    }
}

fn record(faults: Vec<Fault>, trace: &Trace, report: &InvariantReport) -> Record {
    let crashes = faults
        .iter()
        .filter_map(|fault| match fault {
            Fault::Crash { node, at } => Some((node.clone(), *at)),
            _ => None,
        })
        .collect();
    let facts = trace.events.iter().filter_map(event_key).collect();
    // A good run may name no goal: its oracle knows no set of its events that suffices, and
    // LDFI learns nothing from it (counted as `goalless`).
    let goal = (report.holds && !report.vacuous && !report.goal.is_empty()).then(|| {
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
        let exempt = report.goal.exempt_if_crashed.as_ref().map(|listed| {
            listed
                .iter()
                .map(|(&id, node)| {
                    let (at, fact) = fact_at(trace, id);
                    assert_eq!(&at, node, "an event is exempt when its own node crashes");
                    (at, fact)
                })
                .collect()
        });
        GoalFacts {
            all_of,
            any_of,
            scope: report.goal.scope,
            exempt,
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
            exempt: listed,
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
                let key = (node.clone(), fact.clone());
                let may_be_exempt = listed.as_ref().is_none_or(|listed| listed.contains(&key));
                (may_be_exempt && exempt.contains(node)) || other.facts.contains(&key)
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
pub fn unsound_as(records: &[Record], scope: GoalScope) -> Vec<(Vec<Fault>, Vec<Fault>)> {
    check_goals(records, Some(scope), &mut Tally::default())
}

pub fn brute_force(name: &str, spec: FailureSpec, slots: &[(&str, &str, u64)]) -> Tally {
    brute_force_records(name, spec, slots).0
}

/// The tally and every run's record; asserts that every goal is sufficient.
pub fn brute_force_records(
    name: &str,
    spec: FailureSpec,
    slots: &[(&str, &str, u64)],
) -> (Tally, Vec<Record>) {
    let sut = faultline_suts::get(name).expect("built-in SUT");
    let nodes = sut.nodes();
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
                        if slots.contains(&(src.as_str(), dst.as_str(), at)) {
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
                        tally.goalless += u64::from(report.goal.is_empty());
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
