//! IAM users and their tags; access keys are in `access_keys.rs`.

use serde_json::{json, Value};

use super::arns::user_arn;
use super::authorize::{authorize, authorize_with};
use super::boundaries::boundary_json;
use super::errors::{already_exists, check_no_policies, delete_conflict, no_such_entity};
use super::paging::{list_output, path_matches};
use super::tags::{
    check_duplicate_tags, list_tags_output, merge_tags, remove_tags, tag_context, tags_from,
    tags_json,
};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::output::empty;
use crate::services::input::{member, text};
use crate::world::iam::access::{iam, iam_mut};
use crate::world::iam::ids;
use crate::world::iam::state::{key, User};
use crate::world::{CallerKind, World};

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    match operation {
        "CreateUser" => create_user(ctx, world, input),
        "GetUser" => get_user(ctx, world, input),
        "ListUsers" => list_users(ctx, world, input),
        "DeleteUser" => delete_user(ctx, world, input),
        "UpdateUser" => update_user(ctx, world, input),
        "TagUser" => tag_user(ctx, world, input),
        "UntagUser" => untag_user(ctx, world, input),
        "ListUserTags" => list_user_tags(ctx, world, input),
        _ => Err(crate::services::errors::not_implemented(ctx)),
    }
}

pub fn user_not_found(name: &str) -> ApiError {
    no_such_entity(format!("The user with name {name} cannot be found."))
}

/// The user named `name` in `account`, or AWS's NoSuchEntity.
pub fn find<'w>(world: &'w World, account: &str, name: &str) -> ApiResult<&'w User> {
    iam(world, account)
        .and_then(|s| s.users.get(&key(name)))
        .ok_or_else(|| user_not_found(name))
}

pub fn find_mut<'w>(
    world: &'w mut World,
    account: &str,
    name: &str,
    now: f64,
) -> ApiResult<&'w mut User> {
    iam_mut(world, account, now)
        .users
        .get_mut(&key(name))
        .ok_or_else(|| user_not_found(name))
}

pub fn arn_of(account: &str, user: &User) -> String {
    user_arn(&user.partition, account, &user.path, &user.name)
}

pub fn user_json(account: &str, user: &User, with_details: bool) -> Value {
    let mut out = json!({
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.id,
        "Arn": arn_of(account, user),
        "CreateDate": user.create_date,
    });
    if with_details {
        if let Some(boundary) = &user.permissions_boundary {
            out["PermissionsBoundary"] = boundary_json(boundary);
        }
        if !user.tags.is_empty() {
            out["Tags"] = tags_json(&user.tags);
        }
    }
    out
}

/// The user a request without `UserName` means: the calling IAM user, else the account
/// root (`None`); session principals must name a user.
pub(super) fn implied_user(ctx: &RequestContext) -> ApiResult<Option<String>> {
    match &ctx.caller.kind {
        CallerKind::User { name, .. } => Ok(Some(name.clone())),
        CallerKind::Root => Ok(None),
        // Text inferred (AWS's answer to GetUser from a role session).
        _ => Err(ApiError::new(
            "ValidationError",
            "Must specify userName when calling with non-User credentials",
        )),
    }
}

fn create_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "UserName");
    let path = member(input, "Path").unwrap_or("/");
    let tags = tags_from(input, "Tags");
    check_duplicate_tags(&tags)?;
    authorize_with(
        ctx,
        world,
        user_arn(ctx.partition(), &account, path, name),
        tag_context(&tags),
    )?;
    let boundary = match member(input, "PermissionsBoundary") {
        Some(arn) => Some(super::boundaries::boundary_arn(world, &account, arn)?),
        None => None,
    };
    let state = iam_mut(world, &account, ctx.now);
    if state.users.contains_key(&key(name)) {
        return Err(already_exists(format!(
            "User with name {name} already exists."
        )));
    }
    let user = User {
        name: name.to_owned(),
        path: path.to_owned(),
        id: ids::unique_id("AIDA"),
        create_date: ctx.now,
        tags,
        policies: Default::default(),
        permissions_boundary: boundary,
        partition: ctx.partition().to_owned(),
    };
    let out = json!({"User": user_json(&account, &user, true)});
    state.users.insert(key(name), user);
    Ok(out)
}

