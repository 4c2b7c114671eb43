//! Backup Audit Manager: frameworks of controls; report plans are in `report_plans`. A
//! framework or plan deploys on keyhole's clock (CREATE_IN_PROGRESS / UPDATE_IN_PROGRESS for
//! the job duration, then COMPLETED); report jobs and their content live in
//! [`super::reports`].

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{invalid_parameter, not_found};
use super::input::req;
use super::lookup::{state, state_mut};
use super::paging::page;
use super::state::audit::{AuditState, Deployment, Framework};
use super::tags::tags_from;
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

/// AWS Backup Audit Manager's controls and the input parameters each takes
/// (docs: controls-and-remediation, creating-frameworks-api).
pub const CONTROLS: &[(&str, &[&str])] = &[
    ("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", &[]),
    (
        "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
        &[
            "requiredFrequencyUnit",
            "requiredFrequencyValue",
            "requiredRetentionDays",
        ],
    ),
    (
        "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
        &["principalArnList"],
    ),
    ("BACKUP_RECOVERY_POINT_ENCRYPTED", &[]),
    (
        "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
        &["requiredRetentionDays"],
    ),
    (
        "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
        &["crossRegionList"],
    ),
    (
        "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
        &["crossAccountList"],
    ),
    (
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
        &["minRetentionDays", "maxRetentionDays"],
    ),
    (
        "BACKUP_LAST_RECOVERY_POINT_CREATED",
        &["recoveryPointAgeUnit", "recoveryPointAgeValue"],
    ),
    (
        "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET",
        &["maxRestoreTime"],
    ),
    (
        "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
        &["recoveryPointAgeUnit", "recoveryPointAgeValue"],
    ),
];

/// "You can use up to 50 controls per account per Region" (controls-and-remediation).
const MAX_CONTROLS: usize = 50;

pub const REPORT_TEMPLATES: &[&str] = &[
    "RESOURCE_COMPLIANCE_REPORT",
    "CONTROL_COMPLIANCE_REPORT",
    "BACKUP_JOB_REPORT",
    "COPY_JOB_REPORT",
    "RESTORE_JOB_REPORT",
    "SCAN_JOB_REPORT",
];

pub fn is_compliance_template(template: &str) -> bool {
    template.ends_with("_COMPLIANCE_REPORT")
}

