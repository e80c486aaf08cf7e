//! Enumerating fault sets: subset-minimal, smallest first, never one already tried, implied by a
//! tried set, or containing a known counterexample.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{FailureSpec, Fault, Goal, GoalScope, NodeId, Trace};
use z3::ast::{Bool, atmost};
use z3::{Params, SatResult, Solver};

use crate::encode::{Catalog, GoalShape, assert_goal_broken, crashed};
use crate::{FaultModel, Judgement, LdfiError, LineageGraph, Outcome, build_lineage};

/// Whether a crash after a node's last event (which changes no event) can change the verdict.
fn crash_set_matters(scope: GoalScope) -> bool {
    matches!(scope, GoalScope::SameCrashes | GoalScope::ExactCrashes)
}

/// Each exempt goal event's node: as the goal lists them, or else every event's own node.
fn exemptions(trace: &Trace, goal: &Goal) -> BTreeMap<u64, NodeId> {
    match &goal.exempt_if_crashed {
        Some(listed) => listed.clone(),
        None => goal
            .events()
            .into_iter()
            .filter_map(|event| Some((event, trace.event(event)?.actor()?.clone())))
            .collect(),
    }
}

/// What one call of [`Proposer::propose`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposals {
    /// New fault sets to run, smallest first (each sorted).
    Sets(Vec<Vec<Fault>>),
    /// No admissible fault set breaks every known support: the search space is exhausted.
    Exhausted,
    /// The solver gave up (timeout); the reason Z3 gave.
    Unknown(String),
}

/// The incremental Z3 problem of one search. Not `Send`: it lives on the search thread.
pub struct Proposer {
    model: FaultModel,
    solver: Solver,
    catalog: Catalog,
    runs_encoded: usize,
    size_floor: u32,
    solver_calls: u64,
    tried: BTreeSet<Vec<Fault>>,
}

impl Proposer {
    /// An empty problem for `spec`; each solver check gives up after `timeout_ms` (0 = never).
    pub fn new(spec: FailureSpec, timeout_ms: u32) -> Self {
        let solver = Solver::new();
        let mut params = Params::new();
        // Z3 must not take SIGINT for itself: the caller decides what Ctrl-C means (a partial
        // report), and a check cut short by it would look like a solver timeout.
        params.set_bool("ctrl_c", false);
        if timeout_ms > 0 {
            params.set_u32("timeout", timeout_ms);
        }
        solver.set_params(&params);
        Proposer {
            model: FaultModel::new(spec),
            solver,
            catalog: Catalog::new(),
            runs_encoded: 0,
            size_floor: 1,
            solver_calls: 0,
            tried: BTreeSet::new(),
        }
    }

    /// The fault model (spec plus what the runs showed).
    pub fn model(&self) -> &FaultModel {
        &self.model
    }

    /// Solver checks made so far.
    pub fn solver_calls(&self) -> u64 {
        self.solver_calls
    }

    /// Number of fault variables created so far.
    pub fn variable_count(&self) -> usize {
        self.catalog.faults.len()
    }

    /// Learns from one judged run: a bad run is a counterexample; a vacuous one (or a good
    /// one with an empty goal) only rules out the fault sets that would repeat it; a good one
    /// also adds "break the goal of this run", bound to the fault sets its goal's scope covers
    /// (see [`GoalScope`] and `ldfi/README.md`, "Soundness").
    pub fn learn(
        &mut self,
        faults: &[Fault],
        trace: &Trace,
        judgement: &Judgement,
    ) -> Result<(), LdfiError> {
        let scope = judgement.goal.scope;
        match judgement.outcome {
            Outcome::Bad => self.add_counterexample(faults),
            Outcome::Good if !judgement.goal.is_empty() => {
                let lineage = build_lineage(trace, &judgement.goal.events())?;
                let exempt = match scope {
                    GoalScope::CrashedNodesExempt => exemptions(trace, &judgement.goal),
                    GoalScope::FaultIndependent
                    | GoalScope::SameCrashes
                    | GoalScope::ExactCrashes => BTreeMap::new(),
                };
                let shape = GoalShape {
                    all_of: &judgement.goal.all_of,
                    any_of: &judgement.goal.any_of,
                    exempt: &exempt,
                };
                self.add_lesson(faults, trace, &lineage, &shape, scope);
            }
            Outcome::Good | Outcome::Vacuous => self.add_vacuous_run(faults, trace, scope),
        }
        Ok(())
    }

