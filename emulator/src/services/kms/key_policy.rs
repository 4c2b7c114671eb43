//! Key policies: the checks of a new policy (grammar, principals, lockout), and
//! GetKeyPolicy, ListKeyPolicies, PutKeyPolicy.

use serde_json::{json, Value};

use super::authorize::{authorize_key, key_access};
use super::errors::modeled_error;
use super::key_states::require_customer_managed;
use super::lookup::{key, key_mut, target};
use super::state::Key;
use crate::authz::{self, Access, Environment};
use crate::policy::model::PrincipalEntryKind;
use crate::policy::{validate, PolicyType};
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

pub(super) fn malformed(message: &str) -> ApiError {
    modeled_error("MalformedPolicyDocumentException", message)
}

/// CreateKey's and PutKeyPolicy's checks of a new key policy: the grammar, principals that
/// exist, and (unless bypassed) that the caller could still change the policy afterwards.
pub(crate) fn check_key_policy(
    op: &Request,
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
        .any(|e| !crate::world::iam::access::principal_exists(world, &e.value));
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

pub(super) fn check_policy_name(op: &Request) -> ApiResult<()> {
    match op.str("PolicyName") {
        None | Some("default") => Ok(()),
        Some(_) => Err(modeled_error("NotFoundException", "No such policy exists")),
    }
}

pub fn get_key_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    check_policy_name(op)?;
    Ok(json!({ "Policy": k.policy, "PolicyName": "default" }))
}

pub fn list_key_policies(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    Ok(json!({ "PolicyNames": ["default"], "Truncated": false }))
}

pub fn put_key_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
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
