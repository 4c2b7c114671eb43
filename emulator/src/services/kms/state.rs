//! KMS state of one account in one region: keys (with their material, policy, grants,
//! tags and rotation schedule), aliases, and the secret that seals import tokens.

pub mod grant_list;
mod grant_record;

pub use grant_record::GrantRecord;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::crypto::{ImportTokenSealer, KeySpec, KeyUsage, KeyVersions};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct KmsState {
    /// By key id (a UUID, or `mrk-...` for multi-Region keys).
    #[serde(default)]
    pub keys: crate::world::tracked::Tracked<Key>,
    /// By alias name (`alias/...`).
    #[serde(default)]
    pub aliases: crate::world::tracked::Tracked<Alias>,
    /// Seals GetParametersForImport tokens; created on first use.
    #[serde(default)]
    pub sealer: Option<ImportTokenSealer>,
    /// By id (`cks-...`).
    #[serde(default)]
    pub custom_key_stores: BTreeMap<String, CustomKeyStore>,
}

/// A custom key store: a record with a connection state (no HSM or proxy behind it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomKeyStore {
    pub id: String,
    pub name: String,
    /// `AWS_CLOUDHSM` or `EXTERNAL_KEY_STORE`.
    pub store_type: String,
    pub cloud_hsm_cluster_id: Option<String>,
    pub trust_anchor_certificate: Option<String>,
    /// XksProxyConfiguration as the API shows it (never the credential's secret).
    pub xks_proxy: Option<serde_json::Value>,
    pub connection_state: String,
    pub creation_date: f64,
}

/// The model's `KeyState`. The wire name (and the persisted one) is the variant's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyState {
    Creating,
    Enabled,
    Disabled,
    PendingDeletion,
    PendingImport,
    PendingReplicaDeletion,
    Unavailable,
    Updating,
}

impl KeyState {
    pub const ALL: [KeyState; 8] = [
        KeyState::Creating,
        KeyState::Enabled,
        KeyState::Disabled,
        KeyState::PendingDeletion,
        KeyState::PendingImport,
        KeyState::PendingReplicaDeletion,
        KeyState::Unavailable,
        KeyState::Updating,
    ];

    /// The wire name (`PendingDeletion`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Creating => "Creating",
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingDeletion => "PendingDeletion",
            KeyState::PendingImport => "PendingImport",
            KeyState::PendingReplicaDeletion => "PendingReplicaDeletion",
            KeyState::Unavailable => "Unavailable",
            KeyState::Updating => "Updating",
        }
    }
}

impl std::fmt::Display for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Key {
    pub key_id: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    pub creation_date: f64,
    pub description: String,
    pub key_spec: KeySpec,
    pub key_usage: KeyUsage,
    /// `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    pub origin: String,
    /// `CUSTOMER` or `AWS`.
    pub key_manager: String,
    pub state: KeyState,
    pub deletion_date: Option<f64>,
    pub pending_window_days: Option<i64>,
    pub policy: String,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    pub multi_region: bool,
    pub material: KeyVersions,
    #[serde(default)]
    pub grants: grant_list::GrantList,
    /// Some(days) while automatic rotation is enabled.
    pub rotation_period_days: Option<i64>,
    pub next_rotation: Option<f64>,
    #[serde(default)]
    pub rotations: Vec<Rotation>,
    /// Imported material: when it expires (`KEY_MATERIAL_EXPIRES`).
    pub valid_to: Option<f64>,
    pub expiration_model: Option<String>,
    /// Keys in a custom key store.
    #[serde(default)]
    pub custom_key_store_id: Option<String>,
    /// Multi-Region keys: the primary's region and the replicas' (same on every copy).
    #[serde(default)]
    pub primary_region: Option<String>,
    #[serde(default)]
    pub replica_regions: Vec<String>,
    /// GetKeyLastUsage: when, which operation, which request.
    #[serde(default)]
    pub last_usage: Option<LastUsage>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LastUsage {
    pub timestamp: f64,
    pub operation: String,
    pub request_id: String,
}

impl Key {
    pub fn is_aws_managed(&self) -> bool {
        self.key_manager == "AWS"
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Rotation {
    pub key_material_id: String,
    pub rotation_date: f64,
    /// `AUTOMATIC` or `ON_DEMAND`.
    pub rotation_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    pub name: String,
    pub target_key_id: String,
    pub creation_date: f64,
    pub last_updated_date: f64,
}

#[cfg(test)]
mod wire_names {
    use super::KeyState;

    #[test]
    fn key_states_keep_their_wire_names() {
        let expected = [
            "Creating",
            "Enabled",
            "Disabled",
            "PendingDeletion",
            "PendingImport",
            "PendingReplicaDeletion",
            "Unavailable",
            "Updating",
        ];
        for (state, name) in KeyState::ALL.into_iter().zip(expected) {
            assert_eq!(state.as_str(), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(serde_json::to_value(state).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<KeyState>(name.into()).unwrap(),
                state
            );
        }
        assert_eq!(KeyState::ALL.len(), expected.len());
    }
}
