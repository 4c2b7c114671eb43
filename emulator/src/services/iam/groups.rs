//! IAM groups and membership.

use serde_json::{json, Value};

use super::arns::group_arn;
use super::authorize::authorize;
use super::errors::{
    already_exists, check_no_policies, delete_conflict, limit_exceeded, no_such_entity,
};
use super::paging::{list_output, path_matches};
use super::users::{self, user_json};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::output::empty;
use crate::services::input::{member, text};
use crate::world::iam::access::{iam, iam_mut};
use crate::world::iam::ids;
use crate::world::iam::state::{key, Group};
use crate::world::World;

/// IAM quota: a user belongs to at most 10 groups.
pub const GROUPS_PER_USER: usize = 10;

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    match operation {
        "CreateGroup" => create_group(ctx, world, input),
        "GetGroup" => get_group(ctx, world, input),
        "ListGroups" => list_groups(ctx, world, input),
        "DeleteGroup" => delete_group(ctx, world, input),
        "UpdateGroup" => update_group(ctx, world, input),
        "AddUserToGroup" => add_user(ctx, world, input),
        "RemoveUserFromGroup" => remove_user(ctx, world, input),
        "ListGroupsForUser" => groups_for_user(ctx, world, input),
        _ => Err(crate::services::errors::not_implemented(ctx)),
    }
}

pub fn group_not_found(name: &str) -> ApiError {
    // Text inferred (pattern of the user and role messages; moto agrees).
    no_such_entity(format!("The group with name {name} cannot be found."))
}

pub fn find<'w>(world: &'w World, account: &str, name: &str) -> ApiResult<&'w Group> {
    iam(world, account)
        .and_then(|s| s.groups.get(&key(name)))
        .ok_or_else(|| group_not_found(name))
}

pub fn find_mut<'w>(
    world: &'w mut World,
    account: &str,
    name: &str,
    now: f64,
) -> ApiResult<&'w mut Group> {
    iam_mut(world, account, now)
        .groups
        .get_mut(&key(name))
        .ok_or_else(|| group_not_found(name))
}

pub fn arn_of(account: &str, group: &Group) -> String {
    group_arn(&group.partition, account, &group.path, &group.name)
}

pub fn group_json(account: &str, group: &Group) -> Value {
    json!({
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.id,
        "Arn": arn_of(account, group),
        "CreateDate": group.create_date,
    })
}

fn create_group(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "GroupName");
    let path = member(input, "Path").unwrap_or("/");
    authorize(ctx, world, group_arn(ctx.partition(), &account, path, name))?;
    let state = iam_mut(world, &account, ctx.now);
    if state.groups.contains_key(&key(name)) {
        // Text inferred (pattern of "User with name X already exists.").
        return Err(already_exists(format!(
            "Group with name {name} already exists."
        )));
    }
    let group = Group {
        name: name.to_owned(),
        path: path.to_owned(),
        id: ids::unique_id("AGPA"),
        create_date: ctx.now,
        members: Vec::new(),
        policies: Default::default(),
        partition: ctx.partition().to_owned(),
    };
    let out = json!({"Group": group_json(&account, &group)});
    state.groups.insert(key(name), group);
    Ok(out)
}

fn get_group(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let group = find(world, &account, text(input, "GroupName"))?;
    authorize(ctx, world, arn_of(&account, group))?;
    let members: Vec<Value> = group
        .members
        .iter()
        .filter_map(|m| users::find(world, &account, m).ok())
        .map(|u| user_json(&account, u, false))
        .collect();
    let mut out = list_output("Users", members, input)?;
    out["Group"] = group_json(&account, group);
    Ok(out)
}

fn list_groups(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    authorize(ctx, world, group_arn(ctx.partition(), &account, "/", ""))?;
    let groups: Vec<Value> = iam(world, &account)
        .map(|s| {
            s.groups
                .values()
                .filter(|g| path_matches(&g.path, input))
                .map(|g| group_json(&account, g))
                .collect()
        })
        .unwrap_or_default();
    list_output("Groups", groups, input)
}

fn delete_group(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "GroupName");
    let group = find(world, &account, name)?;
    authorize(ctx, world, arn_of(&account, group))?;
    if !group.members.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must remove users from group first.",
        ));
    }
    check_no_policies(&group.policies)?;
    iam_mut(world, &account, ctx.now).groups.remove(&key(name));
    Ok(empty())
}

