//! Recovery points: describing, listing by vault or resource, deleting, disassociating,
//! their lifecycle and their restore metadata.

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{access_denied, invalid_parameter};
use super::input::req;
use super::jobs::unsupported;
use super::lifecycle::{lifecycle_from, lifecycle_json};
use super::lookup::{state, state_mut, vault_for};
use super::paging::{page, page_map};
use super::resources::resource_name;
use super::state::RecoveryPoint;
use super::vaults::retention_ok;
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

pub(super) fn calculated_lifecycle(rp: &RecoveryPoint) -> Value {
    let Some(l) = &rp.lifecycle else {
        return Value::Null;
    };
    let at = |d: Option<i64>| d.map(|d| rp.creation_date + d as f64 * 86_400.0);
    json!({
        "DeleteAt": at(l.delete_after_days),
        "MoveToColdStorageAt": at(l.move_to_cold_storage_after_days),
    })
}

pub(super) fn recovery_point_json(rp: &RecoveryPoint) -> Value {
    json!({
        "RecoveryPointArn": rp.arn,
        "BackupVaultName": rp.vault_name,
        "BackupVaultArn": rp.vault_arn,
        "SourceBackupVaultArn": rp.source_backup_vault_arn,
        "ResourceArn": rp.resource_arn,
        "ResourceName": resource_name(&rp.resource_arn),
        "ResourceType": rp.resource_type,
        "CreatedBy": rp.created_by,
        "IamRoleArn": rp.iam_role_arn,
        "Status": rp.status,
        "CreationDate": rp.creation_date,
        "InitiationDate": rp.creation_date,
        "CompletionDate": rp.completion_date,
        "BackupSizeInBytes": rp.backup_size_in_bytes,
        "CalculatedLifecycle": calculated_lifecycle(rp),
        "Lifecycle": lifecycle_json(&rp.lifecycle),
        "EncryptionKeyArn": rp.encryption_key_arn,
        "IsEncrypted": true,
        "EncryptionKeyType": if rp.aws_managed_key { Value::Null } else { json!("CUSTOMER_MANAGED_KMS_KEY") },
        "StorageClass": "WARM",
        "LastRestoreTime": rp.last_restore_time,
        "IsParent": false,
        "VaultType": "BACKUP_VAULT",
    })
}

pub(super) fn recovery_point<'w>(
    ctx: &RequestContext,
    world: &'w World,
    input: &Value,
) -> ApiResult<&'w RecoveryPoint> {
    let name = req(input, "BackupVaultName")?;
    let arn = req(input, "RecoveryPointArn")?;
    let vault = vault_for(ctx, world, name)?;
    vault
        .recovery_points
        .get(arn)
        .ok_or_else(super::errors::recovery_point_not_found)
}

pub fn describe_recovery_point(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    Ok(recovery_point_json(recovery_point(ctx, world, input)?))
}

pub fn list_recovery_points_by_vault(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?;
    let vault = vault_for(ctx, world, name)?;
    if let Some(arn) = member(input, "ByResourceArn") {
        if super::resources::type_of_arn(arn).is_none() && !world.backup.resources.contains_key(arn)
        {
            return Err(unsupported(arn));
        }
    }
    page_map(
        input,
        &vault.recovery_points,
        "RecoveryPoints",
        |rp| {
            member(input, "ByResourceArn").is_none_or(|v| v == rp.resource_arn)
                && member(input, "ByResourceType").is_none_or(|v| v == rp.resource_type)
                && input
                    .get("ByCreatedAfter")
                    .and_then(Value::as_f64)
                    .is_none_or(|t| rp.creation_date >= t)
                && input
                    .get("ByCreatedBefore")
                    .and_then(Value::as_f64)
                    .is_none_or(|t| rp.creation_date <= t)
                && member(input, "ByBackupPlanId").is_none_or(|id| {
                    rp.created_by
                        .as_ref()
                        .and_then(|c| c["BackupPlanId"].as_str())
                        == Some(id)
                })
        },
        recovery_point_json,
    )
}

pub(super) fn all_recovery_points<'w>(
    world: &'w World,
    account: &str,
    region: &str,
) -> impl Iterator<Item = &'w RecoveryPoint> {
    state(world, account, region)
        .into_iter()
        .flat_map(|st| st.vaults.values())
        .flat_map(|v| v.recovery_points.values())
}

