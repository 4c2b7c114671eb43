//! Copy jobs: StartCopyJob (the checks run in `copy/`), DescribeCopyJob, ListCopyJobs.

use serde_json::{json, Value};

use super::authorize::{authorize, authorize_with};
use super::engine::new_copy_job;
use super::errors::{access_denied, invalid_parameter, not_found};
use super::input::req;
use super::jobs::{find_job, job_matches, visible_state};
use super::lifecycle::{lifecycle_from, lifecycle_json};
use super::lookup::{parse_vault_arn, state, state_mut};
use super::paging::page_jobs;
use super::resources::resource_name;
use super::state::Job;
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::timeline::EventKind;
use crate::world::World;

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
    let vault = super::lookup::find_vault(world, &ctx.caller.account, &ctx.region, &source_vault)
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
        return Err(super::errors::invalid_request(format!(
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
    let (id, created, finish_at) = (job.id.clone(), job.creation_date, job.finish_at);
    state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .copy_jobs
        .insert(job);
    let at = (ctx.caller.account.as_str(), ctx.region.as_str());
    super::due::job_started(world, EventKind::CopyJobDone, at, &id, finish_at);
    Ok(json!({"CopyJobId": id, "CreationDate": created, "IsParent": false}))
}

pub(super) fn copy_job_json(job: &Job, now: f64) -> Value {
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
    let empty = super::state::job_list::JobList::default();
    let jobs = state(world, &ctx.caller.account, &ctx.region).map_or(&empty, |st| &st.copy_jobs);
    page_jobs(
        input,
        jobs,
        "CopyJobs",
        |j| job_matches(j, input, ctx.now),
        |j| copy_job_json(j, ctx.now),
    )
}
