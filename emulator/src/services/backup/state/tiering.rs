//! Tiering configurations as persisted (`BackupState::tiering`); the handlers are in
//! `backup/tiering.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TieringState {
    #[serde(default)]
    pub configurations: BTreeMap<String, TieringConfiguration>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TieringConfiguration {
    pub name: String,
    pub arn: String,
    pub vault_name: String,
    /// `ResourceSelection` as submitted.
    pub selection: Value,
    #[serde(default)]
    pub creator_request_id: Option<String>,
    pub creation_time: f64,
    pub last_updated_time: f64,
}
