//! Customer managed policies: create, read, list and delete them, their versions (at most
//! five, one the default) and their tags; AWS managed policies as GetPolicy and ListPolicies
//! show them.

use serde_json::{json, Value};

use super::entities::{policy_not_found, usage, MAX_POLICY_VERSIONS};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::arns::policy_arn;
use crate::services::iam::authorize::authorize;
use crate::services::iam::authorize::authorize_with;
use crate::services::iam::errors::{
    already_exists, delete_conflict, limit_exceeded, no_such_entity,
};
use crate::services::iam::output::empty;
use crate::services::iam::paging::{list_output, path_matches};
use crate::services::iam::policy_docs::{
    check_managed_size, url_encode, validate_policy_document, PolicyDocumentKind,
};
use crate::services::iam::tags::{
    check_duplicate_tags, list_tags_output, merge_tags, remove_tags, tag_context, tags_from,
    tags_json,
};
use crate::services::input::{member, text};
use crate::world::iam::access::{iam, iam_mut, resolve, PolicyRef};
use crate::world::iam::aws_managed::{self, AwsManagedPolicy};
use crate::world::iam::ids;
use crate::world::iam::state::{key, IamState, ManagedPolicy, PolicyVersion};
use crate::world::World;

pub(super) fn customer_policy_json(
    state: &IamState,
    policy: &ManagedPolicy,
    detailed: bool,
) -> Value {
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
pub(super) fn aws_policy_json(
    state: Option<&IamState>,
    policy: &AwsManagedPolicy,
    partition: &str,
) -> Value {
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

pub(super) fn create_policy(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "PolicyName");
    let path = member(input, "Path").unwrap_or("/");
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
        description: member(input, "Description").map(str::to_owned),
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

/// The `PolicyArn` the request names, once the caller may act on it.
fn authorized_arn<'i>(ctx: &RequestContext, world: &World, input: &'i Value) -> ApiResult<&'i str> {
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    Ok(arn)
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

pub(super) fn get_policy(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
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

pub(super) fn version_json(version: &PolicyVersion, default: &str, with_document: bool) -> Value {
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

pub(super) fn get_policy_version(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
    let version = text(input, "VersionId");
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

pub(super) fn create_policy_version(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
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

pub(super) fn set_default_version(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
    let version = text(input, "VersionId");
    let policy = customer_mut(world, &account, arn, ctx.now)?;
    if !policy.versions.iter().any(|v| v.version_id == version) {
        return Err(version_not_found(arn, version));
    }
    policy.default_version_id = version.to_owned();
    policy.update_date = ctx.now;
    Ok(empty())
}

pub(super) fn list_policies(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    authorize(ctx, world, policy_arn(ctx.partition(), &account, "/", ""))?;
    let scope = member(input, "Scope").unwrap_or("All");
    let only_attached = input["OnlyAttached"].as_bool().unwrap_or(false);
    let usage_filter = member(input, "PolicyUsageFilter");
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
                .is_some_and(|p| path_matches(p, input))
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

pub(super) fn list_policy_versions(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
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

pub(super) fn delete_policy(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
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

pub(super) fn delete_policy_version(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
    let version = text(input, "VersionId");
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

pub(super) fn tag_policy(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    let tags = tags_from(input, "Tags");
    check_duplicate_tags(&tags)?;
    authorize_with(ctx, world, arn.to_owned(), tag_context(&tags))?;
    merge_tags(&mut customer_mut(world, &account, arn, ctx.now)?.tags, tags)?;
    Ok(empty())
}

pub(super) fn untag_policy(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
    remove_tags(
        &mut customer_mut(world, &account, arn, ctx.now)?.tags,
        input,
    );
    Ok(empty())
}

pub(super) fn list_policy_tags(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = authorized_arn(ctx, world, input)?;
    list_tags_output(&customer(world, &account, arn)?.tags, input)
}
