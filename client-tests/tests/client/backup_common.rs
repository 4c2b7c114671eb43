//! Set-up the AWS Backup client tests share: clients, the backup role, keyhole's clock and
//! job duration, organizations, and error assertions.

use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::{HandshakeParty, HandshakePartyType};
use keyhole::Emulator;
use serde_json::{json, Value};

use crate::common;

// The cross-account copy world: SRC backs VOLUME up with ROLE and copies into DST's vault.
pub const SRC: &str = "111111111111";
pub const DST: &str = "222222222222";
pub const VOLUME: &str = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";
pub const DEST_VAULT: &str = "arn:aws:backup:us-east-1:222222222222:backup-vault:dest";
pub const ROLE: &str = "arn:aws:iam::111111111111:role/BackupRole";
pub const VAULT_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}]}"#;
/// DST's vault key, shared with SRC's copy role: "The source account's copy role must have
/// access permissions to both the source and destination CMKs" (devguide
/// logicallyairgappedvault.html: kms:DescribeKey, kms:CreateGrant).
pub const DEST_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"source copy role","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["kms:DescribeKey","kms:CreateGrant"],"Resource":"*"}]}"#;

pub const TRUST_BACKUP: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
pub const BACKUP_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup";

pub async fn client(emu: &Emulator, account: &str) -> aws_sdk_backup::Client {
    aws_sdk_backup::Client::new(&emu.sdk_config(account).await)
}

/// An emulator and a Backup client of `account` on it.
pub async fn start(account: &str) -> (Emulator, aws_sdk_backup::Client) {
    let emu = common::start().await;
    let backup = client(&emu, account).await;
    (emu, backup)
}

/// `BackupRole` in `account`, trusted by AWS Backup, with AWS's backup policy; its ARN.
pub async fn backup_role(emu: &Emulator, account: &str) -> String {
    let iam = aws_sdk_iam::Client::new(&emu.sdk_config(account).await);
    iam.create_role()
        .role_name("BackupRole")
        .assume_role_policy_document(TRUST_BACKUP)
        .send()
        .await
        .expect("CreateRole");
    iam.attach_role_policy()
        .role_name("BackupRole")
        .policy_arn(BACKUP_POLICY)
        .send()
        .await
        .expect("AttachRolePolicy");
    format!("arn:aws:iam::{account}:role/BackupRole")
}

/// POSTs to a keyhole admin endpoint, which must answer 200.
pub async fn admin_ok(emu: &Emulator, path: &str, body: &Value) {
    let (status, text) = common::admin_post(emu, path, body).await;
    assert_eq!(status, 200, "{text}");
}

pub async fn job_duration(emu: &Emulator, seconds: f64) {
    admin_ok(
        emu,
        "/_keyhole/backup/job-duration",
        &json!({"seconds": seconds}),
    )
    .await;
}

pub async fn advance(emu: &Emulator, seconds: f64) {
    admin_ok(emu, "/_keyhole/clock/advance", &json!({"seconds": seconds})).await;
}

/// `account` joins the organization `orgs` (a client of its management account) manages.
pub async fn join(emu: &Emulator, orgs: &aws_sdk_organizations::Client, account: &str) {
    let invite = orgs
        .invite_account_to_organization()
        .target(
            HandshakeParty::builder()
                .r#type(HandshakePartyType::Account)
                .id(account)
                .build()
                .expect("party"),
        )
        .send()
        .await
        .expect("InviteAccountToOrganization");
    let id = invite.handshake().and_then(|h| h.id()).expect("handshake");
    aws_sdk_organizations::Client::new(&emu.sdk_config(account).await)
        .accept_handshake()
        .handshake_id(id)
        .send()
        .await
        .expect("AcceptHandshake");
}

/// The error's code and message, to the letter.
pub fn assert_error(err: &impl ProvideErrorMetadata, code: &str, message: &str) {
    assert_eq!(err.code(), Some(code));
    assert_eq!(err.message(), Some(message));
}
