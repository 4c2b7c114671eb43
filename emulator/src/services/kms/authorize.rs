//! KMS's authorization glue: the request context keys of a key and of an encryption
//! context, and the calls into `crate::authz` for key and keyless operations.

use super::errors;
use crate::services::input::Request;
use serde_json::{json, Value};

use super::crypto::EncryptionContext;
use super::state::Key;
use crate::authz::{self, Access, ResourcePolicyKind};
use crate::protocol::ApiResult;
use crate::world::World;

// ---------------------------------------------------------------------------------------
// Authorization

/// Condition keys every access to `key` carries.
pub(crate) fn key_context(key: &Key, caller_account: &str) -> Vec<(String, Value)> {
    let mut context = vec![
        ("kms:CallerAccount".to_owned(), json!(caller_account)),
        ("kms:KeySpec".to_owned(), json!(key.key_spec.as_str())),
        ("kms:KeyUsage".to_owned(), json!(key.key_usage.as_str())),
        ("kms:KeyOrigin".to_owned(), json!(key.origin)),
        ("kms:MultiRegion".to_owned(), json!(key.multi_region)),
    ];
    for (k, v) in &key.tags {
        context.push((format!("aws:ResourceTag/{k}"), json!(v)));
    }
    context
}

pub(crate) fn encryption_context_keys(ec: &EncryptionContext) -> Vec<(String, Value)> {
    if ec.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(String, Value)> = ec
        .iter()
        .map(|(k, v)| (format!("kms:EncryptionContext:{k}"), json!(v)))
        .collect();
    let keys: Vec<&String> = ec.iter().map(|(k, _)| k).collect();
    out.push(("kms:EncryptionContextKeys".to_owned(), json!(keys)));
    out
}

pub(crate) fn key_access(action: &str, key: &Key, caller_account: &str) -> Access {
    Access {
        action: action.to_owned(),
        resource: Some(key.arn.clone()),
        resource_account: Some(key.account.clone()),
        resource_policy: Some((ResourcePolicyKind::KmsKeyPolicy, key.policy.clone())),
        context: key_context(key, caller_account),
        grants: key.grants.iter().map(|g| g.to_policy_grant()).collect(),
    }
}

/// Asks the engine about `kms:<Operation>` on `key`, with extra condition keys.
pub(crate) fn authorize_key(
    op: &Request,
    world: &World,
    key: &Key,
    extra: Vec<(String, Value)>,
) -> ApiResult<()> {
    authorize_key_action(op, world, key, &op.ctx.action(), extra)
}

pub(crate) fn authorize_key_action(
    op: &Request,
    world: &World,
    key: &Key,
    action: &str,
    extra: Vec<(String, Value)>,
) -> ApiResult<()> {
    let mut access = key_access(action, key, op.account());
    access.context.extend(extra);
    let decision = authz::decide_request(op.ctx, world, &access);
    if decision.is_allowed() {
        return Ok(());
    }
    tracing::debug!(explanation = %decision.explain(), "access denied");
    Err(errors::access_denied(&decision))
}

/// Access to no key (CreateKey, ListKeys, ListAliases, GenerateRandom, ...).
pub(crate) fn authorize_keyless(
    op: &Request,
    world: &World,
    extra: Vec<(String, Value)>,
) -> ApiResult<()> {
    authz::authorize(
        op.ctx,
        world,
        &Access {
            action: op.ctx.action(),
            resource: None,
            context: extra,
            ..Access::default()
        },
    )
}