/// A control's input parameters as name → value.
pub fn parameters(control: &Value) -> BTreeMap<String, String> {
    control["ControlInputParameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p["ParameterName"].as_str()?.to_owned(),
                p["ParameterValue"].as_str().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn positive_int(control: &str, name: &str, value: &str) -> ApiResult<i64> {
    match value.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        // Text inferred.
        _ => Err(invalid_parameter(format!(
            "Invalid value {value} for parameter {name} of control {control}. The value must be a positive integer."
        ))),
    }
}

fn check_unit(control: &str, name: &str, value: &str) -> ApiResult<()> {
    if value == "hours" || value == "days" {
        return Ok(());
    }
    // Text inferred.
    Err(invalid_parameter(format!(
        "Invalid value {value} for parameter {name} of control {control}. Accepted values: hours, days."
    )))
}

fn check_list(control: &str, name: &str, value: &str, max: usize) -> ApiResult<Vec<String>> {
    let items: Vec<String> = value
        .split(',')
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if items.is_empty() || items.len() > max {
        // Text inferred.
        return Err(invalid_parameter(format!(
            "Invalid value for parameter {name} of control {control}. Specify 1 to {max} comma-separated values."
        )));
    }
    Ok(items)
}

/// Validates one control: a known name, its own parameters with valid values, a scope of
/// at most one tag.
fn check_control(control: &Value) -> ApiResult<()> {
    let name = control["ControlName"].as_str().unwrap_or_default();
    let Some((_, allowed)) = CONTROLS.iter().find(|(n, _)| *n == name) else {
        // Text inferred.
        return Err(invalid_parameter(format!("Invalid control name: {name}")));
    };
    let params = parameters(control);
    for (key, value) in &params {
        if !allowed.contains(&key.as_str()) {
            // Text inferred.
            return Err(invalid_parameter(format!(
                "Invalid parameter name {key} for control {name}"
            )));
        }
        match key.as_str() {
            "requiredFrequencyUnit" | "recoveryPointAgeUnit" => check_unit(name, key, value)?,
            "requiredFrequencyValue"
            | "requiredRetentionDays"
            | "minRetentionDays"
            | "maxRetentionDays"
            | "recoveryPointAgeValue"
            | "maxRestoreTime" => {
                positive_int(name, key, value)?;
            }
            "crossRegionList" => {
                check_list(name, key, value, 3)?;
            }
            "crossAccountList" => {
                for account in check_list(name, key, value, 5)? {
                    if !crate::world::is_account_id(&account) {
                        // Text inferred.
                        return Err(invalid_parameter(format!(
                            "Invalid account ID {account} in parameter {key} of control {name}"
                        )));
                    }
                }
            }
            "principalArnList" => {
                check_list(name, key, value, 5)?;
            }
            _ => {}
        }
    }
    // Config's limits for a frequency: at most 24 hours or 31 days (backup-plan-min-frequency-
    // and-min-retention-check).
    if let Some(v) = params.get("requiredFrequencyValue") {
        let unit = params
            .get("requiredFrequencyUnit")
            .map(String::as_str)
            .unwrap_or("days");
        let max = if unit == "hours" { 24 } else { 31 };
        if positive_int(name, "requiredFrequencyValue", v)? > max {
            // Text inferred.
            return Err(invalid_parameter(format!(
                "Invalid value {v} for parameter requiredFrequencyValue of control {name}. The maximum is {max} {unit}."
            )));
        }
    }
    if let (Some(min), Some(max)) = (
        params.get("minRetentionDays"),
        params.get("maxRetentionDays"),
    ) {
        if positive_int(name, "minRetentionDays", min)?
            > positive_int(name, "maxRetentionDays", max)?
        {
            // Text inferred.
            return Err(invalid_parameter(format!(
                "minRetentionDays must not be greater than maxRetentionDays for control {name}"
            )));
        }
    }
    let tags = control["ControlScope"]["Tags"]
        .as_object()
        .map_or(0, |t| t.len());
    if tags > 1 {
        // Text inferred (the limit is documented on ControlScope.Tags).
        return Err(invalid_parameter(format!(
            "A maximum of one tag key-value pair can be provided in the scope of control {name}"
        )));
    }
    Ok(())
}

fn check_controls(controls: &Value) -> ApiResult<usize> {
    let list = controls.as_array().map(Vec::as_slice).unwrap_or_default();
    for control in list {
        check_control(control)?;
    }
    Ok(list.len())
}

fn controls_in_use(world: &World, ctx: &RequestContext, except: Option<&str>) -> usize {
    state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.audit
                .frameworks
                .values()
                .filter(|f| Some(f.name.as_str()) != except)
                .map(|f| f.controls.as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0)
}

fn check_limit(
    world: &World,
    ctx: &RequestContext,
    except: Option<&str>,
    adding: usize,
) -> ApiResult<()> {
    if controls_in_use(world, ctx, except) + adding > MAX_CONTROLS {
        // Text inferred (the limit of 50 controls per account per Region is documented).
        return Err(ApiError::new(
            "LimitExceededException",
            format!("You can use up to {MAX_CONTROLS} controls per account per Region."),
        ));
    }
    Ok(())
}

/// What updating a framework or a report plan sets besides its own fields.
pub(super) struct Update {
    pub(super) description: Option<String>,
    pub(super) token: Option<String>,
    pub(super) deployment: Deployment,
}

impl Update {
    /// The update an UpdateFramework or UpdateReportPlan request makes, given the resource's
    /// idempotency token and deployment as they are: `None` when it repeats the last update
    /// (the same IdempotencyToken: answered as it was), ConflictException while a create or
    /// update still deploys.
    pub(super) fn begin(
        world: &World,
        now: f64,
        input: &Value,
        description_member: &str,
        (current_token, deployment): (&Option<String>, &Deployment),
    ) -> ApiResult<Option<Update>> {
        let token = member(input, "IdempotencyToken").map(str::to_owned);
        if token.is_some() && *current_token == token && deployment.kind == "UPDATE" {
            return Ok(None);
        }
        if deployment.status(now) != "COMPLETED" {
            return Err(conflict());
        }
        let duration = world.backup.settings.job_duration_seconds;
        Ok(Some(Update {
            description: member(input, description_member).map(str::to_owned),
            token,
            deployment: Deployment::new("UPDATE", duration, now),
        }))
    }

    pub(super) fn apply(
        self,
        description: &mut Option<String>,
        token: &mut Option<String>,
        deployment: &mut Deployment,
    ) {
        if self.description.is_some() {
            *description = self.description;
        }
        if self.token.is_some() {
            *token = self.token;
        }
        *deployment = self.deployment;
    }
}

/// Deletes a framework or a report plan (`remove`) with its tags, once it is deployed.
pub(super) fn delete_deployed(
    ctx: &RequestContext,
    world: &mut World,
    arn: String,
    status: &str,
    remove: impl FnOnce(&mut AuditState),
) -> ApiResult<Value> {
    authorize(ctx, world, Some(arn.clone()), None)?;
    if status != "COMPLETED" {
        return Err(conflict());
    }
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    remove(&mut st.audit);
    st.tags.remove(&arn);
    Ok(Value::Null)
}

/// AWS's ConflictException while a previous create or update still deploys.
pub(super) fn conflict() -> ApiError {
    // Text inferred (ConflictException's documented meaning).
    ApiError::new(
        "ConflictException",
        "Backup can't perform the action that you requested until it finishes performing a previous action. Try again later.",
    )
}

fn find_framework<'w>(
    ctx: &RequestContext,
    world: &'w World,
    name: &str,
) -> ApiResult<&'w Framework> {
    state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.audit.frameworks.get(name))
        // Text inferred.
        .ok_or_else(|| not_found(format!("Framework {name} does not exist")))
}