fn get_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = match member(input, "UserName") {
        Some(name) => name.to_owned(),
        None => match implied_user(ctx)? {
            Some(name) => name,
            None => {
                let arn = crate::arn::root(ctx.partition(), &account);
                authorize(ctx, world, arn.clone())?;
                let created = world.accounts.get(&account).map(|a| a.created);
                return Ok(json!({"User": {
                    "UserId": account,
                    "Arn": arn,
                    "CreateDate": created.unwrap_or(ctx.now),
                }}));
            }
        },
    };
    let user = find(world, &account, &name)?;
    authorize(ctx, world, arn_of(&account, user))?;
    Ok(json!({"User": user_json(&account, user, true)}))
}

fn list_users(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    authorize(ctx, world, user_arn(ctx.partition(), &account, "/", ""))?;
    let users: Vec<Value> = iam(world, &account)
        .map(|s| {
            s.users
                .values()
                .filter(|u| path_matches(&u.path, input))
                .map(|u| user_json(&account, u, false))
                .collect()
        })
        .unwrap_or_default();
    list_output("Users", users, input)
}

fn delete_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "UserName");
    let user = find(world, &account, name)?;
    authorize(ctx, world, arn_of(&account, user))?;
    let state = iam_mut(world, &account, ctx.now);
    let lower = key(name);
    if state
        .access_keys
        .values()
        .any(|k| k.user_name.as_deref().map(key) == Some(lower.clone()))
    {
        return Err(delete_conflict(
            "Cannot delete entity, must delete access keys first.",
        ));
    }
    let Some(user) = state.users.get(&lower) else {
        return Err(user_not_found(name));
    };
    check_no_policies(&user.policies)?;
    let user_name = user.name.clone();
    if state
        .groups
        .values()
        .any(|g| g.members.contains(&user_name))
    {
        return Err(delete_conflict(
            "Cannot delete entity, must remove users from group first.",
        ));
    }
    state.users.remove(&lower);
    Ok(empty())
}

fn update_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "UserName");
    let user = find(world, &account, name)?.clone();
    authorize(ctx, world, arn_of(&account, &user))?;
    let new_name = member(input, "NewUserName")
        .unwrap_or(&user.name)
        .to_owned();
    let new_path = member(input, "NewPath").unwrap_or(&user.path).to_owned();
    let state = iam_mut(world, &account, ctx.now);
    if key(&new_name) != key(&user.name) && state.users.contains_key(&key(&new_name)) {
        return Err(already_exists(format!(
            "User with name {new_name} already exists."
        )));
    }
    let mut updated = state
        .users
        .remove(&key(&user.name))
        .ok_or_else(|| user_not_found(name))?;
    updated.name = new_name.clone();
    updated.path = new_path.clone();
    state.users.insert(key(&new_name), updated);
    for group in state.groups.values_mut() {
        for member in group.members.iter_mut() {
            if *member == user.name {
                *member = new_name.clone();
            }
        }
    }
    let mut key_ids = Vec::new();
    for access_key in state.access_keys.values_mut() {
        if access_key.user_name.as_deref() == Some(user.name.as_str()) {
            access_key.user_name = Some(new_name.clone());
            key_ids.push(access_key.access_key_id.clone());
        }
    }
    // Keys keep working and now sign as the renamed user.
    for id in key_ids {
        if let Some(credential) = world.credentials.get_mut(&id) {
            credential.caller.kind = CallerKind::User {
                name: new_name.clone(),
                path: new_path.clone(),
            };
        }
    }
    Ok(empty())
}

fn tag_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "UserName");
    let tags = tags_from(input, "Tags");
    check_duplicate_tags(&tags)?;
    let arn = arn_of(&account, find(world, &account, name)?);
    authorize_with(ctx, world, arn, tag_context(&tags))?;
    let user = find_mut(world, &account, name, ctx.now)?;
    merge_tags(&mut user.tags, tags)?;
    Ok(empty())
}

fn untag_user(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "UserName");
    let arn = arn_of(&account, find(world, &account, name)?);
    authorize(ctx, world, arn)?;
    let user = find_mut(world, &account, name, ctx.now)?;
    remove_tags(&mut user.tags, input);
    Ok(empty())
}

