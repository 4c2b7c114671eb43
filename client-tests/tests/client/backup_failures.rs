//! Every check of the cross-account copy engine through aws-sdk-backup (issue 7): a world
//! that copies, with exactly one thing broken, fails the copy job with AWS's StatusMessage;
//! the seeds' fix applied to that same world makes the copy complete into the destination.
//!
//! The organization is managed by a third account, so SCPs apply to both copy accounts
//! (they never apply to the management account).

use aws_sdk_backup::types::{CopyJob, CopyJobState, Lifecycle};
use aws_sdk_organizations::types::PolicyType;
use serde_json::{json, Value};

use crate::backup_common::{
    self, admin_ok, BACKUP_POLICY, DEST_KEY_POLICY, DEST_VAULT, DST, ROLE, SRC, TRUST_BACKUP,
    VAULT_POLICY, VOLUME,
};
use crate::common;

const MGMT: &str = "333333333333";
const SRC_VAULT: &str = "arn:aws:backup:us-east-1:111111111111:backup-vault:src";
/// The seeds' key policy: the owner keeps the key, the destination account and its
/// AWSServiceRoleForBackup may use it and attach grants for AWS resources.
const SHARED_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:root","arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"]},
  "Action":["kms:DescribeKey","kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*"],"Resource":"*"},
 {"Sid":"Allow attachment of persistent resources","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:root","arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"]},
  "Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]}"#;
/// The mistake the seeds start from: the key policy knows only its own account.
const OWNER_ONLY_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}"#;

const NOT_SAME_ORG: &str = "Access denied: Copy job failed. Both source and destination account must be a member of the same organization.";
const NOT_ENABLED: &str =
    "Copy job failed. Cross-account copy feature is not enabled for the current organization.";
const DEFAULT_KEY_VAULT: &str = "Copy job failed because the destination Backup vault is encrypted with the default Backup service managed key. The contents of this vault cannot be copied. Only the contents of a Backup vault encrypted by an AWS KMS key may be copied.";
const KEY_UNUSABLE: &str =
    "KMS key is either disabled or pending deletion or access to KMS key is denied";
const VAULT_DENIED: &str = "Access Denied trying to call AWS Backup service";

/// A world in which the copy of `rp` (VOLUME, under SRC's shared CMK) into DEST_VAULT works.
struct World {
    emu: keyhole::Emulator,
    src: aws_sdk_backup::Client,
    dst: aws_sdk_backup::Client,
    src_kms: aws_sdk_kms::Client,
    dst_kms: aws_sdk_kms::Client,
    src_iam: aws_sdk_iam::Client,
    orgs: aws_sdk_organizations::Client,
    src_config: aws_config::SdkConfig,
    src_key: String,
    dst_key: String,
    rp: String,
    root_id: String,
}

fn arn_of(key: aws_sdk_kms::operation::create_key::CreateKeyOutput) -> String {
    key.key_metadata()
        .and_then(|m| m.arn())
        .expect("key ARN")
        .to_owned()
}

