//! In-process tests of logically air-gapped and restore access vaults, MPA approval teams,
//! composite recovery points, backup indexes and malware scan jobs, through the whole
//! pipeline (restJson1 decode, validation, handler, error rendering).

use serde_json::{json, Value};

use super::assert_error;
use crate::testing::{enc, local_harness, Resp};

const OWNER: &str = "111111111111";
const OTHER: &str = "222222222222";
const TEAM: &str = "arn:aws:mpa:us-east-1:111111111111:approval-team/team-1";
const TEAM2: &str = "arn:aws:mpa:us-east-1:111111111111:approval-team/team-2";
const VOLUME: &str = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";
const BUCKET: &str = "arn:aws:s3:::bucket-1";
const FILE_SYSTEM: &str = "arn:aws:elasticfilesystem:us-east-1:111111111111:file-system/fs-1";

local_harness!(super::Backup);

impl Env {
    fn lag(&self, account: &str, name: &str) -> Value {
        self.ok(
            account,
            "PUT",
            &format!("/logically-air-gapped-backup-vaults/{name}"),
            json!({"MinRetentionDays": 7, "MaxRetentionDays": 30}),
        )
    }

    fn vault(&self, account: &str, name: &str) {
        self.ok(account, "PUT", &format!("/backup-vaults/{name}"), json!({}));
    }

    /// A completed backup of `resource` into OWNER's `vault`; its recovery point ARN.
    fn backup_of(&self, vault: &str, resource: &str, role: &str) -> String {
        let started = self.ok(
            OWNER,
            "PUT",
            "/backup-jobs",
            json!({"BackupVaultName": vault, "ResourceArn": resource, "IamRoleArn": role}),
        );
        let id = started["BackupJobId"].as_str().unwrap();
        let job = self.ok(OWNER, "GET", &format!("/backup-jobs/{id}"), Value::Null);
        assert_eq!(job["State"], "COMPLETED", "{job}");
        started["RecoveryPointArn"].as_str().unwrap().to_owned()
    }
}

// ---- logically air-gapped vaults ----

#[test]
fn a_lag_vault_is_created_locked_under_an_aws_owned_key_and_available_on_keyholes_clock() {
    let env = Env::new();
    env.job_duration(600.0);
    let created = env.lag(OWNER, "lag1");
    assert_eq!(
        created["BackupVaultArn"],
        "arn:aws:backup:us-east-1:111111111111:backup-vault:lag1"
    );
    assert_eq!(created["VaultState"], "CREATING");
    let d = env.ok(OWNER, "GET", "/backup-vaults/lag1", Value::Null);
    assert_eq!(d["VaultType"], "LOGICALLY_AIR_GAPPED_BACKUP_VAULT");
    assert_eq!(d["VaultState"], "CREATING");
    assert_eq!(d["Locked"], true);
    assert_eq!(d["MinRetentionDays"], 7);
    assert_eq!(d["MaxRetentionDays"], 30);
    assert_eq!(d["EncryptionKeyType"], "AWS_OWNED_KMS_KEY");
    assert!(d.get("EncryptionKeyArn").is_none(), "{d}");
    env.advance(601.0);
    let d = env.ok(OWNER, "GET", "/backup-vaults/lag1", Value::Null);
    assert_eq!(d["VaultState"], "AVAILABLE");
    // Compliance mode: the lock cannot change.
    let r = env.backup(
        OWNER,
        "PUT",
        "/backup-vaults/lag1/vault-lock",
        json!({"MinRetentionDays": 1}),
    );
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        "Backup vault lock configuration cannot be changed after the lock date",
    );
}

