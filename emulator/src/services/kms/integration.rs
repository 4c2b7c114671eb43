//! How integrated AWS services (Backup) use KMS keys on a principal's behalf: the same
//! key lookup, key states and policy decision as a direct call, with kms:ViaService and
//! aws:CalledVia saying which service made the call.

use serde_json::json;

use super::{deleted_by, errors, key, key_access, require_usable, resolve, KeyRef};
use crate::authz::{self, Environment};
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
    pub grant_is_for_aws_resource: bool,
}

/// Ok when every operation is allowed and the key is usable (exists, enabled, not pending
/// deletion); otherwise the ApiError KMS would return (AccessDeniedException with the
/// engine's message, NotFoundException, DisabledException, KMSInvalidStateException).
pub fn check_service_key_use(world: &World, key_use: &ServiceKeyUse) -> Result<(), ApiError> {
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
        access.context.push((
            "kms:GrantIsForAWSResource".into(),
            json!(key_use.grant_is_for_aws_resource),
        ));
        let decision = authz::decide(world, key_use.caller, &env, &access);
        if !decision.is_allowed() {
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

/// Backup creates its default vault key through here.
pub use super::managed::ensure_aws_managed_key;
