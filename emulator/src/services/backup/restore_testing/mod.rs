//! Restore testing: plans (which recovery points, when), selections (which protected
//! resources, with which role and restore metadata), the scheduled runs that start restore
//! jobs (`runs::run_plan`, called by [`super::schedule`]), and the validation results callers
//! report on those jobs.

mod lookup;
pub(crate) mod runs;
mod selections;
pub(crate) mod validation;

pub use selections::{
    create_selection, delete_selection, get_selection, list_selections, update_selection,
};
pub use validation::{inferred, put_validation_result};

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{invalid_parameter, invalid_request};
use super::input::req;
use super::lookup::state_mut;
use super::paging::page;
use super::schedule::{check, ScheduleError};
use super::state::restore_testing::TestingPlan;
use super::tags::tags_from;
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;
use lookup::{plan, plan_not_found, plans, plans_mut, valid_name};

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
    let at = (ctx.caller.account.as_str(), ctx.region.as_str());
    super::schedule::schedule_restore_test(world, at, &name);
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
    let out = json!({
        "CreationTime": p.creation_time,
        "RestoreTestingPlanArn": p.arn,
        "RestoreTestingPlanName": p.name,
        "UpdateTime": now,
    });
    let at = (ctx.caller.account.as_str(), ctx.region.as_str());
    super::schedule::schedule_restore_test(world, at, &name);
    Ok(out)
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
