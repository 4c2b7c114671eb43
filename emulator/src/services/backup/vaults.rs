//! Vaults and their sub-resources: access policy, notifications and lock.

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{access_denied, invalid_parameter, invalid_request, not_found};
use super::input::req;
use super::lookup::{find_vault, state, state_mut, vault_arn, vault_for};
use super::paging::page;
use super::roles::ensure_service_linked_role;
use super::state::{Lifecycle, Notifications, Vault, VaultLock, VaultState};
use super::tags::tags_from;
use crate::policy::{validate, PolicyType};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::services::kms::integration::{ensure_aws_managed_key, resolve_key_arn};
use crate::world::World;

/// Creates a vault (Backup also creates its service-linked role on first use).
pub(crate) fn insert_vault(
    world: &mut World,
    account: &str,
    region: &str,
    name: &str,
    key: Option<&str>,
    creator_request_id: Option<String>,
    now: f64,
) -> ApiResult<Vault> {
    let (encryption_key_arn, aws_managed_key) = match key {
        Some(key) => (
            resolve_key_arn(world, account, region, key).ok_or_else(|| {
                // Text inferred.
                invalid_parameter(format!("Invalid EncryptionKeyArn: {key}"))
            })?,
            false,
        ),
        None => (
            ensure_aws_managed_key(world, account, region, "backup", now),
            true,
        ),
    };
    ensure_service_linked_role(world, account, region, now);
    let vault = Vault {
        name: name.to_owned(),
        arn: vault_arn(region, account, name),
        creation_date: now,
        creator_request_id,
        encryption_key_arn,
        aws_managed_key,
        ..Vault::default()
    };
    state_mut(world, account, region, now)
        .vaults
        .insert(name.to_owned(), vault.clone());
    Ok(vault)
}

/// AWS creates the `Default` vault (under `aws/backup`) the first time it is needed.
pub(crate) fn ensure_default_vault(world: &mut World, account: &str, region: &str, now: f64) {
    if find_vault(world, account, region, "Default").is_none() {
        let _ = insert_vault(world, account, region, "Default", None, None, now);
    }
}

pub fn create(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let (account, region) = (ctx.caller.account.clone(), ctx.region.clone());
    let arn = vault_arn(&region, &account, &name);
    let tags = tags_from(&input["BackupVaultTags"]);
    let tag_context = tags
        .iter()
        .map(|(k, v)| (format!("aws:RequestTag/{k}"), json!(v)))
        .chain(std::iter::once((
            "aws:TagKeys".to_owned(),
            json!(tags.keys().collect::<Vec<_>>()),
        )))
        .collect();
    super::authorize::authorize_with(ctx, world, Some(arn.clone()), None, tag_context)?;
    super::tags::check_tag_policy(world, &account, &arn, &tags)?;
    if find_vault(world, &account, &region, &name).is_some() {
        return Err(ApiError::new(
            "AlreadyExistsException",
            format!("A Backup vault with the name {name} already exists"),
        )
        .field("Code", "ERROR_1101")
        .field("Context", name.as_str()));
    }
    let vault = insert_vault(
        world,
        &account,
        &region,
        &name,
        member(input, "EncryptionKeyArn"),
        member(input, "CreatorRequestId").map(str::to_owned),
        ctx.now,
    )?;
    if !tags.is_empty() {
        state_mut(world, &account, &region, ctx.now)
            .tags
            .insert(arn, tags);
    }
    Ok(json!({
        "BackupVaultName": vault.name,
        "BackupVaultArn": vault.arn,
        "CreationDate": vault.creation_date,
    }))
}

