//! The Z3 encoding: one Bool per fault variable, one auxiliary Bool per lineage vertex
//! ("this vertex is broken"), memoised, so nothing is expanded into supports.
//!
//! A vertex's Bool only implies its definition (one Tseitin direction): the formula is
//! monotone, and only "goal broken" is asserted.

use std::collections::BTreeMap;

use faultline_trace::Fault;
use z3::Solver;
use z3::ast::{Bool, atmost};

use crate::{FaultModel, LineageGraph};

/// Fault variables: one Z3 Bool per fault, numbered in order of creation.
pub(crate) struct Catalog {
    pub(crate) faults: Vec<Fault>,
    pub(crate) vars: Vec<Bool>,
    index: BTreeMap<Fault, usize>,
    /// "`node` crashed at or before t", keyed by (node, first crash time, t): a chain
    /// `by(t) → crash(t) ∨ by(t-1)` shared by every vertex that a crash breaks.
    crashed_by: BTreeMap<(String, u64, u64), Bool>,
    /// Number of crash and clog variables when the cardinality bounds were last asserted.
    bounded: (usize, usize),
}

impl Catalog {
    pub(crate) fn new() -> Self {
        Catalog {
            faults: Vec::new(),
            vars: Vec::new(),
            index: BTreeMap::new(),
            crashed_by: BTreeMap::new(),
            bounded: (0, 0),
        }
    }

    /// The variable of `fault`, created on first use. An inadmissible fault gets a variable
    /// that is asserted false (it can appear in blocking clauses, never in a proposal).
    pub(crate) fn var(&mut self, solver: &Solver, model: &FaultModel, fault: &Fault) -> usize {
        if let Some(&index) = self.index.get(fault) {
            return index;
        }
        let index = self.faults.len();
        let var = Bool::new_const(format!("f{index}"));
        if !model.is_admissible(fault) {
            solver.assert(var.not());
        }
        self.faults.push(fault.clone());
        self.vars.push(var);
        self.index.insert(fault.clone(), index);
        index
    }

    /// "`node` crashes at an admissible time no later than `lt`": one variable per (node, t),
    /// built as a chain so that each vertex needs one literal, not one per crash time.
    pub(crate) fn crashed_by(
        &mut self,
        solver: &Solver,
        model: &FaultModel,
        node: &str,
        lt: u64,
    ) -> Bool {
        let Some((first, last)) = model.crash_times(lt) else {
            return Bool::from_bool(false);
        };
        if let Some(by) = self.crashed_by.get(&(node.to_string(), first, last)) {
            return by.clone();
        }
        // Extend the chain from the latest link already built (iteratively: EOT may be large).
        let mut previous: Option<Bool> = None;
        for at in first..=last {
            let key = (node.to_string(), first, at);
            if let Some(by) = self.crashed_by.get(&key) {
                previous = Some(by.clone());
                continue;
            }
            let crash = self.var(
                solver,
                model,
                &Fault::Crash {
                    node: node.to_string(),
                    at,
                },
            );
            let by = Bool::new_const(format!("by_{node}_{first}_{at}"));
            let mut options = vec![self.vars[crash].clone()];
            options.extend(previous.take());
            solver.assert(by.implies(Bool::or(&options)));
            self.crashed_by.insert(key, by.clone());
            previous = Some(by);
        }
        previous.unwrap_or_else(|| Bool::from_bool(false))
    }

    pub(crate) fn get(&self, fault: &Fault) -> Option<usize> {
        self.index.get(fault).copied()
    }

    /// "Some fault at least as strong as `fault` is chosen": a crash of the same node at the
    /// same time or earlier stops everything this crash stops.
    pub(crate) fn dominated_by_any(&self, fault: &Fault) -> Bool {
        match fault {
            Fault::Crash { node, at } => {
                let stronger: Vec<&Bool> = self
                    .faults
                    .iter()
                    .zip(&self.vars)
                    .filter(|(f, _)| matches!(f, Fault::Crash { node: n, at: t } if n == node && t <= at))
                    .map(|(_, var)| var)
                    .collect();
                Bool::or(&stronger)
            }
            _ => match self.get(fault) {
                Some(index) => self.vars[index].clone(),
                None => Bool::from_bool(false),
            },
        }
    }

