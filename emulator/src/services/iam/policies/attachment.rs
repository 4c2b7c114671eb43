//! Attaching managed policies (customer and AWS) to users, groups and roles, and their
//! permissions boundaries: Attach/Detach/ListAttached{User,Group,Role}Policies,
//! Put/Delete{User,Role}PermissionsBoundary.

use serde_json::{json, Value};

use super::entities::{
    authorized_entity, modifiable_entity, policies_mut, policies_of, policy_not_found, Entity,
    MAX_ATTACHED,
};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::boundaries::boundary_arn;
use crate::services::iam::errors::{limit_exceeded, modeled_error, no_such_entity};
use crate::services::iam::output::empty;
use crate::services::iam::paging::{list_output, path_matches};
use crate::services::input::text;
use crate::world::iam::access::{iam, iam_mut, resolve, PolicyRef};
use crate::world::iam::state::key;
use crate::world::World;

fn not_attachable(arn: &str) -> ApiError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

pub(super) fn attach(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    let context = vec![("iam:PolicyARN".into(), json!(arn))];
    let info = modifiable_entity(ctx, world, input, entity, context)?;
    let policy = resolve(world, &account, arn).ok_or_else(|| not_attachable(arn))?;
    if let PolicyRef::Aws(p) = policy {
        if p.path.starts_with("/aws-service-role/") && entity == Entity::Role {
            return Err(modeled_error(
                "PolicyNotAttachableException",
                "Cannot attach a Service Role Policy to a Customer Role.",
            ));
        }
        if p.path.starts_with("/aws-service-role/") || p.path.starts_with("/root-task/") {
            return Err(not_attachable(arn));
        }
    }
    let policies = policies_mut(iam_mut(world, &account, ctx.now), entity, &info.name)
        .ok_or_else(|| not_attachable(arn))?;
    if policies.attached.iter().any(|a| a == arn) {
        return Ok(empty());
    }
    if policies.attached.len() >= MAX_ATTACHED {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for {}: {MAX_ATTACHED}",
            entity.quota_name()
        )));
    }
    policies.attached.push(arn.to_owned());
    Ok(empty())
}

pub(super) fn detach(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    let context = vec![("iam:PolicyARN".into(), json!(arn))];
    let info = modifiable_entity(ctx, world, input, entity, context)?;
    let policies = policies_mut(iam_mut(world, &account, ctx.now), entity, &info.name)
        .ok_or_else(|| policy_not_found(arn))?;
    if !policies.attached.iter().any(|a| a == arn) {
        return Err(policy_not_found(arn));
    }
    policies.attached.retain(|a| a != arn);
    Ok(empty())
}

/// (name, path) of an attached ARN, for listings.
pub(super) fn name_and_path(world: &World, account: &str, arn: &str) -> (String, String) {
    match resolve(world, account, arn) {
        Some(PolicyRef::Aws(p)) => (p.name.clone(), p.path.clone()),
        Some(PolicyRef::Customer(k)) => iam(world, account)
            .and_then(|s| s.policies.get(&k))
            .map(|p| (p.name.clone(), p.path.clone()))
            .unwrap_or_default(),
        None => (arn.rsplit('/').next().unwrap_or(arn).to_owned(), "/".into()),
    }
}

pub(super) fn list_attached(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = authorized_entity(ctx, world, input, entity, Vec::new())?;
    let attached = iam(world, &account)
        .and_then(|s| policies_of(s, entity, &info.name))
        .map(|p| p.attached.clone())
        .unwrap_or_default();
    let items: Vec<Value> = attached
        .iter()
        .filter_map(|arn| {
            let (name, path) = name_and_path(world, &account, arn);
            path_matches(&path, input).then(|| json!({"PolicyName": name, "PolicyArn": arn}))
        })
        .collect();
    list_output("AttachedPolicies", items, input)
}

pub(super) fn put_boundary(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PermissionsBoundary");
    let context = vec![("iam:PermissionsBoundary".into(), json!(arn))];
    let info = modifiable_entity(ctx, world, input, entity, context)?;
    let arn = boundary_arn(world, &account, arn)?;
    set_boundary(world, &account, entity, &info.name, Some(arn), ctx.now);
    Ok(empty())
}

pub(super) fn delete_boundary(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = modifiable_entity(ctx, world, input, entity, Vec::new())?;
    set_boundary(world, &account, entity, &info.name, None, ctx.now);
    Ok(empty())
}

fn set_boundary(
    world: &mut World,
    account: &str,
    entity: Entity,
    name: &str,
    arn: Option<String>,
    now: f64,
) {
    let state = iam_mut(world, account, now);
    match entity {
        Entity::User => {
            if let Some(u) = state.users.get_mut(&key(name)) {
                u.permissions_boundary = arn;
            }
        }
        Entity::Role => {
            if let Some(r) = state.roles.get_mut(&key(name)) {
                r.permissions_boundary = arn;
            }
        }
        Entity::Group => {}
    }
}
