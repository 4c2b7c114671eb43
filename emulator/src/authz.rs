//! The bridge between services and the policy engine. A service describes the access it is
//! about to perform ([`Access`]); this module gathers every policy that applies — the
//! caller's identity policies, permissions boundary and session policies (IAM), the SCPs of
//! the caller's account and the RCPs of the resource's account (Organizations), the resource
//! policy the service passes — builds the request context, and asks the evaluator. Services
//! never decide allow or deny themselves.

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use crate::policy::{
    self, Authorization, ContextValue, Decision, EvalDecision, IdentityLayers, NamedPolicy,
    PolicySource, Principal, Request, ResourceLayers, Wording,
};
use crate::protocol::{ApiError, ApiResult, ServiceId};
use crate::request::RequestContext;
use crate::services::iam;
use crate::services::organizations::directory;
use crate::world::{Caller, CallerKind, DenyMessageStyle, World};

/// Which kind of resource policy a service passes, for the rules that differ by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // AWS's names for the kinds; outside tests all end in Policy.
pub enum ResourcePolicyKind {
    KmsKeyPolicy,
    BackupVaultAccessPolicy,
    RoleTrustPolicy,
    /// Rules common to every kind; only tests ask for it.
    #[cfg(test)]
    Generic,
}

impl ResourcePolicyKind {
    fn engine_kind(self) -> policy::ResourcePolicyKind {
        match self {
            ResourcePolicyKind::KmsKeyPolicy => policy::ResourcePolicyKind::KmsKeyPolicy,
            ResourcePolicyKind::BackupVaultAccessPolicy => policy::ResourcePolicyKind::BackupVault,
            ResourcePolicyKind::RoleTrustPolicy => policy::ResourcePolicyKind::RoleTrust,
            #[cfg(test)]
            ResourcePolicyKind::Generic => policy::ResourcePolicyKind::Generic,
        }
    }
}

/// One access a service is about to perform.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// `kms:Encrypt`; empty means the request's own action.
    pub action: String,
    /// The resource ARN; `None` for actions on no resource (`*`).
    pub resource: Option<String>,
    /// The account that owns the resource; `None` means the caller's.
    pub resource_account: Option<String>,
    /// The resource-based policy document (key policy, vault policy, trust policy), as text.
    pub resource_policy: Option<(ResourcePolicyKind, String)>,
    /// Service-specific condition keys (`kms:EncryptionContext:...`, `aws:RequestTag/...`),
    /// as JSON strings, numbers, booleans or arrays of them.
    pub context: Vec<(String, Value)>,
    /// KMS grants on the key, which allow their operations on their own.
    pub grants: Vec<crate::policy::Grant>,
}

impl Access {
    pub fn new(resource: Option<String>) -> Access {
        Access {
            resource,
            ..Access::default()
        }
    }
}

/// When and where an access happens, for principals other than the request's caller
/// (a copy job acting as its IAM role).
#[derive(Debug, Clone)]
pub struct Environment {
    pub region: String,
    /// Epoch seconds on keyhole's clock.
    pub now: f64,
    /// `aws:CalledVia`: service principals that made this call on the principal's behalf.
    pub called_via: Vec<String>,
}

/// Asks the policy engine whether the caller may perform `access`; when not, the
/// AccessDenied error the service answers with.
pub fn authorize(ctx: &RequestContext, world: &World, access: &Access) -> ApiResult<()> {
    let decision = decide_request(ctx, world, access);
    if decision.decision == EvalDecision::Allowed {
        return Ok(());
    }
    tracing::debug!(explanation = %decision.explain(), "access denied");
    Err(access_denied(ctx.service, &decision))
}