impl World {
    async fn build() -> World {
        let emu = common::start().await;
        let (mgmt, src, dst) = (
            emu.sdk_config(MGMT).await,
            emu.sdk_config(SRC).await,
            emu.sdk_config(DST).await,
        );
        let orgs = aws_sdk_organizations::Client::new(&mgmt);
        orgs.create_organization()
            .send()
            .await
            .expect("CreateOrganization");
        let roots = orgs.list_roots().send().await.expect("ListRoots");
        let root_id = roots.roots()[0].id().expect("root id").to_owned();
        let w = World {
            src: aws_sdk_backup::Client::new(&src),
            dst: aws_sdk_backup::Client::new(&dst),
            src_kms: aws_sdk_kms::Client::new(&src),
            dst_kms: aws_sdk_kms::Client::new(&dst),
            src_iam: aws_sdk_iam::Client::new(&src),
            orgs,
            src_config: src.clone(),
            src_key: String::new(),
            dst_key: String::new(),
            rp: String::new(),
            root_id,
            emu,
        };
        w.join(SRC).await;
        w.join(DST).await;
        aws_sdk_backup::Client::new(&mgmt)
            .update_global_settings()
            .global_settings("isCrossAccountBackupEnabled", "true")
            .send()
            .await
            .expect("UpdateGlobalSettings");
        for config in [&src, &dst] {
            aws_sdk_iam::Client::new(config)
                .create_service_linked_role()
                .aws_service_name("backup.amazonaws.com")
                .send()
                .await
                .expect("CreateServiceLinkedRole");
        }
        w.role("BackupRole", TRUST_BACKUP, true).await;
        let src_key = w.key(&w.src_kms, Some(SHARED_KEY_POLICY)).await;
        let dst_key = w.key(&w.dst_kms, Some(DEST_KEY_POLICY)).await;
        w.src
            .create_backup_vault()
            .backup_vault_name("src")
            .send()
            .await
            .expect("CreateBackupVault src");
        w.dst
            .create_backup_vault()
            .backup_vault_name("dest")
            .encryption_key_arn(&dst_key)
            .send()
            .await
            .expect("CreateBackupVault dest");
        w.dst
            .put_backup_vault_access_policy()
            .backup_vault_name("dest")
            .policy(VAULT_POLICY)
            .send()
            .await
            .expect("PutBackupVaultAccessPolicy");
        w.declare(VOLUME, Some(&src_key), json!({})).await;
        let rp = w.backup_of(&w.src, "src", VOLUME).await;
        World {
            src_key,
            dst_key,
            rp,
            ..w
        }
    }

    /// `account` joins the organization.
    async fn join(&self, account: &str) {
        backup_common::join(&self.emu, &self.orgs, account).await;
    }

    /// A role in SRC with `trust`, with AWS's backup policy when `permissions`.
    async fn role(&self, name: &str, trust: &str, permissions: bool) -> String {
        let created = self
            .src_iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .send()
            .await
            .expect("CreateRole");
        if permissions {
            self.src_iam
                .attach_role_policy()
                .role_name(name)
                .policy_arn(BACKUP_POLICY)
                .send()
                .await
                .expect("AttachRolePolicy");
        }
        created.role().expect("role").arn().to_owned()
    }

    async fn key(&self, kms: &aws_sdk_kms::Client, policy: Option<&str>) -> String {
        let created = kms
            .create_key()
            .set_policy(policy.map(str::to_owned))
            .send()
            .await
            .expect("CreateKey");
        arn_of(created)
    }

    async fn declare(&self, arn: &str, key: Option<&str>, tags: Value) {
        let mut body = json!({"Arn": arn, "Tags": tags});
        if let Some(key) = key {
            body["KmsKeyArn"] = json!(key);
        }
        admin_ok(&self.emu, "/_keyhole/resources", &body).await;
    }

    /// Backs `resource` up into `vault` with ROLE; the recovery point's ARN.
    async fn backup_of(
        &self,
        client: &aws_sdk_backup::Client,
        vault: &str,
        resource: &str,
    ) -> String {
        let started = client
            .start_backup_job()
            .backup_vault_name(vault)
            .resource_arn(resource)
            .iam_role_arn(ROLE)
            .send()
            .await
            .expect("StartBackupJob");
        let job = client
            .describe_backup_job()
            .backup_job_id(started.backup_job_id().expect("job id"))
            .send()
            .await
            .expect("DescribeBackupJob");
        assert_eq!(
            job.state().map(|s| s.as_str()),
            Some("COMPLETED"),
            "{job:?}"
        );
        started
            .recovery_point_arn()
            .expect("recovery point")
            .to_owned()
    }

    /// The working copy: `rp` of SRC's `src` vault into DEST_VAULT, kept 14 days.
    async fn copy(&self, rp: &str) -> CopyJob {
        self.copy_from(&self.src, "src", rp, DEST_VAULT, ROLE, 14)
            .await
    }

