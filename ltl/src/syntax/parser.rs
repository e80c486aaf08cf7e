//! The nom parser for spec files. Every parser skips leading whitespace and comments itself.
//!
//! After an operator or keyword has been read, the operand is parsed under `cut`: a failure
//! there is reported where it happened, instead of backtracking to a misleading earlier spot.

use nom::Err as NomErr;
use nom::error::{ErrorKind, ParseError};
use serde_json::Value;

use super::ast::{Atom, CmpOp, EventField, Formula, Interval, NodeRef, PathStep, Side, Term};

/// A parse failure at `at` (the unparsed rest of the input).
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError<'a> {
    pub(crate) at: &'a str,
    pub(crate) expected: Vec<Expected>,
}

/// What the parser expected. Failed alternatives are the common case (every keyword tried
/// before the one that matches), so the text is only formatted for the error that is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A description (`a formula`).
    Plain(&'static str),
    /// A symbol or keyword, shown in backquotes.
    Quoted(&'static str),
    Owned(String),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Plain(text) => f.write_str(text),
            Expected::Quoted(text) => write!(f, "`{text}`"),
            Expected::Owned(text) => f.write_str(text),
        }
    }
}

impl From<&'static str> for Expected {
    fn from(text: &'static str) -> Expected {
        Expected::Plain(text)
    }
}

impl From<String> for Expected {
    fn from(text: String) -> Expected {
        Expected::Owned(text)
    }
}

impl<'a> ParseError<&'a str> for SyntaxError<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        SyntaxError {
            at: input,
            expected: Vec::new(),
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(mut self, other: Self) -> Self {
        // Keep the error that got furthest; merge what was expected at the same spot.
        match self.at.len().cmp(&other.at.len()) {
            std::cmp::Ordering::Less => self,
            std::cmp::Ordering::Greater => other,
            std::cmp::Ordering::Equal => {
                for item in other.expected {
                    if !self.expected.contains(&item) {
                        self.expected.push(item);
                    }
                }
                self
            }
        }
    }
}

type PResult<'a, T> = nom::IResult<&'a str, T, SyntaxError<'a>>;

/// How deeply operators, parentheses and literal arrays may nest. The parser and everything
/// that walks a formula recurse once per level, so an unbounded depth (a generated spec, a
/// hostile file) would overflow the stack instead of failing with an error.
pub(crate) const MAX_NESTING: usize = 256;

thread_local! {
    static NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Where each formula node built so far starts, as the length of the unparsed rest there,
    /// in the order the nodes were built: children before parents, left to right (post-order).
    /// Every node built ends up in the tree (the parser never builds and then backtracks).
    static STARTS: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Records that a formula node starting at `start` was built.
fn node(start: &str, formula: Formula) -> Formula {
    STARTS.with(|starts| starts.borrow_mut().push(start.len()));
    formula
}

/// Takes the node starts recorded since the last call (see [`STARTS`]).
pub(crate) fn take_starts() -> Vec<usize> {
    STARTS.with(|starts| std::mem::take(&mut *starts.borrow_mut()))
}

/// One level of nesting, held while its operand is parsed.
struct Nesting;

impl Nesting {
    /// Enters a level at `input`, or fails there (a hard error) past [`MAX_NESTING`].
    fn enter(input: &str) -> Result<Nesting, NomErr<SyntaxError<'_>>> {
        let depth = NESTING.with(|depth| {
            depth.set(depth.get() + 1);
            depth.get()
        });
        let guard = Nesting;
        if depth > MAX_NESTING {
            return Err(NomErr::Failure(SyntaxError {
                at: input,
                expected: vec![
                    format!("at most {MAX_NESTING} nested operators, parentheses or brackets")
                        .into(),
                ],
            }));
        }
        Ok(guard)
    }
}

impl Drop for Nesting {
    fn drop(&mut self) {
        NESTING.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

/// Runs `parser` on `input` one nesting level deeper (an operand, a parenthesised formula, an
/// array item), failing at `input` past [`MAX_NESTING`] levels.
fn nested<'a, T>(input: &'a str, parser: impl FnOnce(&'a str) -> PResult<'a, T>) -> PResult<'a, T> {
    let _level = Nesting::enter(ws(input))?;
    parser(input)
}

/// Resets the nesting count before a top-level parse (levels are only left over if an earlier
/// parse on this thread was unwound).
pub(crate) fn reset_nesting() {
    NESTING.with(|depth| depth.set(0));
    STARTS.with(|starts| starts.borrow_mut().clear());
}

fn fail<'a, T>(at: &'a str, expected: impl Into<Expected>) -> PResult<'a, T> {
    Err(NomErr::Error(SyntaxError {
        at,
        expected: vec![expected.into()],
    }))
}

