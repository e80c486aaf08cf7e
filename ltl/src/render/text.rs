//! The proof as an indented tree for people, following the formula's structure.

use std::fmt::Write as _;

use crate::{
    AtomProof, Evaluation, Observed, ObservedSide, Proof, Property, Range, Sat, Viol, Window,
};

/// Renders one property's verdict at event 0: a header line, the formula, the proof tree,
/// when the verdict depends on where the trace ended, the end-of-trace note, and for a
/// property that holds vacuously one `VACUOUS:` line per cause ([`Evaluation::vacuity`]).
/// With `expand`, summarised ranges list every event's sub-proof.
pub fn text(property: &Property, evaluation: &Evaluation<'_>, expand: bool) -> String {
    let proof = evaluation.proof(0);
    let presumptive = evaluation.presumptive(0);
    let verdict = match (proof.holds(), presumptive) {
        (true, false) => "holds",
        (false, false) => "FAILS",
        (true, true) => "presumably holds",
        (false, true) => "presumably FAILS",
    };
    let mut out = Writer {
        evaluation,
        expand,
        text: String::new(),
    };
    let _ = writeln!(
        out.text,
        "property {} (line {}): {verdict}",
        property.name, property.line
    );
    let _ = writeln!(out.text, "  {}", property.formula);
    match &proof {
        Proof::Holds(sat) => out.sat(sat, 1),
        Proof::Fails(viol) => out.viol(viol, 1),
    }
    if presumptive {
        let last = evaluation.event_count() - 1;
        let _ = writeln!(
            out.text,
            "  note: the trace ended at {}; the verdict depends on where the trace ended",
            evaluation.model().describe_event(last)
        );
    }
    // A holding verdict that rests on nothing is worth a warning (see `Evaluation::vacuity`).
    for vacuity in evaluation.vacuity() {
        let _ = writeln!(out.text, "  VACUOUS: {vacuity}");
    }
    out.text
}

struct Writer<'e, 'm> {
    evaluation: &'e Evaluation<'m>,
    expand: bool,
    text: String,
}

/// `t∈[from,to]`, or a note that the window lies outside the range of `sim_ns`.
fn window_text(window: &Option<Window>) -> String {
    match window {
        Some(window) => format!("t∈[{},{}]", window.from_ns, window.to_ns),
        None => "a window outside 0..=2^64-1 ns (no event can be in it)".to_string(),
    }
}

fn observed_text(observed: &[Observed]) -> String {
    let parts: Vec<String> = observed
        .iter()
        .filter(|o| o.side != ObservedSide::Literal)
        .map(|o| {
            let place = match (&o.node, o.side) {
                (Some(node), ObservedSide::Before) => format!("{node}.before{}", o.path),
                (Some(node), ObservedSide::After) => format!("{node}.after{}", o.path),
                (Some(node), _) => format!("{node}.{}", o.path),
                (None, _) => o.path.clone(),
            };
            let value = o
                .value
                .as_ref()
                .map_or("missing".to_string(), |v| v.to_string());
            format!("{place} = {value}")
        })
        .collect();
    parts.join(", ")
}

impl Writer<'_, '_> {
    fn line(&mut self, depth: usize, text: impl AsRef<str>) {
        let _ = writeln!(self.text, "{}{}", "  ".repeat(depth + 1), text.as_ref());
    }

    fn event(&self, at: usize) -> String {
        self.evaluation.model().describe_event(at)
    }

    fn span(range: &Range) -> String {
        match range.len() {
            0 => "no events".to_string(),
            1 => format!("event #{}", range.from),
            count => format!("events #{}–#{} ({count} events)", range.from, range.end - 1),
        }
    }

    fn range(&mut self, depth: usize, range: &Range, what: &str) {
        let formula = self.evaluation.range_text(range);
        let verb = if range.holds { "held" } else { "failed" };
        self.line(
            depth,
            format!("{what}`{formula}` {verb} at {}", Self::span(range)),
        );
        if self.expand {
            for proof in self.evaluation.expand(range) {
                match &proof {
                    Proof::Holds(sat) => self.sat(sat, depth + 1),
                    Proof::Fails(viol) => self.viol(viol, depth + 1),
                }
            }
        }
    }

