//! Is a fix broader than it needs to be? keyhole reads a world's resource and identity
//! policies through the API, as a client would, and asks the one evaluator a fixed set of
//! questions that a least-privilege fix never changes: may an account outside the lab's
//! accounts use a key, copy into a vault or assume a role; may another account use a key
//! beyond what a copy needs; may a role do anything anywhere. A learner's fix is too broad when it allows
//! an answer that the scenario's own fix, applied to the same broken world, does not.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::policy::simulate::{simulate, SimulationRequest};
use crate::scenario::refs::at_path;
use crate::scenario::transport::{Credentials, Transport};

/// An account no lab uses: it stands for "anyone outside".
pub const OUTSIDER: &str = "999999999999";

/// What an outsider must never be able to do to a lab's resources.
const OUTSIDER_KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"];
const OUTSIDER_VAULT_ACTIONS: &[&str] = &["backup:CopyIntoBackupVault"];
/// What another account of the lab never needs on a key it does not own: actions a key
/// policy can open to another account (management actions such as kms:PutKeyPolicy cannot
/// be, so `kms:*` shows only through these) that no backup or copy uses.
const BEYOND_COPY_KEY_ACTIONS: &[&str] = &[
    "kms:Sign",
    "kms:GenerateMac",
    "kms:GetKeyRotationStatus",
    "kms:GetPublicKey",
];
/// What no role of a backup lab needs, on any resource.
const ROLE_NEVER_ACTIONS: &[&str] = &[
    "iam:CreateUser",
    "iam:PutRolePolicy",
    "kms:ScheduleKeyDeletion",
    "backup:DeleteBackupVault",
    "organizations:LeaveOrganization",
];

/// One thing a world allows: `principal` may `action` on `resource`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Allowed {
    pub kind: Exposure,
    pub principal: String,
    pub action: String,
    pub resource: String,
}

/// Why the answer matters, which words explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exposure {
    /// Someone outside the lab's accounts.
    Outside,
    /// Another account of the lab, beyond using the resource.
    OtherAccount,
    /// A role, on every resource.
    AnyResource,
}

/// Every answer of the fixed questions that `world` allows; `accounts` are the lab's.
pub fn allowed(world: &mut dyn Transport, accounts: &[String], region: &str) -> BTreeSet<Allowed> {
    let mut found = BTreeSet::new();
    for account in accounts {
        let others: Vec<String> = accounts
            .iter()
            .filter(|a| *a != account)
            .map(|a| root(a))
            .collect();
        let mut reader = Reader {
            world: &mut *world,
            credentials: Credentials::root(account),
            region,
        };
        for (arn, policy) in reader.key_policies() {
            ask(
                &mut found,
                Exposure::Outside,
                &policy,
                account,
                &[root(OUTSIDER)],
                OUTSIDER_KEY_ACTIONS,
                &arn,
            );
            ask(
                &mut found,
                Exposure::OtherAccount,
                &policy,
                account,
                &others,
                BEYOND_COPY_KEY_ACTIONS,
                &arn,
            );
        }
        for (arn, policy) in reader.vault_policies() {
            ask(
                &mut found,
                Exposure::Outside,
                &policy,
                account,
                &[root(OUTSIDER)],
                OUTSIDER_VAULT_ACTIONS,
                &arn,
            );
        }
        for role in reader.roles() {
            ask(
                &mut found,
                Exposure::Outside,
                &role.trust,
                account,
                &[root(OUTSIDER)],
                &["sts:AssumeRole"],
                &role.arn,
            );
            for action in ROLE_NEVER_ACTIONS {
                let request = SimulationRequest {
                    policy_input_list: role.policies.clone(),
                    permissions_boundary_policy_input_list: role.boundary.iter().cloned().collect(),
                    caller_arn: Some(role.arn.clone()),
                    action_names: vec![(*action).to_owned()],
                    resource_arns: vec!["*".to_owned()],
                    ..SimulationRequest::default()
                };
                if is_allowed(&request) {
                    found.insert(Allowed {
                        kind: Exposure::AnyResource,
                        principal: role.arn.clone(),
                        action: (*action).to_owned(),
                        resource: "*".to_owned(),
                    });
                }
            }
        }
    }
    found
}

fn root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