    async fn copy_from(
        &self,
        client: &aws_sdk_backup::Client,
        vault: &str,
        rp: &str,
        dest: &str,
        role: &str,
        days: i64,
    ) -> CopyJob {
        let started = client
            .start_copy_job()
            .recovery_point_arn(rp)
            .source_backup_vault_name(vault)
            .destination_backup_vault_arn(dest)
            .iam_role_arn(role)
            .lifecycle(Lifecycle::builder().delete_after_days(days).build())
            .send()
            .await
            .expect("StartCopyJob");
        client
            .describe_copy_job()
            .copy_job_id(started.copy_job_id().expect("job id"))
            .send()
            .await
            .expect("DescribeCopyJob")
            .copy_job()
            .expect("copy job")
            .clone()
    }

    /// The copy completed, and DST owns a recovery point in the job's destination vault,
    /// encrypted with that vault's key, that records where it came from.
    async fn completed(&self, job: &CopyJob) {
        assert_eq!(job.state(), Some(&CopyJobState::Completed), "{job:?}");
        assert_eq!(job.message_category(), Some("SUCCESS"), "{job:?}");
        assert_eq!(job.status_message(), None, "{job:?}");
        let dest_vault = job.destination_backup_vault_arn().expect("destination");
        let dest_rp = job
            .destination_recovery_point_arn()
            .expect("recovery point");
        let vault_name = dest_vault.rsplit(':').next().expect("vault name");
        let region = dest_vault.split(':').nth(3).expect("region");
        let dst_config = aws_sdk_backup::config::Builder::from(&self.emu.sdk_config(DST).await)
            .region(aws_sdk_backup::config::Region::new(region.to_owned()))
            .build();
        let dst = aws_sdk_backup::Client::from_conf(dst_config);
        let listed = dst
            .list_recovery_points_by_backup_vault()
            .backup_vault_name(vault_name)
            .send()
            .await
            .expect("ListRecoveryPointsByBackupVault");
        assert!(
            listed
                .recovery_points()
                .iter()
                .any(|p| p.recovery_point_arn() == Some(dest_rp)),
            "{listed:?}"
        );
        let point = dst
            .describe_recovery_point()
            .backup_vault_name(vault_name)
            .recovery_point_arn(dest_rp)
            .send()
            .await
            .expect("DescribeRecoveryPoint");
        assert_eq!(point.backup_vault_arn(), Some(dest_vault));
        assert_eq!(dest_vault.split(':').nth(4), Some(DST));
        assert_eq!(
            point.source_backup_vault_arn(),
            job.source_backup_vault_arn()
        );
        assert_eq!(
            point.encryption_key_arn(),
            job.destination_encryption_key_arn()
        );
        assert_eq!(point.status().map(|s| s.as_str()), Some("COMPLETED"));
    }

    /// Enables a policy type at the root (once) and attaches a new policy to `target`.
    async fn attach(&self, kind: PolicyType, target: &str, content: &Value) -> String {
        let _ = self
            .orgs
            .enable_policy_type()
            .root_id(&self.root_id)
            .policy_type(kind.clone())
            .send()
            .await;
        let policy = self
            .orgs
            .create_policy()
            .name(format!("p-{target}-{}", kind.as_str()))
            .description("test")
            .r#type(kind)
            .content(content.to_string())
            .send()
            .await
            .expect("CreatePolicy");
        let id = policy
            .policy()
            .and_then(|p| p.policy_summary())
            .and_then(|s| s.id())
            .expect("policy id")
            .to_owned();
        self.orgs
            .attach_policy()
            .policy_id(&id)
            .target_id(target)
            .send()
            .await
            .expect("AttachPolicy");
        id
    }

    async fn detach(&self, id: &str, target: &str) {
        self.orgs
            .detach_policy()
            .policy_id(id)
            .target_id(target)
            .send()
            .await
            .expect("DetachPolicy");
    }

    /// A us-west-2 view of SRC.
    fn src_in(&self, region: &str) -> (aws_sdk_backup::Client, aws_sdk_kms::Client) {
        let region = aws_sdk_backup::config::Region::new(region.to_owned());
        let backup = aws_sdk_backup::config::Builder::from(&self.src_config)
            .region(region.clone())
            .build();
        let kms = aws_sdk_kms::config::Builder::from(&self.src_config)
            .region(region)
            .build();
        (
            aws_sdk_backup::Client::from_conf(backup),
            aws_sdk_kms::Client::from_conf(kms),
        )
    }

