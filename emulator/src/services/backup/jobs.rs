//! Backup, copy and restore jobs, recovery points and protected resources.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::engine::new_copy_job;
use super::resources::management_preferences;
use super::resources::{fully_managed, recovery_point_arn, resource_name, resource_type};
use super::state::{Job, JobState, MessageCategory, RecoveryPoint, RestoreJob};
use super::vaults::retention_ok;
use super::{
    access_denied, authorize, authorize_with, invalid_parameter, lifecycle_from, lifecycle_json,
    not_found, page, page_map, parse_vault_arn, req, s, state, state_mut, tags_from, vault_for,
};
use crate::context::RequestContext;
use crate::protocol::{ApiError, ApiResult};
use crate::world::World;

/// The state a caller sees: final once settled, else CREATED then RUNNING.
fn visible_state(job: &Job, now: f64) -> JobState {
    if job.settled {
        job.state
    } else if now > job.creation_date {
        JobState::Running
    } else {
        JobState::Created
    }
}

fn unsupported(arn: &str) -> crate::protocol::ApiError {
    invalid_parameter(format!("Unsupported resource type: {arn}"))
}

/// Starts a backup job; used by StartBackupJob and by plan runs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_backup_job(
    world: &mut World,
    account: &str,
    region: &str,
    vault_name: &str,
    resource_arn: &str,
    iam_role_arn: &str,
    lifecycle: Option<super::state::Lifecycle>,
    tags: BTreeMap<String, String>,
    created_by: Option<Value>,
    then_copy: Vec<super::state::CopyAction>,
    now: f64,
) -> ApiResult<Job> {
    let rtype = resource_type(world, resource_arn).ok_or_else(|| unsupported(resource_arn))?;
    let prefs = management_preferences(world, account, region);
    let fm = fully_managed(&rtype, |t| prefs.get(t).copied().unwrap_or(false));
    let duration = world.backup.settings.job_duration_seconds;
    let job = Job {
        id: uuid::Uuid::new_v4().to_string().to_uppercase(),
        account: account.to_owned(),
        region: region.to_owned(),
        creation_date: now,
        finish_at: now + duration,
        state: JobState::Created,
        resource_arn: resource_arn.to_owned(),
        resource_type: rtype.clone(),
        iam_role_arn: iam_role_arn.to_owned(),
        vault_name: vault_name.to_owned(),
        vault_arn: super::vault_arn(region, account, vault_name),
        recovery_point_arn: recovery_point_arn(&rtype, fm, region, account),
        lifecycle,
        created_by,
        recovery_point_tags: tags,
        then_copy,
        backup_size_in_bytes: 1_073_741_824,
        ..Job::default()
    };
    state_mut(world, account, region, now)
        .backup_jobs
        .insert(job.id.clone(), job.clone());
    Ok(job)
}

pub fn start_backup_job(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let vault_name = req(input, "BackupVaultName")?.to_owned();
    let resource_arn = req(input, "ResourceArn")?.to_owned();
    let role = req(input, "IamRoleArn")?.to_owned();
    if vault_name == "Default" {
        super::vaults::ensure_default_vault(world, &ctx.caller.account, &ctx.region, ctx.now);
    }
    vault_for(ctx, world, &vault_name)?;
    let job = create_backup_job(
        world,
        &ctx.caller.account,
        &ctx.region,
        &vault_name,
        &resource_arn,
        &role,
        lifecycle_from(&input["Lifecycle"]),
        tags_from(&input["RecoveryPointTags"]),
        None,
        Vec::new(),
        ctx.now,
    )?;
    Ok(json!({
        "BackupJobId": job.id,
        "RecoveryPointArn": job.recovery_point_arn,
        "CreationDate": job.creation_date,
        "IsParent": false,
    }))
}

