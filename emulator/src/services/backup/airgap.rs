//! Logically air-gapped (LAG) vaults, restore access backup vaults and Multi-party approval
//! (MPA) teams on LAG vaults. keyhole has no MPA service: a request an approval team must
//! approve is approved on keyhole's clock after the job duration, like a job completes.

use serde_json::{json, Value};

use super::authorize::authorize_with;
use super::errors::{invalid_parameter, invalid_request, not_found};
use super::input::req;
use super::lookup::{find_vault, parse_vault_arn, state_mut, vault_arn, vault_for};
use super::paging::page;
use super::state::airgap::{AirGapInfo, MpaUpdate};
use super::state::{Vault, VaultLock, VaultState};
use super::tags::tags_from;
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

pub const LAG: &str = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT";
pub const RESTORE_ACCESS: &str = "RESTORE_ACCESS_BACKUP_VAULT";

pub fn vault_type(vault: &Vault) -> &str {
    vault.vault_type.as_deref().unwrap_or("BACKUP_VAULT")
}

pub fn vault_state(vault: &Vault, now: f64) -> VaultState {
    match vault.available_at {
        Some(at) if now < at => VaultState::Creating,
        _ => VaultState::Available,
    }
}

/// The approval team in force at `now`.
pub fn mpa_team(vault: &Vault, now: f64) -> Option<String> {
    match &vault.air_gap.latest_mpa_update {
        Some(u) if now >= u.approve_at => u.new_team.clone(),
        _ => vault.air_gap.mpa_approval_team_arn.clone(),
    }
}

/// Adds the vault-kind members to a DescribeBackupVault / ListBackupVaults entry.
pub fn annotate(out: &mut Value, vault: &Vault, now: f64) {
    out["VaultType"] = json!(vault_type(vault));
    out["VaultState"] = json!(vault_state(vault, now));
    if vault.encryption_key_arn.is_empty() {
        out["EncryptionKeyArn"] = Value::Null;
        out["EncryptionKeyType"] = json!("AWS_OWNED_KMS_KEY");
    }
    let info = &vault.air_gap;
    out["SourceBackupVaultArn"] = json!(info.source_vault_arn);
    out["MpaSessionArn"] = json!(info.mpa_session_arn);
    out["MpaApprovalTeamArn"] = json!(mpa_team(vault, now));
    if let Some(u) = &info.latest_mpa_update {
        out["LatestMpaApprovalTeamUpdate"] = json!({
            "MpaSessionArn": u.session_arn,
            "Status": if now >= u.approve_at { "APPROVED" } else { "PENDING" },
            "InitiationDate": u.initiation_date,
            "ExpiryDate": u.expiry_date,
        });
    }
}

fn tag_context(tags: &std::collections::BTreeMap<String, String>) -> Vec<(String, Value)> {
    tags.iter()
        .map(|(k, v)| (format!("aws:RequestTag/{k}"), json!(v)))
        .chain(std::iter::once((
            "aws:TagKeys".to_owned(),
            json!(tags.keys().collect::<Vec<_>>()),
        )))
        .collect()
}

fn already_exists(name: &str) -> ApiError {
    ApiError::new(
        "AlreadyExistsException",
        format!("A Backup vault with the name {name} already exists"),
    )
    .field("Code", "ERROR_1101")
    .field("Context", name)
}

fn duration(world: &World) -> f64 {
    world.backup.settings.job_duration_seconds
}

// ---- logically air-gapped vaults ----

pub fn create_lag(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let (account, region) = (ctx.caller.account.clone(), ctx.region.clone());
    let arn = vault_arn(&region, &account, &name);
    let tags = tags_from(&input["BackupVaultTags"]);
    authorize_with(ctx, world, Some(arn.clone()), None, tag_context(&tags))?;
    super::tags::check_tag_policy(world, &account, &arn, &tags)?;
    let min = input.get("MinRetentionDays").and_then(Value::as_i64);
    let max = input.get("MaxRetentionDays").and_then(Value::as_i64);
    let (Some(min), Some(max)) = (min, max) else {
        return Err(ApiError::new(
            "MissingParameterValueException",
            // Text inferred.
            "MinRetentionDays and MaxRetentionDays are required for a logically air-gapped backup vault",
        ));
    };
    // Texts inferred: AWS documents the limits (minimum 7 days), not the words.
    if min < 7 {
        return Err(invalid_parameter(
            "MinRetentionDays must be greater than or equal to 7",
        ));
    }
    if min > max {
        return Err(invalid_parameter(
            "MinRetentionDays must be less than or equal to MaxRetentionDays",
        ));
    }
    if find_vault(world, &account, &region, &name).is_some() {
        return Err(already_exists(&name));
    }
    // An AWS owned key unless the caller names a customer managed key.
    let encryption_key_arn = match member(input, "EncryptionKeyArn") {
        Some(key) => {
            crate::services::kms::integration::resolve_key_arn(world, &account, &region, key)
                // Text inferred (as for CreateBackupVault).
                .ok_or_else(|| invalid_parameter(format!("Invalid EncryptionKeyArn: {key}")))?
        }
        None => String::new(),
    };
    super::roles::ensure_service_linked_role(world, &account, &ctx.region, ctx.now);
    let vault = Vault {
        name: name.clone(),
        arn: arn.clone(),
        creation_date: ctx.now,
        creator_request_id: member(input, "CreatorRequestId").map(str::to_owned),
        encryption_key_arn,
        // Compliance mode: locked from creation, the range can never change.
        lock: Some(VaultLock {
            min_retention_days: Some(min),
            max_retention_days: Some(max),
            lock_date: Some(ctx.now),
        }),
        vault_type: Some(LAG.into()),
        available_at: Some(ctx.now + duration(world)),
        ..Vault::default()
    };
    let st = state_mut(world, &account, &region, ctx.now);
    st.vaults.insert(name.clone(), vault);
    if !tags.is_empty() {
        st.tags.insert(arn.clone(), tags);
    }
    Ok(json!({
        "BackupVaultName": name,
        "BackupVaultArn": arn,
        "CreationDate": ctx.now,
        "VaultState": VaultState::Creating,
    }))
}

