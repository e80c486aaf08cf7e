//! The Z3 encoding: one Bool per omission and clog, one "crashed at or before t" Bool per node
//! and breakpoint t (the order encoding of a node's crash time), one auxiliary Bool per lineage
//! vertex ("this vertex is broken"), memoised, so nothing is expanded into supports.
//!
//! A vertex's Bool only implies its definition (one Tseitin direction): it occurs only
//! positively, and only "goal broken" is asserted. The crash ladders are exact (both
//! directions), since scope conditions, exemptions and blocks read them with either polarity.
//!
//! # Crash times as intervals
//!
//! A node's crash time is one of 1..=EOT, but every constraint reads it only through
//! thresholds ("crashed at or before t": a lineage vertex at t, a lesson's scope, the faults
//! that would change a run) or exact times (a tried set, a counterexample: two thresholds).
//! So each node gets a ladder `y(t1) → y(t2) → … → y(EOT)` over the times that some
//! constraint names (its *breakpoints*), and crash times between two breakpoints are
//! interchangeable for the solver: they satisfy exactly the same constraints. A model's crash
//! lies in an interval (t_{i-1}, t_i]; it is proposed at t_i, the latest time of the interval
//! (the proposer then moves it later still, when that keeps every constraint). The formula
//! grows with the breakpoints the traces name, never with EOT, and "at most one crash per
//! node" holds by construction.

use std::collections::BTreeMap;

use faultline_trace::{Fault, NodeId};
use z3::Solver;
use z3::ast::{Bool, atmost};

use crate::faults::LadderKind;
use crate::{FaultModel, LineageGraph};

/// One node's crash ladder: breakpoint t → "crashed at or before t". Once the node has a
/// ladder, EOT is one of its breakpoints.
pub(crate) struct Ladder {
    /// Breakpoint → its Bool, ascending.
    pub(crate) points: BTreeMap<u64, Bool>,
    /// Position of the node among the ladders (for variable names).
    index: usize,
}

impl Ladder {
    /// Assumptions that put the ladder's time in the interval of `at` (by `at`, not by the
    /// breakpoint before), or, for `None`, never.
    pub(crate) fn pin(&self, at: Option<u64>, out: &mut Vec<Bool>) {
        match at {
            Some(at) => {
                let mut upto = self.points.range(..=at);
                if let Some((_, y)) = upto.next_back() {
                    out.push(y.clone());
                }
                if let Some((_, before)) = upto.next_back() {
                    out.push(before.not());
                }
            }
            None => {
                if let Some((_, top)) = self.points.last_key_value() {
                    out.push(top.not());
                }
            }
        }
    }
}

/// Fault variables: one Z3 Bool per omission, clog or one-node swizzle member, numbered in
/// order of creation, and one crash ladder per node; with restarts or skews, a restart ladder
/// and a skew ladder per node (the skew's offset a one-hot choice), and with swizzles one
/// pivot ladder ("the time when every member is clogged is at most t").
///
/// A swizzle is its members: `member ⇒ from ≤ pivot < to` makes every clog start before any
/// unclog, and at most one member per node makes them one window each. A restart at r needs a
/// crash by r − 1. Restarts and skews break no lineage vertex beyond what the crash (or, for
/// a skew, the node's later handlers) already stands for; their ladders are read by scopes,
/// blocks and bounds.
pub(crate) struct Catalog {
    /// Omissions, clogs and swizzle members, in creation order.
    pub(crate) faults: Vec<Fault>,
    /// Their Bools.
    pub(crate) vars: Vec<Bool>,
    index: BTreeMap<Fault, usize>,
    /// Node → its crash ladder.
    pub(crate) ladders: BTreeMap<NodeId, Ladder>,
    /// Restart, skew and pivot ladders (the pivot under the empty node name).
    pub(crate) others: BTreeMap<(LadderKind, NodeId), Ladder>,
    /// Node → its skew offset choices (offset, Bool), made with its skew ladder.
    pub(crate) skew_offsets: BTreeMap<NodeId, Vec<(i64, Bool)>>,
    /// Node → its swizzle member Bools.
    swizzle_members: BTreeMap<NodeId, Vec<Bool>>,
    /// What the cardinality bounds were last asserted over: crash ladders, clogs, restart
    /// ladders, skew ladders, swizzle members.
    bounded: (usize, usize, usize, usize, usize),
}

