//! How one policy decides on its own, the question Access Analyzer's checks ask of a single
//! document: the policy is put in its layer, and every other layer is made to allow, so the
//! decision is the policy's. Identity policies: their own layer's verdict. Resource-based
//! policies (key, vault, trust, other): the whole flow, with callers whose IAM policies allow
//! everything, so "allows the account" means what it means on AWS: anyone there whose IAM
//! policies allow it, and KMS's and Backup's own cross-account rules still apply. SCPs and
//! RCPs: the whole flow with everything else allowing, so only the guardrail can refuse.

use std::sync::{Arc, OnceLock};

use crate::policy::decision::{Decision, EvalDecision, Layer, PolicySource};
use crate::policy::evaluate::{
    evaluate, Authorization, IdentityLayers, NamedPolicy, ResourceLayers, ResourcePolicyKind,
};
use crate::policy::model::Policy;
use crate::policy::parser::parse;
use crate::policy::request::Request;
use crate::policy::validate::PolicyType;

use super::subject::Subject;

fn allow_all(principal: bool) -> Arc<Policy> {
    static IDENTITY: OnceLock<Arc<Policy>> = OnceLock::new();
    static RESOURCE: OnceLock<Arc<Policy>> = OnceLock::new();
    let (cell, text) = if principal {
        (
            &RESOURCE,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        )
    } else {
        (
            &IDENTITY,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
    };
    cell.get_or_init(|| Arc::new(parse(text).expect("the allow-all policy parses")))
        .clone()
}

fn named(subject: &Subject, source: PolicySource) -> NamedPolicy {
    NamedPolicy::shared(&subject.name, source, subject.policy.clone())
}

fn everything(source: PolicySource, principal: bool) -> NamedPolicy {
    NamedPolicy::shared("keyhole-allows-everything", source, allow_all(principal))
}

/// The decision the policy makes on its own about `request`.
pub fn decide(subject: &Subject, request: &Request) -> Decision {
    let identity_allows_all = IdentityLayers {
        identity: vec![everything(PolicySource::UserManaged, false)],
        ..IdentityLayers::default()
    };
    let resource_kind = |kind| ResourceLayers {
        kind,
        resource_policy: Some(named(subject, PolicySource::Resource)),
        rcp_levels: None,
    };
    let (principal_side, resource_side) = match subject.policy_type {
        PolicyType::Identity | PolicyType::TagPolicy | PolicyType::BackupPolicy => (
            IdentityLayers {
                identity: vec![named(subject, PolicySource::UserManaged)],
                ..IdentityLayers::default()
            },
            ResourceLayers::default(),
        ),
        PolicyType::KmsKey => (
            identity_allows_all,
            resource_kind(ResourcePolicyKind::KmsKeyPolicy),
        ),
        PolicyType::BackupVault => (
            identity_allows_all,
            resource_kind(ResourcePolicyKind::BackupVault),
        ),
        PolicyType::RoleTrust => (
            identity_allows_all,
            resource_kind(ResourcePolicyKind::RoleTrust),
        ),
        PolicyType::Resource => (
            identity_allows_all,
            resource_kind(ResourcePolicyKind::Generic),
        ),
        PolicyType::Scp => (
            IdentityLayers {
                scp_levels: Some(vec![vec![named(subject, PolicySource::ServiceControl)]]),
                ..identity_allows_all
            },
            ResourceLayers {
                resource_policy: Some(everything(PolicySource::Resource, true)),
                ..ResourceLayers::default()
            },
        ),
        PolicyType::Rcp => (
            identity_allows_all,
            ResourceLayers {
                kind: ResourcePolicyKind::Generic,
                resource_policy: Some(everything(PolicySource::Resource, true)),
                rcp_levels: Some(vec![vec![named(subject, PolicySource::ResourceControl)]]),
            },
        ),
    };
    evaluate(&Authorization {
        request,
        principal_side: &principal_side,
        resource_side: &resource_side,
        grants: &[],
    })
}

/// Whether the policy, on its own, allows the request.
pub fn allows(subject: &Subject, decision: &Decision) -> bool {
    match subject.policy_type {
        PolicyType::Identity | PolicyType::TagPolicy | PolicyType::BackupPolicy => {
            decision.verdicts[Layer::IdentityPolicy as usize] == Some(EvalDecision::Allowed)
        }
        _ => decision.is_allowed(),
    }
}

/// The request and this policy's layers as a corpus case (`policy::corpus`), so that
/// `keyhole corpus dump` keeps a witness as a permanent test.
pub fn corpus_case(subject: &Subject, request: &Request) -> serde_json::Value {
    use serde_json::{json, Value};
    let doc: Value = serde_json::from_str(&subject.policy.text).unwrap_or(Value::Null);
    let everything = json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let everyone = json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
    let p = &request.principal;
    let mut principal = json!({"arn": p.arn});
    if let Some(r) = &p.role_arn {
        principal["role_arn"] = json!(r);
    }
    let mut case = json!({
        "principal": principal,
        "action": request.action,
        "resource": request.resource,
        "resource_account": request.resource_account,
        "context": crate::policy::corpus::context_entries(request, &BUILDER_SETS),
    });
    let kind = |k: &str| json!(k);
    match subject.policy_type {
        PolicyType::Identity | PolicyType::TagPolicy | PolicyType::BackupPolicy => {
            case["identity"] = json!([doc]);
        }
        PolicyType::KmsKey
        | PolicyType::BackupVault
        | PolicyType::RoleTrust
        | PolicyType::Resource => {
            case["resource_kind"] = kind(match subject.policy_type {
                PolicyType::KmsKey => "kms-key",
                PolicyType::BackupVault => "backup-vault",
                PolicyType::RoleTrust => "trust",
                _ => "generic",
            });
            case["resource_policy"] = doc;
            case["identity"] = json!([everything]);
        }
        PolicyType::Scp => {
            case["identity"] = json!([everything]);
            case["scp_levels"] = json!([[doc]]);
            case["resource_policy"] = everyone;
        }
        PolicyType::Rcp => {
            case["identity"] = json!([everything]);
            case["rcp_levels"] = json!([[doc]]);
            case["resource_policy"] = everyone;
        }
    }
    case
}

/// Keys the request builder sets from the principal and resource: a corpus case derives them.
const BUILDER_SETS: [&str; 9] = {
    let d = super::literals::DERIVED_KEYS;
    [
        d[0],
        d[1],
        d[2],
        d[3],
        d[4],
        d[5],
        d[6],
        d[7],
        "aws:viaawsservice",
    ]
};
