//! Enumerating fault sets: subset-minimal, smallest first, never one already tried, implied by a
//! tried set, or containing a known counterexample.

use std::collections::{BTreeMap, BTreeSet};

use faultline_trace::{FailureSpec, Fault, GoalScope, NodeId};
use z3::ast::Bool;
use z3::{Model, Params, SatResult, Solver};

use crate::FaultModel;
use crate::encode::{Catalog, Counter, GoalShape, assert_goal_broken, expand_swizzles};
use crate::faults::LadderKind;
use crate::lesson::{Lesson, LessonKind, crash_set_matters};

/// Whether `var` is true in `model`.
fn holds(model: &Model, var: &Bool) -> bool {
    model.eval(var, true).and_then(|b| b.as_bool()) == Some(true)
}

/// The time a monotone ladder says, if its top holds: the first breakpoint that is true (the
/// latest time of the interval the model's choice lies in).
fn ladder_time(model: &Model, ladder: &crate::encode::Ladder) -> Option<u64> {
    let points: Vec<(&u64, &Bool)> = ladder.points.iter().collect();
    let first = points.partition_point(|(_, y)| !holds(model, y));
    points.get(first).map(|&(&at, _)| at)
}

/// What one call of [`crate::Proposer::propose`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposals {
    /// New fault sets to run, smallest first (each sorted).
    Sets(Vec<Vec<Fault>>),
    /// No admissible fault set breaks every known support: the search space is exhausted.
    Exhausted,
    /// The solver gave up (timeout); the reason Z3 gave.
    Unknown(String),
}

/// The incremental Z3 problem of one search, made in its [`crate::Proposer`]'s own context and
/// only touched inside it. Not `Send`: it lives on the search thread.
///
/// Everything is asserted once into one incremental SAT solver (Z3's `QF_FD` solver) and never
/// retracted: the size bound of a check and the blocks of one batch of proposals are
/// assumptions (a [`Counter`] literal, a selector the batch then retires), so what the solver
/// learns carries over from check to check and from round to round.
pub(crate) struct Problem {
    model: FaultModel,
    solver: Solver,
    catalog: Catalog,
    /// "At most k faults", over every omission and clog variable and every node's "crashed".
    counter: Counter,
    /// Omission and clog variables already counted; nodes whose "crashed" is counted.
    counted_faults: usize,
    counted_nodes: BTreeSet<NodeId>,
    /// Restart and skew ladders whose "at all" is counted.
    counted_others: BTreeSet<(LadderKind, NodeId)>,
    runs_encoded: usize,
    batches: u64,
    size_floor: u32,
    solver_calls: u64,
    tried: BTreeSet<Vec<Fault>>,
}

impl Problem {
    /// An empty problem for `spec`; each solver check gives up after `timeout_ms` (0 = never).
    pub(crate) fn new(spec: FailureSpec, timeout_ms: u32) -> Self {
        // The incremental SAT solver with cardinality support: hitting sets with dozens of
        // faults and hundreds of variables take it milliseconds, where the SMT core's
        // cardinality reasoning took seconds to minutes (relay-chain-ack at 40 rounds or 9
        // nodes). Every Z3 build knows the logic; the fallback is only defensive.
        let solver = Solver::new_for_logic("QF_FD").unwrap_or_default();
        let mut params = Params::new();
        // Z3 must not take SIGINT for itself: the caller decides what Ctrl-C means (a partial
        // report), and a check cut short by it would look like a solver timeout.
        params.set_bool("ctrl_c", false);
        if timeout_ms > 0 {
            params.set_u32("timeout", timeout_ms);
        }
        solver.set_params(&params);
        Problem {
            model: FaultModel::new(spec),
            solver,
            catalog: Catalog::new(),
            counter: Counter::new(),
            counted_faults: 0,
            counted_nodes: BTreeSet::new(),
            counted_others: BTreeSet::new(),
            runs_encoded: 0,
            batches: 0,
            size_floor: 1,
            solver_calls: 0,
            tried: BTreeSet::new(),
        }
    }

