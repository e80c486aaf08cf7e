//! The abstract syntax of specs: properties, formulas, atoms and terms.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// A spec file: several named properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The properties, in file order.
    pub properties: Vec<Property>,
}

/// One named property.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Its name (`property NAME: ...`).
    pub name: String,
    /// 1-based line of the `property` keyword.
    pub line: u32,
    /// The formula that must hold at event 0.
    pub formula: Formula,
    /// Where each node of `formula` starts in the spec file, in post-order (children left to
    /// right, then the node itself; see [`Formula::post_order`]). Empty when unknown (a
    /// property built by hand): errors and vacuity reports then carry no position.
    pub positions: Vec<Position>,
}

/// A 1-based line and column (in characters) in a spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A closed interval of simulated time, in nanoseconds, relative to the current event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    /// Lower bound (inclusive).
    pub lo_ns: u64,
    /// Upper bound (inclusive).
    pub hi_ns: u64,
}

/// A temporal formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    /// `true`.
    True,
    /// `false`.
    False,
    /// `last`: the current event is the last one of the trace.
    Last,
    /// An atomic proposition about one event.
    Atom(Atom),
    /// `!φ`.
    Not(Box<Formula>),
    /// `φ && ψ`.
    And(Box<Formula>, Box<Formula>),
    /// `φ || ψ`.
    Or(Box<Formula>, Box<Formula>),
    /// `φ -> ψ`.
    Implies(Box<Formula>, Box<Formula>),
    /// `φ <-> ψ`.
    Iff(Box<Formula>, Box<Formula>),
    /// `X φ`: strong next (false at the last event).
    Next(Box<Formula>),
    /// `WX φ`: weak next (true at the last event).
    WeakNext(Box<Formula>),
    /// `F φ`: eventually (strong).
    Eventually(Box<Formula>),
    /// `G φ`: always (weak).
    Always(Box<Formula>),
    /// `φ U ψ`: until (strong).
    Until(Box<Formula>, Box<Formula>),
    /// `φ W ψ`: unless / weak until.
    WeakUntil(Box<Formula>, Box<Formula>),
    /// `φ R ψ`: release (weak).
    Release(Box<Formula>, Box<Formula>),
    /// `Y φ`: yesterday (strong: false at event 0).
    Yesterday(Box<Formula>),
    /// `WY φ`: weak yesterday (true at event 0).
    WeakYesterday(Box<Formula>),
    /// `O φ`: once.
    Once(Box<Formula>),
    /// `H φ`: historically.
    Historically(Box<Formula>),
    /// `φ S ψ`: since.
    Since(Box<Formula>, Box<Formula>),
    /// `F[a,b] φ`: φ at some later event whose time is within `[t+a, t+b]`.
    EventuallyWithin(Interval, Box<Formula>),
    /// `G[a,b] φ`: φ at every later event whose time is within `[t+a, t+b]`.
    AlwaysWithin(Interval, Box<Formula>),
    /// `O[a,b] φ`: φ at some earlier event whose time is within `[t-b, t-a]`.
    OnceWithin(Interval, Box<Formula>),
    /// `forall n. φ` over the trace's nodes.
    Forall(String, Box<Formula>),
    /// `exists n. φ` over the trace's nodes.
    Exists(String, Box<Formula>),
    /// `"label": φ`.
    Label(String, Box<Formula>),
}

/// Which state of a node an atom reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// `@n.path`: before the event.
    Before,
    /// `@n'.path`: after the event.
    After,
}

/// A node: a variable bound by a quantifier or a node name (resolved against the trace).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeRef(pub String);

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.field` or `."field"`.
    Field(String),
    /// `[index]`.
    Index(usize),
}

/// A field of the current event (`$.…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventField {
    /// `$.id`.
    Id,
    /// `$.kind`.
    Kind,
    /// `$.src`.
    Src,
    /// `$.dst`.
    Dst,
    /// `$.node`: the node the event happened at (`node`, else src of a send, dst of a deliver).
    Node,
    /// `$.type`.
    Type,
    /// `$.msg_id`.
    MsgId,
    /// `$.lt`.
    Lt,
    /// `$.sim_ns`.
    SimNs,
    /// `$.timer`.
    Timer,
    /// `$.payload.path`.
    Payload(Vec<PathStep>),
    /// `$.fact.path`.
    Fact(Vec<PathStep>),
}