/// The engine's decision on the request's caller performing `access`, for a service that
/// words some denials itself (KMS across accounts).
pub fn decide_request(ctx: &RequestContext, world: &World, access: &Access) -> Decision {
    let access = if access.action.is_empty() {
        std::borrow::Cow::Owned(Access {
            action: ctx.action(),
            ..access.clone()
        })
    } else {
        std::borrow::Cow::Borrowed(access)
    };
    let env = Environment {
        region: ctx.region.clone(),
        now: ctx.now,
        called_via: Vec::new(),
    };
    let mut extra = vec![
        ("aws:SourceIp".to_owned(), ContextValue::Ip(ctx.source_ip)),
        (
            "aws:SecureTransport".to_owned(),
            ContextValue::Bool(ctx.secure_transport),
        ),
    ];
    if let Some(agent) = &ctx.user_agent {
        extra.push((
            "aws:UserAgent".to_owned(),
            ContextValue::from(agent.as_str()),
        ));
    }
    decide_with(
        world,
        &ctx.caller,
        &env,
        &access,
        extra,
        names_star_resource(ctx.service),
    )
}

/// The engine's decision for `principal` performing `access`, with its reasons.
pub fn decide(world: &World, principal: &Caller, env: &Environment, access: &Access) -> Decision {
    decide_with(world, principal, env, access, Vec::new(), false)
}

/// The engine's decision on `service_principal` (`backup.amazonaws.com`) assuming the role
/// `role_arn`: the role's trust policy alone decides, as for any service principal (no
/// identity policies, SCPs or RCPs apply to a service). Denied when the role does not
/// exist or its trust policy no longer parses.
pub fn service_may_assume(world: &World, role_arn: &str, service_principal: &str) -> Decision {
    let account = role_arn.split(':').nth(4).unwrap_or_default();
    let name = role_arn.rsplit('/').next().unwrap_or_default();
    let trust = world
        .accounts
        .get(account)
        .and_then(|a| a.iam.roles.values().find(|r| r.name == name))
        .and_then(|r| {
            parsed(
                "trust-policy",
                PolicySource::Resource,
                &r.assume_role_policy_document,
            )
        });
    let request = Request::builder(
        Principal::service(service_principal),
        "sts:AssumeRole",
        role_arn,
    )
    .resource_account(account)
    .build();
    policy::evaluate(&Authorization {
        request: &request,
        principal_side: &IdentityLayers::default(),
        resource_side: &ResourceLayers {
            kind: policy::ResourcePolicyKind::RoleTrust,
            resource_policy: trust,
            rcp_levels: None,
        },
        grants: &[],
    })
}

/// Whether the service's AccessDenied message says ` on resource: *` for an action on no
/// resource. KMS does (`kms:ListKeys on resource: *`, `kms:CreateKey on resource: *`, real
/// transcripts in the fidelity review §4.2); IAM's documented examples and Backup's real
/// messages omit it.
fn names_star_resource(service: ServiceId) -> bool {
    service == ServiceId::Kms
}

/// The AccessDenied error each service shows for a denial.
pub fn access_denied(service: ServiceId, decision: &Decision) -> ApiError {
    let message = decision
        .access_denied_message()
        .unwrap_or_else(|| "Access denied".to_owned());
    let error = match service {
        ServiceId::Kms => ApiError::new("AccessDeniedException", message),
        // Organizations answers every denial with one sentence.
        ServiceId::Organizations => ApiError::new(
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        ),
        ServiceId::Backup => ApiError::new("AccessDeniedException", message).status(403),
        ServiceId::Sts | ServiceId::Iam => ApiError::new("AccessDenied", message).status(403),
    };
    error.decided_by(decision)
}