impl Catalog {
    pub(crate) fn new() -> Self {
        Catalog {
            faults: Vec::new(),
            vars: Vec::new(),
            index: BTreeMap::new(),
            ladders: BTreeMap::new(),
            others: BTreeMap::new(),
            skew_offsets: BTreeMap::new(),
            swizzle_members: BTreeMap::new(),
            bounded: (0, 0, 0, 0, 0),
        }
    }

    /// The variable of an omission or clog, created on first use. An inadmissible fault gets a
    /// variable that is asserted false (it can appear in blocking clauses, never in a
    /// proposal).
    ///
    /// # Panics
    /// On a crash (crashes are ladders: see [`Catalog::literal`]).
    pub(crate) fn var(&mut self, solver: &Solver, model: &FaultModel, fault: &Fault) -> usize {
        assert!(
            !matches!(fault, Fault::Crash { .. }),
            "crashes are encoded by their ladders"
        );
        if let Some(&index) = self.index.get(fault) {
            return index;
        }
        let index = self.faults.len();
        let var = Bool::new_const(format!("f{index}"));
        if !model.is_admissible(fault) {
            solver.assert(var.not());
        } else if let [(node, from, to)] = fault.swizzle_members()[..] {
            // from ≤ pivot < to: "pivot ≤ to − 1" and not "pivot ≤ from − 1".
            let upper = self.other_point(solver, model, LadderKind::Pivot, "", to - 1);
            solver.assert(var.implies(&upper));
            if from >= 2 {
                let lower = self.other_point(solver, model, LadderKind::Pivot, "", from - 1);
                solver.assert(var.implies(lower.not()));
            }
            self.swizzle_members
                .entry(node.clone())
                .or_default()
                .push(var.clone());
        }
        self.faults.push(fault.clone());
        self.vars.push(var);
        self.index.insert(fault.clone(), index);
        index
    }

    /// "`fault` is chosen": its variable, or for a crash at t, "crashed by t and not by t-1"
    /// (likewise a restart, and a skew with its offset); a swizzle is all of its members.
    /// An inadmissible crash, restart or skew is false.
    pub(crate) fn literal(&mut self, solver: &Solver, model: &FaultModel, fault: &Fault) -> Bool {
        match fault {
            Fault::Swizzle { .. } if fault.swizzle_members().len() != 1 => {
                let members: Vec<Bool> = split_swizzle(fault)
                    .iter()
                    .map(|member| self.literal(solver, model, member))
                    .collect();
                Bool::and(&members)
            }
            Fault::Restart { node, at } => {
                if !model.is_admissible(fault) {
                    return Bool::from_bool(false);
                }
                self.exact_other(solver, model, LadderKind::Restart, node, *at)
            }
            Fault::Skew { node, by_ns, at } => {
                if !model.is_admissible(fault) {
                    return Bool::from_bool(false);
                }
                let when = self.exact_other(solver, model, LadderKind::Skew, node, *at);
                let offset = self.skew_offsets[node.as_str()]
                    .iter()
                    .find(|(by, _)| by == by_ns)
                    .map(|(_, var)| var.clone())
                    .unwrap_or_else(|| Bool::from_bool(false));
                Bool::and(&[when, offset])
            }
            Fault::Crash { node, at } => {
                if !model.is_admissible(fault) {
                    return Bool::from_bool(false);
                }
                let by = self.point(solver, model, node, *at);
                if *at == 1 {
                    by
                } else {
                    let before = self.point(solver, model, node, at - 1);
                    Bool::and(&[by, before.not()])
                }
            }
            _ => {
                let index = self.var(solver, model, fault);
                self.vars[index].clone()
            }
        }
    }

    /// The ladder Bool of `node` at breakpoint `t` (1 ≤ t ≤ EOT, crashes allowed), created with
    /// its two implications on first use; a new ladder starts with its EOT breakpoint.
    fn point(&mut self, solver: &Solver, model: &FaultModel, node: &str, t: u64) -> Bool {
        let eot = model.spec().eot;
        debug_assert!(t >= 1 && t <= eot);
        let count = self.ladders.len();
        let ladder = self
            .ladders
            .entry(node.to_string())
            .or_insert_with(|| Ladder {
                points: BTreeMap::new(),
                index: count,
            });
        ladder_point(ladder, solver, "y", eot, t).0
    }

