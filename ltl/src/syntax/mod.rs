//! Spec syntax: the AST, the nom parser and its error positions.

mod ast;
mod parser;

pub use ast::{
    Atom, CmpOp, EventField, Formula, Interval, NodeRef, PathStep, Property, Side, Spec, Term,
    path_text,
};

use crate::LtlError;

/// Parses a spec file. `file` names the source in errors.
///
/// # Errors
///
/// [`LtlError::Parse`] with the 1-based line and column, the source line and what was expected;
/// [`LtlError::DuplicateProperty`] when two properties share a name.
pub fn parse_spec(source: &str, file: &str) -> Result<Spec, LtlError> {
    parser::reset_nesting();
    let line_of = |rest: &str| position(source, rest).0;
    match parser::spec(source, line_of) {
        Ok((_, spec)) => {
            for (index, property) in spec.properties.iter().enumerate() {
                if spec.properties[..index]
                    .iter()
                    .any(|earlier| earlier.name == property.name)
                {
                    return Err(LtlError::DuplicateProperty {
                        file: file.to_string(),
                        line: property.line,
                        name: property.name.clone(),
                    });
                }
            }
            Ok(spec)
        }
        Err(nom::Err::Error(err) | nom::Err::Failure(err)) => {
            Err(parse_error(source, file, err.at, &err.expected))
        }
        Err(nom::Err::Incomplete(_)) => Err(parse_error(source, file, "", &[])),
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
                    &["an operator or the end of the formula".to_string()],
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

fn parse_error(source: &str, file: &str, rest: &str, expected: &[String]) -> LtlError {
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
    let expected = match expected {
        [] => "a formula".to_string(),
        [one] => one.clone(),
        many => {
            let (last, init) = many.split_last().expect("many has at least two items");
            format!("{} or {last}", init.join(", "))
        }
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
