//! The fixed vocabularies and the generators built on them: principals, actions, resources,
//! statements, whole policy documents and authorization scenarios.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::policy::context::{Context, ContextValue};
use crate::policy::decision::PolicySource;
use crate::policy::evaluate::{IdentityLayers, NamedPolicy, ResourceLayers, ResourcePolicyKind};
use crate::policy::parser::parse;
use crate::policy::principal::Principal;
use crate::policy::request::Request;

pub const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];
pub const ACTIONS: [&str; 8] = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:CreateGrant",
    "kms:PutKeyPolicy",
    "s3:GetObject",
    "s3:PutObject",
    "backup:CopyIntoBackupVault",
    "secretsmanager:GetSecretValue",
];

pub fn account() -> impl Strategy<Value = String> {
    prop::sample::select(&ACCOUNTS[..]).prop_map(str::to_string)
}

/// Roots, users, role sessions (some service-linked) and federated users.
pub fn principal() -> impl Strategy<Value = Principal> {
    let tags = option::of(prop::sample::select(&["blue", "red"][..]));
    let org = option::of(prop::sample::select(&["o-aaaa", "o-bbbb"][..]));
    (
        account(),
        0..5u8,
        prop::sample::select(&["alice", "bob"][..]),
        tags,
        org,
        any::<bool>(),
    )
        .prop_map(|(acct, kind, name, tag, org, mgmt)| {
            let p = match kind {
                0 => Principal::root(&acct),
                1 => Principal::user(&acct, name),
                2 => Principal::assumed_role(&acct, "Dev", name),
                3 => Principal::assumed_role(
                    &acct,
                    "aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup",
                    "s",
                ),
                _ => Principal::federated_user(&acct, name),
            };
            let p = match tag {
                Some(t) => p.with_tags(vec![("team".into(), t.into())]),
                None => p,
            };
            let p = match org {
                Some(o) => p.with_org(o, vec![format!("{o}/r-root/")]),
                None => p,
            };
            p.with_management_account(mgmt && acct == ACCOUNTS[2])
        })
}

pub fn action() -> impl Strategy<Value = String> {
    prop::sample::select(&ACTIONS[..]).prop_map(str::to_string)
}

/// Action patterns: exact (random case), service wildcards, `*`, `?`.
pub fn action_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        action(),
        action().prop_map(|a| a.to_uppercase()),
        action().prop_map(|a| format!("{}:*", a.split(':').next().unwrap_or("kms"))),
        Just("*".to_string()),
        Just("kms:*crypt".to_string()),
        Just("s3:?etObject".to_string()),
    ]
}

pub fn resource_for(action: &str, account: &str) -> String {
    match action.split(':').next().unwrap_or_default() {
        "kms" => format!("arn:aws:kms:us-east-1:{account}:key/k1"),
        "s3" => "arn:aws:s3:::bucket/obj".to_string(),
        "backup" => format!("arn:aws:backup:us-east-1:{account}:backup-vault:v1"),
        _ => format!("arn:aws:secretsmanager:us-east-1:{account}:secret:s1"),
    }
}

pub fn resource_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("*".to_string()),
        1 => Just("arn:aws:kms:*:*:key/*".to_string()),
        1 => account().prop_map(|a| format!("arn:aws:kms:us-east-1:{a}:key/k1")),
        1 => Just("arn:aws:s3:::bucket/*".to_string()),
        1 => Just("arn:aws:*:*:*:*".to_string()),
    ]
}

/// A Principal element value (for resource policies and RCPs).
pub fn principal_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("*")),
        account().prop_map(|a| json!({"AWS": a})),
        account().prop_map(|a| json!({"AWS": format!("arn:aws:iam::{a}:root")})),
        account().prop_map(|a| json!({"AWS": format!("arn:aws:iam::{a}:user/alice")})),
        account().prop_map(|a| json!({"AWS": format!("arn:aws:iam::{a}:role/Dev")})),
        Just(json!({"Service": "backup.amazonaws.com"})),
    ]
}

