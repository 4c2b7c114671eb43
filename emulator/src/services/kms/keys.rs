//! The key lifecycle: CreateKey, DescribeKey, ListKeys, key metadata, enabling and
//! disabling, deletion on keyhole's clock, descriptions, last usage. Policies, tags,
//! aliases, rotation, imported material and replicas have their own files beside this one.

use std::str::FromStr;

use serde_json::{json, Value};

use super::authorize::{authorize_key, authorize_keyless};
use super::clock::{schedule_key, DAY};
use super::crypto::{KeySpec, KeyUsage, KeyVersions};
use super::errors::modeled_error;
use super::key_policy::check_key_policy;
use super::key_states::{
    crypto_error, invalid_state, require_customer_managed, require_not_pending_deletion,
};
use super::key_tags::{check_tag_policy, check_tags, request_tag_context, tags_of};
use super::lookup::{key, key_mut, resolve_creating, target, KeyRef};
use super::paging::paginate_map;
use super::regions::{held_in_another_region, key_arn, kms_state, kms_state_mut};
use super::state::{Key, KeyState};
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

/// The key policy CreateKey attaches when the request has none, as GetKeyPolicy shows it;
/// the root ARN is in the partition of the key's region.
pub fn default_policy(region: &str, account: &str) -> String {
    let root = crate::arn::root(crate::world::partition(region), account);
    format!(
        "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {{\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"{root}\"\n    }},\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}"
    )
}

/// KeyMetadata, as DescribeKey, CreateKey and ReplicateKey return it.
pub(crate) fn metadata(key: &Key) -> Value {
    let spec = key.key_spec;
    let mut m = json!({
        "AWSAccountId": key.account,
        "KeyId": key.key_id,
        "Arn": key.arn,
        "CreationDate": key.creation_date,
        "Enabled": key.state == KeyState::Enabled,
        "Description": key.description,
        "KeyUsage": key.key_usage.as_str(),
        "KeyState": key.state,
        "Origin": key.origin,
        "KeyManager": key.key_manager,
        "CustomerMasterKeySpec": spec.as_str(),
        "KeySpec": spec.as_str(),
        "MultiRegion": key.multi_region,
    });
    match key.key_usage {
        KeyUsage::EncryptDecrypt => {
            m["EncryptionAlgorithms"] = json!(spec
                .encryption_algorithms(key.key_usage)
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>());
        }
        KeyUsage::SignVerify => {
            m["SigningAlgorithms"] = json!(spec
                .signing_algorithms(key.key_usage)
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>());
        }
        KeyUsage::GenerateVerifyMac => {
            m["MacAlgorithms"] = json!(spec
                .mac_algorithms()
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>());
        }
        KeyUsage::KeyAgreement => {
            m["KeyAgreementAlgorithms"] = json!(spec
                .key_agreement_algorithms(key.key_usage)
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>());
        }
    }
    if let Some(current) = key.material.current() {
        if spec == KeySpec::SymmetricDefault {
            m["CurrentKeyMaterialId"] = json!(current.id.to_hex());
        }
    }
    if let (true, Some(primary)) = (key.multi_region, &key.primary_region) {
        let kind = if *primary == key.region {
            "PRIMARY"
        } else {
            "REPLICA"
        };
        let replicas: Vec<Value> = key
            .replica_regions
            .iter()
            .map(|r| json!({"Arn": key_arn(r, &key.account, &key.key_id), "Region": r}))
            .collect();
        m["MultiRegionConfiguration"] = json!({
            "MultiRegionKeyType": kind,
            "PrimaryKey": {"Arn": key_arn(primary, &key.account, &key.key_id), "Region": primary},
            "ReplicaKeys": replicas,
        });
    }
    if let Some(store) = &key.custom_key_store_id {
        m["CustomKeyStoreId"] = json!(store);
    }
    // A deletion date, or for a primary still waiting on its replicas, the waiting period
    // that starts once they are gone; never both (botocore's KeyMetadata documentation).
    if key.state == KeyState::PendingDeletion {
        m["DeletionDate"] = json!(key.deletion_date);
    }
    if key.state == KeyState::PendingReplicaDeletion {
        m["PendingDeletionWindowInDays"] = json!(key.pending_window_days);
    }
    if key.origin == "EXTERNAL" {
        if let Some(model) = &key.expiration_model {
            m["ExpirationModel"] = json!(model);
        }
        if let Some(valid_to) = key.valid_to {
            m["ValidTo"] = json!(valid_to);
        }
    }
    m
}

