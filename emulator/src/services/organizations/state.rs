//! Organizations' state: global (not per region), one or more organizations keyed by id;
//! an account belongs to at most one. Handshakes and responsibility transfers live beside
//! the organizations because their parties may be outside any organization.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::world::tracked::Tracked;

/// The AWS-managed SCP attached everywhere when SCPs are enabled.
pub const FULL_AWS_ACCESS: &str = "p-FullAWSAccess";
/// The AWS-managed RCP attached everywhere when RCPs are enabled.
pub const RCP_FULL_AWS_ACCESS: &str = "p-RCPFullAWSAccess";

pub const SCP: &str = "SERVICE_CONTROL_POLICY";
pub const RCP: &str = "RESOURCE_CONTROL_POLICY";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationsState {
    #[serde(default)]
    pub organizations: Tracked<Organization>,
    #[serde(default)]
    pub handshakes: Tracked<Handshake>,
    #[serde(default)]
    pub transfers: BTreeMap<String, ResponsibilityTransfer>,
    /// Name and email each account is known by, kept when it leaves an organization.
    #[serde(default)]
    pub profiles: BTreeMap<String, AccountProfile>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccountProfile {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: String,
    pub feature_set: String,
    pub management_account: String,
    pub created: f64,
    pub root: Root,
    #[serde(default)]
    pub ous: Tracked<OrganizationalUnit>,
    /// Every account in the organization, the management account included.
    #[serde(default)]
    pub accounts: Tracked<Member>,
    /// Customer-managed policies; the AWS-managed ones are [`managed_policy`].
    #[serde(default)]
    pub policies: Tracked<Policy>,
    /// In attachment order, which is the order policies of one level are merged in.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default)]
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    /// Trusted access: service principal → date enabled.
    #[serde(default)]
    pub service_access: BTreeMap<String, f64>,
    /// Account → service principal → delegation date.
    #[serde(default)]
    pub delegated_admins: BTreeMap<String, BTreeMap<String, f64>>,
    #[serde(default)]
    pub create_account_requests: Vec<CreateAccountRequest>,
    #[serde(default)]
    pub resource_policy: Option<ResourcePolicy>,
    /// Policy type → last change of a policy or attachment of that type.
    #[serde(default)]
    pub policy_changes: BTreeMap<String, f64>,
    /// The partition of the request that created it; every ARN of it keeps it.
    #[serde(
        default = "crate::arn::default_partition",
        skip_serializing_if = "crate::arn::is_default"
    )]
    pub partition: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Root {
    pub id: String,
    pub name: String,
    /// Enabled policy types, in the order they were enabled.
    #[serde(default)]
    pub policy_types: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationalUnit {
    pub id: String,
    pub name: String,
    pub parent_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: String,
    pub parent_id: String,
    /// INVITED or CREATED.
    pub joined_method: String,
    pub joined_timestamp: f64,
    /// ACTIVE, SUSPENDED or PENDING_CLOSURE (the model's AccountStatus).
    pub status: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub description: String,
    pub policy_type: String,
    pub content: String,
    #[serde(default)]
    pub aws_managed: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub policy_id: String,
    pub target_id: String,
}

/// The model's HandshakeState. The wire name (and the persisted one) is the serde name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HandshakeState {
    Requested,
    /// A new handshake waits for its recipient.
    #[default]
    Open,
    Canceled,
    Accepted,
    Declined,
    Expired,
}

impl HandshakeState {
    pub const ALL: [HandshakeState; 6] = [
        HandshakeState::Requested,
        HandshakeState::Open,
        HandshakeState::Canceled,
        HandshakeState::Accepted,
        HandshakeState::Declined,
        HandshakeState::Expired,
    ];

    /// The wire name (`ACCEPTED`).
    pub fn as_str(self) -> &'static str {
        match self {
            HandshakeState::Requested => "REQUESTED",
            HandshakeState::Open => "OPEN",
            HandshakeState::Canceled => "CANCELED",
            HandshakeState::Accepted => "ACCEPTED",
            HandshakeState::Declined => "DECLINED",
            HandshakeState::Expired => "EXPIRED",
        }
    }
}