/// Turns a recoverable error into a hard one (nom's `cut`), keeping the furthest position.
fn cut<'a, T>(result: PResult<'a, T>) -> PResult<'a, T> {
    result.map_err(|err| match err {
        NomErr::Error(e) => NomErr::Failure(e),
        other => other,
    })
}

/// Skips whitespace and comments (`# …` and `// …` to the end of the line).
fn ws(mut input: &str) -> &str {
    loop {
        input = input.trim_start();
        if input.starts_with('#') || input.starts_with("//") {
            input = input.find('\n').map_or("", |end| &input[end..]);
        } else {
            return input;
        }
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Words that cannot be node names or variables (quote them: `@"F"`).
pub(crate) const RESERVED: &[&str] = &[
    "G", "F", "X", "U", "W", "R", "Y", "O", "H", "S", "WX", "WY", "forall", "exists", "true",
    "false", "null", "missing", "last", "in", "crashed", "changed", "property",
];

/// A raw identifier at the start of `input` (no whitespace skipping).
fn raw_identifier(input: &str) -> PResult<'_, &str> {
    let end = input
        .char_indices()
        .find(|&(_, c)| !is_ident_char(c))
        .map_or(input.len(), |(index, _)| index);
    let word = &input[..end];
    match word.chars().next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => Ok((&input[end..], word)),
        _ => fail(input, "a name"),
    }
}

/// A symbol such as `&&` or `(`.
fn symbol<'a>(input: &'a str, text: &'static str) -> PResult<'a, &'a str> {
    let input = ws(input);
    match input.strip_prefix(text) {
        Some(rest) => Ok((rest, text)),
        None => fail(input, Expected::Quoted(text)),
    }
}

/// A keyword: `text` not followed by a name character.
fn keyword<'a>(input: &'a str, text: &'static str) -> PResult<'a, &'a str> {
    let input = ws(input);
    match input.strip_prefix(text) {
        Some(rest) if !rest.starts_with(is_ident_char) => Ok((rest, text)),
        _ => fail(input, Expected::Quoted(text)),
    }
}

/// A name that is not reserved (a node, a variable, a property name).
fn name(input: &str) -> PResult<'_, String> {
    let input = ws(input);
    let (rest, word) = raw_identifier(input)?;
    if RESERVED.contains(&word) {
        return fail(input, "a name (this word is reserved; quote it)");
    }
    Ok((rest, word.to_string()))
}

/// A JSON string literal, escapes included.
fn string_literal(input: &str) -> PResult<'_, String> {
    let input = ws(input);
    if !input.starts_with('"') {
        return fail(input, "a string");
    }
    let mut escaped = false;
    for (index, c) in input.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                let text = &input[..=index];
                return match serde_json::from_str::<String>(text) {
                    Ok(value) => Ok((&input[index + 1..], value)),
                    Err(_) => Err(NomErr::Failure(SyntaxError {
                        at: input,
                        expected: vec!["a valid string escape".into()],
                    })),
                };
            }
            '\n' => break,
            _ => {}
        }
    }
    Err(NomErr::Failure(SyntaxError {
        at: input,
        expected: vec!["a closing `\"` on the same line".into()],
    }))
}

fn number_literal(input: &str) -> PResult<'_, Value> {
    let input = ws(input);
    let bytes = input.as_bytes();
    // JSON numbers: an optional `-`, then a digit (so `+1` and `-` alone are not numbers).
    let mut end = usize::from(bytes.first() == Some(&b'-'));
    if !bytes.get(end).is_some_and(u8::is_ascii_digit) {
        return fail(input, "a number");
    }
    while let Some(&byte) = bytes.get(end) {
        let previous = end.checked_sub(1).and_then(|index| bytes.get(index));
        // A sign is part of the number only right after an exponent marker.
        let exponent_sign = matches!(byte, b'+' | b'-') && matches!(previous, Some(b'e' | b'E'));
        if !(byte.is_ascii_digit() || matches!(byte, b'.' | b'e' | b'E') || exponent_sign) {
            break;
        }
        end += 1;
    }
    match serde_json::from_str::<Value>(&input[..end]) {
        Ok(value) => Ok((&input[end..], value)),
        Err(_) => Err(NomErr::Failure(SyntaxError {
            at: input,
            expected: vec!["a number".into()],
        })),
    }
}

