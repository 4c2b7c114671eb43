//! Key tags: KMS's tag rules, tag policies, the request-tag condition keys, and
//! TagResource, UntagResource, ListResourceTags.

use serde_json::{json, Value};

use super::authorize::authorize_key;
use super::errors::modeled_error;
use super::key_states::{require_customer_managed, require_not_pending_deletion};
use super::lookup::{key, key_mut, target};
use super::paging::paginate;
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

pub(super) const MAX_TAGS: usize = 50;

pub(super) fn tags_of(input: &Value) -> Vec<(String, String)> {
    input
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| {
                    (
                        t["TagKey"].as_str().unwrap_or_default().to_owned(),
                        t["TagValue"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn tag_exception(message: &str) -> ApiError {
    modeled_error("TagException", message)
}

/// KMS's tag rules; `existing` are the key's tags before the request.
pub(super) fn check_tags(new: &[(String, String)], existing: &[(String, String)]) -> ApiResult<()> {
    if new.iter().any(|(k, _)| k.starts_with("aws:")) {
        return Err(tag_exception("Tags beginning with aws: are reserved"));
    }
    for (i, (k, _)) in new.iter().enumerate() {
        if new[..i].iter().any(|(other, _)| other == k) {
            return Err(tag_exception("Duplicate tag keys"));
        }
    }
    let added = new
        .iter()
        .filter(|(k, _)| !existing.iter().any(|(e, _)| e == k))
        .count();
    if existing.len() + added > MAX_TAGS {
        return Err(tag_exception("Too many tags"));
    }
    Ok(())
}

/// Enforced tag policies ("Enforcing tag policies"): a value the account's effective
/// TAG_POLICY does not allow for `kms:key`. KMS's code for it is inferred: TagException is
/// KMS's only modeled tag error; the message is Organizations' documented text.
pub(super) fn check_tag_policy(
    world: &World,
    account: &str,
    tags: &[(String, String)],
) -> ApiResult<()> {
    crate::services::organizations::tag_policy::check_tags(world, account, "kms:key", tags)
        .map_err(|message| tag_exception(&message))
}

pub(super) fn request_tag_context(tags: &[(String, String)]) -> Vec<(String, Value)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(String, Value)> = tags
        .iter()
        .map(|(k, v)| (format!("aws:RequestTag/{k}"), json!(v)))
        .collect();
    let keys: Vec<&String> = tags.iter().map(|(k, _)| k).collect();
    out.push(("aws:TagKeys".to_owned(), json!(keys)));
    out
}

pub fn tag_resource(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let tags = tags_of(op.input.get("Tags").unwrap_or(&Value::Null));
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, request_tag_context(&tags))?;
        require_customer_managed(k)?;
        require_not_pending_deletion(k)?;
        check_tags(&tags, &k.tags)?;
    }
    // The organization's enforced tag policy binds the key's account (issue 6 item 5).
    check_tag_policy(world, &r.account, &tags)?;
    let k = key_mut(world, &r, op.ctx.now)?;
    for (name, value) in tags {
        match k.tags.iter_mut().find(|(n, _)| *n == name) {
            Some(existing) => existing.1 = value,
            None => k.tags.push((name, value)),
        }
    }
    Ok(json!({}))
}

pub fn untag_resource(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let names: Vec<String> = op
        .input
        .get("TagKeys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, vec![("aws:TagKeys".into(), json!(names))])?;
        require_customer_managed(k)?;
        require_not_pending_deletion(k)?;
        if names.iter().any(|n| n.starts_with("aws:")) {
            return Err(tag_exception("Tags beginning with aws: are reserved"));
        }
    }
    key_mut(world, &r, op.ctx.now)?
        .tags
        .retain(|(n, _)| !names.contains(n));
    Ok(json!({}))
}

pub fn list_resource_tags(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    let items = k
        .tags
        .iter()
        .map(|(n, v)| json!({"TagKey": n, "TagValue": v}))
        .collect();
    paginate(items, op, "Tags")
}
