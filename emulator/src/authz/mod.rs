//! The bridge between services and the policy engine. A service describes the access it is
//! about to perform ([`Access`]); this module gathers every policy that applies — the
//! caller's identity policies, permissions boundary and session policies (IAM), the SCPs of
//! the caller's account and the RCPs of the resource's account (Organizations), the resource
//! policy the service passes — builds the request context, and asks the evaluator. Services
//! never decide allow or deny themselves.

mod access;
mod keys;
mod layers;
mod principal;

use crate::policy::{
    self, Authorization, ContextValue, Decision, EvalDecision, IdentityLayers, PolicySource,
    Principal, Request, ResourceLayers, Wording,
};
use crate::protocol::{ApiError, ApiResult, ServiceId};
use crate::request::RequestContext;
use crate::world::{Caller, World};

pub use access::{Access, Environment, ResourcePolicyKind};
use keys::with_keys;
use layers::{identity_layers, parsed, resource_layers};
pub use principal::principal_of;
use principal::{federated_principal, federated_provider, names_policy_arns};

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
    let decision = decide_with(
        world,
        &ctx.caller,
        &env,
        &access,
        extra,
        names_star_resource(ctx.service),
    );
    ctx.decisions.push(&decision);
    decision
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

/// The engine's decision on `service_principal` (`backup.amazonaws.com`) performing
/// `access`, as [`service_may_assume`] decides for a trust policy: the resource policy and
/// the grants alone, since no identity policy, SCP or RCP applies to a service principal.
pub fn decide_service(
    world: &World,
    service_principal: &str,
    env: &Environment,
    access: &Access,
) -> Decision {
    let resource = access.resource.clone().unwrap_or_else(|| "*".to_owned());
    let resource_account = access.resource_account.clone().unwrap_or_default();
    let resource_side = ResourceLayers {
        rcp_levels: None,
        ..resource_layers(world, &resource_account, access)
    };
    let principal = Principal::service(service_principal);
    let wording = Wording {
        star_resource: false,
        policy_arn: names_policy_arns(world, &principal, &resource_account),
    };
    let mut builder = Request::builder(principal, &access.action, &resource)
        .resource_account(&resource_account)
        .wording(wording);
    if access.grants.is_empty() && !resource_side.reads_context() {
        builder = builder.without_context();
    } else {
        builder = with_keys(builder, world, env, &resource_account, access, Vec::new());
    }
    policy::evaluate(&Authorization {
        request: &builder.build(),
        principal_side: &IdentityLayers::default(),
        resource_side: &resource_side,
        grants: &access.grants,
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
        ServiceId::Backup | ServiceId::AccessAnalyzer => {
            ApiError::new("AccessDeniedException", message).status(403)
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Harness;
    use crate::world::CallerKind;
    use serde_json::{json, Value};

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
