//! Backup's request members (the model check has run: `req` only guards handler-internal use).

use serde_json::Value;

use crate::protocol::{ApiError, ApiResult};

/// A string member of the input, if present.
pub(crate) fn member<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

/// A required member (the model check runs first; this only guards handler-internal use).
pub(crate) fn req<'a>(input: &'a Value, key: &str) -> ApiResult<&'a str> {
    member(input, key).ok_or_else(|| {
        ApiError::new(
            "MissingParameterValueException",
            format!("Missing required parameter {key}"),
        )
    })
}