    async fn admin_get(&self, path: &str) -> Value {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = self.emu.addr();
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or(Value::Null)
    }

    async fn put_key_policy(&self, policy: &str) {
        self.src_kms
            .put_key_policy()
            .key_id(&self.src_key)
            .policy_name("default")
            .policy(policy)
            .send()
            .await
            .expect("PutKeyPolicy");
    }
}

/// The job failed with exactly `message`, in `category`, and copied nothing.
#[derive(Clone, Copy)]
enum KeyOp {
    EnableKey,
    DisableKey,
    CancelKeyDeletion,
    /// With the shortest waiting period, 7 days.
    ScheduleKeyDeletion,
}

/// One state change of `key`, which must succeed.
async fn key_op(kms: &aws_sdk_kms::Client, key: &str, op: KeyOp) {
    match op {
        KeyOp::EnableKey => {
            kms.enable_key()
                .key_id(key)
                .send()
                .await
                .expect("EnableKey");
        }
        KeyOp::DisableKey => {
            kms.disable_key()
                .key_id(key)
                .send()
                .await
                .expect("DisableKey");
        }
        KeyOp::CancelKeyDeletion => {
            kms.cancel_key_deletion()
                .key_id(key)
                .send()
                .await
                .expect("CancelKeyDeletion");
        }
        KeyOp::ScheduleKeyDeletion => {
            kms.schedule_key_deletion()
                .key_id(key)
                .pending_window_in_days(7)
                .send()
                .await
                .expect("ScheduleKeyDeletion");
        }
    }
}

fn failed(job: &CopyJob, message: &str, category: &str) {
    assert_eq!(job.state(), Some(&CopyJobState::Failed), "{job:?}");
    assert_eq!(job.status_message(), Some(message), "{job:?}");
    assert_eq!(job.message_category(), Some(category), "{job:?}");
    assert_eq!(job.destination_recovery_point_arn(), None, "{job:?}");
}

#[tokio::test]
async fn working_world_copies() {
    let w = World::build().await;
    let job = w.copy(&w.rp).await;
    w.completed(&job).await;
    assert_eq!(
        job.destination_encryption_key_arn(),
        Some(w.dst_key.as_str())
    );
    assert_eq!(job.source_backup_vault_arn(), Some(SRC_VAULT));
}

#[tokio::test]
async fn not_in_one_organization() {
    let w = World::build().await;
    w.orgs
        .remove_account_from_organization()
        .account_id(DST)
        .send()
        .await
        .expect("RemoveAccountFromOrganization");
    failed(&w.copy(&w.rp).await, NOT_SAME_ORG, "AccessDenied");
    w.join(DST).await;
    w.completed(&w.copy(&w.rp).await).await;
}

#[tokio::test]
async fn cross_account_backup_not_enabled() {
    let w = World::build().await;
    let mgmt = aws_sdk_backup::Client::new(&w.emu.sdk_config(MGMT).await);
    mgmt.update_global_settings()
        .global_settings("isCrossAccountBackupEnabled", "false")
        .send()
        .await
        .expect("UpdateGlobalSettings");
    failed(&w.copy(&w.rp).await, NOT_ENABLED, "AccessDenied");
    mgmt.update_global_settings()
        .global_settings("isCrossAccountBackupEnabled", "true")
        .send()
        .await
        .expect("UpdateGlobalSettings");
    w.completed(&w.copy(&w.rp).await).await;
}

