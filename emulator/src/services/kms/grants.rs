//! Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant. A grant
//! feeds the engine (`Access.grants`) and allows its operations on its own.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::authorize::{authorize_key, authorize_keyless};
use super::crypto::{KeySpec, KeyUsage};
use super::errors::modeled_error;
use super::input::b64;
use super::key_states::require_usable;
use super::lookup::{key, key_mut, resolve_for, KeyRef, Names};
use super::state::{GrantRecord, Key, KeyState};
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::{CallerKind, World};

fn context_map(value: Option<&Value>) -> Option<BTreeMap<String, String>> {
    value.and_then(Value::as_object).map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect()
    })
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn random_hex() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn new_token(grant_id: &str) -> String {
    let mut bytes = grant_id.as_bytes().to_vec();
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    b64(&bytes)
}

/// Operations every key type accepts in a grant.
const ANY_KEY_GRANT_OPERATIONS: &[&str] = &["CreateGrant", "RetireGrant", "DescribeKey"];

/// The operations a grant may allow on `key` besides [`ANY_KEY_GRANT_OPERATIONS`]: those
/// AWS's key type table marks valid for the key's spec and usage.
fn key_grant_operations(key: &Key) -> &'static [&'static str] {
    if key.key_spec == KeySpec::SymmetricDefault {
        return &[
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
        ];
    }
    match key.key_usage {
        KeyUsage::EncryptDecrypt => &[
            "Encrypt",
            "Decrypt",
            "ReEncryptFrom",
            "ReEncryptTo",
            "GetPublicKey",
        ],
        KeyUsage::SignVerify => &["Sign", "Verify", "GetPublicKey"],
        KeyUsage::GenerateVerifyMac => &["GenerateMac", "VerifyMac"],
        KeyUsage::KeyAgreement => &["DeriveSharedSecret", "GetPublicKey"],
    }
}

/// CreateGrant's ValidationExceptions: a grant may allow only operations the key supports,
/// may not allow CreateGrant alone, and carries encryption-context constraints only on
/// symmetric encryption keys (the only keys whose operations take a context).
fn check_grant_operations(key: &Key, operations: &[String], constrained: bool) -> ApiResult<()> {
    if operations == ["CreateGrant"] {
        // AWS's text (botocore ClientError quoted in ansible/ansible#31960).
        return Err(ApiError::validation(
            "Grants must not contain only the CreateGrant operation.",
        ));
    }
    let allowed = key_grant_operations(key);
    let unsupported: Vec<&str> = operations
        .iter()
        .map(String::as_str)
        .filter(|op| !ANY_KEY_GRANT_OPERATIONS.contains(op) && !allowed.contains(op))
        .collect();
    if !unsupported.is_empty() {
        // Text inferred: AWS documents the exception, not its message.
        return Err(ApiError::validation(format!(
            "Grant operations [{}] are not supported on {}, a {} key with KeyUsage {}.",
            unsupported.join(", "),
            key.arn,
            key.key_spec.as_str(),
            key.key_usage.as_str()
        )));
    }
    if constrained && key.key_spec != KeySpec::SymmetricDefault {
        // Text inferred.
        return Err(ApiError::validation(format!(
            "Encryption context grant constraints are not supported on {}: operations with {} keys take no encryption context.",
            key.arn,
            key.key_spec.as_str()
        )));
    }
    Ok(())
}

pub(crate) fn grant_entry(key: &Key, g: &GrantRecord) -> Value {
    let mut entry = json!({
        "KeyId": key.arn,
        "GrantId": g.grant_id,
        "CreationDate": g.creation_date,
        "GranteePrincipal": g.grantee_principal,
        "IssuingAccount": crate::arn::root(
            crate::arn::partition_of(&key.arn).unwrap_or(crate::arn::DEFAULT_PARTITION),
            &g.issuing_account
        ),
        "Operations": g.operations,
    });
    if let Some(name) = &g.name {
        entry["Name"] = json!(name);
    }
    if let Some(r) = &g.retiring_principal {
        entry["RetiringPrincipal"] = json!(r);
    }
    let mut constraints = serde_json::Map::new();
    if let Some(eq) = &g.encryption_context_equals {
        constraints.insert("EncryptionContextEquals".into(), json!(eq));
    }
    if let Some(sub) = &g.encryption_context_subset {
        constraints.insert("EncryptionContextSubset".into(), json!(sub));
    }
    if !constraints.is_empty() {
        entry["Constraints"] = Value::Object(constraints);
    }
    entry
}