    /// The Bool "at or before `t`" of a restart, skew or pivot ladder (1 ≤ t ≤ EOT), created
    /// with its implications; a new restart point also asserts "restarted by t ⇒ crashed by
    /// t − 1", and a new skew ladder gets its offset choice (exactly one offset iff skewed).
    fn other_point(
        &mut self,
        solver: &Solver,
        model: &FaultModel,
        kind: LadderKind,
        node: &str,
        t: u64,
    ) -> Bool {
        let eot = model.spec().eot;
        debug_assert!(t >= 1 && t <= eot);
        let count = self.others.len();
        let key = (kind, node.to_string());
        let fresh = !self.others.contains_key(&key);
        let ladder = self.others.entry(key).or_insert_with(|| Ladder {
            points: BTreeMap::new(),
            index: count,
        });
        let prefix = match kind {
            LadderKind::Restart => "rs",
            LadderKind::Skew => "sk",
            LadderKind::Pivot | LadderKind::Crash => "pv",
        };
        let (y, created) = ladder_point(ladder, solver, prefix, eot, t);
        let top = ladder.points[&eot].clone();
        if kind == LadderKind::Restart {
            for point in created {
                let var = self.others[&(kind, node.to_string())].points[&point].clone();
                let crashed = if point >= 2 {
                    self.crashed_by(solver, model, node, point - 1)
                } else {
                    Bool::from_bool(false)
                };
                solver.assert(var.implies(&crashed));
            }
        }
        if kind == LadderKind::Skew && fresh {
            let offsets: Vec<(i64, Bool)> = model
                .spec()
                .skew_offsets()
                .into_iter()
                .map(|by| (by, Bool::new_const(format!("so{count}_{by}"))))
                .collect();
            let vars: Vec<&Bool> = offsets.iter().map(|(_, var)| var).collect();
            solver.assert(top.iff(Bool::or(&vars)));
            solver.assert(atmost(vars, 1));
            self.skew_offsets.insert(node.to_string(), offsets);
        }
        y
    }

    /// "Exactly at `at`" on a restart or skew ladder: by `at` and not by `at` − 1.
    fn exact_other(
        &mut self,
        solver: &Solver,
        model: &FaultModel,
        kind: LadderKind,
        node: &str,
        at: u64,
    ) -> Bool {
        let by = self.other_point(solver, model, kind, node, at);
        if at == 1 {
            by
        } else {
            let before = self.other_point(solver, model, kind, node, at - 1);
            Bool::and(&[by, before.not()])
        }
    }

    /// "Crashed by t" or "skewed by t": the threshold a lineage clause names.
    pub(crate) fn threshold(
        &mut self,
        solver: &Solver,
        model: &FaultModel,
        kind: LadderKind,
        node: &str,
        lt: u64,
    ) -> Bool {
        match kind {
            LadderKind::Skew => {
                let last = lt.min(model.spec().eot);
                if last >= 1 && model.skews_allowed() {
                    self.other_point(solver, model, LadderKind::Skew, node, last)
                } else {
                    Bool::from_bool(false)
                }
            }
            _ => self.crashed_by(solver, model, node, lt),
        }
    }

    /// "`node` restarts at some time" (false without restarts).
    pub(crate) fn restarted(&mut self, solver: &Solver, model: &FaultModel, node: &str) -> Bool {
        if !model.restarts_allowed() {
            return Bool::from_bool(false);
        }
        let eot = model.spec().eot;
        self.other_point(solver, model, LadderKind::Restart, node, eot)
    }

    /// "`node`'s clock is skewed at some time" (false without skews).
    pub(crate) fn skewed(&mut self, solver: &Solver, model: &FaultModel, node: &str) -> Bool {
        let eot = model.spec().eot;
        self.threshold(solver, model, LadderKind::Skew, node, eot)
    }

    /// "`node` crashes at an admissible time no later than `lt`" (false when there is none).
    pub(crate) fn crashed_by(
        &mut self,
        solver: &Solver,
        model: &FaultModel,
        node: &str,
        lt: u64,
    ) -> Bool {
        match model.crash_times(lt) {
            Some((_, last)) => self.point(solver, model, node, last),
            None => Bool::from_bool(false),
        }
    }

    /// "`node` crashes at some time in the run".
    pub(crate) fn crashed(&mut self, solver: &Solver, model: &FaultModel, node: &str) -> Bool {
        self.crashed_by(solver, model, node, model.spec().eot)
    }