#[test]
fn list_backup_vaults_filters_by_vault_type() {
    let env = Env::new();
    env.vault(OWNER, "standard");
    env.lag(OWNER, "lag1");
    let names = |query: &str| -> Vec<Value> {
        env.ok_q(OWNER, "/backup-vaults/", query)["BackupVaultList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["BackupVaultName"].clone())
            .collect()
    };
    assert_eq!(
        names("vaultType=LOGICALLY_AIR_GAPPED_BACKUP_VAULT"),
        vec![json!("lag1")]
    );
    assert_eq!(names("vaultType=BACKUP_VAULT"), vec![json!("standard")]);
    let all = env.ok(OWNER, "GET", "/backup-vaults/", Value::Null);
    let lag = all["BackupVaultList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["BackupVaultName"] == "lag1")
        .unwrap()
        .clone();
    assert_eq!(lag["VaultType"], "LOGICALLY_AIR_GAPPED_BACKUP_VAULT");
    assert_eq!(lag["Locked"], true);
}

#[test]
fn a_lag_vault_needs_a_valid_retention_range_and_a_free_name() {
    let env = Env::new();
    let r = env.backup(
        OWNER,
        "PUT",
        "/logically-air-gapped-backup-vaults/lag1",
        json!({"MinRetentionDays": 6, "MaxRetentionDays": 30}),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "MinRetentionDays must be greater than or equal to 7",
    );
    let r = env.backup(
        OWNER,
        "PUT",
        "/logically-air-gapped-backup-vaults/lag1",
        json!({"MinRetentionDays": 40, "MaxRetentionDays": 30}),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "MinRetentionDays must be less than or equal to MaxRetentionDays",
    );
    env.vault(OWNER, "taken");
    let r = env.backup(
        OWNER,
        "PUT",
        "/logically-air-gapped-backup-vaults/taken",
        json!({"MinRetentionDays": 7, "MaxRetentionDays": 30}),
    );
    assert_error(
        &r,
        400,
        "AlreadyExistsException",
        "A Backup vault with the name taken already exists",
    );
}

#[test]
fn a_lag_vault_with_a_customer_managed_key_shows_it() {
    let env = Env::new();
    let key = "arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555";
    let r = env.backup(
        OWNER,
        "PUT",
        "/logically-air-gapped-backup-vaults/lagk",
        json!({"MinRetentionDays": 7, "MaxRetentionDays": 30, "EncryptionKeyArn": key}),
    );
    if r.status == 200 {
        let d = env.ok(OWNER, "GET", "/backup-vaults/lagk", Value::Null);
        assert_eq!(d["EncryptionKeyArn"], key);
        assert_eq!(d["EncryptionKeyType"], "CUSTOMER_MANAGED_KMS_KEY");
    } else {
        assert_error(
            &r,
            400,
            "InvalidParameterValueException",
            &format!("Invalid EncryptionKeyArn: {key}"),
        );
    }
}

#[test]
fn a_copy_into_a_lag_vault_under_an_aws_owned_key_completes_as_a_backup_recovery_point() {
    let env = Env::new();
    env.vault(OWNER, "v1");
    let lag = env.lag(OWNER, "lag1")["BackupVaultArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let role = env.role(OWNER);
    // Fully managed: AWS refuses not-fully-managed copies under AWS managed keys into LAG
    // vaults, which the copy engine does not check yet.
    let rp = env.backup_of("v1", FILE_SYSTEM, &role);
    let started = env.ok(
        OWNER,
        "PUT",
        "/copy-jobs",
        json!({"SourceBackupVaultName": "v1", "RecoveryPointArn": rp,
               "DestinationBackupVaultArn": lag, "IamRoleArn": role,
               "Lifecycle": {"DeleteAfterDays": 14}}),
    );
    let id = started["CopyJobId"].as_str().unwrap();
    let job = &env.ok(OWNER, "GET", &format!("/copy-jobs/{id}"), Value::Null)["CopyJob"];
    assert_eq!(job["State"], "COMPLETED", "{job}");
    let copied = job["DestinationRecoveryPointArn"].as_str().unwrap();
    assert!(
        copied.starts_with("arn:aws:backup:us-east-1:111111111111:recovery-point:"),
        "{copied}"
    );
    let d = env.ok(OWNER, "GET", "/backup-vaults/lag1", Value::Null);
    assert_eq!(d["NumberOfRecoveryPoints"], 1);
}

// ---- MPA approval teams ----

#[test]
fn an_mpa_team_is_associated_with_a_lag_vault_and_changed_with_approval() {
    let env = Env::new();
    env.job_duration(600.0);
    env.lag(OWNER, "lag1");
    env.vault(OWNER, "standard");
    let r = env.backup(
        OWNER,
        "PUT",
        "/backup-vaults/standard/mpaApprovalTeam",
        json!({"MpaApprovalTeamArn": TEAM}),
    );
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        "Backup vault standard is not a logically air-gapped backup vault",
    );
    let r = env.backup(
        OWNER,
        "PUT",
        "/backup-vaults/lag1/mpaApprovalTeam",
        json!({"MpaApprovalTeamArn": "arn:aws:iam::111111111111:role/x"}),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Invalid MpaApprovalTeamArn: arn:aws:iam::111111111111:role/x",
    );
    let r = env.call(
        OWNER,
        "POST",
        "/backup-vaults/lag1/mpaApprovalTeam",
        Some("delete"),
        json!({}),
    );
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        "No MPA approval team is associated with backup vault lag1",
    );

    // The first team is associated at once.
    let r = env.backup(
        OWNER,
        "PUT",
        "/backup-vaults/lag1/mpaApprovalTeam",
        json!({"MpaApprovalTeamArn": TEAM, "RequesterComment": "first"}),
    );
    assert_eq!(r.status, 204, "{}", r.body);
    let d = env.ok(OWNER, "GET", "/backup-vaults/lag1", Value::Null);
    assert_eq!(d["MpaApprovalTeamArn"], TEAM);
    assert!(d.get("LatestMpaApprovalTeamUpdate").is_none(), "{d}");

    // A new team waits for the current team's approval.
    env.ok(
        OWNER,
        "PUT",
        "/backup-vaults/lag1/mpaApprovalTeam",
        json!({"MpaApprovalTeamArn": TEAM2}),
    );
    let d = env.ok(OWNER, "GET", "/backup-vaults/lag1", Value::Null);
    assert_eq!(d["MpaApprovalTeamArn"], TEAM);
    let update = &d["LatestMpaApprovalTeamUpdate"];
    assert_eq!(update["Status"], "PENDING");
    assert!(update["MpaSessionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:mpa:us-east-1:111111111111:session/team-1/"));
    let r = env.backup(
        OWNER,
        "PUT",
        "/backup-vaults/lag1/mpaApprovalTeam",
        json!({"MpaApprovalTeamArn": TEAM}),
    );
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        "An MPA approval team update is already pending for backup vault lag1",
    );
    env.advance(601.0);
    let d = env.ok(OWNER, "GET", "/backup-vaults/lag1", Value::Null);
    assert_eq!(d["MpaApprovalTeamArn"], TEAM2);
    assert_eq!(d["LatestMpaApprovalTeamUpdate"]["Status"], "APPROVED");

    // Disassociation too.
    let r = env.call(
        OWNER,
        "POST",
        "/backup-vaults/lag1/mpaApprovalTeam",
        Some("delete"),
        json!({"RequesterComment": "done"}),
    );
    assert_eq!(r.status, 204, "{}", r.body);
    env.advance(601.0);
    let d = env.ok(OWNER, "GET", "/backup-vaults/lag1", Value::Null);
    assert!(d.get("MpaApprovalTeamArn").is_none(), "{d}");
}

