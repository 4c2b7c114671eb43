//! Keys and their administration: CreateKey, DescribeKey, key policies, key states,
//! deletion on keyhole's clock, descriptions, tags, aliases, rotation, imported material.

use std::str::FromStr;

use serde_json::{json, Value};

use super::clock::schedule_key;
use super::crypto::{self, KeySpec, KeyUsage, KeyVersions};
use super::errors;
use super::state::{Alias, Key, KeyState};
use super::{
    alias_arn, authorize_key, authorize_keyless, b64, crypto_error, disabled,
    held_in_another_region, invalid_state, key, key_access, key_arn, key_mut, kms_state,
    kms_state_mut, names_alias, paginate, paginate_map, require_customer_managed,
    require_not_pending_deletion, resolve, resolve_creating, resolve_for, KeyRef, Names, Op, DAY,
};
use crate::authz::{self, Access, Environment};
use crate::policy::model::PrincipalEntryKind;
use crate::policy::{validate, PolicyType};
use crate::protocol::{ApiError, ApiResult};
use crate::world::World;

const MAX_TAGS: usize = 50;

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

fn tags_of(input: &Value) -> Vec<(String, String)> {
    input
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| {
                    (
                        t["TagKey"].as_str().unwrap_or_default().to_owned(),
                        t["TagValue"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn tag_exception(message: &str) -> ApiError {
    ApiError::new("TagException", message)
}

/// KMS's tag rules; `existing` are the key's tags before the request.
fn check_tags(new: &[(String, String)], existing: &[(String, String)]) -> ApiResult<()> {
    if new.iter().any(|(k, _)| k.starts_with("aws:")) {
        return Err(tag_exception("Tags beginning with aws: are reserved"));
    }
    for (i, (k, _)) in new.iter().enumerate() {
        if new[..i].iter().any(|(other, _)| other == k) {
            return Err(tag_exception("Duplicate tag keys"));
        }
    }
    let added = new
        .iter()
        .filter(|(k, _)| !existing.iter().any(|(e, _)| e == k))
        .count();
    if existing.len() + added > MAX_TAGS {
        return Err(tag_exception("Too many tags"));
    }
    Ok(())
}

/// Enforced tag policies ("Enforcing tag policies"): a value the account's effective
/// TAG_POLICY does not allow for `kms:key`. KMS's code for it is inferred: TagException is
/// KMS's only modeled tag error; the message is Organizations' documented text.
fn check_tag_policy(world: &World, account: &str, tags: &[(String, String)]) -> ApiResult<()> {
    crate::services::organizations::tag_policy::check_tags(world, account, "kms:key", tags)
        .map_err(|message| tag_exception(&message))
}

fn request_tag_context(tags: &[(String, String)]) -> Vec<(String, Value)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(String, Value)> = tags
        .iter()
        .map(|(k, v)| (format!("aws:RequestTag/{k}"), json!(v)))
        .collect();
    let keys: Vec<&String> = tags.iter().map(|(k, _)| k).collect();
    out.push(("aws:TagKeys".to_owned(), json!(keys)));
    out
}

fn malformed(message: &str) -> ApiError {
    ApiError::new("MalformedPolicyDocumentException", message)
}

/// CreateKey's and PutKeyPolicy's checks of a new key policy: the grammar, principals that
/// exist, and (unless bypassed) that the caller could still change the policy afterwards.
pub(crate) fn check_key_policy(
    op: &Op,
    world: &World,
    key: &Key,
    text: &str,
    bypass_lockout_check: bool,
) -> ApiResult<()> {
    let policy =
        validate(text, PolicyType::KmsKey).map_err(|e| ApiError::new(e.code, e.message.clone()))?;
    let unknown_principal = policy
        .statements
        .iter()
        .filter_map(|s| s.principal.as_ref())
        .flat_map(|block| block.entries.iter())
        .filter(|e| e.kind == PrincipalEntryKind::Aws && e.value != "*")
        .any(|e| !crate::services::iam::access::principal_exists(world, &e.value));
    if unknown_principal {
        return Err(malformed(
            "Policy contains a statement with one or more invalid principals.",
        ));
    }
    if !bypass_lockout_check {
        let mut candidate = key.clone();
        candidate.policy = text.to_owned();
        let access: Access = key_access("kms:PutKeyPolicy", &candidate, op.account());
        let env = Environment {
            region: op.region().to_owned(),
            now: op.ctx.now,
            called_via: Vec::new(),
        };
        let allowed = authz::decide(world, &op.ctx.caller, &env, &access).is_allowed();
        if let Some(e) = crate::policy::validate::kms_lockout_error(allowed) {
            return Err(ApiError::new(e.code, e.message));
        }
    }
    Ok(())
}

fn new_key_id(multi_region: bool) -> String {
    let id = uuid::Uuid::new_v4();
    if multi_region {
        format!("mrk-{}", id.simple())
    } else {
        id.to_string()
    }
}

pub fn create_key(op: &Op, world: &mut World) -> ApiResult<Value> {
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
        return Err(ApiError::new(
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
                return Err(ApiError::new(
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
                return Err(ApiError::new(
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
        grants: Vec::new(),
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

/// Resolves the request's `KeyId` member: a key id or key ARN (every operation here that
/// takes one documents "Specify the key ID or key ARN of the KMS key").
fn target(op: &Op, world: &World) -> ApiResult<KeyRef> {
    resolve_for(op, world, op.req("KeyId")?, Names::KeyOnly)
}

pub fn describe_key(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = resolve_creating(op, world, op.req("KeyId")?)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    Ok(json!({ "KeyMetadata": metadata(k) }))
}

pub fn list_keys(op: &Op, world: &mut World) -> ApiResult<Value> {
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

fn check_policy_name(op: &Op) -> ApiResult<()> {
    match op.str("PolicyName") {
        None | Some("default") => Ok(()),
        Some(_) => Err(ApiError::new("NotFoundException", "No such policy exists")),
    }
}

pub fn get_key_policy(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    check_policy_name(op)?;
    Ok(json!({ "Policy": k.policy, "PolicyName": "default" }))
}

pub fn list_key_policies(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    Ok(json!({ "PolicyNames": ["default"], "Truncated": false }))
}

pub fn put_key_policy(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let text = op.req("Policy")?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        check_policy_name(op)?;
        check_key_policy(
            op,
            world,
            k,
            text,
            op.bool("BypassPolicyLockoutSafetyCheck"),
        )?;
    }
    key_mut(world, &r, op.ctx.now)?.policy = text.to_owned();
    Ok(json!({}))
}

pub fn set_enabled(op: &Op, world: &mut World, enable: bool) -> ApiResult<Value> {
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

pub fn schedule_key_deletion(op: &Op, world: &mut World) -> ApiResult<Value> {
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

pub fn cancel_key_deletion(op: &Op, world: &mut World) -> ApiResult<Value> {
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

pub fn update_key_description(op: &Op, world: &mut World) -> ApiResult<Value> {
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

pub fn tag_resource(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let tags = tags_of(op.input.get("Tags").unwrap_or(&Value::Null));
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, request_tag_context(&tags))?;
        require_customer_managed(k)?;
        require_not_pending_deletion(k)?;
        check_tags(&tags, &k.tags)?;
    }
    // The organization's enforced tag policy binds the key's account (issue 6 item 5).
    check_tag_policy(world, &r.account, &tags)?;
    let k = key_mut(world, &r, op.ctx.now)?;
    for (name, value) in tags {
        match k.tags.iter_mut().find(|(n, _)| *n == name) {
            Some(existing) => existing.1 = value,
            None => k.tags.push((name, value)),
        }
    }
    Ok(json!({}))
}

pub fn untag_resource(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let names: Vec<String> = op
        .input
        .get("TagKeys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, vec![("aws:TagKeys".into(), json!(names))])?;
        require_customer_managed(k)?;
        require_not_pending_deletion(k)?;
        if names.iter().any(|n| n.starts_with("aws:")) {
            return Err(tag_exception("Tags beginning with aws: are reserved"));
        }
    }
    key_mut(world, &r, op.ctx.now)?
        .tags
        .retain(|(n, _)| !names.contains(n));
    Ok(json!({}))
}

pub fn list_resource_tags(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    let items = k
        .tags
        .iter()
        .map(|(n, v)| json!({"TagKey": n, "TagValue": v}))
        .collect();
    paginate(items, op, "Tags")
}

// ---------------------------------------------------------------------------------------
// Aliases

fn check_alias_name(name: &str) -> ApiResult<()> {
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
fn authorize_alias(op: &Op, world: &World, name: &str) -> ApiResult<()> {
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
fn alias_target(op: &Op, world: &World) -> ApiResult<KeyRef> {
    let id = op.req("TargetKeyId")?;
    if names_alias(id) {
        return Err(errors::alias_as_target());
    }
    let r = resolve(world, op.account(), op.region(), id, op.ctx.now)?;
    if r.account != op.account() {
        return Err(ApiError::new(
            "NotFoundException",
            format!("Invalid keyId '{id}'"),
        ));
    }
    Ok(r)
}

pub fn create_alias(op: &Op, world: &mut World) -> ApiResult<Value> {
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
        return Err(ApiError::new(
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

fn existing_alias(op: &Op, world: &World, name: &str) -> ApiResult<Alias> {
    kms_state(world, op.account(), op.region())
        .and_then(|s| s.aliases.get(name))
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                "NotFoundException",
                format!(
                    "Alias {} is not found.",
                    alias_arn(op.region(), op.account(), name)
                ),
            )
        })
}

pub fn update_alias(op: &Op, world: &mut World) -> ApiResult<Value> {
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

pub fn delete_alias(op: &Op, world: &mut World) -> ApiResult<Value> {
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

pub fn list_aliases(op: &Op, world: &mut World) -> ApiResult<Value> {
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

// ---------------------------------------------------------------------------------------
// Rotation

fn unsupported(message: String) -> ApiError {
    ApiError::new("UnsupportedOperationException", message)
}

/// Rotation applies to symmetric keys with KMS-generated material.
fn require_rotatable(k: &Key) -> ApiResult<()> {
    if k.key_spec != KeySpec::SymmetricDefault {
        return Err(unsupported(format!(
            "{} key spec is {} which is not valid for this operation.",
            k.arn, k.key_spec
        )));
    }
    if k.origin != "AWS_KMS" {
        return Err(unsupported(format!(
            "{} origin is {} which is not valid for this operation.",
            k.arn, k.origin
        )));
    }
    Ok(())
}

fn require_enabled_for_admin(k: &Key) -> ApiResult<()> {
    match k.state {
        KeyState::Disabled => Err(disabled(k)),
        _ => require_not_pending_deletion(k),
    }
}

pub fn enable_key_rotation(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let days = op.i64("RotationPeriodInDays").unwrap_or(365);
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        require_enabled_for_admin(k)?;
        require_rotatable(k)?;
        if !(90..=2560).contains(&days) {
            let constraint = if days < 90 {
                "greater than or equal to 90"
            } else {
                "less than or equal to 2560"
            };
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value {constraint}"
            )));
        }
    }
    let now = op.ctx.now;
    let k = key_mut(world, &r, now)?;
    k.rotation_period_days = Some(days);
    k.next_rotation = Some(now + days as f64 * DAY);
    schedule_key(world, &r.account, &r.region, &r.key_id);
    Ok(json!({}))
}

pub fn disable_key_rotation(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        require_enabled_for_admin(k)?;
        require_rotatable(k)?;
    }
    let k = key_mut(world, &r, op.ctx.now)?;
    k.rotation_period_days = None;
    k.next_rotation = None;
    Ok(json!({}))
}

pub fn get_key_rotation_status(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    require_rotatable(k)?;
    let mut out = json!({
        "KeyId": k.arn,
        "KeyRotationEnabled": k.rotation_period_days.is_some(),
    });
    if let Some(days) = k.rotation_period_days {
        out["RotationPeriodInDays"] = json!(days);
        out["NextRotationDate"] = json!(k.next_rotation);
    }
    Ok(out)
}

pub fn rotate_key_on_demand(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        require_enabled_for_admin(k)?;
        require_rotatable(k)?;
    }
    let now = op.ctx.now;
    let k = key_mut(world, &r, now)?;
    let id = k.material.rotate().map_err(crypto_error)?;
    k.rotations.push(super::state::Rotation {
        key_material_id: id.to_hex(),
        rotation_date: now,
        rotation_type: "ON_DEMAND".into(),
    });
    Ok(json!({ "KeyId": k.arn }))
}

pub fn list_key_rotations(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    require_rotatable(k)?;
    let items = k
        .rotations
        .iter()
        .map(|rot| {
            json!({
                "KeyId": k.arn,
                "KeyMaterialId": rot.key_material_id,
                "RotationDate": rot.rotation_date,
                "RotationType": rot.rotation_type,
            })
        })
        .collect();
    paginate(items, op, "Rotations")
}

// ---------------------------------------------------------------------------------------
// Imported key material

fn require_external(k: &Key) -> ApiResult<()> {
    if k.origin != "EXTERNAL" {
        return Err(unsupported(format!(
            "{} origin is {} which is not valid for this operation.",
            k.arn, k.origin
        )));
    }
    Ok(())
}

fn offset(now: f64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(now as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn enum_member<T: FromStr>(op: &Op, name: &str) -> ApiResult<T> {
    let text = op.req(name)?;
    T::from_str(text).map_err(|_| ApiError::validation(format!("{name} {text} is not valid.")))
}

pub fn get_parameters_for_import(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let algorithm: crypto::WrappingAlgorithm = enum_member(op, "WrappingAlgorithm")?;
    let spec: crypto::WrappingKeySpec = enum_member(op, "WrappingKeySpec")?;
    let arn = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_external(k)?;
        require_not_pending_deletion(k)?;
        k.arn.clone()
    };
    let now = op.ctx.now;
    let state = kms_state_mut(world, &r.account, &r.region, now);
    if state.sealer.is_none() {
        state.sealer = Some(crypto::ImportTokenSealer::new().map_err(crypto_error)?);
    }
    let sealer = state
        .sealer
        .as_ref()
        .ok_or_else(|| ApiError::internal("no import token sealer"))?;
    let params = crypto::get_parameters_for_import(
        sealer,
        &super::key_uuid(&r.key_id),
        algorithm,
        spec,
        offset(now),
    )
    .map_err(crypto_error)?;
    Ok(json!({
        "KeyId": arn,
        "ImportToken": b64(&params.import_token),
        "PublicKey": b64(&params.public_key),
        "ParametersValidTo": params.parameters_valid_to.unix_timestamp(),
    }))
}

pub fn import_key_material(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let token = op.req_blob("ImportToken")?;
    let wrapped = op.req_blob("EncryptedKeyMaterial")?;
    let model = op
        .str("ExpirationModel")
        .unwrap_or("KEY_MATERIAL_EXPIRES")
        .to_owned();
    let valid_to = op.input.get("ValidTo").and_then(Value::as_f64);
    if model == "KEY_MATERIAL_EXPIRES" && valid_to.is_none() {
        return Err(ApiError::validation(
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        ));
    }
    if model == "KEY_MATERIAL_DOES_NOT_EXPIRE" && valid_to.is_some() {
        return Err(ApiError::validation(
            "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        ));
    }
    let now = op.ctx.now;
    let (spec, arn) = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_external(k)?;
        require_not_pending_deletion(k)?;
        (k.key_spec, k.arn.clone())
    };
    let sealer = kms_state(world, &r.account, &r.region)
        .and_then(|s| s.sealer.clone())
        .ok_or_else(|| {
            ApiError::new(
                "InvalidImportTokenException",
                "The import token is invalid.",
            )
        })?;
    let uuid = super::key_uuid(&r.key_id);
    let material = crypto::import_key_material(&sealer, &uuid, spec, &token, &wrapped, offset(now))
        .map_err(crypto_error)?;
    let id = crypto::KeyMaterialId::for_imported(&uuid, &material).map_err(crypto_error)?;
    let k = key_mut(world, &r, now)?;
    if let Some(current) = k.material.current() {
        if !current.material.same_material(&material) {
            return Err(ApiError::new(
                "IncorrectKeyMaterialException",
                format!("The key material does not match the key material previously imported into {arn}."),
            ));
        }
    }
    if k.material.get(&id).is_none() {
        k.material
            .add_current(crypto::MaterialVersion { id, material });
    } else {
        k.material.set_current(&id);
    }
    if k.state == KeyState::PendingImport {
        k.state = KeyState::Enabled;
    }
    k.valid_to = valid_to;
    k.expiration_model = Some(model);
    schedule_key(world, &r.account, &r.region, &r.key_id);
    Ok(json!({ "KeyId": arn, "KeyMaterialId": id.to_hex() }))
}

pub fn delete_imported_key_material(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_external(k)?;
    }
    let k = key_mut(world, &r, op.ctx.now)?;
    let material_id = k.material.current().map(|v| v.id.to_hex());
    k.material = KeyVersions::empty();
    k.valid_to = None;
    // A key pending deletion stays so (key-state table: allowed, no state change).
    if k.state != KeyState::PendingDeletion {
        k.state = KeyState::PendingImport;
    }
    let mut out = json!({ "KeyId": k.arn });
    if let Some(id) = material_id {
        out["KeyMaterialId"] = json!(id);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Multi-Region keys

fn require_primary(k: &Key) -> ApiResult<()> {
    if !k.multi_region {
        return Err(unsupported(format!("{} is not a multi-Region key.", k.arn)));
    }
    if k.primary_region.as_deref() != Some(k.region.as_str()) {
        return Err(unsupported(format!(
            "{} is not a primary multi-Region key.",
            k.arn
        )));
    }
    Ok(())
}

/// Every copy (primary and replicas) of a multi-Region key.
fn copies(world: &World, k: &Key) -> Vec<KeyRef> {
    let mut regions = vec![k.primary_region.clone().unwrap_or_else(|| k.region.clone())];
    regions.extend(k.replica_regions.iter().cloned());
    regions
        .into_iter()
        .filter(|r| kms_state(world, &k.account, r).is_some_and(|s| s.keys.contains_key(&k.key_id)))
        .map(|region| KeyRef {
            account: k.account.clone(),
            region,
            key_id: k.key_id.clone(),
        })
        .collect()
}

pub fn replicate_key(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let replica_region = op.req("ReplicaRegion")?.to_owned();
    let tags = tags_of(op.input.get("Tags").unwrap_or(&Value::Null));
    let now = op.ctx.now;
    let primary = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, request_tag_context(&tags))?;
        require_primary(k)?;
        require_not_pending_deletion(k)?;
        check_tags(&tags, &[])?;
        if replica_region == k.region || k.replica_regions.contains(&replica_region) {
            return Err(ApiError::new(
                "AlreadyExistsException",
                format!(
                    "Replica key {} already exists.",
                    key_arn(&replica_region, &k.account, &k.key_id)
                ),
            ));
        }
        k.clone()
    };
    let mut replica = primary.clone();
    replica.region = replica_region.clone();
    replica.arn = key_arn(&replica_region, &primary.account, &primary.key_id);
    replica.creation_date = now;
    replica.description = op.str("Description").unwrap_or_default().to_owned();
    replica.tags = tags;
    replica.policy = default_policy(&replica_region, &primary.account);
    replica.grants = Vec::new();
    replica.rotations = Vec::new();
    replica.last_usage = None;
    if let Some(text) = op.str("Policy") {
        check_key_policy(
            op,
            world,
            &replica,
            text,
            op.bool("BypassPolicyLockoutSafetyCheck"),
        )?;
        replica.policy = text.to_owned();
    }
    let all = copies(world, &primary);
    let mut replica_regions = primary.replica_regions.clone();
    replica_regions.push(replica_region.clone());
    replica.replica_regions = replica_regions.clone();
    for copy in &all {
        key_mut(world, copy, now)?.replica_regions = replica_regions.clone();
    }
    let out = json!({
        "ReplicaKeyMetadata": metadata(&replica),
        "ReplicaPolicy": replica.policy,
        "ReplicaTags": replica.tags.iter().map(|(k, v)| json!({"TagKey": k, "TagValue": v})).collect::<Vec<_>>(),
    });
    kms_state_mut(world, &primary.account, &replica_region, now)
        .keys
        .insert(primary.key_id.clone(), replica);
    schedule_key(world, &primary.account, &replica_region, &primary.key_id);
    Ok(out)
}

pub fn update_primary_region(op: &Op, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let new_primary = op.req("PrimaryRegion")?.to_owned();
    let now = op.ctx.now;
    let k = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_primary(k)?;
        require_not_pending_deletion(k)?;
        if new_primary != k.region && !k.replica_regions.contains(&new_primary) {
            return Err(ApiError::new(
                "NotFoundException",
                format!(
                    "Key '{}' does not exist",
                    key_arn(&new_primary, &k.account, &k.key_id)
                ),
            ));
        }
        k.clone()
    };
    let all = copies(world, &k);
    let mut regions: Vec<String> = all.iter().map(|c| c.region.clone()).collect();
    regions.retain(|reg| *reg != new_primary);
    for copy in &all {
        let c = key_mut(world, copy, now)?;
        c.primary_region = Some(new_primary.clone());
        c.replica_regions = regions.clone();
    }
    Ok(json!({}))
}

pub fn get_key_last_usage(op: &Op, world: &mut World) -> ApiResult<Value> {
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
