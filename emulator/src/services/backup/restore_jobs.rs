//! Restore jobs: StartRestoreJob (and the runs of restore testing), describing, listing,
//! their metadata and summaries.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::not_found;
use super::input::req;
use super::jobs::tally;
use super::lookup::{state, state_mut};
use super::paging::{page, page_map};
use super::recovery_points::all_recovery_points;
use super::state::{RecoveryPoint, RestoreJob};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

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
        .ok_or_else(super::errors::recovery_point_not_found)?;
    let id = create_restore_job(
        world,
        &ctx.caller.account,
        &ctx.region,
        &rp,
        member(input, "IamRoleArn").map(str::to_owned),
        member(input, "ResourceType").map(str::to_owned),
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
        .is_none_or(|r| crate::world::iam::access::principal_exists(world, r));
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
        // Found first, then changed: `values_mut` would mark every vault as changed.
        let holder = st
            .vaults
            .iter()
            .find(|(_, v)| v.recovery_points.contains_key(&arn));
        if let Some(name) = holder.map(|(name, _)| name.clone()) {
            if let Some(rp) = st
                .vaults
                .get_mut(&name)
                .and_then(|v| v.recovery_points.get_mut(&arn))
            {
                rp.last_restore_time = Some(now);
            }
        }
    }
    id
}

pub(super) fn restore_job_json(job: &RestoreJob) -> Value {
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
                super::restore_testing::validation::annotate(st, &mut job);
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
    let resource = member(input, "ResourceArn");
    authorize(ctx, world, resource.map(str::to_owned), None)?;
    let num = |k: &str| input.get(k).and_then(Value::as_f64);
    let empty = BTreeMap::new();
    let st = state(world, &ctx.caller.account, &ctx.region);
    // By id, the map's order, from the cursor on: a page reads only what it shows or skips.
    page_map(
        input,
        st.map_or(&empty, |st| &st.restore_jobs),
        "RestoreJobs",
        |j| {
            resource.is_none_or(|r| r == j.source_resource_arn)
                && num("ByRecoveryPointCreationDateAfter")
                    .is_none_or(|t| j.recovery_point_creation_date >= t)
                && num("ByRecoveryPointCreationDateBefore")
                    .is_none_or(|t| j.recovery_point_creation_date <= t)
                && num("ByCreatedAfter").is_none_or(|t| j.creation_date >= t)
                && num("ByCreatedBefore").is_none_or(|t| j.creation_date <= t)
                && member(input, "ByStatus").is_none_or(|v| v == j.status)
                && member(input, "ByResourceType").is_none_or(|v| v == j.resource_type)
                && member(input, "ByAccountId").is_none_or(|v| v == j.account)
                && member(input, "ByRestoreTestingPlanArn").is_none_or(|v| {
                    st.and_then(|st| super::restore_testing::validation::started_by(st, &j.id))
                        == Some(v)
                })
        },
        |j| {
            let mut job = restore_job_json(j);
            if let Some(st) = st {
                super::restore_testing::validation::annotate(st, &mut job);
            }
            job
        },
    )
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
    let any = |k: &str, v: &str| {
        member(input, k).is_none_or(|f| f == "AGGREGATE_ALL" || f == "ANY" || f == v)
    };
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
    out["AggregationPeriod"] = json!(member(input, "AggregationPeriod").unwrap_or("ONE_DAY"));
    Ok(out)
}