// ---- restore access backup vaults ----

fn lag_with_team(env: &Env) -> String {
    let arn = env.lag(OWNER, "lag1")["BackupVaultArn"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(
        OWNER,
        "PUT",
        "/backup-vaults/lag1/mpaApprovalTeam",
        json!({"MpaApprovalTeamArn": TEAM}),
    );
    arn
}

#[test]
fn a_restore_access_vault_needs_a_lag_source_with_an_approval_team() {
    let env = Env::new();
    env.vault(OWNER, "standard");
    let lag = env.lag(OWNER, "lag1")["BackupVaultArn"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = env.backup(
        OWNER,
        "PUT",
        "/restore-access-backup-vaults",
        json!({"SourceBackupVaultArn": "arn:aws:backup:us-east-1:111111111111:backup-vault:standard"}),
    );
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        "Backup vault arn:aws:backup:us-east-1:111111111111:backup-vault:standard is not a logically air-gapped backup vault",
    );
    let r = env.backup(
        OWNER,
        "PUT",
        "/restore-access-backup-vaults",
        json!({"SourceBackupVaultArn": lag}),
    );
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        &format!("Backup vault {lag} is not associated with an MPA approval team"),
    );
    let missing = "arn:aws:backup:us-east-1:111111111111:backup-vault:nope";
    let r = env.backup(
        OWNER,
        "PUT",
        "/restore-access-backup-vaults",
        json!({"SourceBackupVaultArn": missing}),
    );
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        &format!("Backup vault {missing} not found"),
    );
    let r = env.backup(
        OWNER,
        "PUT",
        "/restore-access-backup-vaults",
        json!({"SourceBackupVaultArn": "lag1"}),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Invalid SourceBackupVaultArn: lag1",
    );
}

