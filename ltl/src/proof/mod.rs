//! Proof terms: why a formula holds ([`Sat`]) or fails ([`Viol`]) at an event.
//!
//! The proof mirrors the formula: one proof node per formula node, negation swapping the two
//! types. Existential successes name one witness (the earliest; the latest for past operators),
//! universal failures the earliest failing event (latest for past ones); universal successes and
//! existential failures are summarised as a [`Range`] that [`crate::Evaluation::expand`] turns
//! into per-event proofs. Leaves that exist only because the trace ended (see
//! [`Sat::is_end_leaf`] / [`Viol::is_end_leaf`]) make a verdict *presumptive*.

mod checker;
mod demand;
mod extract;
mod goal;
mod vacuity;

pub use checker::{ProofError, check_proof};
pub use goal::GoalEvent;
pub use vacuity::Vacuity;

use serde::Serialize;

use crate::eval::Observed;

/// Event indices `[from, end)` at which a subformula all holds (`holds`) or all fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Range {
    /// First event index.
    pub from: usize,
    /// One past the last event index.
    pub end: usize,
    /// Whether the subformula holds (true) or fails (false) on every event of the range.
    pub holds: bool,
    /// The compiled subformula, for [`crate::Evaluation::expand`] (in JSON: `subformula`).
    #[serde(rename = "subformula")]
    pub(crate) sub: u32,
}

impl Range {
    /// The number of events.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.from)
    }

    /// True when the range has no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A window of simulated time `[from_ns, to_ns]`, clipped to the range of `sim_ns`
/// (`0..=u64::MAX`): `F[a,b]` at time t looks at `[t+a, t+b]`, and an end past u64::MAX takes in
/// every later event, so it is shown as u64::MAX; `O[a,b]` looks at `[t-b, t-a]`, and a start
/// below 0 is shown as 0. A window that lies wholly outside the range (`t+a` > u64::MAX, or
/// `t-a` < 0) holds no event at all and appears in proofs as `None` (JSON `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start (inclusive), ns.
    pub from_ns: u64,
    /// End (inclusive), ns.
    pub to_ns: u64,
}

/// An atom at an event, with everything it read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtomProof {
    /// The event index.
    pub at: usize,
    /// The atom as written, variables replaced by node names.
    pub atom: String,
    /// The values it compared.
    pub observed: Vec<Observed>,
}

/// One case of a node quantifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case<P> {
    /// The node the variable was bound to.
    pub node: String,
    /// The proof for that node.
    pub proof: P,
}

/// Why a formula holds at an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[allow(missing_docs)] // Field meanings are uniform: `at` event, `sub` sub-proof, ranges named.
pub enum Sat {
    True {
        at: usize,
    },
    Last {
        at: usize,
    },
    Atom(AtomProof),
    Not {
        sub: Box<Viol>,
    },
    And {
        left: Box<Sat>,
        right: Box<Sat>,
    },
    OrLeft {
        left: Box<Sat>,
    },
    OrRight {
        right: Box<Sat>,
        /// The compiled left disjunct (it fails here), for goal extraction.
        #[serde(skip)]
        left_sub: u32,
    },
    ImpliesVacuous {
        premise: Box<Viol>,
    },
    ImpliesThen {
        conclusion: Box<Sat>,
    },
    IffBoth {
        left: Box<Sat>,
        right: Box<Sat>,
    },
    IffNeither {
        left: Box<Viol>,
        right: Box<Viol>,
    },
    Next {
        at: usize,
        sub: Box<Sat>,
    },
    WeakNext {
        at: usize,
        sub: Box<Sat>,
    },
    /// End-of-trace leaf.
    WeakNextAtEnd {
        at: usize,
    },
    Eventually {
        at: usize,
        witness: usize,
        sub: Box<Sat>,
    },
    Always {
        at: usize,
        held: Range,
    },
    /// `φ U ψ` or `φ W ψ`: ψ at `witness`, φ on `held` = `[at, witness)`.
    Until {
        at: usize,
        witness: usize,
        sub: Box<Sat>,
        held: Range,
    },
    WeakUntilForever {
        at: usize,
        held: Range,
    },
    /// `φ R ψ`: φ at `witness`, ψ on `held` = `[at, witness]`.
    ReleaseBy {
        at: usize,
        witness: usize,
        sub: Box<Sat>,
        held: Range,
    },
    ReleaseForever {
        at: usize,
        held: Range,
    },
    Yesterday {
        at: usize,
        sub: Box<Sat>,
    },
    WeakYesterday {
        at: usize,
        sub: Box<Sat>,
    },
    WeakYesterdayAtStart {
        at: usize,
    },
    Once {
        at: usize,
        witness: usize,
        sub: Box<Sat>,
    },
    Historically {
        at: usize,
        held: Range,
    },
    /// `φ S ψ`: ψ at `witness`, φ on `held` = `(witness, at]`.
    Since {
        at: usize,
        witness: usize,
        sub: Box<Sat>,
        held: Range,
    },
    EventuallyWithin {
        at: usize,
        witness: usize,
        dt_ns: u64,
        sub: Box<Sat>,
    },
    /// End-of-trace leaf when `truncated`. `window` is `None` when it holds no event at all.
    AlwaysWithin {
        at: usize,
        window: Option<Window>,
        held: Range,
        truncated: bool,
    },
    OnceWithin {
        at: usize,
        witness: usize,
        dt_ns: u64,
        sub: Box<Sat>,
    },
    Forall {
        var: String,
        cases: Vec<Case<Sat>>,
    },
    Exists {
        var: String,
        node: String,
        sub: Box<Sat>,
    },
    Label {
        label: String,
        sub: Box<Sat>,
    },
}

