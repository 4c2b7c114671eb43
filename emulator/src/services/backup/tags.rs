//! Tagging of Backup resources (vaults, plans, recovery points): TagResource, UntagResource,
//! ListTags.

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{access_denied, not_found};
use super::input::req;
use super::lookup::{state, state_mut};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::world::World;

/// Whether `arn` names a taggable Backup resource of the caller (vault, plan, recovery point).
fn taggable_exists(ctx: &RequestContext, world: &World, arn: &str) -> ApiResult<()> {
    let Some(st) = state(world, &ctx.caller.account, &ctx.region) else {
        return Err(if is_recovery_point_arn(arn) {
            super::errors::tagged_recovery_point_not_found()
        } else {
            access_denied()
        });
    };
    if let Some((_, _, name)) = super::lookup::parse_vault_arn(arn) {
        return st.vaults.get(&name).map(|_| ()).ok_or_else(access_denied);
    }
    let known = st.plans.values().any(|p| p.arn == arn)
        || st.legal_holds.values().any(|h| h.arn == arn)
        || st.audit.frameworks.values().any(|f| f.arn == arn)
        || st.audit.report_plans.values().any(|r| r.arn == arn)
        || st.tiering.configurations.values().any(|t| t.arn == arn)
        || st
            .scheduled
            .restore_testing
            .plans
            .values()
            .any(|p| p.arn == arn)
        || st
            .vaults
            .values()
            .any(|v| v.recovery_points.contains_key(arn));
    if known {
        Ok(())
    } else if is_recovery_point_arn(arn) {
        Err(super::errors::tagged_recovery_point_not_found())
    } else {
        // Text inferred.
        Err(not_found(format!("Resource not found: {arn}")))
    }
}

/// Whether `arn` names a recovery point: Backup's own (`…:recovery-point:…`) or another
/// service's (a snapshot, an image), the only foreign ARNs the tagging operations take
/// (ListTags documentation).
fn is_recovery_point_arn(arn: &str) -> bool {
    match arn.split(':').nth(2) {
        Some("backup") => arn.contains(":recovery-point:"),
        Some(service) => !service.is_empty(),
        None => false,
    }
}

pub fn tag(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let arn = req(input, "ResourceArn")?.to_owned();
    authorize(ctx, world, Some(arn.clone()), None)?;
    taggable_exists(ctx, world, &arn)?;
    let tags = tags_from(&input["Tags"]);
    super::tags::check_tag_policy(world, &ctx.caller.account, &arn, &tags)?;
    state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .tags
        .entry(arn)
        .or_default()
        .extend(tags);
    Ok(Value::Null)
}

pub fn untag(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let arn = req(input, "ResourceArn")?.to_owned();
    authorize(ctx, world, Some(arn.clone()), None)?;
    taggable_exists(ctx, world, &arn)?;
    let keys: Vec<String> = input["TagKeyList"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(tags) = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .tags
        .get_mut(&arn)
    {
        for k in keys {
            tags.remove(&k);
        }
    }
    Ok(Value::Null)
}

pub fn list_tags(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let arn = req(input, "ResourceArn")?.to_owned();
    authorize(ctx, world, Some(arn.clone()), None)?;
    taggable_exists(ctx, world, &arn)?;
    let tags = state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.tags.get(&arn).cloned())
        .unwrap_or_default();
    Ok(json!({"Tags": tags}))
}

/// Tags a request sets on a vault or recovery point must satisfy the account's effective
/// tag policy where it is enforced for that resource type. The exception AWS Backup uses is
/// not documented; InvalidParameterValueException is inferred.
pub(crate) fn check_tag_policy(
    world: &World,
    account: &str,
    resource_arn: &str,
    tags: &std::collections::BTreeMap<String, String>,
) -> ApiResult<()> {
    let resource_type = if resource_arn.contains(":recovery-point:") {
        "backup:recovery-point"
    } else {
        "backup:backup-vault"
    };
    let pairs: Vec<(String, String)> = tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    crate::services::organizations::tag_policy::check_tags(world, account, resource_type, &pairs)
        .map_err(|message| ApiError::new("InvalidParameterValueException", message))
}

pub(crate) fn tags_from(value: &Value) -> std::collections::BTreeMap<String, String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}
