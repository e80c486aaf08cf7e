//! The one error type of the ltl crate.

/// An error parsing a spec or checking it against a trace.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LtlError {
    /// The spec does not parse. Display shows the source line and a caret under the spot.
    #[error(
        "{file}:{line}:{column}: expected {expected}, found {found}\n  {source_line}\n  {caret}",
        caret = caret(*column)
    )]
    Parse {
        /// Spec file name.
        file: String,
        /// 1-based line.
        line: u32,
        /// 1-based column, in characters.
        column: u32,
        /// What the parser expected there.
        expected: String,
        /// What it found (a short excerpt, or "the end of the file").
        found: String,
        /// The whole source line, for the caret display.
        source_line: String,
    },
    /// Two properties in one file have the same name.
    #[error("{file}:{line}: property `{name}` is defined twice")]
    DuplicateProperty {
        /// Spec file name.
        file: String,
        /// 1-based line of the second definition.
        line: u32,
        /// The name.
        name: String,
    },
    /// A node name in the spec is neither a bound variable nor a node of the trace.
    #[error(
        "property `{property}`: `{node}` is not a bound variable nor a node of the trace \
         (nodes: {})",
        known.join(", ")
    )]
    UnknownNode {
        /// The property.
        property: String,
        /// The name as written.
        node: String,
        /// The trace's nodes.
        known: Vec<String>,
    },
    /// The model cannot evaluate this atom (e.g. a state atom over a propositional trace).
    #[error("atom `{atom}`: {reason}")]
    UnsupportedAtom {
        /// The atom, as written (variables substituted).
        atom: String,
        /// Why.
        reason: String,
    },
    /// Expanding the node quantifiers of a property over the trace's nodes would take more than
    /// [`crate::MAX_EXPANSION`] subformula instances (k nested quantifiers over N nodes cost
    /// N^k). Checked before expanding anything.
    #[error(
        "property `{property}`{}: the quantifier `{quantifier}` would expand the property to {} \
         subformula instances over the trace's {nodes} nodes, more than the limit of {limit}; \
         nest fewer quantifiers",
        position.map_or(String::new(), |at| format!(" at line {}, column {}", at.line, at.column)),
        count_text(*expanded)
    )]
    QuantifierExpansion {
        /// The property.
        property: String,
        /// Where the quantifier blamed starts (the innermost one past the limit on its own,
        /// else the one that expands most); `None` for a formula without a spec file.
        position: Option<crate::Position>,
        /// The quantifier blamed, `forall n` or `exists n`.
        quantifier: String,
        /// The number of nodes in the trace.
        nodes: usize,
        /// Subformula instances the whole property would expand to (saturating).
        expanded: u128,
        /// The limit, [`crate::MAX_EXPANSION`].
        limit: u64,
    },
    /// The trace has no events; LTLf is defined on non-empty traces only.
    #[error("the trace has no events (LTL over finite traces needs at least one)")]
    EmptyTrace,
    /// A metric operator needs non-decreasing `sim_ns`.
    #[error(
        "event {event}: field `sim_ns`: expected at least {previous_ns} (the previous event's \
         time; metric operators need non-decreasing time), found {sim_ns}"
    )]
    TimeNotMonotone {
        /// The event whose time went backwards.
        event: u64,
        /// Its `sim_ns`.
        sim_ns: u64,
        /// The previous event's `sim_ns`.
        previous_ns: u64,
    },
    /// The trace's states cannot be folded (bad `state_patch`, unknown node...).
    #[error(transparent)]
    Trace(#[from] faultline_trace::TraceError),
}

fn count_text(count: u128) -> String {
    if count == u128::MAX {
        "more than 10^38".to_string()
    } else {
        count.to_string()
    }
}

fn caret(column: u32) -> String {
    format!("{}^", " ".repeat(column.saturating_sub(1) as usize))
}
