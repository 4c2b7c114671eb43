//! AWS KMS: keys, key policies, aliases, grants, rotation, imported material and the
//! cryptographic operations, over the crypto core in [`crypto`]. Every operation asks the
//! policy engine (`crate::authz`) before acting; this module only applies KMS's own rules:
//! key lookup, key states, key usage, AWS-managed keys' immutability.

//!
//! This file is the table of contents and the router (`handle`, `route`). The operations:
//! `keys` (lifecycle), `key_policy`, `key_tags`, `aliases`, `rotation`, `imported_material`,
//! `replicas` (multi-Region), `grants`, `stores` (custom key stores), `crypto_ops`. Their
//! helpers: `input` (the request's members), `lookup` (KeyId to key), `authorize` (the calls
//! into `crate::authz`), `key_states` (state and usage checks), `paging`, `errors`; the
//! clock's events in `clock`, AWS-managed keys in `managed`, the persisted types in `state`.

mod aliases;
mod authorize;
mod clock;
pub mod crypto;
mod crypto_ops;
mod errors;
mod grants;
mod imported_material;
mod input;
pub mod integration;
mod key_policy;
mod key_states;
mod key_tags;
mod keys;
mod lookup;
pub mod managed;
mod paging;
mod regions;
mod replicas;
mod rotation;
pub mod state;
mod stores;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::Request;
use crate::world::World;

/// KMS in the service registry: its clock events are key deletion, automatic rotation and
/// imported material expiry (`kms/clock.rs`).
pub static SERVICE: crate::services::service_def::ServiceDef =
    crate::services::service_def::ServiceDef {
        id: crate::protocol::ServiceId::Kms,
        handle,
        fire: clock::fire,
        schedule_all: clock::schedule_all,
        prevalidate: None,
        invalid_input: crate::services::service_def::aggregate_validation_error,
        runs_long: &[
            "CreateKey",
            "ReplicateKey",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "GetParametersForImport",
        ],
    };

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    let op = Request::new(ctx, input, input::missing_member);
    let out = route(&op, world, operation)?;
    record_use(ctx, world, &out);
    Ok(out)
}

fn record_use(ctx: &RequestContext, world: &mut World, out: &Value) {
    if !crypto::KEY_USE_OPERATIONS.contains(&ctx.operation.as_str()) {
        return;
    }
    let Some(arn) = out.get("KeyId").and_then(Value::as_str) else {
        return;
    };
    let mut parts = arn.splitn(6, ':').skip(3);
    let (Some(region), Some(account), Some(resource)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let Some(id) = resource.strip_prefix("key/") else {
        return;
    };
    if let Some(key) = world
        .accounts
        .get_mut(account)
        .and_then(|a| a.regions.get_mut(region))
        .and_then(|r| r.kms.keys.get_mut_unmarked(id))
    {
        // Usage is not a change of the key: a use does not cost a write to --state-dir.
        key.last_usage = Some(state::LastUsage {
            timestamp: ctx.now,
            operation: ctx.operation.clone(),
            request_id: ctx.request_id.clone(),
        });
    }
}

fn route(op: &Request, world: &mut World, operation: &str) -> ApiResult<Value> {
    let ctx = op.ctx;
    match operation {
        "CreateKey" => keys::create_key(op, world),
        "DescribeKey" => keys::describe_key(op, world),
        "ListKeys" => keys::list_keys(op, world),
        "GetKeyPolicy" => key_policy::get_key_policy(op, world),
        "PutKeyPolicy" => key_policy::put_key_policy(op, world),
        "ListKeyPolicies" => key_policy::list_key_policies(op, world),
        "EnableKey" => keys::set_enabled(op, world, true),
        "DisableKey" => keys::set_enabled(op, world, false),
        "ScheduleKeyDeletion" => keys::schedule_key_deletion(op, world),
        "CancelKeyDeletion" => keys::cancel_key_deletion(op, world),
        "UpdateKeyDescription" => keys::update_key_description(op, world),
        "TagResource" => key_tags::tag_resource(op, world),
        "UntagResource" => key_tags::untag_resource(op, world),
        "ListResourceTags" => key_tags::list_resource_tags(op, world),
        "CreateAlias" => aliases::create_alias(op, world),
        "UpdateAlias" => aliases::update_alias(op, world),
        "DeleteAlias" => aliases::delete_alias(op, world),
        "ListAliases" => aliases::list_aliases(op, world),
        "EnableKeyRotation" => rotation::enable_key_rotation(op, world),
        "DisableKeyRotation" => rotation::disable_key_rotation(op, world),
        "GetKeyRotationStatus" => rotation::get_key_rotation_status(op, world),
        "RotateKeyOnDemand" => rotation::rotate_key_on_demand(op, world),
        "ListKeyRotations" => rotation::list_key_rotations(op, world),
        "GetParametersForImport" => imported_material::get_parameters_for_import(op, world),
        "ImportKeyMaterial" => imported_material::import_key_material(op, world),
        "DeleteImportedKeyMaterial" => imported_material::delete_imported_key_material(op, world),
        "ReplicateKey" => replicas::replicate_key(op, world),
        "UpdatePrimaryRegion" => replicas::update_primary_region(op, world),
        "GetKeyLastUsage" => keys::get_key_last_usage(op, world),
        "CreateCustomKeyStore" => stores::create(op, world),
        "DescribeCustomKeyStores" => stores::describe(op, world),
        "UpdateCustomKeyStore" => stores::update(op, world),
        "DeleteCustomKeyStore" => stores::delete(op, world),
        "ConnectCustomKeyStore" => stores::connect(op, world, true),
        "DisconnectCustomKeyStore" => stores::connect(op, world, false),
        "Encrypt" => crypto_ops::encrypt(op, world),
        "Decrypt" => crypto_ops::decrypt(op, world),
        "ReEncrypt" => crypto_ops::re_encrypt(op, world),
        "GenerateDataKey" => crypto_ops::generate_data_key(op, world, true),
        "GenerateDataKeyWithoutPlaintext" => crypto_ops::generate_data_key(op, world, false),
        "GenerateDataKeyPair" => crypto_ops::generate_data_key_pair(op, world, true),
        "GenerateDataKeyPairWithoutPlaintext" => {
            crypto_ops::generate_data_key_pair(op, world, false)
        }
        "GenerateRandom" => crypto_ops::generate_random(op, world),
        "Sign" => crypto_ops::sign(op, world),
        "Verify" => crypto_ops::verify(op, world),
        "GetPublicKey" => crypto_ops::get_public_key(op, world),
        "GenerateMac" => crypto_ops::generate_mac(op, world),
        "VerifyMac" => crypto_ops::verify_mac(op, world),
        "DeriveSharedSecret" => crypto_ops::derive_shared_secret(op, world),
        "CreateGrant" => grants::create_grant(op, world),
        "ListGrants" => grants::list_grants(op, world),
        "ListRetirableGrants" => grants::list_retirable_grants(op, world),
        "RetireGrant" => grants::retire_grant(op, world),
        "RevokeGrant" => grants::revoke_grant(op, world),
        _ => Err(super::errors::not_implemented(ctx)),
    }
}