pub fn create_grant(op: &Request, world: &mut World) -> ApiResult<Value> {
    let grantee = op.req("GranteePrincipal")?.to_owned();
    let retiring = op.str("RetiringPrincipal").map(str::to_owned);
    let operations = strings(op.input.get("Operations"));
    let constraints = op.input.get("Constraints");
    let equals = context_map(constraints.and_then(|c| c.get("EncryptionContextEquals")));
    let subset = context_map(constraints.and_then(|c| c.get("EncryptionContextSubset")));
    let mut extra = vec![
        ("kms:GrantOperations".to_owned(), json!(operations)),
        ("kms:GranteePrincipal".to_owned(), json!(grantee)),
        ("kms:GrantIsForAWSResource".to_owned(), json!(false)),
    ];
    if let Some(r) = &retiring {
        extra.push(("kms:RetiringPrincipal".to_owned(), json!(r)));
    }
    let constraint_types: Vec<&str> = [
        equals.as_ref().map(|_| "EncryptionContextEquals"),
        subset.as_ref().map(|_| "EncryptionContextSubset"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !constraint_types.is_empty() {
        extra.push((
            "kms:GrantConstraintType".to_owned(),
            json!(constraint_types),
        ));
    }
    let r = resolve_for(op, world, op.req("KeyId")?, Names::KeyOnly)?;
    let existing = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, extra)?;
        // Key-state table: Disabled, PendingImport and PendingDeletion refuse new grants;
        // a key in a disconnected custom key store (Unavailable) still takes them.
        if k.state != KeyState::Unavailable {
            require_usable(k)?;
        }
        check_grant_operations(k, &operations, equals.is_some() || subset.is_some())?;
        op.dry_run()?;
        let name = op.str("Name");
        k.grants
            .iter()
            .find(|g| {
                name.is_some()
                    && g.name.as_deref() == name
                    && g.grantee_principal == grantee
                    && g.retiring_principal == retiring
                    && g.operations == operations
                    && g.encryption_context_equals == equals
                    && g.encryption_context_subset == subset
            })
            .map(|g| g.grant_id.clone())
    };
    if let Some(grant_id) = existing {
        let token = new_token(&grant_id);
        return Ok(json!({ "GrantId": grant_id, "GrantToken": token }));
    }
    let grant_id = random_hex();
    let token = new_token(&grant_id);
    let record = GrantRecord {
        grant_id: grant_id.clone(),
        grant_token: token.clone(),
        name: op.str("Name").map(str::to_owned),
        grantee_principal: grantee,
        retiring_principal: retiring,
        operations,
        encryption_context_equals: equals,
        encryption_context_subset: subset,
        creation_date: op.ctx.now,
        issuing_account: op.account().to_owned(),
    };
    key_mut(world, &r, op.ctx.now)?.grants.push(record);
    Ok(json!({ "GrantId": grant_id, "GrantToken": token }))
}

pub fn list_grants(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = resolve_for(op, world, op.req("KeyId")?, Names::KeyOnly)?;
    let k = key(world, &r)?;
    authorize_key(
        op,
        world,
        k,
        vec![("kms:GrantIsForAWSResource".into(), json!(false))],
    )?;
    let grant_id = op.str("GrantId");
    let grantee = op.str("GranteePrincipal");
    // With a GrantId the page is that grant or nothing: found by id, not by a scan.
    let from = |start: Option<&str>| -> Option<Box<dyn Iterator<Item = &GrantRecord> + '_>> {
        match (grant_id, start) {
            (Some(id), Some(start)) if id != start => None,
            (Some(id), _) => Some(Box::new(k.grants.get(id).into_iter())),
            (None, Some(start)) => Some(Box::new(k.grants.from_id(start)?)),
            (None, None) => Some(Box::new(k.grants.iter())),
        }
    };
    let keep = |g: &GrantRecord| grantee.is_none_or(|p| p == g.grantee_principal);
    let view = |g: &GrantRecord| grant_entry(k, g);
    super::paging::paginate_by_id(op, "Grants", from, |g| &g.grant_id, keep, view)
}

