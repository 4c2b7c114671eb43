//! IAM roles (trust policies, session durations, tags) and service-linked roles.

use serde_json::{json, Value};

use super::arns::role_arn;
use super::authorize::{authorize, authorize_with};
use super::boundaries::boundary_json;
use super::errors::{
    already_exists, check_no_policies, invalid_input, no_such_entity, protected_role,
};
use super::paging::{list_output, path_matches};
use super::policy_docs::{
    check_trust_size, url_encode, validate_policy_document, PolicyDocumentKind,
};
use super::tags::{
    check_duplicate_tags, list_tags_output, merge_tags, remove_tags, tag_context, tags_from,
    tags_json,
};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::output::empty;
use crate::services::input::{member, text};
use crate::world::iam::access::{iam, iam_mut};
use crate::world::iam::ids;
use crate::world::iam::state::{key, DeletionTask, Role};
use crate::world::World;

pub const DEFAULT_MAX_SESSION_DURATION: i64 = 3_600;

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    match operation {
        "CreateRole" => create_role(ctx, world, input),
        "GetRole" => get_role(ctx, world, input),
        "ListRoles" => list_roles(ctx, world, input),
        "DeleteRole" => delete_role(ctx, world, input),
        "UpdateRole" => update_role(ctx, world, input),
        "UpdateAssumeRolePolicy" => update_trust(ctx, world, input),
        "UpdateRoleDescription" => update_description(ctx, world, input),
        "TagRole" => tag_role(ctx, world, input),
        "UntagRole" => untag_role(ctx, world, input),
        "ListRoleTags" => list_role_tags(ctx, world, input),
        "CreateServiceLinkedRole" => create_service_linked_role(ctx, world, input),
        "DeleteServiceLinkedRole" => delete_service_linked_role(ctx, world, input),
        "GetServiceLinkedRoleDeletionStatus" => deletion_status(ctx, world, input),
        _ => Err(crate::services::errors::not_implemented(ctx)),
    }
}

pub fn role_not_found(name: &str) -> ApiError {
    no_such_entity(format!("The role with name {name} cannot be found."))
}

pub fn find<'w>(world: &'w World, account: &str, name: &str) -> ApiResult<&'w Role> {
    iam(world, account)
        .and_then(|s| s.roles.get(&key(name)))
        .ok_or_else(|| role_not_found(name))
}

pub fn find_mut<'w>(
    world: &'w mut World,
    account: &str,
    name: &str,
    now: f64,
) -> ApiResult<&'w mut Role> {
    iam_mut(world, account, now)
        .roles
        .get_mut(&key(name))
        .ok_or_else(|| role_not_found(name))
}

pub fn arn_of(account: &str, role: &Role) -> String {
    role_arn(&role.partition, account, &role.path, &role.name)
}

/// The role as GetRole shows it; `listed` drops what ListRoles leaves out.
pub fn role_json(account: &str, role: &Role, listed: bool) -> Value {
    let mut out = json!({
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": arn_of(account, role),
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": url_encode(&role.assume_role_policy_document),
        "MaxSessionDuration": role.max_session_duration,
    });
    if let Some(description) = &role.description {
        out["Description"] = json!(description);
    }
    if listed {
        return out;
    }
    if let Some(boundary) = &role.permissions_boundary {
        out["PermissionsBoundary"] = boundary_json(boundary);
    }
    if !role.tags.is_empty() {
        out["Tags"] = tags_json(&role.tags);
    }
    out["RoleLastUsed"] = last_used_json(role);
    out
}

/// `RoleLastUsed`: the last AssumeRole's date and Region, or an empty object.
pub fn last_used_json(role: &Role) -> Value {
    match &role.last_used {
        Some((date, region)) => json!({"LastUsedDate": date, "Region": region}),
        None => json!({}),
    }
}

fn check_trust(document: &str) -> ApiResult<()> {
    check_trust_size(document)?;
    validate_policy_document(PolicyDocumentKind::Trust, document)
}