/// A JSON literal: string, number, `true`, `false`, `null`, or an array of literals.
fn literal(input: &str) -> PResult<'_, Value> {
    let input = ws(input);
    if let Ok((rest, text)) = string_literal(input) {
        return Ok((rest, Value::String(text)));
    }
    for (word, value) in [
        ("true", Value::Bool(true)),
        ("false", Value::Bool(false)),
        ("null", Value::Null),
    ] {
        if let Ok((rest, _)) = keyword(input, word) {
            return Ok((rest, value));
        }
    }
    if let Ok((rest, _)) = symbol(input, "[") {
        let _level = Nesting::enter(input)?;
        let mut items = Vec::new();
        let mut rest = rest;
        if let Ok((after, _)) = symbol(rest, "]") {
            return Ok((after, Value::Array(items)));
        }
        loop {
            let (after, item) = cut(literal(rest))?;
            items.push(item);
            if let Ok((after, _)) = symbol(after, ",") {
                rest = after;
                continue;
            }
            let (after, _) = cut(symbol(after, "]").or_else(|_| fail(ws(after), "`,` or `]`")))?;
            return Ok((after, Value::Array(items)));
        }
    }
    number_literal(input).or_else(|_| fail(input, "a value"))
}

/// A path after a node or `$.payload`: `.field`, `."field"`, `[index]`, no spaces inside.
fn path(mut input: &str) -> PResult<'_, Vec<PathStep>> {
    let mut steps = Vec::new();
    loop {
        if let Some(rest) = input.strip_prefix('.') {
            if rest.starts_with('"') {
                let (rest, field) = cut(string_literal(rest))?;
                steps.push(PathStep::Field(field));
                input = rest;
            } else {
                let (rest, field) = cut(raw_identifier(rest))?;
                steps.push(PathStep::Field(field.to_string()));
                input = rest;
            }
        } else if let Some(rest) = input.strip_prefix('[') {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let index = rest[..end].parse::<usize>();
            match (index, rest[end..].strip_prefix(']')) {
                (Ok(index), Some(after)) => {
                    steps.push(PathStep::Index(index));
                    input = after;
                }
                _ => return cut(fail(rest, "an array index and `]`")),
            }
        } else {
            return Ok((input, steps));
        }
    }
}

/// `n` or `"node-1"`.
fn node_ref(input: &str) -> PResult<'_, NodeRef> {
    let input = ws(input);
    if input.starts_with('"') {
        let (rest, text) = string_literal(input)?;
        return Ok((rest, NodeRef(text)));
    }
    let (rest, text) = name(input).or_else(|_| fail(input, "a node name or variable"))?;
    Ok((rest, NodeRef(text)))
}

/// `@n.path` / `@n'.path` (the `@` already consumed).
fn state_term(input: &str) -> PResult<'_, Term> {
    let (rest, node) = cut(node_ref(input))?;
    let (rest, side) = match rest.strip_prefix('\'') {
        Some(after) => (after, Side::After),
        None => (rest, Side::Before),
    };
    let (rest, path) = path(rest)?;
    Ok((rest, Term::State { node, side, path }))
}

