//! Every StatusMessage a copy job can fail with, in AWS's words, with where each text comes
//! from.
//!
//! V = verified: the exact text is quoted at the source (`../shared/reference/errors.md` §1
//! and `backup-resources.md` §2-3 name the sources by key); I = inferred: the text is
//! AWS's, but that a copy shows it in this case, or its exact form, is not confirmed.
//!
//! | Message | Check | Source | St |
//! |---|---|---|---|
//! | [`MSG_NOT_SAME_ORG`] | 1 | errors.md S1, S4; the `Access denied: ` prefix of a real job B2 (NA2) | V |
//! | [`MSG_CROSS_ACCOUNT_DISABLED`] | 2 | errors.md S4, S5 (DB, TC) | V |
//! | [`vault_missing`] | 3 | the backup job's text (backup-resources.md §4, EB) | I |
//! | [`region_not_supported`] | 4 | RDS: KCX, Aurora: TC; DynamoDB: the RDS pattern | V / I |
//! | [`MSG_EC2_AWS_MANAGED`] | 5 | seed 004; EC2 ModifyImageAttribute (DB, G1) | V |
//! | [`MSG_EBS_DEFAULT_KEY`] | 5 | EC2 ModifySnapshotAttribute (G1, C1); suffix from seed 004 | V / I |
//! | [`MSG_DEFAULT_KEY_VAULT`] | 5 | errors.md S4 (DB, TC) | V |
//! | [`MSG_KEY_NOT_ACCESSIBLE`] | 6 | errors.md S2, S4, S5 | V |
//! | [`MSG_AMI_KEY_NOT_ACCESSIBLE`] | 6 | errors.md S6, S4 (aws-samples/aws-backup-automation#2) | V |
//! | [`rds_key_message`] | 6 | errors.md S5, S2 (TC, KCK) | V |
//! | [`MSG_KEY_UNUSABLE`] | 6, 10 | errors.md S4 (dashboards doc, KMS category); its use for FSx, fully managed types and the destination key | V / I |
//! | [`MSG_KEY_DELETED`] | 6, 10 | errors.md S4 | V |
//! | [`MSG_VAULT_POLICY`] | 7 | errors.md S3, S4, S5 | V |
//! | [`MSG_RETENTION`] | 8 | errors.md S4 (DB, LAGP) | V |
//! | [`role_missing`] | 9 | the backup job's text (errors.md S5) | I |
//! | [`role_untrusted`] | 9 | AWS Backup's logged errorMessage (awslabs/landing-zone-accelerator-on-aws#194); as a StatusMessage | I |
//! | [`MSG_TAGS`] | 11 | errors.md S4 | V |
//! | [`MSG_FATAL`] | source, destination ARN | errors.md S4 | V |

use super::super::resources::is_rds_family;

pub const MSG_NOT_SAME_ORG: &str = "Access denied: Copy job failed. Both source and destination account must be a member of the same organization.";
pub const MSG_CROSS_ACCOUNT_DISABLED: &str =
    "Copy job failed. Cross-account copy feature is not enabled for the current organization.";
pub const MSG_DEFAULT_KEY_VAULT: &str = "Copy job failed because the destination Backup vault is encrypted with the default Backup service managed key. The contents of this vault cannot be copied. Only the contents of a Backup vault encrypted by an AWS KMS key may be copied.";
pub const MSG_EC2_AWS_MANAGED: &str = "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot. (Service: AmazonEC2; Status Code: 400; Error Code: InvalidParameter; Request ID: ; Proxy: null)";
/// EC2's ModifySnapshotAttribute text (OperationNotPermitted; the Go helper
/// `IsErrorDueToEBSEncryptionByDefault` quotes the API response; the dashboards doc's
/// "Amazon EBS" is its editing). The suffix is inferred from the AMI case, the one EC2
/// share error seen in a job (seed 004, `MSG_EC2_AWS_MANAGED`): AWS Backup passes EC2's
/// error on in the Java SDK's form, and both errors come from the same sharing step.
pub const MSG_EBS_DEFAULT_KEY: &str = "Encrypted snapshots with EBS default key cannot be shared (Service: AmazonEC2; Status Code: 400; Error Code: OperationNotPermitted; Request ID: ; Proxy: null)";
pub const MSG_KEY_NOT_ACCESSIBLE: &str = "Given key ID is not accessible";
pub const MSG_AMI_KEY_NOT_ACCESSIBLE: &str = "AMI snapshot copy failed with error: Given key ID is not accessible. You must have DescribeKey permissions on the default CMK";
pub const MSG_KEY_UNUSABLE: &str =
    "KMS key is either disabled or pending deletion or access to KMS key is denied";
