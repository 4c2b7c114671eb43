//! AWS Backup through the AWS CLI against an in-process keyhole: vault errors as AWS words
//! them, and a cross-account copy that fails for each documented misconfiguration in turn
//! (not one organization, cross-account backup disabled) and completes once fixed; then a
//! table of every other engine check, each broken and fixed in turn on one world.
//! Skipped (with a notice) when `aws` is not on PATH.

use serde_json::{json, Value};

mod support;

use support::{s, start_with_cli, Cli};

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

/// `account` joins the organization `management` manages: invited, then accepting.
async fn join(cli: &Cli, management: &str, account: &str) {
    let invite = cli
        .ok(
            support::root(management),
            &[
                "organizations",
                "invite-account-to-organization",
                "--target",
                &format!("Type=ACCOUNT,Id={account}"),
            ],
        )
        .await;
    cli.ok(
        support::root(account),
        &[
            "organizations",
            "accept-handshake",
            "--handshake-id",
            s(&invite, "/Handshake/Id"),
        ],
    )
    .await;
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
    let Some((emu, cli)) = start_with_cli().await else {
        return;
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
    let plan = json!({"BackupPlanName": "p", "Rules": [{"RuleName": "Daily", "TargetBackupVaultName": "src",
        "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}}]}).to_string();
    assert!(cli
        .fails(support::root(SOURCE), &["backup", "create-backup-plan", "--backup-plan", &plan])
        .await
        .contains("An error occurred (InvalidParameterValueException) when calling the CreateBackupPlan operation: Error in rule Daily : Invalid lifecycle. DeleteAfterDays cannot be less than 90 days apart from MoveToColdStorageAfterDays"));
    let missing = "arn:aws:backup:us-east-1:111111111111:recovery-point:nope";
    assert!(cli
        .fails(support::root(SOURCE), &["backup", "describe-recovery-point", "--backup-vault-name", "src", "--recovery-point-arn", missing])
        .await
        .contains("An error occurred (ResourceNotFoundException) when calling the DescribeRecoveryPoint operation: Cannot find recovery point"));
    assert!(cli
        .fails(support::root(SOURCE), &["backup", "list-tags", "--resource-arn", missing])
        .await
        .contains("An error occurred (ERROR_2603) when calling the ListTags operation: Cannot find recovery point."));

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
    join(&cli, SOURCE, DEST).await;
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

/// One thing a table row does: an AWS CLI call as an account in a Region, an admin call, or
/// a new backup (whose recovery point the following copies use).
enum Step {
    Cli(&'static str, &'static str, Vec<String>),
    Admin(&'static str, Value),
    Backup(&'static str, String),
    /// A new backup into another vault of SOURCE in us-east-1.
    BackupInto(&'static str, String),
    /// Attaches (or, false, detaches) MGMT's policy of that name to an account.
    Attach(&'static str, &'static str, bool),
}

/// A copy: from SOURCE's `vault` in `region` of the current recovery point.
struct Copy {
    region: &'static str,
    vault: &'static str,
    dest: String,
    role: String,
    days: u32,
}

impl Copy {
    fn to_dest() -> Copy {
        Copy::in_region("us-east-1")
    }

    fn in_region(region: &'static str) -> Copy {
        Copy {
            region,
            vault: "src",
            dest: DEST_VAULT.into(),
            role: COPY_ROLE.into(),
            days: 14,
        }
    }
}

/// A check of the copy engine: what breaks it, the StatusMessage, the seeds' fix.
struct Row {
    name: &'static str,
    broken: Vec<Step>,
    copy: Copy,
    message: String,
    fix: Vec<Step>,
    fixed_copy: Copy,
}

const MGMT: &str = "333333333333";
const COPY_ROLE: &str = "arn:aws:iam::111111111111:role/BackupRole";

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| (*a).to_owned()).collect()
}

struct Table {
    cli: Cli,
    addr: std::net::SocketAddr,
    rp: std::cell::RefCell<String>,
}

impl Table {
    async fn step(&self, step: &Step) {
        match step {
            Step::Cli(account, region, a) => {
                let a: Vec<&str> = a.iter().map(String::as_str).collect();
                let run = self.cli.run_in(region, support::root(account), &a).await;
                assert!(run.ok, "aws {a:?}: {}", run.stderr);
            }
            Step::Admin(path, body) => {
                admin(self.addr, "POST", path, body).await;
            }
            Step::Backup(region, resource) => self.backup(region, "src", resource).await,
            Step::BackupInto(vault, resource) => self.backup("us-east-1", vault, resource).await,
            Step::Attach(name, target, attach) => {
                let mut id = String::new();
                for kind in ["SERVICE_CONTROL_POLICY", "TAG_POLICY"] {
                    let listed = self
                        .cli
                        .ok(
                            support::root(MGMT),
                            &["organizations", "list-policies", "--filter", kind],
                        )
                        .await;
                    for p in listed["Policies"].as_array().into_iter().flatten() {
                        if s(p, "/Name") == *name {
                            id = s(p, "/Id").to_owned();
                        }
                    }
                }
                let verb = if *attach {
                    "attach-policy"
                } else {
                    "detach-policy"
                };
                self.cli
                    .ok(
                        support::root(MGMT),
                        &[
                            "organizations",
                            verb,
                            "--policy-id",
                            &id,
                            "--target-id",
                            target,
                        ],
                    )
                    .await;
            }
        }
    }

    async fn backup(&self, region: &str, vault: &str, resource: &str) {
        let started = self
            .cli
            .run_in(
                region,
                support::root(SOURCE),
                &[
                    "backup",
                    "start-backup-job",
                    "--backup-vault-name",
                    vault,
                    "--resource-arn",
                    resource,
                    "--iam-role-arn",
                    COPY_ROLE,
                ],
            )
            .await;
        assert!(started.ok, "{}", started.stderr);
        *self.rp.borrow_mut() = s(&started.json, "/RecoveryPointArn").to_owned();
    }

    async fn copy(&self, copy: &Copy) -> Value {
        let rp = self.rp.borrow().clone();
        let days = format!("DeleteAfterDays={}", copy.days);
        let started = self
            .cli
            .run_in(
                copy.region,
                support::root(SOURCE),
                &[
                    "backup",
                    "start-copy-job",
                    "--recovery-point-arn",
                    &rp,
                    "--source-backup-vault-name",
                    copy.vault,
                    "--destination-backup-vault-arn",
                    &copy.dest,
                    "--iam-role-arn",
                    &copy.role,
                    "--lifecycle",
                    &days,
                ],
            )
            .await;
        assert!(started.ok, "{}", started.stderr);
        let described = self
            .cli
            .run_in(
                copy.region,
                support::root(SOURCE),
                &[
                    "backup",
                    "describe-copy-job",
                    "--copy-job-id",
                    s(&started.json, "/CopyJobId"),
                ],
            )
            .await;
        assert!(described.ok, "{}", described.stderr);
        described.json["CopyJob"].clone()
    }
}

/// A customer managed key of `owner` with `policy` (in `region`).
async fn cmk(cli: &Cli, owner: &str, region: &str, policy: &str) -> String {
    let run = cli
        .run_in(
            region,
            support::root(owner),
            &["kms", "create-key", "--policy", policy],
        )
        .await;
    assert!(run.ok, "{}", run.stderr);
    s(&run.json, "/KeyMetadata/Arn").to_owned()
}

/// The seeds' source key policy, and the mistake it fixes.
fn shared_key_policy() -> String {
    let dest = [
        format!("arn:aws:iam::{DEST}:root"),
        format!("arn:aws:iam::{DEST}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"),
    ];
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": format!("arn:aws:iam::{SOURCE}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": dest},
         "Action": ["kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
         "Resource": "*"},
        {"Sid": "Allow attachment of persistent resources", "Effect": "Allow", "Principal": {"AWS": dest},
         "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
         "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}]})
    .to_string()
}

/// The destination vault key's policy: its owner, and when `shared` the source account's
/// copy role's DescribeKey and CreateGrant (devguide logicallyairgappedvault.html).
fn dest_key_policy(shared: bool) -> String {
    let mut statements = vec![
        json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{DEST}:root")}, "Action": "kms:*", "Resource": "*"}),
    ];
    if shared {
        statements.push(
            json!({"Sid": "Allow the source copy role", "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{SOURCE}:root")},
            "Action": ["kms:DescribeKey", "kms:CreateGrant"], "Resource": "*"}),
        );
    }
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// A fully managed backup's vault key: the destination may only describe it (issue 14).
fn describe_only_key_policy() -> String {
    let dest = [
        format!("arn:aws:iam::{DEST}:root"),
        format!("arn:aws:iam::{DEST}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"),
    ];
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": format!("arn:aws:iam::{SOURCE}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow the destination", "Effect": "Allow", "Principal": {"AWS": dest},
         "Action": "kms:DescribeKey", "Resource": "*"}]})
    .to_string()
}

fn owner_only_key_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions",
        "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{SOURCE}:root")},
        "Action": "kms:*", "Resource": "*"}]})
    .to_string()
}

