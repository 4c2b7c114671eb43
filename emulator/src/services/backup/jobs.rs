//! Backup jobs: StartBackupJob (and plan runs), describing, listing, stopping, and the job
//! summaries of backup and copy jobs. Copy and restore jobs, recovery points and protected
//! resources have their own files beside this one.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{invalid_parameter, not_found};
use super::input::req;
use super::lifecycle::{lifecycle_from, lifecycle_json};
use super::lookup::{state, state_mut, vault_for};
use super::paging::{page, page_jobs};
use super::resources::{
    fully_managed, management_preferences, recovery_point_arn, resource_name, resource_type,
};
use super::state::job_list::JobList;
use super::state::{Job, JobState, MessageCategory};
use super::tags::tags_from;
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::timeline::EventKind;
use crate::world::World;

/// The state a caller sees: final once settled, else CREATED then RUNNING.
pub(super) fn visible_state(job: &Job, now: f64) -> JobState {
    if job.settled {
        job.state
    } else if now > job.creation_date {
        JobState::Running
    } else {
        JobState::Created
    }
}

pub(super) fn unsupported(arn: &str) -> crate::protocol::ApiError {
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
        vault_arn: super::lookup::vault_arn(region, account, vault_name),
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
        .insert(job.clone());
    let kind = EventKind::BackupJobDone;
    super::due::job_started(world, kind, (account, region), &job.id, job.finish_at);
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

pub(super) fn find_job<'w>(
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
pub(super) fn job_matches(job: &Job, input: &Value, now: f64) -> bool {
    let by = |k: &str| member(input, k);
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

pub fn list_backup_jobs(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let empty = JobList::default();
    let jobs = state(world, &ctx.caller.account, &ctx.region).map_or(&empty, |st| &st.backup_jobs);
    page_jobs(
        input,
        jobs,
        "BackupJobs",
        |j| job_matches(j, input, ctx.now),
        |j| backup_job_json(j, ctx.now),
    )
}

pub fn stop_backup_job(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "BackupJobId")?.to_owned();
    authorize(ctx, world, None, None)?;
    let job = find_job(world, ctx, &id, false)?;
    if job.settled {
        // Text inferred.
        return Err(super::errors::invalid_request(format!(
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
            let keep = member(input, "State")
                .is_none_or(|v| v == "AGGREGATE_ALL" || v == "ANY" || v == state)
                && member(input, "ResourceType")
                    .is_none_or(|v| v == "AGGREGATE_ALL" || v == "ANY" || v == job.resource_type)
                && member(input, "MessageCategory").is_none_or(|v| {
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
    out["AggregationPeriod"] = json!(member(input, "AggregationPeriod").unwrap_or("ONE_DAY"));
    Ok(out)
}