fn vault_json(vault: &Vault, now: f64) -> Value {
    let lock = vault.lock.as_ref();
    let mut out = json!({
        "BackupVaultName": vault.name,
        "BackupVaultArn": vault.arn,
        "VaultType": "BACKUP_VAULT",
        "VaultState": VaultState::Available,
        "EncryptionKeyArn": vault.encryption_key_arn,
        "EncryptionKeyType": if vault.aws_managed_key { Value::Null } else { json!("CUSTOMER_MANAGED_KMS_KEY") },
        "CreationDate": vault.creation_date,
        "CreatorRequestId": vault.creator_request_id,
        "NumberOfRecoveryPoints": vault.recovery_points.len(),
        "Locked": lock.is_some(),
        "MinRetentionDays": lock.and_then(|l| l.min_retention_days),
        "MaxRetentionDays": lock.and_then(|l| l.max_retention_days),
        "LockDate": lock.and_then(|l| l.lock_date),
    });
    super::airgap::annotate(&mut out, vault, now);
    out
}

pub fn describe(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?;
    let account = member(input, "BackupVaultAccountId").unwrap_or(&ctx.caller.account);
    let vault = find_vault(world, account, &ctx.region, name).ok_or_else(access_denied)?;
    crate::authz::authorize(
        ctx,
        world,
        &crate::authz::Access {
            action: ctx.action(),
            resource: Some(vault.arn.clone()),
            resource_account: Some(account.to_owned()),
            resource_policy: vault
                .access_policy
                .clone()
                .map(|p| (crate::authz::ResourcePolicyKind::BackupVaultAccessPolicy, p)),
            ..Default::default()
        },
    )?;
    Ok(vault_json(vault, ctx.now))
}

pub fn list(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    // Vaults shared with the caller come through AWS RAM, which keyhole does not emulate.
    if input.get("ByShared").and_then(Value::as_bool) == Some(true) {
        return page(input, Vec::new(), "BackupVaultList");
    }
    let by_type = member(input, "ByVaultType");
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.vaults
                .values()
                .filter(|v| by_type.is_none_or(|t| t == super::airgap::vault_type(v)))
                .map(|v| vault_json(v, ctx.now))
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "BackupVaultList")
}

pub fn delete(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let vault = vault_for(ctx, world, &name)?;
    if !vault.recovery_points.is_empty() {
        return Err(invalid_request(
            "Backup vault cannot be deleted because it contains recovery points.",
        )
        .field("Code", "ERROR_9101")
        .field("Context", name.as_str()));
    }
    let arn = vault.arn.clone();
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    st.vaults.remove(&name);
    st.tags.remove(&arn);
    Ok(Value::Null)
}

fn with_vault<T>(
    ctx: &RequestContext,
    world: &mut World,
    name: &str,
    change: impl FnOnce(&mut Vault) -> ApiResult<T>,
) -> ApiResult<T> {
    vault_for(ctx, world, name)?;
    let vault = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .vaults
        .get_mut(name)
        .ok_or_else(access_denied)?;
    change(vault)
}

pub fn put_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let text = member(input, "Policy").unwrap_or_default().to_owned();
    validate(&text, PolicyType::BackupVault).map_err(|e| ApiError::new(e.code, e.message))?;
    with_vault(ctx, world, &name, |v| {
        v.access_policy = Some(text);
        Ok(Value::Null)
    })
}

pub fn get_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?;
    let vault = vault_for(ctx, world, name)?;
    let Some(policy) = &vault.access_policy else {
        return Err(not_found(format!(
            "Backup Vault {} has no associated POLICY",
            vault.arn
        )));
    };
    Ok(json!({
        "BackupVaultName": vault.name,
        "BackupVaultArn": vault.arn,
        "Policy": policy,
    }))
}

pub fn delete_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    with_vault(ctx, world, &name, |v| {
        v.access_policy = None;
        Ok(Value::Null)
    })
}