/// RDS and Aurora cannot cross Region and account in one job (until AWS's Nov 2025 change,
/// which keyhole's setting stands for).
#[tokio::test]
async fn rds_family_across_region_and_account() {
    let w = World::build().await;
    let (west, west_kms) = w.src_in("us-west-2");
    west.create_backup_vault()
        .backup_vault_name("src")
        .send()
        .await
        .expect("CreateBackupVault");
    let key = w.key(&west_kms, Some(SHARED_KEY_POLICY)).await;
    let cases = [
        ("arn:aws:rds:us-west-2:111111111111:db:main", "RDS"),
        ("arn:aws:rds:us-west-2:111111111111:cluster:main", "Aurora"),
    ];
    let mut points = Vec::new();
    for (arn, kind) in cases {
        w.declare(arn, Some(&key), json!({})).await;
        let rp = w.backup_of(&west, "src", arn).await;
        let job = w.copy_from(&west, "src", &rp, DEST_VAULT, ROLE, 14).await;
        failed(
            &job,
            &format!("Copy job from us-west-2 to us-east-1 cannot be initiated for {kind} resources. Feature is not supported for provided resource type."),
            "InvalidParameters",
        );
        points.push(rp);
    }
    admin_ok(
        &w.emu,
        "/_keyhole/backup/settings",
        &json!({"allowRdsCrossRegionAndAccount": true}),
    )
    .await;
    for rp in points {
        let job = w.copy_from(&west, "src", &rp, DEST_VAULT, ROLE, 14).await;
        w.completed(&job).await;
    }
}

#[tokio::test]
async fn dynamodb_without_advanced_features() {
    let w = World::build().await;
    let table = "arn:aws:dynamodb:us-east-1:111111111111:table/orders";
    // keyhole's Regions start with advanced DynamoDB backup on; the mistake turns it off.
    w.src
        .update_region_settings()
        .resource_type_management_preference("DynamoDB", false)
        .send()
        .await
        .expect("UpdateRegionSettings");
    let rp = w.backup_of(&w.src, "src", table).await;
    // Text inferred by the engine (no DynamoDB text found): the RDS pattern for the type.
    failed(
        &w.copy(&rp).await,
        "Copy job from us-east-1 to us-east-1 cannot be initiated for DynamoDB resources. Feature is not supported for provided resource type.",
        "InvalidParameters",
    );
    w.src
        .update_region_settings()
        .resource_type_management_preference("DynamoDB", true)
        .send()
        .await
        .expect("UpdateRegionSettings");
    let rp = w.backup_of(&w.src, "src", table).await;
    w.completed(&w.copy(&rp).await).await;
}

/// A resource AWS Backup does not fully manage, under its service's AWS managed key.
#[tokio::test]
async fn not_fully_managed_resource_under_an_aws_managed_key() {
    let w = World::build().await;
    let volume = "arn:aws:ec2:us-east-1:111111111111:volume/vol-default";
    let instance = "arn:aws:ec2:us-east-1:111111111111:instance/i-default";
    let db = "arn:aws:rds:us-east-1:111111111111:db:default";
    let mut expected = vec![
        (
            volume,
            "Encrypted snapshots with EBS default key cannot be shared (Service: AmazonEC2; Status Code: 400; Error Code: OperationNotPermitted; Request ID: ; Proxy: null)".to_owned(),
            "InvalidParameters",
        ),
        (
            instance,
            "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot. (Service: AmazonEC2; Status Code: 400; Error Code: InvalidParameter; Request ID: ; Proxy: null)".to_owned(),
            "InvalidParameters",
        ),
    ];
    // RDS shares no snapshot first: the destination cannot use aws/rds.
    let rds_rp = w.backup_of(&w.src, "src", db).await;
    let aws_rds = w
        .src
        .describe_recovery_point()
        .backup_vault_name("src")
        .recovery_point_arn(&rds_rp)
        .send()
        .await
        .expect("DescribeRecoveryPoint")
        .encryption_key_arn()
        .expect("key")
        .to_owned();
    expected.push((
        db,
        format!("The source snapshot KMS key [{aws_rds}] does not exist, is not enabled or you do not have permissions to access it."),
        "AccessDenied",
    ));
    for (resource, message, category) in expected {
        let rp = w.backup_of(&w.src, "src", resource).await;
        failed(&w.copy(&rp).await, &message, category);
        // The fix: the resource under a customer managed key the destination may use.
        w.declare(resource, Some(&w.src_key), json!({})).await;
        let rp = w.backup_of(&w.src, "src", resource).await;
        w.completed(&w.copy(&rp).await).await;
    }
}

