//! Inline policies of users, groups and roles; customer-managed policies with versions;
//! attachment of managed policies (customer and AWS); permissions boundaries;
//! ListEntitiesForPolicy and GetAccountAuthorizationDetails.

use serde_json::{json, Value};

use super::access::{resolve, PolicyRef};
use super::aws_managed::{self, AwsManagedPolicy};
use super::policy_docs::{
    check_inline_aggregate, check_managed_size, size_without_whitespace, url_encode,
    validate_policy_document, PolicyDocumentKind,
};
use super::state::{IamState, ManagedPolicy, Policies, PolicyVersion};
use super::{
    already_exists, authorize, authorize_with, check_duplicate_tags, delete_conflict, empty,
    groups, iam, iam_mut, ids, key, limit_exceeded, list_output, merge_tags, modeled_error,
    no_such_entity, opt_text, policy_arn, remove_tags, roles, tag_context, tags_from, tags_json,
    text, unmodifiable, users,
};
use crate::context::RequestContext;
use crate::protocol::{ApiError, ApiResult};
use crate::world::World;

/// IAM quota: at most five versions per managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;
/// IAM quota (default): managed policies attached per user, group or role.
pub const MAX_ATTACHED: usize = 10;

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    use Entity::*;
    match operation {
        "PutUserPolicy" => put_inline(ctx, world, input, User),
        "PutGroupPolicy" => put_inline(ctx, world, input, Group),
        "PutRolePolicy" => put_inline(ctx, world, input, Role),
        "GetUserPolicy" => get_inline(ctx, world, input, User),
        "GetGroupPolicy" => get_inline(ctx, world, input, Group),
        "GetRolePolicy" => get_inline(ctx, world, input, Role),
        "ListUserPolicies" => list_inline(ctx, world, input, User),
        "ListGroupPolicies" => list_inline(ctx, world, input, Group),
        "ListRolePolicies" => list_inline(ctx, world, input, Role),
        "DeleteUserPolicy" => delete_inline(ctx, world, input, User),
        "DeleteGroupPolicy" => delete_inline(ctx, world, input, Group),
        "DeleteRolePolicy" => delete_inline(ctx, world, input, Role),
        "AttachUserPolicy" => attach(ctx, world, input, User),
        "AttachGroupPolicy" => attach(ctx, world, input, Group),
        "AttachRolePolicy" => attach(ctx, world, input, Role),
        "DetachUserPolicy" => detach(ctx, world, input, User),
        "DetachGroupPolicy" => detach(ctx, world, input, Group),
        "DetachRolePolicy" => detach(ctx, world, input, Role),
        "ListAttachedUserPolicies" => list_attached(ctx, world, input, User),
        "ListAttachedGroupPolicies" => list_attached(ctx, world, input, Group),
        "ListAttachedRolePolicies" => list_attached(ctx, world, input, Role),
        "PutUserPermissionsBoundary" => put_boundary(ctx, world, input, User),
        "PutRolePermissionsBoundary" => put_boundary(ctx, world, input, Role),
        "DeleteUserPermissionsBoundary" => delete_boundary(ctx, world, input, User),
        "DeleteRolePermissionsBoundary" => delete_boundary(ctx, world, input, Role),
        "CreatePolicy" => create_policy(ctx, world, input),
        "GetPolicy" => get_policy(ctx, world, input),
        "GetPolicyVersion" => get_policy_version(ctx, world, input),
        "CreatePolicyVersion" => create_policy_version(ctx, world, input),
        "SetDefaultPolicyVersion" => set_default_version(ctx, world, input),
        "ListPolicies" => list_policies(ctx, world, input),
        "ListPolicyVersions" => list_policy_versions(ctx, world, input),
        "DeletePolicy" => delete_policy(ctx, world, input),
        "DeletePolicyVersion" => delete_policy_version(ctx, world, input),
        "ListEntitiesForPolicy" => entities_for_policy(ctx, world, input),
        "GetAccountAuthorizationDetails" => authorization_details(ctx, world, input),
        "TagPolicy" => tag_policy(ctx, world, input),
        "UntagPolicy" => untag_policy(ctx, world, input),
        "ListPolicyTags" => list_policy_tags(ctx, world, input),
        _ => Err(crate::services::not_implemented(ctx)),
    }
}

/// The principal-like entities that carry policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    User,
    Group,
    Role,
}

impl Entity {
    fn word(self) -> &'static str {
        match self {
            Entity::User => "user",
            Entity::Group => "group",
            Entity::Role => "role",
        }
    }

    fn name_member(self) -> &'static str {
        match self {
            Entity::User => "UserName",
            Entity::Group => "GroupName",
            Entity::Role => "RoleName",
        }
    }

    fn quota_name(self) -> &'static str {
        match self {
            Entity::User => "PoliciesPerUser",
            Entity::Group => "PoliciesPerGroup",
            Entity::Role => "PoliciesPerRole",
        }
    }
}