    fn atom(&mut self, depth: usize, atom: &AtomProof, holds: bool) {
        let seen = observed_text(&atom.observed);
        let seen = if seen.is_empty() {
            String::new()
        } else {
            format!(": {seen}")
        };
        if holds {
            self.line(
                depth,
                format!("✓ {} at {}{seen}", atom.atom, self.event(atom.at)),
            );
        } else {
            self.line(
                depth,
                format!("✗ expected {} at {}{seen}", atom.atom, self.event(atom.at)),
            );
        }
    }

    fn sat(&mut self, sat: &Sat, depth: usize) {
        let d = depth;
        match sat {
            Sat::True { .. } => self.line(d, "true"),
            Sat::Last { at } => self.line(d, format!("last event: {}", self.event(*at))),
            Sat::Atom(atom) => self.atom(d, atom, true),
            Sat::Not { sub } => self.viol(sub, d),
            Sat::And { left, right } | Sat::IffBoth { left, right } => {
                self.sat(left, d);
                self.sat(right, d);
            }
            Sat::IffNeither { left, right } => {
                self.viol(left, d);
                self.viol(right, d);
            }
            Sat::OrLeft { left: sub } | Sat::OrRight { right: sub, .. } => self.sat(sub, d),
            Sat::ImpliesVacuous { premise } => {
                self.line(d, "holds vacuously, the premise fails:");
                self.viol(premise, d + 1);
            }
            Sat::ImpliesThen { conclusion } => {
                self.line(d, "the premise holds and so does the conclusion:");
                self.sat(conclusion, d + 1);
            }
            Sat::Next { at, sub } | Sat::WeakNext { at, sub } => {
                self.line(d, format!("next after #{at}:"));
                self.sat(sub, d + 1);
            }
            Sat::WeakNextAtEnd { at } => {
                self.line(
                    d,
                    format!("weak next at the last event #{at} (end of trace)"),
                );
            }
            Sat::Eventually { witness, sub, .. }
            | Sat::Once { witness, sub, .. }
            | Sat::EventuallyWithin { witness, sub, .. }
            | Sat::OnceWithin { witness, sub, .. } => {
                self.line(d, format!("witness: {}", self.event(*witness)));
                self.sat(sub, d + 1);
            }
            Sat::Always { held, .. }
            | Sat::WeakUntilForever { held, .. }
            | Sat::ReleaseForever { held, .. }
            | Sat::Historically { held, .. } => self.range(d, held, ""),
            Sat::AlwaysWithin {
                window,
                held,
                truncated,
                ..
            } => {
                let cut = if *truncated {
                    " (window cut off by the end of the trace)"
                } else {
                    ""
                };
                self.range(d, held, &format!("in {}{cut}: ", window_text(window)));
            }
            Sat::Until {
                witness, sub, held, ..
            }
            | Sat::ReleaseBy {
                witness, sub, held, ..
            }
            | Sat::Since {
                witness, sub, held, ..
            } => {
                self.line(d, format!("witness: {}", self.event(*witness)));
                self.sat(sub, d + 1);
                self.range(d, held, "meanwhile ");
            }
            Sat::Yesterday { sub, .. } | Sat::WeakYesterday { sub, .. } => {
                self.line(d, "previous event:");
                self.sat(sub, d + 1);
            }
            Sat::WeakYesterdayAtStart { .. } => self.line(d, "weak yesterday at the first event"),
            Sat::Forall { var, cases } => {
                let nodes: Vec<&str> = cases.iter().map(|c| c.node.as_str()).collect();
                self.line(d, format!("for every {var} in {{{}}}:", nodes.join(", ")));
                for case in cases {
                    self.line(d + 1, format!("{var} = {}:", case.node));
                    self.sat(&case.proof, d + 2);
                }
            }
            Sat::Exists { var, node, sub } => {
                self.line(d, format!("{var} = {node}:"));
                self.sat(sub, d + 1);
            }
            Sat::Label { label, sub } => {
                self.line(d, format!("\"{label}\" holds:"));
                self.sat(sub, d + 1);
            }
        }
    }