fn list_user_tags(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let user = find(world, &account, text(input, "UserName"))?;
    authorize(ctx, world, arn_of(&account, user))?;
    list_tags_output(&user.tags, input)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::*;
    use crate::world::World;

    #[test]
    fn users_are_created_listed_and_conflict_by_name() {
        let mut w = World::default();
        let out = iam(
            &mut w,
            "CreateUser",
            json!({"UserName": "alice", "Path": "/eng/"}),
        )
        .unwrap();
        assert_eq!(
            out["User"]["Arn"],
            "arn:aws:iam::222222222222:user/eng/alice"
        );
        assert!(out["User"]["UserId"]
            .as_str()
            .is_some_and(|i| i.starts_with("AIDA") && i.len() == 21));
        assert_eq!(
            err(iam(&mut w, "CreateUser", json!({"UserName": "ALICE"}))),
            (
                "EntityAlreadyExists".into(),
                409,
                "User with name ALICE already exists.".into()
            )
        );
        assert_eq!(
            err(iam(&mut w, "GetUser", json!({"UserName": "bob"}))),
            (
                "NoSuchEntity".into(),
                404,
                "The user with name bob cannot be found.".into()
            )
        );
        for n in ["b", "c", "d"] {
            iam(&mut w, "CreateUser", json!({"UserName": n})).unwrap();
        }
        let page = iam(&mut w, "ListUsers", json!({"MaxItems": 3})).unwrap();
        assert_eq!(page["Users"].as_array().map(Vec::len), Some(3));
        assert_eq!(page["IsTruncated"], true);
        let rest = iam(
            &mut w,
            "ListUsers",
            json!({"MaxItems": 3, "Marker": page["Marker"]}),
        )
        .unwrap();
        assert_eq!(rest["Users"].as_array().map(Vec::len), Some(1));
        assert_eq!(rest["IsTruncated"], false);
        let eng = iam(&mut w, "ListUsers", json!({"PathPrefix": "/eng/"})).unwrap();
        assert_eq!(eng["Users"][0]["UserName"], "alice");
    }

    /// ListUsers, ListRoles and ListGroups answer by name, case-insensitively (AWS documents
    /// no order): the same on every call and after the state is saved and restored.
    #[test]
    fn lists_keep_one_order_across_calls_and_restores() {
        let shared = crate::testing::Harness::new();
        for name in ["carol", "Alice", "bob"] {
            let w = &mut shared.world();
            iam(w, "CreateUser", json!({"UserName": name})).unwrap();
            iam(w, "CreateGroup", json!({"GroupName": name})).unwrap();
            let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
            iam(
                w,
                "CreateRole",
                json!({"RoleName": name, "AssumeRolePolicyDocument": trust}),
            )
            .unwrap();
        }
        let listed = |shared: &crate::testing::Harness| -> Vec<Vec<String>> {
            let w = &mut shared.world();
            [
                ("ListUsers", "Users", "UserName"),
                ("ListRoles", "Roles", "RoleName"),
                ("ListGroups", "Groups", "GroupName"),
            ]
            .iter()
            .map(|(op, list, field)| {
                let out = iam(w, op, json!({})).unwrap();
                let items = out[*list].as_array().cloned().unwrap_or_default();
                items
                    .iter()
                    .map(|v| v[*field].as_str().unwrap().to_owned())
                    .collect()
            })
            .collect()
        };
        let by_name: Vec<String> = ["Alice", "bob", "carol"].map(String::from).to_vec();
        let expected = vec![by_name.clone(), by_name.clone(), by_name];
        assert_eq!(listed(&shared), expected);
        assert_eq!(listed(&shared), expected);
        assert_eq!(listed(&shared.restored()), expected);
    }

    #[test]
    fn renaming_a_user_moves_its_keys() {
        let mut w = World::default();
        iam(&mut w, "CreateUser", json!({"UserName": "alice"})).unwrap();
        let k = iam(&mut w, "CreateAccessKey", json!({"UserName": "alice"})).unwrap();
        let id = k["AccessKey"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        iam(
            &mut w,
            "UpdateUser",
            json!({"UserName": "alice", "NewUserName": "carol", "NewPath": "/x/"}),
        )
        .unwrap();
        assert_eq!(
            w.credentials[&id].caller.arn(),
            "arn:aws:iam::222222222222:user/x/carol"
        );
        assert!(iam(&mut w, "GetUser", json!({"UserName": "carol"})).is_ok());
    }
}