/// Each engine check through the AWS CLI, on one working world (the organization managed
/// by a third account, so SCPs bind both copy accounts): break one thing, see AWS's
/// StatusMessage, apply the seeds' fix, see the copy complete into DEST.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_copy_check_fails_as_aws_and_its_fix_copies_through_the_aws_cli() {
    let Some((emu, cli)) = start_with_cli().await else {
        return;
    };
    let t = Table {
        cli,
        addr: emu.addr(),
        rp: std::cell::RefCell::new(String::new()),
    };
    let cli = &t.cli;

    // The working world.
    cli.ok(
        support::root(MGMT),
        &["organizations", "create-organization"],
    )
    .await;
    let roots = cli
        .ok(support::root(MGMT), &["organizations", "list-roots"])
        .await;
    let root_id = s(&roots, "/Roots/0/Id").to_owned();
    for account in [SOURCE, DEST] {
        join(cli, MGMT, account).await;
        cli.ok(
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
    cli.ok(
        support::root(MGMT),
        &[
            "backup",
            "update-global-settings",
            "--global-settings",
            "isCrossAccountBackupEnabled=true",
        ],
    )
    .await;
    for (name, trust) in [
        ("BackupRole", TRUST.to_owned()),
        (
            "Ec2Role",
            TRUST.replace("backup.amazonaws.com", "ec2.amazonaws.com"),
        ),
        ("BareRole", TRUST.to_owned()),
    ] {
        cli.ok(
            support::root(SOURCE),
            &[
                "iam",
                "create-role",
                "--role-name",
                name,
                "--assume-role-policy-document",
                &trust,
            ],
        )
        .await;
    }
    for name in ["BackupRole", "Ec2Role"] {
        cli.ok(
            support::root(SOURCE),
            &[
                "iam",
                "attach-role-policy",
                "--role-name",
                name,
                "--policy-arn",
                "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            ],
        )
        .await;
    }
    let shared = shared_key_policy();
    let src_key = cmk(cli, SOURCE, "us-east-1", &shared).await;
    let west_key = cmk(cli, SOURCE, "us-west-2", &shared).await;
    let dest_key = cmk(cli, DEST, "us-east-1", &dest_key_policy(true)).await;
    // A fully managed resource's backup is under its vault's key.
    let efs_key = cmk(cli, SOURCE, "us-east-1", &describe_only_key_policy()).await;
    t.step(&Step::Cli(
        SOURCE,
        "us-east-1",
        args(&[
            "backup",
            "create-backup-vault",
            "--backup-vault-name",
            "efs",
            "--encryption-key-arn",
            &efs_key,
        ]),
    ))
    .await;
    for region in ["us-east-1", "us-west-2"] {
        t.step(&Step::Cli(
            SOURCE,
            region,
            args(&[
                "backup",
                "create-backup-vault",
                "--backup-vault-name",
                "src",
            ]),
        ))
        .await;
    }
    for (vault, key) in [("dest", Some(&dest_key)), ("plain", None)] {
        let mut a = args(&[
            "backup",
            "create-backup-vault",
            "--backup-vault-name",
            vault,
        ]);
        if let Some(key) = key {
            a.extend(args(&["--encryption-key-arn", key]));
        }
        t.step(&Step::Cli(DEST, "us-east-1", a)).await;
        t.step(&Step::Cli(
            DEST,
            "us-east-1",
            args(&[
                "backup",
                "put-backup-vault-access-policy",
                "--backup-vault-name",
                vault,
                "--policy",
                VAULT_POLICY,
            ]),
        ))
        .await;
    }
    let declare = |arn: &str, key: &str, tags: Value| {
        Step::Admin(
            "/_keyhole/resources",
            json!({"Arn": arn, "KmsKeyArn": key, "Tags": tags}),
        )
    };
    t.step(&declare(VOLUME, &src_key, json!({}))).await;
    let volume_backup = || Step::Backup("us-east-1", VOLUME.to_owned());
    t.step(&volume_backup()).await;
    let job = t.copy(&Copy::to_dest()).await;
    assert_eq!(s(&job, "/State"), "COMPLETED", "the working world: {job}");

    let src = |a: &[&str]| Step::Cli(SOURCE, "us-east-1", args(a));
    let dst = |a: &[&str]| Step::Cli(DEST, "us-east-1", args(a));
    let mgmt = |a: &[&str]| Step::Cli(MGMT, "us-east-1", args(a));
    let scp = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
        "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]})
    .to_string();
    let tag_policy = json!({"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"},
        "tag_value": {"@@assign": ["100", "200"]},
        "enforced_for": {"@@assign": ["backup:recovery-point"]}}}})
    .to_string();
    let unusable = "KMS key is either disabled or pending deletion or access to KMS key is denied";
    let instance = "arn:aws:ec2:us-east-1:111111111111:instance/i-0aws0managed";
    let db_west = "arn:aws:rds:us-west-2:111111111111:db:west";
    let table = "arn:aws:dynamodb:us-east-1:111111111111:table/orders";
    let efs = "arn:aws:elasticfilesystem:us-east-1:111111111111:file-system/fs-0123456789abcdef0";
    let rows = vec![
        Row {
            name: "source key policy",
            broken: vec![src(&["kms", "put-key-policy", "--key-id", &src_key, "--policy-name", "default", "--policy", &owner_only_key_policy()])],
            copy: Copy::to_dest(),
            message: "Given key ID is not accessible".into(),
            fix: vec![src(&["kms", "put-key-policy", "--key-id", &src_key, "--policy-name", "default", "--policy", &shared])],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "source key disabled",
            broken: vec![src(&["kms", "disable-key", "--key-id", &src_key])],
            copy: Copy::to_dest(),
            message: unusable.into(),
            fix: vec![src(&["kms", "enable-key", "--key-id", &src_key])],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "EC2 under the AWS managed key",
            broken: vec![Step::Backup("us-east-1", instance.into())],
            copy: Copy::to_dest(),
            message: "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot. (Service: AmazonEC2; Status Code: 400; Error Code: InvalidParameter; Request ID: ; Proxy: null)".into(),
            fix: vec![declare(instance, &src_key, json!({})), Step::Backup("us-east-1", instance.into())],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "RDS across Region and account",
            broken: vec![declare(db_west, &west_key, json!({})), Step::Backup("us-west-2", db_west.into())],
            copy: Copy::in_region("us-west-2"),
            message: "Copy job from us-west-2 to us-east-1 cannot be initiated for RDS resources. Feature is not supported for provided resource type.".into(),
            fix: vec![Step::Admin("/_keyhole/backup/settings", json!({"allowRdsCrossRegionAndAccount": true}))],
            fixed_copy: Copy::in_region("us-west-2"),
        },
        Row {
            name: "DynamoDB without advanced features",
            broken: vec![
                src(&["backup", "update-region-settings", "--resource-type-management-preference", "DynamoDB=false"]),
                Step::Backup("us-east-1", table.into()),
            ],
            copy: Copy::to_dest(),
            // Text inferred by the engine: the RDS pattern for the type.
            message: "Copy job from us-east-1 to us-east-1 cannot be initiated for DynamoDB resources. Feature is not supported for provided resource type.".into(),
            fix: vec![src(&["backup", "update-region-settings", "--resource-type-management-preference", "DynamoDB=true"]), Step::Backup("us-east-1", table.into())],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "fully managed: vault key gives the destination only DescribeKey",
            broken: vec![Step::BackupInto("efs", efs.into())],
            copy: Copy { vault: "efs", ..Copy::to_dest() },
            message: unusable.into(),
            // The seeds' key policy: Decrypt, GenerateDataKey* and CreateGrant among them.
            fix: vec![src(&["kms", "put-key-policy", "--key-id", &efs_key, "--policy-name", "default", "--policy", &shared])],
            fixed_copy: Copy { vault: "efs", ..Copy::to_dest() },
        },
        Row {
            name: "destination vault under aws/backup",
            broken: vec![volume_backup()],
            copy: Copy { dest: "arn:aws:backup:us-east-1:222222222222:backup-vault:plain".into(), ..Copy::to_dest() },
            message: "Copy job failed because the destination Backup vault is encrypted with the default Backup service managed key. The contents of this vault cannot be copied. Only the contents of a Backup vault encrypted by an AWS KMS key may be copied.".into(),
            fix: vec![],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "destination vault access policy",
            broken: vec![dst(&["backup", "delete-backup-vault-access-policy", "--backup-vault-name", "dest"])],
            copy: Copy::to_dest(),
            message: "Access Denied trying to call AWS Backup service".into(),
            fix: vec![dst(&["backup", "put-backup-vault-access-policy", "--backup-vault-name", "dest", "--policy", VAULT_POLICY])],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "vault lock retention",
            broken: vec![dst(&["backup", "put-backup-vault-lock-configuration", "--backup-vault-name", "dest", "--min-retention-days", "7", "--max-retention-days", "30"])],
            copy: Copy { days: 365, ..Copy::to_dest() },
            message: "Copy job failed. The retention specified in the job is not within the range specified for the target Backup Vault.".into(),
            fix: vec![],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "SCP in the source account",
            broken: vec![
                mgmt(&["organizations", "enable-policy-type", "--root-id", &root_id, "--policy-type", "SERVICE_CONTROL_POLICY"]),
                mgmt(&["organizations", "create-policy", "--name", "no-copies", "--description", "d", "--type", "SERVICE_CONTROL_POLICY", "--content", &scp]),
                Step::Attach("no-copies", SOURCE, true),
            ],
            copy: Copy::to_dest(),
            message: "Access Denied trying to call AWS Backup service".into(),
            fix: vec![Step::Attach("no-copies", SOURCE, false)],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "role not trusting AWS Backup",
            broken: vec![],
            copy: Copy { role: "arn:aws:iam::111111111111:role/Ec2Role".into(), ..Copy::to_dest() },
            // Text from AWS Backup's CloudTrail errorMessage; as a StatusMessage, inferred.
            message: "The provided role arn:aws:iam::111111111111:role/Ec2Role cannot be assumed by AWS Backup.".into(),
            fix: vec![src(&["iam", "update-assume-role-policy", "--role-name", "Ec2Role", "--policy-document", TRUST])],
            fixed_copy: Copy { role: "arn:aws:iam::111111111111:role/Ec2Role".into(), ..Copy::to_dest() },
        },
        Row {
            name: "role without permissions",
            broken: vec![],
            copy: Copy { role: "arn:aws:iam::111111111111:role/BareRole".into(), ..Copy::to_dest() },
            message: "Access Denied trying to call AWS Backup service".into(),
            fix: vec![src(&["iam", "attach-role-policy", "--role-name", "BareRole", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"])],
            fixed_copy: Copy { role: "arn:aws:iam::111111111111:role/BareRole".into(), ..Copy::to_dest() },
        },
        Row {
            name: "destination vault key disabled",
            broken: vec![dst(&["kms", "disable-key", "--key-id", &dest_key])],
            copy: Copy::to_dest(),
            message: unusable.into(),
            fix: vec![dst(&["kms", "enable-key", "--key-id", &dest_key])],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "destination vault key not shared with the copy role",
            broken: vec![dst(&["kms", "put-key-policy", "--key-id", &dest_key, "--policy-name", "default", "--policy", &dest_key_policy(false)])],
            copy: Copy::to_dest(),
            message: unusable.into(),
            fix: vec![dst(&["kms", "put-key-policy", "--key-id", &dest_key, "--policy-name", "default", "--policy", &dest_key_policy(true)])],
            fixed_copy: Copy::to_dest(),
        },
        Row {
            name: "tags under the destination's tag policy",
            broken: vec![
                mgmt(&["organizations", "enable-policy-type", "--root-id", &root_id, "--policy-type", "TAG_POLICY"]),
                mgmt(&["organizations", "create-policy", "--name", "tags", "--description", "d", "--type", "TAG_POLICY", "--content", &tag_policy]),
                Step::Attach("tags", DEST, true),
                declare(VOLUME, &src_key, json!({"CostCenter": "999"})),
                volume_backup(),
            ],
            copy: Copy::to_dest(),
            message: "We are unable to copy resource tags to your backup because of the Internal Failure.".into(),
            fix: vec![declare(VOLUME, &src_key, json!({"CostCenter": "100"})), volume_backup()],
            fixed_copy: Copy::to_dest(),
        },
    ];
    let mut completed = 1;
    for row in rows {
        for step in &row.broken {
            t.step(step).await;
        }
        let job = t.copy(&row.copy).await;
        assert_eq!(s(&job, "/State"), "FAILED", "{}: {job}", row.name);
        assert_eq!(
            s(&job, "/StatusMessage"),
            row.message,
            "{}: {job}",
            row.name
        );
        for step in &row.fix {
            t.step(step).await;
        }
        let job = t.copy(&row.fixed_copy).await;
        assert_eq!(s(&job, "/State"), "COMPLETED", "{} fixed: {job}", row.name);
        assert!(s(&job, "/DestinationBackupVaultArn").contains(":222222222222:"));
        completed += 1;
    }
    // Every completed copy is a recovery point DEST owns in its vault.
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
    assert_eq!(
        points["RecoveryPoints"].as_array().map(Vec::len),
        Some(completed)
    );
    emu.stop().await;
}