#[tokio::test]
async fn destination_vault_under_the_default_backup_key() {
    let w = World::build().await;
    w.dst
        .create_backup_vault()
        .backup_vault_name("plain")
        .send()
        .await
        .expect("CreateBackupVault");
    w.dst
        .put_backup_vault_access_policy()
        .backup_vault_name("plain")
        .policy(VAULT_POLICY)
        .send()
        .await
        .expect("PutBackupVaultAccessPolicy");
    let plain = "arn:aws:backup:us-east-1:222222222222:backup-vault:plain";
    let job = w.copy_from(&w.src, "src", &w.rp, plain, ROLE, 14).await;
    failed(&job, DEFAULT_KEY_VAULT, "InvalidParameters");
    // The fix: a destination vault under a customer managed key.
    w.completed(&w.copy(&w.rp).await).await;
}

/// The seeds' failure: the source key's policy does not let the destination use it; each
/// resource type says so in its own words.
#[tokio::test]
async fn source_key_not_usable_by_the_destination() {
    let w = World::build().await;
    let instance = "arn:aws:ec2:us-east-1:111111111111:instance/i-1";
    let db = "arn:aws:rds:us-east-1:111111111111:db:main";
    w.declare(instance, Some(&w.src_key), json!({})).await;
    w.declare(db, Some(&w.src_key), json!({})).await;
    let points = [
        (w.rp.clone(), "Given key ID is not accessible".to_owned()),
        (
            w.backup_of(&w.src, "src", instance).await,
            "AMI snapshot copy failed with error: Given key ID is not accessible. You must have DescribeKey permissions on the default CMK".to_owned(),
        ),
        (
            w.backup_of(&w.src, "src", db).await,
            format!("The source snapshot KMS key [{}] does not exist, is not enabled or you do not have permissions to access it.", w.src_key),
        ),
    ];
    w.put_key_policy(OWNER_ONLY_KEY_POLICY).await;
    for (rp, message) in &points {
        let job = w.copy(rp).await;
        failed(&job, message, "AccessDenied");
        // The decision record names the check and the key.
        let record = w
            .admin_get(&format!(
                "/_keyhole/backup/jobs/{}",
                job.copy_job_id().expect("id")
            ))
            .await;
        assert_eq!(record["state"], "FAILED", "{record}");
        assert_eq!(record["statusMessage"], message.as_str(), "{record}");
        let lines = record["decisionRecord"].to_string();
        assert!(
            lines.contains(&format!("FAILED 6 source key {}", w.src_key)),
            "{lines}"
        );
        assert!(lines.contains("AWSServiceRoleForBackup"), "{lines}");
    }
    w.put_key_policy(SHARED_KEY_POLICY).await;
    for (rp, _) in &points {
        w.completed(&w.copy(rp).await).await;
    }
}

#[tokio::test]
async fn source_key_disabled() {
    let w = World::build().await;
    key_op(&w.src_kms, &w.src_key, KeyOp::DisableKey).await;
    failed(&w.copy(&w.rp).await, KEY_UNUSABLE, "AccessDenied");
    key_op(&w.src_kms, &w.src_key, KeyOp::EnableKey).await;
    w.completed(&w.copy(&w.rp).await).await;
}

#[tokio::test]
async fn source_key_pending_deletion() {
    let w = World::build().await;
    key_op(&w.src_kms, &w.src_key, KeyOp::ScheduleKeyDeletion).await;
    failed(&w.copy(&w.rp).await, KEY_UNUSABLE, "AccessDenied");
    // Cancelling leaves the key disabled, as in KMS.
    key_op(&w.src_kms, &w.src_key, KeyOp::CancelKeyDeletion).await;
    failed(&w.copy(&w.rp).await, KEY_UNUSABLE, "AccessDenied");
    key_op(&w.src_kms, &w.src_key, KeyOp::EnableKey).await;
    w.completed(&w.copy(&w.rp).await).await;
}