    /// "Some fault at least as strong as `fault` is chosen": a crash of the same node at the
    /// same time or earlier stops everything this crash stops.
    pub(crate) fn dominated_by_any(
        &mut self,
        solver: &Solver,
        model: &FaultModel,
        fault: &Fault,
    ) -> Bool {
        match fault {
            Fault::Crash { node, at } => self.crashed_by(solver, model, node, *at),
            _ => self.literal(solver, model, fault),
        }
    }

    /// "Crashed at all", per node that has a ladder.
    fn ladder_tops(&self) -> impl Iterator<Item = Bool> + '_ {
        self.ladders
            .values()
            .filter_map(|ladder| ladder.points.last_key_value().map(|(_, top)| top.clone()))
    }

    /// The tops ("at all") of the restart or skew ladders.
    pub(crate) fn other_tops(&self, kind: LadderKind) -> Vec<(NodeId, Bool)> {
        self.others
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .filter_map(|((_, node), ladder)| {
                ladder
                    .points
                    .last_key_value()
                    .map(|(_, top)| (node.clone(), top.clone()))
            })
            .collect()
    }

    /// Re-asserts the cardinality bounds when a node got a ladder or a clog or swizzle
    /// variable was added: at most `max_crashes` crashed nodes, `max_clogs` clogs,
    /// `max_restarts` restarted and `max_skews` skewed nodes, one swizzle member per node.
    /// (At most one crash, restart or skew per node holds by construction.)
    pub(crate) fn assert_bounds(&mut self, solver: &Solver, model: &FaultModel) {
        let clogs: Vec<&Bool> = self
            .faults
            .iter()
            .zip(&self.vars)
            .filter(|(fault, _)| matches!(fault, Fault::Clog { .. }))
            .map(|(_, var)| var)
            .collect();
        let restarts = self.other_tops(LadderKind::Restart);
        let skews = self.other_tops(LadderKind::Skew);
        let members: usize = self.swizzle_members.values().map(Vec::len).sum();
        let counts = (
            self.ladders.len(),
            clogs.len(),
            restarts.len(),
            skews.len(),
            members,
        );
        if counts == self.bounded {
            return;
        }
        let spec = model.spec();
        if counts.1 != self.bounded.1 {
            solver.assert(atmost(clogs, spec.max_clogs));
        }
        if counts.0 != self.bounded.0 {
            let tops: Vec<Bool> = self.ladder_tops().collect();
            solver.assert(atmost(tops.iter(), spec.max_crashes));
        }
        if counts.2 != self.bounded.2 {
            solver.assert(atmost(
                restarts.iter().map(|(_, top)| top),
                spec.max_restarts,
            ));
        }
        if counts.3 != self.bounded.3 {
            solver.assert(atmost(skews.iter().map(|(_, top)| top), spec.max_skews));
        }
        if counts.4 != self.bounded.4 {
            for vars in self.swizzle_members.values() {
                solver.assert(atmost(vars.iter(), 1));
            }
        }
        self.bounded = counts;
    }
}

/// Adds breakpoint `t` (and the ladder's EOT breakpoint) to `ladder`, with the implications
/// to its neighbours: the Bool at `t`, and the breakpoints created.
fn ladder_point(
    ladder: &mut Ladder,
    solver: &Solver,
    prefix: &str,
    eot: u64,
    t: u64,
) -> (Bool, Vec<u64>) {
    let mut created = Vec::new();
    for t in [eot, t] {
        if ladder.points.contains_key(&t) {
            continue;
        }
        let y = Bool::new_const(format!("{prefix}{}_{t}", ladder.index));
        if let Some((_, below)) = ladder.points.range(..t).next_back() {
            solver.assert(below.implies(&y));
        }
        if let Some((_, above)) = ladder.points.range(t + 1..).next() {
            solver.assert(y.implies(above));
        }
        ladder.points.insert(t, y);
        created.push(t);
    }
    (ladder.points[&t].clone(), created)
}

/// A swizzle's members as one-node swizzles (the solver's variables).
pub(crate) fn split_swizzle(fault: &Fault) -> Vec<Fault> {
    fault
        .swizzle_members()
        .into_iter()
        .map(|(node, from, to)| Fault::Swizzle {
            nodes: vec![node.clone()],
            clog_at: vec![from],
            unclog_at: vec![to],
        })
        .collect()
}

