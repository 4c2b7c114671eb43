//! Backup Audit Manager's report plans: delivery channel and report settings checks, and
//! CreateReportPlan, DescribeReportPlan, ListReportPlans, UpdateReportPlan, DeleteReportPlan.
//! Report jobs and their content live in `reports`.

use serde_json::{json, Value};

use super::audit::{delete_deployed, is_compliance_template, Update, REPORT_TEMPLATES};
use super::authorize::authorize;
use super::errors::{invalid_parameter, not_found};
use super::input::req;
use super::lookup::{state, state_mut};
use super::paging::page;
use super::state::audit::{Deployment, ReportPlan};
use super::tags::tags_from;
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

pub(super) fn find_plan<'w>(
    ctx: &RequestContext,
    world: &'w World,
    name: &str,
) -> ApiResult<&'w ReportPlan> {
    state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.audit.report_plans.get(name))
        // Text inferred.
        .ok_or_else(|| not_found(format!("Report plan {name} does not exist")))
}

pub(crate) fn plan_json(p: &ReportPlan, now: f64) -> Value {
    let mut setting = p.setting.clone();
    let frameworks = setting["FrameworkArns"].as_array().map_or(0, Vec::len);
    if let Some(map) = setting.as_object_mut() {
        map.insert("NumberOfFrameworks".into(), json!(frameworks));
    }
    json!({
        "ReportPlanArn": p.arn,
        "ReportPlanName": p.name,
        "ReportPlanDescription": p.description,
        "ReportSetting": setting,
        "ReportDeliveryChannel": p.delivery_channel,
        "DeploymentStatus": p.deployment.status(now),
        "CreationTime": p.creation_time,
        "LastAttemptedExecutionTime": p.last_attempted,
        "LastSuccessfulExecutionTime": p.last_successful,
    })
}

/// The delivery channel with CSV as the default format; formats must be CSV or JSON.
pub(super) fn delivery_channel(channel: &Value) -> ApiResult<Value> {
    let mut channel = channel.clone();
    let formats = formats_of(&channel);
    for f in &formats {
        if f != "CSV" && f != "JSON" {
            // Text inferred.
            return Err(invalid_parameter(format!(
                "Invalid report format: {f}. Valid formats are CSV and JSON."
            )));
        }
    }
    if let Some(map) = channel.as_object_mut() {
        map.insert("Formats".into(), json!(formats));
    }
    Ok(channel)
}