    /// Records a run that produced `trace` under `faults` and whose outcome held with this
    /// `lineage`, every goal event needed whatever the faults: every later proposal must break
    /// it. (The building block of [`Proposer::learn`], for tests and hand-made lineage.)
    pub fn add_good_run(&mut self, faults: &[Fault], trace: &Trace, lineage: &LineageGraph) {
        let all_of: Vec<u64> = lineage.goal_premises.iter().map(|(e, _)| *e).collect();
        let shape = GoalShape {
            all_of: &all_of,
            any_of: &[],
            exempt: &BTreeMap::new(),
        };
        self.add_lesson(faults, trace, lineage, &shape, GoalScope::FaultIndependent);
    }

    fn add_lesson(
        &mut self,
        faults: &[Fault],
        trace: &Trace,
        lineage: &LineageGraph,
        shape: &GoalShape,
        scope: GoalScope,
    ) {
        self.add_tried(faults, trace, crash_set_matters(scope));
        if lineage.is_empty() {
            return;
        }
        let run_index = self.runs_encoded;
        self.runs_encoded += 1;
        let condition = self.scope_condition(faults, &trace.header.nodes, scope);
        assert_goal_broken(
            &self.solver,
            &mut self.catalog,
            &self.model,
            lineage,
            shape,
            &condition,
            run_index,
        );
        self.catalog.assert_bounds(&self.solver, &self.model);
    }

    /// The fault sets a lesson of a run with `faults` binds: every set (fault-independent
    /// goal); sets crashing every node this run crashed, each no later (crashed nodes exempt);
    /// or, in addition, crashing no other node (a goal that depends on the crash set).
    ///
    /// "No later": a node crashed later than here would run handlers this run never saw, which
    /// only a monotone protocol could be trusted to ignore; earlier crashes are covered by the
    /// lineage (they break the events they stop).
    fn scope_condition(&mut self, faults: &[Fault], nodes: &[NodeId], scope: GoalScope) -> Bool {
        let mut parts = Vec::new();
        for fault in faults {
            if let Fault::Crash { node, at } = fault {
                match scope {
                    GoalScope::FaultIndependent => {}
                    GoalScope::CrashedNodesExempt | GoalScope::SameCrashes => {
                        parts.push(
                            self.catalog
                                .crashed_by(&self.solver, &self.model, node, *at),
                        );
                    }
                    GoalScope::ExactCrashes => {
                        let index = self.catalog.var(&self.solver, &self.model, fault);
                        parts.push(self.catalog.vars[index].clone());
                    }
                }
            }
        }
        if crash_set_matters(scope) {
            for node in nodes {
                let crashed_here = faults
                    .iter()
                    .any(|f| matches!(f, Fault::Crash { node: n, .. } if n == node));
                if !crashed_here {
                    parts.push(crashed(&self.solver, &mut self.catalog, &self.model, node).not());
                }
            }
        }
        Bool::and(&parts)
    }

    /// Confines every later proposal to `shard`'s share of the fault space: its assignment of
    /// the split variables must be one of the shard's cubes. The shards of one split are
    /// disjoint and cover every fault set, so "no proposal left" in every shard is "no
    /// proposal left" for the whole space.
    pub fn restrict(&mut self, shard: &crate::Shard) {
        let vars: Vec<Bool> = shard
            .vars
            .iter()
            .map(|var| match var {
                crate::SplitVar::Omission { src, dst, at } => {
                    let fault = Fault::Omission {
                        src: src.clone(),
                        dst: dst.clone(),
                        at: *at,
                    };
                    let index = self.catalog.var(&self.solver, &self.model, &fault);
                    self.catalog.vars[index].clone()
                }
                // Both polarities must be exact (a cube may say "never crashes"), so not the
                // one-directional `crashed` chain: the disjunction of the node's crash times.
                crate::SplitVar::Crashes { node } => {
                    let times: Vec<Bool> = (1..=self.model.spec().eot)
                        .map(|at| {
                            let fault = Fault::Crash {
                                node: node.clone(),
                                at,
                            };
                            let index = self.catalog.var(&self.solver, &self.model, &fault);
                            self.catalog.vars[index].clone()
                        })
                        .collect();
                    Bool::or(&times)
                }
            })
            .collect();
        let cubes: Vec<Bool> = shard
            .cubes
            .iter()
            .map(|cube| {
                let literals: Vec<Bool> = vars
                    .iter()
                    .zip(cube)
                    .map(|(var, &value)| if value { var.clone() } else { var.not() })
                    .collect();
                Bool::and(&literals)
            })
            .collect();
        self.solver.assert(Bool::or(&cubes));
        self.catalog.assert_bounds(&self.solver, &self.model);
    }

