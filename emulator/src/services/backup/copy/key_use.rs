//! How a copy uses KMS keys: which operations the destination account's
//! AWSServiceRoleForBackup and the copy role need on the source and destination keys, and
//! asking KMS (`kms::integration`) whether a caller may use a key that way.

use super::super::roles::role_caller;
use super::super::state::Vault;
use crate::protocol::ApiError;
use crate::services::kms::integration::{
    check_key_policy_use, check_service_key_use, ServiceKeyUse,
};
use crate::world::{Caller, World};

/// How the destination account's AWSServiceRoleForBackup uses the source key in a copy
/// (and its own vault key): the KMS operations, the service they go through, and which
/// policies decide. Demands no more than AWS's documented working key policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyKeyUse {
    pub operations: &'static [&'static str],
    pub via_service: &'static str,
    /// Only the key policy and grants decide (`kms::integration::check_key_policy_use`).
    pub key_policy_only: bool,
}

/// A fully managed backup is copied by AWS Backup itself under the vault key. devguide
/// encryption.html ("AWS Backup permissions, grants, and deny statements"): "At a minimum,
/// the key policy requires the following permissions: kms:createGrant, kms:generateDataKey,
/// kms:decrypt", CreateGrant with kms:GrantIsForAWSResource through backup.
const FULLY_MANAGED_KEY_USE: CopyKeyUse = CopyKeyUse {
    operations: &["CreateGrant", "GenerateDataKey", "Decrypt"],
    via_service: "backup",
    key_policy_only: true,
};

/// A snapshot (EBS, Storage Gateway, RDS family, FSx) is copied by its own service under a
/// grant the destination's AWSServiceRoleForBackup creates (tecracer 2024, CloudTrail).
/// tecracer's working source key policy gives that role only kms:CreateGrant,
/// kms:ListGrants and kms:RevokeGrant (kms:GrantIsForAWSResource); the KC example
/// (repost.aws backup-cross-account-copy-error) has the same three for the destination.
/// Those copies complete, so the key policy need not allow the rest of what the role's
/// managed policy lists (DescribeKey, ReEncryptFrom, GenerateDataKeyWithoutPlaintext;
/// inferred: the grant covers them). RevokeGrant only undoes the grant: inferred not to
/// fail a copy. For RDS,
/// awslabs/aurora-snapshot-tool#29: without kms:CreateGrant the other account's copy fails.
const SNAPSHOT_GRANT_OPERATIONS: &[&str] = &["CreateGrant", "ListGrants"];

/// An AMI copy also describes the key: AWS's own text says "You must have DescribeKey
/// permissions" (aws-samples/aws-backup-automation#2, `MSG_AMI_KEY_NOT_ACCESSIBLE`).
const AMI_GRANT_OPERATIONS: &[&str] = &["DescribeKey", "CreateGrant", "ListGrants"];

/// The key use of a copy of `resource_type` (source key, and the destination vault key).
pub fn key_use_for(resource_type: &str, fully_managed: bool) -> CopyKeyUse {
    let grant = |operations, via_service| CopyKeyUse {
        operations,
        via_service,
        key_policy_only: false,
    };
    if fully_managed {
        return FULLY_MANAGED_KEY_USE;
    }
    match resource_type {
        "EBS" | "Storage Gateway" => grant(SNAPSHOT_GRANT_OPERATIONS, "ec2"),
        "EC2" => grant(AMI_GRANT_OPERATIONS, "ec2"),
        "RDS" | "Aurora" | "DocumentDB" | "Neptune" => grant(SNAPSHOT_GRANT_OPERATIONS, "rds"),
        "FSx" => grant(SNAPSHOT_GRANT_OPERATIONS, "fsx"),
        // Redshift and Redshift Serverless: no evidence of their copy's key use.
        _ => grant(&["DescribeKey"], "backup"),
    }
}

/// The source copy role's rights on the destination vault's key: "The source account's
/// copy role must have access permissions to both the source and destination CMKs", with
/// kms:DescribeKey and kms:CreateGrant (kms:GrantIsForAWSResource) (devguide
/// logicallyairgappedvault.html, "IAM Role"; AWSBackupServiceRolePolicyForBackup gives the
/// role both).
const COPY_ROLE_KEY_USE: CopyKeyUse = CopyKeyUse {
    operations: &["DescribeKey", "CreateGrant"],
    via_service: "backup",
    key_policy_only: false,
};

/// Asks KMS whether `caller` may use `key_arn` as `key_use` says, through its service.
pub fn use_key(
    world: &World,
    caller: &Caller,
    key_arn: &str,
    key_use: CopyKeyUse,
    region: &str,
    now: f64,
) -> Result<(), ApiError> {
    let service_use = ServiceKeyUse {
        caller,
        key_arn,
        operations: key_use.operations,
        via_service: key_use.via_service,
        region,
        now,
        grant_is_for_aws_resource: true,
    };
    if key_use.key_policy_only {
        check_key_policy_use(world, &service_use)
    } else {
        check_service_key_use(world, &service_use)
    }
}

/// The decision record's account of a key use.
pub fn describe_key_use(key_use: CopyKeyUse) -> String {
    let decided_by = if key_use.key_policy_only {
        "the key policy and grants"
    } else {
        "its policies and the key policy"
    };
    format!(
        "{} via {}, decided by {decided_by}",
        key_use.operations.join(", "),
        key_use.via_service
    )
}

/// The copy role (`IamRoleArn`) on the destination vault's customer managed key
/// (`COPY_ROLE_KEY_USE`): the key policy of the destination account must share the key with
/// the role and the role's identity policy must allow it, as for any cross-account KMS
/// call. The page speaks of CMKs: an AWS managed or AWS owned key is not the role's to use.
pub fn copy_role_uses_destination_key(
    world: &World,
    role_arn: &str,
    dest_vault: &Vault,
    now: f64,
) -> Result<(), ApiError> {
    if dest_vault.aws_managed_key || dest_vault.encryption_key_arn.is_empty() {
        return Ok(());
    }
    let region = dest_vault.arn.split(':').nth(3).unwrap_or_default();
    use_key(
        world,
        &role_caller(world, role_arn),
        &dest_vault.encryption_key_arn,
        COPY_ROLE_KEY_USE,
        region,
        now,
    )
}