fn create_role(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "RoleName");
    let path = member(input, "Path").unwrap_or("/");
    let tags = tags_from(input, "Tags");
    check_duplicate_tags(&tags)?;
    authorize_with(
        ctx,
        world,
        role_arn(ctx.partition(), &account, path, name),
        tag_context(&tags),
    )?;
    let document = text(input, "AssumeRolePolicyDocument");
    check_trust(document)?;
    let boundary = match member(input, "PermissionsBoundary") {
        Some(arn) => Some(super::boundaries::boundary_arn(world, &account, arn)?),
        None => None,
    };
    let state = iam_mut(world, &account, ctx.now);
    if state.roles.contains_key(&key(name)) {
        return Err(already_exists(format!(
            "Role with name {name} already exists."
        )));
    }
    let role = Role {
        name: name.to_owned(),
        path: path.to_owned(),
        id: ids::unique_id("AROA"),
        create_date: ctx.now,
        assume_role_policy_document: document.to_owned(),
        description: member(input, "Description").map(str::to_owned),
        max_session_duration: input["MaxSessionDuration"]
            .as_i64()
            .unwrap_or(DEFAULT_MAX_SESSION_DURATION),
        tags,
        policies: Default::default(),
        permissions_boundary: boundary,
        last_used: None,
        service_linked: false,
        partition: ctx.partition().to_owned(),
    };
    let mut out = role_json(&account, &role, true);
    if !role.tags.is_empty() {
        out["Tags"] = tags_json(&role.tags);
    }
    state.roles.insert(key(name), role);
    Ok(json!({"Role": out}))
}

fn get_role(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let role = find(world, &account, text(input, "RoleName"))?;
    authorize(ctx, world, arn_of(&account, role))?;
    Ok(json!({"Role": role_json(&account, role, false)}))
}

fn list_roles(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    authorize(ctx, world, role_arn(ctx.partition(), &account, "/", ""))?;
    let roles: Vec<Value> = iam(world, &account)
        .map(|s| {
            s.roles
                .values()
                .filter(|r| path_matches(&r.path, input))
                .map(|r| role_json(&account, r, true))
                .collect()
        })
        .unwrap_or_default();
    list_output("Roles", roles, input)
}

fn delete_role(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "RoleName");
    let role = find(world, &account, name)?;
    authorize(ctx, world, arn_of(&account, role))?;
    if role.service_linked {
        return Err(protected_role(&role.name));
    }
    check_no_policies(&role.policies)?;
    iam_mut(world, &account, ctx.now).roles.remove(&key(name));
    Ok(empty())
}

/// Looks the role up, authorizes the request on it, refuses service-linked roles.
fn modifiable_role_arn(ctx: &RequestContext, world: &World, name: &str) -> ApiResult<String> {
    let role = find(world, &ctx.caller.account, name)?;
    authorize(ctx, world, arn_of(&ctx.caller.account, role))?;
    if role.service_linked {
        return Err(protected_role(&role.name));
    }
    Ok(arn_of(&ctx.caller.account, role))
}

fn update_role(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = text(input, "RoleName");
    modifiable_role_arn(ctx, world, name)?;
    let role = find_mut(world, &ctx.caller.account, name, ctx.now)?;
    if let Some(description) = member(input, "Description") {
        role.description = Some(description.to_owned());
    }
    if let Some(max) = input["MaxSessionDuration"].as_i64() {
        role.max_session_duration = max;
    }
    Ok(empty())
}

fn update_trust(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = text(input, "RoleName");
    modifiable_role_arn(ctx, world, name)?;
    let document = text(input, "PolicyDocument");
    check_trust(document)?;
    find_mut(world, &ctx.caller.account, name, ctx.now)?.assume_role_policy_document =
        document.to_owned();
    Ok(empty())
}

fn update_description(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = text(input, "RoleName");
    modifiable_role_arn(ctx, world, name)?;
    let account = ctx.caller.account.clone();
    let role = find_mut(world, &account, name, ctx.now)?;
    role.description = Some(text(input, "Description").to_owned());
    let role = role.clone();
    Ok(json!({"Role": role_json(&account, &role, false)}))
}

fn tag_role(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "RoleName");
    let tags = tags_from(input, "Tags");
    check_duplicate_tags(&tags)?;
    let arn = arn_of(&account, find(world, &account, name)?);
    authorize_with(ctx, world, arn, tag_context(&tags))?;
    merge_tags(&mut find_mut(world, &account, name, ctx.now)?.tags, tags)?;
    Ok(empty())
}

fn untag_role(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "RoleName");
    let arn = arn_of(&account, find(world, &account, name)?);
    authorize(ctx, world, arn)?;
    remove_tags(&mut find_mut(world, &account, name, ctx.now)?.tags, input);
    Ok(empty())
}

fn list_role_tags(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let role = find(world, &account, text(input, "RoleName"))?;
    authorize(ctx, world, arn_of(&account, role))?;
    list_tags_output(&role.tags, input)
}

/// What keyhole knows of a service's service-linked role: its name and AWS-managed policy.
pub struct ServiceLinkedRoleSpec {
    pub service: &'static str,
    pub role_name: &'static str,
    pub policy_name: &'static str,
}