    fn viol(&mut self, viol: &Viol, depth: usize) {
        let d = depth;
        match viol {
            Viol::False { .. } => self.line(d, "false"),
            Viol::NotLast { at } => {
                self.line(d, format!("not the last event: {}", self.event(*at)))
            }
            Viol::Atom(atom) => self.atom(d, atom, false),
            Viol::Not { sub } => {
                self.line(d, "negated, but holds:");
                self.sat(sub, d + 1);
            }
            Viol::AndLeft { left: sub } | Viol::AndRight { right: sub } => self.viol(sub, d),
            Viol::Or { left, right } => {
                self.line(d, "neither side holds:");
                self.viol(left, d + 1);
                self.viol(right, d + 1);
            }
            Viol::Implies {
                premise,
                conclusion,
            } => {
                self.line(d, "the premise holds:");
                self.sat(premise, d + 1);
                self.line(d, "but the conclusion fails:");
                self.viol(conclusion, d + 1);
            }
            Viol::IffLeft { left, right } => {
                self.sat(left, d);
                self.viol(right, d);
            }
            Viol::IffRight { left, right } => {
                self.viol(left, d);
                self.sat(right, d);
            }
            Viol::Next { at, sub } | Viol::WeakNext { at, sub } => {
                self.line(d, format!("next after #{at}:"));
                self.viol(sub, d + 1);
            }
            Viol::NextAtEnd { at } => {
                self.line(
                    d,
                    format!("X at the last event #{at}: there is no next event (end of trace)"),
                );
            }
            Viol::Eventually { never, .. } => {
                self.range(d, never, "never happened (end of trace): ")
            }
            Viol::Once { never, .. } | Viol::SinceNever { never, .. } => {
                self.range(d, never, "never happened: ");
            }
            Viol::Always { failing, sub, .. }
            | Viol::Historically { failing, sub, .. }
            | Viol::AlwaysWithin { failing, sub, .. } => {
                self.line(d, format!("fails at {}", self.event(*failing)));
                self.viol(sub, d + 1);
            }
            Viol::UntilBlocked {
                blocker,
                sub,
                waited,
                ..
            }
            | Viol::SinceBlocked {
                blocker,
                sub,
                waited,
                ..
            } => {
                self.line(d, format!("blocked at {}", self.event(*blocker)));
                self.viol(sub, d + 1);
                self.range(d, waited, "while ");
            }
            Viol::UntilExhausted { waited, .. } => {
                self.range(d, waited, "never came before the end of the trace: ");
            }
            Viol::ReleaseBroken {
                failing,
                sub,
                waited,
                ..
            } => {
                self.line(d, format!("broken at {}", self.event(*failing)));
                self.viol(sub, d + 1);
                self.range(d, waited, "while ");
            }
            Viol::Yesterday { sub, .. } | Viol::WeakYesterday { sub, .. } => {
                self.line(d, "previous event:");
                self.viol(sub, d + 1);
            }
            Viol::YesterdayAtStart { .. } => self.line(d, "no previous event at the first event"),
            Viol::EventuallyWithin {
                window,
                never,
                truncated,
                ..
            } => {
                let cut = if *truncated {
                    " (window cut off by the end of the trace)"
                } else {
                    ""
                };
                self.range(
                    d,
                    never,
                    &format!("nothing in {}{cut}: ", window_text(window)),
                );
            }
            Viol::OnceWithin { window, never, .. } => {
                self.range(d, never, &format!("nothing in {}: ", window_text(window)));
            }
            Viol::Forall { var, node, sub } => {
                self.line(d, format!("fails for {var} = {node}:"));
                self.viol(sub, d + 1);
            }
            Viol::Exists { var, cases } => {
                self.line(d, format!("no {var} works:"));
                for case in cases {
                    self.line(d + 1, format!("{var} = {}:", case.node));
                    self.viol(&case.proof, d + 2);
                }
            }
            Viol::Label { label, sub } => {
                self.line(d, format!("\"{label}\" fails:"));
                self.viol(sub, d + 1);
            }
        }
    }
}
