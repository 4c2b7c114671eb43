//! How integrated AWS services (Backup) use KMS keys on a principal's behalf: the same
//! key lookup, key states and policy decision as a direct call, with kms:ViaService and
//! aws:CalledVia saying which service made the call.

use serde_json::json;

use super::authorize::key_access;
use super::errors;
use super::key_states::require_usable;
use super::lookup::{key, resolve, KeyRef};
use super::regions::deleted_by;
use crate::authz::{self, Environment};
use crate::policy::{Decision, EvalDecision, Layer};
use crate::protocol::ApiError;
use crate::world::World;

/// How an integrated AWS service (Backup) uses a KMS key on a principal's behalf.
pub struct ServiceKeyUse<'a> {
    /// The principal the service acts for (e.g. the role passed to StartCopyJob, or the
    /// service-linked role).
    pub caller: &'a crate::world::Caller,
    /// Key ARN or alias ARN as the vault names it.
    pub key_arn: &'a str,
    /// E.g. `["Decrypt", "CreateGrant", "GenerateDataKey", "DescribeKey"]`, without prefix.
    pub operations: &'a [&'a str],
    /// `"backup"`.
    pub via_service: &'a str,
    pub region: &'a str,
    pub now: f64,
    /// kms:GrantIsForAWSResource, set on the grant operations only.
    pub grant_is_for_aws_resource: bool,
}

/// Which policies decide a service's use of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Authority {
    /// The caller's own policies and the key policy, as for a direct call.
    CallerAndKeyPolicy,
    /// The key policy and grants alone (see [`check_key_policy_use`]).
    KeyPolicyAndGrants,
}

/// Ok when every operation is allowed and the key is usable (exists, enabled, not pending
/// deletion); otherwise the ApiError KMS would return (AccessDeniedException with the
/// engine's message, NotFoundException, DisabledException, KMSInvalidStateException).
pub fn check_service_key_use(world: &World, key_use: &ServiceKeyUse) -> Result<(), ApiError> {
    check(world, key_use, Authority::CallerAndKeyPolicy)
}

/// [`check_service_key_use`] where only the key policy and the key's grants decide, for a
/// service's own data path that the caller's identity policies do not describe: AWS Backup
/// copying a fully managed backup. There the destination account's AWSServiceRoleForBackup
/// is the caller (tecracer 2024, CloudTrail), yet its managed policy
/// AWSBackupServiceLinkedRolePolicyForBackup allows no kms:Decrypt or kms:GenerateDataKey
/// and no kms:CreateGrant through backup; copies still work once the key policy allows the
/// destination (repost.aws backup-cross-account-copy-error; devguide encryption.html: "the
/// key policy requires ... kms:createGrant, kms:generateDataKey, kms:decrypt"). So AWS does
/// not evaluate that identity policy there, and keyhole asks the key policy alone. An
/// explicit Deny anywhere still denies.
pub fn check_key_policy_use(world: &World, key_use: &ServiceKeyUse) -> Result<(), ApiError> {
    check(world, key_use, Authority::KeyPolicyAndGrants)
}

/// The operations kms:GrantIsForAWSResource exists for (KMS DG, "kms:GrantIsForAWSResource":
/// CreateGrant, ListGrants, RevokeGrant); other operations do not carry the key.
fn grant_operation(operation: &str) -> bool {
    matches!(operation, "CreateGrant" | "ListGrants" | "RevokeGrant")
}

/// Allowed when the key policy alone allows (the engine then only lacked an identity
/// policy) or a grant does; never over an explicit Deny.
fn allowed_by_key_policy_or_grant(decision: &Decision) -> bool {
    decision.is_allowed()
        || (decision.decision == EvalDecision::ImplicitDeny
            && decision.layer == Some(Layer::IdentityPolicy)
            && decision.verdicts[Layer::ResourcePolicy as usize] == Some(EvalDecision::Allowed))
}

fn check(world: &World, key_use: &ServiceKeyUse, authority: Authority) -> Result<(), ApiError> {
    let r: KeyRef = resolve(
        world,
        &key_use.caller.account,
        key_use.region,
        key_use.key_arn,
        key_use.now,
    )?;
    let k = key(world, &r)?;
    let env = Environment {
        region: key_use.region.to_owned(),
        now: key_use.now,
        called_via: vec![format!("{}.amazonaws.com", key_use.via_service)],
    };
    for operation in key_use.operations {
        let action = format!("kms:{operation}");
        let mut access = key_access(&action, k, &key_use.caller.account);
        access.context.push((
            "kms:ViaService".into(),
            json!(format!(
                "{}.{}.amazonaws.com",
                key_use.via_service, key_use.region
            )),
        ));
        if grant_operation(operation) {
            access.context.push((
                "kms:GrantIsForAWSResource".into(),
                json!(key_use.grant_is_for_aws_resource),
            ));
        }
        let decision = authz::decide(world, key_use.caller, &env, &access);
        let allowed = match authority {
            Authority::CallerAndKeyPolicy => decision.is_allowed(),
            Authority::KeyPolicyAndGrants => allowed_by_key_policy_or_grant(&decision),
        };
        if !allowed {
            // Worded as a direct call is: the Backup developer guide's cross-account
            // example is AWS Backup's own kms:CreateGrant (see errors::access_denied).
            return Err(errors::access_denied(&decision));
        }
    }
    require_usable(k)
}

/// Key ARN for an id/alias/ARN in `account`/`region`, if the key exists.
pub fn resolve_key_arn(world: &World, account: &str, region: &str, key_id: &str) -> Option<String> {
    let now = f64::NEG_INFINITY;
    let r = resolve(world, account, region, key_id, now).ok()?;
    let k = key(world, &r).ok()?;
    (!deleted_by(k, now)).then(|| k.arn.clone())
}

/// The access KMS authorizes `action` on the key a key or alias ARN names with, for a
/// caller of `caller_account` (its key policy, grants and condition keys, as
/// `key_access` gives every KMS operation); `None` when no such key exists at `now`.
pub fn key_access_for(
    world: &World,
    arn: &str,
    action: &str,
    caller_account: &str,
    now: f64,
) -> Option<authz::Access> {
    let region = arn.split(':').nth(3)?;
    let r = resolve(world, caller_account, region, arn, now).ok()?;
    let k = key(world, &r).ok()?;
    Some(key_access(action, k, caller_account))
}

/// The AccessDenied message KMS answers a denied request with: the engine's wording, or
/// KMS's own for a cross-account request no key policy allows.
pub fn access_denied_message(decision: &Decision) -> String {
    errors::access_denied(decision)
        .message
        .clone()
        .unwrap_or_default()
}

/// Backup creates its default vault key through here.
pub use super::managed::ensure_aws_managed_key;
