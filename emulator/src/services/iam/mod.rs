//! AWS IAM: users, access keys, roles, groups, inline and managed policies with versions,
//! permissions boundaries, service-linked roles, and the read helpers the policy engine's
//! authorization layer uses to find a principal's policies ([`access`]).
//!
//! IAM is global: every account has one [`state::IamState`]. Every handler asks
//! `authz::authorize` before it acts, with the IAM action and the ARN of the user,
//! role, group or policy it touches.

pub mod access;
pub mod access_keys;
pub mod aws_managed;
pub mod groups;
pub mod ids;
pub mod policies;
pub mod policy_docs;
pub mod roles;
pub mod seed;
pub mod simulator_ops;
pub mod state;
pub mod users;

use serde_json::{json, Map, Value};

use crate::authz::{self, Access};
use crate::protocol::{ApiError, ApiResult, ServiceId};
use crate::request::RequestContext;
use crate::world::World;

pub use access::iam;
pub use state::key;
use state::{IamState, Tag};

/// The account's IAM state (here, not in `state.rs`, so the state layer does not read the
/// world), created with the account on first use.
pub fn iam_mut<'w>(world: &'w mut World, account: &str, now: f64) -> &'w mut IamState {
    &mut world.account_mut(account, now).iam
}

/// IAM in the service registry.
pub static SERVICE: crate::services::registry::ServiceDef = crate::services::registry::ServiceDef {
    id: crate::protocol::ServiceId::Iam,
    handle,
    fire: crate::services::registry::no_events,
    schedule_all: crate::services::registry::nothing_to_schedule,
    prevalidate: None,
    invalid_input: crate::services::registry::aggregate_validation_error,
    runs_long: &[],
};

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    match operation {
        "SimulateCustomPolicy"
        | "SimulatePrincipalPolicy"
        | "GetContextKeysForCustomPolicy"
        | "GetContextKeysForPrincipalPolicy" => simulator_ops::handle(ctx, world, operation, input),
        "CreateUser" | "GetUser" | "ListUsers" | "DeleteUser" | "UpdateUser" | "TagUser"
        | "UntagUser" | "ListUserTags" => users::handle(ctx, world, operation, input),
        "CreateAccessKey"
        | "ListAccessKeys"
        | "DeleteAccessKey"
        | "UpdateAccessKey"
        | "GetAccessKeyLastUsed" => access_keys::handle(ctx, world, operation, input),
        "CreateGroup"
        | "GetGroup"
        | "ListGroups"
        | "DeleteGroup"
        | "UpdateGroup"
        | "AddUserToGroup"
        | "RemoveUserFromGroup"
        | "ListGroupsForUser" => groups::handle(ctx, world, operation, input),
        "CreateRole"
        | "GetRole"
        | "ListRoles"
        | "DeleteRole"
        | "UpdateRole"
        | "UpdateAssumeRolePolicy"
        | "UpdateRoleDescription"
        | "TagRole"
        | "UntagRole"
        | "ListRoleTags"
        | "CreateServiceLinkedRole"
        | "DeleteServiceLinkedRole"
        | "GetServiceLinkedRoleDeletionStatus" => roles::handle(ctx, world, operation, input),
        "PutUserPolicy"
        | "GetUserPolicy"
        | "ListUserPolicies"
        | "DeleteUserPolicy"
        | "PutGroupPolicy"
        | "GetGroupPolicy"
        | "ListGroupPolicies"
        | "DeleteGroupPolicy"
        | "PutRolePolicy"
        | "GetRolePolicy"
        | "ListRolePolicies"
        | "DeleteRolePolicy"
        | "CreatePolicy"
        | "GetPolicy"
        | "GetPolicyVersion"
        | "CreatePolicyVersion"
        | "SetDefaultPolicyVersion"
        | "ListPolicies"
        | "ListPolicyVersions"
        | "DeletePolicy"
        | "DeletePolicyVersion"
        | "AttachUserPolicy"
        | "DetachUserPolicy"
        | "AttachGroupPolicy"
        | "DetachGroupPolicy"
        | "AttachRolePolicy"
        | "DetachRolePolicy"
        | "ListAttachedUserPolicies"
        | "ListAttachedGroupPolicies"
        | "ListAttachedRolePolicies"
        | "ListEntitiesForPolicy"
        | "PutUserPermissionsBoundary"
        | "DeleteUserPermissionsBoundary"
        | "PutRolePermissionsBoundary"
        | "DeleteRolePermissionsBoundary"
        | "GetAccountAuthorizationDetails"
        | "TagPolicy"
        | "UntagPolicy"
        | "ListPolicyTags" => policies::handle(ctx, world, operation, input),
        _ => Err(super::not_implemented(ctx)),
    }
}

