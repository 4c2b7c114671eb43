//! What a logically air-gapped or restore access vault carries beyond a standard vault, as
//! persisted (`Vault::air_gap`); the handlers are in `backup/airgap.rs`.

use serde::{Deserialize, Serialize};

/// What a LAG or restore access vault carries beyond a standard vault.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AirGapInfo {
    /// Restore access vault: the LAG vault it gives access to.
    #[serde(default)]
    pub source_vault_arn: Option<String>,
    #[serde(default)]
    pub requester_comment: Option<String>,
    /// Restore access vault: the MPA session that approves its creation.
    #[serde(default)]
    pub mpa_session_arn: Option<String>,
    /// LAG vault: the team in force before `latest_mpa_update` is approved.
    #[serde(default)]
    pub mpa_approval_team_arn: Option<String>,
    #[serde(default)]
    pub latest_mpa_update: Option<MpaUpdate>,
}

/// A change of a LAG vault's approval team, which the current team must approve.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MpaUpdate {
    pub session_arn: String,
    pub initiation_date: f64,
    pub expiry_date: f64,
    /// keyhole's clock: the team approves at this time.
    pub approve_at: f64,
    /// The team once approved; `None` for a disassociation.
    #[serde(default)]
    pub new_team: Option<String>,
}