fn backup_job_json(job: &Job, now: f64) -> Value {
    let state = visible_state(job, now);
    let done = job.settled;
    json!({
        "AccountId": job.account,
        "BackupJobId": job.id,
        "BackupVaultName": job.vault_name,
        "BackupVaultArn": job.vault_arn,
        "RecoveryPointArn": if done && job.state == JobState::Completed { json!(job.recovery_point_arn) } else { Value::Null },
        "ResourceArn": job.resource_arn,
        "ResourceName": resource_name(&job.resource_arn),
        "ResourceType": job.resource_type,
        "CreationDate": job.creation_date,
        "CompletionDate": if done { json!(job.completion_date) } else { Value::Null },
        "State": state,
        "StatusMessage": if done { json!(job.status_message) } else { Value::Null },
        "MessageCategory": if done { json!(job.message_category) } else { Value::Null },
        "PercentDone": if done { "100.0" } else { "0.0" },
        "BackupSizeInBytes": if done { json!(job.backup_size_in_bytes) } else { Value::Null },
        "IamRoleArn": job.iam_role_arn,
        "CreatedBy": job.created_by,
        "RecoveryPointLifecycle": lifecycle_json(&job.lifecycle),
        "EncryptionKeyArn": job.encryption_key_arn,
        "IsEncrypted": true,
        "BackupType": "",
        "IsParent": false,
        "StartBy": job.creation_date + 8.0 * 3600.0,
        "VaultType": "BACKUP_VAULT",
    })
}

fn find_job<'w>(
    world: &'w World,
    ctx: &RequestContext,
    id: &str,
    copy: bool,
) -> ApiResult<&'w Job> {
    let st = state(world, &ctx.caller.account, &ctx.region);
    let job = st.and_then(|st| {
        if copy {
            st.copy_jobs.get(id)
        } else {
            st.backup_jobs.get(id)
        }
    });
    // Text inferred.
    job.ok_or_else(|| not_found(format!("Cannot find job with ID {id}")))
}

pub fn describe_backup_job(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let id = req(input, "BackupJobId")?;
    authorize(ctx, world, None, None)?;
    let job = find_job(world, ctx, id, false)?;
    Ok(backup_job_json(job, ctx.now))
}

/// Whether a job passes the List*Jobs filters common to backup and copy jobs.
fn job_matches(job: &Job, input: &Value, now: f64) -> bool {
    let by = |k: &str| s(input, k);
    let num = |k: &str| input.get(k).and_then(Value::as_f64);
    by("ByResourceArn").is_none_or(|v| v == job.resource_arn)
        && by("ByResourceType").is_none_or(|v| v == job.resource_type)
        && by("ByState").is_none_or(|v| v == visible_state(job, now).as_str())
        && by("ByBackupVaultName").is_none_or(|v| v == job.vault_name)
        && by("ByAccountId").is_none_or(|v| v == job.account)
        && by("ByDestinationVaultArn")
            .is_none_or(|v| Some(v) == job.destination_vault_arn.as_deref())
        && by("BySourceRecoveryPointArn").is_none_or(|v| v == job.recovery_point_arn)
        && by("ByMessageCategory").is_none_or(|v| {
            job.settled
                && job
                    .message_category
                    .is_some_and(|c| c.as_str().eq_ignore_ascii_case(v))
        })
        && num("ByCreatedAfter").is_none_or(|t| job.creation_date >= t)
        && num("ByCreatedBefore").is_none_or(|t| job.creation_date <= t)
        && num("ByCompleteAfter").is_none_or(|t| job.completion_date.is_some_and(|c| c >= t))
        && num("ByCompleteBefore").is_none_or(|t| job.completion_date.is_some_and(|c| c <= t))
}

fn sorted_jobs<'w>(jobs: impl Iterator<Item = &'w Job>) -> Vec<&'w Job> {
    let mut jobs: Vec<&Job> = jobs.collect();
    jobs.sort_by(|a, b| {
        b.creation_date
            .total_cmp(&a.creation_date)
            .then_with(|| a.id.cmp(&b.id))
    });
    jobs
}

pub fn list_backup_jobs(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            sorted_jobs(st.backup_jobs.values())
                .into_iter()
                .filter(|j| job_matches(j, input, ctx.now))
                .map(|j| backup_job_json(j, ctx.now))
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "BackupJobs")
}

