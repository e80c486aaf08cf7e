//! An LTL spec as an LDFI oracle: `faultline explore --spec FILE`.
//!
//! A run is good when every property of the spec holds, bad when one fails. The good outcome's
//! goal is what the proofs rest on: the events from which each atom of the holding proof has
//! held (`Evaluation::goal_events`), lifted to the facts derived there so that LDFI sees every
//! derivation of the same fact as an alternative support. A spec that holds with no such event
//! (for example `pre -> post` with `pre` false) holds vacuously: LDFI has nothing to break. An
//! atom read in the right disjunct of `O crashed(n) || …` is exempt when n crashes (the proof
//! says so): LDFI then does not try to break it by crashing n.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;
use faultline_ldfi::{Judgement, Oracle, Outcome};
use faultline_ltl::{
    Atom, CmpOp, EventField, Formula, PropertyVerdict, Spec, Term, TraceModel, check_spec,
    parse_spec,
};
use faultline_trace::{EventKind, Goal, GoalScope, NodeId, Trace};

/// A parsed spec file, judging runs.
pub struct SpecOracle {
    spec: Spec,
    file: String,
    crash_reading: CrashReading,
    /// Why the spec is not shown monotone, if it is not (then nothing is learned from runs).
    not_monotone: Option<String>,
}

/// How a spec reads `crashed(n)`, which decides how far a goal learned from one run carries
/// to runs with other crashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashReading {
    /// It never mentions `crashed`: the goal does not depend on the faults.
    Never,
    /// Every `crashed` atom has positive polarity (under an even number of negations and
    /// implication premises, never under `<->`): more or earlier crashes can only make the
    /// spec hold, as in "every node that never crashed has it".
    OnlyPositively,
    /// Some `crashed` atom can make the spec stricter when a node crashes.
    Otherwise,
}

impl CrashReading {
    /// The spec's crash reading, from its syntax.
    pub fn of(spec: &Spec) -> Self {
        let mut reading = CrashReading::Never;
        for property in &spec.properties {
            visit(&property.formula, Polarity::Positive, &mut reading);
        }
        reading
    }

