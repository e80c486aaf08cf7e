//! The stable JSON form: `{"name", "line", "formula", "verdict": "holds"|"fails",
//! "presumptive", "vacuity", "proof"}`. `vacuity` lists [`crate::Vacuity`] objects (`kind`:
//! `premise` or `atom_never_true`), empty unless the property holds vacuously.
//!
//! `proof` is the [`crate::Proof`]'s rule tree: every node has a `rule` (snake_case variant
//! name) and its fields; ranges are `{"from", "end", "holds"}` (end exclusive) and, when
//! expanded, carry `"events": [proof, ...]`.

use serde_json::{Value, json as json_value};

use crate::{Evaluation, Proof, Property, Range};

/// The JSON of one property's verdict at event 0. With `expand`, every summarised range of
/// the top-level proof carries its per-event proofs (one level deep).
pub fn json(property: &Property, evaluation: &Evaluation<'_>, expand: bool) -> Value {
    let proof = evaluation.proof(0);
    json_value!({
        "name": property.name,
        "line": property.line,
        "formula": property.formula.to_string(),
        "verdict": if proof.holds() { "holds" } else { "fails" },
        "presumptive": evaluation.presumptive(0),
        "vacuity": serde_json::to_value(evaluation.vacuity()).unwrap_or(Value::Null),
        "proof": proof_json(&proof, evaluation, expand),
    })
}

/// The JSON of a proof; with `expand`, ranges get an `events` array of per-event proofs.
pub fn proof_json(proof: &Proof, evaluation: &Evaluation<'_>, expand: bool) -> Value {
    let mut value = match proof {
        Proof::Holds(sat) => serde_json::to_value(sat),
        Proof::Fails(viol) => serde_json::to_value(viol),
    }
    .unwrap_or(Value::Null);
    if expand {
        expand_ranges(&mut value, evaluation);
    }
    value
}

/// Adds `events` to every range object (`from`, `end`, `holds`, `subformula`).
fn expand_ranges(value: &mut Value, evaluation: &Evaluation<'_>) {
    match value {
        Value::Object(map) => {
            let range = (|| {
                Some(Range {
                    from: usize::try_from(map.get("from")?.as_u64()?).ok()?,
                    end: usize::try_from(map.get("end")?.as_u64()?).ok()?,
                    holds: map.get("holds")?.as_bool()?,
                    sub: u32::try_from(map.get("subformula")?.as_u64()?).ok()?,
                })
            })();
            if let Some(range) = range {
                let events = evaluation
                    .expand(&range)
                    .iter()
                    .map(|proof| proof_json(proof, evaluation, false))
                    .collect();
                map.insert("events".into(), Value::Array(events));
                return;
            }
            for child in map.values_mut() {
                expand_ranges(child, evaluation);
            }
        }
        Value::Array(items) => {
            for item in items {
                expand_ranges(item, evaluation);
            }
        }
        _ => {}
    }
}
