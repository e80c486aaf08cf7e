//! A nom parser for the EDN subset Jepsen histories use: maps, vectors, lists, sets,
//! keywords, symbols, integers, floats, strings, `nil`, booleans, tagged literals, comments.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{escaped_transform, is_not, tag, take_while1};
use nom::character::complete::{char, digit0, digit1, one_of};
use nom::combinator::{cut, map, opt, recognize, value};
use nom::multi::many0;
use nom::sequence::{delimited, pair, preceded};
use nom::{IResult, Parser};

use super::LineIndex;
use super::ops::{OpFields, RawAtom, RawMop, RawMops, finish_op};
use crate::error::Error;
use crate::history::History;

/// An EDN value, borrowing names from the input.
#[derive(Debug, Clone, PartialEq)]
enum Edn<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Keyword(&'a str),
    Symbol(&'a str),
    Vector(Vec<Edn<'a>>),
    Map(Vec<(Edn<'a>, Edn<'a>)>),
}

/// Parses a whole EDN history: one op map per top-level form, or one vector of op maps.
pub(crate) fn parse(text: &str) -> Result<History, Error> {
    let lines = LineIndex::new(text);
    let forms = top_level_forms(text, &lines)?;
    let maps: Vec<(u64, Edn<'_>)> = match forms.as_slice() {
        [(line, Edn::Vector(items))] => items.iter().map(|item| (*line, item.clone())).collect(),
        _ => forms,
    };
    let mut history = History::new();
    for (position, (line, form)) in maps.iter().enumerate() {
        let fields = fields_of(form, *line, position)?;
        let op = finish_op(&mut history, fields)?;
        history.ops.extend(op);
    }
    Ok(history)
}

fn top_level_forms<'a>(text: &'a str, lines: &LineIndex) -> Result<Vec<(u64, Edn<'a>)>, Error> {
    let mut forms = Vec::new();
    let mut rest = text;
    loop {
        let (after_ws, ()) = skip_ws(rest);
        if after_ws.is_empty() {
            return Ok(forms);
        }
        let start = text.len() - after_ws.len();
        match edn_value(after_ws) {
            Ok((after, form)) => {
                forms.push((lines.line(start), form));
                rest = after;
            }
            Err(e) => {
                let (at, too_deep) = match &e {
                    nom::Err::Error(inner) | nom::Err::Failure(inner) => {
                        (inner.input, inner.code == nom::error::ErrorKind::TooLarge)
                    }
                    nom::Err::Incomplete(_) => (after_ws, false),
                };
                let offset = text.len() - at.len();
                let column = offset - text[..offset].rfind('\n').map_or(0, |nl| nl + 1) + 1;
                return Err(Error::Syntax {
                    line: lines.line(offset),
                    column: column as u64,
                    op: Some(forms.len()),
                    message: if too_deep {
                        format!(
                            "EDN nested deeper than {MAX_NESTING} levels near `{}`",
                            snippet(at)
                        )
                    } else {
                        format!("malformed EDN near `{}`", snippet(at))
                    },
                });
            }
        }
    }
}

fn snippet(text: &str) -> String {
    text.chars().take(24).collect::<String>().replace('\n', " ")
}

/// Whitespace, commas and `;` comments.
fn skip_ws(input: &str) -> (&str, ()) {
    let mut rest = input;
    loop {
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        match trimmed.strip_prefix(';') {
            Some(comment) => rest = comment.find('\n').map_or("", |nl| &comment[nl..]),
            None => return (trimmed, ()),
        }
    }
}

fn ws(input: &str) -> IResult<&str, ()> {
    Ok(skip_ws(input))
}

/// How deeply collections and tagged literals may nest. Parsing (and dropping) a value recurses
/// once per level, so a hostile file must fail here rather than overflow the stack; Jepsen ops
/// nest four or five levels. serde_json's limit, for the JSON formats, is the same.
const MAX_NESTING: usize = 128;

thread_local! {
    static NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One level of [`edn_value`] recursion, released on drop (also when the parse fails).
struct Nesting;

impl Nesting {
    fn enter(input: &str) -> Result<Nesting, nom::Err<nom::error::Error<&str>>> {
        let depth = NESTING.with(|depth| {
            depth.set(depth.get() + 1);
            depth.get()
        });
        let guard = Nesting;
        if depth > MAX_NESTING {
            return Err(nom::Err::Failure(nom::error::Error::new(
                input,
                nom::error::ErrorKind::TooLarge,
            )));
        }
        Ok(guard)
    }
}

impl Drop for Nesting {
    fn drop(&mut self) {
        NESTING.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

fn edn_value(input: &str) -> IResult<&str, Edn<'_>> {
    let _level = Nesting::enter(input)?;
    preceded(
        ws,
        alt((
            map(string, Edn::Str),
            keyword,
            number,
            symbol,
            vector,
            list,
            edn_map,
            set,
            tagged,
        )),
    )
    .parse(input)
}

fn is_symbol_char(c: char) -> bool {
    c.is_alphanumeric() || ".*+!-_?$%&=<>/'".contains(c)
}

fn keyword(input: &str) -> IResult<&str, Edn<'_>> {
    map(
        preceded(char(':'), take_while1(is_symbol_char)),
        |name: &str| Edn::Keyword(name.trim_start_matches(':')),
    )
    .parse(input)
}

fn number(input: &str) -> IResult<&str, Edn<'_>> {
    let (rest, text) = recognize((
        opt(one_of("+-")),
        digit1,
        opt(pair(char('.'), digit0)),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
        opt(one_of("NM")),
    ))
    .parse(input)?;
    let digits = text.trim_end_matches(['N', 'M']);
    if let Ok(int) = digits.parse::<i64>() {
        return Ok((rest, Edn::Int(int)));
    }
    match digits.parse::<f64>() {
        Ok(float) => Ok((rest, Edn::Float(float))),
        Err(_) => Err(nom::Err::Failure(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Digit,
        ))),
    }
}