/// `set` with every swizzle split into its members, sorted (how the catalog sees it).
pub(crate) fn expand_swizzles(set: &[Fault]) -> Vec<Fault> {
    let mut out: Vec<Fault> = Vec::with_capacity(set.len());
    for fault in set {
        if matches!(fault, Fault::Swizzle { .. }) {
            out.extend(split_swizzle(fault));
        } else {
            out.push(fault.clone());
        }
    }
    out.sort();
    out
}

/// "At most k of the counted variables are true" for any k, as one assumption literal: a
/// sequential counter (Sinz 2005) over the counted variables, built once and extended as
/// variables are added and as larger bounds are asked for. `reg[i][j]` is forced true when at
/// least j + 1 of the first i + 1 inputs are; so the bound k is the assumption "not
/// `reg[last][k]`". Unlike a cardinality constraint asserted per check, it is never rebuilt:
/// what the solver learnt about it carries over from one check (and one round) to the next.
///
/// O(inputs × largest bound) clauses in all.
pub(crate) struct Counter {
    inputs: Vec<Bool>,
    /// Per input, one register per count 1..=width.
    regs: Vec<Vec<Bool>>,
    width: usize,
}

impl Counter {
    pub(crate) fn new() -> Self {
        Counter {
            inputs: Vec::new(),
            regs: Vec::new(),
            width: 0,
        }
    }

    /// How many inputs it counts.
    pub(crate) fn len(&self) -> usize {
        self.inputs.len()
    }

    /// Counts `input` too.
    pub(crate) fn push(&mut self, solver: &Solver, input: Bool) {
        let i = self.inputs.len();
        self.inputs.push(input);
        self.regs.push(Vec::with_capacity(self.width));
        for j in 0..self.width {
            self.add_register(solver, i, j);
        }
    }

    /// Register j of input i with its clauses: "at least j + 1 of inputs 0..=i" forces it.
    fn add_register(&mut self, solver: &Solver, i: usize, j: usize) {
        let reg = Bool::new_const(format!("cnt{i}_{j}"));
        let input = &self.inputs[i];
        if j == 0 {
            solver.assert(input.implies(&reg));
        }
        if i > 0 {
            let previous = &self.regs[i - 1];
            solver.assert(previous[j].implies(&reg));
            if j > 0 {
                solver.assert(Bool::and(&[input, &previous[j - 1]]).implies(&reg));
            }
        }
        self.regs[i].push(reg);
    }

    /// The assumption "at most `k` inputs are true", or `None` when every assignment has at
    /// most k (k ≥ inputs).
    pub(crate) fn at_most(&mut self, solver: &Solver, k: usize) -> Option<Bool> {
        if k >= self.inputs.len() {
            return None;
        }
        while self.width <= k {
            let j = self.width;
            self.width += 1;
            for i in 0..self.inputs.len() {
                self.add_register(solver, i, j);
            }
        }
        Some(self.regs[self.inputs.len() - 1][k].not())
    }
}

/// The goal of one good run, as the encoding needs it: each goal event's premise in the
/// lineage and the node whose crash exempts it.
pub(crate) struct GoalShape<'a> {
    /// Events that must all occur.
    pub all_of: &'a [u64],
    /// Groups of which at least one event must occur.
    pub any_of: &'a [Vec<u64>],
    /// Goal event → the node whose crash makes it unnecessary.
    pub exempt: &'a BTreeMap<u64, String>,
}