/// What a handler needs to know about the entity a request names.
struct EntityInfo {
    name: String,
    arn: String,
    service_linked: bool,
}

fn entity_info(world: &World, account: &str, entity: Entity, name: &str) -> ApiResult<EntityInfo> {
    Ok(match entity {
        Entity::User => {
            let u = users::find(world, account, name)?;
            EntityInfo {
                name: u.name.clone(),
                arn: users::arn_of(account, u),
                service_linked: false,
            }
        }
        Entity::Group => {
            let g = groups::find(world, account, name)?;
            EntityInfo {
                name: g.name.clone(),
                arn: groups::arn_of(account, g),
                service_linked: false,
            }
        }
        Entity::Role => {
            let r = roles::find(world, account, name)?;
            EntityInfo {
                name: r.name.clone(),
                arn: roles::arn_of(account, r),
                service_linked: r.service_linked,
            }
        }
    })
}

fn policies_mut<'s>(
    state: &'s mut IamState,
    entity: Entity,
    name: &str,
) -> Option<&'s mut Policies> {
    let k = key(name);
    match entity {
        Entity::User => state.users.get_mut(&k).map(|u| &mut u.policies),
        Entity::Group => state.groups.get_mut(&k).map(|g| &mut g.policies),
        Entity::Role => state.roles.get_mut(&k).map(|r| &mut r.policies),
    }
}

fn policies_of<'s>(state: &'s IamState, entity: Entity, name: &str) -> Option<&'s Policies> {
    let k = key(name);
    match entity {
        Entity::User => state.users.get(&k).map(|u| &u.policies),
        Entity::Group => state.groups.get(&k).map(|g| &g.policies),
        Entity::Role => state.roles.get(&k).map(|r| &r.policies),
    }
}

fn protected(name: &str) -> ApiError {
    unmodifiable(format!(
        "Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
    ))
}

fn inline_not_found(entity: Entity, name: &str) -> ApiError {
    // Verified for roles; the user and group forms follow the same pattern.
    no_such_entity(format!(
        "The {} policy with name {name} cannot be found.",
        entity.word()
    ))
}

fn put_inline(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    authorize(ctx, world, info.arn.clone())?;
    if info.service_linked {
        return Err(protected(&info.name));
    }
    let policy_name = text(input, "PolicyName");
    let document = text(input, "PolicyDocument");
    validate_policy_document(PolicyDocumentKind::Identity, document)?;
    let state = iam_mut(world, &account, ctx.now);
    let policies =
        policies_mut(state, entity, &info.name).ok_or_else(|| users::user_not_found(&info.name))?;
    let total = policies.inline_size_without(policy_name) + size_without_whitespace(document);
    check_inline_aggregate(entity.word(), &info.name, total)?;
    policies.inline_put(policy_name, document);
    Ok(empty())
}

fn get_inline(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    authorize(ctx, world, info.arn.clone())?;
    let policy_name = text(input, "PolicyName");
    let (name, document) = iam(world, &account)
        .and_then(|s| policies_of(s, entity, &info.name))
        .and_then(|p| p.inline_get(policy_name))
        .ok_or_else(|| inline_not_found(entity, policy_name))?;
    Ok(json!({
        entity.name_member(): info.name,
        "PolicyName": name,
        "PolicyDocument": url_encode(document),
    }))
}

fn list_inline(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    authorize(ctx, world, info.arn.clone())?;
    let mut names: Vec<Value> = iam(world, &account)
        .and_then(|s| policies_of(s, entity, &info.name))
        .map(|p| p.inline.iter().map(|(n, _)| json!(n)).collect())
        .unwrap_or_default();
    names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    list_output("PolicyNames", names, input)
}

fn delete_inline(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    authorize(ctx, world, info.arn.clone())?;
    if info.service_linked {
        return Err(protected(&info.name));
    }
    let policy_name = text(input, "PolicyName");
    let removed = policies_mut(iam_mut(world, &account, ctx.now), entity, &info.name)
        .is_some_and(|p| p.inline_remove(policy_name));
    if !removed {
        return Err(inline_not_found(entity, policy_name));
    }
    Ok(empty())
}

fn not_attachable(arn: &str) -> ApiError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

fn policy_not_found(arn: &str) -> ApiError {
    // Text inferred (moto).
    no_such_entity(format!("Policy {arn} was not found."))
}

/// Checks a permissions-boundary ARN names a managed policy.
pub fn boundary_arn(world: &World, account: &str, arn: &str) -> ApiResult<String> {
    match resolve(world, account, arn) {
        Some(_) => Ok(arn.to_owned()),
        // Text inferred.
        None => Err(invalid_input_scope(arn)),
    }
}

