//! AWS Backup state: per account and region ([`BackupState`] in `RegionState`), and the
//! world-wide part ([`BackupWorld`]): organization-level global settings, declared resources
//! and keyhole's own job settings.

pub mod airgap;
pub mod audit;
pub mod indexes;
pub mod job_list;
pub mod restore_testing;
pub mod scans;
pub mod schedule;
pub mod tiering;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::world::tracked::Tracked;

/// One account's Backup state in one region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackupState {
    #[serde(default)]
    pub vaults: Tracked<Vault>,
    /// Backup and copy jobs, indexed in their list order (job_list.rs).
    #[serde(default)]
    pub backup_jobs: job_list::JobList<Job>,
    #[serde(default)]
    pub copy_jobs: job_list::JobList<Job>,
    #[serde(default)]
    pub restore_jobs: Tracked<RestoreJob>,
    #[serde(default)]
    pub plans: Tracked<Plan>,
    /// Tags by resource ARN (vaults, plans, recovery points).
    #[serde(default)]
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub region_settings: RegionSettings,
    #[serde(default)]
    pub legal_holds: Tracked<LegalHold>,
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
    pub recovery_points: Tracked<RecoveryPoint>,
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

/// The model's VaultState. keyhole keeps no vault state: a vault is CREATING until its
/// `available_at` (air-gapped and restore access vaults), then AVAILABLE; none fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VaultState {
    Creating,
    Available,
    Failed,
}

impl VaultState {
    pub const ALL: [VaultState; 3] = [
        VaultState::Creating,
        VaultState::Available,
        VaultState::Failed,
    ];

    /// The wire name (`AVAILABLE`).
    pub fn as_str(self) -> &'static str {
        match self {
            VaultState::Creating => "CREATING",
            VaultState::Available => "AVAILABLE",
            VaultState::Failed => "FAILED",
        }
    }
}

impl std::fmt::Display for VaultState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A backup or copy job's state: the botocore model's BackupJobState (CopyJobState is its
/// subset CREATED, RUNNING, COMPLETED, FAILED, PARTIAL). The wire name is the serde name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    #[default]
    Created,
    Pending,
    Running,
    Aborting,
    Aborted,
    Completed,
    Failed,
    Expired,
    Partial,
}

impl JobState {
    pub const ALL: [JobState; 9] = [
        JobState::Created,
        JobState::Pending,
        JobState::Running,
        JobState::Aborting,
        JobState::Aborted,
        JobState::Completed,
        JobState::Failed,
        JobState::Expired,
        JobState::Partial,
    ];

    /// The wire name (`COMPLETED`).
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Created => "CREATED",
            JobState::Pending => "PENDING",
            JobState::Running => "RUNNING",
            JobState::Aborting => "ABORTING",
            JobState::Aborted => "ABORTED",
            JobState::Completed => "COMPLETED",
            JobState::Failed => "FAILED",
            JobState::Expired => "EXPIRED",
            JobState::Partial => "PARTIAL",
        }
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job's MessageCategory. The model leaves it a free string; these are the categories
/// keyhole's jobs end with (the dashboards doc's "Reasons for problematic jobs" names
/// AccessDenied and InvalidParameters; SUCCESS and ABORTED are the state's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageCategory {
    #[serde(rename = "SUCCESS")]
    Success,
    #[serde(rename = "ABORTED")]
    Aborted,
    #[serde(rename = "AccessDenied")]
    AccessDenied,
    #[serde(rename = "InvalidParameters")]
    InvalidParameters,
}

impl MessageCategory {
    pub const ALL: [MessageCategory; 4] = [
        MessageCategory::Success,
        MessageCategory::Aborted,
        MessageCategory::AccessDenied,
        MessageCategory::InvalidParameters,
    ];

    /// The wire name (`AccessDenied`).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageCategory::Success => "SUCCESS",
            MessageCategory::Aborted => "ABORTED",
            MessageCategory::AccessDenied => "AccessDenied",
            MessageCategory::InvalidParameters => "InvalidParameters",
        }
    }
}

impl std::fmt::Display for MessageCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    pub state: JobState,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub message_category: Option<MessageCategory>,
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

impl job_list::Listed for Job {
    fn id(&self) -> &str {
        &self.id
    }
    fn creation_date(&self) -> f64 {
        self.creation_date
    }
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

#[cfg(test)]
mod wire_names {
    use super::*;

    #[test]
    fn job_states_keep_their_wire_names() {
        let expected = [
            "CREATED",
            "PENDING",
            "RUNNING",
            "ABORTING",
            "ABORTED",
            "COMPLETED",
            "FAILED",
            "EXPIRED",
            "PARTIAL",
        ];
        for (state, name) in JobState::ALL.into_iter().zip(expected) {
            assert_eq!(state.as_str(), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(serde_json::to_value(state).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<JobState>(name.into()).unwrap(),
                state
            );
        }
        assert_eq!(JobState::ALL.len(), expected.len());
    }

    #[test]
    fn vault_states_keep_their_wire_names() {
        let expected = ["CREATING", "AVAILABLE", "FAILED"];
        for (state, name) in VaultState::ALL.into_iter().zip(expected) {
            assert_eq!(state.as_str(), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(serde_json::to_value(state).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<VaultState>(name.into()).unwrap(),
                state
            );
        }
        assert_eq!(VaultState::ALL.len(), expected.len());
    }

    #[test]
    fn message_categories_keep_their_wire_names() {
        let expected = ["SUCCESS", "ABORTED", "AccessDenied", "InvalidParameters"];
        for (category, name) in MessageCategory::ALL.into_iter().zip(expected) {
            assert_eq!(category.as_str(), name);
            assert_eq!(category.to_string(), name);
            assert_eq!(serde_json::to_value(category).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<MessageCategory>(name.into()).unwrap(),
                category
            );
        }
        assert_eq!(MessageCategory::ALL.len(), expected.len());
    }
}
