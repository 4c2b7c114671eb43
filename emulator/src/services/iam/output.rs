//! IAM's empty answer (`{}`, which awsQuery renders as the result element alone).

use serde_json::{Map, Value};

pub fn empty() -> Value {
    Value::Object(Map::new())
}