    /// The fault model (spec plus what the runs showed).
    pub(crate) fn model(&self) -> &FaultModel {
        &self.model
    }

    /// Solver checks made so far.
    pub(crate) fn solver_calls(&self) -> u64 {
        self.solver_calls
    }

    /// Number of fault variables created so far: one per omission or clog, one per crash
    /// breakpoint (a node's crash times that some constraint tells apart; see
    /// `encode.rs`).
    pub(crate) fn variable_count(&self) -> usize {
        self.catalog.faults.len()
            + self
                .catalog
                .ladders
                .values()
                .chain(self.catalog.others.values())
                .map(|ladder| ladder.points.len())
                .sum::<usize>()
    }

    /// Learns one lesson (see [`crate::Proposer::learn`]). The Z3 calls depend on the lesson
    /// only, so a lesson read back from a store asks exactly what the run's trace did.
    pub(crate) fn learn(&mut self, lesson: &Lesson) {
        let faults = &lesson.faults;
        match &lesson.kind {
            LessonKind::Counterexample => self.add_counterexample(faults),
            LessonKind::Run {
                scope,
                nodes,
                affecting,
                latest_crash,
                latest_skew,
                goal,
            } => {
                self.add_tried(faults, affecting, latest_crash, latest_skew);
                match goal {
                    None => self.catalog.assert_bounds(&self.solver, &self.model),
                    // Bounds over the restart and skew ladders the blocks made (without them,
                    // nothing is asserted here, as before they existed: Z3's answers depend on
                    // the order of assertions, and pinned run counts on Z3's answers).
                    Some(goal) if goal.lineage.is_empty() => {
                        if self.model.restarts_allowed() || self.model.skews_allowed() {
                            self.catalog.assert_bounds(&self.solver, &self.model);
                        }
                    }
                    Some(goal) => {
                        let run_index = self.runs_encoded;
                        self.runs_encoded += 1;
                        let condition = self.scope_condition(faults, nodes, *scope);
                        let shape = GoalShape {
                            all_of: &goal.all_of,
                            any_of: &goal.any_of,
                            exempt: &goal.exempt,
                        };
                        assert_goal_broken(
                            &self.solver,
                            &mut self.catalog,
                            &self.model,
                            &goal.lineage,
                            &shape,
                            &condition,
                            run_index,
                        );
                        self.catalog.assert_bounds(&self.solver, &self.model);
                    }
                }
            }
        }
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
                        parts.push(self.catalog.literal(&self.solver, &self.model, fault));
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
                    parts.push(self.catalog.crashed(&self.solver, &self.model, node).not());
                }
            }
        }
        // Restarts and skews change what a node does in ways the lineage does not show (a
        // restarted node starts from its persisted state; a skewed one reads another time),
        // so a lesson binds only the sets with exactly its restarts and skews.
        for node in nodes {
            if self.model.restarts_allowed() {
                let here = faults
                    .iter()
                    .find(|f| matches!(f, Fault::Restart { node: n, .. } if n == node));
                parts.push(match here {
                    Some(restart) => self.catalog.literal(&self.solver, &self.model, restart),
                    None => self
                        .catalog
                        .restarted(&self.solver, &self.model, node)
                        .not(),
                });
            }
            if self.model.skews_allowed() {
                let here = faults
                    .iter()
                    .find(|f| matches!(f, Fault::Skew { node: n, .. } if n == node));
                parts.push(match here {
                    Some(skew) => self.catalog.literal(&self.solver, &self.model, skew),
                    None => self.catalog.skewed(&self.solver, &self.model, node).not(),
                });
            }
        }
        Bool::and(&parts)
    }

    /// Confines every later proposal to `shard`'s share of the fault space: its assignment of
    /// the split variables must be one of the shard's cubes. The shards of one split are
    /// disjoint and cover every fault set, so "no proposal left" in every shard is "no
    /// proposal left" for the whole space.
    pub(crate) fn restrict(&mut self, shard: &crate::Shard) {
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
                    self.catalog.literal(&self.solver, &self.model, &fault)
                }
                // The crash ladders are exact in both polarities: a cube may say "never
                // crashes".
                crate::SplitVar::Crashes { node } => {
                    self.catalog.crashed(&self.solver, &self.model, node)
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

    /// Records a counterexample: no later proposal contains it. (Not "or a version with an
    /// earlier crash": an earlier crash can stop the very event that made this run bad, so such
    /// a set may be good, or a different minimal counterexample.)
    pub(crate) fn add_counterexample(&mut self, faults: &[Fault]) {
        let mut sorted: Vec<Fault> = faults.iter().cloned().map(Fault::canonical).collect();
        sorted.sort();
        let vars: Vec<Bool> = sorted
            .iter()
            .map(|fault| self.catalog.literal(&self.solver, &self.model, fault))
            .collect();
        self.tried.insert(sorted);
        self.solver.assert(Bool::and(&vars).not());
        self.catalog.assert_bounds(&self.solver, &self.model);
    }

    /// Adds a raw support: a later proposal must contain at least one of `faults` (a hitting
    /// set constraint; for foreign lineage and for tests).
    pub(crate) fn add_support(&mut self, faults: &[Fault]) {
        let vars: Vec<Bool> = faults
            .iter()
            .map(|fault| self.catalog.literal(&self.solver, &self.model, fault))
            .collect();
        self.solver.assert(Bool::or(&vars));
        self.catalog.assert_bounds(&self.solver, &self.model);
    }

    /// "A set that contains `faults` (sorted) and adds nothing that changes this run is this
    /// run again": `affecting` and `latest_crash` say what changes it.
    fn add_tried(
        &mut self,
        faults: &[Fault],
        affecting: &[Fault],
        latest_crash: &BTreeMap<NodeId, u64>,
        latest_skew: &BTreeMap<NodeId, u64>,
    ) {
        // The catalog knows swizzles by their members.
        let members = expand_swizzles(faults);
        let mut escape: Vec<Bool> = members
            .iter()
            .map(|fault| self.catalog.literal(&self.solver, &self.model, fault).not())
            .collect();
        for fault in affecting {
            if members.binary_search(fault).is_err() {
                escape.push(self.catalog.literal(&self.solver, &self.model, fault));
            }
        }
        // A restart of a node this set crashes always runs its `init` again.
        for fault in faults {
            if let Fault::Crash { node, .. } = fault
                && self.model.restarts_allowed()
            {
                let restarts_here = faults
                    .iter()
                    .any(|f| matches!(f, Fault::Restart { node: n, .. } if n == node));
                if !restarts_here {
                    escape.push(self.catalog.restarted(&self.solver, &self.model, node));
                }
            }
        }
        for (node, &lt) in latest_skew {
            let skewed_here = faults
                .iter()
                .any(|f| matches!(f, Fault::Skew { node: n, .. } if n == node));
            if !skewed_here {
                escape.push(self.catalog.threshold(
                    &self.solver,
                    &self.model,
                    LadderKind::Skew,
                    node,
                    lt,
                ));
            }
        }
        for (node, &lt) in latest_crash {
            // A node crashes once: another crash time of a node this set crashes already
            // escapes through "not this crash".
            let crashes_here = faults
                .iter()
                .any(|f| matches!(f, Fault::Crash { node: n, .. } if n == node));
            if !crashes_here {
                escape.push(self.catalog.crashed_by(&self.solver, &self.model, node, lt));
            }
        }
        self.solver.assert(Bool::or(&escape));
        self.tried.insert(faults.to_vec());
    }

    /// "Not every fault of `set` (or a stronger one) is chosen."
    fn dominator_block(&mut self, set: &[Fault]) -> Bool {
        let parts: Vec<Bool> = set
            .iter()
            .map(|fault| {
                self.catalog
                    .dominated_by_any(&self.solver, &self.model, fault)
            })
            .collect();
        Bool::and(&parts).not()
    }

    /// Extends the counter to the variables created since the last proposal.
    fn count_new_variables(&mut self) {
        while self.counted_faults < self.catalog.vars.len() {
            let var = self.catalog.vars[self.counted_faults].clone();
            self.counter.push(&self.solver, var);
            self.counted_faults += 1;
        }
        for (node, ladder) in &self.catalog.ladders {
            if self.counted_nodes.contains(node) {
                continue;
            }
            if let Some((_, top)) = ladder.points.last_key_value() {
                self.counter.push(&self.solver, top.clone());
                self.counted_nodes.insert(node.clone());
            }
        }
        // A restart and a skew are a fault each.
        for kind in [LadderKind::Restart, LadderKind::Skew] {
            for (node, top) in self.catalog.other_tops(kind) {
                if self.counted_others.insert((kind, node)) {
                    self.counter.push(&self.solver, top);
                }
            }
        }
    }

    /// One solver check under `assumptions`.
    fn check(&mut self, assumptions: &[Bool]) -> SatResult {
        self.solver_calls += 1;
        self.solver.check_assumptions(assumptions)
    }

    /// Up to `count` new fault sets, smallest first. Each is subset-minimal among the sets
    /// allowed now, respects the failure spec, and is not implied by a tried set; within one
    /// call no set contains (a stronger version of) another. Crashes are placed as late as
    /// still breaks every support.
    ///
    /// Sizes are tried upwards from the smallest still possible; the first time a size has no
    /// set, one check without a bound says whether any set is left at all (so a certificate
    /// takes one check, not one per size up to the number of variables), and its model is
    /// proposed at once when it is of the next size.
    pub(crate) fn propose(&mut self, count: usize) -> Proposals {
        self.count_new_variables();
        let inputs = self.counter.len();
        // The batch's blocks hold while this selector is assumed; it is retired at the end.
        self.batches += 1;
        let batch = Bool::new_const(format!("batch{}", self.batches));
        let mut found: Vec<Vec<Fault>> = Vec::new();
        let mut size = usize::try_from(self.size_floor).unwrap_or(usize::MAX);
        let mut any_left_checked = false;
        // Set when a check without a size bound found nothing: no set is left at all.
        let mut exhausted = false;
        let outcome = loop {
            if found.len() >= count || size > inputs {
                break None;
            }
            let mut assumptions = vec![batch.clone()];
            let bound = self.counter.at_most(&self.solver, size);
            let bounded = bound.is_some();
            assumptions.extend(bound);
            let mut result = self.check(&assumptions);
            if result == SatResult::Unsat && bounded && !any_left_checked {
                // Is there a set of any size? If not, stop here; if its model is of the next
                // size, it is a smallest set.
                any_left_checked = true;
                if found.is_empty() {
                    self.size_floor = u32::try_from(size + 1).unwrap_or(u32::MAX);
                }
                match self.check(std::slice::from_ref(&batch)) {
                    SatResult::Unsat => {
                        exhausted = true;
                        break None;
                    }
                    SatResult::Unknown => break Some(self.unknown()),
                    SatResult::Sat => {
                        size += 1;
                        let next = self.solver.get_model().map(|m| self.model_set(&m));
                        if next.as_ref().is_some_and(|set| set.len() == size) {
                            result = SatResult::Sat;
                        } else {
                            continue;
                        }
                    }
                }
            }
            match result {
                SatResult::Unsat => {
                    if found.is_empty() {
                        // Constraints only grow, so no set this small will ever be allowed again.
                        self.size_floor = u32::try_from(size + 1).unwrap_or(u32::MAX);
                    }
                    if !bounded {
                        exhausted = true;
                        break None;
                    }
                    size += 1;
                }
                SatResult::Unknown => break Some(self.unknown()),
                SatResult::Sat => {
                    let Some(set) = self.solver.get_model().map(|m| self.model_set(&m)) else {
                        break None;
                    };
                    let set = self.latest_crashes(set, &batch);
                    let block = self.dominator_block(&set);
                    self.solver.assert(batch.implies(&block));
                    found.push(set);
                }
            }
        };
        self.solver.assert(batch.not());
        if let Some(unknown) = outcome {
            return unknown;
        }
        if found.is_empty() {
            return if exhausted || size > inputs {
                Proposals::Exhausted
            } else {
                Proposals::Unknown("no model".into())
            };
        }
        // Never true of a model Z3 found, but a check cut short (an interrupt from another
        // thread) must not turn into a proposal that breaks the search's invariants: say the
        // solver gave up instead.
        if let Some(bad) = found
            .iter()
            .find(|faults| !self.model.respects_spec(faults) || self.tried.contains(*faults))
        {
            return Proposals::Unknown(format!(
                "the solver returned an invalid proposal ({}); was it interrupted?",
                faultline_trace::faults_to_json(bad)
            ));
        }
        Proposals::Sets(found)
    }

    /// The solver gave up: why.
    fn unknown(&self) -> Proposals {
        Proposals::Unknown(self.solver.get_reason_unknown().unwrap_or_default())
    }

    /// The fault set of `model`, sorted: the omissions and clogs whose variable is true, and
    /// for each node that crashes, the latest time of the interval its crash lies in.
    fn model_set(&self, model: &Model) -> Vec<Fault> {
        let mut set: Vec<Fault> = self
            .catalog
            .faults
            .iter()
            .zip(&self.catalog.vars)
            .filter(|(_, var)| holds(model, var))
            .map(|(fault, _)| fault.clone())
            .collect();
        for (node, ladder) in &self.catalog.ladders {
            if let Some(at) = ladder_time(model, ladder) {
                set.push(Fault::Crash {
                    node: node.clone(),
                    at,
                });
            }
        }
        // A restart lies in an interval (a, b] of its ladder too, and every time in it after
        // the crash meets the same constraints: it is proposed at the earliest, a quick
        // restart (its lesson names the exact time, which splits the interval).
        let crash_at: BTreeMap<NodeId, u64> = set
            .iter()
            .filter_map(|fault| match fault {
                Fault::Crash { node, at } => Some((node.clone(), *at)),
                _ => None,
            })
            .collect();
        for ((kind, node), ladder) in &self.catalog.others {
            let Some(at) = ladder_time(model, ladder) else {
                continue;
            };
            match kind {
                LadderKind::Restart => {
                    let after = ladder.points.range(..at).next_back().map_or(0, |(t, _)| *t);
                    let crash = crash_at.get(node).copied().unwrap_or(0);
                    set.push(Fault::Restart {
                        node: node.clone(),
                        at: (after + 1).max(crash + 1).min(at),
                    });
                }
                LadderKind::Skew => {
                    let by_ns = self.catalog.skew_offsets[node.as_str()]
                        .iter()
                        .find(|(_, var)| holds(model, var))
                        .map(|(by, _)| *by);
                    if let Some(by_ns) = by_ns {
                        set.push(Fault::Skew {
                            node: node.clone(),
                            by_ns,
                            at,
                        });
                    }
                }
                LadderKind::Crash | LadderKind::Pivot => {}
            }
        }
        // The chosen swizzle members are one swizzle.
        let (members, mut set): (Vec<Fault>, Vec<Fault>) = set
            .into_iter()
            .partition(|fault| matches!(fault, Fault::Swizzle { .. }));
        if !members.is_empty() {
            let windows: Vec<(NodeId, u64, u64)> = members
                .iter()
                .flat_map(|m| {
                    m.swizzle_members()
                        .into_iter()
                        .map(|(node, from, to)| (node.clone(), from, to))
                })
                .collect();
            set.push(
                Fault::Swizzle {
                    nodes: windows.iter().map(|w| w.0.clone()).collect(),
                    clog_at: windows.iter().map(|w| w.1).collect(),
                    unclog_at: windows.iter().map(|w| w.2).collect(),
                }
                .canonical(),
            );
        }
        set.sort();
        set
    }

    /// Assumptions that choose exactly `set`, except for `free`'s crash: every other omission
    /// and clog off, every other node up, each other crash in its interval.
    fn exactly_but(&self, set: &[Fault], free: &str) -> Vec<Bool> {
        let members = expand_swizzles(set);
        let mut assumptions: Vec<Bool> = self
            .catalog
            .faults
            .iter()
            .zip(&self.catalog.vars)
            .map(|(fault, var)| {
                if members.binary_search(fault).is_ok() {
                    var.clone()
                } else {
                    var.not()
                }
            })
            .collect();
        for (node, ladder) in &self.catalog.ladders {
            if node == free {
                continue;
            }
            let crash = set.iter().find_map(|fault| match fault {
                Fault::Crash { node: n, at } if n == node => Some(*at),
                _ => None,
            });
            ladder.pin(crash, &mut assumptions);
        }
        // Restarts and skews stay as chosen (the pivot is free: it only orders members).
        for ((kind, node), ladder) in &self.catalog.others {
            let at = set.iter().find_map(|fault| match (kind, fault) {
                (LadderKind::Restart, Fault::Restart { node: n, at })
                | (LadderKind::Skew, Fault::Skew { node: n, at, .. })
                    if n == node =>
                {
                    Some(*at)
                }
                _ => None,
            });
            if *kind == LadderKind::Pivot {
                continue;
            }
            ladder.pin(at, &mut assumptions);
        }
        for fault in set {
            if let Fault::Skew { node, by_ns, .. } = fault
                && let Some(offsets) = self.catalog.skew_offsets.get(node)
            {
                for (by, var) in offsets {
                    assumptions.push(if by == by_ns { var.clone() } else { var.not() });
                }
            }
        }
        assumptions
    }

    /// Moves each crash of `set` to the latest time that still satisfies every constraint
    /// (every other fault fixed, the batch's blocks in force). The intervals after the crash
    /// are searched by bisection: "some time after t works" only weakens as t grows, and a
    /// model's own interval moves the lower end up at once; so O(log breakpoints) checks per
    /// crash, not one per later time.
    fn latest_crashes(&mut self, mut set: Vec<Fault>, batch: &Bool) -> Vec<Fault> {
        for position in 0..set.len() {
            let Fault::Crash { node, at } = set[position].clone() else {
                continue;
            };
            // A crash before a restart keeps its time: moving it would move the restart's
            // run too, which these checks do not pin.
            if set
                .iter()
                .any(|f| matches!(f, Fault::Restart { node: n, .. } if *n == node))
            {
                continue;
            }
            let Some(ladder) = self.catalog.ladders.get(&node) else {
                continue;
            };
            let Some((_, top)) = ladder.points.last_key_value() else {
                continue;
            };
            let top = top.clone();
            // The intervals after `at`, by their ends: index i + 1 stands for later[i], 0 for
            // the interval ending at `at`.
            let later: Vec<(u64, Bool)> = ladder
                .points
                .range(at + 1..)
                .map(|(t, y)| (*t, y.clone()))
                .collect();
            let at_var = ladder.points.get(&at).cloned();
            let mut base = self.exactly_but(&set, &node);
            base.push(batch.clone());
            base.push(top);
            let (mut lo, mut hi) = (0usize, later.len());
            while lo < hi {
                let mid = (lo + hi).div_ceil(2);
                // "Crashed, but not by the end of the interval before `mid`."
                let not_before = if mid == 1 {
                    at_var.clone()
                } else {
                    Some(later[mid - 2].1.clone())
                };
                let mut assumptions = base.clone();
                assumptions.extend(not_before.map(|y| y.not()));
                if self.check(&assumptions) != SatResult::Sat {
                    hi = mid - 1;
                    continue;
                }
                let Some(model) = self.solver.get_model() else {
                    hi = mid - 1;
                    continue;
                };
                // The model's own interval: `mid` or later.
                let reached = later.partition_point(|(_, y)| !holds(&model, y)) + 1;
                lo = reached.clamp(mid, hi);
            }
            if lo > 0 {
                set[position] = Fault::Crash {
                    node,
                    at: later[lo - 1].0,
                };
            }
        }
        set.sort();
        set
    }
}