/// A Condition block over keys the generated requests carry (or lack).
pub fn condition() -> impl Strategy<Value = Option<Value>> {
    option::weighted(
        0.3,
        prop_oneof![
            Just(json!({"StringEquals": {"aws:PrincipalTag/team": "blue"}})),
            Just(json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-aaaa"}})),
            Just(json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-aaaa"}})),
            Just(json!({"Bool": {"kms:GrantIsForAWSResource": "true"}})),
            Just(json!({"Null": {"aws:PrincipalOrgID": "true"}})),
            Just(json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-aaaa/*"}})),
            Just(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
            Just(json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}})),
        ],
    )
}

/// One statement as JSON. `principal`: resource policies and RCPs need one.
pub fn statement(principal: bool) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        vec(action_pattern(), 1..3),
        any::<bool>(),
        vec(resource_pattern(), 1..3),
        principal_value(),
        condition(),
        0..8u8,
    )
        .prop_map(
            move |(deny, actions, not_action, resources, pv, cond, neg)| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
                let akey = if not_action && neg == 0 {
                    "NotAction"
                } else {
                    "Action"
                };
                s.insert(akey.into(), json!(actions));
                s.insert("Resource".into(), json!(resources));
                if principal {
                    s.insert("Principal".into(), pv);
                }
                if let Some(c) = cond {
                    s.insert("Condition".into(), c);
                }
                Value::Object(s)
            },
        )
}

pub fn policy_json(principal: bool) -> impl Strategy<Value = Value> {
    vec(statement(principal), 1..4).prop_map(|st| json!({"Version": "2012-10-17", "Statement": st}))
}

/// RCP documents: `RCPFullAWSAccess` or custom Deny-only statements.
pub fn rcp_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => Just(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})),
        1 => vec(statement(true), 1..3).prop_map(|st| {
            let st: Vec<Value> = st.into_iter().map(|mut s| { s["Effect"] = json!("Deny"); s["Principal"] = json!("*"); s }).collect();
            json!({"Version": "2012-10-17", "Statement": st})
        }),
    ]
}

/// An authorization question and every layer's documents, as JSON so that
/// properties can rewrite them (shuffle, split, add statements).
#[derive(Debug, Clone)]
pub struct Scenario {
    pub principal: Principal,
    pub action: String,
    pub resource: String,
    pub resource_account: String,
    pub context: Context,
    pub kind: ResourcePolicyKind,
    pub identity: Vec<Value>,
    pub boundary: Option<Value>,
    pub session: Vec<Value>,
    pub scp_levels: Option<Vec<Vec<Value>>>,
    pub rcp_levels: Option<Vec<Vec<Value>>>,
    pub resource_policy: Option<Value>,
}

fn compile_all(docs: &[Value], prefix: &str, source: PolicySource) -> Vec<NamedPolicy> {
    docs.iter()
        .enumerate()
        .filter_map(|(i, d)| {
            parse(&d.to_string())
                .ok()
                .map(|p| NamedPolicy::new(&format!("{prefix}{i}"), source, p))
        })
        .collect()
}

impl Scenario {
    pub fn request(&self) -> Request {
        Request::builder(self.principal.clone(), &self.action, &self.resource)
            .resource_account(&self.resource_account)
            .context(self.context.clone())
            .build()
    }

    pub fn layers(&self) -> (IdentityLayers, ResourceLayers) {
        let levels = |lv: &Option<Vec<Vec<Value>>>, p: &str, s: PolicySource| {
            lv.as_ref().map(|l| {
                l.iter()
                    .enumerate()
                    .map(|(i, docs)| compile_all(docs, &format!("{p}{i}."), s))
                    .collect()
            })
        };
        let ids = IdentityLayers {
            identity: compile_all(&self.identity, "identity", PolicySource::UserManaged),
            boundary: self.boundary.as_ref().and_then(|b| {
                compile_all(
                    std::slice::from_ref(b),
                    "boundary",
                    PolicySource::UserManaged,
                )
                .pop()
            }),
            session: compile_all(&self.session, "session", PolicySource::Session),
            scp_levels: levels(&self.scp_levels, "scp", PolicySource::ServiceControl),
        };
        let res = ResourceLayers {
            kind: self.kind,
            resource_policy: self.resource_policy.as_ref().and_then(|r| {
                compile_all(std::slice::from_ref(r), "resource", PolicySource::Resource).pop()
            }),
            rcp_levels: levels(&self.rcp_levels, "rcp", PolicySource::ResourceControl),
        };
        (ids, res)
    }
}

pub fn context() -> impl Strategy<Value = Context> {
    (
        any::<bool>(),
        option::of(prop::sample::select(&["10.1.2.3", "192.0.2.1"][..])),
    )
        .prop_map(|(grant, ip)| {
            let mut c = Context::default();
            c.set("kms:GrantIsForAWSResource", ContextValue::Bool(grant));
            if let Some(ip) = ip {
                if let Ok(a) = ip.parse() {
                    c.set("aws:SourceIp", ContextValue::Ip(a));
                }
            }
            c
        })
}

pub fn scenario() -> impl Strategy<Value = Scenario> {
    let levels = |inner: BoxedStrategy<Value>| option::of(vec(vec(inner, 0..3), 1..3));
    (
        (principal(), action(), account(), context()),
        vec(policy_json(false), 0..3),
        option::weighted(0.3, policy_json(false)),
        vec(policy_json(false), 0..2),
        levels(policy_json(false).boxed()),
        levels(rcp_json().boxed()),
        option::weighted(0.7, policy_json(true)),
    )
        .prop_map(
            |(
                (principal, action, res_acct, context),
                identity,
                boundary,
                session,
                scp_levels,
                rcp_levels,
                resource_policy,
            )| {
                let resource = resource_for(&action, &res_acct);
                let kind = match action.split(':').next() {
                    Some("kms") => ResourcePolicyKind::KmsKeyPolicy,
                    Some("backup") => ResourcePolicyKind::BackupVault,
                    _ => ResourcePolicyKind::Generic,
                };
                Scenario {
                    principal,
                    action,
                    resource,
                    resource_account: res_acct,
                    context,
                    kind,
                    identity,
                    boundary,
                    session,
                    scp_levels,
                    rcp_levels,
                    resource_policy,
                }
            },
        )
}
