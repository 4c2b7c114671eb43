//! Restore testing: plans (which recovery points, when), selections (which protected
//! resources, with which role and restore metadata), the scheduled runs that start restore
//! jobs ([`run_plan`], called by [`super::schedule`]), and the validation results callers
//! report on those jobs.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::schedule::{check, ScheduleError};
use super::state::restore_testing::{RestoreTesting, TestingJob, TestingPlan, TestingSelection};
use super::state::{BackupState, RecoveryPoint};
use super::{
    authorize, invalid_parameter, invalid_request, member, not_found, page, req, state, state_mut,
    tags_from, vault_of,
};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::world::World;

/// The resource types restore testing takes (CreateRestoreTestingSelection's documentation).
const TESTABLE_TYPES: &[&str] = &[
    "Aurora",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "S3",
];

fn valid_name(name: &str) -> bool {
    (1..=50).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn plans<'w>(world: &'w World, ctx: &RequestContext) -> Option<&'w RestoreTesting> {
    state(world, &ctx.caller.account, &ctx.region).map(|st| &st.scheduled.restore_testing)
}

fn plans_mut<'w>(world: &'w mut World, ctx: &RequestContext) -> &'w mut RestoreTesting {
    &mut state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .scheduled
        .restore_testing
}

fn plan_not_found(name: &str) -> ApiError {
    // Text inferred.
    not_found(format!("Restore testing plan {name} not found"))
}

fn plan<'w>(world: &'w World, ctx: &RequestContext, name: &str) -> ApiResult<&'w TestingPlan> {
    plans(world, ctx)
        .and_then(|t| t.plans.get(name))
        .ok_or_else(|| plan_not_found(name))
}

fn check_schedule(expression: &str, timezone: Option<&str>) -> ApiResult<()> {
    match check(expression, timezone) {
        Ok(()) => Ok(()),
        // Text inferred.
        Err(ScheduleError::Expression) => Err(invalid_parameter(format!(
            "Invalid schedule expression: {expression}"
        ))),
        // Text inferred.
        Err(ScheduleError::Timezone) => Err(invalid_parameter(format!(
            "Invalid schedule expression timezone: {}",
            timezone.unwrap_or_default()
        ))),
    }
}

fn check_start_window(hours: Option<i64>) -> ApiResult<()> {
    match hours {
        // Text inferred from the documented range.
        Some(h) if !(1..=168).contains(&h) => Err(invalid_parameter(
            "StartWindowHours must be between 1 and 168",
        )),
        _ => Ok(()),
    }
}

/// The selection with AWS's defaults, after its documented checks.
fn recovery_point_selection(given: &Value) -> ApiResult<Value> {
    let missing = |member: &str| {
        // Text inferred, in the words of the pipeline's missing-member message.
        ApiError::new(
            "MissingParameterValueException",
            format!("Missing required parameter RecoveryPointSelection.{member}"),
        )
    };
    if given["Algorithm"].as_str().is_none() {
        return Err(missing("Algorithm"));
    }
    let nonempty = |member: &str| given[member].as_array().is_some_and(|a| !a.is_empty());
    if !nonempty("IncludeVaults") {
        return Err(missing("IncludeVaults"));
    }
    if !nonempty("RecoveryPointTypes") {
        return Err(missing("RecoveryPointTypes"));
    }
    let days = given["SelectionWindowDays"].as_i64().unwrap_or(30);
    if !(1..=365).contains(&days) {
        // Text inferred from the documented range.
        return Err(invalid_parameter(
            "SelectionWindowDays must be between 1 and 365",
        ));
    }
    let mut out = given.clone();
    out["SelectionWindowDays"] = json!(days);
    if out.get("ExcludeVaults").is_none_or(Value::is_null) {
        out["ExcludeVaults"] = json!([]);
    }
    Ok(out)
}