/// An error as IAM's model declares it: the shape's awsQuery code and HTTP status
/// (`NoSuchEntityException` → `NoSuchEntity`, 404).
pub fn modeled_error(shape: &str, message: impl Into<String>) -> ApiError {
    crate::services::errors::modeled(ServiceId::Iam, shape, message)
}

pub fn no_such_entity(message: impl Into<String>) -> ApiError {
    modeled_error("NoSuchEntityException", message)
}

pub fn already_exists(message: impl Into<String>) -> ApiError {
    modeled_error("EntityAlreadyExistsException", message)
}

pub fn delete_conflict(message: impl Into<String>) -> ApiError {
    modeled_error("DeleteConflictException", message)
}

pub fn limit_exceeded(message: impl Into<String>) -> ApiError {
    modeled_error("LimitExceededException", message)
}

pub fn invalid_input(message: impl Into<String>) -> ApiError {
    modeled_error("InvalidInputException", message)
}

pub fn unmodifiable(message: impl Into<String>) -> ApiError {
    modeled_error("UnmodifiableEntityException", message)
}

/// A string member of the input (validation already enforced `required`).
pub fn text<'a>(input: &'a Value, member: &str) -> &'a str {
    input[member].as_str().unwrap_or_default()
}

pub fn opt_text<'a>(input: &'a Value, member: &str) -> Option<&'a str> {
    input[member].as_str()
}

pub fn user_arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    crate::arn::global(partition, "iam", account, &format!("user{path}{name}"))
}

pub fn role_arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    crate::arn::global(partition, "iam", account, &format!("role{path}{name}"))
}

pub fn group_arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    crate::arn::global(partition, "iam", account, &format!("group{path}{name}"))
}

pub fn policy_arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    crate::arn::global(partition, "iam", account, &format!("policy{path}{name}"))
}

/// Asks the policy engine about the request's own action on `resource`.
pub fn authorize(ctx: &RequestContext, world: &World, resource: String) -> ApiResult<()> {
    authz::authorize(ctx, world, &Access::new(Some(resource)))
}

/// Like [`authorize`], with condition keys (`aws:RequestTag/...`, `iam:PolicyARN`, ...).
pub fn authorize_with(
    ctx: &RequestContext,
    world: &World,
    resource: String,
    context: Vec<(String, Value)>,
) -> ApiResult<()> {
    let mut access = Access::new(Some(resource));
    access.context = context;
    authz::authorize(ctx, world, &access)
}

/// `aws:RequestTag/k` and `aws:TagKeys` for a request that carries tags.
pub fn tag_context(tags: &[Tag]) -> Vec<(String, Value)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut context: Vec<(String, Value)> = tags
        .iter()
        .map(|t| (format!("aws:RequestTag/{}", t.key), json!(t.value)))
        .collect();
    context.push((
        "aws:TagKeys".into(),
        Value::Array(tags.iter().map(|t| json!(t.key)).collect()),
    ));
    context
}

pub fn tags_from(input: &Value, member: &str) -> Vec<Tag> {
    input[member]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|t| Tag {
                    key: t["Key"].as_str().unwrap_or_default().to_owned(),
                    value: t["Value"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"Key": t.key, "Value": t.value}))
            .collect(),
    )
}

/// At most 50 tags per entity (IAM quota).
pub const MAX_TAGS: usize = 50;

/// Adds or overwrites tags (keys compare without case, as IAM does).
pub fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) -> ApiResult<()> {
    let mut merged = existing.clone();
    for tag in new {
        match merged
            .iter_mut()
            .find(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            Some(old) => *old = tag,
            None => merged.push(tag),
        }
    }
    if merged.len() > MAX_TAGS {
        // Text inferred (moto).
        return Err(limit_exceeded(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50.",
        ));
    }
    *existing = merged;
    Ok(())
}

