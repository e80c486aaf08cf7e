//! RFC 7386 JSON merge patches: the diff the simulator records between a node's states.

use serde_json::{Map, Value};

/// The merge patch that turns `before` into `after`, or `None` when they are equal.
///
/// Objects are diffed key by key (a removed key becomes `null`); anything else is replaced
/// whole. Values that are `null` inside objects cannot be expressed (RFC 7386 reads `null` as
/// "remove"), which is why reactor states must not contain them.
pub fn diff(before: &Value, after: &Value) -> Option<Value> {
    if before == after {
        return None;
    }
    Some(diff_unequal(before, after))
}

fn diff_unequal(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            let mut patch = Map::new();
            for key in old.keys() {
                if !new.contains_key(key) {
                    patch.insert(key.clone(), Value::Null);
                }
            }
            for (key, value) in new {
                match old.get(key) {
                    Some(previous) if previous == value => {}
                    Some(previous) => {
                        patch.insert(key.clone(), diff_unequal(previous, value));
                    }
                    None => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            Value::Object(patch)
        }
        _ => after.clone(),
    }
}

/// Applies merge patch `patch` to `target` (RFC 7386 §2).
pub fn apply(target: &mut Value, patch: &Value) {
    json_patch::merge(target, patch);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn equal_states_have_no_patch() {
        assert_eq!(diff(&json!({"log": ["x"]}), &json!({"log": ["x"]})), None);
    }

    #[test]
    fn nested_changes_and_removals() {
        let before = json!({"log": [], "acks": {"b": ["p"]}, "gone": 1});
        let after = json!({"log": ["p"], "acks": {"b": ["p"], "c": ["p"]}});
        let patch = diff(&before, &after).unwrap();
        assert_eq!(
            patch,
            json!({"log": ["p"], "acks": {"c": ["p"]}, "gone": null})
        );
        let mut applied = before.clone();
        apply(&mut applied, &patch);
        assert_eq!(applied, after);
    }

    /// JSON without nulls (merge patches cannot carry them).
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::from),
            (0u64..5).prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-d]", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn applying_the_diff_gives_the_after_state(before in json_value(), after in json_value()) {
            let mut target = before.clone();
            if let Some(patch) = diff(&before, &after) {
                apply(&mut target, &patch);
            }
            prop_assert_eq!(target, after);
        }
    }
}
