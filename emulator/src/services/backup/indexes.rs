//! Composite recovery points (a child leaving its parent) and backup indexes: an index of
//! an EBS snapshot or S3 recovery point is PENDING, then ACTIVE on keyhole's clock (after the
//! job duration); disabling it shows DELETING for as long, then it is gone.

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{access_denied, invalid_request, not_found};
use super::input::req;
use super::lookup::{state, state_mut, vault_for};
use super::paging::page;
use super::state::indexes::BackupIndex;
use super::state::RecoveryPoint;
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

/// The types AWS Backup indexes (and searches).
pub const INDEXABLE_TYPES: &[&str] = &["EBS", "S3"];

/// The index status at `now`; `None` once a disabled index is gone.
pub fn index_status(index: &BackupIndex, now: f64) -> Option<&'static str> {
    match index.delete_at {
        Some(at) if now >= at => None,
        Some(_) => Some("DELETING"),
        None if now >= index.complete_at => Some("ACTIVE"),
        None => Some("PENDING"),
    }
}

fn live_index(rp: &RecoveryPoint, now: f64) -> Option<(&BackupIndex, &'static str)> {
    let index = rp.index.as_ref()?;
    index_status(index, now).map(|status| (index, status))
}

/// The caller's recovery point `RecoveryPointArn` in `BackupVaultName`, authorized on the
/// vault.
fn recovery_point<'w>(
    ctx: &RequestContext,
    world: &'w World,
    input: &Value,
) -> ApiResult<&'w RecoveryPoint> {
    let vault = vault_for(ctx, world, req(input, "BackupVaultName")?)?;
    let arn = req(input, "RecoveryPointArn")?;
    vault
        .recovery_points
        .get(arn)
        .ok_or_else(super::errors::recovery_point_not_found)
}

fn recovery_point_mut<'w>(
    ctx: &RequestContext,
    world: &'w mut World,
    input: &Value,
) -> ApiResult<&'w mut RecoveryPoint> {
    let name = req(input, "BackupVaultName")?;
    let arn = req(input, "RecoveryPointArn")?;
    state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .vaults
        .get_mut(name)
        .ok_or_else(access_denied)?
        .recovery_points
        .get_mut(arn)
        .ok_or_else(super::errors::recovery_point_not_found)
}

// ---- composite recovery points ----

pub fn disassociate_from_parent(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let rp = recovery_point(ctx, world, input)?;
    if rp.parent_recovery_point_arn.is_none() {
        // Text inferred.
        return Err(invalid_request(format!(
            "Recovery point {} is not associated with a parent recovery point",
            rp.arn
        )));
    }
    recovery_point_mut(ctx, world, input)?.parent_recovery_point_arn = None;
    Ok(Value::Null)
}

// ---- backup indexes ----

pub fn get_index_details(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let rp = recovery_point(ctx, world, input)?;
    let Some((index, status)) = live_index(rp, ctx.now) else {
        // Text inferred.
        return Err(not_found(format!(
            "Backup index not found for recovery point {}",
            rp.arn
        )));
    };
    Ok(json!({
        "RecoveryPointArn": rp.arn,
        "BackupVaultArn": rp.vault_arn,
        "SourceResourceArn": rp.resource_arn,
        "IndexCreationDate": index.creation_date,
        "IndexCompletionDate": (status != "PENDING").then_some(index.complete_at),
        "IndexDeletionDate": index.deletion_date,
        "IndexStatus": status,
    }))
}

pub fn update_index_settings(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let enable = match req(input, "Index")? {
        "ENABLED" => true,
        "DISABLED" => false,
        // The model's enum check answers first; this guards direct calls.
        other => {
            return Err(super::errors::invalid_parameter(format!(
                "Invalid Index: {other}"
            )))
        }
    };
    let rp = recovery_point(ctx, world, input)?;
    if !INDEXABLE_TYPES.contains(&rp.resource_type.as_str()) {
        // Text inferred: AWS documents that only EBS snapshots and S3 backups are indexed.
        return Err(invalid_request(format!(
            "Backup indexes are supported only for EBS and S3 recovery points, not {}",
            rp.resource_type
        )));
    }
    let role = member(input, "IamRoleArn").map(str::to_owned);
    if enable && role.is_none() {
        // Required for ENABLED per AWS's documentation; text inferred.
        return Err(ApiError::new(
            "MissingParameterValueException",
            "Missing required parameter IamRoleArn",
        ));
    }
    let current = live_index(rp, ctx.now).map(|(_, status)| status);
    let (now, wait) = (ctx.now, world.backup.settings.job_duration_seconds);
    let rp = recovery_point_mut(ctx, world, input)?;
    let status = match (enable, current) {
        // Already indexed or being indexed: nothing to do.
        (true, Some(status @ ("PENDING" | "ACTIVE"))) => status,
        (true, _) => {
            rp.index = Some(BackupIndex {
                creation_date: now,
                complete_at: now + wait,
                iam_role_arn: role,
                ..BackupIndex::default()
            });
            // As AWS answers; ACTIVE after the job duration.
            "PENDING"
        }
        (false, None) => {
            // Text inferred.
            return Err(invalid_request(format!(
                "Recovery point {} does not have a backup index",
                rp.arn
            )));
        }
        (false, Some("DELETING")) => "DELETING",
        (false, Some(_)) => {
            if let Some(index) = rp.index.as_mut() {
                index.deletion_date = Some(now);
                index.delete_at = Some(now + wait);
            }
            "DELETING"
        }
    };
    Ok(json!({
        "BackupVaultName": rp.vault_name,
        "RecoveryPointArn": rp.arn,
        "IndexStatus": status,
        "Index": if enable { "ENABLED" } else { "DISABLED" },
    }))
}

pub fn list_indexed(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let num = |k: &str| input.get(k).and_then(Value::as_f64);
    let mut rps: Vec<(&RecoveryPoint, &BackupIndex, &str)> =
        state(world, &ctx.caller.account, &ctx.region)
            .into_iter()
            .flat_map(|st| st.vaults.values())
            .flat_map(|v| v.recovery_points.values())
            .filter_map(|rp| live_index(rp, ctx.now).map(|(i, status)| (rp, i, status)))
            .filter(|(rp, _, status)| {
                member(input, "SourceResourceArn").is_none_or(|v| v == rp.resource_arn)
                    && member(input, "ResourceType").is_none_or(|v| v == rp.resource_type)
                    && member(input, "IndexStatus").is_none_or(|v| v == *status)
                    && num("CreatedAfter").is_none_or(|t| rp.creation_date >= t)
                    && num("CreatedBefore").is_none_or(|t| rp.creation_date <= t)
            })
            .collect();
    rps.sort_by(|a, b| {
        b.0.creation_date
            .total_cmp(&a.0.creation_date)
            .then_with(|| a.0.arn.cmp(&b.0.arn))
    });
    let items = rps
        .into_iter()
        .map(|(rp, index, status)| {
            json!({
                "RecoveryPointArn": rp.arn,
                "SourceResourceArn": rp.resource_arn,
                "IamRoleArn": index.iam_role_arn,
                "BackupCreationDate": rp.creation_date,
                "ResourceType": rp.resource_type,
                "IndexCreationDate": index.creation_date,
                "IndexStatus": status,
                "BackupVaultArn": rp.vault_arn,
            })
        })
        .collect();
    page(input, items, "IndexedRecoveryPoints")
}
