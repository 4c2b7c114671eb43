//! Legal holds: recovery points they select cannot be deleted while the hold is active.

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::{invalid_request, not_found};
use super::input::req;
use super::lookup::{state, state_mut};
use super::paging::page;
use super::state::{LegalHold, RecoveryPoint};
use super::tags::tags_from;
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

/// Whether an active hold's selection covers `rp` (every given criterion must match).
pub fn covers(hold: &LegalHold, rp: &RecoveryPoint) -> bool {
    if hold.status != "ACTIVE" {
        return false;
    }
    let sel = &hold.selection;
    let listed = |key: &str, value: &str| {
        sel[key]
            .as_array()
            .is_none_or(|items| items.iter().any(|i| i.as_str() == Some(value)))
    };
    let in_range = sel["DateRange"].as_object().is_none_or(|r| {
        let from = r
            .get("FromDate")
            .and_then(Value::as_f64)
            .unwrap_or(f64::MIN);
        let to = r.get("ToDate").and_then(Value::as_f64).unwrap_or(f64::MAX);
        (from..=to).contains(&rp.creation_date)
    });
    listed("VaultNames", &rp.vault_name)
        && listed("ResourceIdentifiers", &rp.resource_arn)
        && in_range
}

/// The active hold that keeps `rp`, if any.
pub fn holding<'w>(
    world: &'w World,
    account: &str,
    region: &str,
    rp: &RecoveryPoint,
) -> Option<&'w LegalHold> {
    state(world, account, region)?
        .legal_holds
        .values()
        .find(|h| covers(h, rp))
}

fn hold_json(h: &LegalHold) -> Value {
    json!({
        "LegalHoldId": h.id,
        "LegalHoldArn": h.arn,
        "Title": h.title,
        "Description": h.description,
        "Status": h.status,
        "CreationDate": h.creation_date,
        "RecoveryPointSelection": h.selection,
        "CancelDescription": h.cancel_description,
        "CancellationDate": h.cancellation_date,
        "RetainRecordUntil": h.retain_record_until,
    })
}

pub fn create(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let id = uuid::Uuid::new_v4().to_string();
    let hold = LegalHold {
        arn: format!(
            "arn:{}:backup:{}:{}:legal-hold:{id}",
            crate::world::partition(&ctx.region),
            ctx.region,
            ctx.caller.account
        ),
        id: id.clone(),
        title: req(input, "Title")?.to_owned(),
        description: req(input, "Description")?.to_owned(),
        status: "ACTIVE".into(),
        creation_date: ctx.now,
        selection: input
            .get("RecoveryPointSelection")
            .cloned()
            .unwrap_or(json!({})),
        ..LegalHold::default()
    };
    let out = hold_json(&hold);
    let tags = tags_from(&input["Tags"]);
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    if !tags.is_empty() {
        st.tags.insert(hold.arn.clone(), tags);
    }
    st.legal_holds.insert(id, hold);
    Ok(out)
}

fn find<'w>(ctx: &RequestContext, world: &'w World, id: &str) -> ApiResult<&'w LegalHold> {
    state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.legal_holds.get(id))
        // Text inferred.
        .ok_or_else(|| not_found(format!("Legal hold {id} not found")))
}

pub fn get(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let hold = find(ctx, world, req(input, "LegalHoldId")?)?;
    authorize(ctx, world, Some(hold.arn.clone()), None)?;
    Ok(hold_json(hold))
}

pub fn cancel(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "LegalHoldId")?.to_owned();
    let hold = find(ctx, world, &id)?;
    authorize(ctx, world, Some(hold.arn.clone()), None)?;
    if hold.status != "ACTIVE" {
        // Text inferred.
        return Err(invalid_request(format!("Legal hold {id} is not active")));
    }
    let description = member(input, "CancelDescription").map(str::to_owned);
    let retain = input
        .get("RetainRecordInDays")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let now = ctx.now;
    if let Some(h) = state_mut(world, &ctx.caller.account, &ctx.region, now)
        .legal_holds
        .get_mut(&id)
    {
        h.status = "CANCELED".into();
        h.cancel_description = description;
        h.cancellation_date = Some(now);
        h.retain_record_until = Some(now + retain as f64 * 86_400.0);
    }
    Ok(Value::Null)
}

pub fn list(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.legal_holds
                .values()
                .map(|h| {
                    json!({"LegalHoldId": h.id, "LegalHoldArn": h.arn, "Title": h.title,
                       "Description": h.description, "Status": h.status,
                       "CreationDate": h.creation_date, "CancellationDate": h.cancellation_date})
                })
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "LegalHolds")
}

pub fn recovery_points(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let hold = find(ctx, world, req(input, "LegalHoldId")?)?;
    authorize(ctx, world, Some(hold.arn.clone()), None)?;
    let mut active = hold.clone();
    active.status = "ACTIVE".into();
    let items = state(world, &ctx.caller.account, &ctx.region)
        .into_iter()
        .flat_map(|st| st.vaults.values())
        .flat_map(|v| v.recovery_points.values())
        .filter(|rp| covers(&active, rp))
        .map(|rp| {
            json!({"RecoveryPointArn": rp.arn, "ResourceArn": rp.resource_arn,
                   "ResourceType": rp.resource_type, "BackupVaultName": rp.vault_name})
        })
        .collect();
    page(input, items, "RecoveryPoints")
}