/// Asks whether `resource_policy` (of a resource `owner` holds) lets each principal do each
/// action, with the principal's own identity policies allowing everything: the resource's
/// policy alone decides, as it does for another account.
#[allow(clippy::too_many_arguments)]
fn ask(
    found: &mut BTreeSet<Allowed>,
    kind: Exposure,
    resource_policy: &str,
    owner: &str,
    principals: &[String],
    actions: &[&str],
    resource: &str,
) {
    for principal in principals {
        for action in actions {
            let request = SimulationRequest {
                policy_input_list: vec![
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}).to_string(),
                ],
                resource_policy: Some(resource_policy.to_owned()),
                resource_owner: Some(root(owner)),
                caller_arn: Some(principal.clone()),
                action_names: vec![(*action).to_owned()],
                resource_arns: vec![resource.to_owned()],
                ..SimulationRequest::default()
            };
            if is_allowed(&request) {
                found.insert(Allowed {
                    kind,
                    principal: principal.clone(),
                    action: (*action).to_owned(),
                    resource: resource.to_owned(),
                });
            }
        }
    }
}

/// A policy the simulator refuses allows nothing.
fn is_allowed(request: &SimulationRequest) -> bool {
    simulate(request).is_ok_and(|answer| {
        answer
            .evaluation_results
            .iter()
            .any(|r| r.eval_decision == "allowed")
    })
}

struct Role {
    arn: String,
    trust: String,
    policies: Vec<String>,
    boundary: Option<String>,
}

/// Reads one account's policies through the API as its root.
struct Reader<'w> {
    world: &'w mut dyn Transport,
    credentials: Credentials,
    region: &'w str,
}