fn update_group(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "GroupName");
    let group = find(world, &account, name)?.clone();
    authorize(ctx, world, arn_of(&account, &group))?;
    let new_name = member(input, "NewGroupName")
        .unwrap_or(&group.name)
        .to_owned();
    let state = iam_mut(world, &account, ctx.now);
    if key(&new_name) != key(&group.name) && state.groups.contains_key(&key(&new_name)) {
        return Err(already_exists(format!(
            "Group with name {new_name} already exists."
        )));
    }
    let mut updated = group;
    state.groups.remove(&key(name));
    updated.name = new_name.clone();
    if let Some(path) = member(input, "NewPath") {
        updated.path = path.to_owned();
    }
    state.groups.insert(key(&new_name), updated);
    Ok(empty())
}

fn add_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let group = find(world, &account, text(input, "GroupName"))?;
    let group_key = key(&group.name);
    authorize(ctx, world, arn_of(&account, group))?;
    let user_name = users::find(world, &account, text(input, "UserName"))?
        .name
        .clone();
    let state = iam_mut(world, &account, ctx.now);
    let memberships = state
        .groups
        .values()
        .filter(|g| g.members.contains(&user_name))
        .count();
    let Some(group) = state.groups.get_mut(&group_key) else {
        return Err(group_not_found(text(input, "GroupName")));
    };
    if group.members.contains(&user_name) {
        return Ok(empty());
    }
    if memberships >= GROUPS_PER_USER {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}"
        )));
    }
    group.members.push(user_name);
    Ok(empty())
}

fn remove_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let group_name = text(input, "GroupName");
    let group = find(world, &account, group_name)?;
    authorize(ctx, world, arn_of(&account, group))?;
    let user_name = users::find(world, &account, text(input, "UserName"))?
        .name
        .clone();
    let group = find_mut(world, &account, group_name, ctx.now)?;
    if !group.members.contains(&user_name) {
        return Err(users::user_not_found(&user_name));
    }
    group.members.retain(|m| *m != user_name);
    Ok(empty())
}

fn groups_for_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let user = users::find(world, &account, text(input, "UserName"))?;
    authorize(ctx, world, users::arn_of(&account, user))?;
    let groups: Vec<Value> = iam(world, &account)
        .map(|s| {
            s.groups
                .values()
                .filter(|g| g.members.contains(&user.name))
                .map(|g| group_json(&account, g))
                .collect()
        })
        .unwrap_or_default();
    list_output("Groups", groups, input)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::*;
    use crate::world::World;

    #[test]
    fn membership_blocks_deletion_both_ways() {
        let mut w = World::default();
        iam(&mut w, "CreateUser", json!({"UserName": "alice"})).unwrap();
        let g = iam(&mut w, "CreateGroup", json!({"GroupName": "admins"})).unwrap();
        assert!(g["Group"]["GroupId"]
            .as_str()
            .is_some_and(|i| i.starts_with("AGPA")));
        assert_eq!(
            err(iam(&mut w, "CreateGroup", json!({"GroupName": "Admins"}))),
            (
                "EntityAlreadyExists".into(),
                409,
                "Group with name Admins already exists.".into()
            )
        );
        iam(
            &mut w,
            "AddUserToGroup",
            json!({"GroupName": "admins", "UserName": "alice"}),
        )
        .unwrap();
        let listed = iam(&mut w, "ListGroupsForUser", json!({"UserName": "alice"})).unwrap();
        assert_eq!(listed["Groups"][0]["GroupName"], "admins");
        let got = iam(&mut w, "GetGroup", json!({"GroupName": "admins"})).unwrap();
        assert_eq!(got["Users"][0]["UserName"], "alice");
        let conflict = "Cannot delete entity, must remove users from group first.".to_owned();
        assert_eq!(
            err(iam(&mut w, "DeleteGroup", json!({"GroupName": "admins"}))),
            ("DeleteConflict".into(), 409, conflict.clone())
        );
        assert_eq!(
            err(iam(&mut w, "DeleteUser", json!({"UserName": "alice"}))),
            ("DeleteConflict".into(), 409, conflict)
        );
        iam(
            &mut w,
            "RemoveUserFromGroup",
            json!({"GroupName": "admins", "UserName": "alice"}),
        )
        .unwrap();
        iam(&mut w, "DeleteGroup", json!({"GroupName": "admins"})).unwrap();
        assert_eq!(
            err(iam(&mut w, "GetGroup", json!({"GroupName": "admins"}))),
            (
                "NoSuchEntity".into(),
                404,
                "The group with name admins cannot be found.".into()
            )
        );
    }
}