pub fn remove_tags(existing: &mut Vec<Tag>, input: &Value) {
    let keys: Vec<&str> = input["TagKeys"]
        .as_array()
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    existing.retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
}

/// Checks that a new tag list has no duplicate keys; AWS rejects duplicates in one request.
pub fn check_duplicate_tags(tags: &[Tag]) -> ApiResult<()> {
    for (i, tag) in tags.iter().enumerate() {
        if tags[..i]
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
            // Text inferred (moto).
            return Err(invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// One page of a list and the members IAM adds for it (`IsTruncated`, `Marker`).
/// The marker is opaque to clients; keyhole's is the base64 of the next offset.
pub fn paginate(items: Vec<Value>, input: &Value) -> ApiResult<(Vec<Value>, Map<String, Value>)> {
    let max = input["MaxItems"].as_i64().unwrap_or(100).max(1) as usize;
    let start = match input["Marker"].as_str() {
        None => 0,
        Some(marker) => decode_marker(marker)
            // Text inferred (moto).
            .ok_or_else(|| ApiError::new("ValidationError", "Invalid Marker."))?,
    };
    let (page, next) = crate::services::offset::slice(items, start, max);
    let mut extra = Map::new();
    extra.insert("IsTruncated".into(), Value::Bool(next.is_some()));
    if let Some(next) = next {
        extra.insert("Marker".into(), json!(encode_marker(next)));
    }
    Ok((page, extra))
}

fn encode_marker(offset: usize) -> String {
    crate::services::offset::encode_tagged("keyhole", offset)
}

fn decode_marker(marker: &str) -> Option<usize> {
    crate::services::offset::decode_tagged("keyhole", marker)
}

/// A list output: `{member: page, IsTruncated, Marker?}`.
pub fn list_output(member: &str, items: Vec<Value>, input: &Value) -> ApiResult<Value> {
    let (page, mut out) = paginate(items, input)?;
    out.insert(member.to_owned(), Value::Array(page));
    Ok(Value::Object(out))
}

pub fn path_matches(path: &str, input: &Value) -> bool {
    input["PathPrefix"]
        .as_str()
        .is_none_or(|prefix| path.starts_with(prefix))
}

pub fn empty() -> Value {
    Value::Object(Map::new())
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::net::{IpAddr, Ipv4Addr};

    use serde_json::Value;

    use crate::protocol::{ApiError, ServiceId};
    use crate::request::RequestContext;
    use crate::world::{Caller, World};

    pub const ACCOUNT: &str = "222222222222";

    pub fn ctx(service: ServiceId, operation: &str, caller: Caller, now: f64) -> RequestContext {
        RequestContext {
            request_id: "test".into(),
            service,
            operation: operation.into(),
            caller,
            region: "us-east-1".into(),
            now,
            source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            secure_transport: false,
            user_agent: None,
        }
    }

    /// Runs an IAM operation as the root of [`ACCOUNT`] after model validation, as the
    /// pipeline would.
    pub fn iam(world: &mut World, operation: &str, input: Value) -> Result<Value, ApiError> {
        call(
            world,
            ServiceId::Iam,
            operation,
            input,
            Caller::root(ACCOUNT, ACCOUNT),
        )
    }

    pub fn call(
        world: &mut World,
        service: ServiceId,
        operation: &str,
        input: Value,
        caller: Caller,
    ) -> Result<Value, ApiError> {
        let model = service.model();
        if let Some(shape) = model
            .operations
            .get(operation)
            .and_then(|o| o.input.as_deref())
        {
            crate::protocol::validate::validate_input(service, shape, &input)?;
        }
        let ctx = ctx(service, operation, caller, 1_700_000_000.0);
        let call = crate::protocol::Call {
            service,
            operation: operation.into(),
            input,
        };
        crate::services::dispatch(&ctx, world, &call)
    }

    pub fn err(result: Result<Value, ApiError>) -> (String, u16, String) {
        match result {
            Ok(v) => panic!("expected an error, got {v}"),
            Err(e) => (
                e.code.clone(),
                e.status,
                e.message.clone().unwrap_or_default(),
            ),
        }
    }

    pub const TRUST_ANY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}"#;
    pub const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
}
