//! IAM users, their tags and their access keys.

use serde_json::{json, Value};

use super::state::{AccessKey, User};
use super::{
    already_exists, authorize, authorize_with, check_duplicate_tags, delete_conflict, empty, iam,
    iam_mut, ids, key, limit_exceeded, list_output, merge_tags, no_such_entity, opt_text,
    path_matches, remove_tags, tag_context, tags_from, tags_json, text, user_arn,
};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::world::{Caller, CallerKind, IssuedCredential, World};

/// IAM quota: two access keys per user, active or not.
pub const ACCESS_KEYS_PER_USER: usize = 2;

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
        "CreateAccessKey" => create_access_key(ctx, world, input),
        "ListAccessKeys" => list_access_keys(ctx, world, input),
        "DeleteAccessKey" => delete_access_key(ctx, world, input),
        "UpdateAccessKey" => update_access_key(ctx, world, input),
        "GetAccessKeyLastUsed" => get_access_key_last_used(ctx, world, input),
        _ => Err(crate::services::not_implemented(ctx)),
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
            out["PermissionsBoundary"] = json!({
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": boundary,
            });
        }
        if !user.tags.is_empty() {
            out["Tags"] = tags_json(&user.tags);
        }
    }
    out
}

/// The user a request without `UserName` means: the calling IAM user, else the account
/// root (`None`); session principals must name a user.
fn implied_user(ctx: &RequestContext) -> ApiResult<Option<String>> {
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
    let path = opt_text(input, "Path").unwrap_or("/");
    let tags = tags_from(input, "Tags");
    check_duplicate_tags(&tags)?;
    authorize_with(
        ctx,
        world,
        user_arn(ctx.partition(), &account, path, name),
        tag_context(&tags),
    )?;
    let boundary = match opt_text(input, "PermissionsBoundary") {
        Some(arn) => Some(super::policies::boundary_arn(world, &account, arn)?),
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
    let name = match opt_text(input, "UserName") {
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
    if !user.policies.inline.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if !user.policies.attached.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
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
    let new_name = opt_text(input, "NewUserName")
        .unwrap_or(&user.name)
        .to_owned();
    let new_path = opt_text(input, "NewPath").unwrap_or(&user.path).to_owned();
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
    let tags = tags_json(&user.tags)
        .as_array()
        .cloned()
        .unwrap_or_default();
    list_output("Tags", tags, input)
}

/// The user an access-key request is about (`None`: the root) and the ARN to authorize.
fn key_owner(
    ctx: &RequestContext,
    world: &World,
    input: &Value,
) -> ApiResult<(Option<String>, String)> {
    let account = &ctx.caller.account;
    let name = match opt_text(input, "UserName") {
        Some(name) => Some(name.to_owned()),
        None => implied_user(ctx)?,
    };
    match name {
        Some(name) => {
            let user = find(world, account, &name)?;
            Ok((Some(user.name.clone()), arn_of(account, user)))
        }
        None => Ok((None, crate::arn::root(ctx.partition(), account))),
    }
}

/// Issues a long-term access key for `user` (`None`: the account root); the key signs
/// requests as that principal from now on. `given` supplies a fixed id and secret (seeds).
pub fn issue_access_key(
    world: &mut World,
    account: &str,
    user: Option<&str>,
    given: Option<(&str, &str)>,
    now: f64,
) -> ApiResult<AccessKey> {
    let caller_kind_and_id = match user {
        Some(name) => {
            let user = find(world, account, name)?;
            (
                CallerKind::User {
                    name: user.name.clone(),
                    path: user.path.clone(),
                },
                user.id.clone(),
            )
        }
        None => (CallerKind::Root, account.to_owned()),
    };
    let state = iam_mut(world, account, now);
    let owned = state
        .access_keys
        .values()
        .filter(|k| k.user_name.as_deref().map(key) == user.map(key))
        .count();
    if owned >= ACCESS_KEYS_PER_USER {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"
        )));
    }
    let (id, secret) = match given {
        Some((id, secret)) => (id.to_owned(), secret.to_owned()),
        None => (ids::access_key_id("AKIA"), ids::secret_access_key()),
    };
    let access_key = AccessKey {
        access_key_id: id.clone(),
        user_name: user.map(str::to_owned),
        status: "Active".into(),
        create_date: now,
        last_used: None,
    };
    state.access_keys.insert(id.clone(), access_key.clone());
    let (kind, user_id) = caller_kind_and_id;
    world.credentials.insert(
        id.clone(),
        IssuedCredential {
            secret_access_key: secret,
            session_token: None,
            expiration: None,
            active: true,
            caller: Caller {
                account: account.to_owned(),
                kind,
                user_id,
                access_key_id: id,
                // Stored callers take the partition of each request they sign (pipeline).
                partition: crate::arn::default_caller_partition(),
            },
        },
    );
    Ok(access_key)
}

fn create_access_key(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let (user, arn) = key_owner(ctx, world, input)?;
    authorize(ctx, world, arn)?;
    let access_key = issue_access_key(world, &account, user.as_deref(), None, ctx.now)?;
    let secret = world
        .credentials
        .get(&access_key.access_key_id)
        .map(|c| c.secret_access_key.clone())
        .unwrap_or_default();
    let mut out = json!({
        "AccessKeyId": access_key.access_key_id,
        "Status": access_key.status,
        "SecretAccessKey": secret,
        "CreateDate": access_key.create_date,
    });
    if let Some(user) = &access_key.user_name {
        out["UserName"] = json!(user);
    }
    Ok(json!({"AccessKey": out}))
}

