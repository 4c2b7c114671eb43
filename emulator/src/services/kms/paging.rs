//! KMS's list pages: `Limit` and `Marker`, over a list or an ordered map.

use super::errors::modeled_error;
use crate::services::input::Request;
use serde_json::{json, Value};

use crate::protocol::ApiResult;

/// Pages a listing with an opaque numeric marker.
pub(crate) fn paginate(items: Vec<Value>, op: &Request, member: &str) -> ApiResult<Value> {
    let limit = op.i64("Limit").unwrap_or(100).clamp(1, 1000) as usize;
    let start = match op.str("Marker") {
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| modeled_error("InvalidMarkerException", "Invalid marker"))?,
        None => 0,
    };
    let (page, next) = crate::services::offset::slice(items, start, limit);
    let mut out = json!({ member: page, "Truncated": next.is_some() });
    if let Some(next) = next {
        out["NextMarker"] = json!(next.to_string());
    }
    Ok(out)
}

/// A page of an ordered map: `Limit` (default 100, 1 to 1000) entries from the `Marker`
/// cursor on (see [`crate::services::cursor`]), shaped as KMS lists are.
pub(crate) fn paginate_map<V>(
    map: &std::collections::BTreeMap<String, V>,
    op: &Request,
    member: &str,
    keep: impl Fn(&V) -> bool,
    view: impl Fn(&V) -> Value,
) -> ApiResult<Value> {
    let limit = op.i64("Limit").unwrap_or(100).clamp(1, 1000) as usize;
    let start = match op.str("Marker") {
        Some(m) => Some(
            crate::services::cursor::decode(m)
                .ok_or_else(|| modeled_error("InvalidMarkerException", "Invalid marker"))?,
        ),
        None => None,
    };
    let page = crate::services::cursor::page(map, start.as_deref(), limit, keep);
    let items: Vec<Value> = page.items.into_iter().map(view).collect();
    let mut out = json!({ member: items, "Truncated": page.next.is_some() });
    if let Some(next) = page.next {
        out["NextMarker"] = json!(next);
    }
    Ok(out)
}