fn framework_json(f: &Framework, now: f64) -> Value {
    json!({
        "FrameworkName": f.name,
        "FrameworkArn": f.arn,
        "FrameworkDescription": f.description,
        "FrameworkControls": f.controls,
        "CreationTime": f.creation_time,
        "DeploymentStatus": f.deployment.status(now),
        // keyhole has no AWS Config recording to turn off: every governed resource is recorded.
        "FrameworkStatus": "ACTIVE",
        "IdempotencyToken": f.idempotency_token,
    })
}

pub fn create_framework(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "FrameworkName")?.to_owned();
    let token = member(input, "IdempotencyToken").map(str::to_owned);
    if let Some(existing) =
        state(world, &ctx.caller.account, &ctx.region).and_then(|st| st.audit.frameworks.get(&name))
    {
        authorize(ctx, world, Some(existing.arn.clone()), None)?;
        if token.is_some() && existing.idempotency_token == token {
            return Ok(json!({"FrameworkName": existing.name, "FrameworkArn": existing.arn}));
        }
        // AWS's text for CreateFramework's AlreadyExistsException (seen in the terraform
        // provider's acceptance tests).
        return Err(ApiError::new(
            "AlreadyExistsException",
            format!(
                "Controls in framework {name} from account {} already exist.",
                ctx.caller.account
            ),
        )
        .field("Arn", existing.arn.as_str()));
    }
    let arn = format!(
        "arn:{}:backup:{}:{}:framework:{name}-{}",
        crate::world::partition(&ctx.region),
        ctx.region,
        ctx.caller.account,
        uuid::Uuid::new_v4()
    );
    authorize(ctx, world, Some(arn.clone()), None)?;
    let controls = input.get("FrameworkControls").cloned().unwrap_or(json!([]));
    let count = check_controls(&controls)?;
    check_limit(world, ctx, None, count)?;
    let framework = Framework {
        name: name.clone(),
        arn: arn.clone(),
        description: member(input, "FrameworkDescription").map(str::to_owned),
        controls,
        creation_time: ctx.now,
        idempotency_token: token,
        deployment: Deployment::new(
            "CREATE",
            world.backup.settings.job_duration_seconds,
            ctx.now,
        ),
    };
    let tags = tags_from(&input["FrameworkTags"]);
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    if !tags.is_empty() {
        st.tags.insert(arn.clone(), tags);
    }
    st.audit.frameworks.insert(name.clone(), framework);
    Ok(json!({"FrameworkName": name, "FrameworkArn": arn}))
}

pub fn describe_framework(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let f = find_framework(ctx, world, req(input, "FrameworkName")?)?;
    authorize(ctx, world, Some(f.arn.clone()), None)?;
    Ok(framework_json(f, ctx.now))
}

pub fn list_frameworks(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.audit
                .frameworks
                .values()
                .map(|f| {
                    json!({
                        "FrameworkName": f.name,
                        "FrameworkArn": f.arn,
                        "FrameworkDescription": f.description,
                        "NumberOfControls": f.controls.as_array().map_or(0, Vec::len),
                        "CreationTime": f.creation_time,
                        "DeploymentStatus": f.deployment.status(ctx.now),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "Frameworks")
}

pub fn update_framework(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "FrameworkName")?.to_owned();
    let f = find_framework(ctx, world, &name)?;
    authorize(ctx, world, Some(f.arn.clone()), None)?;
    let (arn, created) = (f.arn.clone(), f.creation_time);
    let out = json!({"FrameworkName": name, "FrameworkArn": arn, "CreationTime": created});
    let current = (&f.idempotency_token, &f.deployment);
    let Some(update) = Update::begin(world, ctx.now, input, "FrameworkDescription", current)?
    else {
        return Ok(out);
    };
    let controls = input.get("FrameworkControls").cloned();
    if let Some(c) = &controls {
        let count = check_controls(c)?;
        check_limit(world, ctx, Some(&name), count)?;
    }
    if let Some(f) = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .audit
        .frameworks
        .get_mut(&name)
    {
        if let Some(c) = controls {
            f.controls = c;
        }
        update.apply(
            &mut f.description,
            &mut f.idempotency_token,
            &mut f.deployment,
        );
    }
    Ok(out)
}

pub fn delete_framework(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "FrameworkName")?.to_owned();
    let f = find_framework(ctx, world, &name)?;
    let (arn, status) = (f.arn.clone(), f.deployment.status(ctx.now));
    delete_deployed(ctx, world, arn, &status, |audit| {
        audit.frameworks.remove(&name);
    })
}
