//! In-process tests through the whole pipeline (restJson1 decode, validation, handler,
//! error rendering), so the wire shape is checked with the behaviour. Copy decisions come
//! from the real policy engine (`authz::decide`) and KMS (`kms::integration`).

use http::Method;
use serde_json::{json, Value};

use super::assert_error;
use crate::protocol::ServiceId;
use crate::services::backup::copy::*;
use crate::testing::{enc, local_harness, Harness, Resp};
use crate::world::{Caller, Settings};

const MGMT: &str = "111111111111";
const MEMBER: &str = "222222222222";
const OUTSIDER: &str = "999999999999";

local_harness!(super::Backup);

impl Env {
    fn orgs(&self, account: &str, op: &str, body: Value) -> Value {
        let action = format!("organizations:{op}");
        let r = Harness::call(self, account, "us-east-1", &action, &body);
        assert_eq!(r.status, 200, "{op}: {}", r.body);
        r.body
    }

    fn org(&self) -> String {
        self.orgs(MGMT, "CreateOrganization", json!({"FeatureSet": "ALL"}));
        let invite = self.orgs(
            MGMT,
            "InviteAccountToOrganization",
            json!({"Target": {"Type": "ACCOUNT", "Id": MEMBER}}),
        );
        let id = invite["Handshake"]["Id"].as_str().unwrap().to_owned();
        self.orgs(MEMBER, "AcceptHandshake", json!({"HandshakeId": id}));
        let roots = self.orgs(MGMT, "ListRoots", json!({}));
        roots["Roots"][0]["Id"].as_str().unwrap().to_owned()
    }

    fn enable_cross_account(&self) {
        self.ok(
            MGMT,
            "PUT",
            "/global-settings",
            json!({"GlobalSettings": {"isCrossAccountBackupEnabled": "true"}}),
        );
    }

    /// A customer managed key of `owner` whose policy lets both accounts (and their
    /// AWSServiceRoleForBackup) use it; an ARN of a key KMS does not know where KMS is not
    /// served yet (the backup branch), whose stub then accepts any key.
    fn key(&self, owner: &str, region: &str) -> String {
        let mut principals = Vec::new();
        for account in [MGMT, MEMBER] {
            let mut world = self.instance.world();
            let _ = crate::services::iam::roles::create_service_linked(
                &mut world,
                "aws",
                account,
                "backup.amazonaws.com",
                None,
                None,
                0.0,
            );
            principals.push(format!("arn:aws:iam::{account}:root"));
            principals.push(format!(
                "arn:aws:iam::{account}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
            ));
        }
        let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "both accounts",
            "Effect": "Allow", "Principal": {"AWS": principals}, "Action": "kms:*", "Resource": "*"}]});
        let body = json!({"Policy": policy.to_string(), "BypassPolicyLockoutSafetyCheck": true});
        let r = Harness::call(self, owner, region, "kms:CreateKey", &body);
        match r.body["KeyMetadata"]["Arn"].as_str() {
            Some(arn) if r.status == 200 => arn.to_owned(),
            _ => format!("arn:aws:kms:{region}:{owner}:key/{}", uuid::Uuid::new_v4()),
        }
    }

    fn vault_in(&self, account: &str, region: &str, name: &str, key: Option<&str>) -> String {
        let body = match key {
            Some(k) => json!({"EncryptionKeyArn": k}),
            None => json!({}),
        };
        let r = self.backup_in(
            account,
            region,
            "PUT",
            &format!("/backup-vaults/{name}"),
            None,
            body,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["BackupVaultArn"].as_str().unwrap().to_owned()
    }

    fn declare(&self, arn: &str, key: Option<&str>, tags: Value) {
        self.declare_resource(arn, key, tags);
    }

    /// A completed backup of `resource` into `vault` of MGMT (us-east-1); its RP ARN.
    fn backup_of(&self, account: &str, vault: &str, resource: &str, role: &str) -> String {
        let started = self.ok(
            account,
            "PUT",
            "/backup-jobs",
            json!({"BackupVaultName": vault, "ResourceArn": resource, "IamRoleArn": role,
                   "Lifecycle": {"DeleteAfterDays": 14}}),
        );
        let id = started["BackupJobId"].as_str().unwrap();
        let job = self.ok(account, "GET", &format!("/backup-jobs/{id}"), Value::Null);
        assert_eq!(job["State"], "COMPLETED", "{job}");
        started["RecoveryPointArn"].as_str().unwrap().to_owned()
    }

    fn copy(&self, vault: &str, rp: &str, dest: &str, role: &str, lifecycle: Value) -> Value {
        let started = self.ok(
            MGMT,
            "PUT",
            "/copy-jobs",
            json!({"SourceBackupVaultName": vault, "RecoveryPointArn": rp,
                   "DestinationBackupVaultArn": dest, "IamRoleArn": role, "Lifecycle": lifecycle}),
        );
        let id = started["CopyJobId"].as_str().unwrap();
        self.ok(MGMT, "GET", &format!("/copy-jobs/{id}"), Value::Null)["CopyJob"].clone()
    }
}

// ---- vaults ----

#[test]
fn vaults_are_created_described_listed_and_refused_twice() {
    let env = Env::new();
    let ebs_cmk_arn = env.key(MGMT, "us-east-1");
    let ebs_cmk = ebs_cmk_arn.as_str();
    let arn = env.vault_in(MGMT, "us-east-1", "prod", Some(ebs_cmk));
    assert_eq!(
        arn,
        "arn:aws:backup:us-east-1:111111111111:backup-vault:prod"
    );
    let d = env.ok(MGMT, "GET", "/backup-vaults/prod", Value::Null);
    assert_eq!(d["EncryptionKeyArn"], ebs_cmk);
    assert_eq!(d["NumberOfRecoveryPoints"], 0);
    let again = env.backup(MGMT, "PUT", "/backup-vaults/prod", json!({}));
    assert_error(
        &again,
        400,
        "AlreadyExistsException",
        "A Backup vault with the name prod already exists",
    );
    assert_eq!(again.body["Code"], "ERROR_1101");
    assert_eq!(again.body["Context"], "prod");
    let list = env.ok(MGMT, "GET", "/backup-vaults/", Value::Null);
    assert_eq!(list["BackupVaultList"][0]["BackupVaultName"], "prod");
}

#[test]
fn a_vault_without_a_key_uses_aws_backup_and_creates_the_service_linked_role() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "plain", None);
    let d = env.ok(MGMT, "GET", "/backup-vaults/plain", Value::Null);
    let expected = crate::services::kms::integration::ensure_aws_managed_key(
        &mut env.instance.world(),
        MGMT,
        "us-east-1",
        "backup",
        0.0,
    );
    assert_eq!(d["EncryptionKeyArn"], expected.as_str());
    assert!(crate::world::iam::access::principal_exists(
        &env.instance.world(),
        "arn:aws:iam::111111111111:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    ));
}

#[test]
fn a_missing_vault_answers_access_denied_as_aws_does() {
    let env = Env::new();
    for (method, path) in [
        ("GET", "/backup-vaults/nope"),
        ("GET", "/backup-vaults/nope/recovery-points/"),
        ("DELETE", "/backup-vaults/nope"),
    ] {
        let r = env.backup(MGMT, method, path, Value::Null);
        assert_error(
            &r,
            403,
            "AccessDeniedException",
            "Insufficient privileges to perform this action.",
        );
    }
}

#[test]
fn vault_access_policies_are_validated_stored_and_missing_ones_not_found() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "Default", None);
    let missing = env.backup(
        MGMT,
        "GET",
        "/backup-vaults/Default/access-policy",
        Value::Null,
    );
    assert_error(
        &missing,
        400,
        "ResourceNotFoundException",
        "Backup Vault arn:aws:backup:us-east-1:111111111111:backup-vault:Default has no associated POLICY",
    );
    let bad = env.backup(
        MGMT,
        "PUT",
        "/backup-vaults/Default/access-policy",
        json!({"Policy": "{not json"}),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.error_type.as_deref(),
        Some("InvalidParameterValueException")
    );
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]})
    .to_string();
    env.ok(
        MGMT,
        "PUT",
        "/backup-vaults/Default/access-policy",
        json!({"Policy": policy}),
    );
    let got = env.ok(
        MGMT,
        "GET",
        "/backup-vaults/Default/access-policy",
        Value::Null,
    );
    assert_eq!(got["Policy"], policy.as_str());
    env.ok(
        MGMT,
        "DELETE",
        "/backup-vaults/Default/access-policy",
        Value::Null,
    );
    let gone = env.backup(
        MGMT,
        "GET",
        "/backup-vaults/Default/access-policy",
        Value::Null,
    );
    assert_eq!(
        gone.error_type.as_deref(),
        Some("ResourceNotFoundException")
    );
}