/// `$.field` (the `$` already consumed).
fn event_term(input: &str) -> PResult<'_, Term> {
    let Some(rest) = input.strip_prefix('.') else {
        return cut(fail(input, "`.` and an event field"));
    };
    let expected = "an event field (id, kind, src, dst, node, type, msg_id, lt, sim_ns, timer, \
                    payload, fact)";
    let (rest, field) = raw_identifier(rest).or_else(|_| cut(fail(rest, expected)))?;
    let field = match field {
        "id" => EventField::Id,
        "kind" => EventField::Kind,
        "src" => EventField::Src,
        "dst" => EventField::Dst,
        "node" => EventField::Node,
        "type" => EventField::Type,
        "msg_id" => EventField::MsgId,
        "lt" => EventField::Lt,
        "sim_ns" => EventField::SimNs,
        "timer" => EventField::Timer,
        "payload" | "fact" => {
            let (rest, steps) = path(rest)?;
            let field = if field == "payload" {
                EventField::Payload(steps)
            } else {
                EventField::Fact(steps)
            };
            return Ok((rest, Term::Event(field)));
        }
        _ => return cut(fail(input.get(1..).unwrap_or(input), expected)),
    };
    Ok((rest, Term::Event(field)))
}

fn term(input: &str) -> PResult<'_, Term> {
    let input = ws(input);
    if let Some(rest) = input.strip_prefix('@') {
        return state_term(rest);
    }
    if let Some(rest) = input.strip_prefix('$') {
        return event_term(rest);
    }
    if let Ok((rest, _)) = keyword(input, "missing") {
        return Ok((rest, Term::Missing));
    }
    if let Ok((rest, node)) = name(input) {
        return Ok((rest, Term::Name(NodeRef(node))));
    }
    match literal(input) {
        Ok((rest, value)) => Ok((rest, Term::Literal(value))),
        Err(NomErr::Error(_)) => fail(input, "a formula"),
        Err(err) => Err(err),
    }
}

fn comparison_operator(input: &str) -> PResult<'_, CmpOp> {
    let input = ws(input);
    // Two-character operators first, so that `<=` is not read as `<`.
    for (text, op) in [
        ("==", CmpOp::Eq),
        ("!=", CmpOp::Ne),
        ("<=", CmpOp::Le),
        (">=", CmpOp::Ge),
    ] {
        if let Some(rest) = input.strip_prefix(text) {
            return Ok((rest, op));
        }
    }
    if input.starts_with("<->") || input.starts_with("->") {
        return fail(input, "a comparison");
    }
    for (text, op) in [("<", CmpOp::Lt), (">", CmpOp::Gt)] {
        if let Some(rest) = input.strip_prefix(text) {
            return Ok((rest, op));
        }
    }
    keyword(input, "in").map(|(rest, _)| (rest, CmpOp::In))
}

/// `crashed(n)`, `changed(@n.path)`, or `term [op term]`.
fn atom(input: &str) -> PResult<'_, Formula> {
    let input = ws(input);
    if let Ok((rest, _)) = keyword(input, "crashed") {
        let (rest, _) = cut(symbol(rest, "("))?;
        let (rest, who) = cut(node_ref(rest))?;
        let (rest, _) = cut(symbol(rest, ")"))?;
        return Ok((rest, node(input, Formula::Atom(Atom::Crashed(who)))));
    }
    if let Ok((rest, _)) = keyword(input, "changed") {
        let (rest, _) = cut(symbol(rest, "("))?;
        let (rest, _) = cut(symbol(rest, "@"))?;
        let (rest, who) = cut(node_ref(rest))?;
        let (rest, steps) = path(rest)?;
        let (rest, _) = cut(symbol(rest, ")"))?;
        return Ok((rest, node(input, Formula::Atom(Atom::Changed(who, steps)))));
    }
    let (rest, left) = term(input)?;
    if let Ok((rest, op)) = comparison_operator(rest) {
        let (rest, right) = cut(term(rest))?;
        return Ok((
            rest,
            node(input, Formula::Atom(Atom::Compare(left, op, right))),
        ));
    }
    let formula = match left {
        Term::Literal(Value::Bool(true)) => Formula::True,
        Term::Literal(Value::Bool(false)) => Formula::False,
        other => Formula::Atom(Atom::Truthy(other)),
    };
    Ok((rest, node(input, formula)))
}

