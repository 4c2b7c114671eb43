//! Tags on IAM entities: read from the request, shown, merged and removed as IAM does
//! (keys compare without case; at most 50 per entity).

use serde_json::{json, Value};

use super::errors::{invalid_input, limit_exceeded};
use super::paging::list_output;
use crate::protocol::ApiResult;
use crate::world::iam::state::Tag;

/// `aws:RequestTag/k` and `aws:TagKeys` for a request that carries tags.
pub fn tag_context(tags: &[Tag]) -> Vec<(String, Value)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut context: Vec<(String, Value)> = tags
        .iter()
        .map(|t| (format!("aws:RequestTag/{}", t.key), json!(t.value)))
        .collect();
    context.push((
        "aws:TagKeys".into(),
        Value::Array(tags.iter().map(|t| json!(t.key)).collect()),
    ));
    context
}

pub fn tags_from(input: &Value, member: &str) -> Vec<Tag> {
    input[member]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|t| Tag {
                    key: t["Key"].as_str().unwrap_or_default().to_owned(),
                    value: t["Value"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn tag_json(tag: &Tag) -> Value {
    json!({"Key": tag.key, "Value": tag.value})
}

pub fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(tags.iter().map(tag_json).collect())
}

/// ListUserTags, ListRoleTags and ListPolicyTags: one page of the entity's tags.
pub fn list_tags_output(tags: &[Tag], input: &Value) -> ApiResult<Value> {
    list_output("Tags", tags.iter().map(tag_json).collect(), input)
}

/// At most 50 tags per entity (IAM quota).
pub const MAX_TAGS: usize = 50;

/// Adds or overwrites tags (keys compare without case, as IAM does).
pub fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) -> ApiResult<()> {
    let mut merged = existing.clone();
    for tag in new {
        match merged
            .iter_mut()
            .find(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            Some(old) => *old = tag,
            None => merged.push(tag),
        }
    }
    if merged.len() > MAX_TAGS {
        // Text inferred (moto).
        return Err(limit_exceeded(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50.",
        ));
    }
    *existing = merged;
    Ok(())
}

pub fn remove_tags(existing: &mut Vec<Tag>, input: &Value) {
    let keys: Vec<&str> = input["TagKeys"]
        .as_array()
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    existing.retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
}

/// Checks that a new tag list has no duplicate keys; AWS rejects duplicates in one request.
pub fn check_duplicate_tags(tags: &[Tag]) -> ApiResult<()> {
    for (i, tag) in tags.iter().enumerate() {
        if tags[..i]
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            // Text inferred (moto).
            return Err(invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}
