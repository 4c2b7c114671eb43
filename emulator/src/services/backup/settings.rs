//! Backup account settings: global settings (organization-level) and Region settings
//! (resource-type opt-in and management preferences).

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{invalid_parameter, invalid_request};
use super::lookup::{state, state_mut};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::world::World;

const GLOBAL_SETTING_NAMES: &[&str] = &[
    "isCrossAccountBackupEnabled",
    "isMpaEnabled",
    "isDelegatedAdministratorEnabled",
];

fn not_in_organization() -> ApiError {
    // AWS answers without an error type; clients show the body's Code (errors.md §2, B3).
    ApiError::new(
        "ERROR_9601",
        "Your account is not a member of an organization.",
    )
    .field("Code", "ERROR_9601")
}

/// The organization's global settings as the management account set them.
pub fn global_setting(world: &World, account: &str, name: &str) -> Option<String> {
    let org = crate::services::organizations::directory::org_context(world, account)?;
    let value = world
        .backup
        .global_settings
        .get(&org.management_account)
        .and_then(|g| g.values.get(name).cloned());
    Some(value.unwrap_or_else(|| "false".to_owned()))
}

pub fn describe_global_settings(ctx: &RequestContext, world: &mut World) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let org = crate::services::organizations::directory::org_context(world, &ctx.caller.account)
        .ok_or_else(not_in_organization)?;
    let stored = world.backup.global_settings.get(&org.management_account);
    let values: serde_json::Map<String, Value> = GLOBAL_SETTING_NAMES
        .iter()
        .map(|n| {
            let v = stored
                .and_then(|g| g.values.get(*n).cloned())
                .unwrap_or_else(|| "false".to_owned());
            ((*n).to_owned(), Value::String(v))
        })
        .collect();
    Ok(json!({
        "GlobalSettings": values,
        "LastUpdateTime": stored.and_then(|g| g.last_update_time),
    }))
}

pub fn update_global_settings(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let org = crate::services::organizations::directory::org_context(world, &ctx.caller.account)
        .ok_or_else(not_in_organization)?;
    if org.management_account != ctx.caller.account {
        // Text inferred: AWS documents only that a member account gets an error.
        return Err(invalid_request(
            "Only the management account of the organization can update global settings.",
        ));
    }
    let mut updates = Vec::new();
    if let Some(map) = input["GlobalSettings"].as_object() {
        for (k, v) in map {
            let v = v.as_str().unwrap_or_default();
            if !GLOBAL_SETTING_NAMES.contains(&k.as_str()) || !matches!(v, "true" | "false") {
                // Text inferred.
                return Err(invalid_parameter(format!(
                    "Invalid global setting {k}: {v}"
                )));
            }
            updates.push((k.clone(), v.to_owned()));
        }
    }
    let entry = world
        .backup
        .global_settings
        .entry(org.management_account)
        .or_default();
    entry.values.extend(updates);
    entry.last_update_time = Some(ctx.now);
    Ok(Value::Null)
}

pub fn describe_region_settings(ctx: &RequestContext, world: &mut World) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let settings = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| st.region_settings.clone())
        .unwrap_or_default();
    let opt_in: serde_json::Map<String, Value> = super::resources::SUPPORTED_TYPES
        .iter()
        .map(|t| {
            let v = settings.opt_in.get(*t).copied().unwrap_or(true);
            ((*t).to_owned(), Value::Bool(v))
        })
        .collect();
    Ok(json!({
        "ResourceTypeOptInPreference": opt_in,
        "ResourceTypeManagementPreference": settings.management,
    }))
}

pub fn update_region_settings(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let read = |key: &str, allowed: &[&str]| -> ApiResult<Vec<(String, bool)>> {
        let mut out = Vec::new();
        for (k, v) in input[key].as_object().into_iter().flatten() {
            if !allowed.contains(&k.as_str()) {
                // Text inferred.
                return Err(invalid_parameter(format!("Unsupported resource type: {k}")));
            }
            out.push((k.clone(), v.as_bool().unwrap_or(false)));
        }
        Ok(out)
    };
    let opt_in = read(
        "ResourceTypeOptInPreference",
        super::resources::SUPPORTED_TYPES,
    )?;
    let management = read("ResourceTypeManagementPreference", &["DynamoDB", "EFS"])?;
    let settings = &mut state_mut(world, &ctx.caller.account, &ctx.region, ctx.now).region_settings;
    settings.opt_in.extend(opt_in);
    settings.management.extend(management);
    Ok(Value::Null)
}