fn lag_vault<'w>(ctx: &RequestContext, world: &'w World, name: &str) -> ApiResult<&'w Vault> {
    let vault = vault_for(ctx, world, name)?;
    if vault_type(vault) != LAG {
        // Text inferred.
        return Err(invalid_request(format!(
            "Backup vault {name} is not a logically air-gapped backup vault"
        )));
    }
    Ok(vault)
}

// ---- MPA approval teams ----

fn team_id(team_arn: &str) -> &str {
    team_arn.rsplit('/').next().unwrap_or(team_arn)
}

/// An MPA session of `team_arn` (format inferred from MPA's ARNs).
fn session_arn(team_arn: &str) -> String {
    let parts: Vec<&str> = team_arn.splitn(6, ':').collect();
    let (partition, region, account) = match parts[..] {
        [_, partition, _, region, account, _] => (partition, region, account),
        _ => ("aws", "", ""),
    };
    format!(
        "arn:{partition}:mpa:{region}:{account}:session/{}/{}",
        team_id(team_arn),
        uuid::Uuid::new_v4().simple()
    )
}

fn check_team_arn(arn: &str) -> ApiResult<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts[..] {
        ["arn", _, "mpa", _, account, resource]
            if crate::world::is_account_id(account)
                && resource
                    .strip_prefix("approval-team/")
                    .is_some_and(|id| !id.is_empty()) =>
        {
            Ok(())
        }
        // Text inferred.
        _ => Err(invalid_parameter(format!(
            "Invalid MpaApprovalTeamArn: {arn}"
        ))),
    }
}

/// Starts a change of `name`'s team (approved by the current team), or associates the
/// first team at once.
fn change_team(
    ctx: &RequestContext,
    world: &mut World,
    name: &str,
    new_team: Option<String>,
) -> ApiResult<Value> {
    lag_vault(ctx, world, name)?;
    let (now, wait) = (ctx.now, duration(world));
    let vault = state_mut(world, &ctx.caller.account, &ctx.region, now)
        .vaults
        .get_mut(name)
        .ok_or_else(super::errors::access_denied)?;
    if let Some(u) = &vault.air_gap.latest_mpa_update {
        if now < u.approve_at {
            // Text inferred.
            return Err(invalid_request(format!(
                "An MPA approval team update is already pending for backup vault {name}"
            )));
        }
    }
    let current = mpa_team(vault, now);
    vault.air_gap.mpa_approval_team_arn = current.clone();
    vault.air_gap.latest_mpa_update = None;
    match (current, new_team) {
        (None, None) => {
            // Text inferred.
            Err(invalid_request(format!(
                "No MPA approval team is associated with backup vault {name}"
            )))
        }
        (None, Some(team)) => {
            vault.air_gap.mpa_approval_team_arn = Some(team);
            Ok(Value::Null)
        }
        (Some(current), new_team) => {
            vault.air_gap.latest_mpa_update = Some(MpaUpdate {
                session_arn: session_arn(&current),
                initiation_date: now,
                // Inferred: an approval request stays open for a day.
                expiry_date: now + 86_400.0,
                approve_at: now + wait,
                new_team,
            });
            Ok(Value::Null)
        }
    }
}

pub fn associate_team(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    let team = req(input, "MpaApprovalTeamArn")?.to_owned();
    check_team_arn(&team)?;
    change_team(ctx, world, &name, Some(team))
}

pub fn disassociate_team(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?.to_owned();
    change_team(ctx, world, &name, None)
}

// ---- restore access backup vaults ----