/// A known template; a single-account compliance report needs frameworks of this account
/// and Region, a multi-account one (Accounts or OrganizationUnits) takes none.
pub(super) fn check_setting(ctx: &RequestContext, world: &World, setting: &Value) -> ApiResult<()> {
    let template = setting["ReportTemplate"].as_str().unwrap_or_default();
    if !REPORT_TEMPLATES.contains(&template) {
        // Text inferred.
        return Err(invalid_parameter(format!(
            "Invalid report template: {template}. Valid templates are {}.",
            REPORT_TEMPLATES.join(", ")
        )));
    }
    if !is_compliance_template(template) {
        return Ok(());
    }
    let arns: Vec<&str> = setting["FrameworkArns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let listed = |key: &str| setting[key].as_array().is_some_and(|a| !a.is_empty());
    if listed("Accounts") || listed("OrganizationUnits") {
        // A multi-account compliance report takes no frameworks: AWS rejects them with this
        // text, and the plan is created once FrameworkArns is removed
        // (hashicorp/terraform-provider-aws#32235, real answers, 2023).
        if !arns.is_empty() {
            return Err(invalid_parameter(
                "Invalid parameter: For multi-account, multi-Region reports, use Accounts, OrganizationUnits and Regions",
            ));
        }
        return Ok(());
    }
    if arns.is_empty() {
        // Text inferred.
        return Err(invalid_parameter(format!(
            "FrameworkArns must be specified for report template {template}"
        )));
    }
    let frameworks = state(world, &ctx.caller.account, &ctx.region).map(|st| &st.audit.frameworks);
    for arn in arns {
        if !frameworks.is_some_and(|f| f.values().any(|f| f.arn == arn)) {
            // Text inferred.
            return Err(invalid_parameter(format!("Framework {arn} does not exist")));
        }
    }
    Ok(())
}

pub fn create_report_plan(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "ReportPlanName")?.to_owned();
    let token = member(input, "IdempotencyToken").map(str::to_owned);
    if let Some(existing) = state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.audit.report_plans.get(&name))
    {
        authorize(ctx, world, Some(existing.arn.clone()), None)?;
        if token.is_some() && existing.idempotency_token == token {
            return Ok(
                json!({"ReportPlanName": existing.name, "ReportPlanArn": existing.arn,
                             "CreationTime": existing.creation_time}),
            );
        }
        // Text inferred.
        return Err(ApiError::new(
            "AlreadyExistsException",
            format!("Report plan with name {name} already exists"),
        )
        .field("Arn", existing.arn.as_str()));
    }
    let arn = format!(
        "arn:{}:backup:{}:{}:report-plan:{name}-{}",
        crate::world::partition(&ctx.region),
        ctx.region,
        ctx.caller.account,
        uuid::Uuid::new_v4()
    );
    authorize(ctx, world, Some(arn.clone()), None)?;
    let setting = input.get("ReportSetting").cloned().unwrap_or(json!({}));
    check_setting(ctx, world, &setting)?;
    let plan = ReportPlan {
        name: name.clone(),
        arn: arn.clone(),
        description: member(input, "ReportPlanDescription").map(str::to_owned),
        delivery_channel: delivery_channel(&input["ReportDeliveryChannel"])?,
        setting,
        creation_time: ctx.now,
        idempotency_token: token,
        deployment: Deployment::new(
            "CREATE",
            world.backup.settings.job_duration_seconds,
            ctx.now,
        ),
        last_attempted: None,
        last_successful: None,
    };
    let tags = tags_from(&input["ReportPlanTags"]);
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    if !tags.is_empty() {
        st.tags.insert(arn.clone(), tags);
    }
    st.audit.report_plans.insert(name.clone(), plan);
    Ok(json!({"ReportPlanName": name, "ReportPlanArn": arn, "CreationTime": ctx.now}))
}

pub fn describe_report_plan(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let p = find_plan(ctx, world, req(input, "ReportPlanName")?)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    Ok(json!({"ReportPlan": plan_json(p, ctx.now)}))
}

pub fn list_report_plans(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.audit
                .report_plans
                .values()
                .map(|p| plan_json(p, ctx.now))
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "ReportPlans")
}

pub fn update_report_plan(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "ReportPlanName")?.to_owned();
    let p = find_plan(ctx, world, &name)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    let (arn, created) = (p.arn.clone(), p.creation_time);
    let out = json!({"ReportPlanName": name, "ReportPlanArn": arn, "CreationTime": created});
    let current = (&p.idempotency_token, &p.deployment);
    let Some(update) = Update::begin(world, ctx.now, input, "ReportPlanDescription", current)?
    else {
        return Ok(out);
    };
    let setting = input.get("ReportSetting").cloned();
    if let Some(setting) = &setting {
        check_setting(ctx, world, setting)?;
    }
    let channel = match input.get("ReportDeliveryChannel") {
        Some(c) => Some(delivery_channel(c)?),
        None => None,
    };
    if let Some(p) = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .audit
        .report_plans
        .get_mut(&name)
    {
        if let Some(s) = setting {
            p.setting = s;
        }
        if let Some(c) = channel {
            p.delivery_channel = c;
        }
        update.apply(
            &mut p.description,
            &mut p.idempotency_token,
            &mut p.deployment,
        );
    }
    Ok(out)
}

pub fn delete_report_plan(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let name = req(input, "ReportPlanName")?.to_owned();
    let p = find_plan(ctx, world, &name)?;
    let (arn, status) = (p.arn.clone(), p.deployment.status(ctx.now));
    delete_deployed(ctx, world, arn, &status, |audit| {
        audit.report_plans.remove(&name);
    })
}

pub(crate) fn plan_for_job<'w>(
    ctx: &RequestContext,
    world: &'w World,
    name: &str,
) -> ApiResult<&'w ReportPlan> {
    find_plan(ctx, world, name)
}

/// The formats a delivery channel asks for; CSV when it names none.
pub(crate) fn formats_of(channel: &Value) -> Vec<String> {
    let formats: Vec<String> = channel["Formats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if formats.is_empty() {
        vec!["CSV".into()]
    } else {
        formats
    }
}