#[test]
fn notifications_round_trip_and_missing_ones_fail_as_aws_does() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "v1", None);
    let missing = env.backup(
        MGMT,
        "GET",
        "/backup-vaults/v1/notification-configuration",
        Value::Null,
    );
    assert_error(
        &missing,
        400,
        "ResourceNotFoundException",
        "Failed reading notifications from database for Backup vault",
    );
    assert_eq!(missing.body["Code"], "ERROR_2106");
    env.ok(
        MGMT,
        "PUT",
        "/backup-vaults/v1/notification-configuration",
        json!({"SNSTopicArn": "arn:aws:sns:us-east-1:111111111111:t", "BackupVaultEvents": ["COPY_JOB_FAILED"]}),
    );
    let got = env.ok(
        MGMT,
        "GET",
        "/backup-vaults/v1/notification-configuration",
        Value::Null,
    );
    assert_eq!(got["BackupVaultEvents"], json!(["COPY_JOB_FAILED"]));
    env.ok(
        MGMT,
        "DELETE",
        "/backup-vaults/v1/notification-configuration",
        Value::Null,
    );
}

#[test]
fn a_vault_with_recovery_points_cannot_be_deleted() {
    let env = Env::new();
    let ebs_cmk_arn = env.key(MGMT, "us-east-1");
    let ebs_cmk = ebs_cmk_arn.as_str();
    env.vault_in(MGMT, "us-east-1", "v1", Some(ebs_cmk));
    let role = env.role(MGMT);
    env.backup_of(
        MGMT,
        "v1",
        "arn:aws:ec2:us-east-1:111111111111:volume/vol-1",
        &role,
    );
    let r = env.backup(MGMT, "DELETE", "/backup-vaults/v1", Value::Null);
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        "Backup vault cannot be deleted because it contains recovery points.",
    );
    assert_eq!(r.body["Code"], "ERROR_9101");
}

#[test]
fn tags_on_vaults() {
    let env = Env::new();
    let arn = env.vault_in(MGMT, "us-east-1", "v1", None);
    env.ok(
        MGMT,
        "POST",
        &format!("/tags/{}", enc(&arn)),
        json!({"Tags": {"team": "a", "env": "prod"}}),
    );
    env.ok(
        MGMT,
        "POST",
        &format!("/untag/{}", enc(&arn)),
        json!({"TagKeyList": ["env"]}),
    );
    let tags = env.ok(MGMT, "GET", &format!("/tags/{}/", enc(&arn)), Value::Null);
    assert_eq!(tags["Tags"], json!({"team": "a"}));
}

// ---- settings ----

#[test]
fn global_settings_need_an_organization_and_the_management_account() {
    let env = Env::new();
    let r = env.backup(OUTSIDER, "GET", "/global-settings", Value::Null);
    assert_eq!(r.status, 400);
    // Clients show ERROR_9601 as the code (errors.md §2).
    assert_eq!(r.error_type.as_deref(), Some("ERROR_9601"));
    assert_eq!(
        r.body["Message"],
        "Your account is not a member of an organization."
    );
    env.org();
    let before = env.ok(MEMBER, "GET", "/global-settings", Value::Null);
    assert_eq!(
        before["GlobalSettings"]["isCrossAccountBackupEnabled"],
        "false"
    );
    let member = env.backup(
        MEMBER,
        "PUT",
        "/global-settings",
        json!({"GlobalSettings": {"isCrossAccountBackupEnabled": "true"}}),
    );
    assert_eq!(
        member.error_type.as_deref(),
        Some("InvalidRequestException")
    );
    env.enable_cross_account();
    let after = env.ok(MEMBER, "GET", "/global-settings", Value::Null);
    assert_eq!(
        after["GlobalSettings"]["isCrossAccountBackupEnabled"],
        "true"
    );
}

#[test]
fn region_settings_round_trip() {
    let env = Env::new();
    let before = env.ok(MGMT, "GET", "/account-settings", Value::Null);
    assert_eq!(before["ResourceTypeManagementPreference"]["DynamoDB"], true);
    assert_eq!(before["ResourceTypeOptInPreference"]["EBS"], true);
    env.ok(
        MGMT,
        "PUT",
        "/account-settings",
        json!({"ResourceTypeManagementPreference": {"DynamoDB": false}, "ResourceTypeOptInPreference": {"EBS": false}}),
    );
    let after = env.ok(MGMT, "GET", "/account-settings", Value::Null);
    assert_eq!(after["ResourceTypeManagementPreference"]["DynamoDB"], false);
    assert_eq!(after["ResourceTypeOptInPreference"]["EBS"], false);
    let types = env.ok(MGMT, "GET", "/supported-resource-types", Value::Null);
    assert!(types["ResourceTypes"]
        .as_array()
        .unwrap()
        .contains(&json!("EBS")));
}

// ---- backup jobs and recovery points ----

#[test]
fn a_backup_job_creates_a_recovery_point_and_a_protected_resource() {
    let env = Env::new();
    let ebs_cmk_arn = env.key(MGMT, "us-east-1");
    let ebs_cmk = ebs_cmk_arn.as_str();
    env.vault_in(MGMT, "us-east-1", "v1", None);
    let role = env.role(MGMT);
    let volume = "arn:aws:ec2:us-east-1:111111111111:volume/vol-0abc";
    env.declare(volume, Some(ebs_cmk), json!({"team": "a"}));
    let rp = env.backup_of(MGMT, "v1", volume, &role);
    assert!(
        rp.starts_with("arn:aws:ec2:us-east-1::snapshot/snap-"),
        "{rp}"
    );
    let d = env.ok(
        MGMT,
        "GET",
        &format!("/backup-vaults/v1/recovery-points/{}", enc(&rp)),
        Value::Null,
    );
    assert_eq!(d["Status"], "COMPLETED");
    assert_eq!(d["ResourceType"], "EBS");
    // EBS is not fully managed by Backup: the snapshot keeps the volume's key.
    assert_eq!(d["EncryptionKeyArn"], ebs_cmk);
    let by_vault = env.ok(
        MGMT,
        "GET",
        "/backup-vaults/v1/recovery-points/",
        Value::Null,
    );
    assert_eq!(
        by_vault["RecoveryPoints"][0]["RecoveryPointArn"],
        rp.as_str()
    );
    let by_resource = env.ok(
        MGMT,
        "GET",
        &format!("/resources/{}/recovery-points/", enc(volume)),
        Value::Null,
    );
    assert_eq!(
        by_resource["RecoveryPoints"][0]["RecoveryPointArn"],
        rp.as_str()
    );
    let protected = env.ok(MGMT, "GET", "/resources/", Value::Null);
    assert_eq!(protected["Results"][0]["ResourceArn"], volume);
    let jobs = env.ok(MGMT, "GET", "/backup-jobs/", Value::Null);
    assert_eq!(jobs["BackupJobs"][0]["MessageCategory"], "SUCCESS");
    let restore = env.ok(
        MGMT,
        "PUT",
        "/restore-jobs",
        json!({"RecoveryPointArn": rp, "IamRoleArn": role, "Metadata": {}}),
    );
    let id = restore["RestoreJobId"].as_str().unwrap();
    let r = env.ok(MGMT, "GET", &format!("/restore-jobs/{id}"), Value::Null);
    assert_eq!(r["Status"], "COMPLETED");
    let by_resource = env.ok(
        MGMT,
        "GET",
        &format!("/resources/{}/restore-jobs/", enc(volume)),
        Value::Null,
    );
    assert_eq!(by_resource["RestoreJobs"][0]["RestoreJobId"], id);
    let summaries = env.ok(MGMT, "GET", "/audit/restore-job-summaries", Value::Null);
    assert_eq!(summaries["RestoreJobSummaries"][0]["Count"], 1);
    let described = env.ok(
        MGMT,
        "GET",
        &format!("/resources/{}", enc(volume)),
        Value::Null,
    );
    assert_eq!(described["LastRecoveryPointArn"], rp.as_str());
    assert!(described["LatestRestoreJobCreationDate"].is_number());
    env.ok(
        MGMT,
        "DELETE",
        &format!("/backup-vaults/v1/recovery-points/{}", enc(&rp)),
        Value::Null,
    );
    env.ok(MGMT, "DELETE", "/backup-vaults/v1", Value::Null);
}