pub fn list_retirable_grants(op: &Request, world: &mut World) -> ApiResult<Value> {
    authorize_keyless(op, world, Vec::new())?;
    let principal = op.req("RetiringPrincipal")?;
    let mut items = Vec::new();
    for account in world.accounts.values() {
        if let Some(region) = account.regions.get(op.region()) {
            for k in region.kms.keys.values() {
                for g in k.grants.iter() {
                    if g.retiring_principal.as_deref() == Some(principal) {
                        items.push(grant_entry(k, g));
                    }
                }
            }
        }
    }
    super::paging::paginate(items, op, "Grants")
}

/// The caller's ARN and, for a role session, its role's ARN: what grant principals name.
fn caller_principals(op: &Request) -> Vec<String> {
    let caller = &op.ctx.caller;
    let mut out = vec![caller.arn()];
    if let CallerKind::AssumedRole {
        role_name,
        role_path,
        ..
    } = &caller.kind
    {
        out.push(crate::services::iam::arns::role_arn(
            &caller.partition,
            &caller.account,
            role_path,
            role_name,
        ));
    }
    out
}

fn locate_by_token(world: &World, region: &str, token: &str) -> Option<(KeyRef, String)> {
    world.accounts.iter().find_map(|(acct, a)| {
        let kms = &a.regions.get(region)?.kms;
        kms.keys.values().find_map(|k| {
            k.grants.iter().find(|g| g.grant_token == token).map(|g| {
                (
                    KeyRef {
                        account: acct.clone(),
                        region: region.to_owned(),
                        key_id: k.key_id.clone(),
                    },
                    g.grant_id.clone(),
                )
            })
        })
    })
}

fn grant_not_found(grant_id: &str) -> ApiError {
    modeled_error(
        "NotFoundException",
        format!("Grant ID {grant_id} not found"),
    )
}

pub fn retire_grant(op: &Request, world: &mut World) -> ApiResult<Value> {
    let (r, grant_id) = match (op.str("GrantToken"), op.str("KeyId"), op.str("GrantId")) {
        (Some(token), _, _) => locate_by_token(world, op.region(), token)
            .ok_or_else(|| modeled_error("InvalidGrantTokenException", "Invalid grant token"))?,
        (None, Some(key_id), Some(grant_id)) => (
            resolve_for(op, world, key_id, Names::KeyOnly)?,
            grant_id.to_owned(),
        ),
        _ => {
            return Err(ApiError::validation(
                "Either GrantToken or both KeyId and GrantId must be specified.",
            ))
        }
    };
    {
        let k = key(world, &r)?;
        let g = k
            .grants
            .get(&grant_id)
            .ok_or_else(|| grant_not_found(&grant_id))?;
        let me = caller_principals(op);
        // The grant's own retiring principal, and a grantee the grant lets retire it, may
        // retire it whatever the key policy says (KMS DG, "Retiring and revoking grants").
        let named = g
            .retiring_principal
            .as_ref()
            .is_some_and(|p| me.contains(p))
            || (me.contains(&g.grantee_principal)
                && g.operations.iter().any(|o| o == "RetireGrant"));
        if !named {
            authorize_key(op, world, k, Vec::new())?;
        }
        op.dry_run()?;
    }
    key_mut(world, &r, op.ctx.now)?.grants.remove(&grant_id);
    Ok(json!({}))
}

pub fn revoke_grant(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = resolve_for(op, world, op.req("KeyId")?, Names::KeyOnly)?;
    let grant_id = op.req("GrantId")?.to_owned();
    {
        let k = key(world, &r)?;
        authorize_key(
            op,
            world,
            k,
            vec![("kms:GrantIsForAWSResource".into(), json!(false))],
        )?;
        if k.grants.get(&grant_id).is_none() {
            return Err(grant_not_found(&grant_id));
        }
        op.dry_run()?;
    }
    key_mut(world, &r, op.ctx.now)?.grants.remove(&grant_id);
    Ok(json!({}))
}