fn new_key_id(multi_region: bool) -> String {
    let id = uuid::Uuid::new_v4();
    if multi_region {
        format!("mrk-{}", id.simple())
    } else {
        id.to_string()
    }
}

pub fn create_key(op: &Request, world: &mut World) -> ApiResult<Value> {
    let tags = tags_of(op.input.get("Tags").unwrap_or(&Value::Null));
    authorize_keyless(op, world, request_tag_context(&tags))?;
    check_tags(&tags, &[])?;
    // The organization's enforced tag policy (issue 6 item 5).
    check_tag_policy(world, op.account(), &tags)?;
    let spec_text = op
        .str("KeySpec")
        .or_else(|| op.str("CustomerMasterKeySpec"))
        .unwrap_or("SYMMETRIC_DEFAULT");
    let spec = KeySpec::from_str(spec_text)
        .map_err(|_| ApiError::validation(format!("KeySpec {spec_text} is not valid.")))?;
    if !spec.is_supported() {
        return Err(modeled_error(
            "UnsupportedOperationException",
            format!("KeySpec {spec} is not supported by keyhole."),
        ));
    }
    let usage = match op.str("KeyUsage") {
        Some(u) => KeyUsage::from_str(u)
            .map_err(|_| ApiError::validation(format!("KeyUsage {u} is not valid.")))?,
        None => KeyUsage::EncryptDecrypt,
    };
    if !spec.key_usages().contains(&usage) {
        return Err(ApiError::validation(format!(
            "KeyUsage {usage} is not compatible with KeySpec {spec}"
        )));
    }
    let origin = op.str("Origin").unwrap_or("AWS_KMS").to_owned();
    let mut custom_key_store_id = None;
    match origin.as_str() {
        "AWS_KMS" | "EXTERNAL" => {}
        _ => {
            let store_id = op.str("CustomKeyStoreId").ok_or_else(|| {
                ApiError::validation(format!(
                    "CustomKeyStoreId is required when Origin is {origin}."
                ))
            })?;
            let store = kms_state(world, op.account(), op.region())
                .and_then(|s| s.custom_key_stores.get(store_id))
                .ok_or_else(|| super::stores::store_not_found(store_id))?;
            if store.store_type != origin {
                return Err(modeled_error(
                    "CustomKeyStoreTypeNotSupportedException",
                    format!(
                        "Custom key store {store_id} is of type {} which is not valid for Origin {origin}.",
                        store.store_type
                    ),
                ));
            }
            if store.connection_state != "CONNECTED" {
                return Err(super::stores::invalid_store_state(
                    store_id,
                    &store.connection_state,
                ));
            }
            if spec != KeySpec::SymmetricDefault {
                return Err(modeled_error(
                    "UnsupportedOperationException",
                    format!("KeySpec {spec} is not valid for Origin {origin}."),
                ));
            }
            custom_key_store_id = Some(store_id.to_owned());
        }
    }
    let multi_region = op.bool("MultiRegion");
    let key_id = new_key_id(multi_region);
    let account = op.account().to_owned();
    let region = op.region().to_owned();
    let material = if origin == "EXTERNAL" {
        KeyVersions::empty()
    } else {
        KeyVersions::generate(spec).map_err(crypto_error)?
    };
    let mut key = Key {
        arn: key_arn(&region, &account, &key_id),
        key_id: key_id.clone(),
        account: account.clone(),
        region: region.clone(),
        creation_date: op.ctx.now,
        description: op.str("Description").unwrap_or_default().to_owned(),
        key_spec: spec,
        key_usage: usage,
        origin: origin.clone(),
        key_manager: "CUSTOMER".into(),
        state: if origin == "EXTERNAL" {
            KeyState::PendingImport
        } else {
            KeyState::Enabled
        },
        deletion_date: None,
        pending_window_days: None,
        policy: default_policy(&region, &account),
        tags,
        multi_region,
        material,
        grants: Default::default(),
        rotation_period_days: None,
        next_rotation: None,
        rotations: Vec::new(),
        valid_to: None,
        expiration_model: None,
        custom_key_store_id,
        primary_region: multi_region.then(|| region.clone()),
        replica_regions: Vec::new(),
        last_usage: None,
    };
    if let Some(text) = op.str("Policy") {
        check_key_policy(
            op,
            world,
            &key,
            text,
            op.bool("BypassPolicyLockoutSafetyCheck"),
        )?;
        key.policy = text.to_owned();
    }
    let out = json!({ "KeyMetadata": metadata(&key) });
    kms_state_mut(world, &account, &region, op.ctx.now)
        .keys
        .insert(key_id, key);
    Ok(out)
}

