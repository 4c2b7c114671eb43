//! Read helpers for the authorization layer: everything the policy engine needs to know
//! about a principal beyond its ARN. Pure lookups over the world; no I/O, no decisions.
//!
//! Policy tuples are `(id, source type, document)`:
//! - id: the policy name for inline policies, the ARN for managed ones;
//! - source type: `user`, `group`, `role` (inline, by owner), `aws-managed`, `user-managed`
//!   (the simulator's `SourcePolicyType` values);
//! - document: the policy text as stored (not URL-encoded).

use super::aws_managed::{self, AwsManagedPolicy};
use super::state::{key, IamState, Policies, Session};
use crate::world::{is_account_id, Caller, CallerKind, World};

/// The account's IAM state, if the account exists (here, not in `state.rs`, so the
/// state layer does not read the world).
pub fn iam<'w>(world: &'w World, account: &str) -> Option<&'w IamState> {
    world.accounts.get(account).map(|a| &a.iam)
}

pub fn push_policies(
    world: &World,
    account: &str,
    policies: &Policies,
    inline_type: &str,
    out: &mut Vec<(String, String, String)>,
) {
    for (name, document) in &policies.inline {
        out.push((name.clone(), inline_type.to_owned(), document.clone()));
    }
    for arn in &policies.attached {
        if let Some((document, aws)) = managed_document(world, account, arn) {
            let kind = if aws { "aws-managed" } else { "user-managed" };
            out.push((arn.clone(), kind.to_owned(), document));
        }
    }
}

/// The IAM user whose identity policies apply to `caller`: the user itself, or the user
/// behind a GetFederationToken session.
fn user_name_of(world: &World, caller: &Caller) -> Option<String> {
    match &caller.kind {
        CallerKind::User { name, .. } => Some(name.clone()),
        CallerKind::FederatedUser { .. } => {
            session(world, caller).and_then(|s| s.parent_user.clone())
        }
        _ => None,
    }
}

/// The caller's identity-based policies: a user's inline and attached policies plus those
/// of its groups; a role session's role policies. The root has none (it needs none).
pub fn identity_policies(world: &World, caller: &Caller) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let Some(state) = iam(world, &caller.account) else {
        return out;
    };
    if let Some(name) = user_name_of(world, caller) {
        if let Some(user) = state.users.get(&key(&name)) {
            push_policies(world, &caller.account, &user.policies, "user", &mut out);
            for group in state
                .groups
                .values()
                .filter(|g| g.members.contains(&user.name))
            {
                push_policies(world, &caller.account, &group.policies, "group", &mut out);
            }
        }
    }
    if let CallerKind::AssumedRole { role_name, .. } = &caller.kind {
        if let Some(role) = state.roles.get(&key(role_name)) {
            push_policies(world, &caller.account, &role.policies, "role", &mut out);
        }
    }
    out
}

/// The caller's permissions boundary: (policy ARN, document).
pub fn permissions_boundary(world: &World, caller: &Caller) -> Option<(String, String)> {
    let state = iam(world, &caller.account)?;
    let arn = match &caller.kind {
        CallerKind::AssumedRole { role_name, .. } => state
            .roles
            .get(&key(role_name))?
            .permissions_boundary
            .clone()?,
        _ => {
            let name = user_name_of(world, caller)?;
            state.users.get(&key(&name))?.permissions_boundary.clone()?
        }
    };
    let (document, _) = managed_document(world, &caller.account, &arn)?;
    Some((arn, document))
}

/// The STS session behind the caller's temporary credentials, if any.
pub fn session<'w>(world: &'w World, caller: &Caller) -> Option<&'w Session> {
    iam(world, &caller.account)?
        .sessions
        .get(&caller.access_key_id)
}

/// The inline session policy (`Policy` parameter of AssumeRole, GetFederationToken, ...).
pub fn session_policy(world: &World, caller: &Caller) -> Option<String> {
    session(world, caller)?.policy.clone()
}

/// The id of a session's inline session policy, which has no ARN.
pub const INLINE_SESSION_POLICY: &str = "session-policy";

