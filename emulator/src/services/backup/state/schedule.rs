//! The scheduling state as persisted (`BackupState::scheduled`): each schedule's next fire
//! time, and restore testing; the clock that runs them is `backup/schedule.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::restore_testing::RestoreTesting;

/// Backup's scheduling state in one account and Region (`BackupState::scheduled`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Scheduled {
    /// Each schedule's next fire time, by `backup-plan/<plan id>/<rule id>` or
    /// `restore-testing-plan/<name>`.
    #[serde(default)]
    pub cursors: BTreeMap<String, Cursor>,
    #[serde(default)]
    pub restore_testing: RestoreTesting,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    /// The expression and time zone `next` was computed for.
    pub expression: String,
    #[serde(default)]
    pub timezone: Option<String>,
    /// Epoch seconds; `None`: the expression fires no more.
    #[serde(default)]
    pub next: Option<f64>,
}
