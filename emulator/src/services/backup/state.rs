//! AWS Backup state: per account and region ([`BackupState`] in `RegionState`), and the
//! world-wide part ([`BackupWorld`]): organization-level global settings, declared resources
//! and keyhole's own job settings.

pub mod airgap;
pub mod audit;
pub mod indexes;
pub mod restore_testing;
pub mod scans;
pub mod schedule;
pub mod tiering;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One account's Backup state in one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackupState {
    #[serde(default)]
    pub vaults: BTreeMap<String, Vault>,
    #[serde(default)]
    pub backup_jobs: BTreeMap<String, Job>,
    #[serde(default)]
    pub copy_jobs: BTreeMap<String, Job>,
    #[serde(default)]
    pub restore_jobs: BTreeMap<String, RestoreJob>,
    #[serde(default)]
    pub plans: BTreeMap<String, Plan>,
    /// Tags by resource ARN (vaults, plans, recovery points).
    #[serde(default)]
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub region_settings: RegionSettings,
    #[serde(default)]
    pub legal_holds: BTreeMap<String, LegalHold>,
    /// Malware scan jobs (scans.rs).
    #[serde(default)]
    pub scans: scans::ScanState,
    #[serde(default)]
    pub audit: audit::AuditState,
    #[serde(default)]
    pub tiering: tiering::TieringState,
    /// Schedules' cursors and restore testing.
    #[serde(default)]
    pub scheduled: schedule::Scheduled,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LegalHold {
    pub id: String,
    pub arn: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub creation_date: f64,
    /// The `RecoveryPointSelection` as submitted.
    #[serde(default)]
    pub selection: Value,
    #[serde(default)]
    pub cancel_description: Option<String>,
    #[serde(default)]
    pub cancellation_date: Option<f64>,
    #[serde(default)]
    pub retain_record_until: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Vault {
    pub name: String,
    pub arn: String,
    pub creation_date: f64,
    #[serde(default)]
    pub creator_request_id: Option<String>,
    pub encryption_key_arn: String,
    /// The key is the account's `aws/backup` key.
    #[serde(default)]
    pub aws_managed_key: bool,
    #[serde(default)]
    pub access_policy: Option<String>,
    #[serde(default)]
    pub notifications: Option<Notifications>,
    #[serde(default)]
    pub lock: Option<VaultLock>,
    /// Recovery points by ARN.
    #[serde(default)]
    pub recovery_points: BTreeMap<String, RecoveryPoint>,
    /// `None`: BACKUP_VAULT; else LOGICALLY_AIR_GAPPED_BACKUP_VAULT or
    /// RESTORE_ACCESS_BACKUP_VAULT.
    #[serde(default)]
    pub vault_type: Option<String>,
    /// Epoch seconds when a vault being created becomes AVAILABLE (`None`: available).
    #[serde(default)]
    pub available_at: Option<f64>,
    /// Restore access source and MPA approval team (airgap.rs).
    #[serde(default)]
    pub air_gap: airgap::AirGapInfo,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Notifications {
    pub sns_topic_arn: String,
    pub events: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct VaultLock {
    pub min_retention_days: Option<i64>,
    pub max_retention_days: Option<i64>,
    /// Epoch seconds when the lock becomes immutable (compliance mode), if set.
    pub lock_date: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    pub delete_after_days: Option<i64>,
    pub move_to_cold_storage_after_days: Option<i64>,
    pub opt_in_to_archive_for_supported_resources: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryPoint {
    pub arn: String,
    pub vault_name: String,
    pub vault_arn: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub creation_date: f64,
    pub completion_date: f64,
    pub encryption_key_arn: String,
    /// The key is an AWS managed or AWS owned key.
    #[serde(default)]
    pub aws_managed_key: bool,
    pub iam_role_arn: String,
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    pub status: String,
    #[serde(default)]
    pub source_backup_vault_arn: Option<String>,
    #[serde(default)]
    pub created_by: Option<Value>,
    pub backup_size_in_bytes: i64,
    #[serde(default)]
    pub last_restore_time: Option<f64>,
    /// The composite recovery point this one is a child of.
    #[serde(default)]
    pub parent_recovery_point_arn: Option<String>,
    /// Its backup index (indexes.rs).
    #[serde(default)]
    pub index: Option<indexes::BackupIndex>,
}

/// A backup or copy job.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub account: String,
    pub region: String,
    pub creation_date: f64,
    /// Epoch seconds when the job reaches its final state (keyhole's job duration).
    pub finish_at: f64,
    /// The final state has been decided and its effects applied.
    #[serde(default)]
    pub settled: bool,
    pub state: String,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub message_category: Option<String>,
    #[serde(default)]
    pub completion_date: Option<f64>,
    pub resource_arn: String,
    pub resource_type: String,
    pub iam_role_arn: String,
    /// Backup: the target vault; copy: the source vault.
    pub vault_name: String,
    pub vault_arn: String,
    /// Backup: the recovery point it creates; copy: the source recovery point.
    pub recovery_point_arn: String,
    #[serde(default)]
    pub destination_vault_arn: Option<String>,
    #[serde(default)]
    pub destination_recovery_point_arn: Option<String>,
    #[serde(default)]
    pub encryption_key_arn: Option<String>,
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    #[serde(default)]
    pub created_by: Option<Value>,
    #[serde(default)]
    pub recovery_point_tags: BTreeMap<String, String>,
    /// Copies to start when this backup job completes (a plan rule's CopyActions).
    #[serde(default)]
    pub then_copy: Vec<CopyAction>,
    #[serde(default)]
    pub backup_size_in_bytes: i64,
    /// Why the job ended as it did: one line per check, with the deciding policy.
    #[serde(default)]
    pub decision_record: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CopyAction {
    pub destination_backup_vault_arn: String,
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RestoreJob {
    pub id: String,
    pub account: String,
    pub creation_date: f64,
    pub completion_date: f64,
    pub status: String,
    #[serde(default)]
    pub status_message: Option<String>,
    pub recovery_point_arn: String,
    pub recovery_point_creation_date: f64,
    pub vault_arn: String,
    pub resource_type: String,
    pub source_resource_arn: String,
    #[serde(default)]
    pub created_resource_arn: Option<String>,
    #[serde(default)]
    pub iam_role_arn: Option<String>,
    pub backup_size_in_bytes: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub id: String,
    pub arn: String,
    pub creation_date: f64,
    #[serde(default)]
    pub creator_request_id: Option<String>,
    #[serde(default)]
    pub deletion_date: Option<f64>,
    #[serde(default)]
    pub last_execution_date: Option<f64>,
    /// Every version, oldest first; the last one is current.
    pub versions: Vec<PlanVersion>,
    #[serde(default)]
    pub selections: BTreeMap<String, Selection>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlanVersion {
    pub version_id: String,
    pub creation_date: f64,
    /// The `BackupPlan` document as AWS returns it (rules with their RuleIds).
    pub plan: Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub id: String,
    pub creation_date: f64,
    #[serde(default)]
    pub creator_request_id: Option<String>,
    /// The `BackupSelection` document as submitted.
    pub selection: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RegionSettings {
    /// Types opted out (every type is opted in unless listed here as false).
    #[serde(default)]
    pub opt_in: BTreeMap<String, bool>,
    /// ResourceTypeManagementPreference: full AWS Backup management (DynamoDB, EFS).
    #[serde(default = "default_management")]
    pub management: BTreeMap<String, bool>,
}

fn default_management() -> BTreeMap<String, bool> {
    // Accounts created since late 2021 have DynamoDB advanced features on by default.
    [("DynamoDB".to_owned(), true), ("EFS".to_owned(), true)]
        .into_iter()
        .collect()
}

impl Default for RegionSettings {
    fn default() -> Self {
        RegionSettings {
            opt_in: BTreeMap::new(),
            management: default_management(),
        }
    }
}

/// World-wide Backup state.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackupWorld {
    /// Global settings (isCrossAccountBackupEnabled, ...) by management account.
    #[serde(default)]
    pub global_settings: BTreeMap<String, GlobalSettings>,
    /// Resources declared through `POST /_keyhole/resources`, by ARN.
    #[serde(default)]
    pub resources: BTreeMap<String, DeclaredResource>,
    #[serde(default)]
    pub settings: EngineSettings,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GlobalSettings {
    pub values: BTreeMap<String, String>,
    pub last_update_time: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeclaredResource {
    #[serde(default)]
    pub kms_key_arn: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Overrides the type read from the ARN (`DocumentDB`, `Neptune` share RDS's ARNs).
    #[serde(default)]
    pub resource_type: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EngineSettings {
    /// Seconds from a job's creation to its final state; 0: final when first seen.
    #[serde(default)]
    pub job_duration_seconds: f64,
    /// AWS allows RDS-family copies across Region and account in one job since Nov 2025;
    /// keyhole keeps the older restriction unless this is set.
    #[serde(default)]
    pub allow_rds_cross_region_and_account: bool,
}
