//! A recovery point's backup index as persisted (`RecoveryPoint::index`); the handlers are in
//! `backup/indexes.rs`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BackupIndex {
    pub creation_date: f64,
    /// keyhole's clock: PENDING until then, ACTIVE after.
    pub complete_at: f64,
    #[serde(default)]
    pub iam_role_arn: Option<String>,
    /// Set when the index was disabled.
    #[serde(default)]
    pub deletion_date: Option<f64>,
    /// keyhole's clock: DELETING until then, gone after.
    #[serde(default)]
    pub delete_at: Option<f64>,
}