pub fn stop_backup_job(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "BackupJobId")?.to_owned();
    authorize(ctx, world, None, None)?;
    let job = find_job(world, ctx, &id, false)?;
    if job.settled {
        // Text inferred.
        return Err(super::invalid_request(format!(
            "Backup job {id} cannot be stopped because it is in state {}",
            job.state
        )));
    }
    if let Some(job) = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .backup_jobs
        .get_mut(&id)
    {
        job.settled = true;
        job.state = JobState::Aborted;
        job.completion_date = Some(ctx.now);
        job.message_category = Some(MessageCategory::Aborted);
        job.then_copy.clear();
        job.decision_record = vec!["stopped by StopBackupJob".into()];
    }
    Ok(Value::Null)
}

/// Counts a job created at `created` into the summary bucket `key`: how many jobs, the
/// earliest and the latest creation date.
pub(crate) fn tally<K: Ord>(counts: &mut BTreeMap<K, (i64, f64, f64)>, key: K, created: f64) {
    let entry = counts.entry(key).or_insert((0, f64::MAX, 0.0));
    entry.0 += 1;
    entry.1 = entry.1.min(created);
    entry.2 = entry.2.max(created);
}

/// List*JobSummaries: counts by state, resource type and message category over the
/// caller's jobs in this Region (one aggregation window).
pub fn job_summaries(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    copy: bool,
) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let mut counts: BTreeMap<(String, String, String), (i64, f64, f64)> = BTreeMap::new();
    if let Some(st) = state(world, &ctx.caller.account, &ctx.region) {
        let jobs = if copy { &st.copy_jobs } else { &st.backup_jobs };
        for job in jobs.values() {
            let state = visible_state(job, ctx.now).as_str().to_owned();
            let category = job
                .message_category
                .unwrap_or(MessageCategory::Success)
                .as_str()
                .to_owned();
            let keep = s(input, "State")
                .is_none_or(|v| v == "AGGREGATE_ALL" || v == "ANY" || v == state)
                && s(input, "ResourceType")
                    .is_none_or(|v| v == "AGGREGATE_ALL" || v == "ANY" || v == job.resource_type)
                && s(input, "MessageCategory").is_none_or(|v| {
                    v == "AGGREGATE_ALL" || v == "ANY" || v.eq_ignore_ascii_case(&category)
                });
            if !keep {
                continue;
            }
            tally(
                &mut counts,
                (state, job.resource_type.clone(), category),
                job.creation_date,
            );
        }
    }
    let items: Vec<Value> = counts
        .into_iter()
        .map(|((state, rtype, category), (count, start, end))| {
            json!({
                "Region": ctx.region,
                "AccountId": ctx.caller.account,
                "State": state,
                "ResourceType": rtype,
                "MessageCategory": category,
                "Count": count,
                "StartTime": start,
                "EndTime": end,
            })
        })
        .collect();
    let key = if copy {
        "CopyJobSummaries"
    } else {
        "BackupJobSummaries"
    };
    let mut out = page(input, items, key)?;
    out["AggregationPeriod"] = json!(s(input, "AggregationPeriod").unwrap_or("ONE_DAY"));
    Ok(out)
}

// ---- copy jobs ----