/// A duration: digits with an optional unit (`ns` default, `us`, `ms`, `s`).
fn duration_ns(input: &str) -> PResult<'_, u64> {
    let input = ws(input);
    let end = input
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(input.len());
    let count = match input[..end].parse::<u64>() {
        Ok(count) => count,
        // Digits, but too many for 64 bits.
        Err(_) if end > 0 => {
            return cut(fail(
                input,
                "a time bound that fits in 64 bits of nanoseconds",
            ));
        }
        Err(_) => {
            return cut(fail(
                input,
                "a time bound (a whole number, optionally ns, us, ms or s)",
            ));
        }
    };
    let rest = &input[end..];
    let (rest, scale) = [
        ("ns", 1),
        ("us", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
    ]
    .into_iter()
    .find_map(|(unit, scale)| {
        rest.strip_prefix(unit)
            .filter(|after| !after.starts_with(is_ident_char))
            .map(|after| (after, scale))
    })
    .unwrap_or((rest, 1));
    match count.checked_mul(scale) {
        Some(ns) => Ok((rest, ns)),
        None => cut(fail(
            input,
            "a time bound that fits in 64 bits of nanoseconds",
        )),
    }
}

/// `[a,b]` after a metric operator.
fn interval(input: &str) -> PResult<'_, Option<Interval>> {
    let Ok((rest, _)) = symbol(input, "[") else {
        return Ok((input, None));
    };
    let (rest, lo_ns) = duration_ns(rest)?;
    let (rest, _) = cut(symbol(rest, ","))?;
    let hi_at = ws(rest);
    let (rest, hi_ns) = duration_ns(rest)?;
    let (rest, _) = cut(symbol(rest, "]"))?;
    if hi_ns < lo_ns {
        return cut(fail(hi_at, "an upper bound at least the lower bound"));
    }
    Ok((rest, Some(Interval { lo_ns, hi_ns })))
}

type Unary = fn(Box<Formula>) -> Formula;

fn unary(input: &str) -> PResult<'_, Formula> {
    let input = ws(input);
    if let Some(rest) = input
        .strip_prefix('!')
        .filter(|rest| !rest.starts_with('='))
    {
        let (rest, sub) = cut(nested(rest, unary))?;
        return Ok((rest, node(input, Formula::Not(Box::new(sub)))));
    }
    let plain: [(&str, Unary); 6] = [
        ("WX", Formula::WeakNext),
        ("WY", Formula::WeakYesterday),
        ("X", Formula::Next),
        ("Y", Formula::Yesterday),
        ("H", Formula::Historically),
        ("O", Formula::Once),
    ];
    for (word, build) in plain {
        if let Ok((rest, _)) = keyword(input, word) {
            if word == "O" {
                let (rest, window) = interval(rest)?;
                let (rest, sub) = cut(nested(rest, unary))?;
                let formula = match window {
                    Some(window) => Formula::OnceWithin(window, Box::new(sub)),
                    None => build(Box::new(sub)),
                };
                return Ok((rest, node(input, formula)));
            }
            let (rest, sub) = cut(nested(rest, unary))?;
            return Ok((rest, node(input, build(Box::new(sub)))));
        }
    }
    for word in ["F", "G"] {
        // `F[0,5]` is a keyword followed by `[`, so check the name boundary by hand.
        let Some(rest) = input.strip_prefix(word) else {
            continue;
        };
        if rest.starts_with(is_ident_char) {
            continue;
        }
        let (rest, window) = interval(rest)?;
        let (rest, sub) = cut(nested(rest, unary))?;
        let sub = Box::new(sub);
        let formula = match (word, window) {
            ("F", None) => Formula::Eventually(sub),
            ("F", Some(window)) => Formula::EventuallyWithin(window, sub),
            (_, None) => Formula::Always(sub),
            (_, Some(window)) => Formula::AlwaysWithin(window, sub),
        };
        return Ok((rest, node(input, formula)));
    }
    primary(input)
}

fn primary(input: &str) -> PResult<'_, Formula> {
    let input = ws(input);
    for (word, quantifier) in [
        (
            "forall",
            Formula::Forall as fn(String, Box<Formula>) -> Formula,
        ),
        ("exists", Formula::Exists),
    ] {
        if let Ok((rest, _)) = keyword(input, word) {
            let (rest, var) = cut(name(rest))?;
            let (rest, _) = cut(symbol(rest, "."))?;
            let (rest, body) = cut(nested(rest, formula))?;
            return Ok((rest, node(input, quantifier(var, Box::new(body)))));
        }
    }
    if let Ok((rest, label)) = string_literal(input)
        && let Ok((rest, _)) = symbol(rest, ":")
    {
        let (rest, body) = cut(nested(rest, formula))?;
        return Ok((rest, node(input, Formula::Label(label, Box::new(body)))));
    }
    if let Ok((rest, _)) = symbol(input, "(") {
        let (rest, inner) = cut(nested(rest, formula))?;
        let (rest, _) = cut(symbol(rest, ")"))?;
        return Ok((rest, inner));
    }
    if let Ok((rest, _)) = keyword(input, "last") {
        return Ok((rest, node(input, Formula::Last)));
    }
    atom(input)
}