/// A value an atom compares.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `@n.path` / `@n'.path`.
    State {
        /// Whose state.
        node: NodeRef,
        /// Before or after the event.
        side: Side,
        /// Path into the state (empty = the whole state).
        path: Vec<PathStep>,
    },
    /// `$.field`.
    Event(EventField),
    /// A JSON literal (`"hello"`, `3`, `true`, `null`, `[1, 2]`).
    Literal(Value),
    /// `missing`: the value of a path that does not exist.
    Missing,
    /// A bare name: a bound node variable or a node name, as a string.
    Name(NodeRef),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in`: element of an array, key of an object, substring of a string.
    In,
}

/// An atomic proposition.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// `left op right`.
    Compare(Term, CmpOp, Term),
    /// A bare term: holds when its value is JSON `true`.
    Truthy(Term),
    /// `changed(@n.path)`: the value before the event differs from the value after.
    Changed(NodeRef, Vec<PathStep>),
    /// `crashed(n)`: the node is down after this event (a crash with no restart since).
    Crashed(NodeRef),
}

impl CmpOp {
    /// The surface spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
        }
    }
}

/// Writes a path as `.a.b[0]` (quoting fields that are not identifiers).
pub fn path_text(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Field(name) if is_identifier(name) => {
                out.push('.');
                out.push_str(name);
            }
            PathStep::Field(name) => {
                out.push('.');
                out.push_str(&Value::String(name.clone()).to_string());
            }
            PathStep::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

pub(crate) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn node_text(node: &NodeRef) -> String {
    // A reserved word (`@"F".x`) must stay quoted, or it would read back as an operator.
    if is_identifier(&node.0) && !super::parser::RESERVED.contains(&node.0.as_str()) {
        node.0.clone()
    } else {
        Value::String(node.0.clone()).to_string()
    }
}

impl fmt::Display for EventField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            EventField::Id => "id",
            EventField::Kind => "kind",
            EventField::Src => "src",
            EventField::Dst => "dst",
            EventField::Node => "node",
            EventField::Type => "type",
            EventField::MsgId => "msg_id",
            EventField::Lt => "lt",
            EventField::SimNs => "sim_ns",
            EventField::Timer => "timer",
            EventField::Payload(path) => return write!(f, "$.payload{}", path_text(path)),
            EventField::Fact(path) => return write!(f, "$.fact{}", path_text(path)),
        };
        write!(f, "$.{name}")
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::State { node, side, path } => {
                let prime = if *side == Side::After { "'" } else { "" };
                write!(f, "@{}{prime}{}", node_text(node), path_text(path))
            }
            Term::Event(field) => write!(f, "{field}"),
            Term::Literal(value) => write!(f, "{value}"),
            Term::Missing => f.write_str("missing"),
            Term::Name(node) => f.write_str(&node_text(node)),
        }
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Compare(left, op, right) => write!(f, "{left} {} {right}", op.as_str()),
            Atom::Truthy(term) => write!(f, "{term}"),
            Atom::Changed(node, path) => {
                write!(f, "changed(@{}{})", node_text(node), path_text(path))
            }
            Atom::Crashed(node) => write!(f, "crashed({})", node_text(node)),
        }
    }
}

/// Binding strength for printing with few parentheses (higher binds tighter).
fn precedence(formula: &Formula) -> u8 {
    match formula {
        Formula::Forall(..) | Formula::Exists(..) | Formula::Label(..) => 0,
        Formula::Iff(..) => 1,
        Formula::Implies(..) => 2,
        Formula::Or(..) => 3,
        Formula::And(..) => 4,
        Formula::Until(..) | Formula::WeakUntil(..) | Formula::Release(..) | Formula::Since(..) => {
            5
        }
        _ => 6,
    }
}

fn interval_text(interval: &Interval) -> String {
    format!("[{},{}]", interval.lo_ns, interval.hi_ns)
}

impl Formula {
    /// The direct subformulas, left to right.
    pub fn children(&self) -> [Option<&Formula>; 2] {
        use Formula as F;
        match self {
            F::True | F::False | F::Last | F::Atom(_) => [None, None],
            F::Not(a)
            | F::Next(a)
            | F::WeakNext(a)
            | F::Eventually(a)
            | F::Always(a)
            | F::Yesterday(a)
            | F::WeakYesterday(a)
            | F::Once(a)
            | F::Historically(a)
            | F::EventuallyWithin(_, a)
            | F::AlwaysWithin(_, a)
            | F::OnceWithin(_, a)
            | F::Forall(_, a)
            | F::Exists(_, a)
            | F::Label(_, a) => [Some(a), None],
            F::And(a, b)
            | F::Or(a, b)
            | F::Implies(a, b)
            | F::Iff(a, b)
            | F::Until(a, b)
            | F::WeakUntil(a, b)
            | F::Release(a, b)
            | F::Since(a, b) => [Some(a), Some(b)],
        }
    }

    /// Every node of the formula, children (left to right) before their parent: the order of
    /// [`Property::positions`].
    pub fn post_order(&self) -> Vec<&Formula> {
        // An explicit stack: the order must not depend on how deep the formula is.
        let mut out = Vec::new();
        let mut stack: Vec<(&Formula, bool)> = vec![(self, false)];
        while let Some((node, expanded)) = stack.pop() {
            if expanded {
                out.push(node);
                continue;
            }
            stack.push((node, true));
            let [left, right] = node.children();
            stack.extend(right.map(|f| (f, false)));
            stack.extend(left.map(|f| (f, false)));
        }
        out
    }
}

impl Formula {
    fn write_operand(&self, f: &mut fmt::Formatter<'_>, min: u8) -> fmt::Result {
        if precedence(self) < min {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unary = |f: &mut fmt::Formatter<'_>, op: &str, sub: &Formula| {
            f.write_str(op)?;
            sub.write_operand(f, 6)
        };
        let binary = |f: &mut fmt::Formatter<'_>, l: &Formula, op: &str, r: &Formula, p: u8| {
            // Right-associative operators take their left operand one level tighter.
            l.write_operand(f, p + 1)?;
            write!(f, " {op} ")?;
            r.write_operand(f, p)
        };
        match self {
            Formula::True => f.write_str("true"),
            Formula::False => f.write_str("false"),
            Formula::Last => f.write_str("last"),
            Formula::Atom(atom) => write!(f, "{atom}"),
            Formula::Not(sub) => unary(f, "!", sub),
            Formula::And(l, r) => binary(f, l, "&&", r, 4),
            Formula::Or(l, r) => binary(f, l, "||", r, 3),
            Formula::Implies(l, r) => binary(f, l, "->", r, 2),
            Formula::Iff(l, r) => binary(f, l, "<->", r, 1),
            Formula::Next(sub) => unary(f, "X ", sub),
            Formula::WeakNext(sub) => unary(f, "WX ", sub),
            Formula::Eventually(sub) => unary(f, "F ", sub),
            Formula::Always(sub) => unary(f, "G ", sub),
            Formula::Until(l, r) => binary(f, l, "U", r, 5),
            Formula::WeakUntil(l, r) => binary(f, l, "W", r, 5),
            Formula::Release(l, r) => binary(f, l, "R", r, 5),
            Formula::Since(l, r) => binary(f, l, "S", r, 5),
            Formula::Yesterday(sub) => unary(f, "Y ", sub),
            Formula::WeakYesterday(sub) => unary(f, "WY ", sub),
            Formula::Once(sub) => unary(f, "O ", sub),
            Formula::Historically(sub) => unary(f, "H ", sub),
            Formula::EventuallyWithin(i, sub) => unary(f, &format!("F{} ", interval_text(i)), sub),
            Formula::AlwaysWithin(i, sub) => unary(f, &format!("G{} ", interval_text(i)), sub),
            Formula::OnceWithin(i, sub) => unary(f, &format!("O{} ", interval_text(i)), sub),
            Formula::Forall(var, sub) => write!(f, "forall {var}. {sub}"),
            Formula::Exists(var, sub) => write!(f, "exists {var}. {sub}"),
            Formula::Label(label, sub) => {
                write!(f, "{}: {sub}", Value::String(label.clone()))
            }
        }
    }
}