fn invalid_input_scope(arn: &str) -> ApiError {
    no_such_entity(format!(
        "Scope ARN: {arn} does not exist or is not attachable."
    ))
}

/// (attachments, boundary uses) of a managed policy in an account.
pub fn usage(state: &IamState, arn: &str) -> (usize, usize) {
    let arn = arn.to_owned();
    let attached = state
        .users
        .values()
        .filter(|u| u.policies.attached.contains(&arn))
        .count()
        + state
            .groups
            .values()
            .filter(|g| g.policies.attached.contains(&arn))
            .count()
        + state
            .roles
            .values()
            .filter(|r| r.policies.attached.contains(&arn))
            .count();
    let boundary = state
        .users
        .values()
        .filter(|u| u.permissions_boundary.as_ref() == Some(&arn))
        .count()
        + state
            .roles
            .values()
            .filter(|r| r.permissions_boundary.as_ref() == Some(&arn))
            .count();
    (attached, boundary)
}

fn attach(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    let arn = text(input, "PolicyArn");
    authorize_with(
        ctx,
        world,
        info.arn.clone(),
        vec![("iam:PolicyARN".into(), json!(arn))],
    )?;
    if info.service_linked {
        return Err(protected(&info.name));
    }
    let policy = resolve(world, &account, arn).ok_or_else(|| not_attachable(arn))?;
    if let PolicyRef::Aws(p) = policy {
        if p.path.starts_with("/aws-service-role/") && entity == Entity::Role {
            return Err(modeled_error(
                "PolicyNotAttachableException",
                "Cannot attach a Service Role Policy to a Customer Role.",
            ));
        }
        if p.path.starts_with("/aws-service-role/") || p.path.starts_with("/root-task/") {
            return Err(not_attachable(arn));
        }
    }
    let policies = policies_mut(iam_mut(world, &account, ctx.now), entity, &info.name)
        .ok_or_else(|| not_attachable(arn))?;
    if policies.attached.iter().any(|a| a == arn) {
        return Ok(empty());
    }
    if policies.attached.len() >= MAX_ATTACHED {
        return Err(limit_exceeded(format!(
            "Cannot exceed quota for {}: {MAX_ATTACHED}",
            entity.quota_name()
        )));
    }
    policies.attached.push(arn.to_owned());
    Ok(empty())
}

fn detach(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    let arn = text(input, "PolicyArn");
    authorize_with(
        ctx,
        world,
        info.arn.clone(),
        vec![("iam:PolicyARN".into(), json!(arn))],
    )?;
    if info.service_linked {
        return Err(protected(&info.name));
    }
    let policies = policies_mut(iam_mut(world, &account, ctx.now), entity, &info.name)
        .ok_or_else(|| policy_not_found(arn))?;
    if !policies.attached.iter().any(|a| a == arn) {
        return Err(policy_not_found(arn));
    }
    policies.attached.retain(|a| a != arn);
    Ok(empty())
}

/// (name, path) of an attached ARN, for listings.
fn name_and_path(world: &World, account: &str, arn: &str) -> (String, String) {
    match resolve(world, account, arn) {
        Some(PolicyRef::Aws(p)) => (p.name.clone(), p.path.clone()),
        Some(PolicyRef::Customer(k)) => iam(world, account)
            .and_then(|s| s.policies.get(&k))
            .map(|p| (p.name.clone(), p.path.clone()))
            .unwrap_or_default(),
        None => (arn.rsplit('/').next().unwrap_or(arn).to_owned(), "/".into()),
    }
}

fn list_attached(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    authorize(ctx, world, info.arn.clone())?;
    let attached = iam(world, &account)
        .and_then(|s| policies_of(s, entity, &info.name))
        .map(|p| p.attached.clone())
        .unwrap_or_default();
    let items: Vec<Value> = attached
        .iter()
        .filter_map(|arn| {
            let (name, path) = name_and_path(world, &account, arn);
            super::path_matches(&path, input).then(|| json!({"PolicyName": name, "PolicyArn": arn}))
        })
        .collect();
    list_output("AttachedPolicies", items, input)
}

fn put_boundary(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    let arn = text(input, "PermissionsBoundary");
    authorize_with(
        ctx,
        world,
        info.arn.clone(),
        vec![("iam:PermissionsBoundary".into(), json!(arn))],
    )?;
    if info.service_linked {
        return Err(protected(&info.name));
    }
    let arn = boundary_arn(world, &account, arn)?;
    set_boundary(world, &account, entity, &info.name, Some(arn), ctx.now);
    Ok(empty())
}

fn delete_boundary(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
    entity: Entity,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let info = entity_info(world, &account, entity, text(input, entity.name_member()))?;
    authorize(ctx, world, info.arn.clone())?;
    if info.service_linked {
        return Err(protected(&info.name));
    }
    set_boundary(world, &account, entity, &info.name, None, ctx.now);
    Ok(empty())
}

