//! The cross-account copy world (scenarios/cross-account-copy-succeeds) through the AWS SDK for
//! Rust: each documented misconfiguration fails the copy job with AWS's StatusMessage, and the
//! fix the AWS articles describe makes it complete.

use aws_sdk_backup::types::CopyJobState;

use crate::backup_common::{
    self, DEST_KEY_POLICY, DEST_VAULT, DST, ROLE, SRC, VAULT_POLICY, VOLUME,
};
use crate::common;

/// The seeds' fix: the source key policy lets the destination account and its
/// AWSServiceRoleForBackup use the key.
const SHARED_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"destination","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root","arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"]},
  "Action":["kms:DescribeKey","kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*"}]}"#;

struct Accounts {
    src_backup: aws_sdk_backup::Client,
    dst_backup: aws_sdk_backup::Client,
}

impl Accounts {
    /// Starts a copy of `recovery_point` into DEST's vault; returns the job's state and message.
    async fn copy(&self, recovery_point: &str) -> (CopyJobState, Option<String>) {
        let started = self
            .src_backup
            .start_copy_job()
            .recovery_point_arn(recovery_point)
            .source_backup_vault_name("src")
            .destination_backup_vault_arn(DEST_VAULT)
            .iam_role_arn(ROLE)
            .send()
            .await
            .expect("StartCopyJob");
        let described = self
            .src_backup
            .describe_copy_job()
            .copy_job_id(started.copy_job_id().expect("job id"))
            .send()
            .await
            .expect("DescribeCopyJob");
        let job = described.copy_job().expect("copy job");
        (
            job.state().cloned().expect("state"),
            job.status_message().map(str::to_owned),
        )
    }
}

#[tokio::test]
async fn sdk_cross_account_copy_fails_as_documented_until_each_fix() {
    let emu = common::start().await;
    let src = emu.sdk_config(SRC).await;
    let dst = emu.sdk_config(DST).await;
    let (src_iam, dst_iam) = (
        aws_sdk_iam::Client::new(&src),
        aws_sdk_iam::Client::new(&dst),
    );
    let (src_kms, dst_kms) = (
        aws_sdk_kms::Client::new(&src),
        aws_sdk_kms::Client::new(&dst),
    );
    let accounts = Accounts {
        src_backup: aws_sdk_backup::Client::new(&src),
        dst_backup: aws_sdk_backup::Client::new(&dst),
    };

    // The world: service-linked roles, the source role, a CMK per account, the vaults.
    for iam in [&src_iam, &dst_iam] {
        iam.create_service_linked_role()
            .aws_service_name("backup.amazonaws.com")
            .send()
            .await
            .expect("CreateServiceLinkedRole");
    }
    backup_common::backup_role(&emu, SRC).await;
    let src_key = src_kms.create_key().send().await.expect("CreateKey");
    let src_key = src_key
        .key_metadata()
        .expect("metadata")
        .arn()
        .expect("arn")
        .to_owned();
    let dst_key = dst_kms.create_key().send().await.expect("CreateKey");
    let dst_key = dst_key
        .key_metadata()
        .expect("metadata")
        .arn()
        .expect("arn")
        .to_owned();
    backup_common::admin_ok(
        &emu,
        "/_keyhole/resources",
        &serde_json::json!({"Arn": VOLUME, "KmsKeyArn": src_key}),
    )
    .await;
    accounts
        .src_backup
        .create_backup_vault()
        .backup_vault_name("src")
        .send()
        .await
        .expect("CreateBackupVault");
    accounts
        .dst_backup
        .create_backup_vault()
        .backup_vault_name("dest")
        .encryption_key_arn(&dst_key)
        .send()
        .await
        .expect("CreateBackupVault");
    let err = accounts
        .dst_backup
        .describe_backup_vault()
        .backup_vault_name("nope")
        .send()
        .await
        .expect_err("no such vault");
    backup_common::assert_error(
        &err,
        "AccessDeniedException",
        "Insufficient privileges to perform this action.",
    );
    let backup = accounts
        .src_backup
        .start_backup_job()
        .backup_vault_name("src")
        .resource_arn(VOLUME)
        .iam_role_arn(ROLE)
        .send()
        .await
        .expect("StartBackupJob");
    let recovery_point = backup
        .recovery_point_arn()
        .expect("recovery point")
        .to_owned();

    // 1. Not one organization.
    assert_eq!(
        accounts.copy(&recovery_point).await,
        (
            CopyJobState::Failed,
            Some("Access denied: Copy job failed. Both source and destination account must be a member of the same organization.".into())
        )
    );
    let orgs_src = aws_sdk_organizations::Client::new(&src);
    orgs_src
        .create_organization()
        .send()
        .await
        .expect("CreateOrganization");
    backup_common::join(&emu, &orgs_src, DST).await;

    // 2. Cross-account backup not enabled by the management account.
    assert_eq!(
        accounts.copy(&recovery_point).await,
        (
            CopyJobState::Failed,
            Some("Copy job failed. Cross-account copy feature is not enabled for the current organization.".into())
        )
    );
    accounts
        .src_backup
        .update_global_settings()
        .global_settings("isCrossAccountBackupEnabled", "true")
        .send()
        .await
        .expect("UpdateGlobalSettings");

    // 3. The source key policy knows only its own account.
    assert_eq!(
        accounts.copy(&recovery_point).await,
        (
            CopyJobState::Failed,
            Some("Given key ID is not accessible".into())
        )
    );
    src_kms
        .put_key_policy()
        .key_id(&src_key)
        .policy_name("default")
        .policy(SHARED_KEY_POLICY)
        .send()
        .await
        .expect("PutKeyPolicy");

    // 4. The destination vault does not accept copies from the source.
    assert_eq!(
        accounts.copy(&recovery_point).await,
        (
            CopyJobState::Failed,
            Some("Access Denied trying to call AWS Backup service".into())
        )
    );
    accounts
        .dst_backup
        .put_backup_vault_access_policy()
        .backup_vault_name("dest")
        .policy(VAULT_POLICY)
        .send()
        .await
        .expect("PutBackupVaultAccessPolicy");

    // 5. The destination vault key does not let the source copy role use it.
    assert_eq!(
        accounts.copy(&recovery_point).await,
        (
            CopyJobState::Failed,
            Some(
                "KMS key is either disabled or pending deletion or access to KMS key is denied"
                    .into()
            )
        )
    );
    dst_kms
        .put_key_policy()
        .key_id(&dst_key)
        .policy_name("default")
        .policy(DEST_KEY_POLICY)
        .send()
        .await
        .expect("PutKeyPolicy");

    // Fixed: the copy completes into DEST, encrypted with DEST's vault key.
    let (state, _) = accounts.copy(&recovery_point).await;
    assert_eq!(state, CopyJobState::Completed);
    let copies = accounts
        .dst_backup
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("dest")
        .send()
        .await
        .expect("ListRecoveryPointsByBackupVault");
    let copy = &copies.recovery_points()[0];
    assert_eq!(copy.encryption_key_arn(), Some(dst_key.as_str()));
    assert_eq!(
        copy.source_backup_vault_arn(),
        Some("arn:aws:backup:us-east-1:111111111111:backup-vault:src")
    );
}
