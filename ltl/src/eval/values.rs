//! Values that atoms compare: JSON from states and payloads, or scalars from event fields.
//!
//! A path that does not exist is [`Val::Missing`], never `null`: `@b.x == null` is false when
//! `x` is absent. Equality treats `missing` as a value of its own (`missing == missing`).

use serde_json::Value;

use crate::syntax::{CmpOp, PathStep};

/// A value being compared, borrowed where possible (atom evaluation allocates nothing).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Missing,
    Null,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    /// An array or object.
    Compound(&'a Value),
}

impl<'a> Val<'a> {
    pub(crate) fn from_json(value: &'a Value) -> Val<'a> {
        match value {
            Value::Null => Val::Null,
            Value::Bool(flag) => Val::Bool(*flag),
            Value::Number(number) => Val::Num(number.as_f64().unwrap_or(f64::NAN)),
            Value::String(text) => Val::Str(text),
            Value::Array(_) | Value::Object(_) => Val::Compound(value),
        }
    }

    pub(crate) fn from_path(root: Option<&'a Value>, path: &[PathStep]) -> Val<'a> {
        root.and_then(|root| lookup(root, path))
            .map_or(Val::Missing, Val::from_json)
    }

    /// The owned JSON value (`None` for missing), for proofs.
    pub(crate) fn to_json(self) -> Option<Value> {
        match self {
            Val::Missing => None,
            Val::Null => Some(Value::Null),
            Val::Bool(flag) => Some(Value::Bool(flag)),
            Val::Num(number) => Some(number_json(number)),
            Val::Str(text) => Some(Value::String(text.to_string())),
            Val::Compound(value) => Some(value.clone()),
        }
    }
}

fn number_json(number: f64) -> Value {
    // Event fields are integers; print them as integers.
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        Value::from(number as i64)
    } else {
        serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

/// Follows `path` into `root`.
pub(crate) fn lookup<'a>(root: &'a Value, path: &[PathStep]) -> Option<&'a Value> {
    let mut current = root;
    for step in path {
        current = match step {
            PathStep::Field(name) => current.as_object()?.get(name)?,
            PathStep::Index(index) => current.as_array()?.get(*index)?,
        };
    }
    Some(current)
}

pub(crate) fn equal(left: Val<'_>, right: Val<'_>) -> bool {
    match (left, right) {
        (Val::Missing, Val::Missing) | (Val::Null, Val::Null) => true,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        (Val::Num(a), Val::Num(b)) => a == b,
        (Val::Str(a), Val::Str(b)) => a == b,
        (Val::Compound(a), Val::Compound(b)) => a == b,
        _ => false,
    }
}

/// Evaluates `left op right`. Orderings compare numbers with numbers and strings with strings;
/// anything else (missing included) is false.
pub(crate) fn compare(left: Val<'_>, op: CmpOp, right: Val<'_>) -> bool {
    let ordering = match (left, right) {
        (Val::Num(a), Val::Num(b)) => a.partial_cmp(&b),
        (Val::Str(a), Val::Str(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match op {
        CmpOp::Eq => equal(left, right),
        CmpOp::Ne => !equal(left, right),
        CmpOp::Lt => ordering.is_some_and(|o| o.is_lt()),
        CmpOp::Le => ordering.is_some_and(|o| o.is_le()),
        CmpOp::Gt => ordering.is_some_and(|o| o.is_gt()),
        CmpOp::Ge => ordering.is_some_and(|o| o.is_ge()),
        CmpOp::In => contains(right, left),
    }
}

fn contains(container: Val<'_>, item: Val<'_>) -> bool {
    match (container, item) {
        (_, Val::Missing) => false,
        (Val::Compound(Value::Array(items)), item) => items
            .iter()
            .any(|element| equal(Val::from_json(element), item)),
        (Val::Compound(Value::Object(map)), Val::Str(key)) => map.contains_key(key),
        (Val::Str(text), Val::Str(part)) => text.contains(part),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_is_not_null() {
        let state = json!({"log": ["hello"], "x": null});
        let missing = Val::from_path(Some(&state), &[PathStep::Field("y".into())]);
        let null = Val::from_path(Some(&state), &[PathStep::Field("x".into())]);
        assert!(!compare(missing, CmpOp::Eq, Val::Null));
        assert!(compare(null, CmpOp::Eq, Val::Null));
        assert!(compare(missing, CmpOp::Eq, Val::Missing));
        assert!(!compare(missing, CmpOp::Lt, Val::Num(1.0)));
        let log = Val::from_path(Some(&state), &[PathStep::Field("log".into())]);
        assert!(compare(Val::Str("hello"), CmpOp::In, log));
        assert!(!compare(Val::Str("bye"), CmpOp::In, log));
        assert!(!compare(missing, CmpOp::In, log));
    }
}
