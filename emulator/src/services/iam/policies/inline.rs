//! Inline policies of users, groups and roles: Put, Get, List and Delete{User,Group,Role}Policy.

use serde_json::{json, Value};

use super::entities::{authorized_entity, modifiable_entity, policies_mut, policies_of, Entity};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::errors::no_such_entity;
use crate::services::iam::output::empty;
use crate::services::iam::paging::list_output;
use crate::services::iam::policy_docs::{
    check_inline_aggregate, size_without_whitespace, url_encode, validate_policy_document,
    PolicyDocumentKind,
};
use crate::services::iam::users;
use crate::services::input::text;
use crate::world::iam::access::{iam, iam_mut};
use crate::world::World;

fn inline_not_found(entity: Entity, name: &str) -> ApiError {
    // Verified for roles; the user and group forms follow the same pattern.
    no_such_entity(format!(
        "The {} policy with name {name} cannot be found.",
        entity.word()
    ))
}

pub(super) fn put_inline(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = modifiable_entity(ctx, world, input, entity, Vec::new())?;
    let policy_name = text(input, "PolicyName");
    let document = text(input, "PolicyDocument");
    validate_policy_document(PolicyDocumentKind::Identity, document)?;
    let state = iam_mut(world, &account, ctx.now);
    let policies =
        policies_mut(state, entity, &info.name).ok_or_else(|| users::user_not_found(&info.name))?;
    let total = policies.inline_size_without(policy_name) + size_without_whitespace(document);
    check_inline_aggregate(entity.word(), &info.name, total)?;
    policies.inline_put(policy_name, document);
    Ok(empty())
}

pub(super) fn get_inline(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = authorized_entity(ctx, world, input, entity, Vec::new())?;
    let policy_name = text(input, "PolicyName");
    let (name, document) = iam(world, &account)
        .and_then(|s| policies_of(s, entity, &info.name))
        .and_then(|p| p.inline_get(policy_name))
        .ok_or_else(|| inline_not_found(entity, policy_name))?;
    Ok(json!({
        entity.name_member(): info.name,
        "PolicyName": name,
        "PolicyDocument": url_encode(document),
    }))
}

pub(super) fn list_inline(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = authorized_entity(ctx, world, input, entity, Vec::new())?;
    let mut names: Vec<Value> = iam(world, &account)
        .and_then(|s| policies_of(s, entity, &info.name))
        .map(|p| p.inline.iter().map(|(n, _)| json!(n)).collect())
        .unwrap_or_default();
    names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    list_output("PolicyNames", names, input)
}

pub(super) fn delete_inline(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = modifiable_entity(ctx, world, input, entity, Vec::new())?;
    let policy_name = text(input, "PolicyName");
    let removed = policies_mut(iam_mut(world, &account, ctx.now), entity, &info.name)
        .is_some_and(|p| p.inline_remove(policy_name));
    if !removed {
        return Err(inline_not_found(entity, policy_name));
    }
    Ok(empty())
}
