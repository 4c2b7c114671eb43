//! Backup selections: which resources a backup plan assigns.
use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{invalid_parameter, not_found};
use super::input::req;
use super::paging::page;
use super::plans::{plan, plan_mut};
use super::state::{Plan, Selection};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

pub fn create_selection(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let id = req(input, "BackupPlanId")?.to_owned();
    let arn = plan(ctx, world, &id)?.arn.clone();
    authorize(ctx, world, Some(arn), None)?;
    let selection = input["BackupSelection"].clone();
    let role = selection["IamRoleArn"].as_str().unwrap_or_default();
    if !crate::world::iam::access::principal_exists(world, role) {
        // Text inferred.
        return Err(invalid_parameter(format!("IAM Role {role} does not exist")));
    }
    let sid = uuid::Uuid::new_v4().to_string();
    let now = ctx.now;
    let p = plan_mut(ctx, world, &id)?;
    p.selections.insert(
        sid.clone(),
        Selection {
            id: sid.clone(),
            creation_date: now,
            creator_request_id: member(input, "CreatorRequestId").map(str::to_owned),
            selection,
        },
    );
    Ok(json!({"SelectionId": sid, "BackupPlanId": id, "CreationDate": now}))
}

pub(super) fn selection<'w>(
    ctx: &RequestContext,
    world: &'w World,
    input: &Value,
) -> ApiResult<(&'w Plan, &'w Selection)> {
    let id = req(input, "BackupPlanId")?;
    let sid = req(input, "SelectionId")?;
    let p = plan(ctx, world, id)?;
    let sel = p
        .selections
        .get(sid)
        // Text inferred.
        .ok_or_else(|| not_found(format!("Backup selection {sid} not found")))?;
    Ok((p, sel))
}

pub fn get_selection(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let (p, sel) = selection(ctx, world, input)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    Ok(json!({
        "BackupPlanId": p.id,
        "SelectionId": sel.id,
        "BackupSelection": sel.selection,
        "CreationDate": sel.creation_date,
        "CreatorRequestId": sel.creator_request_id,
    }))
}

pub fn delete_selection(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let (p, sel) = selection(ctx, world, input)?;
    let (id, sid, arn) = (p.id.clone(), sel.id.clone(), p.arn.clone());
    authorize(ctx, world, Some(arn), None)?;
    plan_mut(ctx, world, &id)?.selections.remove(&sid);
    Ok(Value::Null)
}

pub fn list_selections(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "BackupPlanId")?;
    let p = plan(ctx, world, id)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    let items = p
        .selections
        .values()
        .map(|sel| {
            json!({
                "SelectionId": sel.id,
                "SelectionName": sel.selection["SelectionName"],
                "BackupPlanId": p.id,
                "CreationDate": sel.creation_date,
                "CreatorRequestId": sel.creator_request_id,
                "IamRoleArn": sel.selection["IamRoleArn"],
            })
        })
        .collect();
    page(input, items, "BackupSelectionsList")
}