/// Asserts `condition → the goal of this lineage is broken`: some `all_of` event broken, or
/// every event of some `any_of` group broken, where an event is broken when its lineage is
/// (a fact: every derivation; anything else: some premise or a breaker) and its node, if it is
/// exempt when crashed, stays up.
///
/// Only one Tseitin direction is asserted for each vertex ("broken → its definition"), so
/// the formula stays monotone in the fault variables. See [`compress`] for how the vertices
/// become clauses.
pub(crate) fn assert_goal_broken(
    solver: &Solver,
    catalog: &mut Catalog,
    model: &FaultModel,
    lineage: &LineageGraph,
    goal: &GoalShape,
    condition: &Bool,
    run_index: usize,
) {
    let Compressed { named, nodes } = compress(catalog, solver, model, lineage);
    let broken: BTreeMap<usize, Bool> = named
        .iter()
        .map(|(&vertex, _)| (vertex, Bool::new_const(format!("r{run_index}v{vertex}"))))
        .collect();
    for (vertex, clauses) in &named {
        for clause in clauses {
            let mut any: Vec<Bool> = clause
                .lits
                .iter()
                .map(|lit| match *lit {
                    Lit::Fault(index) => catalog.vars[index].clone(),
                    Lit::Vertex(premise) => broken[&premise].clone(),
                })
                .collect();
            for &(node, t) in &clause.crashes {
                let (kind, name) = &nodes[node];
                any.push(catalog.threshold(solver, model, *kind, name, t));
            }
            solver.assert(broken[vertex].implies(Bool::or(&any)));
        }
    }
    let premise_of: BTreeMap<u64, usize> = lineage
        .goal_premises
        .iter()
        .map(|(event, premise)| (*event, premise.index()))
        .collect();
    let mut event_broken = |event: &u64| -> Bool {
        let Some(premise) = premise_of.get(event).and_then(|p| broken.get(p)) else {
            // Not in the lineage: nothing can break it (an invariant of `build_lineage`).
            return Bool::from_bool(false);
        };
        match goal.exempt.get(event) {
            Some(node) => {
                let up = catalog.crashed(solver, model, node).not();
                Bool::and(&[premise, &up])
            }
            None => premise.clone(),
        }
    };
    let mut options: Vec<Bool> = goal.all_of.iter().map(&mut event_broken).collect();
    for group in goal.any_of {
        let members: Vec<Bool> = group.iter().map(&mut event_broken).collect();
        options.push(Bool::and(&members));
    }
    solver.assert(condition.implies(Bool::or(&options)));
}

/// A literal of a vertex's definition before it becomes a Z3 term: a fault variable (an index
/// into [`Catalog::vars`]) or another vertex's "broken".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Lit {
    Fault(usize),
    Vertex(usize),
}

/// A disjunction: its literals and its "crashed by t" thresholds (node index, t). Two
/// thresholds of one node fold into the later one: crashed by t₁ or by t₂ is crashed by
/// max(t₁, t₂).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Clause {
    lits: Vec<Lit>,
    crashes: Vec<(usize, u64)>,
}

impl Clause {
    fn append(&mut self, mut other: Clause) {
        self.lits.append(&mut other.lits);
        self.crashes.append(&mut other.crashes);
    }

    /// Literals and thresholds.
    fn len(&self) -> usize {
        self.lits.len() + self.crashes.len()
    }

    /// Whether this normalised clause is short enough to copy into every dependent. (Only
    /// called right after [`Clause::normalize`].)
    fn is_normal_and_small(&self) -> bool {
        self.len() <= SMALL
    }

    /// Sorted, without duplicates, one threshold per node (the latest).
    fn normalize(&mut self) {
        self.lits.sort_unstable();
        self.lits.dedup();
        // Descending times within a node, so that dedup keeps each node's latest.
        self.crashes
            .sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        self.crashes.dedup_by_key(|(node, _)| *node);
    }
}

/// What a vertex's definition is while its dependents are still to come: one disjunction
/// (an AND vertex: broken if any premise or breaker is) or a conjunction of disjunctions (a
/// fact: broken if every derivation is).
enum Definition {
    Any(Clause),
    All(Vec<Clause>),
}

/// The lineage as clauses: for each vertex that keeps a variable, "broken → each clause".
struct Compressed {
    named: BTreeMap<usize, Vec<Clause>>,
    /// Thresholded ladders (crash or skew, node), by the index the clauses use.
    nodes: Vec<(LadderKind, String)>,
}

/// Literals (thresholds included) up to which a vertex's definition is copied into every
/// vertex that needs it instead of getting a variable.
const SMALL: usize = 8;