pub const SERVICE_LINKED_ROLES: &[ServiceLinkedRoleSpec] = &[
    ServiceLinkedRoleSpec {
        service: "backup.amazonaws.com",
        role_name: "AWSServiceRoleForBackup",
        policy_name: "AWSBackupServiceLinkedRolePolicyForBackup",
    },
    ServiceLinkedRoleSpec {
        service: "reports.backup.amazonaws.com",
        role_name: "AWSServiceRoleForBackupReports",
        policy_name: "AWSServiceRolePolicyForBackupReports",
    },
    ServiceLinkedRoleSpec {
        service: "restore-testing.backup.amazonaws.com",
        role_name: "AWSServiceRoleForBackupRestoreTesting",
        policy_name: "AWSServiceRolePolicyForBackupRestoreTesting",
    },
];

/// The trust policy AWS gives a service-linked role: its service may assume it.
pub fn service_trust_policy(service: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string()
}

/// Creates `service`'s service-linked role in `account` (CreateServiceLinkedRole; Backup
/// calls it on first use too). Returns the role.
pub fn create_service_linked(
    world: &mut World,
    partition: &str,
    account: &str,
    service: &str,
    suffix: Option<&str>,
    description: Option<&str>,
    now: f64,
) -> ApiResult<Role> {
    let Some(spec) = SERVICE_LINKED_ROLES.iter().find(|s| s.service == service) else {
        // Text inferred.
        return Err(invalid_input(format!(
            "Service principal {service} is not supported by keyhole's CreateServiceLinkedRole."
        )));
    };
    let name = match suffix {
        Some(suffix) => format!("{}_{suffix}", spec.role_name),
        None => spec.role_name.to_owned(),
    };
    let state = iam_mut(world, account, now);
    if state.roles.contains_key(&key(&name)) {
        // Text inferred (AWS's answer as quoted in public reports).
        return Err(invalid_input(format!(
            "Service role name {name} has been taken in this account, please try a different suffix."
        )));
    }
    let mut role = Role {
        name: name.clone(),
        path: format!("/aws-service-role/{service}/"),
        id: ids::unique_id("AROA"),
        create_date: now,
        assume_role_policy_document: service_trust_policy(service),
        description: description.map(str::to_owned),
        max_session_duration: DEFAULT_MAX_SESSION_DURATION,
        tags: Vec::new(),
        policies: Default::default(),
        permissions_boundary: None,
        last_used: None,
        service_linked: true,
        partition: partition.to_owned(),
    };
    if let Some(policy) = crate::world::iam::aws_managed::find_by_name(spec.policy_name) {
        role.policies.attached.push(policy.arn_in(partition));
    }
    state.roles.insert(key(&name), role.clone());
    Ok(role)
}

fn create_service_linked_role(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let service = text(input, "AWSServiceName");
    let name = SERVICE_LINKED_ROLES
        .iter()
        .find(|s| s.service == service)
        .map(|s| s.role_name)
        .unwrap_or("AWSServiceRole");
    let arn = role_arn(
        ctx.partition(),
        &account,
        &format!("/aws-service-role/{service}/"),
        name,
    );
    authorize_with(
        ctx,
        world,
        arn,
        vec![("iam:AWSServiceName".into(), json!(service))],
    )?;
    let role = create_service_linked(
        world,
        ctx.partition(),
        &account,
        service,
        member(input, "CustomSuffix"),
        member(input, "Description"),
        ctx.now,
    )?;
    Ok(json!({"Role": role_json(&account, &role, true)}))
}

fn delete_service_linked_role(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let name = text(input, "RoleName");
    let role = find(world, &account, name)?;
    authorize(ctx, world, arn_of(&account, role))?;
    if !role.service_linked {
        // Text inferred.
        return Err(invalid_input(format!(
            "Role {} is not a service-linked role.",
            role.name
        )));
    }
    let service = role
        .path
        .trim_start_matches("/aws-service-role/")
        .trim_end_matches('/')
        .to_owned();
    let role_name = role.name.clone();
    let task_id = format!(
        "task/aws-service-role/{service}/{role_name}/{}",
        uuid::Uuid::new_v4()
    );
    // The service has nothing in keyhole that still uses the role: deletion succeeds at once.
    let state = iam_mut(world, &account, ctx.now);
    state.roles.remove(&key(&role_name));
    state.deletion_tasks.insert(
        task_id.clone(),
        DeletionTask {
            role_name,
            status: "SUCCEEDED".into(),
        },
    );
    Ok(json!({"DeletionTaskId": task_id}))
}