type Binary = fn(Box<Formula>, Box<Formula>) -> Formula;

/// `U W R S`: right-associative, tighter than `&&`.
fn temporal_binary(input: &str) -> PResult<'_, Formula> {
    let start = ws(input);
    let (rest, left) = unary(input)?;
    let operators: [(&str, Binary); 4] = [
        ("U", Formula::Until),
        ("W", Formula::WeakUntil),
        ("R", Formula::Release),
        ("S", Formula::Since),
    ];
    for (word, build) in operators {
        if let Ok((rest, _)) = keyword(rest, word) {
            let (rest, right) = cut(nested(rest, temporal_binary))?;
            return Ok((rest, node(start, build(Box::new(left), Box::new(right)))));
        }
    }
    Ok((rest, left))
}

/// One level of a right-associative binary operator chain.
fn chain<'a>(
    input: &'a str,
    operator: &'static str,
    operand: fn(&'a str) -> PResult<'a, Formula>,
    build: Binary,
) -> PResult<'a, Formula> {
    let start = ws(input);
    let (rest, left) = operand(input)?;
    match symbol(rest, operator) {
        Ok((rest, _)) => {
            let (rest, right) = cut(nested(rest, |rest| chain(rest, operator, operand, build)))?;
            Ok((rest, node(start, build(Box::new(left), Box::new(right)))))
        }
        Err(_) => Ok((rest, left)),
    }
}

fn conjunction(input: &str) -> PResult<'_, Formula> {
    chain(input, "&&", temporal_binary, Formula::And)
}

fn disjunction(input: &str) -> PResult<'_, Formula> {
    chain(input, "||", conjunction, Formula::Or)
}

fn implication(input: &str) -> PResult<'_, Formula> {
    chain(input, "->", disjunction, Formula::Implies)
}

/// A whole formula (`<->` binds loosest; quantifiers and labels extend as far right as they can).
pub(crate) fn formula(input: &str) -> PResult<'_, Formula> {
    chain(input, "<->", implication, Formula::Iff)
}

/// A property name: letters, digits, `_` and `-`.
fn property_name(input: &str) -> PResult<'_, String> {
    let input = ws(input);
    let end = input
        .find(|c: char| !(is_ident_char(c) || c == '-'))
        .unwrap_or(input.len());
    if end == 0 {
        return fail(input, "a property name");
    }
    Ok((&input[end..], input[..end].to_string()))
}

/// One property as parsed, before positions are resolved.
pub(crate) struct RawProperty<'a> {
    /// The input from the `property` keyword on.
    pub(crate) at: &'a str,
    pub(crate) name: String,
    pub(crate) formula: Formula,
    /// Each node's start (length of the rest there), in post-order.
    pub(crate) starts: Vec<usize>,
}

/// A whole spec file.
pub(crate) fn spec(source: &str) -> PResult<'_, Vec<RawProperty<'_>>> {
    let mut properties = Vec::new();
    let mut rest = source;
    loop {
        let at = ws(rest);
        if at.is_empty() {
            if properties.is_empty() {
                return cut(fail(at, "`property NAME: FORMULA`"));
            }
            return Ok((at, properties));
        }
        if keyword(at, "property").is_err() {
            let expected = if properties.is_empty() {
                "`property NAME: FORMULA`"
            } else {
                "an operator, `;`, the next `property` or the end of the file"
            };
            return cut(fail(at, expected));
        }
        let (after, _) = keyword(at, "property")?;
        let (after, name) = cut(property_name(after))?;
        let (after, _) = cut(symbol(after, ":"))?;
        take_starts();
        let (after, formula) = cut(formula(after))?;
        let after = symbol(after, ";").map_or(after, |(after, _)| after);
        properties.push(RawProperty {
            at,
            name,
            formula,
            starts: take_starts(),
        });
        rest = after;
    }
}