/// Turns a lineage graph into as few clauses as the same constraint allows, in O(V + E) (plus
/// sorting): the encoding is linear in the lineage, and the lineage of a protocol that
/// repeats itself every round folds to a few clauses.
///
/// Every vertex's "broken" occurs only positively (in its dependents' definitions and in the
/// goal), so replacing it by its definition wherever it occurs is the same constraint on the
/// fault variables. That is done when it costs nothing:
///
/// - a definition that is one short disjunction (at most [`SMALL`] literals, after folding) is
///   copied into every dependent: a chain of timers or re-sends at one node folds to "that node
///   crashed by t";
/// - a vertex that only one other vertex needs is substituted into it (an AND's disjunction
///   joins the dependent AND's disjunction, or becomes one clause of a dependent fact; a
///   fact's clauses join a dependent fact's). A fact with several clauses that an AND vertex
///   needs keeps its variable (a conjunction inside a disjunction).
///
/// And clauses are simplified:
///
/// - thresholds of one node in one clause fold into the latest (the ladder is exact);
/// - among a fact's clauses, one implied by another is dropped ([`drop_implied`]): the
///   clauses of a message re-sent every round fold into the earliest ones.
///
/// Goal premises always keep their variable. A graph with a cycle (never built by
/// [`crate::build_lineage`]) is encoded vertex by vertex, with a variable each.
fn compress(
    catalog: &mut Catalog,
    solver: &Solver,
    model: &FaultModel,
    lineage: &LineageGraph,
) -> Compressed {
    use petgraph::Direction;
    use petgraph::graph::NodeIndex;

    let graph = &lineage.graph;
    let goal_premises: std::collections::BTreeSet<usize> = lineage
        .goal_premises
        .iter()
        .map(|(_, premise)| premise.index())
        .collect();
    // Premises before their dependents; without an order, nothing is substituted.
    let order = petgraph::algo::toposort(graph, None).ok();
    let substitutes = order.is_some();
    // The one vertex that needs `vertex`, if it is one and may take its definition.
    let sole_dependent = |vertex: NodeIndex| -> Option<NodeIndex> {
        if !substitutes || goal_premises.contains(&vertex.index()) {
            return None;
        }
        let mut dependents = graph.neighbors_directed(vertex, Direction::Incoming);
        let dependent = dependents.next()?;
        (dependents.next().is_none() && dependent != lineage.goal).then_some(dependent)
    };
    let mut node_index: BTreeMap<(LadderKind, String), usize> = BTreeMap::new();
    let mut nodes: Vec<(LadderKind, String)> = Vec::new();
    let mut pending: Vec<Option<Definition>> = (0..graph.node_count()).map(|_| None).collect();
    let mut small: Vec<Option<Clause>> = vec![None; graph.node_count()];
    let mut named = BTreeMap::new();
    let vertices: Vec<NodeIndex> = match &order {
        Some(order) => order.iter().rev().copied().collect(),
        None => graph.node_indices().collect(),
    };
    for vertex in vertices {
        if vertex == lineage.goal {
            continue; // the root's definition is the goal shape
        }
        let mut definition = if graph[vertex].is_or() {
            Definition::All(Vec::new())
        } else {
            let (faults, crashes) = model.breakers_folded(&graph[vertex]);
            let mut own = Clause::default();
            for fault in &faults {
                own.lits.push(Lit::Fault(catalog.var(solver, model, fault)));
            }
            for (kind, node, lt) in crashes {
                let last = match kind {
                    LadderKind::Skew => lt.min(model.spec().eot),
                    _ => match model.crash_times(lt) {
                        Some((_, last)) => last,
                        None => continue,
                    },
                };
                if last == 0 {
                    continue;
                }
                let key = (kind, node.to_string());
                let index = *node_index.entry(key.clone()).or_insert_with(|| {
                    nodes.push(key);
                    nodes.len() - 1
                });
                own.crashes.push((index, last));
            }
            Definition::Any(own)
        };
        for premise in graph.neighbors(vertex) {
            let substituted = match &small[premise.index()] {
                Some(clause) if substitutes => Some(Definition::Any(clause.clone())),
                _ => pending[premise.index()].take(),
            };
            match (&mut definition, substituted) {
                (Definition::Any(clause), Some(Definition::Any(inner))) => clause.append(inner),
                (Definition::All(clauses), Some(Definition::Any(inner))) => clauses.push(inner),
                (Definition::All(clauses), Some(Definition::All(inner))) => clauses.extend(inner),
                (Definition::Any(clause), None) => {
                    clause.lits.push(Lit::Vertex(premise.index()));
                }
                (Definition::All(clauses), None) => clauses.push(Clause {
                    lits: vec![Lit::Vertex(premise.index())],
                    crashes: Vec::new(),
                }),
                // Never pending: a fact with several clauses keeps its variable in an AND.
                (Definition::Any(_), Some(Definition::All(_))) => {
                    unreachable!("a conjunction inside a disjunction keeps its variable")
                }
            }
        }
        // Short definitions are normalised now (bounded work) to see if they are small.
        definition = match definition {
            Definition::Any(mut clause) if clause.len() <= 4 * SMALL => {
                clause.normalize();
                Definition::Any(clause)
            }
            Definition::All(clauses) if clauses.len() <= 4 => {
                let mut clauses = drop_implied(clauses);
                if clauses.len() == 1 {
                    Definition::Any(clauses.remove(0))
                } else {
                    Definition::All(clauses)
                }
            }
            other => other,
        };
        if let Definition::Any(clause) = &definition
            && clause.is_normal_and_small()
            && substitutes
        {
            small[vertex.index()] = Some(clause.clone());
            if !goal_premises.contains(&vertex.index()) {
                continue;
            }
        }
        let substituted = sole_dependent(vertex).is_some_and(|dependent| {
            // A fact with several clauses is not substituted into an AND vertex.
            matches!(definition, Definition::Any(_)) || graph[dependent].is_or()
        });
        if substituted {
            pending[vertex.index()] = Some(definition);
        } else {
            let clauses = match definition {
                Definition::Any(mut clause) => {
                    clause.normalize();
                    vec![clause]
                }
                Definition::All(clauses) => drop_implied(clauses),
            };
            named.insert(vertex.index(), clauses);
        }
    }
    Compressed { named, nodes }
}

