//! Audit Manager state as persisted (`BackupState::audit`): frameworks, report plans and report
//! jobs; the handlers are in `backup/audit.rs` and `backup/reports.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One account's Audit Manager state in one Region.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditState {
    #[serde(default)]
    pub frameworks: BTreeMap<String, Framework>,
    #[serde(default)]
    pub report_plans: BTreeMap<String, ReportPlan>,
    #[serde(default)]
    pub report_jobs: BTreeMap<String, ReportJob>,
}

/// A create or update in progress until `until` on keyhole's clock.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// `CREATE` or `UPDATE`.
    pub kind: String,
    pub until: f64,
}

impl Deployment {
    /// `duration` is the configured job duration (`settings.job_duration_seconds`), passed in
    /// so the state layer does not read the world.
    pub(crate) fn new(kind: &str, duration: f64, now: f64) -> Deployment {
        Deployment {
            kind: kind.to_owned(),
            until: now + duration,
        }
    }

    pub fn status(&self, now: f64) -> String {
        if now < self.until {
            format!("{}_IN_PROGRESS", self.kind)
        } else {
            "COMPLETED".to_owned()
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Framework {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `FrameworkControls` as submitted.
    pub controls: Value,
    pub creation_time: f64,
    #[serde(default)]
    pub idempotency_token: Option<String>,
    pub deployment: Deployment,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportPlan {
    pub name: String,
    pub arn: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `ReportDeliveryChannel`, with the default format filled in.
    pub delivery_channel: Value,
    /// `ReportSetting` as submitted.
    pub setting: Value,
    pub creation_time: f64,
    #[serde(default)]
    pub idempotency_token: Option<String>,
    pub deployment: Deployment,
    #[serde(default)]
    pub last_attempted: Option<f64>,
    #[serde(default)]
    pub last_successful: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportJob {
    pub id: String,
    pub account: String,
    pub region: String,
    pub plan_name: String,
    pub plan_arn: String,
    pub template: String,
    /// The plan's `ReportSetting` when the job started.
    pub setting: Value,
    pub formats: Vec<String>,
    pub bucket: String,
    pub s3_keys: Vec<String>,
    pub creation_time: f64,
    /// When the job completes on keyhole's clock.
    pub finish_at: f64,
    #[serde(default)]
    pub settled: bool,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub completion_time: Option<f64>,
    #[serde(default)]
    pub idempotency_token: Option<String>,
    /// The report by format (`CSV`, `JSON`).
    #[serde(default)]
    pub content: BTreeMap<String, String>,
    /// Controls the report could not evaluate, with the reason.
    #[serde(default)]
    pub not_evaluated: Vec<String>,
}

impl ReportJob {
    pub fn visible_status(&self, now: f64) -> &str {
        if self.settled {
            &self.status
        } else if now > self.creation_time {
            "RUNNING"
        } else {
            "CREATED"
        }
    }
}