fn set_boundary(
    world: &mut World,
    account: &str,
    entity: Entity,
    name: &str,
    arn: Option<String>,
    now: f64,
) {
    let state = iam_mut(world, account, now);
    match entity {
        Entity::User => {
            if let Some(u) = state.users.get_mut(&key(name)) {
                u.permissions_boundary = arn;
            }
        }
        Entity::Role => {
            if let Some(r) = state.roles.get_mut(&key(name)) {
                r.permissions_boundary = arn;
            }
        }
        Entity::Group => {}
    }
}

fn customer_policy_json(state: &IamState, policy: &ManagedPolicy, detailed: bool) -> Value {
    let (attached, boundary) = usage(state, &policy.arn);
    let mut out = json!({
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": attached,
        "PermissionsBoundaryUsageCount": boundary,
        "IsAttachable": true,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
    });
    if detailed {
        if let Some(description) = &policy.description {
            out["Description"] = json!(description);
        }
        if !policy.tags.is_empty() {
            out["Tags"] = tags_json(&policy.tags);
        }
    }
    out
}

/// `partition`: the request's; the policy's ARN is shown and counted in it.
fn aws_policy_json(state: Option<&IamState>, policy: &AwsManagedPolicy, partition: &str) -> Value {
    let arn = policy.arn_in(partition);
    let (attached, boundary) = state.map(|s| usage(s, &arn)).unwrap_or_default();
    json!({
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": attached,
        "PermissionsBoundaryUsageCount": boundary,
        "IsAttachable": !policy.path.starts_with("/aws-service-role/"),
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
    })
}

fn create_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "PolicyName");
    let path = opt_text(input, "Path").unwrap_or("/");
    let arn = policy_arn(ctx.partition(), &account, path, name);
    let tags = tags_from(input, "Tags");
    check_duplicate_tags(&tags)?;
    authorize_with(ctx, world, arn.clone(), tag_context(&tags))?;
    let document = text(input, "PolicyDocument");
    validate_policy_document(PolicyDocumentKind::Identity, document)?;
    check_managed_size(document)?;
    let state = iam_mut(world, &account, ctx.now);
    if state.policies.contains_key(&key(name)) {
        return Err(already_exists(format!(
            "A policy called {name} already exists. Duplicate names are not allowed."
        )));
    }
    let policy = ManagedPolicy {
        name: name.to_owned(),
        path: path.to_owned(),
        id: ids::unique_id("ANPA"),
        arn,
        create_date: ctx.now,
        update_date: ctx.now,
        description: opt_text(input, "Description").map(str::to_owned),
        default_version_id: "v1".into(),
        versions: vec![PolicyVersion {
            version_id: "v1".into(),
            document: document.to_owned(),
            create_date: ctx.now,
        }],
        next_version: 2,
        tags,
    };
    let out = json!({"Policy": customer_policy_json(state, &policy, true)});
    state.policies.insert(key(name), policy);
    Ok(out)
}

/// The customer policy an ARN names, with AWS's "was not found" when it does not.
fn customer<'w>(world: &'w World, account: &str, arn: &str) -> ApiResult<&'w ManagedPolicy> {
    match resolve(world, account, arn) {
        Some(PolicyRef::Customer(k)) => iam(world, account)
            .and_then(|s| s.policies.get(&k))
            .ok_or_else(|| policy_not_found(arn)),
        _ => Err(policy_not_found(arn)),
    }
}

fn customer_mut<'w>(
    world: &'w mut World,
    account: &str,
    arn: &str,
    now: f64,
) -> ApiResult<&'w mut ManagedPolicy> {
    iam_mut(world, account, now)
        .policies
        .values_mut()
        .find(|p| p.arn == arn)
        .ok_or_else(|| policy_not_found(arn))
}

fn get_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    let state = iam(world, &account);
    match resolve(world, &account, arn) {
        Some(PolicyRef::Aws(p)) => {
            Ok(json!({"Policy": aws_policy_json(state, p, ctx.partition())}))
        }
        Some(PolicyRef::Customer(k)) => {
            match state.and_then(|s| s.policies.get(&k).map(|p| (s, p))) {
                Some((s, p)) => Ok(json!({"Policy": customer_policy_json(s, p, true)})),
                None => Err(policy_not_found(arn)),
            }
        }
        None => Err(policy_not_found(arn)),
    }
}

fn version_not_found(arn: &str, version: &str) -> ApiError {
    // Text inferred (moto).
    no_such_entity(format!(
        "Policy {arn} version {version} does not exist or is not attachable."
    ))
}

fn version_json(version: &PolicyVersion, default: &str, with_document: bool) -> Value {
    let mut out = json!({
        "VersionId": version.version_id,
        "IsDefaultVersion": version.version_id == default,
        "CreateDate": version.create_date,
    });
    if with_document {
        out["Document"] = json!(url_encode(&version.document));
    }
    out
}