fn symbol(input: &str) -> IResult<&str, Edn<'_>> {
    map(take_while1(is_symbol_char), |name: &str| match name {
        "nil" => Edn::Nil,
        "true" => Edn::Bool(true),
        "false" => Edn::Bool(false),
        other => Edn::Symbol(other),
    })
    .parse(input)
}

fn string(input: &str) -> IResult<&str, String> {
    delimited(
        char('"'),
        map(
            opt(escaped_transform(
                is_not("\\\""),
                '\\',
                alt((
                    value("\\", tag("\\")),
                    value("\"", tag("\"")),
                    value("\n", tag("n")),
                    value("\t", tag("t")),
                    value("\r", tag("r")),
                )),
            )),
            Option::unwrap_or_default,
        ),
        cut(char('"')),
    )
    .parse(input)
}

fn items(input: &str) -> IResult<&str, Vec<Edn<'_>>> {
    many0(edn_value).parse(input)
}

fn vector(input: &str) -> IResult<&str, Edn<'_>> {
    map(
        delimited(char('['), items, cut(preceded(ws, char(']')))),
        Edn::Vector,
    )
    .parse(input)
}

fn list(input: &str) -> IResult<&str, Edn<'_>> {
    map(
        delimited(char('('), items, cut(preceded(ws, char(')')))),
        Edn::Vector,
    )
    .parse(input)
}

fn set(input: &str) -> IResult<&str, Edn<'_>> {
    map(
        delimited(tag("#{"), items, cut(preceded(ws, char('}')))),
        Edn::Vector,
    )
    .parse(input)
}

fn tagged(input: &str) -> IResult<&str, Edn<'_>> {
    map(
        preceded(char('#'), pair(take_while1(is_symbol_char), edn_value)),
        |(_, inner)| inner,
    )
    .parse(input)
}

fn edn_map(input: &str) -> IResult<&str, Edn<'_>> {
    map(
        delimited(
            char('{'),
            many0(pair(edn_value, cut(edn_value))),
            cut(preceded(ws, char('}'))),
        ),
        Edn::Map,
    )
    .parse(input)
}

fn fields_of<'a>(form: &'a Edn<'a>, line: u64, position: usize) -> Result<OpFields<'a, 'a>, Error> {
    let field_error = |field: &'static str, message: String| Error::Field {
        line,
        op: position,
        field,
        message,
    };
    let Edn::Map(entries) = form else {
        return Err(field_error("op", "expected an op map {:type ...}".into()));
    };
    let get = |name: &str| {
        entries
            .iter()
            .find(|(k, _)| *k == Edn::Keyword(name))
            .map(|(_, v)| v)
    };
    let index = match get("index") {
        None | Some(Edn::Nil) => None,
        Some(Edn::Int(i)) if *i >= 0 => Some(*i as u64),
        Some(other) => {
            return Err(field_error(
                "index",
                format!("expected a non-negative integer, found {other:?}"),
            ));
        }
    };
    let op_type = match get("type") {
        None => None,
        Some(Edn::Keyword(name) | Edn::Symbol(name)) => Some(*name),
        Some(Edn::Str(name)) => Some(name.as_str()),
        Some(other) => {
            return Err(field_error(
                "type",
                format!("expected a keyword, found {other:?}"),
            ));
        }
    };
    let process = match get("process") {
        None | Some(Edn::Nil) => None,
        Some(Edn::Int(p)) => Some(Ok(*p)),
        Some(other) => Some(Err(format!("{other:?}"))),
    };
    let time = match get("time") {
        Some(Edn::Int(t)) => Some(*t),
        Some(Edn::Float(t)) => Some(*t as i64),
        _ => None,
    };
    let mops = match get("value") {
        None | Some(Edn::Nil) => None,
        Some(Edn::Vector(mops)) => Some(
            mops.iter()
                .map(mop_of)
                .collect::<Result<Vec<_>, String>>()
                .map(RawMops::Nested)
                .map_err(|m| field_error("value", m)),
        ),
        Some(other) => Some(Err(field_error(
            "value",
            format!("expected a vector of micro-ops, found {other:?}"),
        ))),
    };
    Ok(OpFields {
        line,
        position,
        index,
        op_type,
        process,
        time,
        mops,
    })
}