impl std::fmt::Display for HandshakeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The model's CreateAccountState. The wire name (and the persisted one) is the serde name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CreateAccountState {
    /// What the CreateAccount answer itself says.
    #[default]
    InProgress,
    Succeeded,
    Failed,
}

impl CreateAccountState {
    pub const ALL: [CreateAccountState; 3] = [
        CreateAccountState::InProgress,
        CreateAccountState::Succeeded,
        CreateAccountState::Failed,
    ];

    /// The wire name (`SUCCEEDED`).
    pub fn as_str(self) -> &'static str {
        match self {
            CreateAccountState::InProgress => "IN_PROGRESS",
            CreateAccountState::Succeeded => "SUCCEEDED",
            CreateAccountState::Failed => "FAILED",
        }
    }
}

impl std::fmt::Display for CreateAccountState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateAccountRequest {
    pub id: String,
    pub account_name: String,
    pub requested: f64,
    pub completed: f64,
    /// SUCCEEDED or FAILED once reported; the CreateAccount answer itself says IN_PROGRESS.
    pub state: CreateAccountState,
    pub account_id: Option<String>,
    pub gov_cloud_account_id: Option<String>,
    pub failure_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePolicy {
    pub id: String,
    pub content: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub id: String,
    pub party_type: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Handshake {
    pub id: String,
    pub org_id: String,
    /// The management account of the originating organization (for the ARN).
    pub management_account: String,
    /// The partition of the originating organization, for the ARN.
    #[serde(
        default = "crate::arn::default_partition",
        skip_serializing_if = "crate::arn::is_default"
    )]
    pub partition: String,
    pub action: String,
    pub parties: Vec<Party>,
    /// The model's HandshakeResource list, as JSON.
    pub resources: Value,
    /// REQUESTED, OPEN, CANCELED, ACCEPTED, DECLINED; EXPIRED is derived from the clock.
    pub state: HandshakeState,
    pub requested: f64,
    pub expiration: f64,
    #[serde(default)]
    pub parent_handshake_id: Option<String>,
    /// Tags to put on the account when it accepts an invitation.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub transfer_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResponsibilityTransfer {
    pub id: String,
    pub name: String,
    pub transfer_type: String,
    /// The organization whose responsibility is transferred (the invitee).
    pub source_org: String,
    pub source_account: String,
    /// The organization that takes the responsibility (the inviter).
    pub target_org: String,
    pub target_account: String,
    pub status: String,
    pub start: f64,
    pub end: Option<f64>,
    pub handshake_id: String,
}

/// The AWS-managed policies every organization sees.
pub fn managed_policy(id: &str) -> Option<Policy> {
    let (name, description, policy_type, principal) = match id {
        FULL_AWS_ACCESS => ("FullAWSAccess", "Allows access to every operation", SCP, ""),
        RCP_FULL_AWS_ACCESS => (
            "RCPFullAWSAccess",
            "Allows access to every resource",
            RCP,
            "\n      \"Principal\": \"*\",",
        ),
        _ => return None,
    };
    Some(Policy {
        id: id.to_owned(),
        name: name.to_owned(),
        description: description.to_owned(),
        policy_type: policy_type.to_owned(),
        content: format!(
            "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n      \"Effect\": \"Allow\",{principal}\n      \"Action\": \"*\",\n      \"Resource\": \"*\"\n    }}\n  ]\n}}"
        ),
        aws_managed: true,
    })
}

/// The AWS-managed policy a policy type attaches everywhere when enabled.
pub fn default_policy_for(policy_type: &str) -> Option<&'static str> {
    match policy_type {
        SCP => Some(FULL_AWS_ACCESS),
        RCP => Some(RCP_FULL_AWS_ACCESS),
        _ => None,
    }
}

/// What an id in the tree names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Root,
    Ou,
    Account,
}

impl NodeKind {
    pub fn target_type(self) -> &'static str {
        match self {
            NodeKind::Root => "ROOT",
            NodeKind::Ou => "ORGANIZATIONAL_UNIT",
            NodeKind::Account => "ACCOUNT",
        }
    }
}

impl Organization {
    /// `arn:<partition>:organizations::<management account>:<resource>`.
    fn arn_for(&self, resource: &str) -> String {
        crate::arn::global(
            &self.partition,
            "organizations",
            &self.management_account,
            resource,
        )
    }