/// Every session policy: the inline one (id `session-policy`) and the managed ones passed
/// as `PolicyArns` (id: the ARN). An empty list means the session has no session policy.
pub fn session_policies(world: &World, caller: &Caller) -> Vec<(String, String)> {
    let Some(s) = session(world, caller) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(policy) = &s.policy {
        out.push((INLINE_SESSION_POLICY.to_owned(), policy.clone()));
    }
    for arn in &s.policy_arns {
        let document = managed_document(world, &caller.account, arn)
            .map(|(d, _)| d)
            // A session policy ARN that names nothing grants nothing.
            .unwrap_or_else(|| r#"{"Version":"2012-10-17","Statement":[]}"#.to_owned());
        out.push((arn.clone(), document));
    }
    out
}

/// `aws:PrincipalTag/...`: a user's tags; for a role session, the role's tags overridden
/// by the session tags; for a federated user, its session tags.
pub fn principal_tags(world: &World, caller: &Caller) -> Vec<(String, String)> {
    let Some(state) = iam(world, &caller.account) else {
        return Vec::new();
    };
    let mut tags: Vec<(String, String)> = match &caller.kind {
        CallerKind::User { name, .. } => state
            .users
            .get(&key(name))
            .map(|u| {
                u.tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        CallerKind::AssumedRole { role_name, .. } => state
            .roles
            .get(&key(role_name))
            .map(|r| {
                r.tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if let Some(s) = session(world, caller) {
        for tag in &s.tags {
            tags.retain(|(k, _)| !k.eq_ignore_ascii_case(&tag.key));
            tags.push((tag.key.clone(), tag.value.clone()));
        }
    }
    tags
}

/// `aws:SourceIdentity` of the caller's session.
pub fn source_identity(world: &World, caller: &Caller) -> Option<String> {
    session(world, caller)?.source_identity.clone()
}

/// Whether an AWS principal ARN (or account id) names something that exists, as KMS and
/// IAM check the principals of key policies and trust policies ("Policy contains a
/// statement with one or more invalid principals."). Accounts always exist; users and
/// roles must exist with that path; a role session exists when its role does.
pub fn principal_exists(world: &World, arn: &str) -> bool {
    if is_account_id(arn) {
        return true;
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, service, _, account, resource] = parts[..] else {
        return false;
    };
    if !parts[0].eq("arn") || !is_account_id(account) {
        return false;
    }
    let state = iam(world, account);
    let named = |rest: &str| -> Option<(String, String)> {
        let (path, name) = match rest.rfind('/') {
            Some(i) => (format!("/{}", &rest[..=i]), &rest[i + 1..]),
            None => ("/".to_owned(), rest),
        };
        Some((path, name.to_owned()))
    };
    match service {
        "iam" => {
            if resource == "root" {
                return true;
            }
            if let Some(rest) = resource.strip_prefix("user/") {
                let Some((path, name)) = named(rest) else {
                    return false;
                };
                return state
                    .and_then(|s| s.users.get(&key(&name)))
                    .is_some_and(|u| u.path == path && u.name == name);
            }
            if let Some(rest) = resource.strip_prefix("role/") {
                let Some((path, name)) = named(rest) else {
                    return false;
                };
                return state
                    .and_then(|s| s.roles.get(&key(&name)))
                    .is_some_and(|r| r.path == path && r.name == name);
            }
            false
        }
        "sts" => {
            if let Some(rest) = resource.strip_prefix("assumed-role/") {
                let role = rest.split('/').next().unwrap_or_default();
                return state
                    .and_then(|s| s.roles.get(&key(role)))
                    .is_some_and(|r| r.name == role);
            }
            resource.starts_with("federated-user/")
        }
        _ => false,
    }
}

/// A managed policy an ARN names: AWS's, or a customer policy of the account (by key).
#[derive(Debug, Clone)]
pub enum PolicyRef {
    Aws(&'static AwsManagedPolicy),
    Customer(String),
}

/// Resolves a managed-policy ARN as seen from `account`.
pub fn resolve(world: &World, account: &str, arn: &str) -> Option<PolicyRef> {
    if let Some(policy) = aws_managed::find(arn) {
        return Some(PolicyRef::Aws(policy));
    }
    let state = iam(world, account)?;
    state
        .policies
        .iter()
        .find(|(_, p)| p.arn == arn)
        .map(|(k, _)| PolicyRef::Customer(k.clone()))
}

/// The managed document of a policy ARN (default version), for the authz helpers.
pub fn managed_document(world: &World, account: &str, arn: &str) -> Option<(String, bool)> {
    match resolve(world, account, arn)? {
        PolicyRef::Aws(p) => Some((p.document.clone(), true)),
        PolicyRef::Customer(k) => iam(world, account)
            .and_then(|s| s.policies.get(&k))
            .map(|p| (p.default_document().to_owned(), false)),
    }
}

/// The account's IAM state (here, not in `state.rs`, so the state layer does not read the
/// world), created with the account on first use.
pub fn iam_mut<'w>(world: &'w mut World, account: &str, now: f64) -> &'w mut IamState {
    &mut world.account_mut(account, now).iam
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{identity_policies, permissions_boundary, principal_exists};
    use crate::services::iam::test_support::{iam, ACCOUNT, ALLOW_ALL};
    use crate::world::{Caller, CallerKind, World};

    #[test]
    fn a_users_policies_include_its_groups() {
        let mut w = World::default();
        iam(&mut w, "CreateUser", json!({"UserName": "alice"})).unwrap();
        iam(&mut w, "CreateGroup", json!({"GroupName": "g"})).unwrap();
        iam(
            &mut w,
            "AddUserToGroup",
            json!({"GroupName": "g", "UserName": "alice"}),
        )
        .unwrap();
        iam(
            &mut w,
            "PutUserPolicy",
            json!({"UserName": "alice", "PolicyName": "own", "PolicyDocument": ALLOW_ALL}),
        )
        .unwrap();
        iam(
            &mut w,
            "PutGroupPolicy",
            json!({"GroupName": "g", "PolicyName": "grp", "PolicyDocument": ALLOW_ALL}),
        )
        .unwrap();
        iam(
            &mut w,
            "AttachGroupPolicy",
            json!({"GroupName": "g", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        )
        .unwrap();
        iam(&mut w, "PutUserPermissionsBoundary", json!({"UserName": "alice", "PermissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess"})).unwrap();
        let caller = Caller {
            account: ACCOUNT.into(),
            kind: CallerKind::User {
                name: "alice".into(),
                path: "/".into(),
            },
            user_id: "AIDA".into(),
            access_key_id: "AKIA".into(),
            partition: crate::arn::default_caller_partition(),
        };
        let policies = identity_policies(&w, &caller);
        let summary: Vec<(&str, &str)> = policies
            .iter()
            .map(|(id, t, _)| (id.as_str(), t.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("own", "user"),
                ("grp", "group"),
                ("arn:aws:iam::aws:policy/AdministratorAccess", "aws-managed")
            ]
        );
        assert_eq!(
            permissions_boundary(&w, &caller).map(|(arn, _)| arn),
            Some("arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned())
        );
    }

    #[test]
    fn principals_exist_only_once_created() {
        let mut w = World::default();
        let slr = "arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup";
        assert!(!principal_exists(&w, slr));
        iam(
            &mut w,
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "backup.amazonaws.com"}),
        )
        .unwrap();
        assert!(principal_exists(&w, slr));
        assert!(!principal_exists(
            &w,
            "arn:aws:iam::222222222222:role/AWSServiceRoleForBackup"
        ));
        assert!(principal_exists(&w, "arn:aws:iam::333333333333:root"));
        assert!(principal_exists(&w, "333333333333"));
        assert!(principal_exists(
            &w,
            "arn:aws:sts::222222222222:assumed-role/AWSServiceRoleForBackup/s"
        ));
        assert!(!principal_exists(
            &w,
            "arn:aws:iam::222222222222:user/nobody"
        ));
    }
}
