//! The seed file's shape (`"keyholeSeed": 1`): a world described by what exists in it, with
//! the identifiers a test relies on fixed by the file. docs/seed-files.md documents it and
//! docs/seed.schema.json is its JSON Schema. Every struct refuses unknown fields, so a
//! misspelt member is an error with its line, never a silently missing object.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::services::iam::seed::AccountSeed as IamSeed;

/// The only version this keyhole reads and writes.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedFile {
    /// For editors: the JSON Schema's address; keyhole ignores it.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub keyhole_seed: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsSeed>,
    /// By 12-digit account id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, AccountEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationSeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupWorldSeed>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsSeed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict_auth: Option<bool>,
    /// `arn` or `legacy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_message_style: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountEntry {
    /// The account's name and email, as Organizations shows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iam: Option<IamSeed>,
    /// By Region name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, RegionSeed>,
    /// Assumed-role sessions of this account's roles, with fixed credentials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sts_sessions: Vec<StsSessionSeed>,
}

/// An STS session of one of the account's roles (what AssumeRole issues), with the
/// credentials a test saved.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StsSessionSeed {
    /// A role of this account, in this file or the world.
    pub role_name: String,
    pub session_name: String,
    /// `ASIA...`.
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Epoch seconds; a session already expired is refused as AWS refuses its key.
    pub expiration: f64,
    /// The inline session policy (object or string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Lower-cased keys of the tags that pass on to chained sessions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tag_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// A role session assumed this one (role chaining).
    #[serde(default, skip_serializing_if = "is_false")]
    pub chained: bool,
    /// The ARN of the principal that assumed the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegionSeed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms: Option<KmsSeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupRegionSeed>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KmsSeed {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeySeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<AliasSeed>,
    /// AWS managed keys (`alias/aws/SERVICE`) with fixed ids and material; a service makes
    /// any other on first use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aws_managed_keys: Vec<AwsManagedKeySeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AwsManagedKeySeed {
    /// The service of `alias/aws/SERVICE`: backup, ebs, s3, ...
    pub service: String,
    pub key_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub material: Vec<MaterialSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeySeed {
    /// A UUID, or `mrk-` and 32 hex digits for a multi-Region key.
    pub key_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<String>,
    /// false: the key is disabled (DisableKey).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// The key policy (object or string); omitted: KMS's default key policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Automatic rotation, every so many days (EnableKeyRotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_period_days: Option<i64>,
    /// The key's material versions; omitted: new material, as CreateKey makes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub material: Vec<MaterialSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<GrantSeed>,
    /// A replica (ReplicateKey) of the multi-Region key with this id in this Region of the
    /// account; its material and spec are the primary's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
    /// ScheduleKeyDeletion: the key is pending deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_deletion: Option<PendingDeletionSeed>,
    /// Rotation history (ListKeyRotations), oldest first; each names a material version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rotations: Vec<RotationSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PendingDeletionSeed {
    /// 7 to 30, as ScheduleKeyDeletion takes it.
    pub pending_window_days: i64,
    /// Epoch seconds; omitted: the window from the time the seed is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotationSeed {
    /// One of the key's material ids.
    pub key_material_id: String,
    /// `AUTOMATIC` or `ON_DEMAND`.
    pub rotation_type: String,
    /// Epoch seconds; omitted: the time the seed is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_date: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MaterialSeed {
    /// The key material id: 64 hex digits.
    pub id: String,
    /// base64 of the material: 32 raw bytes for SYMMETRIC_DEFAULT, the raw bytes for HMAC,
    /// DER PKCS#8 for RSA and ECC private keys.
    pub bytes: String,
    /// The version new encryptions use; exactly one version is current.
    #[serde(default, skip_serializing_if = "is_false")]
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrantSeed {
    /// 64 hex digits, as KMS makes them; omitted: a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub grantee_principal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retiring_principal: Option<String>,
    pub operations: Vec<String>,
    /// CreateGrant's Constraints: EncryptionContextEquals / EncryptionContextSubset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AliasSeed {
    /// `alias/...`.
    pub name: String,
    /// A key id of this file (same account and Region) or already in the world.
    pub target_key_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackupRegionSeed {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vaults: Vec<VaultSeed>,
    /// UpdateRegionSettings' ResourceTypeOptInPreference.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_type_opt_in: BTreeMap<String, bool>,
    /// UpdateRegionSettings' ResourceTypeManagementPreference.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_type_management: BTreeMap<String, bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<PlanSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanSeed {
    /// A UUID; omitted: a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_request_id: Option<String>,
    /// Every version, oldest first (CreateBackupPlan, then UpdateBackupPlan); the last is
    /// current. At least one.
    pub versions: Vec<PlanVersionSeed>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selections: Vec<SelectionSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanVersionSeed {
    /// omitted: a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The `BackupPlan` document; a rule's `RuleId`, when given, is kept.
    pub plan: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectionSeed {
    /// omitted: a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_request_id: Option<String>,
    /// The `BackupSelection` document (SelectionName, IamRoleArn, Resources, ...).
    pub selection: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VaultSeed {
    pub name: String,
    /// A KMS key ARN (a key of this file or already in the world); omitted: the account's
    /// AWS managed key `aws/backup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key_arn: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The vault's access policy (object or string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_policy: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<VaultLockSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VaultLockSeed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_retention_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retention_days: Option<i64>,
    /// Compliance mode: the lock becomes immutable this many days after the seed is applied
    /// (at least 3). Omitted: governance mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changeable_for_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganizationSeed {
    /// `o-` and 10 to 32 lowercase letters or digits; omitted: a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub management_account: String,
    /// `ALL` (the default) or `CONSOLIDATED_BILLING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_set: Option<String>,
    /// `r-` and 4 to 32 lowercase letters or digits; omitted: a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_id: Option<String>,
    /// SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY, TAG_POLICY, BACKUP_POLICY, ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enabled_policy_types: Vec<String>,
    /// Member accounts directly under the root (the management account is always a member).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    /// The OUs under the root, each with its own OUs and accounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<UnitSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<OrgPolicySeed>,
    /// Omitted: every target keeps the AWS managed policies AWS attaches (FullAWSAccess,
    /// RCPFullAWSAccess). Given: exactly these attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentSeed>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnitSeed {
    /// `ou-` and the root's letters, a dash and 8 to 32 letters or digits; omitted: new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<UnitSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgPolicySeed {
    /// `p-` and 8 to 128 lowercase letters or digits; omitted: a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY, TAG_POLICY, BACKUP_POLICY, ...
    #[serde(rename = "type")]
    pub policy_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The policy document (object or string).
    pub content: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentSeed {
    /// A policy's name or id in this file, or an AWS managed policy's id (p-FullAWSAccess).
    pub policy: String,
    /// `root`, the root's id, an OU's id or name in this file, or a member account id.
    pub target: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackupWorldSeed {
    /// Resources AWS Backup may protect (`POST /_keyhole/resources`), by ARN.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub declared_resources: BTreeMap<String, DeclaredResourceSeed>,
    /// Seconds from a job's start to its end; 0: jobs end when first seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_duration_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_rds_cross_region_and_account: Option<bool>,
    /// UpdateGlobalSettings, by account (isCrossAccountBackupEnabled, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub global_settings: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeclaredResourceSeed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Overrides the type read from the ARN (DocumentDB and Neptune share RDS's ARNs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}