/// Clauses grouped by their literals and the nodes they threshold: each group's threshold
/// vectors.
type ClauseGroups = BTreeMap<(Vec<Lit>, Vec<usize>), Vec<Vec<u64>>>;

/// The clauses of a conjunction without those another clause implies: same literals, the same
/// nodes' thresholds (or a subset of them) each no later. Exact for one or two thresholds per
/// clause (a sort and a sweep); with more, each clause is compared with at most the 64 latest
/// kept ones (a clause kept that another implies is harmless).
fn drop_implied(mut clauses: Vec<Clause>) -> Vec<Clause> {
    for clause in &mut clauses {
        clause.normalize();
    }
    // Group by literals and by the nodes thresholded; sort each group's threshold vectors.
    let mut groups: ClauseGroups = BTreeMap::new();
    for clause in clauses {
        let (nodes, times): (Vec<usize>, Vec<u64>) = clause.crashes.into_iter().unzip();
        groups.entry((clause.lits, nodes)).or_default().push(times);
    }
    let mut kept = Vec::new();
    for ((lits, nodes), mut vectors) in groups {
        vectors.sort_unstable();
        vectors.dedup();
        let frontier: Vec<Vec<u64>> = match nodes.len() {
            0 | 1 => vectors.into_iter().take(1).collect(),
            2 => {
                let mut frontier: Vec<Vec<u64>> = Vec::new();
                for times in vectors {
                    // Ascending in the first time: kept iff its second is below every kept one.
                    if frontier.last().is_none_or(|last| times[1] < last[1]) {
                        frontier.push(times);
                    }
                }
                frontier
            }
            _ => {
                let mut frontier: Vec<Vec<u64>> = Vec::new();
                for times in vectors {
                    let implied = frontier
                        .iter()
                        .rev()
                        .take(64)
                        .any(|kept| kept.iter().zip(&times).all(|(k, t)| k <= t));
                    if !implied {
                        frontier.push(times);
                    }
                }
                frontier
            }
        };
        for times in frontier {
            kept.push(Clause {
                lits: lits.clone(),
                crashes: nodes.iter().copied().zip(times).collect(),
            });
        }
    }
    // Subsets of literals or nodes (rarer): a clause with no literal and one threshold, the
    // commonest, implies every clause with a later threshold of that node.
    let single: BTreeMap<usize, u64> = kept
        .iter()
        .filter(|c| c.lits.is_empty() && c.crashes.len() == 1)
        .map(|c| c.crashes[0])
        .fold(BTreeMap::new(), |mut best, (node, t)| {
            let entry = best.entry(node).or_insert(t);
            *entry = (*entry).min(t);
            best
        });
    kept.retain(|clause| {
        let is_single = clause.lits.is_empty() && clause.crashes.len() == 1;
        is_single
            || !clause
                .crashes
                .iter()
                .any(|(node, t)| single.get(node).is_some_and(|s| s <= t))
    });
    kept
}
