//! KMS's list pages: `Limit` and `Marker`, over a built list (by offset), an ordered map or a
//! list in its own order (by cursor).

use serde_json::{json, Value};

use super::errors::modeled_error;
use crate::protocol::ApiResult;
use crate::services::input::Request;

/// Pages a listing with an opaque numeric marker.
pub(crate) fn paginate(items: Vec<Value>, op: &Request, member: &str) -> ApiResult<Value> {
    let limit = op.i64("Limit").unwrap_or(100).clamp(1, 1000) as usize;
    let start = match op.str("Marker") {
        Some(m) => m
            .parse::<usize>()
            .map_err(|_| modeled_error("InvalidMarkerException", "Invalid marker"))?,
        None => 0,
    };
    let (page, next) = crate::services::paging::slice(items, start, limit);
    let mut out = json!({ member: page, "Truncated": next.is_some() });
    if let Some(next) = next {
        out["NextMarker"] = json!(next.to_string());
    }
    Ok(out)
}

/// A page of an ordered map: `Limit` (default 100, 1 to 1000) entries from the `Marker`
/// cursor on (see [`crate::services::paging`]), shaped as KMS lists are.
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
            crate::services::paging::decode_cursor(m)
                .ok_or_else(|| modeled_error("InvalidMarkerException", "Invalid marker"))?,
        ),
        None => None,
    };
    let page = crate::services::paging::page(map, start.as_deref(), limit, keep);
    let items: Vec<Value> = page.items.into_iter().map(view).collect();
    let mut out = json!({ member: items, "Truncated": page.next.is_some() });
    if let Some(next) = page.next {
        out["NextMarker"] = json!(next);
    }
    Ok(out)
}

/// A page of a list kept in its own order whose entries are found by id (a key's grants,
/// oldest first): `Limit` entries that `keep` accepts, from the one the `Marker` cursor names
/// (the cursor encoding of its id) on. `from(None)` is the whole list and `from(Some(id))` the
/// list from entry `id` on (`None` when there is no such entry), so a page reads only itself,
/// the entries `keep` rejects and the next page's first ([`crate::services::paging::page_of`]).
/// An entry removed before the cursor does not shift the next page, as an offset would; a
/// marker naming no entry `keep` accepts (one removed since) is InvalidMarkerException.
pub(crate) fn paginate_by_id<'a, T: 'a, I: Iterator<Item = &'a T>>(
    op: &Request,
    member: &str,
    from: impl FnOnce(Option<&str>) -> Option<I>,
    id: impl Fn(&'a T) -> &'a str,
    keep: impl Fn(&T) -> bool,
    view: impl Fn(&T) -> Value,
) -> ApiResult<Value> {
    let limit = op.i64("Limit").unwrap_or(100).clamp(1, 1000) as usize;
    let invalid = || modeled_error("InvalidMarkerException", "Invalid marker");
    let start = match op.str("Marker") {
        Some(m) => Some(crate::services::paging::decode_cursor(m).ok_or_else(invalid)?),
        None => None,
    };
    let mut entries = from(start.as_deref()).ok_or_else(invalid)?.peekable();
    if start.is_some() && !entries.peek().is_some_and(|e| keep(e)) {
        return Err(invalid());
    }
    let page = crate::services::paging::page_of(entries.map(|e| (id(e), e)), limit, keep);
    let items: Vec<Value> = page.items.into_iter().map(view).collect();
    let mut out = json!({ member: items, "Truncated": page.next.is_some() });
    if let Some(next) = page.next {
        out["NextMarker"] = json!(next);
    }
    Ok(out)
}