fn get_policy_version(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    let version = text(input, "VersionId");
    authorize(ctx, world, arn.to_owned())?;
    match resolve(world, &account, arn) {
        Some(PolicyRef::Aws(p)) => {
            // keyhole keeps only the default version of AWS-managed policies.
            if version != p.default_version_id {
                return Err(version_not_found(arn, version));
            }
            Ok(json!({"PolicyVersion": {
                "Document": url_encode(&p.document),
                "VersionId": p.default_version_id,
                "IsDefaultVersion": true,
                "CreateDate": p.update_date,
            }}))
        }
        _ => {
            let policy = customer(world, &account, arn)?;
            let v = policy
                .versions
                .iter()
                .find(|v| v.version_id == version)
                .ok_or_else(|| version_not_found(arn, version))?;
            Ok(json!({"PolicyVersion": version_json(v, &policy.default_version_id, true)}))
        }
    }
}

fn create_policy_version(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    customer(world, &account, arn)?;
    let document = text(input, "PolicyDocument");
    validate_policy_document(PolicyDocumentKind::Identity, document)?;
    check_managed_size(document)?;
    let set_default = input["SetAsDefault"].as_bool().unwrap_or(false);
    let policy = customer_mut(world, &account, arn, ctx.now)?;
    if policy.versions.len() >= MAX_POLICY_VERSIONS {
        return Err(limit_exceeded(format!(
            "A managed policy can have up to {MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version."
        )));
    }
    let version = PolicyVersion {
        version_id: format!("v{}", policy.next_version),
        document: document.to_owned(),
        create_date: ctx.now,
    };
    policy.next_version += 1;
    if set_default {
        policy.default_version_id = version.version_id.clone();
    }
    policy.update_date = ctx.now;
    policy.versions.push(version.clone());
    Ok(json!({"PolicyVersion": version_json(&version, &policy.default_version_id, false)}))
}

fn set_default_version(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    let version = text(input, "VersionId");
    authorize(ctx, world, arn.to_owned())?;
    let policy = customer_mut(world, &account, arn, ctx.now)?;
    if !policy.versions.iter().any(|v| v.version_id == version) {
        return Err(version_not_found(arn, version));
    }
    policy.default_version_id = version.to_owned();
    policy.update_date = ctx.now;
    Ok(empty())
}

fn list_policies(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    authorize(ctx, world, policy_arn(ctx.partition(), &account, "/", ""))?;
    let scope = opt_text(input, "Scope").unwrap_or("All");
    let only_attached = input["OnlyAttached"].as_bool().unwrap_or(false);
    let usage_filter = opt_text(input, "PolicyUsageFilter");
    let state = iam(world, &account);
    let keep = |json: &Value| {
        let attached = json["AttachmentCount"].as_u64().unwrap_or(0);
        let boundary = json["PermissionsBoundaryUsageCount"].as_u64().unwrap_or(0);
        let used = match usage_filter {
            Some("PermissionsPolicy") => attached > 0,
            Some("PermissionsBoundary") => boundary > 0,
            _ => attached + boundary > 0,
        };
        (!only_attached || used)
            && json["Path"]
                .as_str()
                .is_some_and(|p| super::path_matches(p, input))
    };
    let mut items = Vec::new();
    if scope != "Local" {
        items.extend(
            aws_managed::all()
                .iter()
                .map(|p| aws_policy_json(state, p, ctx.partition()))
                .filter(&keep),
        );
    }
    if scope != "AWS" {
        if let Some(s) = state {
            items.extend(
                s.policies
                    .values()
                    .map(|p| customer_policy_json(s, p, false))
                    .filter(&keep),
            );
        }
    }
    list_output("Policies", items, input)
}

fn list_policy_versions(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    let versions: Vec<Value> = match resolve(world, &account, arn) {
        Some(PolicyRef::Aws(p)) => vec![json!({
            "VersionId": p.default_version_id,
            "IsDefaultVersion": true,
            "CreateDate": p.update_date,
        })],
        _ => {
            let policy = customer(world, &account, arn)?;
            policy
                .versions
                .iter()
                .rev()
                .map(|v| version_json(v, &policy.default_version_id, false))
                .collect()
        }
    };
    list_output("Versions", versions, input)
}