fn decide_with(
    world: &World,
    caller: &Caller,
    env: &Environment,
    access: &Access,
    extra: Vec<(String, ContextValue)>,
    star_resource: bool,
) -> Decision {
    let resource = access.resource.clone().unwrap_or_else(|| "*".to_owned());
    let resource_account = access
        .resource_account
        .clone()
        .unwrap_or_else(|| caller.account.clone());
    let principal = match federated_provider(access) {
        Some(provider) => federated_principal(provider, &resource_account),
        None => principal_of(world, caller),
    };
    let principal_side = identity_layers(world, caller);
    let resource_side = resource_layers(world, &resource_account, access);
    let wording = Wording {
        star_resource,
        policy_arn: names_policy_arns(world, &principal, &resource_account),
    };
    let mut builder = Request::builder(principal, &access.action, &resource)
        .resource_account(&resource_account)
        .wording(wording);
    // Grants read the encryption context; policies read keys only through conditions and
    // policy variables. With none of those, building the keys is most of a decision's cost.
    if access.grants.is_empty() && !principal_side.reads_context() && !resource_side.reads_context()
    {
        builder = builder.without_context();
    } else {
        builder = with_keys(builder, world, env, &resource_account, access, extra);
    }
    let request = builder.build();
    policy::evaluate(&Authorization {
        request: &request,
        principal_side: &principal_side,
        resource_side: &resource_side,
        grants: &access.grants,
    })
}

/// The request's condition keys: time, region, organization, the call chain, the caller's
/// connection (`extra`) and the service's own keys.
fn with_keys(
    mut builder: policy::RequestBuilder,
    world: &World,
    env: &Environment,
    resource_account: &str,
    access: &Access,
    extra: Vec<(String, ContextValue)>,
) -> policy::RequestBuilder {
    builder = builder
        .time(time_of(env.now))
        .key("aws:RequestedRegion", env.region.as_str());
    if let Some(org) = directory::org_context(world, resource_account) {
        builder = builder.resource_org_id(&org.org_id);
    }
    if !env.called_via.is_empty() {
        builder = builder.called_via(env.called_via.clone());
    }
    for (name, value) in extra {
        builder = builder.key(&name, value);
    }
    // aws:SourceOrgID follows the account a service acts for (aws:SourceAccount).
    let source_account = access
        .context
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("aws:SourceAccount"))
        .and_then(|(_, v)| v.as_str());
    if let Some(org) = source_account.and_then(|a| directory::org_context(world, a)) {
        builder = builder.key("aws:SourceOrgID", org.org_id.as_str());
    }
    for (name, value) in &access.context {
        match value {
            Value::Array(items) => {
                builder = builder.key_multi(name, items.iter().filter_map(context_value).collect());
            }
            other => {
                if let Some(v) = context_value(other) {
                    builder = builder.key(name, v);
                }
            }
        }
    }
    builder
}

/// Whether a denial names the denying policy's ARN: keyhole's setting (the 2026 wording by
/// default) and, as AWS does, only for a same-account or same-organization request (AWS
/// Security Blog, "Enhanced access denied error messages with policy ARNs": "The ARN of the
/// denying policy is only provided in same-account and same-organization scenarios").
fn names_policy_arns(world: &World, principal: &Principal, resource_account: &str) -> bool {
    if world.settings.deny_message_style != DenyMessageStyle::Arn {
        return false;
    }
    let Some(account) = principal.account.as_deref() else {
        return false;
    };
    account == resource_account
        || principal.org_id.as_deref().is_some_and(|org| {
            directory::org_context(world, resource_account).is_some_and(|r| r.org_id == org)
        })
}

/// AssumeRoleWithWebIdentity / AssumeRoleWithSAML: STS passes the identity provider, which
/// is the principal the trust policy's `Federated` element names.
fn federated_provider(access: &Access) -> Option<&str> {
    access
        .context
        .iter()
        .find(|(name, _)| name == "keyhole:FederatedPrincipal")
        .and_then(|(_, v)| v.as_str())
}

fn federated_principal(provider: &str, role_account: &str) -> Principal {
    let mut principal = Principal::anonymous();
    principal.kind = policy::PrincipalType::WebIdentity;
    principal.arn = provider.to_owned();
    principal.federated_provider = Some(provider.to_owned());
    principal.account = Some(role_account.to_owned());
    principal
}

fn context_value(value: &Value) -> Option<ContextValue> {
    match value {
        Value::String(s) => Some(ContextValue::String(s.clone())),
        Value::Bool(b) => Some(ContextValue::Bool(*b)),
        Value::Number(n) => n.as_f64().map(ContextValue::Number),
        _ => None,
    }
}