    /// Records a run whose outcome held only vacuously (nothing to break): only sets that add
    /// a fault changing this run, or drop one of its faults, stay possible.
    pub fn add_vacuous_run(&mut self, faults: &[Fault], trace: &Trace, scope: GoalScope) {
        self.add_tried(faults, trace, crash_set_matters(scope));
        self.catalog.assert_bounds(&self.solver, &self.model);
    }

    /// Records a counterexample: no later proposal contains it. (Not "or a version with an
    /// earlier crash": an earlier crash can stop the very event that made this run bad, so such
    /// a set may be good, or a different minimal counterexample.)
    pub fn add_counterexample(&mut self, faults: &[Fault]) {
        let mut sorted = faults.to_vec();
        sorted.sort();
        let vars: Vec<Bool> = sorted
            .iter()
            .map(|fault| {
                let index = self.catalog.var(&self.solver, &self.model, fault);
                self.catalog.vars[index].clone()
            })
            .collect();
        self.tried.insert(sorted);
        self.solver.assert(Bool::and(&vars).not());
        self.catalog.assert_bounds(&self.solver, &self.model);
    }

    /// Adds a raw support: a later proposal must contain at least one of `faults` (a hitting
    /// set constraint; for foreign lineage and for tests).
    pub fn add_support(&mut self, faults: &[Fault]) {
        let indices: Vec<usize> = faults
            .iter()
            .map(|fault| self.catalog.var(&self.solver, &self.model, fault))
            .collect();
        let vars: Vec<&Bool> = indices.iter().map(|&i| &self.catalog.vars[i]).collect();
        self.solver.assert(Bool::or(&vars));
        self.catalog.assert_bounds(&self.solver, &self.model);
    }

    /// "A set that contains `faults` and adds nothing that changes this run is this run again."
    fn add_tried(&mut self, faults: &[Fault], trace: &Trace, crash_set_matters: bool) {
        let mut sorted = faults.to_vec();
        sorted.sort();
        let mine: Vec<usize> = sorted
            .iter()
            .map(|fault| self.catalog.var(&self.solver, &self.model, fault))
            .collect();
        let affecting: Vec<usize> = self
            .model
            .affecting(trace, crash_set_matters)
            .iter()
            .filter(|fault| sorted.binary_search(fault).is_err())
            .map(|fault| self.catalog.var(&self.solver, &self.model, fault))
            .collect();
        let mut escape: Vec<Bool> = mine.iter().map(|&i| self.catalog.vars[i].not()).collect();
        escape.extend(affecting.iter().map(|&i| self.catalog.vars[i].clone()));
        self.solver.assert(Bool::or(&escape));
        self.tried.insert(sorted);
    }

    /// "Not every fault of `set` (or a stronger one) is chosen."
    fn dominator_block(&self, set: &[Fault]) -> Bool {
        let parts: Vec<Bool> = set
            .iter()
            .map(|fault| self.catalog.dominated_by_any(fault))
            .collect();
        Bool::and(&parts).not()
    }