    /// Re-asserts the cardinality bounds when crash or clog variables were added: at most one
    /// crash per node, at most `max_crashes` crashes, at most `max_clogs` clogs.
    pub(crate) fn assert_bounds(&mut self, solver: &Solver, model: &FaultModel) {
        let crashes: Vec<usize> = (0..self.faults.len())
            .filter(|&i| matches!(self.faults[i], Fault::Crash { .. }))
            .collect();
        let clogs: Vec<usize> = (0..self.faults.len())
            .filter(|&i| matches!(self.faults[i], Fault::Clog { .. }))
            .collect();
        if (crashes.len(), clogs.len()) == self.bounded {
            return;
        }
        self.bounded = (crashes.len(), clogs.len());
        let mut per_node: BTreeMap<&str, Vec<&Bool>> = BTreeMap::new();
        for &i in &crashes {
            if let Fault::Crash { node, .. } = &self.faults[i] {
                per_node.entry(node).or_default().push(&self.vars[i]);
            }
        }
        for vars in per_node.values() {
            solver.assert(atmost(vars.iter().copied(), 1));
        }
        let spec = model.spec();
        solver.assert(atmost(
            crashes.iter().map(|&i| &self.vars[i]),
            spec.max_crashes,
        ));
        solver.assert(atmost(clogs.iter().map(|&i| &self.vars[i]), spec.max_clogs));
    }
}

/// "`node` crashes at some time in the run".
pub(crate) fn crashed(
    solver: &Solver,
    catalog: &mut Catalog,
    model: &FaultModel,
    node: &str,
) -> Bool {
    catalog.crashed_by(solver, model, node, model.spec().eot)
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
/// the formula stays monotone in the fault variables.
pub(crate) fn assert_goal_broken(
    solver: &Solver,
    catalog: &mut Catalog,
    model: &FaultModel,
    lineage: &LineageGraph,
    goal: &GoalShape,
    condition: &Bool,
    run_index: usize,
) {
    let graph = &lineage.graph;
    let broken: Vec<Bool> = graph
        .node_indices()
        .map(|v| Bool::new_const(format!("r{run_index}v{}", v.index())))
        .collect();
    for vertex in graph.node_indices() {
        if vertex == lineage.goal {
            continue; // the root's definition is the goal shape below
        }
        let premises: Vec<&Bool> = lineage
            .premises(vertex)
            .into_iter()
            .map(|p| &broken[p.index()])
            .collect();
        let definition = if graph[vertex].is_or() {
            Bool::and(&premises)
        } else {
            let (faults, crashes) = model.breakers_folded(&graph[vertex]);
            let mut any: Vec<Bool> = faults
                .iter()
                .map(|fault| {
                    let index = catalog.var(solver, model, fault);
                    catalog.vars[index].clone()
                })
                .collect();
            for (node, lt) in crashes {
                any.push(catalog.crashed_by(solver, model, node, lt));
            }
            any.extend(premises.into_iter().cloned());
            Bool::or(&any)
        };
        solver.assert(broken[vertex.index()].implies(&definition));
    }
    let premise_of: BTreeMap<u64, usize> = lineage
        .goal_premises
        .iter()
        .map(|(event, premise)| (*event, premise.index()))
        .collect();
    let mut event_broken = |event: &u64| -> Bool {
        let Some(&premise) = premise_of.get(event) else {
            // Not in the lineage: nothing can break it (an invariant of `build_lineage`).
            return Bool::from_bool(false);
        };
        match goal.exempt.get(event) {
            Some(node) => {
                let up = crashed(solver, catalog, model, node).not();
                Bool::and(&[&broken[premise], &up])
            }
            None => broken[premise].clone(),
        }
    };
    let mut options: Vec<Bool> = goal.all_of.iter().map(&mut event_broken).collect();
    for group in goal.any_of {
        let members: Vec<Bool> = group.iter().map(&mut event_broken).collect();
        options.push(Bool::and(&members));
    }
    solver.assert(condition.implies(Bool::or(&options)));
}
