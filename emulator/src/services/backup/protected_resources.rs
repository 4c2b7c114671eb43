//! Protected resources: the resources with a recovery point, each with its latest one.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::not_found;
use super::input::req;
use super::lookup::{state, vault_for};
use super::paging::page;
use super::recovery_points::all_recovery_points;
use super::resources::resource_name;
use super::state::RecoveryPoint;
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::World;

/// The resources with a recovery point, each with its latest one.
pub(super) fn protected(
    world: &World,
    account: &str,
    region: &str,
    vault: Option<&str>,
) -> BTreeMap<String, RecoveryPoint> {
    let mut latest: BTreeMap<String, RecoveryPoint> = BTreeMap::new();
    for rp in all_recovery_points(world, account, region) {
        if vault.is_some_and(|v| v != rp.vault_name) {
            continue;
        }
        let newer = latest
            .get(&rp.resource_arn)
            .is_none_or(|cur| rp.creation_date >= cur.creation_date);
        if newer {
            latest.insert(rp.resource_arn.clone(), rp.clone());
        }
    }
    latest
}

pub(super) fn protected_json(rp: &RecoveryPoint) -> Value {
    json!({
        "ResourceArn": rp.resource_arn,
        "ResourceType": rp.resource_type,
        "ResourceName": resource_name(&rp.resource_arn),
        "LastBackupTime": rp.creation_date,
        "LastBackupVaultArn": rp.vault_arn,
        "LastRecoveryPointArn": rp.arn,
    })
}

pub fn list_protected_resources(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    vault: Option<String>,
) -> ApiResult<Value> {
    if let Some(name) = &vault {
        vault_for(ctx, world, name)?;
    } else {
        authorize(ctx, world, None, None)?;
    }
    let items = protected(world, &ctx.caller.account, &ctx.region, vault.as_deref())
        .values()
        .map(protected_json)
        .collect();
    page(input, items, "Results")
}

pub fn describe_protected_resource(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let arn = req(input, "ResourceArn")?;
    authorize(ctx, world, Some(arn.to_owned()), None)?;
    let all = protected(world, &ctx.caller.account, &ctx.region, None);
    // Text inferred.
    let rp = all
        .get(arn)
        .ok_or_else(|| not_found(format!("Resource {arn} is not protected by AWS Backup")))?;
    let restores = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.restore_jobs
                .values()
                .filter(|j| j.source_resource_arn == arn)
                .max_by(|a, b| a.creation_date.total_cmp(&b.creation_date))
                .cloned()
        })
        .unwrap_or_default();
    let mut out = protected_json(rp);
    if let Some(r) = restores {
        out["LatestRestoreJobCreationDate"] = json!(r.creation_date);
        out["LatestRestoreRecoveryPointCreationDate"] = json!(r.recovery_point_creation_date);
        out["LatestRestoreExecutionTimeMinutes"] = json!(0);
    }
    Ok(out)
}