pub fn start_copy_job(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let source_vault = req(input, "SourceBackupVaultName")?.to_owned();
    let rp_arn = req(input, "RecoveryPointArn")?.to_owned();
    let dest = req(input, "DestinationBackupVaultArn")?.to_owned();
    let role = req(input, "IamRoleArn")?.to_owned();
    if parse_vault_arn(&dest).is_none() {
        // Text inferred.
        return Err(invalid_parameter(format!(
            "Invalid destination backup vault ARN: {dest}"
        )));
    }
    let vault = super::find_vault(world, &ctx.caller.account, &ctx.region, &source_vault)
        .ok_or_else(access_denied)?;
    // SCPs may key on the copy's targets (backup-resources.md §2).
    authorize_with(
        ctx,
        world,
        Some(vault.arn.clone()),
        vault.access_policy.clone(),
        vec![("backup:CopyTargets".into(), json!([dest.clone()]))],
    )?;
    // The caller hands the job role to AWS Backup.
    crate::authz::authorize(
        ctx,
        world,
        &crate::authz::Access {
            action: "iam:PassRole".into(),
            resource: Some(role.clone()),
            context: vec![("iam:PassedToService".into(), json!("backup.amazonaws.com"))],
            ..crate::authz::Access::default()
        },
    )?;
    let Some(rp) = vault.recovery_points.get(&rp_arn) else {
        // Text inferred.
        return Err(not_found(format!(
            "Recovery point {rp_arn} was not found in Backup vault {source_vault}"
        )));
    };
    if rp.status != "COMPLETED" {
        // Text inferred.
        return Err(super::invalid_request(format!(
            "Recovery point {rp_arn} is not in a state that can be copied: {}",
            rp.status
        )));
    }
    let source = Job {
        account: ctx.caller.account.clone(),
        region: ctx.region.clone(),
        resource_arn: rp.resource_arn.clone(),
        resource_type: rp.resource_type.clone(),
        iam_role_arn: role,
        vault_name: source_vault,
        backup_size_in_bytes: rp.backup_size_in_bytes,
        ..Job::default()
    };
    let vault_arn = vault.arn.clone();
    let duration = world.backup.settings.job_duration_seconds;
    let job = new_copy_job(
        &source,
        &vault_arn,
        &rp_arn,
        dest,
        lifecycle_from(&input["Lifecycle"]),
        ctx.now,
        duration,
    );
    let (id, created) = (job.id.clone(), job.creation_date);
    state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .copy_jobs
        .insert(id.clone(), job);
    Ok(json!({"CopyJobId": id, "CreationDate": created, "IsParent": false}))
}

fn copy_job_json(job: &Job, now: f64) -> Value {
    let done = job.settled;
    json!({
        "AccountId": job.account,
        "CopyJobId": job.id,
        "SourceBackupVaultArn": job.vault_arn,
        "SourceRecoveryPointArn": job.recovery_point_arn,
        "DestinationBackupVaultArn": job.destination_vault_arn,
        "DestinationRecoveryPointArn": if done { json!(job.destination_recovery_point_arn) } else { Value::Null },
        "DestinationEncryptionKeyArn": if done { json!(job.encryption_key_arn) } else { Value::Null },
        "DestinationRecoveryPointLifecycle": lifecycle_json(&job.lifecycle),
        "DestinationVaultType": "BACKUP_VAULT",
        "ResourceArn": job.resource_arn,
        "ResourceName": resource_name(&job.resource_arn),
        "ResourceType": job.resource_type,
        "CreationDate": job.creation_date,
        "CompletionDate": if done { json!(job.completion_date) } else { Value::Null },
        "State": visible_state(job, now),
        "StatusMessage": if done { json!(job.status_message) } else { Value::Null },
        "MessageCategory": if done { json!(job.message_category) } else { Value::Null },
        "BackupSizeInBytes": job.backup_size_in_bytes,
        "IamRoleArn": job.iam_role_arn,
        "CreatedBy": job.created_by,
        "IsParent": false,
    })
}

pub fn describe_copy_job(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let id = req(input, "CopyJobId")?;
    authorize(ctx, world, None, None)?;
    let job = find_job(world, ctx, id, true)?;
    Ok(json!({"CopyJob": copy_job_json(job, ctx.now)}))
}

pub fn list_copy_jobs(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            sorted_jobs(st.copy_jobs.values())
                .into_iter()
                .filter(|j| job_matches(j, input, ctx.now))
                .map(|j| copy_job_json(j, ctx.now))
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "CopyJobs")
}

// ---- recovery points ----

fn calculated_lifecycle(rp: &RecoveryPoint) -> Value {
    let Some(l) = &rp.lifecycle else {
        return Value::Null;
    };
    let at = |d: Option<i64>| d.map(|d| rp.creation_date + d as f64 * 86_400.0);
    json!({
        "DeleteAt": at(l.delete_after_days),
        "MoveToColdStorageAt": at(l.move_to_cold_storage_after_days),
    })
}