pub fn describe_key(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = resolve_creating(op, world, op.req("KeyId")?)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    Ok(json!({ "KeyMetadata": metadata(k) }))
}

pub fn list_keys(op: &Request, world: &mut World) -> ApiResult<Value> {
    authorize_keyless(op, world, Vec::new())?;
    let empty = Default::default();
    let keys = kms_state(world, op.account(), op.region()).map_or(&empty, |s| &s.keys);
    paginate_map(
        keys,
        op,
        "Keys",
        |_| true,
        |k| json!({"KeyId": k.key_id, "KeyArn": k.arn}),
    )
}

pub fn set_enabled(op: &Request, world: &mut World, enable: bool) -> ApiResult<Value> {
    let r = target(op, world)?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        require_not_pending_deletion(k)?;
        if k.state == KeyState::PendingImport {
            return Err(invalid_state(k, "pending import"));
        }
    }
    key_mut(world, &r, op.ctx.now)?.state = if enable {
        KeyState::Enabled
    } else {
        KeyState::Disabled
    };
    Ok(json!({}))
}

pub fn schedule_key_deletion(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let days = op.i64("PendingWindowInDays").unwrap_or(30);
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        if !(7..=30).contains(&days) {
            let constraint = if days < 7 {
                "greater than or equal to 7"
            } else {
                "less than or equal to 30"
            };
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value {constraint}"
            )));
        }
        require_not_pending_deletion(k)?;
    }
    let waits_for_replicas = has_replicas(world, &r);
    let now = op.ctx.now;
    let k = key_mut(world, &r, now)?;
    k.pending_window_days = Some(days);
    if waits_for_replicas {
        // The deletion date is unknown until the last replica is deleted, so AWS omits it.
        k.state = KeyState::PendingReplicaDeletion;
        k.deletion_date = None;
        let out = json!({
            "KeyId": k.arn,
            "KeyState": KeyState::PendingReplicaDeletion,
            "PendingWindowInDays": days,
        });
        schedule_key(world, &r.account, &r.region, &r.key_id);
        return Ok(out);
    }
    k.state = KeyState::PendingDeletion;
    k.deletion_date = Some(now + days as f64 * DAY);
    let out = json!({
        "KeyId": k.arn,
        "DeletionDate": k.deletion_date,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": days,
    });
    schedule_key(world, &r.account, &r.region, &r.key_id);
    Ok(out)
}

/// Whether `r` is a multi-Region primary key with a replica in another Region.
fn has_replicas(world: &World, r: &KeyRef) -> bool {
    let is_primary = key(world, r)
        .is_ok_and(|k| k.multi_region && k.primary_region.as_deref() == Some(r.region.as_str()));
    is_primary
        && world
            .accounts
            .get(&r.account)
            .is_some_and(|a| held_in_another_region(a, &r.region, &r.key_id))
}

pub fn cancel_key_deletion(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        if k.state != KeyState::PendingDeletion && k.state != KeyState::PendingReplicaDeletion {
            return Err(invalid_state(k, "not pending deletion"));
        }
    }
    let k = key_mut(world, &r, op.ctx.now)?;
    k.state = if k.material.current().is_none() {
        KeyState::PendingImport
    } else {
        KeyState::Disabled
    };
    k.deletion_date = None;
    k.pending_window_days = None;
    let out = json!({ "KeyId": k.arn });
    // Imported material that reached its ValidTo while the key was pending deletion expires.
    schedule_key(world, &r.account, &r.region, &r.key_id);
    Ok(out)
}

pub fn update_key_description(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let description = op.req("Description")?.to_owned();
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        require_not_pending_deletion(k)?;
    }
    key_mut(world, &r, op.ctx.now)?.description = description;
    Ok(json!({}))
}

pub fn get_key_last_usage(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    let mut out = json!({
        "KeyId": k.arn,
        "KeyCreationDate": k.creation_date,
        "TrackingStartDate": k.creation_date,
    });
    if let Some(usage) = &k.last_usage {
        out["KeyLastUsage"] = json!({
            "Timestamp": usage.timestamp,
            "Operation": usage.operation,
            "KmsRequestId": usage.request_id,
        });
    }
    Ok(out)
}