fn deletion_status(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let account = ctx.caller.account.clone();
    let id = text(input, "DeletionTaskId");
    let role_name = id.split('/').nth(3).unwrap_or_default();
    let path_service = id.split('/').nth(2).unwrap_or_default();
    authorize(
        ctx,
        world,
        role_arn(
            ctx.partition(),
            &account,
            &format!("/aws-service-role/{path_service}/"),
            role_name,
        ),
    )?;
    let task = iam(world, &account)
        .and_then(|s| s.deletion_tasks.get(id))
        // Text inferred.
        .ok_or_else(|| no_such_entity(format!("Deletion task {id} does not exist.")))?;
    Ok(json!({"Status": task.status}))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::test_support::*;
    use crate::world::World;

    #[test]
    fn roles_keep_their_trust_policy_and_answer_it_url_encoded() {
        let mut w = World::default();
        let out = iam(
            &mut w,
            "CreateRole",
            json!({"RoleName": "Admin", "AssumeRolePolicyDocument": TRUST_ANY}),
        )
        .unwrap();
        assert_eq!(out["Role"]["Arn"], "arn:aws:iam::222222222222:role/Admin");
        assert!(out["Role"]["RoleId"]
            .as_str()
            .is_some_and(|i| i.starts_with("AROA")));
        assert_eq!(out["Role"]["MaxSessionDuration"], 3600);
        let got = iam(&mut w, "GetRole", json!({"RoleName": "admin"})).unwrap();
        let encoded = got["Role"]["AssumeRolePolicyDocument"]
            .as_str()
            .unwrap_or_default();
        assert!(
            encoded.starts_with("%7B%22Version%22%3A%222012-10-17%22"),
            "{encoded}"
        );
        assert_eq!(
            err(iam(
                &mut w,
                "CreateRole",
                json!({"RoleName": "Admin", "AssumeRolePolicyDocument": TRUST_ANY})
            )),
            (
                "EntityAlreadyExists".into(),
                409,
                "Role with name Admin already exists.".into()
            )
        );
        assert_eq!(
            err(iam(&mut w, "GetRole", json!({"RoleName": "Nope"}))),
            (
                "NoSuchEntity".into(),
                404,
                "The role with name Nope cannot be found.".into()
            )
        );
        let bad = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}"#;
        assert_eq!(
            err(iam(
                &mut w,
                "UpdateAssumeRolePolicy",
                json!({"RoleName": "Admin", "PolicyDocument": bad})
            )),
            (
                "MalformedPolicyDocument".into(),
                400,
                "Has prohibited field Resource.".into()
            )
        );
        let long = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole"}}]}}"#,
            "a".repeat(2100)
        );
        assert_eq!(
            err(iam(
                &mut w,
                "UpdateAssumeRolePolicy",
                json!({"RoleName": "Admin", "PolicyDocument": long})
            )),
            (
                "LimitExceeded".into(),
                409,
                "Cannot exceed quota for ACLSizePerRole: 2048".into()
            )
        );
    }

    #[test]
    fn backup_service_linked_role_has_its_aws_policy_and_is_protected() {
        let mut w = World::default();
        let out = iam(
            &mut w,
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "backup.amazonaws.com"}),
        )
        .unwrap();
        assert_eq!(
            out["Role"]["Arn"],
            "arn:aws:iam::222222222222:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
        );
        let attached = iam(
            &mut w,
            "ListAttachedRolePolicies",
            json!({"RoleName": "AWSServiceRoleForBackup"}),
        )
        .unwrap();
        assert_eq!(
            attached["AttachedPolicies"][0]["PolicyArn"],
            "arn:aws:iam::aws:policy/aws-service-role/AWSBackupServiceLinkedRolePolicyForBackup"
        );
        let (code, status, _) = err(iam(
            &mut w,
            "DeleteRole",
            json!({"RoleName": "AWSServiceRoleForBackup"}),
        ));
        assert_eq!((code.as_str(), status), ("UnmodifiableEntity", 400));
        let (code, _, message) = err(iam(
            &mut w,
            "CreateServiceLinkedRole",
            json!({"AWSServiceName": "backup.amazonaws.com"}),
        ));
        assert_eq!(code, "InvalidInput");
        assert_eq!(message, "Service role name AWSServiceRoleForBackup has been taken in this account, please try a different suffix.");
        let task = iam(
            &mut w,
            "DeleteServiceLinkedRole",
            json!({"RoleName": "AWSServiceRoleForBackup"}),
        )
        .unwrap();
        let status = iam(
            &mut w,
            "GetServiceLinkedRoleDeletionStatus",
            json!({"DeletionTaskId": task["DeletionTaskId"]}),
        )
        .unwrap();
        assert_eq!(status["Status"], "SUCCEEDED");
        assert!(iam(
            &mut w,
            "GetRole",
            json!({"RoleName": "AWSServiceRoleForBackup"})
        )
        .is_err());
    }
}