pub fn create_restore_access(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let source_arn = req(input, "SourceBackupVaultArn")?.to_owned();
    let Some((src_region, src_account, src_name)) = parse_vault_arn(&source_arn) else {
        // Text inferred.
        return Err(invalid_parameter(format!(
            "Invalid SourceBackupVaultArn: {source_arn}"
        )));
    };
    let source = find_vault(world, &src_account, &src_region, &src_name)
        // Text inferred.
        .ok_or_else(|| not_found(format!("Backup vault {source_arn} not found")))?;
    let tags = tags_from(&input["BackupVaultTags"]);
    if vault_type(source) != LAG {
        // Text inferred.
        return Err(invalid_request(format!(
            "Backup vault {source_arn} is not a logically air-gapped backup vault"
        )));
    }
    let Some(team) = mpa_team(source, ctx.now) else {
        // Text inferred.
        return Err(invalid_request(format!(
            "Backup vault {source_arn} is not associated with an MPA approval team"
        )));
    };
    let (account, region) = (ctx.caller.account.clone(), ctx.region.clone());
    let name = match member(input, "BackupVaultName") {
        Some(n) => n.to_owned(),
        // Inferred: AWS names the vault when the caller does not.
        None => format!(
            "restore-access-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        ),
    };
    let arn = vault_arn(&region, &account, &name);
    // Vault access policies cannot grant this across accounts and AWS RAM sharing is not
    // emulated: the caller's own policies decide, and the approval team is the gate.
    authorize_with(ctx, world, Some(arn.clone()), None, tag_context(&tags))?;
    super::tags::check_tag_policy(world, &account, &arn, &tags)?;
    if find_vault(world, &account, &region, &name).is_some() {
        return Err(already_exists(&name));
    }
    let vault = Vault {
        name: name.clone(),
        arn: arn.clone(),
        creation_date: ctx.now,
        creator_request_id: member(input, "CreatorRequestId").map(str::to_owned),
        encryption_key_arn: source.encryption_key_arn.clone(),
        aws_managed_key: source.aws_managed_key,
        lock: source.lock.clone(),
        vault_type: Some(RESTORE_ACCESS.into()),
        available_at: Some(ctx.now + duration(world)),
        air_gap: AirGapInfo {
            source_vault_arn: Some(source_arn),
            requester_comment: member(input, "RequesterComment").map(str::to_owned),
            mpa_session_arn: Some(session_arn(&team)),
            ..AirGapInfo::default()
        },
        ..Vault::default()
    };
    super::roles::ensure_service_linked_role(world, &account, &ctx.region, ctx.now);
    let st = state_mut(world, &account, &region, ctx.now);
    st.vaults.insert(name.clone(), vault);
    if !tags.is_empty() {
        st.tags.insert(arn.clone(), tags);
    }
    Ok(json!({
        "RestoreAccessBackupVaultArn": arn,
        "RestoreAccessBackupVaultName": name,
        "VaultState": VaultState::Creating,
        "CreationDate": ctx.now,
    }))
}

/// Restore access vaults of every account created from `source_arn` (in its Region).
fn restore_access_vaults<'w>(
    world: &'w World,
    region: &str,
    source_arn: &str,
) -> Vec<(&'w str, &'w Vault)> {
    let mut out = Vec::new();
    for (account, a) in &world.accounts {
        let Some(r) = a.regions.get(region) else {
            continue;
        };
        for v in r.backup.vaults.values() {
            if v.air_gap.source_vault_arn.as_deref() == Some(source_arn) {
                out.push((account.as_str(), v));
            }
        }
    }
    out.sort_by(|a, b| a.1.creation_date.total_cmp(&b.1.creation_date));
    out
}

pub fn list_restore_access(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?;
    let source = vault_for(ctx, world, name)?;
    let items = restore_access_vaults(world, &ctx.region, &source.arn)
        .into_iter()
        .map(|(_, v)| {
            let state = vault_state(v, ctx.now);
            json!({
                "RestoreAccessBackupVaultArn": v.arn,
                "CreationDate": v.creation_date,
                "ApprovalDate": if state == VaultState::Available { json!(v.available_at) } else { Value::Null },
                "VaultState": state,
            })
        })
        .collect();
    page(input, items, "RestoreAccessBackupVaults")
}

pub fn revoke_restore_access(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "BackupVaultName")?;
    let target = req(input, "RestoreAccessBackupVaultArn")?.to_owned();
    let source = lag_vault(ctx, world, name)?;
    let found = restore_access_vaults(world, &ctx.region, &source.arn)
        .into_iter()
        .find(|(_, v)| v.arn == target)
        .map(|(account, v)| (account.to_owned(), v.name.clone()));
    let Some((account, vault_name)) = found else {
        // Text inferred.
        return Err(not_found(format!(
            "Restore access backup vault {target} not found"
        )));
    };
    // Revoking removes the access and deletes the vault permanently.
    let st = state_mut(world, &account, &ctx.region, ctx.now);
    st.vaults.remove(&vault_name);
    st.tags.remove(&target);
    Ok(Value::Null)
}