fn time_of(epoch: f64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos((epoch * 1e9) as i128)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The engine's view of a caller: ARN, role, tags, organization.
pub fn principal_of(world: &World, caller: &Caller) -> Principal {
    let (account, partition) = (caller.account.as_str(), &*caller.partition);
    let principal = match &caller.kind {
        CallerKind::Root => Principal::root_in(partition, account),
        CallerKind::User { name, path } => {
            let path_and_name = format!("{}{name}", path.trim_start_matches('/'));
            Principal::user_in(partition, account, &path_and_name)
        }
        CallerKind::AssumedRole {
            role_name,
            role_path,
            session_name,
            ..
        } => {
            let path_and_name = format!("{}{role_name}", role_path.trim_start_matches('/'));
            Principal::assumed_role_in(partition, account, &path_and_name, session_name)
        }
        CallerKind::FederatedUser { name } => {
            Principal::federated_user_in(partition, account, name)
        }
    };
    let mut principal = principal
        .with_userid(&caller.user_id)
        .with_tags(iam::access::principal_tags(world, caller));
    if let Some(org) = directory::org_context(world, account) {
        principal = principal
            .with_org(&org.org_id, vec![org.ou_path.clone()])
            .with_management_account(org.management_account == account);
    }
    principal
}

/// Parsed documents by their text: every request names the same few key, identity and
/// organization policies, and parsing them again each time cost more than deciding.
fn parse_cached(text: &str) -> Option<Arc<policy::Policy>> {
    use foldhash::HashMap;
    use std::sync::{Mutex, OnceLock};
    const MAX_ENTRIES: usize = 4096;
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<policy::Policy>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(text).cloned()) {
        return Some(hit);
    }
    let parsed = Arc::new(policy::parse(text).ok()?);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= MAX_ENTRIES {
            c.clear();
        }
        c.insert(text.to_owned(), parsed.clone());
    }
    Some(parsed)
}

fn parsed(id: &str, source: PolicySource, text: &str) -> Option<NamedPolicy> {
    // Stored documents were validated when stored; one that no longer parses grants nothing.
    parse_cached(text).map(|p| NamedPolicy::shared(id, source, p))
}

fn source_of(kind: &str) -> PolicySource {
    match kind {
        "user" => PolicySource::User,
        "group" => PolicySource::Group,
        "role" => PolicySource::Role,
        "aws-managed" => PolicySource::AwsManaged,
        "user-managed" => PolicySource::UserManaged,
        _ => PolicySource::None,
    }
}

fn levels(
    world: &World,
    account: &str,
    policy_type: &str,
    source: PolicySource,
) -> Option<Vec<Vec<NamedPolicy>>> {
    let org = world.organizations.org_of(account)?;
    directory::policy_levels(world, account, policy_type).map(|levels| {
        levels
            .iter()
            .map(|level| {
                level
                    .iter()
                    .filter_map(|(id, text)| {
                        let arn = org.policy_arn_by_id(id, policy_type);
                        parsed(id, source, text).map(|p| p.with_arn(Some(&arn)))
                    })
                    .collect()
            })
            .collect()
    })
}

fn identity_layers(world: &World, caller: &Caller) -> IdentityLayers {
    IdentityLayers {
        identity: iam::access::identity_policies(world, caller)
            .iter()
            .filter_map(|(id, kind, text)| {
                let source = source_of(kind);
                // Managed policies are named by ARN; inline ones by name, and have no ARN.
                let managed =
                    matches!(source, PolicySource::AwsManaged | PolicySource::UserManaged);
                parsed(id, source, text).map(|p| p.with_arn(managed.then_some(id.as_str())))
            })
            .collect(),
        boundary: iam::access::permissions_boundary(world, caller).and_then(|(arn, text)| {
            parsed(&arn, PolicySource::UserManaged, &text).map(|p| p.with_arn(Some(&arn)))
        }),
        session: iam::access::session_policies(world, caller)
            .iter()
            .filter_map(|(id, text)| {
                // The inline session policy has no ARN; managed ones (PolicyArns) are their ARN.
                let arn = (id != iam::access::INLINE_SESSION_POLICY).then_some(id.as_str());
                parsed(id, PolicySource::Session, text).map(|p| p.with_arn(arn))
            })
            .collect(),
        scp_levels: levels(
            world,
            &caller.account,
            "SERVICE_CONTROL_POLICY",
            PolicySource::ServiceControl,
        ),
    }
}