pub fn create_plan(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let doc = &input["RestoreTestingPlan"];
    let name = req(doc, "RestoreTestingPlanName")?.to_owned();
    if !valid_name(&name) {
        // Text inferred from the documented name rule.
        return Err(invalid_parameter(format!(
            "Invalid restore testing plan name: {name}. The name must consist of only alphanumeric characters and underscores, up to 50 characters."
        )));
    }
    let expression = req(doc, "ScheduleExpression")?.to_owned();
    let timezone = member(doc, "ScheduleExpressionTimezone").map(str::to_owned);
    check_schedule(&expression, timezone.as_deref())?;
    let start_window = doc["StartWindowHours"].as_i64();
    check_start_window(start_window)?;
    let selection = recovery_point_selection(&doc["RecoveryPointSelection"])?;
    if plans(world, ctx).is_some_and(|t| t.plans.contains_key(&name)) {
        // Text inferred.
        return Err(ApiError::new(
            "AlreadyExistsException",
            format!("Restore testing plan {name} already exists"),
        ));
    }
    let arn = format!(
        "arn:{}:backup:{}:{}:restore-testing-plan:{name}-{}",
        crate::world::partition(&ctx.region),
        ctx.region,
        ctx.caller.account,
        uuid::Uuid::new_v4()
    );
    let tags = tags_from(&input["Tags"]);
    if !tags.is_empty() {
        state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
            .tags
            .insert(arn.clone(), tags);
    }
    plans_mut(world, ctx).plans.insert(
        name.clone(),
        TestingPlan {
            name: name.clone(),
            arn: arn.clone(),
            creation_time: ctx.now,
            creator_request_id: member(input, "CreatorRequestId").map(str::to_owned),
            schedule_expression: expression,
            schedule_expression_timezone: timezone,
            start_window_hours: start_window,
            recovery_point_selection: selection,
            ..TestingPlan::default()
        },
    );
    Ok(json!({
        "CreationTime": ctx.now,
        "RestoreTestingPlanArn": arn,
        "RestoreTestingPlanName": name,
    }))
}

fn plan_json(p: &TestingPlan, full: bool) -> Value {
    let mut out = json!({
        "CreationTime": p.creation_time,
        "LastExecutionTime": p.last_execution_time,
        "LastUpdateTime": p.last_update_time,
        "RestoreTestingPlanArn": p.arn,
        "RestoreTestingPlanName": p.name,
        "ScheduleExpression": p.schedule_expression,
        "ScheduleExpressionTimezone": p.schedule_expression_timezone,
        "StartWindowHours": p.start_window_hours.unwrap_or(24),
    });
    if full {
        out["CreatorRequestId"] = json!(p.creator_request_id);
        out["RecoveryPointSelection"] = p.recovery_point_selection.clone();
    }
    out
}

pub fn get_plan(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "RestoreTestingPlanName")?;
    let p = plan(world, ctx, name)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    Ok(json!({"RestoreTestingPlan": plan_json(p, true)}))
}

pub fn list_plans(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let items = plans(world, ctx)
        .map(|t| t.plans.values().map(|p| plan_json(p, false)).collect())
        .unwrap_or_default();
    page(input, items, "RestoreTestingPlans")
}

pub fn update_plan(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "RestoreTestingPlanName")?.to_owned();
    let existing = plan(world, ctx, &name)?.clone();
    authorize(ctx, world, Some(existing.arn.clone()), None)?;
    let doc = &input["RestoreTestingPlan"];
    let expression = member(doc, "ScheduleExpression")
        .map(str::to_owned)
        .unwrap_or(existing.schedule_expression.clone());
    let timezone = member(doc, "ScheduleExpressionTimezone")
        .map(str::to_owned)
        .or(existing.schedule_expression_timezone.clone());
    check_schedule(&expression, timezone.as_deref())?;
    let start_window = doc["StartWindowHours"]
        .as_i64()
        .or(existing.start_window_hours);
    check_start_window(start_window)?;
    let selection = match doc["RecoveryPointSelection"].as_object() {
        None => existing.recovery_point_selection.clone(),
        Some(changes) => {
            // Members not given keep their values.
            let mut merged = existing.recovery_point_selection.clone();
            for (k, v) in changes {
                merged[k.as_str()] = v.clone();
            }
            recovery_point_selection(&merged)?
        }
    };
    let now = ctx.now;
    let p = plans_mut(world, ctx)
        .plans
        .get_mut(&name)
        .ok_or_else(|| plan_not_found(&name))?;
    p.schedule_expression = expression;
    p.schedule_expression_timezone = timezone;
    p.start_window_hours = start_window;
    p.recovery_point_selection = selection;
    p.last_update_time = Some(now);
    Ok(json!({
        "CreationTime": p.creation_time,
        "RestoreTestingPlanArn": p.arn,
        "RestoreTestingPlanName": p.name,
        "UpdateTime": now,
    }))
}

