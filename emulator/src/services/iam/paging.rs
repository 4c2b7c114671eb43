//! IAM's lists: `MaxItems` and `Marker` (an opaque offset token), `IsTruncated`, and the
//! `PathPrefix` filter.

use serde_json::{json, Map, Value};

use crate::protocol::{ApiError, ApiResult};

/// One page of a list and the members IAM adds for it (`IsTruncated`, `Marker`).
/// The marker is opaque to clients; keyhole's is the base64 of the next offset.
pub fn paginate(items: Vec<Value>, input: &Value) -> ApiResult<(Vec<Value>, Map<String, Value>)> {
    let max = input["MaxItems"].as_i64().unwrap_or(100).max(1) as usize;
    let start = match input["Marker"].as_str() {
        None => 0,
        Some(marker) => decode_marker(marker)
            // Text inferred (moto).
            .ok_or_else(|| ApiError::new("ValidationError", "Invalid Marker."))?,
    };
    let (page, next) = crate::services::paging::slice(items, start, max);
    let mut extra = Map::new();
    extra.insert("IsTruncated".into(), Value::Bool(next.is_some()));
    if let Some(next) = next {
        extra.insert("Marker".into(), json!(encode_marker(next)));
    }
    Ok((page, extra))
}

fn encode_marker(offset: usize) -> String {
    crate::services::paging::encode_tagged("keyhole", offset)
}

fn decode_marker(marker: &str) -> Option<usize> {
    crate::services::paging::decode_tagged("keyhole", marker)
}

/// A list output: `{member: page, IsTruncated, Marker?}`.
pub fn list_output(member: &str, items: Vec<Value>, input: &Value) -> ApiResult<Value> {
    let (page, mut out) = paginate(items, input)?;
    out.insert(member.to_owned(), Value::Array(page));
    Ok(Value::Object(out))
}

pub fn path_matches(path: &str, input: &Value) -> bool {
    input["PathPrefix"]
        .as_str()
        .is_none_or(|prefix| path.starts_with(prefix))
}
