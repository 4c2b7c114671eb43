//! Key lookup: key and alias ARNs, resolving a KeyId (id, ARN, alias name or alias ARN)
//! to a key of the caller's or another account (ARNs and states by Region: `regions.rs`).

use super::errors;
use super::errors::modeled_error;
use super::managed::{self, ensure_aws_managed_key};
use super::regions::{alias_arn, deleted_by, key_arn, kms_state, kms_state_mut};
use super::state::Key;
use crate::authz::{self, Access};
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

/// Where a key lives, once its reference is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyRef {
    pub account: String,
    pub region: String,
    pub key_id: String,
}

pub(crate) fn not_found_key(region: &str, account: &str, key_id: &str) -> ApiError {
    modeled_error(
        "NotFoundException",
        format!("Key '{}' does not exist", key_arn(region, account, key_id)),
    )
}

pub(crate) fn not_found_alias(region: &str, account: &str, alias_name: &str) -> ApiError {
    modeled_error(
        "NotFoundException",
        format!(
            "Alias {} is not found.",
            alias_arn(region, account, alias_name)
        ),
    )
}

/// A key id as KMS accepts it: a UUID, or `mrk-` and 32 hex digits.
pub(crate) fn is_key_id(text: &str) -> bool {
    if let Some(hex) = text.strip_prefix("mrk-") {
        return hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    text.len() == 36 && uuid::Uuid::parse_str(text).is_ok()
}

/// Resolves a KeyId (key id, key ARN, alias name, alias ARN) as seen from `account` in
/// `region`. A key ARN in another account names that account's key.
pub(crate) fn resolve(
    world: &World,
    account: &str,
    region: &str,
    key_id: &str,
    now: f64,
) -> ApiResult<KeyRef> {
    let (owner, reference) = parse_reference(account, region, key_id)?;
    lookup(world, owner, region, reference, now)
}

/// The account a KeyId points into and the key id or `alias/...` name it names there.
pub(crate) fn parse_reference<'k>(
    account: &'k str,
    region: &str,
    key_id: &'k str,
) -> ApiResult<(&'k str, &'k str)> {
    let (owner, reference) = if let Some(rest) = key_id.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [_partition, service, arn_region, arn_account, resource] = parts[..] else {
            return Err(modeled_error("NotFoundException", "Invalid arn"));
        };
        if service != "kms" || !crate::world::is_account_id(arn_account) {
            return Err(modeled_error("NotFoundException", "Invalid arn"));
        }
        if arn_region != region {
            return Err(modeled_error(
                "NotFoundException",
                format!("Invalid arn {arn_region}"),
            ));
        }
        if let Some(id) = resource.strip_prefix("key/") {
            (arn_account, id)
        } else if resource.starts_with("alias/") {
            (arn_account, resource)
        } else {
            return Err(modeled_error("NotFoundException", "Invalid arn"));
        }
    } else {
        (account, key_id)
    };
    if !reference.starts_with("alias/") && !is_key_id(reference) {
        return Err(modeled_error(
            "NotFoundException",
            format!("Invalid keyId '{reference}'"),
        ));
    }
    Ok((owner, reference))
}

pub(crate) fn lookup(
    world: &World,
    owner: &str,
    region: &str,
    reference: &str,
    now: f64,
) -> ApiResult<KeyRef> {
    let state = kms_state(world, owner, region);
    if reference.starts_with("alias/") {
        let alias = state
            .and_then(|s| s.aliases.get(reference))
            .ok_or_else(|| not_found_alias(region, owner, reference))?;
        return Ok(KeyRef {
            account: owner.to_owned(),
            region: region.to_owned(),
            key_id: alias.target_key_id.clone(),
        });
    }
    match state.and_then(|s| s.keys.get(reference)) {
        Some(key) if !deleted_by(key, now) => Ok(KeyRef {
            account: owner.to_owned(),
            region: region.to_owned(),
            key_id: reference.to_owned(),
        }),
        _ => Err(not_found_key(region, owner, reference)),
    }
}

/// Whether a KeyId is an alias name or an alias ARN.
pub(crate) fn names_alias(key_id: &str) -> bool {
    key_id.starts_with("alias/")
        || (key_id.starts_with("arn:")
            && key_id
                .splitn(6, ':')
                .nth(5)
                .is_some_and(|r| r.starts_with("alias/")))
}