    /// The goal scope this reading allows (see `GoalScope`).
    pub fn scope(self) -> GoalScope {
        match self {
            CrashReading::Never => GoalScope::FaultIndependent,
            CrashReading::OnlyPositively => GoalScope::CrashedNodesExempt,
            CrashReading::Otherwise => GoalScope::ExactCrashes,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Polarity {
    Positive,
    Negative,
    Both,
}

impl Polarity {
    fn flip(self) -> Self {
        match self {
            Polarity::Positive => Polarity::Negative,
            Polarity::Negative => Polarity::Positive,
            Polarity::Both => Polarity::Both,
        }
    }
}

/// Records the polarity of every `crashed` atom under `formula`.
fn visit(formula: &Formula, polarity: Polarity, reading: &mut CrashReading) {
    match formula {
        Formula::Atom(Atom::Crashed(_)) => {
            *reading = match (polarity, *reading) {
                (Polarity::Positive, CrashReading::Never | CrashReading::OnlyPositively) => {
                    CrashReading::OnlyPositively
                }
                _ => CrashReading::Otherwise,
            };
        }
        Formula::Not(inner) => visit(inner, polarity.flip(), reading),
        Formula::Implies(premise, conclusion) => {
            visit(premise, polarity.flip(), reading);
            visit(conclusion, polarity, reading);
        }
        Formula::Iff(left, right) => {
            visit(left, Polarity::Both, reading);
            visit(right, Polarity::Both, reading);
        }
        // Every other operator is monotone in its operands.
        other => {
            for child in other.children().into_iter().flatten() {
                visit(child, polarity, reading);
            }
        }
    }
}

impl SpecOracle {
    /// Reads and parses `path` (errors name the file, line and column).
    pub fn load(path: &Path) -> anyhow::Result<SpecOracle> {
        let file = path.display().to_string();
        let source = std::fs::read_to_string(path)
            .with_context(|| format!("{file}: cannot read the spec"))?;
        SpecOracle::parse(&source, &file)
    }

    /// Parses a spec's text; `name` stands for its file in errors and reports.
    pub fn parse(source: &str, name: &str) -> anyhow::Result<SpecOracle> {
        let spec = parse_spec(source, name)?;
        let crash_reading = CrashReading::of(&spec);
        let not_monotone = monotonicity(&spec);
        Ok(SpecOracle {
            spec,
            file: name.to_string(),
            crash_reading,
            not_monotone,
        })
    }

    /// LDFI's reading of this spec's `verdicts` on `trace` (see [`judgement`]).
    pub fn judgement(&self, trace: &Trace, verdicts: &[PropertyVerdict]) -> Judgement {
        let mut judgement = judgement(trace, verdicts, self.crash_reading);
        if let Some(reason) = &self.not_monotone
            && judgement.outcome == Outcome::Good
        {
            // The witnesses may not suffice: learn nothing from this run, and say why.
            judgement.outcome = Outcome::Vacuous;
            judgement.caveat = Some(reason.clone());
        }
        judgement
    }

    /// How the spec reads crashes (decides the goal's scope).
    pub fn crash_reading(&self) -> CrashReading {
        self.crash_reading
    }

    /// The spec file's name, as given.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Every property's verdict on `trace`, in file order.
    pub fn verdicts(&self, trace: &Trace) -> Result<Vec<PropertyVerdict>, String> {
        let model = TraceModel::new(trace).map_err(|err| format!("{}: {err}", self.file))?;
        check_spec(&self.spec, &model).map_err(|err| format!("{}: {err}", self.file))
    }
}

impl Oracle for SpecOracle {
    type Error = String;

    fn judge(&self, trace: &Trace) -> Result<Judgement, String> {
        if faultline_harness::handler_panic(trace).is_some() {
            // The SUT's code panicked: a bug whatever the spec says.
            return Ok(Judgement::bad());
        }
        Ok(self.judgement(trace, &self.verdicts(trace)?))
    }
}

/// LDFI's reading of a spec's verdicts on `trace`: bad if a property fails, else good with the
/// proofs' goal (vacuous when they rest on no event).
pub fn judgement(
    trace: &Trace,
    verdicts: &[PropertyVerdict],
    crash_reading: CrashReading,
) -> Judgement {
    if verdicts.iter().any(|verdict| !verdict.holds) {
        return Judgement::bad();
    }
    // Event → the node whose crash exempts it; needed unconditionally by any property wins.
    let mut witnesses: BTreeMap<u64, Option<NodeId>> = BTreeMap::new();
    for goal in verdicts.iter().flat_map(|verdict| &verdict.goal) {
        let entry = witnesses
            .entry(goal.event)
            .or_insert_with(|| goal.exempt_if_crashed.clone());
        if goal.exempt_if_crashed.is_none() {
            *entry = None;
        }
    }
    let goal = lift_to_facts(trace, &witnesses);
    // A property that held resting on no event held vacuously (its premise failed, or it only
    // needs something not to happen): the others' witnesses do not show it holds elsewhere.
    let some_property_vacuous = verdicts.iter().any(|verdict| verdict.goal.is_empty());
    let outcome = if goal.is_empty() || some_property_vacuous {
        Outcome::Vacuous
    } else {
        Outcome::Good
    };
    let exempt_if_crashed: BTreeMap<u64, NodeId> = goal
        .iter()
        .filter_map(|(&event, exempt)| Some((event, exempt.clone()?)))
        .collect();
    let scope = crash_reading.scope();
    let goal = Goal {
        exempt_if_crashed: (scope == GoalScope::CrashedNodesExempt).then_some(exempt_if_crashed),
        ..Goal::all_of(goal.into_keys().collect(), scope)
    };
    Judgement::new(outcome, goal)
}

/// Why a spec's proofs may not show a sufficient goal, if they may not: LDFI's lesson from a
/// good run is "this run's witnesses occurred, so the spec held", which is true only when
/// nothing a fault can *add* (an event, a state change) can make the spec fail.
///
/// Accepted: `G (last -> POST)` and `G (last -> (PRE -> POST))` (labels allowed), PRE anything
/// (a run where it fails is vacuous), and a POST whose atoms, read with positive polarity, are
/// membership in node state (`x in @n'.log`: collections that only grow), events that are not
/// faults (`$.kind == "deliver"`, their fields), `crashed(n)` (the goal's scope handles it) or
/// comparisons of names and literals; under `F`, `O` and their metric forms, `&&`, `||`,
/// quantifiers. Anything else (`!=` or `==` on state, which a later event can undo; fault
/// events; an atom needed *false*; `G`/`H`/`X`/`U` inside POST, which new events can falsify)
/// is reported, and the oracle then learns nothing from the run.
fn monotonicity(spec: &Spec) -> Option<String> {
    for property in &spec.properties {
        let post = post_condition(&property.formula);
        if let Err(reason) = positive(post, true) {
            return Some(format!(
                "property {}: {reason}, so a run's witnesses do not show that it holds under \
                 other faults (the spec is not shown monotone)",
                property.name
            ));
        }
    }
    None
}

fn unlabel(formula: &Formula) -> &Formula {
    match formula {
        Formula::Label(_, inner) => unlabel(inner),
        other => other,
    }
}

/// The part of a property that a good run must keep: POST of `G (last -> (PRE -> POST))`.
fn post_condition(formula: &Formula) -> &Formula {
    let Formula::Always(inner) = unlabel(formula) else {
        return formula;
    };
    let Formula::Implies(last, body) = unlabel(inner) else {
        return formula;
    };
    if !matches!(unlabel(last), Formula::Last) {
        return formula;
    }
    match unlabel(body) {
        Formula::Implies(_, post) => post,
        _ => body,
    }
}

const FAULT_KINDS: [&str; 5] = ["crash", "drop", "restart", "clog_start", "clog_end"];

/// Ok when every atom under `formula` is one whose truth only more of the system's own events
/// can bring about, read with the polarity `positive`.
fn positive(formula: &Formula, polarity: bool) -> Result<(), String> {
    use Formula as F;
    match formula {
        F::True | F::False | F::Last => Ok(()),
        F::Atom(atom) => atom_is_monotone(atom, polarity),
        F::Not(inner) => positive(inner, !polarity),
        F::And(l, r) | F::Or(l, r) => positive(l, polarity).and(positive(r, polarity)),
        F::Implies(l, r) => positive(l, !polarity).and(positive(r, polarity)),
        F::Eventually(inner)
        | F::Once(inner)
        | F::EventuallyWithin(_, inner)
        | F::OnceWithin(_, inner)
        | F::Forall(_, inner)
        | F::Exists(_, inner)
        | F::Label(_, inner) => positive(inner, polarity),
        F::Iff(..) => Err("`<->` reads its sides both ways".to_string()),
        _ => Err("a temporal operator other than F/O in the post-condition".to_string()),
    }
}

fn atom_is_monotone(atom: &Atom, polarity: bool) -> Result<(), String> {
    let is_static = |term: &Term| matches!(term, Term::Name(_) | Term::Literal(_));
    match atom {
        Atom::Crashed(_) => Ok(()),
        Atom::Compare(left, _, right) if is_static(left) && is_static(right) => Ok(()),
        _ if !polarity => Err("it needs an atom to be false (a fault can make it true)".into()),
        Atom::Compare(_, CmpOp::In, Term::State { .. }) => Ok(()),
        Atom::Compare(Term::Event(EventField::Kind), CmpOp::Eq, Term::Literal(kind))
        | Atom::Compare(Term::Literal(kind), CmpOp::Eq, Term::Event(EventField::Kind)) => {
            match kind.as_str() {
                Some(kind) if FAULT_KINDS.contains(&kind) => {
                    Err(format!("it reads fault events (`$.kind == \"{kind}\"`)"))
                }
                _ => Ok(()),
            }
        }
        Atom::Compare(left, CmpOp::Eq | CmpOp::In, right)
            if [left, right]
                .iter()
                .all(|t| matches!(t, Term::Event(_) | Term::Literal(_) | Term::Name(_))) =>
        {
            Ok(())
        }
        Atom::Truthy(Term::Event(_)) => Ok(()),
        _ => Err("it compares node state in a way a later event can undo".to_string()),
    }
}

/// Replaces each witness event by the facts it derived at its node (a fact has alternative
/// derivations; an event has none), keeping events that derived nothing. A fact is named by its
/// *last* derivation in the run, so that every earlier one counts as an alternative support; it
/// keeps its witness's crash exemption.
fn lift_to_facts(
    trace: &Trace,
    witnesses: &BTreeMap<u64, Option<NodeId>>,
) -> BTreeMap<u64, Option<NodeId>> {
    let mut facts: BTreeMap<(&str, String), Option<NodeId>> = BTreeMap::new();
    let mut lifted: BTreeSet<u64> = BTreeSet::new();
    let mut last_derivation: BTreeMap<(&str, String), u64> = BTreeMap::new();
    for event in trace
        .events
        .iter()
        .filter(|event| event.kind == EventKind::Derive)
    {
        let (Some(node), Some(fact)) = (event.actor(), &event.fact) else {
            continue;
        };
        let key = (node.as_str(), fact.to_string());
        last_derivation.insert(key.clone(), event.id);
        for parent in &event.parents {
            let Some(exempt) = witnesses.get(parent) else {
                continue;
            };
            if trace.event(*parent).and_then(|witness| witness.actor()) != Some(node) {
                continue;
            }
            lifted.insert(*parent);
            let entry = facts.entry(key.clone()).or_insert_with(|| exempt.clone());
            if exempt.is_none() {
                *entry = None;
            }
        }
    }
    let mut goal: BTreeMap<u64, Option<NodeId>> = facts
        .into_iter()
        .map(|(key, exempt)| (last_derivation[&key], exempt))
        .collect();
    for (event, exempt) in witnesses {
        if !lifted.contains(event) {
            goal.insert(*event, exempt.clone());
        }
    }
    goal
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_harness::RunConfig;
    use faultline_trace::Fault;

    fn oracle(name: &str) -> SpecOracle {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("specs")
            .join(format!("{name}.ltl"));
        SpecOracle::load(&path).expect("the shipped spec parses")
    }

    fn run(name: &str, faults: Vec<Fault>) -> Trace {
        let sut = faultline_suts::get(name).expect("built-in SUT");
        let config = RunConfig {
            faults,
            ..sut.default_config(0)
        };
        sut.run(&config).expect("the run completes")
    }

    #[test]
    fn failure_free_goal_is_every_nodes_log_fact_exempt_if_that_node_crashes() {
        let trace = run("retry-deliv", Vec::new());
        let judgement = oracle("retry-deliv").judge(&trace).expect("judged");
        assert_eq!(judgement.outcome, Outcome::Good);
        let mut log_nodes = BTreeSet::new();
        for &id in &judgement.goal.all_of {
            let event = &trace.events[id as usize];
            // Lifted to facts: every goal event is a derivation, exempt if its node crashes
            // (the spec's `O crashed(m) || ...`).
            assert_eq!(event.kind, EventKind::Derive, "goal event #{id}");
            let node = sut_node(&trace, id);
            assert_eq!(
                judgement
                    .goal
                    .exempt_if_crashed
                    .as_ref()
                    .and_then(|e| e.get(&id))
                    .map(String::as_str),
                Some(node)
            );
            if event.fact == Some(serde_json::json!(["log", "hello"])) {
                log_nodes.insert(node);
            }
        }
        assert_eq!(log_nodes, BTreeSet::from(["a", "b", "c"]));
    }

    #[test]
    fn a_crashed_node_is_no_part_of_the_goal() {
        let crash = Fault::Crash {
            node: "c".into(),
            at: 2,
        };
        let omission = Fault::Omission {
            src: "a".into(),
            dst: "c".into(),
            at: 1,
        };
        let trace = run("redun-deliv", vec![omission, crash]);
        let judgement = oracle("redun-deliv").judge(&trace).expect("judged");
        assert_eq!(judgement.outcome, Outcome::Good);
        // `O crashed(c)` makes c's part hold: neither its (missing) log nor the crash event
        // itself is something to break.
        assert!(
            judgement
                .goal
                .all_of
                .iter()
                .all(|&id| sut_node(&trace, id) != "c")
        );
        assert!(!judgement.goal.is_empty());
    }

    fn sut_node(trace: &Trace, id: u64) -> &str {
        trace.events[id as usize].node.as_deref().unwrap_or("?")
    }

    fn reading(source: &str) -> CrashReading {
        CrashReading::of(&parse_spec(source, "t.ltl").expect("parses"))
    }

    #[test]
    fn crash_polarity_decides_the_scope() {
        // The delivery specs: `crashed` only in the premise's negation and the exemption.
        assert_eq!(
            oracle("classic-deliv").crash_reading(),
            CrashReading::OnlyPositively
        );
        assert_eq!(
            reading("property p: G (last -> \"x\" in @a'.log)"),
            CrashReading::Never
        );
        assert_eq!(
            reading("property p: G (last -> (O crashed(a) || \"x\" in @a'.log))"),
            CrashReading::OnlyPositively
        );
        // A crash of a makes b owe the value: more crashes, stricter property.
        assert_eq!(
            reading("property p: G (last -> (O crashed(a) -> \"x\" in @b'.log))"),
            CrashReading::Otherwise
        );
        assert_eq!(
            reading("property p: G (crashed(a) <-> \"x\" in @b'.log)"),
            CrashReading::Otherwise
        );
        assert_eq!(CrashReading::Otherwise.scope(), GoalScope::ExactCrashes);
    }

    fn not_monotone(source: &str) -> Option<String> {
        monotonicity(&parse_spec(source, "t.ltl").expect("parses"))
    }

    #[test]
    fn only_specs_whose_witnesses_suffice_are_monotone() {
        for name in [
            "simple-deliv",
            "retry-deliv",
            "redun-deliv",
            "ack-deliv",
            "classic-deliv",
            "primary-backup",
            "quorum-write",
            "relay-chain",
        ] {
            assert_eq!(oracle(name).not_monotone, None, "{name}");
        }
        // Agreement on a state value: a fault-driven timeout can write "abort" later.
        assert!(oracle("2pc-3").not_monotone.is_some());
        let reasons = [
            // Crashes read through crash events instead of `crashed(n)`.
            "property p: G (last -> (!O ($.kind == \"crash\" && $.node == a) && \"x\" in @a'.store))",
            // Needs an event never to happen.
            "property p: G (last -> \"hello\" in @b'.log) && G !($.kind == \"drop\")",
            "property p: G (last -> @a'.decision != \"abort\")",
            "property p: G (last -> (\"x\" in @a'.log <-> \"x\" in @b'.log))",
        ];
        for source in reasons {
            assert!(not_monotone(source).is_some(), "{source}");
        }
        // The premise may read anything: a run where it fails is vacuous.
        assert_eq!(
            not_monotone("property p: G (last -> (@a'.x != 1 -> F $.kind == \"deliver\"))"),
            None
        );
    }

    #[test]
    fn counterexample_is_bad_and_nothing_delivered_is_vacuous() {
        let omission = |dst: &str| Fault::Omission {
            src: "a".into(),
            dst: dst.into(),
            at: 1,
        };
        let bad = run("simple-deliv", vec![omission("b")]);
        assert_eq!(
            oracle("simple-deliv").judge(&bad).expect("judged").outcome,
            Outcome::Bad
        );
        let vacuous = run("simple-deliv", vec![omission("b"), omission("c")]);
        let judgement = oracle("simple-deliv").judge(&vacuous).expect("judged");
        assert_eq!(judgement.outcome, Outcome::Vacuous);
        assert!(judgement.goal.is_empty());
    }
}
