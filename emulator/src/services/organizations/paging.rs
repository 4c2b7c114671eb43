//! Organizations' pages: `MaxResults` (20 by default) and `NextToken`, an opaque offset
//! token that names Organizations, so another service's token is rejected.

use serde_json::{Map, Value};

use super::errors;
use crate::protocol::ApiResult;
use crate::services::input::Request;

const DEFAULT_PAGE: usize = 20;

fn encode_token(offset: usize) -> String {
    crate::services::paging::encode_tagged("keyhole-orgs", offset)
}

fn decode_token(token: &str) -> Option<usize> {
    crate::services::paging::decode_tagged("keyhole-orgs", token)
}

/// One page of `items` under `key`, with NextToken when more remain.
pub(crate) fn page(op: &Request, items: Vec<Value>, key: &str) -> ApiResult<Map<String, Value>> {
    let start = match op.str("NextToken") {
        None => 0,
        Some(token) => decode_token(token)
            .filter(|offset| *offset <= items.len())
            .ok_or_else(errors::invalid_next_token)?,
    };
    let size = op
        .input
        .get("MaxResults")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_PAGE);
    let (page, next) = crate::services::paging::slice(items, start, size);
    let mut out = Map::new();
    out.insert(key.to_owned(), Value::Array(page));
    if let Some(next) = next {
        out.insert("NextToken".into(), Value::String(encode_token(next)));
    }
    Ok(out)
}
