//! IAM's request members (validation has already enforced `required`) and its empty answer.

use serde_json::{Map, Value};

/// A string member of the input (validation already enforced `required`).
pub fn text<'a>(input: &'a Value, member: &str) -> &'a str {
    input[member].as_str().unwrap_or_default()
}

pub fn opt_text<'a>(input: &'a Value, member: &str) -> Option<&'a str> {
    input[member].as_str()
}

pub fn empty() -> Value {
    Value::Object(Map::new())
}
