//! Whole worlds: accounts in an organization tree (root, organizational units, accounts),
//! SCPs and RCPs attached at any node, KMS keys and Backup vaults with their policies, and
//! the principals that live there. `World::scenario` turns a request in the world into the
//! layers AWS would evaluate: SCP and RCP levels from the root down the account's path,
//! the resource's policy, the caller's identity policies.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;

use crate::policy::context::Context;
use crate::policy::evaluate::ResourcePolicyKind;
use crate::policy::principal::Principal;

use super::generators::{policy_json, rcp_json, Scenario, ACCOUNTS};

/// A node of the organization tree: the root, an OU, or an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Root,
    Ou(usize),
    Account(String),
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub account: String,
    pub arn: String,
    pub kind: ResourcePolicyKind,
    pub policy: Value,
}

#[derive(Debug, Clone)]
pub struct World {
    pub accounts: Vec<String>,
    /// Each OU's parent: `None` is the root.
    pub ous: Vec<Option<usize>>,
    /// Each account's parent OU (`None`: directly under the root).
    pub placement: Vec<Option<usize>>,
    /// Policies attached to nodes.
    pub scps: Vec<(Node, Value)>,
    pub rcps: Vec<(Node, Value)>,
    pub keys: Vec<Resource>,
    pub vaults: Vec<Resource>,
    /// Identity policies of each account's principals.
    pub identity: Vec<(String, Value)>,
}

impl World {
    /// Root, OUs from the top, then the account: the levels SCPs and RCPs are read at.
    pub fn path(&self, account: &str) -> Vec<Node> {
        let Some(i) = self.accounts.iter().position(|a| a == account) else {
            return Vec::new();
        };
        let mut ous = Vec::new();
        let mut at = self.placement[i];
        while let Some(ou) = at {
            if ous.contains(&ou) {
                break;
            }
            ous.push(ou);
            at = self.ous[ou];
        }
        let mut path = vec![Node::Root];
        path.extend(ous.into_iter().rev().map(Node::Ou));
        path.push(Node::Account(account.to_string()));
        path
    }

    fn levels(&self, attached: &[(Node, Value)], account: &str) -> Option<Vec<Vec<Value>>> {
        let path = self.path(account);
        if path.is_empty() || attached.is_empty() {
            return None;
        }
        Some(
            path.iter()
                .map(|node| {
                    let here: Vec<Value> = attached
                        .iter()
                        .filter(|(n, _)| n == node)
                        .map(|(_, p)| p.clone())
                        .collect();
                    // A node without a policy of its own keeps AWS's default FullAWSAccess.
                    if here.is_empty() {
                        vec![serde_json::json!({"Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})]
                    } else {
                        here
                    }
                })
                .collect(),
        )
    }

    /// The request of `principal` for `action` on `resource` (one of the world's keys or
    /// vaults), with every layer the world puts around it.
    pub fn scenario(&self, principal: &Principal, action: &str, resource: &Resource) -> Scenario {
        let account = principal.account.clone().unwrap_or_default();
        let scp_levels = self.levels(&self.scps, &account).map(|levels| {
            levels
                .into_iter()
                .map(|l| l.into_iter().map(without_principal).collect())
                .collect()
        });
        Scenario {
            principal: principal.clone(),
            action: action.to_string(),
            resource: resource.arn.clone(),
            resource_account: resource.account.clone(),
            context: Context::default(),
            kind: resource.kind,
            identity: self
                .identity
                .iter()
                .filter(|(a, _)| *a == account)
                .map(|(_, p)| p.clone())
                .collect(),
            boundary: None,
            session: Vec::new(),
            scp_levels,
            rcp_levels: self.levels(&self.rcps, &resource.account),
            resource_policy: Some(resource.policy.clone()),
        }
    }
}

fn without_principal(mut doc: Value) -> Value {
    for st in doc["Statement"].as_array_mut().into_iter().flatten() {
        if let Some(o) = st.as_object_mut() {
            o.remove("Principal");
        }
    }
    doc
}

fn node(accounts: usize, ous: usize) -> impl Strategy<Value = Node> {
    prop_oneof![
        Just(Node::Root),
        (0..ous.max(1)).prop_map(move |i| if ous == 0 { Node::Root } else { Node::Ou(i) }),
        (0..accounts).prop_map(|i| Node::Account(ACCOUNTS[i].to_string())),
    ]
}

/// A world of two or three accounts, up to three OUs, a few guardrails, keys and vaults.
pub fn world() -> impl Strategy<Value = World> {
    (2..=ACCOUNTS.len(), 0..=3usize).prop_flat_map(|(n, ou_count)| {
        let accounts: Vec<String> = ACCOUNTS[..n].iter().map(|a| a.to_string()).collect();
        let parents = vec(proptest::option::of(0..ou_count.max(1)), ou_count);
        let placement = vec(proptest::option::of(0..ou_count.max(1)), n);
        (
            Just(accounts),
            parents,
            placement,
            vec((node(n, ou_count), policy_json(false)), 0..3),
            vec((node(n, ou_count), rcp_json()), 0..2),
            vec((0..n, policy_json(true)), 1..3),
            vec((0..n, policy_json(true)), 0..2),
            vec((0..n, policy_json(false)), 1..4),
        )
            .prop_map(
                move |(accounts, parents, placement, scps, rcps, keys, vaults, identity)| {
                    // An OU's parent comes before it, so the tree has no cycle.
                    let ous = parents
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| p.filter(|&p| p < i))
                        .collect();
                    let placement = placement
                        .into_iter()
                        .map(|p| p.filter(|_| ou_count > 0))
                        .collect();
                    let resource = |(i, policy): (usize, Value), kind| {
                        let account: String = accounts[i].clone();
                        let arn = match kind {
                            ResourcePolicyKind::KmsKeyPolicy => {
                                format!("arn:aws:kms:us-east-1:{account}:key/k{i}")
                            }
                            _ => format!("arn:aws:backup:us-east-1:{account}:backup-vault:v{i}"),
                        };
                        Resource {
                            account,
                            arn,
                            kind,
                            policy,
                        }
                    };
                    World {
                        keys: keys
                            .into_iter()
                            .map(|k| resource(k, ResourcePolicyKind::KmsKeyPolicy))
                            .collect(),
                        vaults: vaults
                            .into_iter()
                            .map(|v| resource(v, ResourcePolicyKind::BackupVault))
                            .collect(),
                        identity: identity
                            .into_iter()
                            .map(|(i, p)| (accounts[i].clone(), p))
                            .collect(),
                        accounts,
                        ous,
                        placement,
                        scps,
                        rcps,
                    }
                },
            )
    })
}