#[tokio::test]
async fn source_key_deleted() {
    let w = World::build().await;
    key_op(&w.src_kms, &w.src_key, KeyOp::ScheduleKeyDeletion).await;
    backup_common::advance(&w.emu, f64::from(8 * 86_400)).await;
    failed(
        &w.copy(&w.rp).await,
        "Given key ID does not exist",
        "AccessDenied",
    );
    // The fix: back the volume up again under a live key the destination may use.
    let key = w.key(&w.src_kms, Some(SHARED_KEY_POLICY)).await;
    w.declare(VOLUME, Some(&key), json!({})).await;
    let rp = w.backup_of(&w.src, "src", VOLUME).await;
    w.completed(&w.copy(&rp).await).await;
}

#[tokio::test]
async fn destination_vault_access_policy() {
    let w = World::build().await;
    w.dst
        .delete_backup_vault_access_policy()
        .backup_vault_name("dest")
        .send()
        .await
        .expect("DeleteBackupVaultAccessPolicy");
    failed(&w.copy(&w.rp).await, VAULT_DENIED, "AccessDenied");
    w.dst
        .put_backup_vault_access_policy()
        .backup_vault_name("dest")
        .policy(VAULT_POLICY)
        .send()
        .await
        .expect("PutBackupVaultAccessPolicy");
    w.completed(&w.copy(&w.rp).await).await;
}

#[tokio::test]
async fn destination_vault_lock_retention() {
    let w = World::build().await;
    w.dst
        .put_backup_vault_lock_configuration()
        .backup_vault_name("dest")
        .min_retention_days(7)
        .max_retention_days(30)
        .send()
        .await
        .expect("PutBackupVaultLockConfiguration");
    let job = w
        .copy_from(&w.src, "src", &w.rp, DEST_VAULT, ROLE, 365)
        .await;
    failed(
        &job,
        "Copy job failed. The retention specified in the job is not within the range specified for the target Backup Vault.",
        "InvalidParameters",
    );
    // The fix: a retention inside the vault's range.
    w.completed(&w.copy(&w.rp).await).await;
}

#[tokio::test]
async fn scp_in_the_source_account_denies_the_copy() {
    let w = World::build().await;
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
        "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]});
    let id = w.attach(PolicyType::ServiceControlPolicy, SRC, &deny).await;
    failed(&w.copy(&w.rp).await, VAULT_DENIED, "AccessDenied");
    w.detach(&id, SRC).await;
    w.completed(&w.copy(&w.rp).await).await;
}

/// The destination's part of a copy is done by its AWSServiceRoleForBackup, which SCPs do
/// not restrict: a destination SCP denying KMS and copies does not fail the copy.
#[tokio::test]
async fn scp_in_the_destination_account_does_not_bind_its_service_linked_role() {
    let w = World::build().await;
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
        "Action": ["kms:*", "backup:CopyIntoBackupVault"], "Resource": "*"}]});
    w.attach(PolicyType::ServiceControlPolicy, DST, &deny).await;
    w.completed(&w.copy(&w.rp).await).await;
}

#[tokio::test]
async fn role_that_does_not_trust_aws_backup() {
    let w = World::build().await;
    let trust_ec2 = TRUST_BACKUP.replace("backup.amazonaws.com", "ec2.amazonaws.com");
    let role = w.role("Ec2Role", &trust_ec2, true).await;
    let job = w
        .copy_from(&w.src, "src", &w.rp, DEST_VAULT, &role, 14)
        .await;
    // Text from AWS Backup's CloudTrail errorMessage; as a StatusMessage, inferred.
    failed(
        &job,
        &format!("The provided role {role} cannot be assumed by AWS Backup."),
        "AccessDenied",
    );
    w.src_iam
        .update_assume_role_policy()
        .role_name("Ec2Role")
        .policy_document(TRUST_BACKUP)
        .send()
        .await
        .expect("UpdateAssumeRolePolicy");
    let job = w
        .copy_from(&w.src, "src", &w.rp, DEST_VAULT, &role, 14)
        .await;
    w.completed(&job).await;
}

