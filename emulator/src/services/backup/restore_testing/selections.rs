//! Restore testing selections: which protected resources a plan tests, with which role and
//! restore metadata.

use serde_json::{json, Value};

use super::super::authorize::authorize;
use super::super::errors::{invalid_parameter, not_found};
use super::super::input::req;
use super::super::paging::page;
use super::super::state::restore_testing::{TestingPlan, TestingSelection};
use super::lookup::{plan, plan_not_found, plans_mut, valid_name, TESTABLE_TYPES};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

pub(crate) fn selection_not_found(plan: &str, name: &str) -> ApiError {
    // Text inferred.
    not_found(format!(
        "Restore testing selection {name} not found in restore testing plan {plan}"
    ))
}

pub(crate) fn specific_arns(selection: &Value) -> bool {
    selection["ProtectedResourceArns"]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v != "*"))
}

/// The documented rules of a selection's members.
pub(crate) fn check_selection(selection: &Value) -> ApiResult<()> {
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

pub(crate) fn selection<'w>(
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

pub(crate) fn selection_json(p: &TestingPlan, sel: &TestingSelection, full: bool) -> Value {
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