#[test]
fn a_fully_managed_resource_is_encrypted_with_the_vault_key() {
    let env = Env::new();
    let ebs_cmk_arn = env.key(MGMT, "us-east-1");
    let ebs_cmk = ebs_cmk_arn.as_str();
    env.vault_in(MGMT, "us-east-1", "v1", Some(ebs_cmk));
    let role = env.role(MGMT);
    let rp = env.backup_of(
        MGMT,
        "v1",
        "arn:aws:elasticfilesystem:us-east-1:111111111111:file-system/fs-1",
        &role,
    );
    assert!(
        rp.starts_with("arn:aws:backup:us-east-1:111111111111:recovery-point:"),
        "{rp}"
    );
    let d = env.ok(
        MGMT,
        "GET",
        &format!("/backup-vaults/v1/recovery-points/{}", enc(&rp)),
        Value::Null,
    );
    assert_eq!(d["EncryptionKeyArn"], ebs_cmk);
}

#[test]
fn a_backup_job_with_a_missing_role_fails_with_aws_message() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "v1", None);
    let role = "arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole";
    let started = env.ok(
        MGMT,
        "PUT",
        "/backup-jobs",
        json!({"BackupVaultName": "v1", "ResourceArn": "arn:aws:ec2:us-east-1:111111111111:volume/vol-1", "IamRoleArn": role}),
    );
    let id = started["BackupJobId"].as_str().unwrap();
    let job = env.ok(MGMT, "GET", &format!("/backup-jobs/{id}"), Value::Null);
    assert_eq!(job["State"], "FAILED");
    assert_eq!(
        job["StatusMessage"],
        "IAM Role arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole does not have sufficient permissions to execute the backup."
    );
}

#[test]
fn jobs_take_the_configured_duration_on_keyholes_clock() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "v1", None);
    let role = env.role(MGMT);
    env.admin(
        Method::POST,
        "/_keyhole/backup/job-duration",
        json!({"seconds": 600}),
    );
    let started = env.ok(
        MGMT,
        "PUT",
        "/backup-jobs",
        json!({"BackupVaultName": "v1", "ResourceArn": "arn:aws:ec2:us-east-1:111111111111:volume/vol-1", "IamRoleArn": role}),
    );
    let id = started["BackupJobId"].as_str().unwrap();
    let job = env.ok(MGMT, "GET", &format!("/backup-jobs/{id}"), Value::Null);
    assert!(
        matches!(job["State"].as_str(), Some("CREATED" | "RUNNING")),
        "{job}"
    );
    let none = env.ok(
        MGMT,
        "GET",
        "/backup-vaults/v1/recovery-points/",
        Value::Null,
    );
    assert_eq!(none["RecoveryPoints"], json!([]));
    env.admin(
        Method::POST,
        "/_keyhole/clock/advance",
        json!({"seconds": 601}),
    );
    let job = env.ok(MGMT, "GET", &format!("/backup-jobs/{id}"), Value::Null);
    assert_eq!(job["State"], "COMPLETED");
}

#[test]
fn an_unprotectable_arn_is_refused() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "v1", None);
    let role = env.role(MGMT);
    let arn = "arn:aws:ec2:us-east-1::snapshot/snap-0123";
    let r = env.backup(
        MGMT,
        "PUT",
        "/backup-jobs",
        json!({"BackupVaultName": "v1", "ResourceArn": arn, "IamRoleArn": role}),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        &format!("Unsupported resource type: {arn}"),
    );
    let r = env.backup_in(
        MGMT,
        "us-east-1",
        "GET",
        "/backup-vaults/v1/recovery-points/",
        Some(&format!("resourceArn={}", enc(arn))),
        Value::Null,
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        &format!("Unsupported resource type: {arn}"),
    );
}

#[test]
fn vault_lock_retention_is_enforced_on_backups_and_lifecycle_updates() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "locked", None);
    env.ok(
        MGMT,
        "PUT",
        "/backup-vaults/locked/vault-lock",
        json!({"MinRetentionDays": 7, "MaxRetentionDays": 30}),
    );
    let role = env.role(MGMT);
    let rp = env.backup_of(
        MGMT,
        "locked",
        "arn:aws:ec2:us-east-1:111111111111:volume/vol-1",
        &role,
    );
    let path = format!("/backup-vaults/locked/recovery-points/{}", enc(&rp));
    let r = env.backup(
        MGMT,
        "POST",
        &path,
        json!({"Lifecycle": {"DeleteAfterDays": 365}}),
    );
    assert_eq!(
        r.error_type.as_deref(),
        Some("InvalidParameterValueException")
    );
    let ok = env.ok(
        MGMT,
        "POST",
        &path,
        json!({"Lifecycle": {"DeleteAfterDays": 20}}),
    );
    assert_eq!(ok["Lifecycle"]["DeleteAfterDays"], 20);
    let d = env.ok(MGMT, "GET", "/backup-vaults/locked", Value::Null);
    assert_eq!(d["Locked"], true);
    assert_eq!(d["MinRetentionDays"], 7);
}

// ---- copy jobs: each documented misconfiguration, then its fix ----

struct CopyWorld {
    env: Env,
    dest_key: String,
    role: String,
    rp: String,
    dest: String,
}

/// MGMT backs up an EBS volume under a customer managed key into `src`; MEMBER has a
/// vault `dest` under its own CMK.
fn copy_world(org: bool, enabled: bool) -> CopyWorld {
    let env = Env::new();
    let ebs_cmk_arn = env.key(MGMT, "us-east-1");
    let ebs_cmk = ebs_cmk_arn.as_str();
    if org {
        env.org();
    }
    if enabled {
        env.enable_cross_account();
    }
    env.vault_in(MGMT, "us-east-1", "src", None);
    let dest_key = env.key(MEMBER, "us-east-1");
    let dest = env.vault_in(MEMBER, "us-east-1", "dest", Some(&dest_key));
    let role = env.role(MGMT);
    let volume = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";
    env.declare(volume, Some(ebs_cmk), json!({}));
    let rp = env.backup_of(MGMT, "src", volume, &role);
    CopyWorld {
        env,
        dest_key,
        role,
        rp,
        dest,
    }
}

fn allow_source_account(env: &Env) {
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]});
    env.ok(
        MEMBER,
        "PUT",
        "/backup-vaults/dest/access-policy",
        json!({"Policy": policy.to_string()}),
    );
}