fn recovery_point_json(rp: &RecoveryPoint) -> Value {
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

fn recovery_point<'w>(
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
        .ok_or_else(super::recovery_point_not_found)
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
    if let Some(arn) = s(input, "ByResourceArn") {
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
            s(input, "ByResourceArn").is_none_or(|v| v == rp.resource_arn)
                && s(input, "ByResourceType").is_none_or(|v| v == rp.resource_type)
                && input
                    .get("ByCreatedAfter")
                    .and_then(Value::as_f64)
                    .is_none_or(|t| rp.creation_date >= t)
                && input
                    .get("ByCreatedBefore")
                    .and_then(Value::as_f64)
                    .is_none_or(|t| rp.creation_date <= t)
                && s(input, "ByBackupPlanId").is_none_or(|id| {
                    rp.created_by
                        .as_ref()
                        .and_then(|c| c["BackupPlanId"].as_str())
                        == Some(id)
                })
        },
        recovery_point_json,
    )
}

fn all_recovery_points<'w>(
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

fn remove_recovery_point(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<()> {
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
                return Err(super::invalid_request(format!(
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
    if let Some(problem) = super::lifecycle_problem(&input["Lifecycle"]) {
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
        .ok_or_else(super::recovery_point_not_found)?;
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

// ---- restore jobs ----

pub fn start_restore_job(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let arn = req(input, "RecoveryPointArn")?.to_owned();
    authorize(ctx, world, Some(arn.clone()), None)?;
    let rp = all_recovery_points(world, &ctx.caller.account, &ctx.region)
        .find(|rp| rp.arn == arn)
        .cloned()
        // As DescribeRecoveryPoint's answer (inferred for StartRestoreJob).
        .ok_or_else(super::recovery_point_not_found)?;
    let id = create_restore_job(
        world,
        &ctx.caller.account,
        &ctx.region,
        &rp,
        s(input, "IamRoleArn").map(str::to_owned),
        s(input, "ResourceType").map(str::to_owned),
        ctx.now,
    );
    Ok(json!({"RestoreJobId": id}))
}

/// Starts (and, keyhole's restores being instant, finishes) a restore of `rp`; used by
/// StartRestoreJob and restore testing. Returns the job id.
pub(crate) fn create_restore_job(
    world: &mut World,
    account: &str,
    region: &str,
    rp: &RecoveryPoint,
    role: Option<String>,
    resource_type: Option<String>,
    now: f64,
) -> String {
    let arn = rp.arn.clone();
    let role_ok = role
        .as_deref()
        .is_none_or(|r| crate::services::iam::access::principal_exists(world, r));
    let id = uuid::Uuid::new_v4().to_string().to_uppercase();
    let created = format!("{}-restored-{}", rp.resource_arn, &id[..8].to_lowercase());
    let job = RestoreJob {
        id: id.clone(),
        account: account.to_owned(),
        creation_date: now,
        completion_date: now,
        status: if role_ok { "COMPLETED" } else { "FAILED" }.into(),
        status_message: (!role_ok).then(|| {
            format!(
                "IAM Role {} does not have sufficient permissions to execute the restore.",
                role.clone().unwrap_or_default()
            )
        }),
        recovery_point_arn: arn.clone(),
        recovery_point_creation_date: rp.creation_date,
        vault_arn: rp.vault_arn.clone(),
        resource_type: resource_type.unwrap_or(rp.resource_type.clone()),
        source_resource_arn: rp.resource_arn.clone(),
        created_resource_arn: role_ok.then_some(created),
        iam_role_arn: role,
        backup_size_in_bytes: rp.backup_size_in_bytes,
    };
    let st = state_mut(world, account, region, now);
    st.restore_jobs.insert(id.clone(), job);
    if role_ok {
        for v in st.vaults.values_mut() {
            if let Some(rp) = v.recovery_points.get_mut(&arn) {
                rp.last_restore_time = Some(now);
            }
        }
    }
    id
}

fn restore_job_json(job: &RestoreJob) -> Value {
    json!({
        "AccountId": job.account,
        "RestoreJobId": job.id,
        "RecoveryPointArn": job.recovery_point_arn,
        "RecoveryPointCreationDate": job.recovery_point_creation_date,
        "BackupVaultArn": job.vault_arn,
        "CreationDate": job.creation_date,
        "CompletionDate": job.completion_date,
        "Status": job.status,
        "StatusMessage": job.status_message,
        "PercentDone": "100.0",
        "BackupSizeInBytes": job.backup_size_in_bytes,
        "IamRoleArn": job.iam_role_arn,
        "CreatedResourceArn": job.created_resource_arn,
        "ResourceType": job.resource_type,
        "SourceResourceArn": job.source_resource_arn,
        "IsParent": false,
    })
}

pub fn describe_restore_job(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let id = req(input, "RestoreJobId")?;
    authorize(ctx, world, None, None)?;
    let st = state(world, &ctx.caller.account, &ctx.region);
    st.and_then(|st| st.restore_jobs.get(id))
        .map(restore_job_json)
        .map(|mut job| {
            // Restore testing adds CreatedBy and the validation result.
            if let Some(st) = st {
                super::restore_testing::annotate(st, &mut job);
            }
            job
        })
        // Text inferred.
        .ok_or_else(|| not_found(format!("Cannot find job with ID {id}")))
}

pub fn list_restore_jobs(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let resource = s(input, "ResourceArn");
    authorize(ctx, world, resource.map(str::to_owned), None)?;
    let num = |k: &str| input.get(k).and_then(Value::as_f64);
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.restore_jobs
                .values()
                .filter(|j| {
                    resource.is_none_or(|r| r == j.source_resource_arn)
                        && num("ByRecoveryPointCreationDateAfter")
                            .is_none_or(|t| j.recovery_point_creation_date >= t)
                        && num("ByRecoveryPointCreationDateBefore")
                            .is_none_or(|t| j.recovery_point_creation_date <= t)
                        && num("ByCreatedAfter").is_none_or(|t| j.creation_date >= t)
                        && num("ByCreatedBefore").is_none_or(|t| j.creation_date <= t)
                        && s(input, "ByStatus").is_none_or(|v| v == j.status)
                        && s(input, "ByResourceType").is_none_or(|v| v == j.resource_type)
                        && s(input, "ByAccountId").is_none_or(|v| v == j.account)
                        && s(input, "ByRestoreTestingPlanArn").is_none_or(|v| {
                            super::restore_testing::started_by(st, &j.id) == Some(v)
                        })
                })
                .map(|j| {
                    let mut job = restore_job_json(j);
                    super::restore_testing::annotate(st, &mut job);
                    job
                })
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "RestoreJobs")
}

pub fn restore_job_metadata(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let id = req(input, "RestoreJobId")?;
    authorize(ctx, world, None, None)?;
    let job = state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.restore_jobs.get(id))
        .ok_or_else(|| not_found(format!("Cannot find job with ID {id}")))?;
    Ok(json!({
        "RestoreJobId": job.id,
        "Metadata": {"ResourceArn": job.source_resource_arn},
    }))
}

pub fn restore_job_summaries(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let mut counts: BTreeMap<(String, String), (i64, f64, f64)> = BTreeMap::new();
    let any =
        |k: &str, v: &str| s(input, k).is_none_or(|f| f == "AGGREGATE_ALL" || f == "ANY" || f == v);
    if let Some(st) = state(world, &ctx.caller.account, &ctx.region) {
        for job in st.restore_jobs.values() {
            if !any("State", &job.status) || !any("ResourceType", &job.resource_type) {
                continue;
            }
            tally(
                &mut counts,
                (job.status.clone(), job.resource_type.clone()),
                job.creation_date,
            );
        }
    }
    let items = counts
        .into_iter()
        .map(|((state, rtype), (count, start, end))| {
            json!({"Region": ctx.region, "AccountId": ctx.caller.account, "State": state,
                   "ResourceType": rtype, "Count": count, "StartTime": start, "EndTime": end})
        })
        .collect();
    let mut out = page(input, items, "RestoreJobSummaries")?;
    out["AggregationPeriod"] = json!(s(input, "AggregationPeriod").unwrap_or("ONE_DAY"));
    Ok(out)
}

// ---- protected resources ----

/// The resources with a recovery point, each with its latest one.
fn protected(
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

fn protected_json(rp: &RecoveryPoint) -> Value {
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