pub const MSG_KEY_DELETED: &str = "Given key ID does not exist";
pub const MSG_VAULT_POLICY: &str = "Access Denied trying to call AWS Backup service";
pub const MSG_RETENTION: &str = "Copy job failed. The retention specified in the job is not within the range specified for the target Backup Vault.";
pub const MSG_TAGS: &str =
    "We are unable to copy resource tags to your backup because of the Internal Failure.";
pub const MSG_FATAL: &str =
    "Copy job encountered a fatal error. Please contact AWS Support for further assistance.";

/// An RDS-family source key the copy cannot use.
pub fn rds_key_message(key_arn: &str) -> String {
    format!("The source snapshot KMS key [{key_arn}] does not exist, is not enabled or you do not have permissions to access it.")
}

/// A copy between these Regions (and accounts) the resource type does not support.
pub fn region_not_supported(from: &str, to: &str, resource_type: &str) -> String {
    format!("Copy job from {from} to {to} cannot be initiated for {resource_type} resources. Feature is not supported for provided resource type.")
}

/// The destination vault does not exist. Inferred from the backup job's verified message.
pub fn vault_missing(destination_vault_arn: &str) -> String {
    format!("Copy job failed because backup vault {destination_vault_arn} does not exist.")
}

/// The job's IAM role does not exist. Inferred from the backup job's verified message.
pub fn role_missing(role_arn: &str) -> String {
    format!("IAM Role {role_arn} does not have sufficient permissions to execute the copy.")
}

/// The job's IAM role does not trust AWS Backup. Verified as the errorMessage AWS Backup
/// logs for such a role (awslabs/landing-zone-accelerator-on-aws#194); as a StatusMessage
/// it is inferred.
pub fn role_untrusted(role_arn: &str) -> String {
    format!("The provided role {role_arn} cannot be assumed by AWS Backup.")
}

/// The KMS failure of the source key, in the words AWS shows for the resource type.
pub(crate) fn source_key_message(resource_type: &str, key_arn: &str, kms_code: &str) -> String {
    if is_rds_family(resource_type) {
        return rds_key_message(key_arn);
    }
    match (resource_type, kms_code) {
        (_, "NotFoundException") => MSG_KEY_DELETED.to_owned(),
        ("EBS" | "Storage Gateway", "AccessDeniedException") => MSG_KEY_NOT_ACCESSIBLE.to_owned(),
        ("EC2", "AccessDeniedException") => MSG_AMI_KEY_NOT_ACCESSIBLE.to_owned(),
        // FSx and every fully managed type (EFS, S3, DynamoDB with advanced features, ...):
        // the text is AWS's (dashboards doc, KMS category), but which message AWS shows for
        // them is inferred; AWS quotes none for an unshared source vault key (fidelity review
        // §1.c).
        _ => MSG_KEY_UNUSABLE.to_owned(),
    }
}

/// The KMS failure of a destination vault key. The text is AWS's (dashboards doc, KMS
/// category); that it is what a copy shows for the destination key is inferred.
pub fn destination_key_message(kms_code: &str) -> &'static str {
    if kms_code == "NotFoundException" {
        MSG_KEY_DELETED
    } else {
        MSG_KEY_UNUSABLE
    }
}