/// Why a formula fails at an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[allow(missing_docs)] // See `Sat`.
pub enum Viol {
    False {
        at: usize,
    },
    NotLast {
        at: usize,
    },
    Atom(AtomProof),
    Not {
        sub: Box<Sat>,
    },
    AndLeft {
        left: Box<Viol>,
    },
    AndRight {
        right: Box<Viol>,
    },
    Or {
        left: Box<Viol>,
        right: Box<Viol>,
    },
    Implies {
        premise: Box<Sat>,
        conclusion: Box<Viol>,
    },
    IffLeft {
        left: Box<Sat>,
        right: Box<Viol>,
    },
    IffRight {
        left: Box<Viol>,
        right: Box<Sat>,
    },
    Next {
        at: usize,
        sub: Box<Viol>,
    },
    /// End-of-trace leaf: strong next at the last event.
    NextAtEnd {
        at: usize,
    },
    WeakNext {
        at: usize,
        sub: Box<Viol>,
    },
    /// End-of-trace leaf: no witness up to the end; φ fails on `never` = `[at, last]`.
    Eventually {
        at: usize,
        never: Range,
    },
    Always {
        at: usize,
        failing: usize,
        sub: Box<Viol>,
    },
    /// φ fails at `blocker` and ψ fails on `waited` (`[at, blocker]`, or `[blocker, at]` for S).
    UntilBlocked {
        at: usize,
        blocker: usize,
        sub: Box<Viol>,
        waited: Range,
    },
    /// End-of-trace leaf: ψ never came (`waited` = `[at, last]`).
    UntilExhausted {
        at: usize,
        waited: Range,
    },
    /// ψ fails at `failing` and φ failed on `waited` = `[at, failing)`.
    ReleaseBroken {
        at: usize,
        failing: usize,
        sub: Box<Viol>,
        waited: Range,
    },
    Yesterday {
        at: usize,
        sub: Box<Viol>,
    },
    YesterdayAtStart {
        at: usize,
    },
    WeakYesterday {
        at: usize,
        sub: Box<Viol>,
    },
    Once {
        at: usize,
        never: Range,
    },
    Historically {
        at: usize,
        failing: usize,
        sub: Box<Viol>,
    },
    SinceBlocked {
        at: usize,
        blocker: usize,
        sub: Box<Viol>,
        waited: Range,
    },
    SinceNever {
        at: usize,
        never: Range,
    },
    /// End-of-trace leaf when `truncated`. `window` is `None` when it holds no event at all.
    EventuallyWithin {
        at: usize,
        window: Option<Window>,
        never: Range,
        truncated: bool,
    },
    AlwaysWithin {
        at: usize,
        failing: usize,
        dt_ns: u64,
        sub: Box<Viol>,
    },
    /// `window` is `None` when it holds no event at all (it ends before time 0).
    OnceWithin {
        at: usize,
        window: Option<Window>,
        never: Range,
    },
    Forall {
        var: String,
        node: String,
        sub: Box<Viol>,
    },
    Exists {
        var: String,
        cases: Vec<Case<Viol>>,
    },
    Label {
        label: String,
        sub: Box<Viol>,
    },
}

/// A proof of either polarity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", content = "proof", rename_all = "snake_case")]
pub enum Proof {
    /// The formula holds.
    Holds(Sat),
    /// The formula fails.
    Fails(Viol),
}

impl Proof {
    /// True for [`Proof::Holds`].
    pub fn holds(&self) -> bool {
        matches!(self, Proof::Holds(_))
    }
}

impl Sat {
    /// True for the leaves that exist only because the trace ended.
    pub fn is_end_leaf(&self) -> bool {
        matches!(
            self,
            Sat::WeakNextAtEnd { .. }
                | Sat::AlwaysWithin {
                    truncated: true,
                    ..
                }
        )
    }
}

impl Viol {
    /// True for the leaves that exist only because the trace ended.
    pub fn is_end_leaf(&self) -> bool {
        matches!(
            self,
            Viol::NextAtEnd { .. }
                | Viol::Eventually { .. }
                | Viol::UntilExhausted { .. }
                | Viol::EventuallyWithin {
                    truncated: true,
                    ..
                }
        )
    }
}
