//! Malware scan jobs (GuardDuty Malware Protection for AWS Backup) of EBS, EC2 and S3
//! recovery points. A job is CREATED, RUNNING, then final on keyhole's clock after the job
//! duration; keyhole finds no threats, and fails a job whose roles do not exist.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{invalid_parameter, not_found};
use super::input::req;
use super::lookup::{state, state_mut, vault_for};
use super::paging::page;
use super::resources::resource_name;
use super::state::scans::ScanJob;
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

/// The types GuardDuty scans (`ScanResourceType`).
pub const SCANNABLE_TYPES: &[&str] = &["EBS", "EC2", "S3"];

/// The state a caller sees at `now`.
pub fn visible_state(job: &ScanJob, now: f64) -> &str {
    if now >= job.finish_at {
        &job.final_state
    } else if now > job.creation_date {
        "RUNNING"
    } else {
        "CREATED"
    }
}

fn role_exists(world: &World, arn: &str) -> bool {
    arn.contains(":role/") && crate::world::iam::access::principal_exists(world, arn)
}

pub fn start(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let vault_name = req(input, "BackupVaultName")?.to_owned();
    let rp_arn = req(input, "RecoveryPointArn")?.to_owned();
    let role = req(input, "IamRoleArn")?.to_owned();
    let scanner_role = req(input, "ScannerRoleArn")?.to_owned();
    let scanner = req(input, "MalwareScanner")?.to_owned();
    let mode = req(input, "ScanMode")?.to_owned();
    let base = member(input, "ScanBaseRecoveryPointArn").map(str::to_owned);
    let token = member(input, "IdempotencyToken").map(str::to_owned);
    let vault = vault_for(ctx, world, &vault_name)?;
    // As DescribeRecoveryPoint's answer (inferred for StartScanJob).
    let rp = vault
        .recovery_points
        .get(&rp_arn)
        .ok_or_else(super::errors::recovery_point_not_found)?;
    if !SCANNABLE_TYPES.contains(&rp.resource_type.as_str()) {
        // Text inferred: AWS documents the scannable types only.
        return Err(invalid_parameter(format!(
            "Malware scanning is not supported for resource type {}",
            rp.resource_type
        )));
    }
    if mode == "INCREMENTAL_SCAN" {
        let Some(base) = &base else {
            // Text inferred.
            return Err(invalid_parameter(
                "ScanBaseRecoveryPointArn is required for an INCREMENTAL_SCAN",
            ));
        };
        let base_rp = vault
            .recovery_points
            .get(base)
            .ok_or_else(super::errors::recovery_point_not_found)?;
        if base_rp.resource_arn != rp.resource_arn {
            // Text inferred.
            return Err(invalid_parameter(
                "ScanBaseRecoveryPointArn must be a recovery point of the same resource as RecoveryPointArn",
            ));
        }
    }
    // A retry with the same token is the same job.
    if let Some(t) = &token {
        let existing = state(world, &ctx.caller.account, &ctx.region).and_then(|st| {
            st.scans
                .jobs
                .values()
                .find(|j| j.idempotency_token.as_deref() == Some(t.as_str()))
        });
        if let Some(j) = existing {
            return Ok(json!({"ScanJobId": j.id, "CreationDate": j.creation_date}));
        }
    }
    let failed_role = [&role, &scanner_role]
        .into_iter()
        .find(|r| !role_exists(world, r));
    let job = ScanJob {
        id: uuid::Uuid::new_v4().to_string().to_uppercase(),
        account: ctx.caller.account.clone(),
        creation_date: ctx.now,
        finish_at: ctx.now + world.backup.settings.job_duration_seconds,
        final_state: if failed_role.is_some() {
            "FAILED"
        } else {
            "COMPLETED"
        }
        .into(),
        // Text inferred from the backup job's verified message.
        status_message: failed_role.map(|r| {
            format!("IAM Role {r} does not have sufficient permissions to execute the scan.")
        }),
        scan_result_status: failed_role.is_none().then(|| "NO_THREATS_FOUND".to_owned()),
        vault_name: vault.name.clone(),
        vault_arn: vault.arn.clone(),
        recovery_point_arn: rp_arn,
        resource_arn: rp.resource_arn.clone(),
        resource_type: rp.resource_type.clone(),
        iam_role_arn: role,
        scanner_role_arn: scanner_role,
        malware_scanner: scanner,
        scan_mode: mode,
        scan_base_recovery_point_arn: base,
        // GuardDuty's scan ID: 32 hex digits (format inferred).
        scan_id: uuid::Uuid::new_v4().simple().to_string(),
        idempotency_token: token,
    };
    let out = json!({"ScanJobId": job.id, "CreationDate": job.creation_date});
    state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .scans
        .jobs
        .insert(job.id.clone(), job);
    Ok(out)
}

