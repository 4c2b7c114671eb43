//! What other services ask of KMS: whether a service may use a key on a principal's behalf,
//! key id resolution, and AWS-managed keys. (Interface stub on the backup branch: the KMS
//! branch provides the real implementation.)

use crate::protocol::ApiError;
use crate::world::{Caller, World};

/// A service (Backup) using a KMS key on behalf of `caller`.
pub struct ServiceKeyUse<'a> {
    pub caller: &'a Caller,
    pub key_arn: &'a str,
    pub operations: &'a [&'a str],
    pub via_service: &'a str,
    pub region: &'a str,
    pub now: f64,
    pub grant_is_for_aws_resource: bool,
}

/// Whether every operation of `key_use` is allowed; KMS's error otherwise.
pub fn check_service_key_use(_world: &World, _key_use: &ServiceKeyUse) -> Result<(), ApiError> {
    Ok(())
}

/// The key ARN a key id, key ARN, alias name or alias ARN names, if it exists.
pub fn resolve_key_arn(
    _world: &World,
    account: &str,
    region: &str,
    key_id: &str,
) -> Option<String> {
    if key_id.starts_with("arn:") {
        return Some(key_id.to_owned());
    }
    if key_id.starts_with("alias/") {
        return Some(format!("arn:aws:kms:{region}:{account}:{key_id}"));
    }
    Some(format!("arn:aws:kms:{region}:{account}:key/{key_id}"))
}

/// The ARN of `aws/<service>` in the account and region, created on first use.
pub fn ensure_aws_managed_key(
    _world: &mut World,
    account: &str,
    region: &str,
    service: &str,
    _now: f64,
) -> String {
    let seed = format!("{account}/{region}/aws/{service}");
    let hash = |salt: u64| {
        seed.bytes().fold(0xcbf2_9ce4_8422_2325 ^ salt, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let (a, b) = (hash(0), hash(1));
    let id = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    );
    format!("arn:aws:kms:{region}:{account}:key/{id}")
}
