//! Restore testing plans, selections and the jobs they started, as persisted
//! (`Scheduled::restore_testing`); the handlers are in `backup/restore_testing.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RestoreTesting {
    /// By name.
    #[serde(default)]
    pub plans: BTreeMap<String, TestingPlan>,
    /// The restore jobs restore testing started, by restore job id.
    #[serde(default)]
    pub jobs: BTreeMap<String, TestingJob>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TestingPlan {
    pub name: String,
    pub arn: String,
    pub creation_time: f64,
    #[serde(default)]
    pub creator_request_id: Option<String>,
    #[serde(default)]
    pub last_update_time: Option<f64>,
    #[serde(default)]
    pub last_execution_time: Option<f64>,
    pub schedule_expression: String,
    #[serde(default)]
    pub schedule_expression_timezone: Option<String>,
    #[serde(default)]
    pub start_window_hours: Option<i64>,
    /// `RecoveryPointSelection` with AWS's defaults filled in.
    pub recovery_point_selection: Value,
    /// By name.
    #[serde(default)]
    pub selections: BTreeMap<String, TestingSelection>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TestingSelection {
    pub name: String,
    pub creation_time: f64,
    #[serde(default)]
    pub creator_request_id: Option<String>,
    #[serde(default)]
    pub update_time: Option<f64>,
    /// The `RestoreTestingSelection` document (without its name).
    pub selection: Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TestingJob {
    pub plan_arn: String,
    pub plan_name: String,
    pub selection_name: String,
    #[serde(default)]
    pub validation_status: Option<String>,
    #[serde(default)]
    pub validation_status_message: Option<String>,
}
