//! Tags on accounts, OUs, roots and policies: the request's `Tags` checked as
//! Organizations checks them, and applied under its 50-tag limit.

use serde_json::Value;

use super::errors;
use super::state::Organization;
use crate::protocol::ApiResult;
use crate::services::input::Request;

/// The `Tags` member of an input, checked the way Organizations checks tags.
pub(crate) fn input_tags(op: &Request) -> ApiResult<Vec<(String, String)>> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for tag in op
        .input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = tag.get("Key").and_then(Value::as_str).unwrap_or_default();
        let value = tag.get("Value").and_then(Value::as_str).unwrap_or_default();
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(errors::invalid_input(
                "INVALID_SYSTEM_TAGS_PARAMETER",
                "You provided a tag key that starts with the reserved prefix aws:.",
            ));
        }
        if tags.iter().any(|(k, _)| k == key) {
            return Err(errors::invalid_input(
                "DUPLICATE_TAG_KEY",
                "You provided the same tag key more than once.",
            ));
        }
        tags.push((key.to_owned(), value.to_owned()));
    }
    Ok(tags)
}

pub(crate) const MAX_TAGS: usize = 50;

pub(crate) fn apply_tags(
    org: &mut Organization,
    resource: &str,
    tags: &[(String, String)],
) -> ApiResult<()> {
    let mut merged = org.tags.get(resource).cloned().unwrap_or_default();
    for (k, v) in tags {
        merged.insert(k.clone(), v.clone());
    }
    if merged.len() > MAX_TAGS {
        return Err(errors::constraint(
            "MAX_TAG_LIMIT_EXCEEDED",
            "You have exceeded the number of tags allowed on this resource.",
        ));
    }
    if !merged.is_empty() {
        org.tags.insert(resource.to_owned(), merged);
    }
    Ok(())
}