pub fn put_notifications(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let topic = req(input, "SNSTopicArn")?.to_owned();
    let events: Vec<String> = input["BackupVaultEvents"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    with_vault(ctx, world, &name, |v| {
        v.notifications = Some(Notifications {
            sns_topic_arn: topic,
            events,
        });
        Ok(Value::Null)
    })
}

pub fn get_notifications(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?;
    let vault = vault_for(ctx, world, name)?;
    let Some(n) = &vault.notifications else {
        return Err(
            not_found("Failed reading notifications from database for Backup vault")
                .field("Code", "ERROR_2106")
                .field("Context", vault.name.as_str()),
        );
    };
    Ok(json!({
        "BackupVaultName": vault.name,
        "BackupVaultArn": vault.arn,
        "SNSTopicArn": n.sns_topic_arn,
        "BackupVaultEvents": n.events,
    }))
}

pub fn delete_notifications(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    with_vault(ctx, world, &name, |v| {
        v.notifications = None;
        Ok(Value::Null)
    })
}

pub fn put_lock(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let min = input.get("MinRetentionDays").and_then(Value::as_i64);
    let max = input.get("MaxRetentionDays").and_then(Value::as_i64);
    let changeable = input.get("ChangeableForDays").and_then(Value::as_i64);
    // Texts inferred: AWS documents the limits, not the words. The API reference
    // (PutBackupVaultLockConfiguration) gives "The shortest minimum retention period you can
    // specify is 1 day", "The longest maximum retention period you can specify is 36500
    // days" and a ChangeableForDays of 3 to 36,500; InvalidParameterValueException is the
    // model's error for "the value is out of range".
    if min.is_some_and(|d| d < 1) {
        return Err(invalid_parameter(
            "MinRetentionDays must be greater than or equal to 1",
        ));
    }
    if max.is_some_and(|d| d > 36_500) {
        return Err(invalid_parameter(
            "MaxRetentionDays must be less than or equal to 36500",
        ));
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            return Err(invalid_parameter(
                "MinRetentionDays must be less than or equal to MaxRetentionDays",
            ));
        }
    }
    if changeable.is_some_and(|d| d < 3) {
        return Err(invalid_parameter(
            "ChangeableForDays must be greater than or equal to 3",
        ));
    }
    if changeable.is_some_and(|d| d > 36_500) {
        return Err(invalid_parameter(
            "ChangeableForDays must be less than or equal to 36500",
        ));
    }
    let now = ctx.now;
    with_vault(ctx, world, &name, |v| {
        if v.lock
            .as_ref()
            .and_then(|l| l.lock_date)
            .is_some_and(|d| d <= now)
        {
            return Err(invalid_request(
                "Backup vault lock configuration cannot be changed after the lock date",
            ));
        }
        v.lock = Some(VaultLock {
            min_retention_days: min,
            max_retention_days: max,
            lock_date: changeable.map(|d| now + d as f64 * 86_400.0),
        });
        Ok(Value::Null)
    })
}

pub fn delete_lock(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let now = ctx.now;
    with_vault(ctx, world, &name, |v| {
        if v.lock
            .as_ref()
            .and_then(|l| l.lock_date)
            .is_some_and(|d| d <= now)
        {
            // Text inferred.
            return Err(invalid_request(
                "Backup vault lock configuration cannot be deleted after the lock date",
            ));
        }
        v.lock = None;
        Ok(Value::Null)
    })
}

/// Whether a lifecycle fits a vault lock's retention range.
pub fn retention_ok(lock: &Option<VaultLock>, lifecycle: &Option<Lifecycle>) -> bool {
    let Some(lock) = lock else {
        return true;
    };
    let days = lifecycle.as_ref().and_then(|l| l.delete_after_days);
    match days {
        // Kept forever: only a vault without a maximum accepts it.
        None => lock.max_retention_days.is_none(),
        Some(d) => {
            lock.min_retention_days.is_none_or(|min| d >= min)
                && lock.max_retention_days.is_none_or(|max| d <= max)
        }
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn retention_respects_the_lock() {
        let lock = Some(VaultLock {
            min_retention_days: Some(7),
            max_retention_days: Some(30),
            lock_date: None,
        });
        let days = |d| {
            Some(Lifecycle {
                delete_after_days: Some(d),
                ..Lifecycle::default()
            })
        };
        assert!(retention_ok(&lock, &days(7)));
        assert!(retention_ok(&lock, &days(30)));
        assert!(!retention_ok(&lock, &days(6)));
        assert!(!retention_ok(&lock, &days(31)));
        assert!(!retention_ok(&lock, &None));
        assert!(retention_ok(&None, &None));
    }
}