fn resource_layers(world: &World, resource_account: &str, access: &Access) -> ResourceLayers {
    let (kind, resource_policy) = match &access.resource_policy {
        Some((kind, text)) => (
            kind.engine_kind(),
            parsed("resource-policy", PolicySource::Resource, text),
        ),
        None => (policy::ResourcePolicyKind::Generic, None),
    };
    ResourceLayers {
        kind,
        resource_policy,
        rcp_levels: levels(
            world,
            resource_account,
            "RESOURCE_CONTROL_POLICY",
            PolicySource::ResourceControl,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;
    use serde_json::json;

    const MGMT: &str = "111111111111";
    const MEMBER: &str = "222222222222";

    fn orgs(h: &Harness, account: &str, op: &str, body: Value) -> Value {
        let r = h.call(account, "us-east-1", &format!("organizations:{op}"), &body);
        assert_eq!(r.status, 200, "{op}: {}", r.body);
        r.body
    }

    /// A world where account 111111111111 manages an organization; returns its id.
    fn world_with_org() -> (Harness, String) {
        let shared = Harness::new();
        let body = orgs(&shared, MGMT, "CreateOrganization", json!({}));
        let id = body["Organization"]["Id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(id.starts_with("o-"), "{body}");
        (shared, id)
    }

    /// `world_with_org` with MEMBER in it and an SCP denying `kms:*` attached to MEMBER;
    /// returns the world and the SCP's ARN.
    fn member_denied_kms_by_scp() -> (Harness, String) {
        let (shared, org_id) = world_with_org();
        let invite = orgs(
            &shared,
            MGMT,
            "InviteAccountToOrganization",
            json!({"Target": {"Type": "ACCOUNT", "Id": MEMBER}}),
        );
        let handshake = invite["Handshake"]["Id"].as_str().unwrap().to_owned();
        orgs(
            &shared,
            MEMBER,
            "AcceptHandshake",
            json!({"HandshakeId": handshake}),
        );
        let root = orgs(&shared, MGMT, "ListRoots", json!({}))["Roots"][0]["Id"]
            .as_str()
            .unwrap()
            .to_owned();
        orgs(
            &shared,
            MGMT,
            "EnablePolicyType",
            json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
        );
        let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}]});
        let created = orgs(
            &shared,
            MGMT,
            "CreatePolicy",
            json!({"Type": "SERVICE_CONTROL_POLICY", "Name": "NoKms", "Description": "d", "Content": deny.to_string()}),
        );
        let id = created["Policy"]["PolicySummary"]["Id"]
            .as_str()
            .unwrap()
            .to_owned();
        orgs(
            &shared,
            MGMT,
            "AttachPolicy",
            json!({"PolicyId": id, "TargetId": MEMBER}),
        );
        let arn =
            format!("arn:aws:organizations::{MGMT}:policy/{org_id}/service_control_policy/{id}");
        assert_eq!(created["Policy"]["PolicySummary"]["Arn"], arn.as_str());
        (shared, arn)
    }

    fn set_deny_message_style(shared: &Harness, style: &str) -> (u16, Value) {
        let body = json!({"denyMessageStyle": style});
        let r = shared.admin_raw(http::Method::POST, "/_keyhole/settings", None, body);
        (r.status, r.body)
    }

    #[test]
    fn kms_keyless_denial_names_star_and_the_scp_arn() {
        let (shared, scp_arn) = member_denied_kms_by_scp();
        let list_keys = || {
            let r = shared.call(MEMBER, "us-east-1", "kms:ListKeys", &json!({}));
            (r.status, r.body)
        };
        let (status, body) = list_keys();
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["__type"], "AccessDeniedException");
        // KMS keeps "on resource: *" (fidelity review §4.2); the 2026 wording adds the ARN.
        assert_eq!(
            body["message"].as_str().or(body["Message"].as_str()).unwrap_or_default(),
            format!("User: arn:aws:iam::{MEMBER}:root is not authorized to perform: kms:ListKeys on resource: * with an explicit deny in a service control policy: {scp_arn}")
        );
        // The legacy wording, switched at run time.
        let (status, settings) = set_deny_message_style(&shared, "legacy");
        assert_eq!(
            (status, &settings["denyMessageStyle"]),
            (200, &json!("legacy"))
        );
        let (_, body) = list_keys();
        assert_eq!(
            body["message"].as_str().or(body["Message"].as_str()).unwrap_or_default(),
            format!("User: arn:aws:iam::{MEMBER}:root is not authorized to perform: kms:ListKeys on resource: * with an explicit deny in a service control policy")
        );
        let (status, body) = set_deny_message_style(&shared, "short");
        assert_eq!(status, 400);
        assert!(body["error"].as_str().unwrap().starts_with("not a keyhole settings document: unknown variant `short`, expected `arn` or `legacy`"), "{body}");
    }

    /// The ARN only for same-account and same-organization requests.
    #[test]
    fn policy_arn_only_inside_the_organization() {
        let (shared, scp_arn) = member_denied_kms_by_scp();
        let world = shared.world();
        let caller = Caller::root(MEMBER, MEMBER);
        let env = Environment {
            region: "us-east-1".into(),
            now: 1_700_000_000.0,
            called_via: Vec::new(),
        };
        let message = |key_account: &str| {
            let arn = format!("arn:aws:kms:us-east-1:{key_account}:key/k");
            let access = Access {
                action: "kms:DescribeKey".into(),
                resource: Some(arn),
                resource_account: Some(key_account.into()),
                ..Access::default()
            };
            decide(&world, &caller, &env, &access)
                .access_denied_message()
                .unwrap()
        };
        let head = |a: &str| {
            format!("User: arn:aws:iam::{MEMBER}:root is not authorized to perform: kms:DescribeKey on resource: arn:aws:kms:us-east-1:{a}:key/k with an explicit deny in a service control policy")
        };
        assert_eq!(message(MGMT), format!("{}: {scp_arn}", head(MGMT)));
        assert_eq!(message("999999999999"), head("999999999999"));
    }

    /// Managed identity policies and boundaries are named by ARN; inline policies have none.
    #[test]
    fn identity_denials_name_managed_policies_only() {
        let shared = Harness::new();
        let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "backup:ListBackupVaults", "Resource": "*"}]});
        let allow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        let boundary_deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "backup:ListBackupPlans", "Resource": "*"}]});
        let seed: crate::services::iam::seed::Seed = serde_json::from_value(json!({"accounts": {MGMT: {
            "policies": [{"name": "DenyVaults", "document": deny}, {"name": "Boundary", "document": boundary_deny}],
            "users": [
                {"name": "managed", "inlinePolicies": {"All": allow}, "managedPolicies": [format!("arn:aws:iam::{MGMT}:policy/DenyVaults")],
                 "permissionsBoundary": format!("arn:aws:iam::{MGMT}:policy/Boundary")},
                {"name": "inline", "inlinePolicies": {"All": allow, "DenyVaults": deny}}
            ]}}}))
        .unwrap();
        crate::services::iam::seed::apply(&mut shared.world(), &seed, 0.0).unwrap();
        let world = shared.world();
        let env = Environment {
            region: "us-east-1".into(),
            now: 1_700_000_000.0,
            called_via: Vec::new(),
        };
        let message = |user: &str, action: &str| {
            let caller = Caller {
                account: MGMT.into(),
                kind: CallerKind::User {
                    name: user.into(),
                    path: "/".into(),
                },
                user_id: "AIDAEXAMPLE".into(),
                access_key_id: "AKIAEXAMPLE".into(),
                partition: crate::arn::default_caller_partition(),
            };
            let access = Access {
                action: action.into(),
                ..Access::default()
            };
            let d = decide_with(
                &world,
                &caller,
                &env,
                &access,
                Vec::new(),
                names_star_resource(ServiceId::Backup),
            );
            d.access_denied_message().unwrap()
        };
        // Backup omits " on resource: *" (fidelity review §4.2).
        assert_eq!(
            message("managed", "backup:ListBackupVaults"),
            format!("User: arn:aws:iam::{MGMT}:user/managed is not authorized to perform: backup:ListBackupVaults with an explicit deny in an identity-based policy: arn:aws:iam::{MGMT}:policy/DenyVaults")
        );
        assert_eq!(
            message("managed", "backup:ListBackupPlans"),
            format!("User: arn:aws:iam::{MGMT}:user/managed is not authorized to perform: backup:ListBackupPlans with an explicit deny in a permissions boundary: arn:aws:iam::{MGMT}:policy/Boundary")
        );
        assert_eq!(
            message("inline", "backup:ListBackupVaults"),
            format!("User: arn:aws:iam::{MGMT}:user/inline is not authorized to perform: backup:ListBackupVaults with an explicit deny in an identity-based policy")
        );
    }

    #[test]
    fn source_org_id_follows_the_source_account() {
        let (shared, org_id) = world_with_org();
        let world = shared.world();
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::222222222222:root"}},"Action":"sns:Publish","Resource":"*","Condition":{{"StringEquals":{{"aws:SourceOrgID":"{org_id}"}}}}}}]}}"#
        );
        let caller = Caller::root("222222222222", "222222222222");
        let env = Environment {
            region: "us-east-1".into(),
            now: 1_700_000_000.0,
            called_via: Vec::new(),
        };
        let access = |source: &str| Access {
            action: "sns:Publish".into(),
            // Another account's resource, so its policy must allow the caller.
            resource: Some("arn:aws:sns:us-east-1:333333333333:t".into()),
            resource_account: Some("333333333333".into()),
            resource_policy: Some((ResourcePolicyKind::Generic, policy.clone())),
            context: vec![("aws:SourceAccount".into(), Value::from(source))],
            ..Access::default()
        };
        // The member of the organization matches; an account outside it does not.
        let inside = decide(&world, &caller, &env, &access("111111111111"));
        let outside = decide(&world, &caller, &env, &access("999999999999"));
        assert_eq!(
            inside.decision,
            EvalDecision::Allowed,
            "{}",
            inside.explain()
        );
        assert_ne!(outside.decision, EvalDecision::Allowed);
    }

    /// The trust policy alone decides whether a service may assume a role: the principal
    /// it names, not any identity policy; a missing role is denied.
    #[test]
    fn a_service_may_assume_a_role_its_trust_policy_names() {
        let h = Harness::new();
        let trust = |service: &str| {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
            .to_string()
        };
        for (name, service) in [
            ("BackupRole", "backup.amazonaws.com"),
            ("Ec2Role", "ec2.amazonaws.com"),
        ] {
            let r = h.call(
                MEMBER,
                "us-east-1",
                "iam:CreateRole",
                &json!({"RoleName": name, "AssumeRolePolicyDocument": trust(service)}),
            );
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let world = h.world();
        let role = |name: &str| format!("arn:aws:iam::{MEMBER}:role/{name}");
        let backup = "backup.amazonaws.com";
        assert!(service_may_assume(&world, &role("BackupRole"), backup).is_allowed());
        assert!(!service_may_assume(&world, &role("Ec2Role"), backup).is_allowed());
        assert!(service_may_assume(&world, &role("Ec2Role"), "ec2.amazonaws.com").is_allowed());
        assert!(!service_may_assume(&world, &role("Missing"), backup).is_allowed());
    }
}