fn failed_with(job: &Value, message: &str) {
    assert_eq!(job["State"], "FAILED", "{job}");
    assert_eq!(job["StatusMessage"], message, "{job}");
    assert!(job.get("DestinationRecoveryPointArn").is_none(), "{job}");
}

#[test]
fn copy_fails_when_the_accounts_are_not_in_one_organization() {
    let w = copy_world(false, false);
    let job = w.env.copy(
        "src",
        &w.rp,
        &w.dest,
        &w.role,
        json!({"DeleteAfterDays": 14}),
    );
    failed_with(&job, "Access denied: Copy job failed. Both source and destination account must be a member of the same organization.");
    assert_eq!(job["MessageCategory"], "AccessDenied");
    // The decision record says which check failed.
    let id = job["CopyJobId"].as_str().unwrap();
    let record = w.env.admin(
        Method::GET,
        &format!("/_keyhole/backup/jobs/{id}"),
        Value::Null,
    );
    let lines = record["decisionRecord"].to_string();
    assert!(lines.contains("FAILED 1 organization"), "{lines}");
}

#[test]
fn copy_fails_until_the_management_account_enables_cross_account_backup() {
    let w = copy_world(true, false);
    let job = w.env.copy(
        "src",
        &w.rp,
        &w.dest,
        &w.role,
        json!({"DeleteAfterDays": 14}),
    );
    failed_with(
        &job,
        "Copy job failed. Cross-account copy feature is not enabled for the current organization.",
    );
    w.env.enable_cross_account();
    let job = w.env.copy(
        "src",
        &w.rp,
        &w.dest,
        &w.role,
        json!({"DeleteAfterDays": 14}),
    );
    assert_ne!(
        job["StatusMessage"],
        "Copy job failed. Cross-account copy feature is not enabled for the current organization."
    );
}

#[test]
fn copy_fails_when_the_destination_vault_policy_lacks_the_source_account() {
    let w = copy_world(true, true);
    let job = w.env.copy(
        "src",
        &w.rp,
        &w.dest,
        &w.role,
        json!({"DeleteAfterDays": 14}),
    );
    failed_with(&job, "Access Denied trying to call AWS Backup service");
    assert_eq!(job["MessageCategory"], "AccessDenied");
}

/// On this branch the stub decide allows, so this passes without the policy too; with the
/// real engine it proves the fix (the lead re-runs it after merging).
#[test]
fn copy_completes_once_the_destination_vault_policy_allows_the_source_account() {
    let w = copy_world(true, true);
    allow_source_account(&w.env);
    let job = w.env.copy(
        "src",
        &w.rp,
        &w.dest,
        &w.role,
        json!({"DeleteAfterDays": 14}),
    );
    assert_eq!(job["State"], "COMPLETED", "{job}");
    assert_eq!(job["MessageCategory"], "SUCCESS");
    let dest_rp = job["DestinationRecoveryPointArn"].as_str().unwrap();
    let d = w.env.ok(
        MEMBER,
        "GET",
        &format!("/backup-vaults/dest/recovery-points/{}", enc(dest_rp)),
        Value::Null,
    );
    assert_eq!(d["EncryptionKeyArn"], w.dest_key.as_str());
    assert_eq!(
        d["SourceBackupVaultArn"],
        "arn:aws:backup:us-east-1:111111111111:backup-vault:src"
    );
}

#[test]
fn copy_of_an_ebs_snapshot_under_the_aws_managed_key_cannot_be_shared() {
    let w = copy_world(true, true);
    // Undeclared: encrypted with aws/ebs.
    let rp = w.env.backup_of(
        MGMT,
        "src",
        "arn:aws:ec2:us-east-1:111111111111:volume/vol-default",
        &w.role,
    );
    let job = w
        .env
        .copy("src", &rp, &w.dest, &w.role, json!({"DeleteAfterDays": 14}));
    failed_with(&job, "Encrypted snapshots with EBS default key cannot be shared (Service: AmazonEC2; Status Code: 400; Error Code: OperationNotPermitted; Request ID: ; Proxy: null)");
    let ami = w.env.backup_of(
        MGMT,
        "src",
        "arn:aws:ec2:us-east-1:111111111111:instance/i-1",
        &w.role,
    );
    let job = w.env.copy(
        "src",
        &ami,
        &w.dest,
        &w.role,
        json!({"DeleteAfterDays": 14}),
    );
    failed_with(&job, "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot. (Service: AmazonEC2; Status Code: 400; Error Code: InvalidParameter; Request ID: ; Proxy: null)");
}

#[test]
fn copy_into_a_vault_under_the_default_backup_key_fails_for_ebs() {
    let w = copy_world(true, true);
    let plain = w.env.vault_in(MEMBER, "us-east-1", "plain", None);
    let job = w.env.copy(
        "src",
        &w.rp,
        &plain,
        &w.role,
        json!({"DeleteAfterDays": 14}),
    );
    failed_with(&job, "Copy job failed because the destination Backup vault is encrypted with the default Backup service managed key. The contents of this vault cannot be copied. Only the contents of a Backup vault encrypted by an AWS KMS key may be copied.");
}

#[test]
fn rds_copies_across_region_and_account_at_once_are_refused_unless_allowed() {
    let w = copy_world(true, true);
    let db = "arn:aws:rds:us-west-2:111111111111:db:main";
    w.env
        .declare(db, Some(&w.env.key(MGMT, "us-west-2")), json!({}));
    w.env.vault_in(MGMT, "us-west-2", "src", None);
    let started = w.env.backup_in(
        MGMT,
        "us-west-2",
        "PUT",
        "/backup-jobs",
        None,
        json!({"BackupVaultName": "src", "ResourceArn": db, "IamRoleArn": w.role}),
    );
    let rp = started.body["RecoveryPointArn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        rp.starts_with("arn:aws:rds:us-west-2:111111111111:snapshot:awsbackup:job-"),
        "{rp}"
    );
    let copy = |env: &Env| {
        let r = env.backup_in(
            MGMT,
            "us-west-2",
            "PUT",
            "/copy-jobs",
            None,
            json!({
            "SourceBackupVaultName": "src", "RecoveryPointArn": rp,
            "DestinationBackupVaultArn": w.dest, "IamRoleArn": w.role}),
        );
        let id = r.body["CopyJobId"].as_str().unwrap().to_owned();
        env.backup_in(
            MGMT,
            "us-west-2",
            "GET",
            &format!("/copy-jobs/{id}"),
            None,
            Value::Null,
        )
        .body["CopyJob"]
            .clone()
    };
    failed_with(&copy(&w.env), "Copy job from us-west-2 to us-east-1 cannot be initiated for RDS resources. Feature is not supported for provided resource type.");
    w.env.admin(
        Method::POST,
        "/_keyhole/backup/settings",
        json!({"allowRdsCrossRegionAndAccount": true}),
    );
    let job = copy(&w.env);
    assert_ne!(
        job["StatusMessage"],
        "Copy job from us-west-2 to us-east-1 cannot be initiated for RDS resources. Feature is not supported for provided resource type."
    );
}

