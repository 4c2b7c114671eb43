//! AWS Backup through the AWS CLI against an in-process keyhole: vault errors as AWS words
//! them, and a cross-account copy that fails for each documented misconfiguration in turn
//! (not one organization, cross-account backup disabled) and completes once fixed.
//! Skipped (with a notice) when `aws` is not on PATH.

use serde_json::{json, Value};

mod support;

use support::{aws_available, s, Cli};

/// Calls an admin endpoint and expects 200; returns the JSON body.
async fn admin(addr: std::net::SocketAddr, method: &str, path: &str, body: &Value) -> Value {
    let (status, body) = support::admin_call(addr, method, path, body).await;
    assert!(status.contains(" 200 "), "{method} {path}: {status} {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

const SOURCE: &str = "111111111111";
const DEST: &str = "222222222222";
const OUTSIDER: &str = "999999999999";
const VOLUME: &str = "arn:aws:ec2:us-east-1:111111111111:volume/vol-0123456789abcdef0";
const DEST_VAULT: &str = "arn:aws:backup:us-east-1:222222222222:backup-vault:dest";
const ROLE: &str = "arn:aws:iam::111111111111:role/BackupRole";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const VAULT_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}]}"#;

/// A customer managed key of `owner` that both accounts and their AWSServiceRoleForBackup
/// may use (the seeds' fix); a made-up ARN where keyhole does not serve KMS yet (the backup
/// branch's KMS stub accepts any key).
async fn key(cli: &Cli, owner: &str) -> String {
    let mut principals = Vec::new();
    for account in [SOURCE, DEST] {
        principals.push(format!("arn:aws:iam::{account}:root"));
        principals.push(format!(
            "arn:aws:iam::{account}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
        ));
    }
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "both accounts",
        "Effect": "Allow", "Principal": {"AWS": principals}, "Action": "kms:*", "Resource": "*"}]})
    .to_string();
    let run = cli
        .run_in(
            "us-east-1",
            support::root(owner),
            &[
                "kms",
                "create-key",
                "--policy",
                &policy,
                "--bypass-policy-lockout-safety-check",
            ],
        )
        .await;
    match run.json.pointer("/KeyMetadata/Arn").and_then(Value::as_str) {
        Some(arn) if run.ok => arn.to_owned(),
        _ => format!("arn:aws:kms:us-east-1:{owner}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    }
}

async fn copy_state(cli: &Cli, rp: &str) -> Value {
    let started = cli
        .ok(
            support::root(SOURCE),
            &[
                "backup",
                "start-copy-job",
                "--recovery-point-arn",
                rp,
                "--source-backup-vault-name",
                "src",
                "--destination-backup-vault-arn",
                DEST_VAULT,
                "--iam-role-arn",
                ROLE,
                "--lifecycle",
                "DeleteAfterDays=14",
            ],
        )
        .await;
    let id = s(&started, "/CopyJobId").to_owned();
    cli.ok(
        support::root(SOURCE),
        &["backup", "describe-copy-job", "--copy-job-id", &id],
    )
    .await["CopyJob"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_account_copy_through_the_aws_cli() {
    if !aws_available() {
        eprintln!("NOTICE: `aws` is not on PATH; skipping the AWS CLI test");
        return;
    }
    let emu = keyhole::Emulator::start().await.expect("keyhole starts");
    let cli = Cli {
        endpoint: emu.endpoint_url(),
    };

    // AWS's quirks and texts.
    assert!(cli
        .fails(support::root(SOURCE), &["backup", "describe-backup-vault", "--backup-vault-name", "nope"])
        .await
        .contains("An error occurred (AccessDeniedException) when calling the DescribeBackupVault operation: Insufficient privileges to perform this action."));
    cli.ok(
        support::root(SOURCE),
        &[
            "backup",
            "create-backup-vault",
            "--backup-vault-name",
            "src",
        ],
    )
    .await;
    assert!(cli
        .fails(support::root(SOURCE), &["backup", "create-backup-vault", "--backup-vault-name", "src"])
        .await
        .contains("An error occurred (AlreadyExistsException) when calling the CreateBackupVault operation: A Backup vault with the name src already exists"));
    assert!(cli
        .fails(support::root(SOURCE), &["backup", "get-backup-vault-access-policy", "--backup-vault-name", "src"])
        .await
        .contains("An error occurred (ResourceNotFoundException) when calling the GetBackupVaultAccessPolicy operation: Backup Vault arn:aws:backup:us-east-1:111111111111:backup-vault:src has no associated POLICY"));
    assert!(cli
        .fails(support::root(OUTSIDER), &["backup", "describe-global-settings"])
        .await
        .contains("An error occurred (ERROR_9601) when calling the DescribeGlobalSettings operation: Your account is not a member of an organization."));
    let plan = json!({"BackupPlanName": "p", "Rules": [{"RuleName": "Daily", "TargetBackupVaultName": "Random Backups"}]}).to_string();
    assert!(cli
        .fails(support::root(SOURCE), &["backup", "create-backup-plan", "--backup-plan", &plan])
        .await
        .contains("An error occurred (InvalidParameterValueException) when calling the CreateBackupPlan operation: Error in rule Daily : Backup vault name Random Backups is not valid"));

    // The world: a role and a CMK-encrypted volume in SOURCE, a CMK vault in DEST.
    for account in [SOURCE, DEST] {
        let _ = cli
            .run_in(
                "us-east-1",
                support::root(account),
                &[
                    "iam",
                    "create-service-linked-role",
                    "--aws-service-name",
                    "backup.amazonaws.com",
                ],
            )
            .await;
    }
    let source_key = key(&cli, SOURCE).await;
    let dest_key = key(&cli, DEST).await;
    cli.ok(
        support::root(SOURCE),
        &[
            "iam",
            "create-role",
            "--role-name",
            "BackupRole",
            "--assume-role-policy-document",
            TRUST,
        ],
    )
    .await;
    cli.ok(
        support::root(SOURCE),
        &[
            "iam",
            "attach-role-policy",
            "--role-name",
            "BackupRole",
            "--policy-arn",
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        ],
    )
    .await;
    admin(
        emu.addr(),
        "POST",
        "/_keyhole/resources",
        &json!({"Arn": VOLUME, "KmsKeyArn": source_key}),
    )
    .await;
    cli.ok(
        support::root(DEST),
        &[
            "backup",
            "create-backup-vault",
            "--backup-vault-name",
            "dest",
            "--encryption-key-arn",
            &dest_key,
        ],
    )
    .await;
    let started = cli
        .ok(
            support::root(SOURCE),
            &[
                "backup",
                "start-backup-job",
                "--backup-vault-name",
                "src",
                "--resource-arn",
                VOLUME,
                "--iam-role-arn",
                ROLE,
            ],
        )
        .await;
    let rp = s(&started, "/RecoveryPointArn").to_owned();
    let job = cli
        .ok(
            support::root(SOURCE),
            &[
                "backup",
                "describe-backup-job",
                "--backup-job-id",
                s(&started, "/BackupJobId"),
            ],
        )
        .await;
    assert_eq!(s(&job, "/State"), "COMPLETED");

    // 1. Not one organization.
    let job = copy_state(&cli, &rp).await;
    assert_eq!(s(&job, "/State"), "FAILED");
    assert_eq!(
        s(&job, "/StatusMessage"),
        "Access denied: Copy job failed. Both source and destination account must be a member of the same organization."
    );
    let record = admin(
        emu.addr(),
        "GET",
        &format!("/_keyhole/backup/jobs/{}", s(&job, "/CopyJobId")),
        &Value::Null,
    )
    .await;
    assert!(record["decisionRecord"]
        .to_string()
        .contains("FAILED 1 organization"));

    // 2. One organization, cross-account backup not enabled.
    cli.ok(
        support::root(SOURCE),
        &["organizations", "create-organization"],
    )
    .await;
    let invite = cli
        .ok(
            support::root(SOURCE),
            &[
                "organizations",
                "invite-account-to-organization",
                "--target",
                &format!("Type=ACCOUNT,Id={DEST}"),
            ],
        )
        .await;
    cli.ok(
        support::root(DEST),
        &[
            "organizations",
            "accept-handshake",
            "--handshake-id",
            s(&invite, "/Handshake/Id"),
        ],
    )
    .await;
    let job = copy_state(&cli, &rp).await;
    assert_eq!(
        s(&job, "/StatusMessage"),
        "Copy job failed. Cross-account copy feature is not enabled for the current organization."
    );

    // The fix: the management account enables it.
    cli.ok(
        support::root(SOURCE),
        &[
            "backup",
            "update-global-settings",
            "--global-settings",
            "isCrossAccountBackupEnabled=true",
        ],
    )
    .await;
    let settings = cli
        .ok(support::root(DEST), &["backup", "describe-global-settings"])
        .await;
    assert_eq!(
        s(&settings, "/GlobalSettings/isCrossAccountBackupEnabled"),
        "true"
    );

    // 3. The destination vault policy lacks the source account.
    let job = copy_state(&cli, &rp).await;
    assert_eq!(s(&job, "/State"), "FAILED");
    assert_eq!(
        s(&job, "/StatusMessage"),
        "Access Denied trying to call AWS Backup service"
    );

    // The fix: DEST's vault policy allows the source account; the copy completes.
    cli.ok(
        support::root(DEST),
        &[
            "backup",
            "put-backup-vault-access-policy",
            "--backup-vault-name",
            "dest",
            "--policy",
            VAULT_POLICY,
        ],
    )
    .await;
    let job = copy_state(&cli, &rp).await;
    assert_eq!(s(&job, "/State"), "COMPLETED", "{job}");
    let dest_rp = s(&job, "/DestinationRecoveryPointArn").to_owned();
    let points = cli
        .ok(
            support::root(DEST),
            &[
                "backup",
                "list-recovery-points-by-backup-vault",
                "--backup-vault-name",
                "dest",
            ],
        )
        .await;
    assert_eq!(s(&points, "/RecoveryPoints/0/RecoveryPointArn"), dest_rp);
    assert_eq!(s(&points, "/RecoveryPoints/0/EncryptionKeyArn"), dest_key);
    assert_eq!(
        s(&points, "/RecoveryPoints/0/SourceBackupVaultArn"),
        "arn:aws:backup:us-east-1:111111111111:backup-vault:src"
    );
    emu.stop().await;
}