    pub fn arn(&self) -> String {
        self.arn_for(&format!("organization/{}", self.id))
    }

    pub fn account_arn(&self, account: &str) -> String {
        self.arn_for(&format!("account/{}/{account}", self.id))
    }

    pub fn root_arn(&self) -> String {
        self.arn_for(&format!("root/{}/{}", self.id, self.root.id))
    }

    pub fn ou_arn(&self, ou: &str) -> String {
        self.arn_for(&format!("ou/{}/{ou}", self.id))
    }

    pub fn policy_arn(&self, policy: &Policy) -> String {
        self.arn_of_policy(&policy.id, &policy.policy_type, policy.aws_managed)
    }

    /// The ARN of policy `id` (stored, or AWS-managed when not stored) without copying it:
    /// AccessDenied messages name the denying SCP or RCP by it.
    pub fn policy_arn_by_id(&self, id: &str, policy_type: &str) -> String {
        self.arn_of_policy(id, policy_type, !self.policies.contains_key(id))
    }

    fn arn_of_policy(&self, id: &str, policy_type: &str, aws_managed: bool) -> String {
        let kind = policy_type.to_ascii_lowercase();
        if aws_managed {
            crate::arn::global(
                &self.partition,
                "organizations",
                "aws",
                &format!("policy/{kind}/{id}"),
            )
        } else {
            self.arn_for(&format!("policy/{}/{kind}/{id}", self.id))
        }
    }

    pub fn resource_policy_arn(&self, id: &str) -> String {
        self.arn_for(&format!("resourcepolicy/{}/{id}", self.id))
    }

    pub fn node_kind(&self, id: &str) -> Option<NodeKind> {
        if id == self.root.id {
            Some(NodeKind::Root)
        } else if self.ous.contains_key(id) {
            Some(NodeKind::Ou)
        } else if self.accounts.contains_key(id) {
            Some(NodeKind::Account)
        } else {
            None
        }
    }

    pub fn is_parent(&self, id: &str) -> bool {
        id == self.root.id || self.ous.contains_key(id)
    }

    pub fn node_arn(&self, id: &str) -> Option<String> {
        Some(match self.node_kind(id)? {
            NodeKind::Root => self.root_arn(),
            NodeKind::Ou => self.ou_arn(id),
            NodeKind::Account => self.account_arn(id),
        })
    }

    pub fn node_name(&self, id: &str) -> Option<String> {
        Some(match self.node_kind(id)? {
            NodeKind::Root => self.root.name.clone(),
            NodeKind::Ou => self.ous.get(id)?.name.clone(),
            NodeKind::Account => self.accounts.get(id)?.name.clone(),
        })
    }

    pub fn parent_of(&self, id: &str) -> Option<&str> {
        if let Some(ou) = self.ous.get(id) {
            return Some(&ou.parent_id);
        }
        self.accounts.get(id).map(|a| a.parent_id.as_str())
    }

    /// The nodes from the root down to `id`, both included.
    pub fn lineage(&self, id: &str) -> Vec<String> {
        let mut chain = vec![id.to_owned()];
        let mut current = id.to_owned();
        // The tree has no cycles, but a hand-edited state document might: stop anyway.
        for _ in 0..64 {
            match self.parent_of(&current) {
                Some(parent) => {
                    chain.push(parent.to_owned());
                    current = parent.to_owned();
                }
                None => break,
            }
        }
        chain.reverse();
        chain
    }

    /// The model's Path: `o-x/r-x/ou-x/.../<id>/` for an OU or account.
    pub fn path(&self, id: &str) -> String {
        let mut path = format!("{}/", self.id);
        for node in self.lineage(id) {
            path.push_str(&node);
            path.push('/');
        }
        path
    }

    /// `aws:PrincipalOrgPaths` for an account: the path of its parent.
    pub fn org_path_of_account(&self, account: &str) -> String {
        match self.parent_of(account) {
            Some(parent) => self.path(parent),
            None => format!("{}/", self.id),
        }
    }

    pub fn ou_depth(&self, id: &str) -> usize {
        self.lineage(id)
            .iter()
            .filter(|n| self.ous.contains_key(n.as_str()))
            .count()
    }