fn delete_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    let policy = customer(world, &account, arn)?;
    let (attached, boundary) = iam(world, &account)
        .map(|s| usage(s, arn))
        .unwrap_or_default();
    if attached + boundary > 0 {
        return Err(delete_conflict(
            "Cannot delete a policy attached to entities.",
        ));
    }
    if policy.versions.len() > 1 {
        return Err(delete_conflict(
            "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        ));
    }
    let k = key(&policy.name);
    iam_mut(world, &account, ctx.now).policies.remove(&k);
    Ok(empty())
}

fn delete_policy_version(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    let version = text(input, "VersionId");
    authorize(ctx, world, arn.to_owned())?;
    let policy = customer_mut(world, &account, arn, ctx.now)?;
    if !policy.versions.iter().any(|v| v.version_id == version) {
        return Err(version_not_found(arn, version));
    }
    if policy.default_version_id == version {
        return Err(delete_conflict(
            "Cannot delete the default version of a policy.",
        ));
    }
    policy.versions.retain(|v| v.version_id != version);
    Ok(empty())
}

fn entities_for_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    if resolve(world, &account, arn).is_none() {
        return Err(policy_not_found(arn));
    }
    let filter = opt_text(input, "EntityFilter");
    let usage_filter = opt_text(input, "PolicyUsageFilter");
    let wants = |kind: &str| filter.is_none_or(|f| f == kind);
    let as_policy = usage_filter != Some("PermissionsBoundary");
    let as_boundary = usage_filter != Some("PermissionsPolicy");
    let arn_owned = arn.to_owned();
    let mut rows: Vec<Value> = Vec::new();
    if let Some(state) = iam(world, &account) {
        if wants("Group") {
            for g in state.groups.values() {
                if as_policy
                    && g.policies.attached.contains(&arn_owned)
                    && super::path_matches(&g.path, input)
                {
                    rows.push(json!({"kind": "PolicyGroups", "item": {"GroupName": g.name, "GroupId": g.id}}));
                }
            }
        }
        if wants("User") {
            for u in state.users.values() {
                let used = (as_policy && u.policies.attached.contains(&arn_owned))
                    || (as_boundary && u.permissions_boundary.as_ref() == Some(&arn_owned));
                if used && super::path_matches(&u.path, input) {
                    rows.push(json!({"kind": "PolicyUsers", "item": {"UserName": u.name, "UserId": u.id}}));
                }
            }
        }
        if wants("Role") {
            for r in state.roles.values() {
                let used = (as_policy && r.policies.attached.contains(&arn_owned))
                    || (as_boundary && r.permissions_boundary.as_ref() == Some(&arn_owned));
                if used && super::path_matches(&r.path, input) {
                    rows.push(json!({"kind": "PolicyRoles", "item": {"RoleName": r.name, "RoleId": r.id}}));
                }
            }
        }
    }
    let (page, mut out) = super::paginate(rows, input)?;
    for member in ["PolicyGroups", "PolicyUsers", "PolicyRoles"] {
        let items: Vec<Value> = page
            .iter()
            .filter(|r| r["kind"] == member)
            .map(|r| r["item"].clone())
            .collect();
        out.insert(member.into(), Value::Array(items));
    }
    Ok(Value::Object(out))
}

fn attached_json(world: &World, account: &str, attached: &[String]) -> Value {
    Value::Array(
        attached
            .iter()
            .map(
                |arn| json!({"PolicyName": name_and_path(world, account, arn).0, "PolicyArn": arn}),
            )
            .collect(),
    )
}

fn inline_json(policies: &Policies) -> Value {
    Value::Array(
        policies
            .inline
            .iter()
            .map(|(n, d)| json!({"PolicyName": n, "PolicyDocument": url_encode(d)}))
            .collect(),
    )
}

fn boundary_json(arn: &Option<String>) -> Option<Value> {
    arn.as_ref().map(|a| {
        json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": a})
    })
}