pub fn delete_plan(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "RestoreTestingPlanName")?.to_owned();
    // DeleteRestoreTestingPlan lists InvalidRequestException as its only client error.
    let p = plans(world, ctx)
        .and_then(|t| t.plans.get(&name))
        // Text inferred.
        .ok_or_else(|| invalid_request(format!("Restore testing plan {name} does not exist")))?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    if !p.selections.is_empty() {
        // Text inferred from the documented rule.
        return Err(invalid_request(
            "All restore testing selections associated with a restore testing plan must be deleted before the restore testing plan can be deleted.",
        ));
    }
    let arn = p.arn.clone();
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    st.scheduled.restore_testing.plans.remove(&name);
    st.scheduled
        .cursors
        .remove(&format!("restore-testing-plan/{name}"));
    st.tags.remove(&arn);
    Ok(Value::Null)
}

// ---- selections ----

fn selection_not_found(plan: &str, name: &str) -> ApiError {
    // Text inferred.
    not_found(format!(
        "Restore testing selection {name} not found in restore testing plan {plan}"
    ))
}

fn specific_arns(selection: &Value) -> bool {
    selection["ProtectedResourceArns"]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v != "*"))
}

/// The documented rules of a selection's members.
fn check_selection(selection: &Value) -> ApiResult<()> {
    if let Some(t) = member(selection, "ProtectedResourceType") {
        if !TESTABLE_TYPES.contains(&t) {
            // Text inferred.
            return Err(invalid_parameter(format!(
                "Unsupported protected resource type: {t}"
            )));
        }
    }
    let arns = selection["ProtectedResourceArns"].as_array();
    let has_conditions = selection["ProtectedResourceConditions"].is_object();
    if arns.is_none() && !has_conditions {
        // Text inferred.
        return Err(invalid_parameter(
            "Either ProtectedResourceArns or ProtectedResourceConditions must be specified",
        ));
    }
    if let Some(arns) = arns {
        let wildcard = arns.iter().any(|v| v == "*");
        if wildcard && arns.len() > 1 {
            // Text inferred.
            return Err(invalid_parameter(
                "ProtectedResourceArns can be a wildcard [\"*\"] or specific ARNs, but not both",
            ));
        }
        if arns.len() > 30 {
            // Text inferred from the documented limit.
            return Err(invalid_parameter(
                "ProtectedResourceArns can include up to 30 ARNs",
            ));
        }
    }
    if has_conditions && specific_arns(selection) {
        // Text inferred.
        return Err(invalid_parameter(
            "ProtectedResourceConditions can only be used with the wildcard [\"*\"] in ProtectedResourceArns",
        ));
    }
    if let Some(h) = selection["ValidationWindowHours"].as_i64() {
        if !(0..=168).contains(&h) {
            // Text inferred from the documented range.
            return Err(invalid_parameter(
                "ValidationWindowHours must be between 0 and 168",
            ));
        }
    }
    Ok(())
}

pub fn create_selection(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let plan_name = req(input, "RestoreTestingPlanName")?.to_owned();
    let p = plan(world, ctx, &plan_name)?;
    let arn = p.arn.clone();
    authorize(ctx, world, Some(arn.clone()), None)?;
    let mut selection = input["RestoreTestingSelection"].clone();
    let name = req(&selection, "RestoreTestingSelectionName")?.to_owned();
    if !valid_name(&name) {
        // Text inferred from the documented name rule.
        return Err(invalid_parameter(format!(
            "Invalid restore testing selection name: {name}. The name must consist of only alphanumeric characters and underscores, up to 50 characters."
        )));
    }
    check_selection(&selection)?;
    if p.selections.contains_key(&name) {
        // Text inferred.
        return Err(ApiError::new(
            "AlreadyExistsException",
            format!("Restore testing selection {name} already exists in restore testing plan {plan_name}"),
        ));
    }
    if let Some(m) = selection.as_object_mut() {
        m.remove("RestoreTestingSelectionName");
    }
    let now = ctx.now;
    plans_mut(world, ctx)
        .plans
        .get_mut(&plan_name)
        .ok_or_else(|| plan_not_found(&plan_name))?
        .selections
        .insert(
            name.clone(),
            TestingSelection {
                name: name.clone(),
                creation_time: now,
                creator_request_id: member(input, "CreatorRequestId").map(str::to_owned),
                update_time: None,
                selection,
            },
        );
    Ok(json!({
        "CreationTime": now,
        "RestoreTestingPlanArn": arn,
        "RestoreTestingPlanName": plan_name,
        "RestoreTestingSelectionName": name,
    }))
}

fn selection<'w>(
    world: &'w World,
    ctx: &RequestContext,
    input: &Value,
) -> ApiResult<(&'w TestingPlan, &'w TestingSelection)> {
    let plan_name = req(input, "RestoreTestingPlanName")?;
    let name = req(input, "RestoreTestingSelectionName")?;
    let p = plan(world, ctx, plan_name)?;
    let sel = p
        .selections
        .get(name)
        .ok_or_else(|| selection_not_found(plan_name, name))?;
    Ok((p, sel))
}

