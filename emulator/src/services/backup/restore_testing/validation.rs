//! What restore testing infers to restore a recovery point, and the validation results
//! callers report on the restore jobs a test started.

use serde_json::{json, Map, Value};

use super::super::authorize::authorize;
use super::super::errors::{invalid_request, not_found};
use super::super::input::req;
use super::super::lookup::{state, vault_of};
use super::super::state::{BackupState, RecoveryPoint};
use super::lookup::plans_mut;
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

/// What AWS Backup infers to restore a recovery point of `rp`'s type in a restore test
/// (AWS Backup's "Restore testing inferred metadata" page).
pub(crate) fn inferred_metadata(rp: &RecoveryPoint, region: &str) -> Map<String, Value> {
    let test_name = || {
        format!(
            "awsbackup-restore-test-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        )
    };
    let pairs: Vec<(&str, String)> = match rp.resource_type.as_str() {
        "DynamoDB" => vec![
            ("deletionProtection", "false".into()),
            ("encryptionType", "Default".into()),
            ("targetTableName", test_name()),
        ],
        "EBS" => vec![
            ("availabilityZone", format!("{region}a")),
            ("encrypted", "true".into()),
        ],
        "EC2" => vec![
            ("disableApiTermination", "false".into()),
            ("instanceType", "t3.micro".into()),
            ("requireImdsV2", "true".into()),
        ],
        "EFS" => vec![
            ("encrypted", "true".into()),
            ("file-system-id", String::new()),
            ("kmsKeyId", rp.encryption_key_arn.clone()),
            ("newFileSystem", "true".into()),
            ("performanceMode", "generalPurpose".into()),
        ],
        "RDS" | "Aurora" | "DocumentDB" | "Neptune" => vec![
            ("dbInstanceIdentifier", test_name()),
            ("deletionProtection", "false".into()),
            ("publiclyAccessible", "false".into()),
        ],
        "S3" => vec![
            ("DestinationBucketName", test_name()),
            ("Encrypted", "true".into()),
            ("EncryptionType", "SSE-S3".into()),
            ("NewBucket", "true".into()),
        ],
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect()
}

pub fn inferred(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let vault_name = req(input, "BackupVaultName")?;
    let rp_arn = req(input, "RecoveryPointArn")?;
    let account = member(input, "BackupVaultAccountId").unwrap_or(&ctx.caller.account);
    let vault = vault_of(ctx, world, account, vault_name)?;
    let rp = vault
        .recovery_points
        .get(rp_arn)
        // As DescribeRecoveryPoint's answer (inferred here).
        .ok_or_else(super::super::errors::recovery_point_not_found)?;
    Ok(json!({"InferredMetadata": inferred_metadata(rp, &ctx.region)}))
}

pub fn put_validation_result(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let id = req(input, "RestoreJobId")?.to_owned();
    let status = req(input, "ValidationStatus")?.to_owned();
    authorize(ctx, world, None, None)?;
    let st = state(world, &ctx.caller.account, &ctx.region);
    if !st.is_some_and(|st| st.restore_jobs.contains_key(&id)) {
        // Text inferred (as DescribeRestoreJob's).
        return Err(not_found(format!("Cannot find job with ID {id}")));
    }
    let message = member(input, "ValidationStatusMessage").map(str::to_owned);
    let Some(job) = plans_mut(world, ctx).jobs.get_mut(&id) else {
        // Text inferred.
        return Err(invalid_request(format!(
            "Restore job {id} was not created by a restore testing plan; validation results can only be reported for restore testing jobs"
        )));
    };
    job.validation_status = Some(status);
    job.validation_status_message = message;
    Ok(Value::Null)
}

/// The ARN of the restore testing plan that started restore job `id`, if one did.
pub(crate) fn started_by<'s>(st: &'s BackupState, id: &str) -> Option<&'s str> {
    st.scheduled
        .restore_testing
        .jobs
        .get(id)
        .map(|t| t.plan_arn.as_str())
}

/// Adds what restore testing knows of a restore job to its DescribeRestoreJob answer.
pub(crate) fn annotate(st: &BackupState, job: &mut Value) {
    let Some(id) = job["RestoreJobId"].as_str() else {
        return;
    };
    let Some(t) = st.scheduled.restore_testing.jobs.get(id) else {
        return;
    };
    job["CreatedBy"] = json!({"RestoreTestingPlanArn": t.plan_arn});
    if let Some(status) = &t.validation_status {
        job["ValidationStatus"] = json!(status);
    }
    if let Some(message) = &t.validation_status_message {
        job["ValidationStatusMessage"] = json!(message);
    }
}
