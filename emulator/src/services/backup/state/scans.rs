//! Malware scan jobs as persisted (`BackupState::scans`); the handlers are in `backup/scans.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScanState {
    #[serde(default)]
    pub jobs: BTreeMap<String, ScanJob>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScanJob {
    pub id: String,
    pub account: String,
    pub creation_date: f64,
    /// keyhole's clock: the job shows its final state from then on.
    pub finish_at: f64,
    /// COMPLETED or FAILED, decided when the job starts.
    pub final_state: String,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub scan_result_status: Option<String>,
    pub vault_name: String,
    pub vault_arn: String,
    pub recovery_point_arn: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub iam_role_arn: String,
    pub scanner_role_arn: String,
    pub malware_scanner: String,
    pub scan_mode: String,
    #[serde(default)]
    pub scan_base_recovery_point_arn: Option<String>,
    pub scan_id: String,
    #[serde(default)]
    pub idempotency_token: Option<String>,
}