#[test]
fn same_account_cross_region_copy_completes_and_respects_the_vault_lock() {
    let env = Env::new();
    let ebs_cmk_arn = env.key(MGMT, "us-east-1");
    let ebs_cmk = ebs_cmk_arn.as_str();
    env.vault_in(MGMT, "us-east-1", "src", None);
    let dr_key_arn = env.key(MGMT, "us-west-2");
    let dr_key = dr_key_arn.as_str();
    let dest = env.vault_in(MGMT, "us-west-2", "dr", Some(dr_key));
    env.backup_in(
        MGMT,
        "us-west-2",
        "PUT",
        "/backup-vaults/dr/vault-lock",
        None,
        json!({"MinRetentionDays": 7, "MaxRetentionDays": 30}),
    );
    let role = env.role(MGMT);
    let volume = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";
    env.declare(volume, Some(ebs_cmk), json!({"team": "a"}));
    let rp = env.backup_of(MGMT, "src", volume, &role);
    let job = env.copy("src", &rp, &dest, &role, json!({"DeleteAfterDays": 365}));
    failed_with(&job, "Copy job failed. The retention specified in the job is not within the range specified for the target Backup Vault.");
    let job = env.copy("src", &rp, &dest, &role, json!({"DeleteAfterDays": 14}));
    assert_eq!(job["State"], "COMPLETED", "{job}");
    assert_eq!(job["DestinationEncryptionKeyArn"], dr_key);
    let dest_rp = job["DestinationRecoveryPointArn"].as_str().unwrap();
    assert!(
        dest_rp.starts_with("arn:aws:ec2:us-west-2::snapshot/snap-"),
        "{dest_rp}"
    );
    let d = env.backup_in(
        MGMT,
        "us-west-2",
        "GET",
        &format!("/backup-vaults/dr/recovery-points/{}", enc(dest_rp)),
        None,
        Value::Null,
    );
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(
        d.body["SourceBackupVaultArn"],
        "arn:aws:backup:us-east-1:111111111111:backup-vault:src"
    );
    assert_eq!(d.body["EncryptionKeyArn"], dr_key);
    let tags = env.backup_in(
        MGMT,
        "us-west-2",
        "GET",
        &format!("/tags/{}/", enc(dest_rp)),
        None,
        Value::Null,
    );
    assert_eq!(tags.body["Tags"], json!({"team": "a"}));
    let list = env.ok(MGMT, "GET", "/copy-jobs/", Value::Null);
    assert_eq!(list["CopyJobs"].as_array().unwrap().len(), 2);
    let summaries = env.ok(MGMT, "GET", "/audit/copy-job-summaries", Value::Null);
    assert_eq!(summaries["CopyJobSummaries"].as_array().unwrap().len(), 2);
}

#[test]
fn copy_fails_when_the_destination_tag_policy_refuses_a_recovery_point_tag() {
    let env = Env::new();
    let ebs_cmk_arn = env.key(MGMT, "us-east-1");
    let ebs_cmk = ebs_cmk_arn.as_str();
    let root = env.org();
    env.orgs(
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "TAG_POLICY"}),
    );
    let content = json!({"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"},
        "tag_value": {"@@assign": ["100", "200"]},
        "enforced_for": {"@@assign": ["backup:recovery-point"]}}}});
    let policy = env.orgs(
        MGMT,
        "CreatePolicy",
        json!({"Name": "tags", "Description": "d",
        "Type": "TAG_POLICY", "Content": content.to_string()}),
    );
    let pid = policy["Policy"]["PolicySummary"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.orgs(
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": pid, "TargetId": root}),
    );
    env.vault_in(MGMT, "us-east-1", "src", None);
    let dest = env.vault_in(MGMT, "us-west-2", "dr", Some(&env.key(MGMT, "us-west-2")));
    let role = env.role(MGMT);
    let volume = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";
    env.declare(volume, Some(ebs_cmk), json!({"CostCenter": "999"}));
    let rp = env.backup_of(MGMT, "src", volume, &role);
    let job = env.copy("src", &rp, &dest, &role, json!({"DeleteAfterDays": 14}));
    failed_with(
        &job,
        "We are unable to copy resource tags to your backup because of the Internal Failure.",
    );
    // The fix: a value the policy allows.
    env.declare(volume, Some(ebs_cmk), json!({"CostCenter": "100"}));
    let rp = env.backup_of(MGMT, "src", volume, &role);
    let job = env.copy("src", &rp, &dest, &role, json!({"DeleteAfterDays": 14}));
    assert_eq!(job["State"], "COMPLETED", "{job}");
}

#[test]
fn source_key_failures_read_as_aws_shows_them_per_resource_type() {
    let key = "arn:aws:kms:eu-central-1:111111111111:key/abc";
    let cases = [
        ("EBS", "AccessDeniedException", MSG_KEY_NOT_ACCESSIBLE.to_owned()),
        ("EC2", "AccessDeniedException", MSG_AMI_KEY_NOT_ACCESSIBLE.to_owned()),
        ("EBS", "NotFoundException", "Given key ID does not exist".to_owned()),
        ("EBS", "DisabledException", "KMS key is either disabled or pending deletion or access to KMS key is denied".to_owned()),
        ("RDS", "AccessDeniedException", format!("The source snapshot KMS key [{key}] does not exist, is not enabled or you do not have permissions to access it.")),
        ("Aurora", "NotFoundException", format!("The source snapshot KMS key [{key}] does not exist, is not enabled or you do not have permissions to access it.")),
    ];
    for (rtype, code, expected) in cases {
        assert_eq!(
            source_key_message(rtype, key, code),
            expected,
            "{rtype} {code}"
        );
    }
    assert_eq!(MSG_KEY_NOT_ACCESSIBLE, "Given key ID is not accessible");
}

#[test]
fn start_copy_job_checks_its_input() {
    let w = copy_world(true, true);
    let r = w.env.backup(
        MGMT,
        "PUT",
        "/copy-jobs",
        json!({"SourceBackupVaultName": "nope",
        "RecoveryPointArn": w.rp, "DestinationBackupVaultArn": w.dest, "IamRoleArn": w.role}),
    );
    assert_error(
        &r,
        403,
        "AccessDeniedException",
        "Insufficient privileges to perform this action.",
    );
    let r = w.env.backup(MGMT, "PUT", "/copy-jobs", json!({"SourceBackupVaultName": "src",
        "RecoveryPointArn": w.rp, "DestinationBackupVaultArn": "arn:aws:s3:::bucket", "IamRoleArn": w.role}));
    assert_eq!(
        r.error_type.as_deref(),
        Some("InvalidParameterValueException")
    );
}

/// ListBackupVaults answers by name, ListBackupPlans by plan id, ListBackupJobs newest first
/// (AWS documents no order): the same on every call and after the state is saved and
/// restored.
#[test]
fn lists_keep_one_order_across_calls_and_restores() {
    let env = Env::new();
    let role = env.role(MGMT);
    let mut jobs = Vec::new();
    for name in ["v3", "v1", "v2"] {
        env.vault_in(MGMT, "us-east-1", name, None);
        let volume = format!("arn:aws:ec2:us-east-1:{MGMT}:volume/vol-{name}");
        env.declare(&volume, None, json!({}));
        jobs.push(env.backup_of(MGMT, name, &volume, &role));
        // Jobs a second apart: newest first is then creation order reversed.
        env.advance(1.0);
    }
    let mut plans: Vec<String> = ["p3", "p1", "p2"]
        .iter()
        .map(|name| {
            let plan = json!({"BackupPlanName": name,
                "Rules": [{"RuleName": "Daily", "TargetBackupVaultName": "v1"}]});
            let created = env.ok(MGMT, "PUT", "/backup/plans/", json!({"BackupPlan": plan}));
            created["BackupPlanId"].as_str().unwrap().to_owned()
        })
        .collect();
    plans.sort();
    jobs.reverse();
    let listed = |env: &Env| {
        let field = |path: &str, list: &str, key: &str| -> Vec<String> {
            let out = env.ok(MGMT, "GET", path, Value::Null);
            let items = out[list].as_array().cloned().unwrap_or_default();
            items
                .iter()
                .map(|v| v[key].as_str().unwrap().to_owned())
                .collect()
        };
        (
            field("/backup-vaults/", "BackupVaultList", "BackupVaultName"),
            field("/backup/plans/", "BackupPlansList", "BackupPlanId"),
            field("/backup-jobs/", "BackupJobs", "RecoveryPointArn"),
        )
    };
    let vaults: Vec<String> = ["v1", "v2", "v3"].map(String::from).to_vec();
    let expected = (vaults, plans, jobs);
    assert_eq!(listed(&env), expected);
    assert_eq!(listed(&env), expected);
    let restored = Env::with(env.restored());
    assert_eq!(listed(&restored), expected);
}