pub fn list_recovery_points_by_resource(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let arn = req(input, "ResourceArn")?;
    authorize(ctx, world, Some(arn.to_owned()), None)?;
    let items = all_recovery_points(world, &ctx.caller.account, &ctx.region)
        .filter(|rp| rp.resource_arn == arn)
        .map(|rp| {
            json!({
                "RecoveryPointArn": rp.arn,
                "BackupVaultName": rp.vault_name,
                "CreationDate": rp.creation_date,
                "Status": rp.status,
                "EncryptionKeyArn": rp.encryption_key_arn,
                "BackupSizeBytes": rp.backup_size_in_bytes,
                "ResourceName": resource_name(&rp.resource_arn),
                "IsParent": false,
                "VaultType": "BACKUP_VAULT",
            })
        })
        .collect();
    page(input, items, "RecoveryPoints")
}

pub(super) fn remove_recovery_point(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<()> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let arn = req(input, "RecoveryPointArn")?.to_owned();
    let rp = recovery_point(ctx, world, input)?;
    if let Some(hold) = super::legal_holds::holding(world, &ctx.caller.account, &ctx.region, rp) {
        // Text inferred.
        return Err(ApiError::new(
            "InvalidResourceStateException",
            format!(
                "Recovery point {arn} cannot be deleted because it is under legal hold {}",
                hold.id
            ),
        ));
    }
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    if let Some(v) = st.vaults.get_mut(&name) {
        if let Some(lock) = &v.lock {
            if lock.lock_date.is_some_and(|d| d <= ctx.now) {
                // Text inferred: a locked vault keeps its recovery points until they expire.
                return Err(super::errors::invalid_request(format!(
                    "Recovery point {arn} cannot be deleted because the Backup vault {name} is locked"
                )));
            }
        }
        v.recovery_points.remove(&arn);
    }
    st.tags.remove(&arn);
    Ok(())
}

pub fn delete_recovery_point(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    remove_recovery_point(ctx, world, input)?;
    Ok(Value::Null)
}

/// Continuous backups are not emulated; a disassociated recovery point leaves Backup's
/// management, which keyhole shows as its removal from the vault.
pub fn disassociate_recovery_point(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    remove_recovery_point(ctx, world, input)?;
    Ok(Value::Null)
}

pub fn update_recovery_point_lifecycle(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let arn = req(input, "RecoveryPointArn")?.to_owned();
    recovery_point(ctx, world, input)?;
    // The texts are AWS's for plan rules (see `lifecycle_problem`); that
    // UpdateRecoveryPointLifecycle answers them without the rule prefix is inferred.
    if let Some(problem) = super::lifecycle::lifecycle_problem(&input["Lifecycle"]) {
        return Err(invalid_parameter(problem));
    }
    let lifecycle = lifecycle_from(&input["Lifecycle"]);
    let vault = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .vaults
        .get_mut(&name)
        .ok_or_else(access_denied)?;
    if !retention_ok(&vault.lock, &lifecycle) {
        // Text inferred.
        return Err(invalid_parameter(
            "The retention specified is not within the range specified for the target Backup Vault.",
        ));
    }
    let vault_arn = vault.arn.clone();
    let rp = vault
        .recovery_points
        .get_mut(&arn)
        .ok_or_else(super::errors::recovery_point_not_found)?;
    rp.lifecycle = lifecycle;
    Ok(json!({
        "BackupVaultArn": vault_arn,
        "RecoveryPointArn": arn,
        "Lifecycle": lifecycle_json(&rp.lifecycle),
        "CalculatedLifecycle": calculated_lifecycle(rp),
    }))
}

pub fn restore_metadata(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let rp = recovery_point(ctx, world, input)?;
    Ok(json!({
        "BackupVaultArn": rp.vault_arn,
        "RecoveryPointArn": rp.arn,
        "ResourceType": rp.resource_type,
        "RestoreMetadata": {
            "ResourceArn": rp.resource_arn,
            "EncryptionKeyArn": rp.encryption_key_arn,
        },
    }))
}
