//! Aliases: their names, their authorization, and CreateAlias, UpdateAlias, DeleteAlias,
//! ListAliases.

use serde_json::{json, Value};

use super::authorize::{authorize_key, authorize_keyless};
use super::errors;
use super::errors::modeled_error;
use super::key_states::require_not_pending_deletion;
use super::lookup::{key, names_alias, resolve, resolve_for, KeyRef, Names};
use super::paging::paginate_map;
use super::regions::{alias_arn, kms_state, kms_state_mut};
use super::state::Alias;
use crate::authz::{self, Access};
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

// ---------------------------------------------------------------------------------------
// Aliases

pub(super) fn check_alias_name(name: &str) -> ApiResult<()> {
    if !name.starts_with("alias/") {
        return Err(ApiError::validation(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ));
    }
    if name.starts_with("alias/aws/") {
        return Err(ApiError::without_message("NotAuthorizedException"));
    }
    Ok(())
}

/// The alias resource itself is authorized by IAM policies only (it has no key policy).
pub(super) fn authorize_alias(op: &Request, world: &World, name: &str) -> ApiResult<()> {
    authz::authorize(
        op.ctx,
        world,
        &Access {
            action: op.ctx.action(),
            resource: Some(alias_arn(op.region(), op.account(), name)),
            resource_account: Some(op.account().to_owned()),
            ..Access::default()
        },
    )
}

/// An alias target: a key of the caller's account, by id or key ARN.
pub(super) fn alias_target(op: &Request, world: &World) -> ApiResult<KeyRef> {
    let id = op.req("TargetKeyId")?;
    if names_alias(id) {
        return Err(errors::alias_as_target());
    }
    let r = resolve(world, op.account(), op.region(), id, op.ctx.now)?;
    if r.account != op.account() {
        return Err(modeled_error(
            "NotFoundException",
            format!("Invalid keyId '{id}'"),
        ));
    }
    Ok(r)
}

pub fn create_alias(op: &Request, world: &mut World) -> ApiResult<Value> {
    let name = op.req("AliasName")?.to_owned();
    check_alias_name(&name)?;
    // Only ':' of the characters KMS forbids gets past the model's pattern.
    if name.contains(':') {
        return Err(errors::alias_invalid_characters(&name));
    }
    let r = alias_target(op, world)?;
    {
        authorize_alias(op, world, &name)?;
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_not_pending_deletion(k)?;
    }
    let now = op.ctx.now;
    let state = kms_state_mut(world, op.account(), op.region(), now);
    if state.aliases.contains_key(&name) {
        return Err(modeled_error(
            "AlreadyExistsException",
            format!(
                "An alias with the name {} already exists",
                alias_arn(op.region(), op.account(), &name)
            ),
        ));
    }
    state.aliases.insert(
        name.clone(),
        Alias {
            name,
            target_key_id: r.key_id,
            creation_date: now,
            last_updated_date: now,
        },
    );
    Ok(json!({}))
}

pub(super) fn existing_alias(op: &Request, world: &World, name: &str) -> ApiResult<Alias> {
    kms_state(world, op.account(), op.region())
        .and_then(|s| s.aliases.get(name))
        .cloned()
        .ok_or_else(|| {
            modeled_error(
                "NotFoundException",
                format!(
                    "Alias {} is not found.",
                    alias_arn(op.region(), op.account(), name)
                ),
            )
        })
}

pub fn update_alias(op: &Request, world: &mut World) -> ApiResult<Value> {
    let name = op.req("AliasName")?.to_owned();
    check_alias_name(&name)?;
    let alias = existing_alias(op, world, &name)?;
    let r = alias_target(op, world)?;
    {
        authorize_alias(op, world, &name)?;
        let old = KeyRef {
            key_id: alias.target_key_id.clone(),
            ..r.clone()
        };
        if let Ok(old_key) = key(world, &old) {
            authorize_key(op, world, old_key, Vec::new())?;
        }
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_not_pending_deletion(k)?;
    }
    let now = op.ctx.now;
    if let Some(a) = kms_state_mut(world, op.account(), op.region(), now)
        .aliases
        .get_mut(&name)
    {
        a.target_key_id = r.key_id;
        a.last_updated_date = now;
    }
    Ok(json!({}))
}

pub fn delete_alias(op: &Request, world: &mut World) -> ApiResult<Value> {
    let name = op.req("AliasName")?.to_owned();
    check_alias_name(&name)?;
    let alias = existing_alias(op, world, &name)?;
    authorize_alias(op, world, &name)?;
    let r = KeyRef {
        account: op.account().to_owned(),
        region: op.region().to_owned(),
        key_id: alias.target_key_id,
    };
    if let Ok(k) = key(world, &r) {
        authorize_key(op, world, k, Vec::new())?;
    }
    kms_state_mut(world, op.account(), op.region(), op.ctx.now)
        .aliases
        .remove(&name);
    Ok(json!({}))
}

pub fn list_aliases(op: &Request, world: &mut World) -> ApiResult<Value> {
    let filter = match op.str("KeyId") {
        Some(id) => {
            let r = resolve_for(op, world, id, Names::KeyOnly)?;
            let k = key(world, &r)?;
            authorize_key(op, world, k, Vec::new())?;
            Some(r.key_id)
        }
        None => {
            authorize_keyless(op, world, Vec::new())?;
            None
        }
    };
    let empty = Default::default();
    let aliases = kms_state(world, op.account(), op.region()).map_or(&empty, |s| &s.aliases);
    paginate_map(
        aliases,
        op,
        "Aliases",
        |a| filter.as_ref().is_none_or(|id| *id == a.target_key_id),
        |a| {
            json!({
                "AliasName": a.name,
                "AliasArn": alias_arn(op.region(), op.account(), &a.name),
                "TargetKeyId": a.target_key_id,
                "CreationDate": a.creation_date,
                "LastUpdatedDate": a.last_updated_date,
            })
        },
    )
}