/// ListBackupJobs pages by cursor: the token names the next page's first job, so a job
/// started between two pages neither repeats the last job shown nor hides the next one (an
/// offset would show the last job again); a token keyhole did not issue is refused.
#[test]
fn a_job_started_between_pages_does_not_shift_the_next_page() {
    let env = Env::new();
    let role = env.role(MGMT);
    env.vault_in(MGMT, "us-east-1", "v1", None);
    let backup = |name: &str| {
        let volume = format!("arn:aws:ec2:us-east-1:{MGMT}:volume/vol-{name}");
        env.declare(&volume, None, json!({}));
        let recovery_point = env.backup_of(MGMT, "v1", &volume, &role);
        env.advance(1.0);
        recovery_point
    };
    let shown = |page: &Value| -> Vec<String> {
        page["BackupJobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["RecoveryPointArn"].as_str().unwrap().to_owned())
            .collect()
    };
    let a = backup("a");
    let b = backup("b");
    let c = backup("c");
    let first = env.ok_q(MGMT, "/backup-jobs/", "maxResults=2");
    assert_eq!(shown(&first), [c, b]);
    let token = first["NextToken"].as_str().unwrap().to_owned();
    backup("d");
    let second = env.ok_q(
        MGMT,
        "/backup-jobs/",
        &format!("maxResults=2&nextToken={token}"),
    );
    assert_eq!(shown(&second), [a]);
    assert!(second.get("NextToken").is_none(), "{second}");
    let r = env.call(
        MGMT,
        "GET",
        "/backup-jobs/",
        Some("nextToken=2"),
        Value::Null,
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Invalid NextToken: 2",
    );
}

// ---- plans ----

#[test]
fn a_bad_vault_name_in_a_rule_is_reported_as_aws_does() {
    let env = Env::new();
    let r = env.backup(
        MGMT,
        "PUT",
        "/backup/plans/",
        json!({"BackupPlan": {"BackupPlanName": "p",
        "Rules": [{"RuleName": "Daily", "TargetBackupVaultName": "Random Backups"}]}}),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Error in rule Daily : Backup vault name Random Backups is not valid",
    );
}

#[test]
fn plans_have_versions_selections_and_run_their_rules_with_copies() {
    let env = Env::new();
    let ebs_cmk_arn = env.key(MGMT, "us-east-1");
    let ebs_cmk = ebs_cmk_arn.as_str();
    env.vault_in(MGMT, "us-east-1", "main", None);
    let dest = env.vault_in(MGMT, "us-west-2", "dr", Some(&env.key(MGMT, "us-west-2")));
    let role = env.role(MGMT);
    let volume = "arn:aws:ec2:us-east-1:111111111111:volume/vol-9";
    env.declare(volume, Some(ebs_cmk), json!({"backup": "daily"}));
    let plan = json!({"BackupPlanName": "p", "Rules": [{"RuleName": "Daily", "TargetBackupVaultName": "main",
        "Lifecycle": {"DeleteAfterDays": 14},
        "CopyActions": [{"DestinationBackupVaultArn": dest, "Lifecycle": {"DeleteAfterDays": 14}}]}]});
    let created = env.ok(MGMT, "PUT", "/backup/plans/", json!({"BackupPlan": plan}));
    let id = created["BackupPlanId"].as_str().unwrap().to_owned();
    let updated = env.ok(
        MGMT,
        "POST",
        &format!("/backup/plans/{id}"),
        json!({"BackupPlan": plan}),
    );
    assert_ne!(updated["VersionId"], created["VersionId"]);
    let versions = env.ok(
        MGMT,
        "GET",
        &format!("/backup/plans/{id}/versions/"),
        Value::Null,
    );
    assert_eq!(
        versions["BackupPlanVersionsList"].as_array().unwrap().len(),
        2
    );
    let got = env.ok(MGMT, "GET", &format!("/backup/plans/{id}/"), Value::Null);
    assert_eq!(got["BackupPlan"]["Rules"][0]["RuleName"], "Daily");
    assert!(got["BackupPlan"]["Rules"][0]["RuleId"].is_string());
    let sel = env.ok(MGMT, "PUT", &format!("/backup/plans/{id}/selections/"), json!({"BackupSelection": {
        "SelectionName": "tagged", "IamRoleArn": role,
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}]}}));
    let sid = sel["SelectionId"].as_str().unwrap().to_owned();
    let listed = env.ok(
        MGMT,
        "GET",
        &format!("/backup/plans/{id}/selections/"),
        Value::Null,
    );
    assert_eq!(
        listed["BackupSelectionsList"][0]["SelectionId"],
        sid.as_str()
    );
    let run = env.admin(
        Method::POST,
        "/_keyhole/backup/run-plan",
        json!({"account": MGMT,
        "region": "us-east-1", "backupPlanId": id, "ruleName": "Daily"}),
    );
    assert_eq!(run["BackupJobIds"].as_array().unwrap().len(), 1);
    let jobs = env.ok(MGMT, "GET", "/backup-jobs/", Value::Null);
    assert_eq!(jobs["BackupJobs"][0]["State"], "COMPLETED");
    assert_eq!(
        jobs["BackupJobs"][0]["CreatedBy"]["BackupRuleName"],
        "Daily"
    );
    let copies = env.ok(MGMT, "GET", "/copy-jobs/", Value::Null);
    assert_eq!(copies["CopyJobs"][0]["State"], "COMPLETED", "{copies}");
    assert_eq!(
        copies["CopyJobs"][0]["CreatedBy"]["BackupPlanId"],
        id.as_str()
    );
    // A plan with selections cannot be deleted; without them it can.
    let r = env.backup(MGMT, "DELETE", &format!("/backup/plans/{id}"), Value::Null);
    assert_eq!(r.error_type.as_deref(), Some("InvalidRequestException"));
    env.ok(
        MGMT,
        "DELETE",
        &format!("/backup/plans/{id}/selections/{sid}"),
        Value::Null,
    );
    env.ok(MGMT, "DELETE", &format!("/backup/plans/{id}"), Value::Null);
    let list = env.ok(MGMT, "GET", "/backup/plans/", Value::Null);
    assert_eq!(list["BackupPlansList"], json!([]));
}