fn key_json(access_key: &AccessKey) -> Value {
    let mut out = json!({
        "AccessKeyId": access_key.access_key_id,
        "Status": access_key.status,
        "CreateDate": access_key.create_date,
    });
    if let Some(user) = &access_key.user_name {
        out["UserName"] = json!(user);
    }
    out
}

fn list_access_keys(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let (user, arn) = key_owner(ctx, world, input)?;
    authorize(ctx, world, arn)?;
    let keys: Vec<Value> = iam(world, &account)
        .map(|s| {
            s.access_keys
                .values()
                .filter(|k| k.user_name.as_deref().map(key) == user.as_deref().map(key))
                .map(key_json)
                .collect()
        })
        .unwrap_or_default();
    list_output("AccessKeyMetadata", keys, input)
}

fn key_not_found(id: &str) -> ApiError {
    // Text inferred (moto drops the final period; AWS's sibling messages keep it).
    no_such_entity(format!("The Access Key with id {id} cannot be found."))
}

/// The key `id` owned by the request's user, checked the way IAM does.
fn owned_key(world: &World, account: &str, id: &str, user: Option<&str>) -> ApiResult<AccessKey> {
    iam(world, account)
        .and_then(|s| s.access_keys.get(id))
        .filter(|k| k.user_name.as_deref().map(key) == user.map(key))
        .cloned()
        .ok_or_else(|| key_not_found(id))
}

fn delete_access_key(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let (user, arn) = key_owner(ctx, world, input)?;
    let id = text(input, "AccessKeyId");
    owned_key(world, &account, id, user.as_deref())?;
    authorize(ctx, world, arn)?;
    iam_mut(world, &account, ctx.now).access_keys.remove(id);
    world.credentials.remove(id);
    Ok(empty())
}

fn update_access_key(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let (user, arn) = key_owner(ctx, world, input)?;
    let id = text(input, "AccessKeyId");
    owned_key(world, &account, id, user.as_deref())?;
    authorize(ctx, world, arn)?;
    let status = text(input, "Status").to_owned();
    if let Some(k) = iam_mut(world, &account, ctx.now).access_keys.get_mut(id) {
        k.status = status.clone();
    }
    if let Some(credential) = world.credentials.get_mut(id) {
        credential.active = status == "Active";
    }
    Ok(empty())
}

fn get_access_key_last_used(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let id = text(input, "AccessKeyId");
    // The key may belong to any account; IAM answers for the key's own account.
    let found = world.accounts.iter().find_map(|(account, a)| {
        a.iam
            .access_keys
            .get(id)
            .map(|k| (account.clone(), k.clone()))
    });
    let Some((account, access_key)) = found else {
        return Err(key_not_found(id));
    };
    let arn = match &access_key.user_name {
        Some(name) => find(world, &account, name)
            .map(|u| arn_of(&account, u))
            .unwrap_or_else(|_| user_arn(ctx.partition(), &account, "/", name)),
        None => crate::arn::root(ctx.partition(), &account),
    };
    let mut access = crate::authz::Access::new(Some(arn));
    access.resource_account = Some(account.clone());
    crate::authz::authorize(ctx, world, &access)?;
    let last_used = match &access_key.last_used {
        Some((date, service, region)) => {
            json!({"LastUsedDate": date, "ServiceName": service, "Region": region})
        }
        None => json!({"ServiceName": "N/A", "Region": "N/A"}),
    };
    let mut out = json!({"AccessKeyLastUsed": last_used});
    if let Some(user) = access_key.user_name {
        out["UserName"] = json!(user);
    }
    Ok(out)
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
    fn access_keys_sign_as_their_user_and_are_limited_to_two() {
        let mut w = World::default();
        iam(&mut w, "CreateUser", json!({"UserName": "alice"})).unwrap();
        let k = iam(&mut w, "CreateAccessKey", json!({"UserName": "alice"})).unwrap();
        let id = k["AccessKey"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(id.starts_with("AKIA") && id.len() == 20);
        assert_eq!(
            k["AccessKey"]["SecretAccessKey"].as_str().map(str::len),
            Some(40)
        );
        let cred = &w.credentials[&id];
        assert_eq!(cred.caller.arn(), "arn:aws:iam::222222222222:user/alice");
        iam(&mut w, "CreateAccessKey", json!({"UserName": "alice"})).unwrap();
        assert_eq!(
            err(iam(&mut w, "CreateAccessKey", json!({"UserName": "alice"}))),
            (
                "LimitExceeded".into(),
                409,
                "Cannot exceed quota for AccessKeysPerUser: 2".into()
            )
        );
        assert_eq!(
            err(iam(&mut w, "DeleteUser", json!({"UserName": "alice"}))),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete entity, must delete access keys first.".into()
            )
        );
        iam(
            &mut w,
            "UpdateAccessKey",
            json!({"UserName": "alice", "AccessKeyId": id, "Status": "Inactive"}),
        )
        .unwrap();
        assert!(!w.credentials[&id].active);
        iam(
            &mut w,
            "DeleteAccessKey",
            json!({"UserName": "alice", "AccessKeyId": id}),
        )
        .unwrap();
        assert!(!w.credentials.contains_key(&id));
        let listed = iam(&mut w, "ListAccessKeys", json!({"UserName": "alice"})).unwrap();
        assert_eq!(
            listed["AccessKeyMetadata"].as_array().map(Vec::len),
            Some(1)
        );
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