#[test]
fn a_restore_access_vault_is_approved_listed_and_revoked() {
    let env = Env::new();
    env.job_duration(600.0);
    let lag = lag_with_team(&env);
    // Another account (sharing through AWS RAM is not emulated).
    let body = json!({"SourceBackupVaultArn": lag, "BackupVaultName": "recover1",
                      "RequesterComment": "incident 42"});
    let created = env.ok(OTHER, "PUT", "/restore-access-backup-vaults", body);
    let arn = "arn:aws:backup:us-east-1:222222222222:backup-vault:recover1";
    assert_eq!(created["RestoreAccessBackupVaultArn"], arn);
    assert_eq!(created["RestoreAccessBackupVaultName"], "recover1");
    assert_eq!(created["VaultState"], "CREATING");

    let d = env.ok(OTHER, "GET", "/backup-vaults/recover1", Value::Null);
    assert_eq!(d["VaultType"], "RESTORE_ACCESS_BACKUP_VAULT");
    assert_eq!(d["VaultState"], "CREATING");
    assert_eq!(d["SourceBackupVaultArn"], lag);
    assert!(d["MpaSessionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:mpa:us-east-1:111111111111:session/team-1/"));

    let path = "/logically-air-gapped-backup-vaults/lag1/restore-access-backup-vaults/";
    let listed = env.ok(OWNER, "GET", path, Value::Null);
    let item = &listed["RestoreAccessBackupVaults"][0];
    assert_eq!(item["RestoreAccessBackupVaultArn"], arn);
    assert_eq!(item["VaultState"], "CREATING");
    assert!(item.get("ApprovalDate").is_none(), "{item}");
    env.advance(601.0);
    let listed = env.ok(OWNER, "GET", path, Value::Null);
    let item = &listed["RestoreAccessBackupVaults"][0];
    assert_eq!(item["VaultState"], "AVAILABLE");
    assert!(item["ApprovalDate"].is_number(), "{item}");

    let revoke = format!("{path}{}", enc(arn));
    let r = env.call(
        OWNER,
        "DELETE",
        &revoke,
        Some("requesterComment=done"),
        Value::Null,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let listed = env.ok(OWNER, "GET", path, Value::Null);
    assert_eq!(listed["RestoreAccessBackupVaults"], json!([]));
    let r = env.backup(OTHER, "GET", "/backup-vaults/recover1", Value::Null);
    assert_eq!(r.status, 403, "{}", r.body);
    let r = env.backup(OWNER, "DELETE", &revoke, Value::Null);
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        &format!("Restore access backup vault {arn} not found"),
    );
}

// ---- composite recovery points ----