#[test]
fn plan_templates_and_json() {
    let env = Env::new();
    let list = env.ok(MGMT, "GET", "/backup/template/plans", Value::Null);
    let id = list["BackupPlanTemplatesList"][0]["BackupPlanTemplateId"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = env.ok(
        MGMT,
        "GET",
        &format!("/backup/template/plans/{id}/toPlan"),
        Value::Null,
    );
    assert!(doc["BackupPlanDocument"]["Rules"].is_array());
    let text = doc["BackupPlanDocument"].to_string();
    let plan = env.ok(
        MGMT,
        "POST",
        "/backup/template/json/toPlan",
        json!({"BackupPlanTemplateJson": text}),
    );
    assert_eq!(plan["BackupPlan"], doc["BackupPlanDocument"]);
}

#[test]
fn every_modeled_operation_has_a_handler() {
    let mut world = crate::world::World::new(Settings::default());
    let mut missing = Vec::new();
    for operation in ServiceId::Backup.model().operations.keys() {
        let ctx = crate::request::RequestContext {
            request_id: "test".into(),
            service: ServiceId::Backup,
            operation: operation.clone(),
            caller: Caller::root(MGMT, MGMT),
            region: "us-east-1".into(),
            now: 1_700_000_000.0,
            source_ip: std::net::IpAddr::from([127, 0, 0, 1]),
            secure_transport: false,
            user_agent: None,
            decisions: Default::default(),
        };
        // Empty input: handlers answer with their own errors, never NotImplemented.
        if let Err(e) = crate::services::backup::handle(&ctx, &mut world, operation, &json!({})) {
            if e.code == "NotImplemented" {
                missing.push(operation.clone());
            }
        }
    }
    assert!(missing.is_empty(), "no handler for {missing:?}");
}

#[test]
fn a_fully_managed_backup_under_the_aws_backup_key_copies_across_accounts() {
    let w = copy_world(true, true);
    allow_source_account(&w.env);
    // EFS: fully managed, so encrypted with the source vault's aws/backup key.
    let rp = w.env.backup_of(
        MGMT,
        "src",
        "arn:aws:elasticfilesystem:us-east-1:111111111111:file-system/fs-1",
        &w.role,
    );
    let job = w
        .env
        .copy("src", &rp, &w.dest, &w.role, json!({"DeleteAfterDays": 14}));
    assert_eq!(job["State"], "COMPLETED", "{job}");
    let dest_rp = job["DestinationRecoveryPointArn"].as_str().unwrap();
    assert!(
        dest_rp.starts_with("arn:aws:backup:us-east-1:222222222222:recovery-point:"),
        "{dest_rp}"
    );
}

#[test]
fn backup_state_round_trips_through_json() {
    let w = copy_world(true, true);
    w.env.copy(
        "src",
        &w.rp,
        &w.dest,
        &w.role,
        json!({"DeleteAfterDays": 14}),
    );
    let world = w.env.instance.world().clone();
    let text = serde_json::to_string(&world).unwrap();
    let back: crate::world::World = serde_json::from_str(&text).unwrap();
    assert_eq!(back, world);
}

#[test]
fn a_legal_hold_keeps_its_recovery_points_until_cancelled() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "v1", None);
    let role = env.role(MGMT);
    let rp = env.backup_of(
        MGMT,
        "v1",
        "arn:aws:ec2:us-east-1:111111111111:volume/vol-1",
        &role,
    );
    let hold = env.ok(
        MGMT,
        "POST",
        "/legal-holds/",
        json!({"Title": "audit", "Description": "keep",
               "RecoveryPointSelection": {"VaultNames": ["v1"]}}),
    );
    assert_eq!(hold["Status"], "ACTIVE");
    let id = hold["LegalHoldId"].as_str().unwrap().to_owned();
    let held = env.ok(
        MGMT,
        "GET",
        &format!("/legal-holds/{id}/recovery-points"),
        Value::Null,
    );
    assert_eq!(held["RecoveryPoints"][0]["RecoveryPointArn"], rp.as_str());
    let path = format!("/backup-vaults/v1/recovery-points/{}", enc(&rp));
    let r = env.backup(MGMT, "DELETE", &path, Value::Null);
    assert_eq!(
        r.error_type.as_deref(),
        Some("InvalidResourceStateException")
    );
    let r = env.backup_in(
        MGMT,
        "us-east-1",
        "DELETE",
        &format!("/legal-holds/{id}"),
        Some("cancelDescription=done"),
        Value::Null,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let got = env.ok(MGMT, "GET", &format!("/legal-holds/{id}/"), Value::Null);
    assert_eq!(got["Status"], "CANCELED");
    env.ok(MGMT, "DELETE", &path, Value::Null);
}

#[test]
fn a_backup_role_without_permissions_fails_the_job() {
    let env = Env::new();
    env.vault_in(MGMT, "us-east-1", "v1", None);
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    crate::services::iam::test_support::call(
        &mut env.instance.world(),
        ServiceId::Iam,
        "CreateRole",
        json!({"RoleName": "Bare", "AssumeRolePolicyDocument": trust.to_string()}),
        Caller::root(MGMT, MGMT),
    )
    .unwrap();
    let started = env.ok(
        MGMT,
        "PUT",
        "/backup-jobs",
        json!({"BackupVaultName": "v1", "IamRoleArn": "arn:aws:iam::111111111111:role/Bare",
               "ResourceArn": "arn:aws:ec2:us-east-1:111111111111:volume/vol-1"}),
    );
    let id = started["BackupJobId"].as_str().unwrap();
    let job = env.ok(MGMT, "GET", &format!("/backup-jobs/{id}"), Value::Null);
    assert_eq!(job["State"], "FAILED");
    assert_eq!(
        job["StatusMessage"],
        "IAM Role arn:aws:iam::111111111111:role/Bare does not have sufficient permissions to execute the backup."
    );
}

impl Env {
    /// A KMS call (awsJson) as the root of `account` in us-east-1.
    fn kms(&self, account: &str, op: &str, body: Value) -> Resp {
        Harness::call(self, account, "us-east-1", &format!("kms:{op}"), &body)
    }
}

