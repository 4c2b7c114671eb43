//! Backup's pages: `MaxResults` (1000 by default) and `NextToken`, by cursor over an ordered
//! map or by offset over a built list.

use serde_json::{Map, Value};

use super::errors::invalid_parameter;
use crate::protocol::ApiResult;
use crate::services::input::member;

/// A page of an ordered map from the `NextToken` cursor on (see
/// [`crate::services::cursor`]): `MaxResults` (default 1000) entries that `keep` accepts.
pub(crate) fn page_map<V>(
    input: &Value,
    map: &std::collections::BTreeMap<String, V>,
    key: &str,
    keep: impl Fn(&V) -> bool,
    view: impl Fn(&V) -> Value,
) -> ApiResult<Value> {
    let start = match member(input, "NextToken") {
        None => None,
        Some(t) => Some(
            crate::services::cursor::decode(t)
                .ok_or_else(|| invalid_parameter(format!("Invalid NextToken: {t}")))?,
        ),
    };
    let max = input
        .get("MaxResults")
        .and_then(Value::as_u64)
        .map(|m| m as usize)
        .unwrap_or(1000)
        .max(1);
    let page = crate::services::cursor::page(map, start.as_deref(), max, keep);
    let mut out = Map::new();
    out.insert(
        key.to_owned(),
        Value::Array(page.items.into_iter().map(view).collect()),
    );
    if let Some(next) = page.next {
        out.insert("NextToken".into(), Value::String(next));
    }
    Ok(Value::Object(out))
}

/// One page of `items` from `NextToken` (an offset keyhole issued) and `MaxResults`.
pub(crate) fn page(input: &Value, items: Vec<Value>, key: &str) -> ApiResult<Value> {
    let start = match member(input, "NextToken") {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| invalid_parameter(format!("Invalid NextToken: {t}")))?,
    };
    let max = input
        .get("MaxResults")
        .and_then(Value::as_u64)
        .map(|m| m as usize)
        .unwrap_or(1000)
        .max(1);
    let (page, next) = crate::services::offset::slice(items, start, max);
    let mut out = Map::new();
    out.insert(key.to_owned(), Value::Array(page));
    if let Some(next) = next {
        out.insert("NextToken".into(), Value::String(next.to_string()));
    }
    Ok(Value::Object(out))
}