#[test]
fn a_child_recovery_point_leaves_its_parent_once() {
    let env = Env::new();
    env.vault(OWNER, "v1");
    let role = env.role(OWNER);
    let rp = env.backup_of("v1", BUCKET, &role);
    let path = format!(
        "/backup-vaults/v1/recovery-points/{}/parentAssociation",
        enc(&rp)
    );
    let r = env.backup(OWNER, "DELETE", &path, Value::Null);
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        &format!("Recovery point {rp} is not associated with a parent recovery point"),
    );
    let parent = "arn:aws:backup:us-east-1:111111111111:recovery-point:composite:cfn-1";
    {
        let mut world = env.instance.world();
        let st = crate::services::backup::lookup::state_mut(&mut world, OWNER, "us-east-1", 0.0);
        let child = st
            .vaults
            .get_mut("v1")
            .unwrap()
            .recovery_points
            .get_mut(&rp)
            .unwrap();
        child.parent_recovery_point_arn = Some(parent.into());
    }
    let r = env.backup(OWNER, "DELETE", &path, Value::Null);
    assert_eq!(r.status, 204, "{}", r.body);
    let world = env.instance.world();
    let child = &crate::services::backup::lookup::state(&world, OWNER, "us-east-1")
        .unwrap()
        .vaults["v1"]
        .recovery_points[&rp];
    assert_eq!(child.parent_recovery_point_arn, None);
    drop(world);
    let missing = "arn:aws:backup:us-east-1:111111111111:recovery-point:NOPE";
    let r = env.backup(
        OWNER,
        "DELETE",
        &format!(
            "/backup-vaults/v1/recovery-points/{}/parentAssociation",
            enc(missing)
        ),
        Value::Null,
    );
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        "Cannot find recovery point",
    );
}

// ---- backup indexes ----

#[test]
fn an_index_is_pending_then_active_then_deleted_on_keyholes_clock() {
    let env = Env::new();
    env.vault(OWNER, "v1");
    let role = env.role(OWNER);
    let rp = env.backup_of("v1", VOLUME, &role);
    let s3 = env.backup_of("v1", BUCKET, &role);
    env.job_duration(600.0);
    let index = format!("/backup-vaults/v1/recovery-points/{}/index", enc(&rp));
    let r = env.backup(OWNER, "GET", &index, Value::Null);
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        &format!("Backup index not found for recovery point {rp}"),
    );
    let r = env.backup(OWNER, "POST", &index, json!({"Index": "ENABLED"}));
    assert_error(
        &r,
        400,
        "MissingParameterValueException",
        "Missing required parameter IamRoleArn",
    );
    let updated = env.ok(
        OWNER,
        "POST",
        &index,
        json!({"Index": "ENABLED", "IamRoleArn": role}),
    );
    assert_eq!(updated["IndexStatus"], "PENDING");
    assert_eq!(updated["Index"], "ENABLED");
    assert_eq!(updated["BackupVaultName"], "v1");
    assert_eq!(updated["RecoveryPointArn"], rp);
    let d = env.ok(OWNER, "GET", &index, Value::Null);
    assert_eq!(d["IndexStatus"], "PENDING");
    assert_eq!(d["SourceResourceArn"], VOLUME);
    assert!(d.get("IndexCompletionDate").is_none(), "{d}");
    env.ok(
        OWNER,
        "POST",
        &format!("/backup-vaults/v1/recovery-points/{}/index", enc(&s3)),
        json!({"Index": "ENABLED", "IamRoleArn": role}),
    );
    env.advance(601.0);
    let d = env.ok(OWNER, "GET", &index, Value::Null);
    assert_eq!(d["IndexStatus"], "ACTIVE");
    assert!(d["IndexCompletionDate"].is_number(), "{d}");

    let listed = env.ok(OWNER, "GET", "/indexes/recovery-point/", Value::Null);
    assert_eq!(listed["IndexedRecoveryPoints"].as_array().unwrap().len(), 2);
    let ebs = env.ok_q(OWNER, "/indexes/recovery-point/", "resourceType=EBS");
    let items = ebs["IndexedRecoveryPoints"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["RecoveryPointArn"], rp);
    assert_eq!(items[0]["IndexStatus"], "ACTIVE");
    assert_eq!(items[0]["IamRoleArn"], role);
    let by_source = env.ok_q(
        OWNER,
        "/indexes/recovery-point/",
        &format!("sourceResourceArn={}", enc(BUCKET)),
    );
    assert_eq!(
        by_source["IndexedRecoveryPoints"][0]["RecoveryPointArn"],
        s3
    );
    let pending = env.ok_q(OWNER, "/indexes/recovery-point/", "indexStatus=PENDING");
    assert_eq!(pending["IndexedRecoveryPoints"], json!([]));

    let disabled = env.ok(OWNER, "POST", &index, json!({"Index": "DISABLED"}));
    assert_eq!(disabled["IndexStatus"], "DELETING");
    assert_eq!(disabled["Index"], "DISABLED");
    let d = env.ok(OWNER, "GET", &index, Value::Null);
    assert_eq!(d["IndexStatus"], "DELETING");
    assert!(d["IndexDeletionDate"].is_number(), "{d}");
    env.advance(601.0);
    let r = env.backup(OWNER, "GET", &index, Value::Null);
    assert_eq!(r.error_type.as_deref(), Some("ResourceNotFoundException"));
    let r = env.backup(OWNER, "POST", &index, json!({"Index": "DISABLED"}));
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        &format!("Recovery point {rp} does not have a backup index"),
    );
}

