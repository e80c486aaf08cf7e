//! Turns a formula into a DAG of operators: node quantifiers expanded over the model's nodes,
//! variables substituted into atoms, identical subformulas shared (hash-consing).
//!
//! Expansion multiplies a quantifier's body by the number of nodes, so k nested quantifiers
//! over N nodes cost N^k: [`MAX_EXPANSION`] bounds that up front, before any work is done.

use std::collections::HashMap;

use super::model::Model;
use crate::LtlError;
use crate::syntax::{Atom, Formula, Interval, NodeRef, Position, Term};

/// The most subformula instances a property may expand to: every node of the formula counted
/// once per binding of the quantified variables around it. Past this, [`compile`] fails with
/// [`LtlError::QuantifierExpansion`] instead of running for hours: 3 nested quantifiers over
/// 100 nodes, or 12 over 3 nodes, are within it.
pub const MAX_EXPANSION: u64 = 1_000_000;

/// Index of a subformula in [`Compiled::ops`]; children always have smaller ids.
pub(crate) type Id = u32;

/// One operator of the compiled DAG.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    True,
    False,
    Last,
    Atom(usize),
    Not(Id),
    And(Id, Id),
    Or(Id, Id),
    Implies(Id, Id),
    Iff(Id, Id),
    Next(Id),
    WeakNext(Id),
    Eventually(Id),
    Always(Id),
    Until(Id, Id),
    WeakUntil(Id, Id),
    Release(Id, Id),
    Yesterday(Id),
    WeakYesterday(Id),
    Once(Id),
    Historically(Id),
    Since(Id, Id),
    EventuallyWithin(Interval, Id),
    AlwaysWithin(Interval, Id),
    OnceWithin(Interval, Id),
    /// Variable name and one (node, body) per node, in the model's node order.
    Forall(String, Vec<(String, Id)>),
    Exists(String, Vec<(String, Id)>),
    Label(String, Id),
}

/// A formula compiled against one model.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) ops: Vec<Op>,
    /// Atoms with variables bound, referenced by [`Op::Atom`].
    pub(crate) atoms: Vec<Atom>,
    pub(crate) root: Id,
    pub(crate) has_metric: bool,
    /// Per node of the source formula (post-order index, see [`Formula::post_order`]): the
    /// compiled subformulas it became, one per binding of the variables around it, ascending,
    /// without repeats.
    pub(crate) instances: Vec<Vec<Id>>,
}

struct Compiler<'m> {
    model: &'m dyn Model,
    property: &'m str,
    ops: Vec<Op>,
    shared: HashMap<Op, Id>,
    atoms: Vec<Atom>,
    atom_index: HashMap<String, usize>,
    env: Vec<(String, String)>,
    has_metric: bool,
    /// Post-order index of the next source node to finish.
    post: usize,
    instances: Vec<Vec<Id>>,
}

/// Compiles `formula` for `model`; `property` names it in errors, `positions` (post-order, may
/// be empty) place them in the spec file.
pub(crate) fn compile(
    formula: &Formula,
    model: &dyn Model,
    property: &str,
    positions: &[Position],
) -> Result<Compiled, LtlError> {
    let order = formula.post_order();
    check_expansion(&order, model.nodes().len(), property, positions)?;
    let mut compiler = Compiler {
        model,
        property,
        ops: Vec::new(),
        shared: HashMap::new(),
        atoms: Vec::new(),
        atom_index: HashMap::new(),
        env: Vec::new(),
        has_metric: false,
        post: 0,
        instances: vec![Vec::new(); order.len()],
    };
    let root = compiler.formula(formula)?;
    debug_assert_eq!(
        compiler.post,
        order.len(),
        "every source node numbered once"
    );
    let mut instances = compiler.instances;
    for ids in &mut instances {
        ids.sort_unstable();
        ids.dedup();
    }
    Ok(Compiled {
        ops: compiler.ops,
        atoms: compiler.atoms,
        root,
        has_metric: compiler.has_metric,
        instances,
    })
}

/// Fails when expanding the quantifiers of a formula (its nodes in post-order) over `nodes`
/// nodes would exceed [`MAX_EXPANSION`] subformula instances. The error names the innermost
/// quantifier whose own expansion is past the limit, else the one that expands most.
fn check_expansion(
    order: &[&Formula],
    nodes: usize,
    property: &str,
    positions: &[Position],
) -> Result<(), LtlError> {
    let limit = u128::from(MAX_EXPANSION);
    let nodes_wide = u128::try_from(nodes).unwrap_or(u128::MAX);
    // Costs of the finished subtrees not yet attached to their parent (post-order stack).
    let mut stack: Vec<u128> = Vec::new();
    let mut blamed: Option<(usize, u128)> = None;
    let mut largest: Option<(usize, u128)> = None;
    for (index, node) in order.iter().enumerate() {
        let [left, right] = node.children();
        let arity = usize::from(left.is_some()) + usize::from(right.is_some());
        let children = stack.split_off(stack.len().saturating_sub(arity));
        let below = children
            .iter()
            .fold(0u128, |sum, cost| sum.saturating_add(*cost));
        let cost = match node {
            Formula::Forall(..) | Formula::Exists(..) => {
                let cost = below.saturating_mul(nodes_wide).saturating_add(1);
                if cost > limit && blamed.is_none() {
                    blamed = Some((index, cost));
                }
                if largest.is_none_or(|(_, most)| cost > most) {
                    largest = Some((index, cost));
                }
                cost
            }
            _ => below.saturating_add(1),
        };
        stack.push(cost);
    }
    let total = stack.pop().unwrap_or(0);
    match blamed.or(largest) {
        Some((index, _)) if total > limit => {
            let quantifier = match order[index] {
                Formula::Forall(var, _) => format!("forall {var}"),
                Formula::Exists(var, _) => format!("exists {var}"),
                other => other.to_string(),
            };
            Err(LtlError::QuantifierExpansion {
                property: property.to_string(),
                position: positions.get(index).copied(),
                quantifier,
                nodes,
                expanded: total,
                limit: MAX_EXPANSION,
            })
        }
        _ => Ok(()),
    }
}