fn selection_json(p: &TestingPlan, sel: &TestingSelection, full: bool) -> Value {
    let doc = &sel.selection;
    let mut out = json!({
        "CreationTime": sel.creation_time,
        "IamRoleArn": doc["IamRoleArn"],
        "ProtectedResourceType": doc["ProtectedResourceType"],
        "RestoreTestingPlanName": p.name,
        "RestoreTestingSelectionName": sel.name,
        "ValidationWindowHours": doc.get("ValidationWindowHours"),
    });
    if full {
        out["CreatorRequestId"] = json!(sel.creator_request_id);
        for key in [
            "ProtectedResourceArns",
            "ProtectedResourceConditions",
            "RestoreMetadataOverrides",
        ] {
            out[key] = doc.get(key).cloned().unwrap_or(Value::Null);
        }
    }
    out
}

pub fn get_selection(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let (p, sel) = selection(world, ctx, input)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    Ok(json!({"RestoreTestingSelection": selection_json(p, sel, true)}))
}

pub fn list_selections(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "RestoreTestingPlanName")?;
    let p = plan(world, ctx, name)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    let items = p
        .selections
        .values()
        .map(|sel| selection_json(p, sel, false))
        .collect();
    page(input, items, "RestoreTestingSelections")
}

pub fn update_selection(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let (p, sel) = selection(world, ctx, input)?;
    let (plan_name, name, arn) = (p.name.clone(), sel.name.clone(), p.arn.clone());
    authorize(ctx, world, Some(arn.clone()), None)?;
    let changes = input["RestoreTestingSelection"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if changes.contains_key("ProtectedResourceConditions") && specific_arns(&sel.selection) {
        // Text inferred from the documented rule.
        return Err(invalid_parameter(
            "A restore testing selection with ProtectedResourceArns cannot be updated with ProtectedResourceConditions",
        ));
    }
    let mut merged = sel.selection.clone();
    for (k, v) in changes {
        merged[k.as_str()] = v;
    }
    check_selection(&merged)?;
    let now = ctx.now;
    let p = plans_mut(world, ctx)
        .plans
        .get_mut(&plan_name)
        .ok_or_else(|| plan_not_found(&plan_name))?;
    let sel = p
        .selections
        .get_mut(&name)
        .ok_or_else(|| selection_not_found(&plan_name, &name))?;
    sel.selection = merged;
    sel.update_time = Some(now);
    Ok(json!({
        "CreationTime": sel.creation_time,
        "RestoreTestingPlanArn": arn,
        "RestoreTestingPlanName": plan_name,
        "RestoreTestingSelectionName": name,
        "UpdateTime": now,
    }))
}

pub fn delete_selection(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let (p, sel) = selection(world, ctx, input)?;
    let (plan_name, name, arn) = (p.name.clone(), sel.name.clone(), p.arn.clone());
    authorize(ctx, world, Some(arn), None)?;
    if let Some(p) = plans_mut(world, ctx).plans.get_mut(&plan_name) {
        p.selections.remove(&name);
    }
    Ok(Value::Null)
}

// ---- inferred metadata and validation results ----

/// What AWS Backup infers to restore a recovery point of `rp`'s type in a restore test
/// (AWS Backup's "Restore testing inferred metadata" page).
fn inferred_metadata(rp: &RecoveryPoint, region: &str) -> Map<String, Value> {
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
        .ok_or_else(super::recovery_point_not_found)?;
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

// ---- a run ----

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head) && {
                let rest = &text[head.len()..];
                (0..=rest.len())
                    .filter(|i| rest.is_char_boundary(*i))
                    .any(|i| glob(tail, &rest[i..]))
            }
        }
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Whether a protected resource's tags satisfy a selection's conditions.
fn conditions_hold(conditions: &Value, tags: &BTreeMap<String, String>) -> bool {
    let pairs = |key: &str| -> Vec<(String, String)> {
        conditions[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["Key"].as_str().unwrap_or_default().to_owned(),
                    c["Value"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    pairs("StringEquals")
        .iter()
        .all(|(k, v)| tags.get(k) == Some(v))
        && pairs("StringNotEquals")
            .iter()
            .all(|(k, v)| tags.get(k) != Some(v))
}

/// The recovery points a selection may restore at `at`, under the plan's selection rules.
fn candidates(
    world: &World,
    account: &str,
    region: &str,
    rps: &Value,
    sel: &Value,
    at: f64,
) -> Vec<RecoveryPoint> {
    let include = strings(&rps["IncludeVaults"]);
    let exclude = strings(&rps["ExcludeVaults"]);
    let window = rps["SelectionWindowDays"].as_f64().unwrap_or(30.0) * 86_400.0;
    // keyhole's recovery points are all snapshots.
    let snapshots = strings(&rps["RecoveryPointTypes"]).contains(&"SNAPSHOT");
    let rtype = sel["ProtectedResourceType"].as_str().unwrap_or_default();
    let arns = strings(&sel["ProtectedResourceArns"]);
    let Some(st) = state(world, account, region) else {
        return Vec::new();
    };
    st.vaults
        .values()
        .filter(|v| include.iter().any(|p| glob(p, &v.arn)))
        .filter(|v| !exclude.iter().any(|p| glob(p, &v.arn)))
        .flat_map(|v| v.recovery_points.values())
        .filter(|rp| {
            snapshots
                && rp.status == "COMPLETED"
                && rp.resource_type == rtype
                && rp.creation_date <= at
                && rp.creation_date >= at - window
                && (arns.is_empty() || arns.iter().any(|a| *a == "*" || *a == rp.resource_arn))
                && (sel["ProtectedResourceConditions"].is_null() || {
                    let tags = world
                        .backup
                        .resources
                        .get(&rp.resource_arn)
                        .map(|r| r.tags.clone())
                        .unwrap_or_default();
                    conditions_hold(&sel["ProtectedResourceConditions"], &tags)
                })
        })
        .cloned()
        .collect()
}

/// Runs a restore testing plan at `at`: for each selection, picks a recovery point by the
/// plan's algorithm and starts a restore job recorded as the plan's. Returns the job ids.
pub fn run_plan(
    world: &mut World,
    account: &str,
    region: &str,
    name: &str,
    at: f64,
) -> Vec<String> {
    let Some(p) = state(world, account, region)
        .and_then(|st| st.scheduled.restore_testing.plans.get(name))
        .cloned()
    else {
        return Vec::new();
    };
    let random = p.recovery_point_selection["Algorithm"] == "RANDOM_WITHIN_WINDOW";
    let mut ids = Vec::new();
    for sel in p.selections.values() {
        let mut found = candidates(
            world,
            account,
            region,
            &p.recovery_point_selection,
            &sel.selection,
            at,
        );
        if found.is_empty() {
            continue;
        }
        found.sort_by(|a, b| {
            a.creation_date
                .total_cmp(&b.creation_date)
                .then_with(|| a.arn.cmp(&b.arn))
        });
        let index = if random {
            (uuid::Uuid::new_v4().as_u128() % found.len() as u128) as usize
        } else {
            found.len() - 1
        };
        let rp = &found[index];
        let id = super::restore_jobs::create_restore_job(
            world,
            account,
            region,
            rp,
            sel.selection["IamRoleArn"].as_str().map(str::to_owned),
            None,
            at,
        );
        state_mut(world, account, region, at)
            .scheduled
            .restore_testing
            .jobs
            .insert(
                id.clone(),
                TestingJob {
                    plan_arn: p.arn.clone(),
                    plan_name: p.name.clone(),
                    selection_name: sel.name.clone(),
                    ..TestingJob::default()
                },
            );
        ids.push(id);
    }
    if let Some(p) = state_mut(world, account, region, at)
        .scheduled
        .restore_testing
        .plans
        .get_mut(name)
    {
        p.last_execution_time = Some(at);
    }
    ids
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn vault_patterns_match_with_wildcards() {
        let arn = "arn:aws:backup:us-east-1:111111111111:backup-vault:asdf-1";
        assert!(glob("*", arn));
        assert!(glob("arn:aws:backup:*:*:backup-vault:asdf-*", arn));
        assert!(!glob("arn:aws:backup:*:*:backup-vault:other-*", arn));
    }

    #[test]
    fn conditions_need_every_equal_and_no_unequal() {
        let tags: BTreeMap<String, String> = [("env".to_owned(), "prod".to_owned())].into();
        let c = json!({"StringEquals": [{"Key": "env", "Value": "prod"}]});
        assert!(conditions_hold(&c, &tags));
        let c = json!({"StringNotEquals": [{"Key": "env", "Value": "prod"}]});
        assert!(!conditions_hold(&c, &tags));
        let c = json!({"StringEquals": [{"Key": "team", "Value": "a"}]});
        assert!(!conditions_hold(&c, &tags));
    }
}
