//! Seeds: a JSON document that creates IAM users, groups, roles, policies and access keys
//! in one go, for labs and tests. `POST /_keyhole/seed` applies one.
//!
//! ```json
//! {
//!   "accounts": {
//!     "222222222222": {
//!       "policies": [{"name": "kms-use", "path": "/", "description": "...",
//!                     "document": {"Version": "2012-10-17", "Statement": [...]}}],
//!       "groups":   [{"name": "admins", "inlinePolicies": {"p": {...}},
//!                     "managedPolicies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}],
//!       "users":    [{"name": "alice", "path": "/", "tags": {"team": "a"}, "groups": ["admins"],
//!                     "inlinePolicies": {}, "managedPolicies": [], "permissionsBoundary": null,
//!                     "accessKeys": [{"accessKeyId": "AKIAALICE00000000001",
//!                                     "secretAccessKey": "alice-secret", "status": "Active"}]}],
//!       "roles":    [{"name": "Admin", "path": "/", "trustPolicy": {...},
//!                     "description": "...", "maxSessionDuration": 3600, "tags": {},
//!                     "inlinePolicies": {}, "managedPolicies": [], "permissionsBoundary": null}],
//!       "serviceLinkedRoles": ["backup.amazonaws.com"],
//!       "rootAccessKeys": [{"accessKeyId": "AKIAROOT000000000001", "secretAccessKey": "s"}]
//!     }
//!   }
//! }
//! ```
//!
//! Documents may be JSON objects or strings. Everything is created through the same IAM
//! handlers the API uses, as the account's root, so names, documents and quotas are checked
//! exactly as for `aws iam ...` calls; the first failure stops the seed and is reported with
//! the item it concerns. Items are applied in the order policies, groups, users, roles,
//! service-linked roles; a seed is not transactional. An item's `id` (IAM's unique id), when
//! given, replaces the one CreateUser (CreateRole, ...) made, before anything refers to it;
//! a seed file (`crate::seed`) carries this shape as each account's `iam`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::protocol::{ApiError, ApiResult, Call, ServiceId};
use crate::request::RequestContext;
use crate::world::{is_account_id, Caller, World};

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, AccountSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountSeed {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicySeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_linked_roles: Vec<ServiceLinkedRoleSeed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub root_access_keys: Vec<KeySeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicySeed {
    pub name: String,
    /// IAM's unique id (AIDA..., AROA..., AGPA..., ANPA...): fixed by the file, else new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The default version's document.
    pub document: Value,
    /// The default version's id (`v1` when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_version_id: Option<String>,
    /// The other versions (CreatePolicyVersion), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_versions: Vec<PolicyVersionSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyVersionSeed {
    /// `v` and a number, as IAM numbers them.
    pub version_id: String,
    pub document: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupSeed {
    pub name: String,
    /// IAM's unique id (AIDA..., AROA..., AGPA..., ANPA...): fixed by the file, else new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserSeed {
    pub name: String,
    /// IAM's unique id (AIDA..., AROA..., AGPA..., ANPA...): fixed by the file, else new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_keys: Vec<KeySeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleSeed {
    pub name: String,
    /// IAM's unique id (AIDA..., AROA..., AGPA..., ANPA...): fixed by the file, else new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub trust_policy: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<i64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inline_policies: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// When and where the role was last assumed (GetRole's RoleLastUsed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<RoleLastUsedSeed>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleLastUsedSeed {
    /// Epoch seconds.
    pub date: f64,
    pub region: String,
}

/// A service-linked role: the service's name (`backup.amazonaws.com`), or the name with the
/// role's fixed id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ServiceLinkedRoleSeed {
    Service(String),
    Fixed(FixedServiceLinkedRole),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixedServiceLinkedRole {
    pub service: String,
    pub id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeySeed {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

fn document_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn tags(map: &BTreeMap<String, String>) -> Value {
    Value::Array(
        map.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// One IAM call as the account's root, validated against the model like a wire request.
fn call(
    world: &mut World,
    account: &str,
    operation: &str,
    mut input: Value,
    now: f64,
) -> ApiResult<Value> {
    if let Value::Object(map) = &mut input {
        map.retain(|_, v| !v.is_null());
    }
    let model = ServiceId::Iam.model();
    if let Some(shape) = model
        .operations
        .get(operation)
        .and_then(|o| o.input.as_deref())
    {
        crate::protocol::validate::validate_input(ServiceId::Iam, shape, &input)?;
    }
    let ctx = RequestContext {
        request_id: "seed".into(),
        service: ServiceId::Iam,
        operation: operation.into(),
        caller: Caller::root(account, account),
        region: world.settings.default_region.clone(),
        now,
        source_ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        secure_transport: false,
        user_agent: Some("keyhole-seed".into()),
        decisions: Default::default(),
    };
    let call = Call {
        service: ServiceId::Iam,
        operation: operation.into(),
        input,
    };
    super::handle(&ctx, world, &call.operation, &call.input)
}

/// A seed failure names the item: "222222222222 user alice: NoSuchEntity: ...".
fn context<'a>(account: &'a str, item: &str) -> impl Fn(ApiError) -> ApiError + 'a {
    let item = item.to_owned();
    move |e| {
        ApiError::new(
            e.code.clone(),
            format!(
                "{account} {item}: {}",
                e.message.clone().unwrap_or_default()
            ),
        )
    }
}

fn keys(
    world: &mut World,
    account: &str,
    user: Option<&str>,
    seeds: &[KeySeed],
    now: f64,
) -> ApiResult<usize> {
    for k in seeds {
        if world.credentials.contains_key(&k.access_key_id) {
            return Err(ApiError::new(
                "EntityAlreadyExists",
                format!("access key {} is already in use", k.access_key_id),
            ));
        }
        super::access_keys::issue_access_key(
            world,
            account,
            user,
            Some((&k.access_key_id, &k.secret_access_key)),
            now,
        )?;
        if let Some(status) = &k.status {
            if let Some(stored) = world
                .accounts
                .get_mut(account)
                .and_then(|a| a.iam.access_keys.get_mut(&k.access_key_id))
            {
                stored.status = status.clone();
            }
            if let Some(credential) = world.credentials.get_mut(&k.access_key_id) {
                credential.active = status == "Active";
            }
        }
    }
    Ok(seeds.len())
}

fn entity_policies(
    world: &mut World,
    account: &str,
    kind: &str,
    name: &str,
    inline: &BTreeMap<String, Value>,
    managed: &[String],
    now: f64,
) -> ApiResult<()> {
    let member = format!("{kind}Name");
    for (policy, document) in inline {
        call(
            world,
            account,
            &format!("Put{kind}Policy"),
            json!({member.as_str(): name, "PolicyName": policy, "PolicyDocument": document_text(document)}),
            now,
        )?;
    }
    for arn in managed {
        call(
            world,
            account,
            &format!("Attach{kind}Policy"),
            json!({member.as_str(): name, "PolicyArn": arn}),
            now,
        )?;
    }
    Ok(())
}

/// The file's version ids in place of the ones CreatePolicy and CreatePolicyVersion gave
/// (v1 the default, v2... the others): IAM never reuses a number, so a world whose older
/// versions were deleted has ids no sequence of calls can make again.
fn pin_versions(m: &mut crate::world::iam::state::ManagedPolicy, p: &PolicySeed) {
    let default = p.default_version_id.clone().unwrap_or_else(|| "v1".into());
    let ids: Vec<String> = std::iter::once(default.clone())
        .chain(p.other_versions.iter().map(|v| v.version_id.clone()))
        .collect();
    for (version, id) in m.versions.iter_mut().zip(&ids) {
        version.version_id = id.clone();
    }
    let number = |id: &str| id.trim_start_matches('v').parse::<u32>().unwrap_or(0);
    m.versions.sort_by_key(|v| number(&v.version_id));
    m.default_version_id = default;
    m.next_version = m
        .versions
        .iter()
        .map(|v| number(&v.version_id))
        .max()
        .unwrap_or(0)
        + 1;
}

/// Applies a seed; returns counts of what it created.
pub fn apply(world: &mut World, seed: &Seed, now: f64) -> ApiResult<Value> {
    let mut counts = json!({"policies": 0, "groups": 0, "users": 0, "roles": 0, "accessKeys": 0});
    let mut bump = |name: &str, by: usize| {
        let n = counts[name].as_u64().unwrap_or(0) + by as u64;
        counts[name] = json!(n);
    };
    for (account, a) in &seed.accounts {
        if !is_account_id(account) {
            return Err(ApiError::new(
                "InvalidInput",
                format!("{account} is not a 12-digit account id"),
            ));
        }
        world.account_mut(account, now);
        for p in &a.policies {
            call(
                world,
                account,
                "CreatePolicy",
                json!({
                    "PolicyName": p.name, "Path": p.path, "Description": p.description,
                    "PolicyDocument": document_text(&p.document),
                }),
                now,
            )
            .map_err(context(account, &format!("policy {}", p.name)))?;
            for v in &p.other_versions {
                call(
                    world,
                    account,
                    "CreatePolicyVersion",
                    json!({"PolicyArn": format!("arn:aws:iam::{account}:policy{}{}", p.path.as_deref().unwrap_or("/"), p.name),
                           "PolicyDocument": document_text(&v.document)}),
                    now,
                )
                .map_err(context(account, &format!("policy {} version {}", p.name, v.version_id)))?;
            }
            let iam = &mut world.account_mut(account, now).iam;
            if let Some(m) = iam.policies.values_mut().find(|m| m.name == p.name) {
                if let Some(id) = &p.id {
                    m.id = id.clone();
                }
                pin_versions(m, p);
            }
            bump("policies", 1);
        }
        for g in &a.groups {
            let at = context(account, &format!("group {}", g.name));
            call(
                world,
                account,
                "CreateGroup",
                json!({"GroupName": g.name, "Path": g.path}),
                now,
            )
            .map_err(&at)?;
            if let (Some(id), Some(group)) = (
                &g.id,
                world
                    .account_mut(account, now)
                    .iam
                    .groups
                    .values_mut()
                    .find(|x| x.name == g.name),
            ) {
                group.id = id.clone();
            }
            entity_policies(
                world,
                account,
                "Group",
                &g.name,
                &g.inline_policies,
                &g.managed_policies,
                now,
            )
            .map_err(&at)?;
            bump("groups", 1);
        }
        for u in &a.users {
            let at = context(account, &format!("user {}", u.name));
            let mut input = json!({"UserName": u.name, "Path": u.path, "PermissionsBoundary": u.permissions_boundary});
            if !u.tags.is_empty() {
                input["Tags"] = tags(&u.tags);
            }
            call(world, account, "CreateUser", input, now).map_err(&at)?;
            // Pinned before the user's keys are issued: their caller carries the user's id.
            if let (Some(id), Some(user)) = (
                &u.id,
                world
                    .account_mut(account, now)
                    .iam
                    .users
                    .values_mut()
                    .find(|x| x.name == u.name),
            ) {
                user.id = id.clone();
            }
            for group in &u.groups {
                call(
                    world,
                    account,
                    "AddUserToGroup",
                    json!({"GroupName": group, "UserName": u.name}),
                    now,
                )
                .map_err(&at)?;
            }
            entity_policies(
                world,
                account,
                "User",
                &u.name,
                &u.inline_policies,
                &u.managed_policies,
                now,
            )
            .map_err(&at)?;
            let n = keys(world, account, Some(&u.name), &u.access_keys, now).map_err(&at)?;
            bump("users", 1);
            bump("accessKeys", n);
        }
        for r in &a.roles {
            let at = context(account, &format!("role {}", r.name));
            let mut input = json!({
                "RoleName": r.name, "Path": r.path, "Description": r.description,
                "MaxSessionDuration": r.max_session_duration,
                "AssumeRolePolicyDocument": document_text(&r.trust_policy),
                "PermissionsBoundary": r.permissions_boundary,
            });
            if !r.tags.is_empty() {
                input["Tags"] = tags(&r.tags);
            }
            call(world, account, "CreateRole", input, now).map_err(&at)?;
            if let (Some(id), Some(role)) = (
                &r.id,
                world
                    .account_mut(account, now)
                    .iam
                    .roles
                    .values_mut()
                    .find(|x| x.name == r.name),
            ) {
                role.id = id.clone();
            }
            // A record of use that only an AssumeRole by someone else could make; the
            // file's is kept as it is.
            if let (Some(used), Some(role)) = (
                &r.last_used,
                world
                    .account_mut(account, now)
                    .iam
                    .roles
                    .values_mut()
                    .find(|x| x.name == r.name),
            ) {
                role.last_used = Some((used.date, used.region.clone()));
            }
            entity_policies(
                world,
                account,
                "Role",
                &r.name,
                &r.inline_policies,
                &r.managed_policies,
                now,
            )
            .map_err(&at)?;
            bump("roles", 1);
        }
        for role in &a.service_linked_roles {
            let (service, id) = match role {
                ServiceLinkedRoleSeed::Service(s) => (s, None),
                ServiceLinkedRoleSeed::Fixed(f) => (&f.service, Some(&f.id)),
            };
            let made = call(
                world,
                account,
                "CreateServiceLinkedRole",
                json!({"AWSServiceName": service}),
                now,
            )
            .map_err(context(account, &format!("service-linked role {service}")))?;
            let name = made["Role"]["RoleName"].as_str().unwrap_or_default();
            if let (Some(id), Some(role)) = (
                id,
                world
                    .account_mut(account, now)
                    .iam
                    .roles
                    .values_mut()
                    .find(|x| x.name == name),
            ) {
                role.id = id.clone();
            }
            bump("roles", 1);
        }
        let n = keys(world, account, None, &a.root_access_keys, now)
            .map_err(context(account, "root access keys"))?;
        bump("accessKeys", n);
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_creates_principals_and_working_keys() {
        let seed: Seed = serde_json::from_value(json!({"accounts": {"222222222222": {
            "policies": [{"name": "kms-use", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}}],
            "groups": [{"name": "admins", "managedPolicies": ["arn:aws:iam::222222222222:policy/kms-use"]}],
            "users": [{"name": "alice", "groups": ["admins"], "tags": {"team": "a"},
                       "accessKeys": [{"accessKeyId": "AKIAALICE00000000001", "secretAccessKey": "alice-secret"}]}],
            "roles": [{"name": "Admin", "trustPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}]}}],
            "serviceLinkedRoles": ["backup.amazonaws.com"]
        }}}))
        .unwrap();
        let mut world = World::default();
        let counts = apply(&mut world, &seed, 1.0).unwrap();
        assert_eq!(
            counts,
            json!({"policies": 1, "groups": 1, "users": 1, "roles": 2, "accessKeys": 1})
        );
        let credential = &world.credentials["AKIAALICE00000000001"];
        assert_eq!(credential.secret_access_key, "alice-secret");
        assert_eq!(
            credential.caller.arn(),
            "arn:aws:iam::222222222222:user/alice"
        );
        let again = apply(&mut world, &seed, 2.0).unwrap_err();
        assert_eq!(again.code, "EntityAlreadyExists");
        assert_eq!(
            again.message.as_deref(),
            Some("222222222222 policy kms-use: A policy called kms-use already exists. Duplicate names are not allowed.")
        );
        let bad: Result<Seed, _> =
            serde_json::from_value(json!({"accounts": {"1": {"userz": []}}}));
        assert!(bad.is_err());
    }
}
