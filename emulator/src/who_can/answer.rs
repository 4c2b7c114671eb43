//! The who-can answer: every principal of the world, each decided as a request of its own
//! would be, split into the allowed (with the statements that allowed) and the denied (with
//! the AccessDenied message the service would answer).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use serde_json::{json, Value};

use super::target::{denial_message, Target};
use crate::authz::{self, Environment};
use crate::instance::Instance;
use crate::policy::model::PrincipalEntryKind;
use crate::policy::{self, Decision, Layer};
use crate::protocol::admin::error;
use crate::protocol::{HttpRequest, HttpResponse};
use crate::request::RequestContext;
use crate::world::{Caller, CallerKind, World};

/// The session name every role is asked about under: `assumed-role/ROLE/keyhole-who-can`.
const SESSION_NAME: &str = "keyhole-who-can";

/// The admin path that asks who may perform `action` on `resource`.
pub(crate) fn path(action: &str, resource: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("action", action)
        .append_pair("resource", resource)
        .finish();
    format!("/_keyhole/who-can?{query}")
}

/// `GET /_keyhole/who-can?action=kms:Decrypt&resource=ARN`.
pub(crate) fn handle(instance: &Instance, req: &HttpRequest) -> HttpResponse {
    let pairs = req.query_pairs();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(action), Some(resource)) = (param("action"), param("resource")) else {
        return error(
            400,
            "who-can needs ?action=SERVICE:Operation&resource=ARN, e.g. ?action=kms:Decrypt&resource=arn:aws:kms:us-east-1:111111111111:key/KEY-ID",
        );
    };
    if let Some((name, _)) = pairs.iter().find(|(k, _)| k != "action" && k != "resource") {
        return error(
            400,
            &format!("unknown query parameter `{name}`, expected `action` and `resource`"),
        );
    }
    let valid_action = action
        .split_once(':')
        .is_some_and(|(s, op)| !s.is_empty() && !op.is_empty() && !op.contains(':'));
    if !valid_action {
        return error(
            400,
            &format!(
                "`{action}` is not an action: write it as SERVICE:Operation, e.g. kms:Decrypt"
            ),
        );
    }
    let now = instance.clock.now();
    let world = instance.world();
    match who_can(&world, now, action, resource) {
        Some(answer) => HttpResponse::json(200, &answer),
        None => error(
            404,
            &format!("no KMS key, backup vault or IAM role of this world has the ARN {resource}: who-can answers for a key (its key ARN or an alias ARN), a vault or a role that exists; GET /_keyhole/state lists them"),
        ),
    }
}

/// One principal of the world.
enum Who {
    Caller(Caller),
    Service(String),
}

/// Who may perform `action` on `resource`; `None` when the world has no such resource.
fn who_can(world: &World, now: f64, action: &str, resource: &str) -> Option<Value> {
    let target = Target::find(world, resource, now)?;
    let service = target.service(action);
    let (mut allowed, mut denied) = (Vec::new(), Vec::new());
    for who in principals(world, &target, action, now) {
        let decision = match &who {
            Who::Caller(caller) => {
                let access = target.access(world, action, &caller.account, now);
                let ctx = RequestContext {
                    request_id: SESSION_NAME.to_owned(),
                    service,
                    operation: action.split(':').nth(1).unwrap_or_default().to_owned(),
                    caller: caller.clone(),
                    region: target.region.clone(),
                    now,
                    // A request from this machine, over keyhole's plain HTTP.
                    source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                    secure_transport: false,
                    user_agent: None,
                    decisions: Default::default(),
                };
                authz::decide_request(&ctx, world, &access)
            }
            Who::Service(name) => {
                let access = target.access(world, action, &target.account, now);
                let env = Environment {
                    region: target.region.clone(),
                    now,
                    called_via: Vec::new(),
                };
                authz::decide_service(world, name, &env, &access)
            }
        };
        if decision.is_allowed() {
            allowed.push(allowed_json(&decision));
        } else {
            denied.push(json!({
                "principal": decision.principal_arn(),
                "decision": decision.decision.as_str(),
                "layer": decision.layer.map(layer_name),
                "message": denial_message(service, &decision),
            }));
        }
    }
    Some(json!({
        "action": action,
        "resource": target.arn,
        "allowed": allowed,
        "denied": denied,
    }))
}

/// Each account's root, its users and a session of each of its roles, for every account of
/// the world (those with state, those of an organization, the resource's); then the service
/// principals the resource's policy names.
fn principals(world: &World, target: &Target, action: &str, now: f64) -> Vec<Who> {
    let mut accounts: BTreeSet<&str> = world.accounts.keys().map(String::as_str).collect();
    for org in world.organizations.organizations.values() {
        accounts.extend(org.accounts.keys().map(String::as_str));
    }
    accounts.insert(&target.account);
    let partition = Cow::Borrowed(crate::world::partition(&target.region));
    let mut out = Vec::new();
    for account in accounts {
        let caller = |kind: CallerKind, user_id: String| Caller {
            account: account.to_owned(),
            kind,
            user_id,
            // No access key: no STS session, so no session policy applies.
            access_key_id: String::new(),
            partition: partition.clone(),
        };
        out.push(Who::Caller(caller(CallerKind::Root, account.to_owned())));
        let Some(iam) = world.accounts.get(account).map(|a| &a.iam) else {
            continue;
        };
        for user in iam.users.values() {
            let kind = CallerKind::User {
                name: user.name.clone(),
                path: user.path.clone(),
            };
            out.push(Who::Caller(caller(kind, user.id.clone())));
        }
        for role in iam.roles.values() {
            let kind = CallerKind::AssumedRole {
                role_name: role.name.clone(),
                role_path: role.path.clone(),
                role_id: role.id.clone(),
                session_name: SESSION_NAME.to_owned(),
            };
            out.push(Who::Caller(caller(
                kind,
                format!("{}:{SESSION_NAME}", role.id),
            )));
        }
    }
    let access = target.access(world, action, &target.account, now);
    let named = access
        .resource_policy
        .and_then(|(_, text)| policy::parse(&text).ok())
        .map(|p| service_principals(&p))
        .unwrap_or_default();
    out.extend(named.into_iter().map(Who::Service));
    out
}

/// The `Service` principals a policy's statements name, in order, once each.
fn service_principals(policy: &policy::Policy) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let entries = policy
        .statements
        .iter()
        .filter_map(|s| s.principal.as_ref())
        .filter(|block| !block.negated)
        .flat_map(|block| &block.entries)
        .filter(|e| e.kind == PrincipalEntryKind::Service);
    for entry in entries {
        if !names.contains(&entry.value) {
            names.push(entry.value.clone());
        }
    }
    names
}

/// `resource-based policy`, ..., as AWS's messages name the layers; a grant by its own name.
fn layer_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Grant => "KMS grant",
        other => other.phrase(),
    }
}

fn allowed_json(decision: &Decision) -> Value {
    let statements: Vec<Value> = decision
        .matched
        .iter()
        .map(|m| {
            json!({
                "policy": m.policy_arn.as_deref().unwrap_or(&m.policy_id),
                "sid": m.sid.as_deref(),
                "index": m.index,
                "line": m.span.map(|s| s.start.line),
                "column": m.span.map(|s| s.start.column),
            })
        })
        .collect();
    json!({
        "principal": decision.principal_arn(),
        "layer": decision.layer.map(layer_name),
        "statements": statements,
        "grantId": decision.grant_id,
        "explanation": decision.explain().trim_end(),
    })
}
