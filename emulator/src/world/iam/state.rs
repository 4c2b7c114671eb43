//! IAM's per-account state. IAM is global: one `IamState` per account, no regions.
//! Entity maps are keyed by the lower-cased name because IAM names are unique without
//! regard to case ("MyRole" and "myrole" cannot both exist); each entity keeps its spelling.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IamState {
    #[serde(default)]
    pub users: crate::world::tracked::Tracked<User>,
    #[serde(default)]
    pub roles: crate::world::tracked::Tracked<Role>,
    #[serde(default)]
    pub groups: crate::world::tracked::Tracked<Group>,
    /// Customer-managed policies, by lower-cased name (names are unique whatever the path).
    #[serde(default)]
    pub policies: crate::world::tracked::Tracked<ManagedPolicy>,
    /// Long-term access keys (AKIA...), by id. The signing secret lives in
    /// `World::credentials`; this is IAM's view (owner, status, dates).
    #[serde(default)]
    pub access_keys: crate::world::tracked::Tracked<AccessKey>,
    /// STS sessions whose principal lives in this account, by temporary access key id.
    #[serde(default)]
    pub sessions: crate::world::tracked::Tracked<Session>,
    /// DeleteServiceLinkedRole tasks, by DeletionTaskId.
    #[serde(default)]
    pub deletion_tasks: BTreeMap<String, DeletionTask>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
}

/// What every principal-like entity can carry: inline policies, attached managed policies
/// and a permissions boundary.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Policies {
    /// Inline policies in insertion order: (name, document as submitted).
    #[serde(default)]
    pub inline: Vec<(String, String)>,
    /// Attached managed policy ARNs, in attachment order.
    #[serde(default)]
    pub attached: Vec<String>,
}

impl Policies {
    pub fn inline_get(&self, name: &str) -> Option<&(String, String)> {
        self.inline.iter().find(|(n, _)| n == name)
    }

    /// Inserts or replaces an inline policy, keeping its position when replaced.
    pub fn inline_put(&mut self, name: &str, document: &str) {
        match self.inline.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = document.to_owned(),
            None => self.inline.push((name.to_owned(), document.to_owned())),
        }
    }

    pub fn inline_remove(&mut self, name: &str) -> bool {
        let before = self.inline.len();
        self.inline.retain(|(n, _)| n != name);
        before != self.inline.len()
    }

    /// Total size of the inline documents without whitespace, as IAM's aggregate quota
    /// counts it.
    pub fn inline_size_without(&self, except: &str) -> usize {
        self.inline
            .iter()
            .filter(|(n, _)| n != except)
            .map(|(_, d)| size_without_whitespace(d))
            .sum()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date: f64,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub policies: Policies,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// The partition of the request that created it; its ARN keeps it.
    #[serde(
        default = "crate::arn::default_partition",
        skip_serializing_if = "crate::arn::is_default"
    )]
    pub partition: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date: f64,
    /// The trust policy, as submitted (decoded).
    pub assume_role_policy_document: String,
    #[serde(default)]
    pub description: Option<String>,
    pub max_session_duration: i64,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub policies: Policies,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// Epoch seconds and region of the last AssumeRole.
    #[serde(default)]
    pub last_used: Option<(f64, String)>,
    /// Service-linked roles can only be changed by their service.
    #[serde(default)]
    pub service_linked: bool,
    /// The partition of the request that created it; its ARN keeps it.
    #[serde(
        default = "crate::arn::default_partition",
        skip_serializing_if = "crate::arn::is_default"
    )]
    pub partition: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub name: String,
    pub path: String,
    pub id: String,
    pub create_date: f64,
    /// Member user names (their current spelling), in the order added.
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub policies: Policies,
    /// The partition of the request that created it; its ARN keeps it.
    #[serde(
        default = "crate::arn::default_partition",
        skip_serializing_if = "crate::arn::is_default"
    )]
    pub partition: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PolicyVersion {
    pub version_id: String,
    pub document: String,
    pub create_date: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManagedPolicy {
    pub name: String,
    pub path: String,
    pub id: String,
    pub arn: String,
    pub create_date: f64,
    pub update_date: f64,
    #[serde(default)]
    pub description: Option<String>,
    pub default_version_id: String,
    pub versions: Vec<PolicyVersion>,
    /// Version numbers are never reused: v1, v2, ... even after deletions.
    pub next_version: u32,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl ManagedPolicy {
    pub fn default_document(&self) -> &str {
        self.versions
            .iter()
            .find(|v| v.version_id == self.default_version_id)
            .map(|v| v.document.as_str())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccessKey {
    pub access_key_id: String,
    /// `None` for the account root's own keys.
    pub user_name: Option<String>,
    /// "Active" or "Inactive".
    pub status: String,
    pub create_date: f64,
    /// Epoch seconds, service and region of the last use.
    #[serde(default)]
    pub last_used: Option<(f64, String, String)>,
}

/// A temporary-credential session issued by STS, with what the policy engine needs
/// beyond the principal: session policies, session tags, source identity.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub access_key_id: String,
    /// The STS operation that issued it (AssumeRole, GetSessionToken, ...).
    pub issued_by: String,
    pub expiration: f64,
    /// The inline session policy (`Policy` parameter), as submitted.
    #[serde(default)]
    pub policy: Option<String>,
    /// Managed session policies (`PolicyArns`).
    #[serde(default)]
    pub policy_arns: Vec<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Lower-cased keys of the session tags that pass on to chained sessions.
    #[serde(default)]
    pub transitive_tag_keys: Vec<String>,
    #[serde(default)]
    pub source_identity: Option<String>,
    /// The IAM user a GetFederationToken/GetSessionToken session belongs to.
    #[serde(default)]
    pub parent_user: Option<String>,
    /// True when a role session assumed this role (role chaining: 1 hour at most).
    #[serde(default)]
    pub chained: bool,
    /// The ARN of the principal that created the session (for the record).
    #[serde(default)]
    pub issuer_arn: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeletionTask {
    pub role_name: String,
    /// SUCCEEDED, IN_PROGRESS, FAILED or NOT_STARTED.
    pub status: String,
}

pub fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// IAM's measure of a policy's size against its quotas: characters other than whitespace.
pub fn size_without_whitespace(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}