/// The seeds' failure: the source key's policy does not let the destination account use
/// it; the seeds' fix (allow the destination account) makes the copy complete.
#[test]
fn copy_fails_with_given_key_id_is_not_accessible_until_the_key_policy_allows_the_destination() {
    let env = Env::new();
    env.org();
    env.enable_cross_account();
    let created = env.kms(MGMT, "CreateKey", json!({}));
    assert_eq!(created.status, 200, "KMS is not served: {}", created.body);
    let source_key = created.body["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_owned();
    env.vault_in(MGMT, "us-east-1", "src", None);
    let dest_key = env.key(MEMBER, "us-east-1");
    let dest = env.vault_in(MEMBER, "us-east-1", "dest", Some(&dest_key));
    allow_source_account(&env);
    let role = env.role(MGMT);
    let volume = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";
    env.declare(volume, Some(&source_key), json!({}));
    let rp = env.backup_of(MGMT, "src", volume, &role);
    let job = env.copy("src", &rp, &dest, &role, json!({"DeleteAfterDays": 14}));
    failed_with(&job, "Given key ID is not accessible");
    // The seeds' key policy: the destination account may use the key and attach grants.
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow use of the key", "Effect": "Allow",
         "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]},
         "Action": ["kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
         "Resource": "*"},
        {"Sid": "Allow attachment of persistent resources", "Effect": "Allow",
         "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]},
         "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
         "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}]});
    let put = env.kms(
        MGMT,
        "PutKeyPolicy",
        json!({"KeyId": source_key, "PolicyName": "default", "Policy": policy.to_string()}),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let job = env.copy("src", &rp, &dest, &role, json!({"DeleteAfterDays": 14}));
    assert_eq!(job["State"], "COMPLETED", "{job}");
}

#[test]
fn an_enforced_tag_policy_refuses_vault_tags_it_does_not_allow() {
    let env = Env::new();
    let root = env.org();
    env.orgs(
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "TAG_POLICY"}),
    );
    let content = json!({"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"},
        "tag_value": {"@@assign": ["100", "2*"]},
        "enforced_for": {"@@assign": ["backup:backup-vault"]}}}});
    let policy = env.orgs(
        MGMT,
        "CreatePolicy",
        json!({"Name": "tags", "Description": "d", "Type": "TAG_POLICY", "Content": content.to_string()}),
    );
    let pid = policy["Policy"]["PolicySummary"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.orgs(
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": pid, "TargetId": root}),
    );
    let refused = env.backup(
        MGMT,
        "PUT",
        "/backup-vaults/v1",
        json!({"BackupVaultTags": {"CostCenter": "999"}}),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(
        refused.body["Message"],
        "The tag policy does not allow the specified value for the following tag key: 'CostCenter'."
    );
    // A wildcard value the policy allows; then TagResource with a refused value.
    env.ok(
        MGMT,
        "PUT",
        "/backup-vaults/v1",
        json!({"BackupVaultTags": {"CostCenter": "250"}}),
    );
    let arn = "arn:aws:backup:us-east-1:111111111111:backup-vault:v1";
    let refused = env.backup(
        MGMT,
        "POST",
        &format!("/tags/{}", enc(arn)),
        json!({"Tags": {"CostCenter": "7"}}),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    env.backup(
        MGMT,
        "POST",
        &format!("/tags/{}", enc(arn)),
        json!({"Tags": {"Other": "7"}}),
    );
}

// ---- the KMS permissions a copy needs (issue 14) ----

const DEST_SLR: &str =
    "arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup";
const UNUSABLE: &str =
    "KMS key is either disabled or pending deletion or access to KMS key is denied";

/// A key policy: `owner`'s root may do everything, then `statements`.
fn key_policy(owner: &str, statements: Vec<Value>) -> Value {
    let mut all = vec![json!({"Sid": "owner", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{owner}:root")}, "Action": "kms:*", "Resource": "*"})];
    all.extend(statements);
    json!({"Version": "2012-10-17", "Statement": all})
}

/// `actions` for `principals`, grant operations under kms:GrantIsForAWSResource if `grants`.
fn allow(principals: &[&str], actions: &[&str], grants: bool) -> Value {
    let mut s = json!({"Effect": "Allow", "Principal": {"AWS": principals}, "Action": actions,
        "Resource": "*"});
    if grants {
        s["Condition"] = json!({"Bool": {"kms:GrantIsForAWSResource": "true"}});
    }
    s
}

impl Env {
    fn key_with_policy(&self, owner: &str, policy: &Value) -> String {
        let body = json!({"Policy": policy.to_string(), "BypassPolicyLockoutSafetyCheck": true});
        let r = self.kms(owner, "CreateKey", body);
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["KeyMetadata"]["Arn"].as_str().unwrap().to_owned()
    }

    fn put_key_policy(&self, owner: &str, key: &str, policy: &Value) {
        let body = json!({"KeyId": key, "PolicyName": "default", "Policy": policy.to_string()});
        let r = self.kms(owner, "PutKeyPolicy", body);
        assert_eq!(r.status, 200, "{}", r.body);
    }

    fn decision_record(&self, job: &Value) -> String {
        let id = job["CopyJobId"].as_str().unwrap();
        let path = format!("/_keyhole/backup/jobs/{id}");
        self.admin(Method::GET, &path, Value::Null)["decisionRecord"].to_string()
    }
}

/// A fully managed backup under a customer managed vault key: a key policy that gives the
/// destination only kms:DescribeKey no longer lets the copy complete; the permissions of
/// devguide encryption.html (CreateGrant, GenerateDataKey, Decrypt) do, although the
/// destination's AWSServiceRoleForBackup's own policy allows none of them through backup.
#[test]
fn a_fully_managed_copy_needs_the_documented_vault_key_permissions_not_describe_key() {
    let w = copy_world(true, true);
    allow_source_account(&w.env);
    let destination = ["arn:aws:iam::222222222222:root", DEST_SLR];
    let describe_only = key_policy(MGMT, vec![allow(&destination, &["kms:DescribeKey"], false)]);
    let key = w.env.key_with_policy(MGMT, &describe_only);
    w.env.vault_in(MGMT, "us-east-1", "efs", Some(&key));
    let fs = "arn:aws:elasticfilesystem:us-east-1:111111111111:file-system/fs-1";
    let rp = w.env.backup_of(MGMT, "efs", fs, &w.role);
    let job = w
        .env
        .copy("efs", &rp, &w.dest, &w.role, json!({"DeleteAfterDays": 14}));
    failed_with(&job, UNUSABLE);
    let record = w.env.decision_record(&job);
    assert!(
        record.contains("is not authorized to perform: kms:CreateGrant"),
        "{record}"
    );
    let documented = key_policy(
        MGMT,
        vec![
            allow(&destination, &["kms:GenerateDataKey", "kms:Decrypt"], false),
            allow(&destination, &["kms:CreateGrant"], true),
        ],
    );
    w.env.put_key_policy(MGMT, &key, &documented);
    let job = w
        .env
        .copy("efs", &rp, &w.dest, &w.role, json!({"DeleteAfterDays": 14}));
    assert_eq!(job["State"], "COMPLETED", "{job}");
    let record = w.env.decision_record(&job);
    assert!(
        record.contains("CreateGrant, GenerateDataKey, Decrypt via backup, decided by the key policy and grants"),
        "{record}"
    );
}

/// The source copy role's own rights on the destination vault key (devguide
/// logicallyairgappedvault.html): the destination key policy must share the key with it,
/// and its identity policy must allow DescribeKey and CreateGrant.
#[test]
fn copy_fails_until_the_destination_key_is_shared_with_the_copy_role() {
    let w = copy_world(true, true);
    allow_source_account(&w.env);
    let copy = |role: &str| {
        w.env
            .copy("src", &w.rp, &w.dest, role, json!({"DeleteAfterDays": 14}))
    };
    w.env
        .put_key_policy(MEMBER, &w.dest_key, &key_policy(MEMBER, vec![]));
    let job = copy(&w.role);
    failed_with(&job, UNUSABLE);
    let record = w.env.decision_record(&job);
    assert!(
        record.contains("FAILED 10 destination key")
            && record.contains("for the copy role arn:aws:iam::111111111111:role/BackupRole"),
        "{record}"
    );
    let shared = key_policy(
        MEMBER,
        vec![
            allow(
                &["arn:aws:iam::111111111111:root"],
                &["kms:DescribeKey"],
                false,
            ),
            allow(
                &["arn:aws:iam::111111111111:root"],
                &["kms:CreateGrant"],
                true,
            ),
        ],
    );
    w.env.put_key_policy(MEMBER, &w.dest_key, &shared);
    assert_eq!(copy(&w.role)["State"], "COMPLETED");
    // The key policy alone is not enough: a role whose own policies allow no KMS fails.
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let backup_only = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "backup:*", "Resource": "*"}]});
    for (op, body) in [
        (
            "CreateRole",
            json!({"RoleName": "CopyOnly", "AssumeRolePolicyDocument": trust.to_string()}),
        ),
        (
            "PutRolePolicy",
            json!({"RoleName": "CopyOnly", "PolicyName": "backup",
                   "PolicyDocument": backup_only.to_string()}),
        ),
    ] {
        crate::services::iam::test_support::call(
            &mut w.env.instance.world(),
            ServiceId::Iam,
            op,
            body,
            Caller::root(MGMT, MGMT),
        )
        .unwrap();
    }
    failed_with(&copy("arn:aws:iam::111111111111:role/CopyOnly"), UNUSABLE);
}

/// A snapshot copy needs no more of the source key policy than tecracer's working one
/// (CreateGrant, ListGrants, RevokeGrant for the destination's AWSServiceRoleForBackup);
/// without kms:CreateGrant it fails with EC2's text.
#[test]
fn an_ebs_copy_completes_under_tecracers_key_policy_and_fails_without_create_grant() {
    let w = copy_world(true, true);
    allow_source_account(&w.env);
    let grants = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];
    let tecracer = key_policy(MGMT, vec![allow(&[DEST_SLR], &grants, true)]);
    let key = w.env.key_with_policy(MGMT, &tecracer);
    let volume = "arn:aws:ec2:us-east-1:111111111111:volume/vol-2";
    w.env.declare(volume, Some(&key), json!({}));
    let rp = w.env.backup_of(MGMT, "src", volume, &w.role);
    let copy = || {
        w.env
            .copy("src", &rp, &w.dest, &w.role, json!({"DeleteAfterDays": 14}))
    };
    assert_eq!(copy()["State"], "COMPLETED");
    let destination = ["arn:aws:iam::222222222222:root", DEST_SLR];
    let no_create_grant = key_policy(
        MGMT,
        vec![
            allow(
                &destination,
                &[
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                ],
                false,
            ),
            allow(&destination, &["kms:ListGrants", "kms:RevokeGrant"], true),
        ],
    );
    w.env.put_key_policy(MGMT, &key, &no_create_grant);
    failed_with(&copy(), "Given key ID is not accessible");
}