    /// Up to `count` new fault sets, smallest first. Each is subset-minimal among the sets
    /// allowed now, respects the failure spec, and is not implied by a tried set; within one
    /// call no set contains (a stronger version of) another. Crashes are placed as late as
    /// still breaks every support.
    pub fn propose(&mut self, count: usize) -> Proposals {
        let size_max = u32::try_from(self.catalog.vars.len()).unwrap_or(u32::MAX);
        let mut found: Vec<Vec<usize>> = Vec::new();
        let mut size = self.size_floor;
        self.solver.push(); // the batch's own blocks live in this scope
        while found.len() < count && size <= size_max {
            self.solver.push();
            self.solver.assert(atmost(&self.catalog.vars, size));
            self.solver_calls += 1;
            match self.solver.check() {
                SatResult::Unsat => {
                    self.solver.pop(1);
                    if found.is_empty() {
                        // Constraints only grow, so no set this small will ever be allowed again.
                        self.size_floor = size + 1;
                    }
                    size += 1;
                }
                SatResult::Unknown => {
                    let reason = self.solver.get_reason_unknown().unwrap_or_default();
                    self.solver.pop(2);
                    return Proposals::Unknown(reason);
                }
                SatResult::Sat => {
                    let set = self.model_set().map(|set| self.latest_crashes(set));
                    self.solver.pop(1);
                    let Some(set) = set else { break };
                    let faults: Vec<Fault> = set
                        .iter()
                        .map(|&i| self.catalog.faults[i].clone())
                        .collect();
                    let block = self.dominator_block(&faults);
                    self.solver.assert(&block);
                    found.push(set);
                }
            }
        }
        self.solver.pop(1);
        if found.is_empty() {
            return if size > size_max {
                Proposals::Exhausted
            } else {
                Proposals::Unknown("no model".into())
            };
        }
        let sets: Vec<Vec<Fault>> = found
            .into_iter()
            .map(|set| {
                let mut faults: Vec<Fault> = set
                    .iter()
                    .map(|&i| self.catalog.faults[i].clone())
                    .collect();
                faults.sort();
                faults
            })
            .collect();
        // Never true of a model Z3 found, but a check cut short (an interrupt from another
        // thread) must not turn into a proposal that breaks the search's invariants: say the
        // solver gave up instead.
        if let Some(bad) = sets
            .iter()
            .find(|faults| !self.model.respects_spec(faults) || self.tried.contains(*faults))
        {
            return Proposals::Unknown(format!(
                "the solver returned an invalid proposal ({}); was it interrupted?",
                faultline_trace::faults_to_json(bad)
            ));
        }
        Proposals::Sets(sets)
    }

    /// The fault variables true in the current model, ascending.
    fn model_set(&self) -> Option<Vec<usize>> {
        let model = self.solver.get_model()?;
        Some(
            (0..self.catalog.vars.len())
                .filter(|&i| {
                    model
                        .eval(&self.catalog.vars[i], true)
                        .and_then(|b| b.as_bool())
                        == Some(true)
                })
                .collect(),
        )
    }

    /// Moves each crash of `set` to the latest time that still satisfies every constraint.
    fn latest_crashes(&mut self, mut set: Vec<usize>) -> Vec<usize> {
        for position in 0..set.len() {
            let Fault::Crash { node, at } = self.catalog.faults[set[position]].clone() else {
                continue;
            };
            let mut later: Vec<(u64, usize)> = self
                .catalog
                .faults
                .iter()
                .enumerate()
                .filter_map(|(i, f)| match f {
                    Fault::Crash { node: n, at: t } if *n == node && *t > at => Some((*t, i)),
                    _ => None,
                })
                .collect();
            later.sort_unstable_by(|a, b| b.cmp(a));
            for (_, candidate) in later {
                let mut trial = set.clone();
                trial[position] = candidate;
                if self.satisfies_exactly(&trial) {
                    set = trial;
                    break;
                }
            }
        }
        set.sort_unstable();
        set
    }

    /// Whether choosing exactly `set` (every other fault off) satisfies the constraints.
    fn satisfies_exactly(&mut self, set: &[usize]) -> bool {
        let chosen: BTreeSet<usize> = set.iter().copied().collect();
        let assumptions: Vec<Bool> = self
            .catalog
            .vars
            .iter()
            .enumerate()
            .map(|(i, var)| {
                if chosen.contains(&i) {
                    var.clone()
                } else {
                    var.not()
                }
            })
            .collect();
        self.solver_calls += 1;
        self.solver.check_assumptions(&assumptions) == SatResult::Sat
    }
}