/// Every user, group, role and managed policy in use, with documents. keyhole answers in
/// one page.
fn authorization_details(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    authorize(
        ctx,
        world,
        crate::arn::global(ctx.partition(), "iam", &account, "*"),
    )?;
    let filters: Vec<&str> = input["Filter"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let wants = |kind: &str| filters.is_empty() || filters.contains(&kind);
    let default_state = IamState::default();
    let state = iam(world, &account).unwrap_or(&default_state);
    let mut users_out = Vec::new();
    let mut groups_out = Vec::new();
    let mut roles_out = Vec::new();
    let mut policies_out = Vec::new();
    if wants("User") {
        for u in state.users.values() {
            let mut row = json!({
                "Path": u.path, "UserName": u.name, "UserId": u.id,
                "Arn": users::arn_of(&account, u), "CreateDate": u.create_date,
                "UserPolicyList": inline_json(&u.policies),
                "GroupList": state.groups.values().filter(|g| g.members.contains(&u.name)).map(|g| json!(g.name)).collect::<Vec<_>>(),
                "AttachedManagedPolicies": attached_json(world, &account, &u.policies.attached),
                "Tags": tags_json(&u.tags),
            });
            if let Some(b) = boundary_json(&u.permissions_boundary) {
                row["PermissionsBoundary"] = b;
            }
            users_out.push(row);
        }
    }
    if wants("Group") {
        for g in state.groups.values() {
            groups_out.push(json!({
                "Path": g.path, "GroupName": g.name, "GroupId": g.id,
                "Arn": groups::arn_of(&account, g), "CreateDate": g.create_date,
                "GroupPolicyList": inline_json(&g.policies),
                "AttachedManagedPolicies": attached_json(world, &account, &g.policies.attached),
            }));
        }
    }
    if wants("Role") {
        for r in state.roles.values() {
            let mut row = json!({
                "Path": r.path, "RoleName": r.name, "RoleId": r.id,
                "Arn": roles::arn_of(&account, r), "CreateDate": r.create_date,
                "AssumeRolePolicyDocument": url_encode(&r.assume_role_policy_document),
                "InstanceProfileList": [],
                "RolePolicyList": inline_json(&r.policies),
                "AttachedManagedPolicies": attached_json(world, &account, &r.policies.attached),
                "Tags": tags_json(&r.tags),
                "RoleLastUsed": match &r.last_used {
                    Some((date, region)) => json!({"LastUsedDate": date, "Region": region}),
                    None => json!({}),
                },
            });
            if let Some(b) = boundary_json(&r.permissions_boundary) {
                row["PermissionsBoundary"] = b;
            }
            roles_out.push(row);
        }
    }
    if wants("LocalManagedPolicy") {
        for p in state.policies.values() {
            let mut row = customer_policy_json(state, p, false);
            if let Some(d) = &p.description {
                row["Description"] = json!(d);
            }
            row["PolicyVersionList"] = Value::Array(
                p.versions
                    .iter()
                    .map(|v| version_json(v, &p.default_version_id, true))
                    .collect(),
            );
            policies_out.push(row);
        }
    }
    if wants("AWSManagedPolicy") {
        for p in aws_managed::all() {
            let (attached, boundary) = usage(state, &p.arn_in(ctx.partition()));
            if attached + boundary == 0 {
                continue;
            }
            let mut row = aws_policy_json(Some(state), p, ctx.partition());
            row["PolicyVersionList"] = json!([{
                "Document": url_encode(&p.document), "VersionId": p.default_version_id,
                "IsDefaultVersion": true, "CreateDate": p.update_date,
            }]);
            policies_out.push(row);
        }
    }
    Ok(json!({
        "UserDetailList": users_out,
        "GroupDetailList": groups_out,
        "RoleDetailList": roles_out,
        "Policies": policies_out,
        "IsTruncated": false,
    }))
}

fn tag_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    let tags = tags_from(input, "Tags");
    check_duplicate_tags(&tags)?;
    authorize_with(ctx, world, arn.to_owned(), tag_context(&tags))?;
    merge_tags(&mut customer_mut(world, &account, arn, ctx.now)?.tags, tags)?;
    Ok(empty())
}

fn untag_policy(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    remove_tags(
        &mut customer_mut(world, &account, arn, ctx.now)?.tags,
        input,
    );
    Ok(empty())
}

