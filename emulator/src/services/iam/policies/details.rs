//! The account's policies seen from both sides: ListEntitiesForPolicy (who has this policy)
//! and GetAccountAuthorizationDetails (every entity with its policies, every policy).

use serde_json::{json, Value};

use super::attachment::name_and_path;
use super::entities::{policy_not_found, usage};
use super::managed::{aws_policy_json, customer_policy_json, version_json};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::iam::boundaries::boundary_json;
use crate::services::iam::paging::{paginate, path_matches};
use crate::services::iam::policy_docs::url_encode;
use crate::services::iam::tags::tags_json;
use crate::services::iam::{authorize::authorize, groups, roles, users};
use crate::services::input::{member, text};
use crate::world::iam::access::{iam, resolve};
use crate::world::iam::aws_managed;
use crate::world::iam::state::{IamState, Policies};
use crate::world::World;

pub(super) fn entities_for_policy(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let arn = text(input, "PolicyArn");
    authorize(ctx, world, arn.to_owned())?;
    if resolve(world, &account, arn).is_none() {
        return Err(policy_not_found(arn));
    }
    let filter = member(input, "EntityFilter");
    let usage_filter = member(input, "PolicyUsageFilter");
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
                    && path_matches(&g.path, input)
                {
                    rows.push(json!({"kind": "PolicyGroups", "item": {"GroupName": g.name, "GroupId": g.id}}));
                }
            }
        }
        if wants("User") {
            for u in state.users.values() {
                let used = (as_policy && u.policies.attached.contains(&arn_owned))
                    || (as_boundary && u.permissions_boundary.as_ref() == Some(&arn_owned));
                if used && path_matches(&u.path, input) {
                    rows.push(json!({"kind": "PolicyUsers", "item": {"UserName": u.name, "UserId": u.id}}));
                }
            }
        }
        if wants("Role") {
            for r in state.roles.values() {
                let used = (as_policy && r.policies.attached.contains(&arn_owned))
                    || (as_boundary && r.permissions_boundary.as_ref() == Some(&arn_owned));
                if used && path_matches(&r.path, input) {
                    rows.push(json!({"kind": "PolicyRoles", "item": {"RoleName": r.name, "RoleId": r.id}}));
                }
            }
        }
    }
    let (page, mut out) = paginate(rows, input)?;
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

/// Every user, group, role and managed policy in use, with documents. keyhole answers in
/// one page.
pub(super) fn authorization_details(
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
            if let Some(b) = &u.permissions_boundary {
                row["PermissionsBoundary"] = boundary_json(b);
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
                "RoleLastUsed": roles::last_used_json(r),
            });
            if let Some(b) = &r.permissions_boundary {
                row["PermissionsBoundary"] = boundary_json(b);
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
