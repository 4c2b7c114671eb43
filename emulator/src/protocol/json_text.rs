//! Output JSON as AWS writes it: absent members left out, not written as null.

use serde_json::Value;

/// An output value serialized without its null members: AWS leaves absent members out.
/// Serializing through this view costs no copy of the tree.
struct WithoutNulls<'a>(&'a Value);

impl serde::Serialize for WithoutNulls<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.0 {
            Value::Object(map) => {
                let mut out = serializer.serialize_map(None)?;
                for (key, value) in map.iter().filter(|(_, v)| !v.is_null()) {
                    out.serialize_entry(key, &WithoutNulls(value))?;
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(WithoutNulls)),
            other => other.serialize(serializer),
        }
    }
}

/// `value` as JSON text without null members.
pub fn json_without_nulls(value: &Value) -> String {
    // Serializing a `Value` cannot fail: its map keys are strings.
    serde_json::to_string(&WithoutNulls(value)).unwrap_or_default()
}

#[cfg(test)]
mod json_tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::json_without_nulls;

    /// What serde_json writes for `value` once null members are removed.
    fn reference(value: &Value) -> String {
        fn strip(value: &Value) -> Value {
            match value {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| (k.clone(), strip(v)))
                        .collect(),
                ),
                Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
                other => other.clone(),
            }
        }
        serde_json::to_string(&strip(value)).unwrap_or_default()
    }

    #[test]
    fn null_members_are_left_out_and_text_is_escaped_as_serde_json_does() {
        let value = json!({
            "Absent": null,
            "Quote\"d": "a \"b\" \\ c\n\t\u{1}\u{7f} é 🔑 </script>",
            "Numbers": [0, -1, 18446744073709551615u64, 1.5, 1e300, -2.5e-8],
            "Nested": [null, {"X": null, "Y": [true, false]}, []],
            "Empty": {},
        });
        let text = json_without_nulls(&value);
        assert_eq!(text, reference(&value));
        assert!(!text.contains("Absent") && !text.contains("\"X\""));
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn matches_serde_json_on_any_value(value in any_value()) {
            prop_assert_eq!(json_without_nulls(&value), reference(&value));
        }
    }
}