fn list_policy_tags(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    let tags = tags_json(&customer(world, &account, arn)?.tags);
    list_output("Tags", tags.as_array().cloned().unwrap_or_default(), input)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::*;
    use crate::world::World;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#;

    #[test]
    fn managed_policy_lifecycle_and_its_conflicts() {
        let mut w = World::default();
        let p = iam(
            &mut w,
            "CreatePolicy",
            json!({"PolicyName": "kms-use", "PolicyDocument": POLICY}),
        )
        .unwrap();
        let arn = p["Policy"]["Arn"].as_str().unwrap_or_default().to_owned();
        assert_eq!(arn, "arn:aws:iam::222222222222:policy/kms-use");
        assert_eq!(
            err(iam(
                &mut w,
                "CreatePolicy",
                json!({"PolicyName": "kms-use", "PolicyDocument": POLICY})
            )),
            (
                "EntityAlreadyExists".into(),
                409,
                "A policy called kms-use already exists. Duplicate names are not allowed.".into()
            )
        );
        iam(
            &mut w,
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST_ANY}),
        )
        .unwrap();
        iam(
            &mut w,
            "AttachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": arn}),
        )
        .unwrap();
        let got = iam(&mut w, "GetPolicy", json!({"PolicyArn": arn})).unwrap();
        assert_eq!(got["Policy"]["AttachmentCount"], 1);
        assert_eq!(
            err(iam(&mut w, "DeleteRole", json!({"RoleName": "r"}))),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete entity, must detach all policies first.".into()
            )
        );
        assert_eq!(
            err(iam(&mut w, "DeletePolicy", json!({"PolicyArn": arn}))),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete a policy attached to entities.".into()
            )
        );
        for _ in 0..4 {
            iam(
                &mut w,
                "CreatePolicyVersion",
                json!({"PolicyArn": arn, "PolicyDocument": POLICY}),
            )
            .unwrap();
        }
        assert_eq!(
            err(iam(&mut w, "CreatePolicyVersion", json!({"PolicyArn": arn, "PolicyDocument": POLICY}))),
            ("LimitExceeded".into(), 409, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.".into())
        );
        assert_eq!(
            err(iam(
                &mut w,
                "DeletePolicyVersion",
                json!({"PolicyArn": arn, "VersionId": "v1"})
            )),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete the default version of a policy.".into()
            )
        );
        iam(
            &mut w,
            "SetDefaultPolicyVersion",
            json!({"PolicyArn": arn, "VersionId": "v5"}),
        )
        .unwrap();
        let v = iam(
            &mut w,
            "GetPolicyVersion",
            json!({"PolicyArn": arn, "VersionId": "v5"}),
        )
        .unwrap();
        assert_eq!(v["PolicyVersion"]["IsDefaultVersion"], true);
        assert!(v["PolicyVersion"]["Document"]
            .as_str()
            .is_some_and(|d| d.starts_with("%7B%22Version")));
        let versions = iam(&mut w, "ListPolicyVersions", json!({"PolicyArn": arn})).unwrap();
        assert_eq!(versions["Versions"][0]["VersionId"], "v5");
        iam(
            &mut w,
            "DetachRolePolicy",
            json!({"RoleName": "r", "PolicyArn": arn}),
        )
        .unwrap();
        let (_, _, message) = err(iam(&mut w, "DeletePolicy", json!({"PolicyArn": arn})));
        assert!(message.starts_with("This policy has more than one version."));
        assert_eq!(
            err(iam(
                &mut w,
                "AttachRolePolicy",
                json!({"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/Nope"})
            )),
            (
                "NoSuchEntity".into(),
                404,
                "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.".into()
            )
        );
    }

    #[test]
    fn inline_policies_and_their_quota() {
        let mut w = World::default();
        iam(&mut w, "CreateUser", json!({"UserName": "u"})).unwrap();
        iam(
            &mut w,
            "PutUserPolicy",
            json!({"UserName": "u", "PolicyName": "p", "PolicyDocument": POLICY}),
        )
        .unwrap();
        let got = iam(
            &mut w,
            "GetUserPolicy",
            json!({"UserName": "u", "PolicyName": "p"}),
        )
        .unwrap();
        assert_eq!(got["UserName"], "u");
        assert_eq!(
            err(iam(&mut w, "DeleteUser", json!({"UserName": "u"}))),
            (
                "DeleteConflict".into(),
                409,
                "Cannot delete entity, must delete policies first.".into()
            )
        );
        let big = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::{}"}}]}}"#,
            "b".repeat(2000)
        );
        assert_eq!(
            err(iam(
                &mut w,
                "PutUserPolicy",
                json!({"UserName": "u", "PolicyName": "big", "PolicyDocument": big})
            )),
            (
                "LimitExceeded".into(),
                409,
                "Maximum policy size of 2048 bytes exceeded for user u".into()
            )
        );
        iam(
            &mut w,
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST_ANY}),
        )
        .unwrap();
        assert_eq!(
            err(iam(
                &mut w,
                "GetRolePolicy",
                json!({"RoleName": "r", "PolicyName": "x"})
            )),
            (
                "NoSuchEntity".into(),
                404,
                "The role policy with name x cannot be found.".into()
            )
        );
    }

    #[test]
    fn aws_managed_policies_exist_in_every_account() {
        let mut w = World::default();
        let p = iam(
            &mut w,
            "GetPolicy",
            json!({"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        )
        .unwrap();
        assert_eq!(p["Policy"]["PolicyName"], "AdministratorAccess");
        let local = iam(&mut w, "ListPolicies", json!({"Scope": "Local"})).unwrap();
        assert_eq!(local["Policies"].as_array().map(Vec::len), Some(0));
        let aws = iam(
            &mut w,
            "ListPolicies",
            json!({"Scope": "AWS", "MaxItems": 2}),
        )
        .unwrap();
        assert_eq!(aws["IsTruncated"], true);
        iam(&mut w, "CreateUser", json!({"UserName": "u"})).unwrap();
        iam(
            &mut w,
            "AttachUserPolicy",
            json!({"UserName": "u", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        )
        .unwrap();
        let attached = iam(&mut w, "ListPolicies", json!({"OnlyAttached": true})).unwrap();
        assert_eq!(attached["Policies"][0]["PolicyName"], "ReadOnlyAccess");
        let entities = iam(
            &mut w,
            "ListEntitiesForPolicy",
            json!({"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
        )
        .unwrap();
        assert_eq!(entities["PolicyUsers"][0]["UserName"], "u");
        let details = iam(&mut w, "GetAccountAuthorizationDetails", json!({})).unwrap();
        assert_eq!(
            details["UserDetailList"][0]["AttachedManagedPolicies"][0]["PolicyName"],
            "ReadOnlyAccess"
        );
    }
}