impl Reader<'_> {
    fn call(&mut self, service: &str, operation: &str, input: Value) -> Option<Value> {
        self.world
            .call(&self.credentials, self.region, service, operation, input)
            .ok()
    }

    /// Customer managed keys and their key policies.
    fn key_policies(&mut self) -> Vec<(String, String)> {
        let keys = self.call("kms", "ListKeys", json!({})).unwrap_or_default();
        let mut out = Vec::new();
        for key in keys["Keys"].as_array().into_iter().flatten() {
            let Some(arn) = key["KeyArn"].as_str() else {
                continue;
            };
            let described = self.call("kms", "DescribeKey", json!({"KeyId": arn}));
            if described
                .as_ref()
                .and_then(|d| at_path(d, "KeyMetadata.KeyManager"))
                .and_then(Value::as_str)
                != Some("CUSTOMER")
            {
                continue;
            }
            if let Some(policy) = self.call(
                "kms",
                "GetKeyPolicy",
                json!({"KeyId": arn, "PolicyName": "default"}),
            ) {
                out.push((
                    arn.to_owned(),
                    policy["Policy"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
        out
    }

    /// Vaults that have an access policy.
    fn vault_policies(&mut self) -> Vec<(String, String)> {
        let vaults = self
            .call("backup", "ListBackupVaults", json!({}))
            .unwrap_or_default();
        let mut out = Vec::new();
        for vault in vaults["BackupVaultList"].as_array().into_iter().flatten() {
            let (Some(name), Some(arn)) = (
                vault["BackupVaultName"].as_str(),
                vault["BackupVaultArn"].as_str(),
            ) else {
                continue;
            };
            if let Some(policy) = self.call(
                "backup",
                "GetBackupVaultAccessPolicy",
                json!({"BackupVaultName": name}),
            ) {
                if let Some(text) = policy["Policy"].as_str() {
                    out.push((arn.to_owned(), text.to_owned()));
                }
            }
        }
        out
    }

    /// Roles other than service-linked ones, with their trust, identity and boundary policies.
    fn roles(&mut self) -> Vec<Role> {
        let roles = self.call("iam", "ListRoles", json!({})).unwrap_or_default();
        let mut out = Vec::new();
        for role in roles["Roles"].as_array().into_iter().flatten() {
            let (Some(name), Some(arn)) = (role["RoleName"].as_str(), role["Arn"].as_str()) else {
                continue;
            };
            if role["Path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/aws-service-role/"))
            {
                continue;
            }
            let detail = self
                .call("iam", "GetRole", json!({"RoleName": name}))
                .unwrap_or_default();
            let trust = decoded(
                detail["Role"]["AssumeRolePolicyDocument"]
                    .as_str()
                    .unwrap_or_default(),
            );
            let mut policies = Vec::new();
            let inline = self
                .call("iam", "ListRolePolicies", json!({"RoleName": name}))
                .unwrap_or_default();
            for policy in inline["PolicyNames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if let Some(p) = self.call(
                    "iam",
                    "GetRolePolicy",
                    json!({"RoleName": name, "PolicyName": policy}),
                ) {
                    policies.push(decoded(p["PolicyDocument"].as_str().unwrap_or_default()));
                }
            }
            let attached = self
                .call("iam", "ListAttachedRolePolicies", json!({"RoleName": name}))
                .unwrap_or_default();
            for policy in attached["AttachedPolicies"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let Some(text) = policy["PolicyArn"]
                    .as_str()
                    .and_then(|a| self.managed_policy(a))
                {
                    policies.push(text);
                }
            }
            let boundary = detail["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
                .as_str()
                .and_then(|a| self.managed_policy(a));
            out.push(Role {
                arn: arn.to_owned(),
                trust,
                policies,
                boundary,
            });
        }
        out
    }

    /// A managed policy's default version.
    fn managed_policy(&mut self, arn: &str) -> Option<String> {
        let policy = self.call("iam", "GetPolicy", json!({"PolicyArn": arn}))?;
        let version = policy["Policy"]["DefaultVersionId"].as_str()?.to_owned();
        let document = self.call(
            "iam",
            "GetPolicyVersion",
            json!({"PolicyArn": arn, "VersionId": version}),
        )?;
        Some(decoded(document["PolicyVersion"]["Document"].as_str()?))
    }
}

/// IAM answers policy documents URL-encoded.
fn decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map_or_else(|_| text.to_owned(), |t| t.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::transport::InProcess;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}"#;

    fn world_with_key_policy(policy: &str) -> (InProcess, String) {
        let mut world = InProcess::new("us-east-1");
        let root = Credentials::root("111111111111");
        let key = world
            .call(&root, "us-east-1", "kms", "CreateKey", json!({}))
            .unwrap();
        let arn = key["KeyMetadata"]["Arn"].as_str().unwrap().to_owned();
        world
            .call(&root, "us-east-1", "kms", "PutKeyPolicy", json!({"KeyId": arn, "PolicyName": "default", "Policy": policy, "BypassPolicyLockoutSafetyCheck": true}))
            .unwrap();
        (world, arn)
    }

    fn accounts() -> Vec<String> {
        vec!["111111111111".into(), "222222222222".into()]
    }

    #[test]
    fn an_owner_only_key_exposes_nothing() {
        let (mut world, _) = world_with_key_policy(POLICY);
        assert_eq!(
            allowed(&mut world, &accounts(), "us-east-1"),
            BTreeSet::new()
        );
    }

    #[test]
    fn kms_star_for_the_other_account_and_principal_star_are_found() {
        let wide = POLICY.replace(
            r#"{"AWS":"arn:aws:iam::111111111111:root"}"#,
            r#"{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:root"]}"#,
        );
        let (mut world, arn) = world_with_key_policy(&wide);
        let found = allowed(&mut world, &accounts(), "us-east-1");
        let managed: Vec<&str> = found
            .iter()
            .filter(|a| {
                a.kind == Exposure::OtherAccount
                    && a.principal == "arn:aws:iam::222222222222:root"
                    && a.resource == arn
            })
            .map(|a| a.action.as_str())
            .collect();
        assert_eq!(
            managed,
            [
                "kms:GenerateMac",
                "kms:GetKeyRotationStatus",
                "kms:GetPublicKey",
                "kms:Sign"
            ]
        );
        assert!(found.iter().all(|a| a.kind != Exposure::Outside));

        let public = POLICY.replace(r#"{"AWS":"arn:aws:iam::111111111111:root"}"#, r#""*""#);
        let (mut world, _) = world_with_key_policy(&public);
        let outside: Vec<String> = allowed(&mut world, &accounts(), "us-east-1")
            .into_iter()
            .filter(|a| a.kind == Exposure::Outside)
            .map(|a| a.action)
            .collect();
        assert_eq!(
            outside,
            ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey"]
        );
    }

    #[test]
    fn principal_star_limited_to_the_organization_does_not_expose_the_key_outside() {
        let org = POLICY.replace(
            r#"{"AWS":"arn:aws:iam::111111111111:root"}"#,
            r#""*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}"#,
        );
        let (mut world, _) = world_with_key_policy(&org);
        assert!(allowed(&mut world, &accounts(), "us-east-1")
            .iter()
            .all(|a| a.kind != Exposure::Outside));
    }
}
