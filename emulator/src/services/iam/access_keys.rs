//! IAM access keys: long-term credentials of a user or the account root, their quota,
//! status and last use.

use serde_json::{json, Value};

use super::arns::user_arn;
use super::authorize::authorize;
use super::errors::{limit_exceeded, no_such_entity};
use super::paging::list_output;
use super::users::{arn_of, find, implied_user};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::output::empty;
use crate::services::input::{member, text};
use crate::world::iam::access::{iam, iam_mut};
use crate::world::iam::ids;
use crate::world::iam::state::{key, AccessKey};
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
        "CreateAccessKey" => create_access_key(ctx, world, input),
        "ListAccessKeys" => list_access_keys(ctx, world, input),
        "DeleteAccessKey" => delete_access_key(ctx, world, input),
        "UpdateAccessKey" => update_access_key(ctx, world, input),
        "GetAccessKeyLastUsed" => get_access_key_last_used(ctx, world, input),
        _ => Err(crate::services::errors::not_implemented(ctx)),
    }
}

/// The user an access-key request is about (`None`: the root) and the ARN to authorize.
fn key_owner(
    ctx: &RequestContext,
    world: &World,
    input: &Value,
) -> ApiResult<(Option<String>, String)> {
    let account = &ctx.caller.account;
    let name = match member(input, "UserName") {
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
}