/// What a KeyId member may name, as the API reference documents each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// "key ID, key ARN, alias name, or alias ARN" (DescribeKey, the cryptographic
    /// operations).
    KeyOrAlias,
    /// "Specify the key ID or key ARN of the KMS key" (the botocore model's documentation
    /// of every other KeyId member): an alias name or alias ARN is refused.
    KeyOnly,
}

/// Resolves a KeyId for the request's caller. A key of another account that does not
/// exist is denied as KMS denies a cross-account call ([`errors::access_denied`]), not
/// reported missing.
pub(crate) fn resolve_for(
    op: &Request,
    world: &World,
    key_id: &str,
    names: Names,
) -> ApiResult<KeyRef> {
    let (owner, reference) = parse_reference(op.account(), op.region(), key_id)?;
    if names == Names::KeyOnly && reference.starts_with("alias/") {
        return Err(errors::invalid_key_id(key_id));
    }
    lookup(world, owner, op.region(), reference, op.ctx.now).map_err(|e| {
        if owner == op.account() || reference.starts_with("alias/") {
            return e;
        }
        let missing = Access {
            action: op.ctx.action(),
            resource: Some(key_arn(op.region(), owner, reference)),
            resource_account: Some(owner.to_owned()),
            ..Access::default()
        };
        let decision = authz::decide_request(op.ctx, world, &missing);
        if decision.is_allowed() {
            e
        } else {
            errors::access_denied(&decision)
        }
    })
}

/// Resolves like [`resolve_for`], first creating the AWS-managed key a caller names with
/// `alias/aws/<service>` in its own account (AWS creates them on first use).
pub(crate) fn resolve_creating(op: &Request, world: &mut World, key_id: &str) -> ApiResult<KeyRef> {
    let service = key_id.strip_prefix("alias/aws/").or_else(|| {
        // Formatted only for alias ARNs: this runs on every key-using call.
        key_id.contains(":alias/aws/").then_some(())?;
        let own_alias_arn = alias_arn(op.region(), op.account(), "alias/aws/");
        key_id.strip_prefix(own_alias_arn.as_str())
    });
    if let Some(service) = service.filter(|s| managed::is_known_service(s)) {
        ensure_aws_managed_key(world, op.account(), op.region(), service, op.ctx.now);
    }
    resolve_for(op, world, key_id, Names::KeyOrAlias)
}

pub(crate) fn key<'w>(world: &'w World, r: &KeyRef) -> ApiResult<&'w Key> {
    kms_state(world, &r.account, &r.region)
        .and_then(|s| s.keys.get(&r.key_id))
        .ok_or_else(|| not_found_key(&r.region, &r.account, &r.key_id))
}

pub(crate) fn key_mut<'w>(world: &'w mut World, r: &KeyRef, now: f64) -> ApiResult<&'w mut Key> {
    kms_state_mut(world, &r.account, &r.region, now)
        .keys
        .get_mut(&r.key_id)
        .ok_or_else(|| not_found_key(&r.region, &r.account, &r.key_id))
}

/// The UUID a key's ciphertext blobs carry (multi-Region ids map their 32 hex digits).
pub(crate) fn key_uuid(key_id: &str) -> uuid::Uuid {
    let text = key_id.strip_prefix("mrk-").unwrap_or(key_id);
    uuid::Uuid::parse_str(text).unwrap_or_default()
}

/// Finds the key a symmetric blob names: the caller's account first, then any account in
/// the region (key ids are unique).
pub(crate) fn find_by_uuid(
    world: &World,
    account: &str,
    region: &str,
    id: &uuid::Uuid,
    now: f64,
) -> Option<KeyRef> {
    let matches = |k: &Key| key_uuid(&k.key_id) == *id && !deleted_by(k, now);
    let own = kms_state(world, account, region)
        .and_then(|s| s.keys.values().find(|k| matches(k)))
        .map(|k| (account.to_owned(), k.key_id.clone()));
    let found = own.or_else(|| {
        world.accounts.iter().find_map(|(acct, a)| {
            a.regions
                .get(region)
                .and_then(|r| r.kms.keys.values().find(|k| matches(k)))
                .map(|k| (acct.clone(), k.key_id.clone()))
        })
    })?;
    Some(KeyRef {
        account: found.0,
        region: region.to_owned(),
        key_id: found.1,
    })
}

/// Resolves the request's `KeyId` member: a key id or key ARN (every operation here that
/// takes one documents "Specify the key ID or key ARN of the KMS key").
pub(crate) fn target(op: &Request, world: &World) -> ApiResult<KeyRef> {
    resolve_for(op, world, op.req("KeyId")?, Names::KeyOnly)
}
