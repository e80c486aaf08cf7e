//! Spec syntax: the AST, the nom parser and its error positions.

mod ast;
mod parser;

pub use ast::{
    Atom, CmpOp, EventField, Formula, Interval, NodeRef, PathStep, Position, Property, Side, Spec,
    Term, path_text,
};

use std::collections::HashSet;

use crate::LtlError;

/// Parses a spec file. `file` names the source in errors.
///
/// Linear in the size of the source: positions are found by one forward walk, names checked
/// for duplicates with a hash map.
///
/// # Errors
///
/// [`LtlError::Parse`] with the 1-based line and column, the source line and what was expected;
/// [`LtlError::DuplicateProperty`] when two properties share a name.
pub fn parse_spec(source: &str, file: &str) -> Result<Spec, LtlError> {
    parser::reset_nesting();
    let raw = match parser::spec(source) {
        Ok((_, raw)) => raw,
        Err(nom::Err::Error(err) | nom::Err::Failure(err)) => {
            return Err(parse_error(source, file, err.at, &err.expected));
        }
        Err(nom::Err::Incomplete(_)) => return Err(parse_error(source, file, "", &[])),
    };
    let mut cursor = Cursor::new(source);
    let mut seen: HashSet<String> = HashSet::with_capacity(raw.len());
    let mut properties = Vec::with_capacity(raw.len());
    for property in raw {
        let start = offset_of(source, property.at);
        let line = cursor.advance_to(start).line;
        if !seen.insert(property.name.clone()) {
            return Err(LtlError::DuplicateProperty {
                file: file.to_string(),
                line,
                name: property.name.clone(),
            });
        }
        // The nodes lie after the property's start: walk them in source order from there.
        let mut order: Vec<(usize, usize)> = property
            .starts
            .iter()
            .enumerate()
            .map(|(index, &rest_len)| (source.len().saturating_sub(rest_len), index))
            .collect();
        order.sort_unstable();
        let mut walker = cursor.clone();
        let mut positions = vec![Position { line, column: 1 }; order.len()];
        for (offset, index) in order {
            positions[index] = walker.advance_to(offset);
        }
        properties.push(Property {
            name: property.name,
            line,
            formula: property.formula,
            positions,
        });
    }
    Ok(Spec { properties })
}

/// Byte offset of the remainder `rest` inside `source`.
fn offset_of(source: &str, rest: &str) -> usize {
    source.len().saturating_sub(rest.len())
}

/// Turns increasing byte offsets into positions, walking the source forward once.
#[derive(Clone)]
struct Cursor<'s> {
    source: &'s str,
    offset: usize,
    position: Position,
}

impl<'s> Cursor<'s> {
    fn new(source: &'s str) -> Cursor<'s> {
        Cursor {
            source,
            offset: 0,
            position: Position { line: 1, column: 1 },
        }
    }

    /// The position of byte `offset` (a char boundary at or after the current offset).
    fn advance_to(&mut self, offset: usize) -> Position {
        let text = self.source.get(self.offset..offset).unwrap_or("");
        for c in text.chars() {
            if c == '\n' {
                self.position.line = self.position.line.saturating_add(1);
                self.position.column = 1;
            } else {
                self.position.column = self.position.column.saturating_add(1);
            }
        }
        self.offset = self.offset.max(offset);
        self.position
    }
}

/// Parses one formula (no `property` header), e.g. for tests and the API.
///
/// # Errors
///
/// [`LtlError::Parse`] as for [`parse_spec`], with `file` = `<formula>`.
pub fn parse_formula(source: &str) -> Result<Formula, LtlError> {
    let file = "<formula>";
    parser::reset_nesting();
    match parser::formula(source) {
        Ok((rest, formula)) => {
            let rest_trimmed = rest.trim_start();
            if rest_trimmed.is_empty() {
                Ok(formula)
            } else {
                Err(parse_error(
                    source,
                    file,
                    rest_trimmed,
                    &["an operator or the end of the formula".into()],
                ))
            }
        }
        Err(nom::Err::Error(err) | nom::Err::Failure(err)) => {
            Err(parse_error(source, file, err.at, &err.expected))
        }
        Err(nom::Err::Incomplete(_)) => Err(parse_error(source, file, "", &[])),
    }
}

/// 1-based (line, column in characters) of the remainder `rest` inside `source`.
fn position(source: &str, rest: &str) -> (u32, u32) {
    let offset = source.len().saturating_sub(rest.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = source[line_start..offset].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

fn parse_error(source: &str, file: &str, rest: &str, expected: &[parser::Expected]) -> LtlError {
    let expected: Vec<String> = expected.iter().map(ToString::to_string).collect();
    let (line, column) = position(source, rest);
    let offset = source.len().saturating_sub(rest.len());
    let line_start = source[..offset].rfind('\n').map_or(0, |index| index + 1);
    let line_end = source[offset..]
        .find('\n')
        .map_or(source.len(), |index| offset + index);
    let found = match rest.chars().next() {
        None => "the end of the file".to_string(),
        Some(_) => {
            let token: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace())
                .take(12)
                .collect();
            format!("`{token}`")
        }
    };
    let expected = match expected.as_slice() {
        [] => "a formula".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    LtlError::Parse {
        file: file.to_string(),
        line,
        column,
        expected,
        found,
        source_line: source[line_start..line_end]
            .trim_end_matches('\r')
            .to_string(),
    }
}