fn mop_of<'a>(form: &'a Edn<'a>) -> Result<RawMop<'a>, String> {
    let Edn::Vector(parts) = form else {
        return Err(format!("expected a micro-op vector, found {form:?}"));
    };
    let function = match parts.first() {
        Some(Edn::Keyword(f) | Edn::Symbol(f)) => *f,
        Some(Edn::Str(f)) => f.as_str(),
        _ => return Err("micro-op without a function (:append or :r)".into()),
    };
    let key = parts
        .get(1)
        .ok_or_else(|| "micro-op without a key".to_owned())
        .and_then(atom_of)?;
    match (function, parts.get(2)) {
        ("append", Some(elem)) => Ok(RawMop::Append(key, atom_of(elem)?)),
        ("append", None) => Err("append without an element".into()),
        ("r", None | Some(Edn::Nil)) => Ok(RawMop::Read(key, None)),
        ("r", Some(Edn::Vector(list))) => Ok(RawMop::Read(
            key,
            Some(list.iter().map(atom_of).collect::<Result<_, _>>()?),
        )),
        ("r", Some(other)) => Err(format!("read value must be a list or nil, found {other:?}")),
        (other, _) => Err(format!(
            "unknown micro-op function `{other}` (expected :append or :r)"
        )),
    }
}

fn atom_of<'a>(form: &'a Edn<'a>) -> Result<RawAtom<'a>, String> {
    match form {
        Edn::Int(i) => Ok(RawAtom::Int(*i)),
        Edn::Keyword(name) | Edn::Symbol(name) => Ok(RawAtom::Str(Cow::Borrowed(name))),
        Edn::Str(s) => Ok(RawAtom::Str(Cow::Borrowed(s.as_str()))),
        other => Err(format!(
            "expected an integer, keyword or string, found {other:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_jepsen_ops() {
        let text = "{:type :invoke, :f :txn, :value [[:append :x 1] [:r :x nil]], :process 0, :index 0}\n\
                    {:type :ok, :f :txn, :value [[:append :x 1] [:r :x [1]]], :process 0, :index 1}\n\
                    {:type :info, :f :kill, :value nil, :process :nemesis, :index 2}\n";
        let history = parse(text).expect("valid EDN");
        assert_eq!(history.ops.len(), 2);
        assert_eq!(history.ops[1].line, 2);
        assert_eq!(history.keys.get(0), &crate::history::Atom::Str("x".into()));
    }

    #[test]
    fn reads_jepsen_history_op_records() {
        // jepsen.history writes each op as a tagged record; the tag says nothing we need.
        let text = "#jepsen.history.Op{:index 0, :time 1, :type :invoke, :process 0, :f :txn, \
                    :value [[:append :x 1] [:r :x nil]]}\n\
                    #jepsen.history.Op{:index 1, :time 2, :type :ok, :process 0, :f :txn, \
                    :value [[:append :x 1] [:r :x [1]]]}\n";
        assert_eq!(crate::detect_format(text), crate::Format::Edn);
        let history = crate::parse_history(text, None).expect("tagged records are ops");
        assert_eq!(history.ops.len(), 2, "the invocation and its completion");
    }

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
        for (open, close) in [
            ("[", "]"),
            ("(", ")"),
            ("#{", "}"),
            ("{:a ", "}"),
            ("#t ", ""),
        ] {
            let deep = format!(
                "{{:type :ok, :process 0, :value [[:r :x nil]]}}\n[{}1{}]",
                open.repeat(100_000),
                close.repeat(100_000)
            );
            // The main thread's 8 MiB stack, where the CLI parses: 100,000 levels overflow it.
            let result = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn(move || parse(&deep).map(|h| h.ops.len()))
                .expect("spawns")
                .join()
                .expect("no stack overflow");
            match result {
                Err(Error::Syntax { line, message, .. }) => {
                    assert_eq!(line, 2);
                    assert!(message.contains("nested deeper than 128"), "{message}");
                }
                other => panic!("expected a syntax error, got {other:?}"),
            }
        }
        let shallow = format!(
            "{{:type :ok, :process 0, :value [[:r :x nil]], :x {}1{}}}",
            "[".repeat(120),
            "]".repeat(120)
        );
        assert_eq!(parse(&shallow).expect("120 levels parse").ops.len(), 1);
    }

    #[test]
    fn reports_the_line_of_malformed_edn() {
        let text =
            "{:type :ok, :process 0, :value []}\n{:type :ok, :process 0 :value [[:r :x [1 2]}\n";
        match parse(text) {
            Err(Error::Syntax { line, .. }) => assert_eq!(line, 2),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }
}