/// A cross-account copy needs the role's own permission as well as the vault policy's.
#[tokio::test]
async fn role_without_permissions() {
    let w = World::build().await;
    let role = w.role("BareRole", TRUST_BACKUP, false).await;
    let job = w
        .copy_from(&w.src, "src", &w.rp, DEST_VAULT, &role, 14)
        .await;
    failed(&job, VAULT_DENIED, "AccessDenied");
    w.src_iam
        .attach_role_policy()
        .role_name("BareRole")
        .policy_arn(BACKUP_POLICY)
        .send()
        .await
        .expect("AttachRolePolicy");
    let job = w
        .copy_from(&w.src, "src", &w.rp, DEST_VAULT, &role, 14)
        .await;
    w.completed(&job).await;
}

#[tokio::test]
async fn destination_vault_key_disabled() {
    let w = World::build().await;
    key_op(&w.dst_kms, &w.dst_key, KeyOp::DisableKey).await;
    failed(&w.copy(&w.rp).await, KEY_UNUSABLE, "AccessDenied");
    key_op(&w.dst_kms, &w.dst_key, KeyOp::EnableKey).await;
    w.completed(&w.copy(&w.rp).await).await;
}

#[tokio::test]
async fn tags_refused_by_the_destinations_tag_policy() {
    let w = World::build().await;
    let content = json!({"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"},
        "tag_value": {"@@assign": ["100", "200"]},
        "enforced_for": {"@@assign": ["backup:recovery-point"]}}}});
    w.attach(PolicyType::TagPolicy, DST, &content).await;
    w.declare(VOLUME, Some(&w.src_key), json!({"CostCenter": "999"}))
        .await;
    let rp = w.backup_of(&w.src, "src", VOLUME).await;
    failed(
        &w.copy(&rp).await,
        "We are unable to copy resource tags to your backup because of the Internal Failure.",
        "InvalidParameters",
    );
    // The fix: tags the destination's policy allows.
    w.declare(VOLUME, Some(&w.src_key), json!({"CostCenter": "100"}))
        .await;
    let rp = w.backup_of(&w.src, "src", VOLUME).await;
    w.completed(&w.copy(&rp).await).await;
}

/// StartCopyJob hands the job role to AWS Backup: the caller needs iam:PassRole on it.
#[tokio::test]
async fn caller_may_not_pass_the_role() {
    let w = World::build().await;
    w.src_iam
        .create_user()
        .user_name("operator")
        .send()
        .await
        .expect("CreateUser");
    let backup_only = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "backup:*", "Resource": "*"}]});
    w.src_iam
        .put_user_policy()
        .user_name("operator")
        .policy_name("backup")
        .policy_document(backup_only.to_string())
        .send()
        .await
        .expect("PutUserPolicy");
    let keys = w
        .src_iam
        .create_access_key()
        .user_name("operator")
        .send()
        .await
        .expect("CreateAccessKey");
    let keys = keys.access_key().expect("access key");
    let config = w
        .emu
        .sdk_config_with_keys(keys.access_key_id(), keys.secret_access_key(), None)
        .await;
    let operator = aws_sdk_backup::Client::new(&config);
    let err = operator
        .start_copy_job()
        .recovery_point_arn(&w.rp)
        .source_backup_vault_name("src")
        .destination_backup_vault_arn(DEST_VAULT)
        .iam_role_arn(ROLE)
        .send()
        .await
        .expect_err("the operator may not pass the role");
    backup_common::assert_error(&err, "AccessDeniedException", "User: arn:aws:iam::111111111111:user/operator is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111111111111:role/BackupRole because no identity-based policy allows the iam:PassRole action");
    let pass = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "iam:PassRole", "Resource": ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}}]});
    w.src_iam
        .put_user_policy()
        .user_name("operator")
        .policy_name("pass")
        .policy_document(pass.to_string())
        .send()
        .await
        .expect("PutUserPolicy");
    let job = w
        .copy_from(&operator, "src", &w.rp, DEST_VAULT, ROLE, 14)
        .await;
    w.completed(&job).await;
}