    pub fn is_enabled(&self, policy_type: &str) -> bool {
        self.root.policy_types.iter().any(|t| t == policy_type)
    }

    /// A policy by id, AWS-managed ones included.
    pub fn policy(&self, id: &str) -> Option<Policy> {
        self.policies
            .get(id)
            .cloned()
            .or_else(|| managed_policy(id))
    }

    /// Policies of `policy_type` attached to `target`, in attachment order.
    pub fn attached(&self, target: &str, policy_type: &str) -> Vec<Policy> {
        self.attachments
            .iter()
            .filter(|a| a.target_id == target)
            .filter_map(|a| self.policy(&a.policy_id))
            .filter(|p| p.policy_type == policy_type)
            .collect()
    }

    pub fn is_attached(&self, policy: &str, target: &str) -> bool {
        self.attachments
            .iter()
            .any(|a| a.policy_id == policy && a.target_id == target)
    }

    /// Attaches the AWS-managed default of every enabled type that has one.
    pub fn attach_defaults(&mut self, target: &str) {
        let defaults: Vec<&str> = self
            .root
            .policy_types
            .iter()
            .filter_map(|t| default_policy_for(t))
            .collect();
        for policy in defaults {
            if !self.is_attached(policy, target) {
                self.attachments.push(Attachment {
                    policy_id: policy.to_owned(),
                    target_id: target.to_owned(),
                });
            }
        }
    }

    /// Forgets everything about a node leaving the tree.
    pub fn forget_node(&mut self, id: &str) {
        self.attachments.retain(|a| a.target_id != id);
        self.tags.remove(id);
    }

    pub fn touch(&mut self, policy_type: &str, now: f64) {
        self.policy_changes.insert(policy_type.to_owned(), now);
    }
}

impl OrganizationsState {
    /// The organization `account` belongs to.
    pub fn org_of(&self, account: &str) -> Option<&Organization> {
        self.organizations
            .values()
            .find(|o| o.accounts.contains_key(account))
    }

    pub fn org_id_of(&self, account: &str) -> Option<String> {
        self.org_of(account).map(|o| o.id.clone())
    }

    pub fn profile(&self, account: &str) -> AccountProfile {
        self.profiles
            .get(account)
            .cloned()
            .unwrap_or_else(|| AccountProfile {
                name: account.to_owned(),
                email: format!("{account}@example.com"),
            })
    }

    pub fn email_in_use(&self, email: &str) -> bool {
        self.profiles
            .values()
            .any(|p| p.email.eq_ignore_ascii_case(email))
    }
}

/// `n` random characters from `alphabet`.
pub fn random_chars(n: usize, alphabet: &[u8]) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        for byte in uuid::Uuid::new_v4().as_bytes() {
            if out.len() == n {
                break;
            }
            let index = usize::from(*byte) % alphabet.len();
            out.push(char::from(alphabet[index]));
        }
    }
    out
}

pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
pub const DIGITS: &[u8] = b"0123456789";
pub const HEX: &[u8] = b"0123456789abcdef";

#[cfg(test)]
mod wire_names {
    use super::{CreateAccountState, HandshakeState};

    #[test]
    fn handshake_states_keep_their_wire_names() {
        let expected = [
            "REQUESTED",
            "OPEN",
            "CANCELED",
            "ACCEPTED",
            "DECLINED",
            "EXPIRED",
        ];
        for (state, name) in HandshakeState::ALL.into_iter().zip(expected) {
            assert_eq!(state.as_str(), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(serde_json::to_value(state).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<HandshakeState>(name.into()).unwrap(),
                state
            );
        }
        assert_eq!(HandshakeState::ALL.len(), expected.len());
    }

    #[test]
    fn create_account_states_keep_their_wire_names() {
        let expected = ["IN_PROGRESS", "SUCCEEDED", "FAILED"];
        for (state, name) in CreateAccountState::ALL.into_iter().zip(expected) {
            assert_eq!(state.as_str(), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(serde_json::to_value(state).unwrap(), name);
            assert_eq!(
                serde_json::from_value::<CreateAccountState>(name.into()).unwrap(),
                state
            );
        }
        assert_eq!(CreateAccountState::ALL.len(), expected.len());
    }
}