impl Compiler<'_> {
    fn intern(&mut self, op: Op) -> Id {
        if let Some(&id) = self.shared.get(&op) {
            return id;
        }
        let id = Id::try_from(self.ops.len()).expect("fewer than 2^32 subformulas");
        self.ops.push(op.clone());
        self.shared.insert(op, id);
        id
    }

    fn bind_node(&self, node: &NodeRef) -> NodeRef {
        match self.env.iter().rev().find(|(var, _)| *var == node.0) {
            Some((_, value)) => NodeRef(value.clone()),
            None => node.clone(),
        }
    }

    fn bind_term(&self, term: &Term) -> Term {
        match term {
            Term::State { node, side, path } => Term::State {
                node: self.bind_node(node),
                side: *side,
                path: path.clone(),
            },
            Term::Name(node) => Term::Name(self.bind_node(node)),
            other => other.clone(),
        }
    }

    fn bind_atom(&self, atom: &Atom) -> Atom {
        match atom {
            Atom::Compare(left, op, right) => {
                Atom::Compare(self.bind_term(left), *op, self.bind_term(right))
            }
            Atom::Truthy(term) => Atom::Truthy(self.bind_term(term)),
            Atom::Changed(node, path) => Atom::Changed(self.bind_node(node), path.clone()),
            Atom::Crashed(node) => Atom::Crashed(self.bind_node(node)),
        }
    }

    fn atom(&mut self, atom: &Atom) -> Result<Id, LtlError> {
        let bound = self.bind_atom(atom);
        let key = bound.to_string();
        let index = match self.atom_index.get(&key) {
            Some(&index) => index,
            None => {
                self.model.check_atom(&bound, self.property)?;
                self.atoms.push(bound);
                self.atom_index.insert(key, self.atoms.len() - 1);
                self.atoms.len() - 1
            }
        };
        Ok(self.intern(Op::Atom(index)))
    }

    fn quantifier(&mut self, var: &str, body: &Formula) -> Result<Vec<(String, Id)>, LtlError> {
        let nodes = self.model.nodes().to_vec();
        let mut cases = Vec::with_capacity(nodes.len());
        // The body's source nodes are numbered from here once per binding.
        let body_start = self.post;
        for node in nodes {
            self.post = body_start;
            self.env.push((var.to_string(), node.clone()));
            let id = self.formula(body);
            self.env.pop();
            cases.push((node, id?));
        }
        if cases.is_empty() {
            self.post = body_start + body.post_order().len();
        }
        Ok(cases)
    }

    /// Compiles one source node (after its children) and notes what it became.
    fn formula(&mut self, formula: &Formula) -> Result<Id, LtlError> {
        let id = self.node(formula)?;
        if let Some(ids) = self.instances.get_mut(self.post) {
            ids.push(id);
        }
        self.post += 1;
        Ok(id)
    }

    fn node(&mut self, formula: &Formula) -> Result<Id, LtlError> {
        use Formula as F;
        let op = match formula {
            F::True => Op::True,
            F::False => Op::False,
            F::Last => Op::Last,
            F::Atom(atom) => return self.atom(atom),
            F::Not(a) => Op::Not(self.formula(a)?),
            F::And(a, b) => Op::And(self.formula(a)?, self.formula(b)?),
            F::Or(a, b) => Op::Or(self.formula(a)?, self.formula(b)?),
            F::Implies(a, b) => Op::Implies(self.formula(a)?, self.formula(b)?),
            F::Iff(a, b) => Op::Iff(self.formula(a)?, self.formula(b)?),
            F::Next(a) => Op::Next(self.formula(a)?),
            F::WeakNext(a) => Op::WeakNext(self.formula(a)?),
            F::Eventually(a) => Op::Eventually(self.formula(a)?),
            F::Always(a) => Op::Always(self.formula(a)?),
            F::Until(a, b) => Op::Until(self.formula(a)?, self.formula(b)?),
            F::WeakUntil(a, b) => Op::WeakUntil(self.formula(a)?, self.formula(b)?),
            F::Release(a, b) => Op::Release(self.formula(a)?, self.formula(b)?),
            F::Yesterday(a) => Op::Yesterday(self.formula(a)?),
            F::WeakYesterday(a) => Op::WeakYesterday(self.formula(a)?),
            F::Once(a) => Op::Once(self.formula(a)?),
            F::Historically(a) => Op::Historically(self.formula(a)?),
            F::Since(a, b) => Op::Since(self.formula(a)?, self.formula(b)?),
            F::EventuallyWithin(window, a) => {
                self.has_metric = true;
                Op::EventuallyWithin(*window, self.formula(a)?)
            }
            F::AlwaysWithin(window, a) => {
                self.has_metric = true;
                Op::AlwaysWithin(*window, self.formula(a)?)
            }
            F::OnceWithin(window, a) => {
                self.has_metric = true;
                Op::OnceWithin(*window, self.formula(a)?)
            }
            F::Forall(var, body) => Op::Forall(var.clone(), self.quantifier(var, body)?),
            F::Exists(var, body) => Op::Exists(var.clone(), self.quantifier(var, body)?),
            F::Label(label, body) => Op::Label(label.clone(), self.formula(body)?),
        };
        Ok(self.intern(op))
    }
}