fn job_json(job: &ScanJob, now: f64) -> Value {
    let state = visible_state(job, now);
    let done = now >= job.finish_at;
    json!({
        "AccountId": job.account,
        "BackupVaultArn": job.vault_arn,
        "BackupVaultName": job.vault_name,
        "CompletionDate": done.then_some(job.finish_at),
        "CreationDate": job.creation_date,
        "IamRoleArn": job.iam_role_arn,
        "MalwareScanner": job.malware_scanner,
        "RecoveryPointArn": job.recovery_point_arn,
        "ResourceArn": job.resource_arn,
        "ResourceName": resource_name(&job.resource_arn),
        "ResourceType": job.resource_type,
        "ScanBaseRecoveryPointArn": job.scan_base_recovery_point_arn,
        "ScanId": job.scan_id,
        "ScanJobId": job.id,
        "ScanMode": job.scan_mode,
        "ScanResult": match (&job.scan_result_status, done) {
            (Some(status), true) => json!({"ScanResultStatus": status}),
            _ => Value::Null,
        },
        "ScannerRoleArn": job.scanner_role_arn,
        "State": state,
        "StatusMessage": if done { json!(job.status_message) } else { Value::Null },
    })
}

fn result_status(job: &ScanJob, now: f64) -> Option<&str> {
    (now >= job.finish_at)
        .then_some(job.scan_result_status.as_deref())
        .flatten()
}

pub fn describe(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "ScanJobId")?;
    authorize(ctx, world, None, None)?;
    state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.scans.jobs.get(id))
        .map(|j| job_json(j, ctx.now))
        // Text inferred (as DescribeBackupJob).
        .ok_or_else(|| not_found(format!("Cannot find job with ID {id}")))
}

pub fn list(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let by = |k: &str| member(input, k);
    let num = |k: &str| input.get(k).and_then(Value::as_f64);
    let now = ctx.now;
    let mut jobs: Vec<&ScanJob> = state(world, &ctx.caller.account, &ctx.region)
        .into_iter()
        .flat_map(|st| st.scans.jobs.values())
        .filter(|j| {
            let completion = (now >= j.finish_at).then_some(j.finish_at);
            by("ByAccountId").is_none_or(|v| v == "*" || v == j.account)
                && by("ByBackupVaultName").is_none_or(|v| v == j.vault_name)
                && by("ByMalwareScanner").is_none_or(|v| v == j.malware_scanner)
                && by("ByRecoveryPointArn").is_none_or(|v| v == j.recovery_point_arn)
                && by("ByResourceArn").is_none_or(|v| v == j.resource_arn)
                && by("ByResourceType").is_none_or(|v| v == j.resource_type)
                && by("ByScanResultStatus").is_none_or(|v| Some(v) == result_status(j, now))
                && by("ByState").is_none_or(|v| v == visible_state(j, now))
                && num("ByCompleteAfter").is_none_or(|t| completion.is_some_and(|c| c >= t))
                && num("ByCompleteBefore").is_none_or(|t| completion.is_some_and(|c| c <= t))
        })
        .collect();
    jobs.sort_by(|a, b| {
        b.creation_date
            .total_cmp(&a.creation_date)
            .then_with(|| a.id.cmp(&b.id))
    });
    let items = jobs.into_iter().map(|j| job_json(j, now)).collect();
    page(input, items, "ScanJobs")
}

/// Counts by state, resource type, scanner and result over the caller's scan jobs in this
/// Region (one aggregation window), as ListBackupJobSummaries does.
pub fn summaries(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let any = |k: &str, v: &str| {
        member(input, k).is_none_or(|f| f == "AGGREGATE_ALL" || f == "ANY" || f == v)
    };
    type Key = (String, String, String, Option<String>);
    let mut counts: BTreeMap<Key, (i64, f64, f64)> = BTreeMap::new();
    if let Some(st) = state(world, &ctx.caller.account, &ctx.region) {
        for job in st.scans.jobs.values() {
            let state = visible_state(job, ctx.now).to_owned();
            let result = result_status(job, ctx.now).map(str::to_owned);
            let keep = any("AccountId", &job.account)
                && any("State", &state)
                && any("ResourceType", &job.resource_type)
                && any("MalwareScanner", &job.malware_scanner)
                && member(input, "ScanResultStatus").is_none_or(|v| Some(v) == result.as_deref());
            if !keep {
                continue;
            }
            super::jobs::tally(
                &mut counts,
                (
                    state,
                    job.resource_type.clone(),
                    job.malware_scanner.clone(),
                    result,
                ),
                job.creation_date,
            );
        }
    }
    let items = counts
        .into_iter()
        .map(|((state, rtype, scanner, result), (count, start, end))| {
            json!({
                "Region": ctx.region,
                "AccountId": ctx.caller.account,
                "State": state,
                "ResourceType": rtype,
                "MalwareScanner": scanner,
                "ScanResultStatus": result,
                "Count": count,
                "StartTime": start,
                "EndTime": end,
            })
        })
        .collect();
    let mut out = page(input, items, "ScanJobSummaries")?;
    out["AggregationPeriod"] = json!(member(input, "AggregationPeriod").unwrap_or("ONE_DAY"));
    Ok(out)
}