#[test]
fn only_ebs_and_s3_recovery_points_are_indexed() {
    let env = Env::new();
    env.vault(OWNER, "v1");
    let role = env.role(OWNER);
    let rp = env.backup_of("v1", FILE_SYSTEM, &role);
    let r = env.backup(
        OWNER,
        "POST",
        &format!("/backup-vaults/v1/recovery-points/{}/index", enc(&rp)),
        json!({"Index": "ENABLED", "IamRoleArn": role}),
    );
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        "Backup indexes are supported only for EBS and S3 recovery points, not EFS",
    );
}

// ---- scan jobs ----

fn scan(env: &Env, rp: &str, role: &str, scanner_role: &str) -> Resp {
    env.backup(
        OWNER,
        "PUT",
        "/scan/job",
        json!({"BackupVaultName": "v1", "RecoveryPointArn": rp, "IamRoleArn": role,
               "ScannerRoleArn": scanner_role, "MalwareScanner": "GUARDDUTY",
               "ScanMode": "FULL_SCAN"}),
    )
}

#[test]
fn a_scan_job_runs_and_completes_on_keyholes_clock() {
    let env = Env::new();
    env.vault(OWNER, "v1");
    let role = env.role(OWNER);
    let rp = env.backup_of("v1", VOLUME, &role);
    env.job_duration(600.0);
    let r = scan(&env, &rp, &role, &role);
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["ScanJobId"].as_str().unwrap().to_owned();
    let d = env.ok(OWNER, "GET", &format!("/scan/jobs/{id}"), Value::Null);
    // CREATED, and RUNNING as soon as keyhole's (wall) clock moves.
    assert!(
        matches!(d["State"].as_str(), Some("CREATED" | "RUNNING")),
        "{d}"
    );
    assert_eq!(d["ResourceArn"], VOLUME);
    assert_eq!(d["ResourceType"], "EBS");
    assert_eq!(d["ResourceName"], "vol-1");
    assert_eq!(d["ScanMode"], "FULL_SCAN");
    assert_eq!(
        d["BackupVaultArn"],
        "arn:aws:backup:us-east-1:111111111111:backup-vault:v1"
    );
    assert!(d.get("ScanResult").is_none(), "{d}");
    env.advance(1.0);
    let d = env.ok(OWNER, "GET", &format!("/scan/jobs/{id}"), Value::Null);
    assert_eq!(d["State"], "RUNNING");
    env.advance(600.0);
    let d = env.ok(OWNER, "GET", &format!("/scan/jobs/{id}"), Value::Null);
    assert_eq!(d["State"], "COMPLETED");
    assert_eq!(d["ScanResult"]["ScanResultStatus"], "NO_THREATS_FOUND");
    assert!(d["CompletionDate"].is_number(), "{d}");

    // The same idempotency token is the same job.
    let body = json!({"BackupVaultName": "v1", "RecoveryPointArn": rp, "IamRoleArn": role,
        "ScannerRoleArn": role, "MalwareScanner": "GUARDDUTY", "ScanMode": "FULL_SCAN",
        "IdempotencyToken": "t1"});
    let a = env.ok(OWNER, "PUT", "/scan/job", body.clone());
    let b = env.ok(OWNER, "PUT", "/scan/job", body);
    assert_eq!(a["ScanJobId"], b["ScanJobId"]);

    let all = env.ok(OWNER, "GET", "/scan/jobs", Value::Null);
    assert_eq!(all["ScanJobs"].as_array().unwrap().len(), 2);
    let done = env.ok_q(OWNER, "/scan/jobs", "ByState=COMPLETED");
    assert_eq!(done["ScanJobs"].as_array().unwrap().len(), 1);
    assert_eq!(done["ScanJobs"][0]["ScanJobId"], id.as_str());
    let clean = env.ok_q(OWNER, "/scan/jobs", "ByScanResultStatus=NO_THREATS_FOUND");
    assert_eq!(clean["ScanJobs"].as_array().unwrap().len(), 1);
    let other = env.ok_q(OWNER, "/scan/jobs", "ByBackupVaultName=v2");
    assert_eq!(other["ScanJobs"], json!([]));

    let sums = env.ok_q(
        OWNER,
        "/audit/scan-job-summaries",
        "AggregationPeriod=SEVEN_DAYS",
    );
    assert_eq!(sums["AggregationPeriod"], "SEVEN_DAYS");
    let items = sums["ScanJobSummaries"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{sums}");
    let completed = items.iter().find(|i| i["State"] == "COMPLETED").unwrap();
    assert_eq!(completed["Count"], 1);
    assert_eq!(completed["MalwareScanner"], "GUARDDUTY");
    assert_eq!(completed["ScanResultStatus"], "NO_THREATS_FOUND");
    assert_eq!(completed["ResourceType"], "EBS");
    let only = env.ok_q(OWNER, "/audit/scan-job-summaries", "State=COMPLETED");
    let items = only["ScanJobSummaries"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{only}");
    assert_eq!(items[0]["State"], "COMPLETED");
}

#[test]
fn a_scan_fails_as_aws_does_for_missing_recovery_points_roles_and_bases() {
    let env = Env::new();
    env.vault(OWNER, "v1");
    let role = env.role(OWNER);
    let rp = env.backup_of("v1", VOLUME, &role);
    let missing = "arn:aws:ec2:us-east-1::snapshot/snap-0000000000000000";
    let r = scan(&env, missing, &role, &role);
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        "Cannot find recovery point",
    );
    let ghost = "arn:aws:iam::111111111111:role/NoSuchScanner";
    let r = scan(&env, &rp, &role, ghost);
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["ScanJobId"].as_str().unwrap();
    let d = env.ok(OWNER, "GET", &format!("/scan/jobs/{id}"), Value::Null);
    assert_eq!(d["State"], "FAILED");
    assert_eq!(
        d["StatusMessage"],
        format!("IAM Role {ghost} does not have sufficient permissions to execute the scan.")
    );
    let r = env.backup(
        OWNER,
        "PUT",
        "/scan/job",
        json!({"BackupVaultName": "v1", "RecoveryPointArn": rp, "IamRoleArn": role,
               "ScannerRoleArn": role, "MalwareScanner": "GUARDDUTY",
               "ScanMode": "INCREMENTAL_SCAN"}),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "ScanBaseRecoveryPointArn is required for an INCREMENTAL_SCAN",
    );
    let efs = env.backup_of("v1", FILE_SYSTEM, &role);
    let r = scan(&env, &efs, &role, &role);
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Malware scanning is not supported for resource type EFS",
    );
    let r = env.backup(OWNER, "GET", "/scan/jobs/NOPE", Value::Null);
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        "Cannot find job with ID NOPE",
    );
}
