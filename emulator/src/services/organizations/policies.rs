//! Policies: SCPs, RCPs and the management policy types; attachment, enabling types,
//! effective policies.

use serde_json::{json, Value};

use super::effective::effective_in;
use super::errors;
use super::lookup::{management_org, membership, org, org_mut, reader_org, Role};
use super::paging::page;
use super::policy_content::validate_policy_content;
use super::state::{
    default_policy_for, random_chars, Attachment, NodeKind, Policy, LOWER_ALNUM,
    RCP_FULL_AWS_ACCESS,
};
use super::tags::{apply_tags, input_tags};
use super::views::{policy_summary, policy_view, root_view};
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::World;

/// Policies of one type attached to one target (AWS quotas: 5 for SCPs, RCPs and AI
/// opt-out policies, 10 for the others).
fn max_attached(policy_type: &str) -> usize {
    match policy_type {
        "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY" | "AISERVICES_OPT_OUT_POLICY" => 5,
        _ => 10,
    }
}

fn duplicate_name(
    organization: &super::state::Organization,
    policy_type: &str,
    name: &str,
    except: &str,
) -> bool {
    organization
        .policies
        .values()
        .any(|p| p.policy_type == policy_type && p.name == name && p.id != except)
}

/// Policy `policy_id` of organization `org_id` (an AWS-managed one too), once the caller may
/// act on it: PolicyNotFoundException, or the denial.
fn authorized_policy(
    op: &Request,
    world: &World,
    org_id: &str,
    policy_id: &str,
) -> ApiResult<Policy> {
    let organization = org(world, org_id)?;
    let policy = organization
        .policy(policy_id)
        .ok_or_else(errors::policy_not_found)?;
    op.authorize(world, Some(organization.policy_arn(&policy)))?;
    Ok(policy)
}

/// [`authorized_policy`] for a change: an AWS-managed policy cannot be changed.
fn changeable_policy(
    op: &Request,
    world: &World,
    org_id: &str,
    policy_id: &str,
) -> ApiResult<Policy> {
    let policy = authorized_policy(op, world, org_id, policy_id)?;
    if policy.aws_managed {
        return Err(errors::immutable_policy());
    }
    Ok(policy)
}

pub fn create_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let policy_type = op.req("Type")?.to_owned();
    let name = op.req("Name")?.to_owned();
    let description = op.str("Description").unwrap_or_default().to_owned();
    let content = op.req("Content")?.to_owned();
    let tags = input_tags(op)?;
    let organization = org(world, &id)?;
    if organization.feature_set != "ALL" {
        return Err(errors::policy_type_not_available());
    }
    validate_policy_content(&policy_type, &content)?;
    if duplicate_name(organization, &policy_type, &name, "") {
        return Err(errors::duplicate_policy());
    }
    let organization = org_mut(world, &id)?;
    let policy_id = loop {
        let candidate = format!("p-{}", random_chars(8, LOWER_ALNUM));
        if !organization.policies.contains_key(&candidate) {
            break candidate;
        }
    };
    let policy = Policy {
        id: policy_id.clone(),
        name,
        description,
        policy_type,
        content,
        aws_managed: false,
    };
    organization
        .policies
        .insert(policy_id.clone(), policy.clone());
    apply_tags(organization, &policy_id, &tags)?;
    Ok(json!({ "Policy": policy_view(organization, &policy) }))
}

pub fn update_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let policy_id = op.req("PolicyId")?.to_owned();
    let policy = changeable_policy(op, world, &id, &policy_id)?;
    let organization = org(world, &id)?;
    if let Some(content) = op.str("Content") {
        validate_policy_content(&policy.policy_type, content)?;
    }
    if let Some(name) = op.str("Name") {
        if duplicate_name(organization, &policy.policy_type, name, &policy_id) {
            return Err(errors::duplicate_policy());
        }
    }
    let now = op.now();
    let organization = org_mut(world, &id)?;
    let Some(stored) = organization.policies.get_mut(&policy_id) else {
        return Err(errors::policy_not_found());
    };
    if let Some(name) = op.str("Name") {
        stored.name = name.to_owned();
    }
    if let Some(description) = op.str("Description") {
        stored.description = description.to_owned();
    }
    if let Some(content) = op.str("Content") {
        stored.content = content.to_owned();
    }
    let updated = stored.clone();
    organization.touch(&updated.policy_type, now);
    Ok(json!({ "Policy": policy_view(organization, &updated) }))
}

pub fn delete_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let policy_id = op.req("PolicyId")?.to_owned();
    changeable_policy(op, world, &id, &policy_id)?;
    let organization = org(world, &id)?;
    if organization
        .attachments
        .iter()
        .any(|a| a.policy_id == policy_id)
    {
        return Err(errors::policy_in_use());
    }
    let organization = org_mut(world, &id)?;
    organization.policies.remove(&policy_id);
    organization.tags.remove(&policy_id);
    Ok(json!({}))
}

pub fn describe_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let policy_id = op.req("PolicyId")?;
    let policy = authorized_policy(op, world, &id, policy_id)?;
    let organization = org(world, &id)?;
    Ok(json!({ "Policy": policy_view(organization, &policy) }))
}

fn managed_of_type(policy_type: &str) -> Option<Policy> {
    default_policy_for(policy_type).and_then(super::state::managed_policy)
}

pub fn list_policies(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let filter = op.req("Filter")?;
    let organization = org(world, &id)?;
    let items: Vec<Value> = managed_of_type(filter)
        .into_iter()
        .chain(
            organization
                .policies
                .values()
                .filter(|p| p.policy_type == filter)
                .cloned(),
        )
        .map(|p| policy_summary(organization, &p))
        .collect();
    Ok(page(op, items, "Policies")?.into())
}

pub fn list_policies_for_target(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let target = op.req("TargetId")?;
    let filter = op.req("Filter")?;
    let organization = org(world, &id)?;
    let arn = organization
        .node_arn(target)
        .ok_or_else(errors::target_not_found)?;
    op.authorize(world, Some(arn))?;
    let items = organization
        .attached(target, filter)
        .iter()
        .map(|p| policy_summary(organization, p))
        .collect();
    Ok(page(op, items, "Policies")?.into())
}

pub fn list_targets_for_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let policy_id = op.req("PolicyId")?;
    authorized_policy(op, world, &id, policy_id)?;
    let organization = org(world, &id)?;
    let items = organization
        .attachments
        .iter()
        .filter(|a| a.policy_id == policy_id)
        .filter_map(|a| {
            let kind = organization.node_kind(&a.target_id)?;
            Some(json!({
                "TargetId": a.target_id,
                "Arn": organization.node_arn(&a.target_id),
                "Name": organization.node_name(&a.target_id),
                "Type": kind.target_type(),
            }))
        })
        .collect();
    Ok(page(op, items, "Targets")?.into())
}

pub fn attach_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let policy_id = op.req("PolicyId")?.to_owned();
    let target = op.req("TargetId")?.to_owned();
    let policy = authorized_policy(op, world, &id, &policy_id)?;
    let organization = org(world, &id)?;
    if organization.node_kind(&target).is_none() {
        return Err(errors::target_not_found());
    }
    if !organization.is_enabled(&policy.policy_type) {
        return Err(errors::policy_type_not_enabled());
    }
    if organization.is_attached(&policy_id, &target) {
        return Err(errors::duplicate_policy_attachment());
    }
    if organization.attached(&target, &policy.policy_type).len()
        >= max_attached(&policy.policy_type)
    {
        return Err(errors::max_attachments());
    }
    let now = op.now();
    let organization = org_mut(world, &id)?;
    organization.attachments.push(Attachment {
        policy_id,
        target_id: target,
    });
    organization.touch(&policy.policy_type, now);
    Ok(json!({}))
}

pub fn detach_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let policy_id = op.req("PolicyId")?.to_owned();
    let target = op.req("TargetId")?.to_owned();
    let policy = authorized_policy(op, world, &id, &policy_id)?;
    let organization = org(world, &id)?;
    if organization.node_kind(&target).is_none() {
        return Err(errors::target_not_found());
    }
    if !organization.is_attached(&policy_id, &target) {
        return Err(errors::policy_not_attached());
    }
    if policy_id == RCP_FULL_AWS_ACCESS {
        return Err(errors::non_detachable_policy());
    }
    // Every node keeps at least one SCP while SCPs are enabled (else nothing is allowed).
    if policy.policy_type == "SERVICE_CONTROL_POLICY"
        && organization.attached(&target, &policy.policy_type).len() <= 1
    {
        return Err(errors::min_attachments());
    }
    let now = op.now();
    let organization = org_mut(world, &id)?;
    organization
        .attachments
        .retain(|a| !(a.policy_id == policy_id && a.target_id == target));
    organization.touch(&policy.policy_type, now);
    Ok(json!({}))
}

pub fn enable_policy_type(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let root = op.req("RootId")?.to_owned();
    let policy_type = op.req("PolicyType")?.to_owned();
    let organization = org(world, &id)?;
    if organization.root.id != root {
        return Err(errors::root_not_found());
    }
    op.authorize(world, Some(organization.root_arn()))?;
    if organization.feature_set != "ALL" {
        return Err(errors::policy_type_not_available());
    }
    if organization.is_enabled(&policy_type) {
        return Err(errors::policy_type_already_enabled());
    }
    let now = op.now();
    let organization = org_mut(world, &id)?;
    organization.root.policy_types.push(policy_type.clone());
    if let Some(default) = default_policy_for(&policy_type) {
        let nodes: Vec<String> = std::iter::once(organization.root.id.clone())
            .chain(organization.ous.keys().cloned())
            .chain(organization.accounts.keys().cloned())
            .collect();
        for node in nodes {
            if !organization.is_attached(default, &node) {
                organization.attachments.push(Attachment {
                    policy_id: default.to_owned(),
                    target_id: node,
                });
            }
        }
    }
    organization.touch(&policy_type, now);
    Ok(json!({ "Root": root_view(organization) }))
}

pub fn disable_policy_type(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let root = op.req("RootId")?.to_owned();
    let policy_type = op.req("PolicyType")?.to_owned();
    let organization = org(world, &id)?;
    if organization.root.id != root {
        return Err(errors::root_not_found());
    }
    op.authorize(world, Some(organization.root_arn()))?;
    if !organization.is_enabled(&policy_type) {
        return Err(errors::policy_type_not_enabled());
    }
    let now = op.now();
    let organization = org_mut(world, &id)?;
    organization.root.policy_types.retain(|t| *t != policy_type);
    // Disabling a type detaches every policy of that type.
    let detached: Vec<String> = organization
        .attachments
        .iter()
        .filter(|a| {
            organization
                .policy(&a.policy_id)
                .is_some_and(|p| p.policy_type == policy_type)
        })
        .map(|a| a.policy_id.clone())
        .collect();
    organization
        .attachments
        .retain(|a| !detached.contains(&a.policy_id));
    organization.touch(&policy_type, now);
    Ok(json!({ "Root": root_view(organization) }))
}

/// Whom the effective policy is asked for: the caller's own account by default; another
/// account only by the management account or a delegated administrator.
fn effective_target(op: &Request, world: &World) -> ApiResult<(String, String)> {
    let (id, role) = membership(op, world)?;
    let target = op.str("TargetId").unwrap_or(op.account()).to_owned();
    let organization = org(world, &id)?;
    match organization.node_kind(&target) {
        Some(NodeKind::Account) => {}
        Some(_) => return Err(errors::target_not_supported()),
        None => return Err(errors::target_not_found()),
    }
    if target != op.account() && role == Role::Member {
        return Err(errors::access_denied());
    }
    Ok((id, target))
}

pub fn describe_effective_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let (id, target) = effective_target(op, world)?;
    let policy_type = op.req("PolicyType")?;
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.account_arn(&target)))?;
    let content = effective_in(organization, &target, policy_type)
        .ok_or_else(errors::effective_policy_not_found)?;
    let updated = organization
        .policy_changes
        .get(policy_type)
        .copied()
        .unwrap_or(organization.created);
    Ok(json!({"EffectivePolicy": {
        "PolicyContent": content.to_string(),
        "LastUpdatedTimestamp": updated,
        "TargetId": target,
        "PolicyType": policy_type,
    }}))
}

/// keyhole's merge never produces an invalid effective policy, so no account is listed.
pub fn list_accounts_with_invalid_effective_policy(
    op: &Request,
    world: &mut World,
) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let policy_type = op.req("PolicyType")?;
    if !org(world, &id)?.is_enabled(policy_type) {
        return Err(errors::effective_policy_not_found());
    }
    let mut out = page(op, Vec::new(), "Accounts")?;
    out.insert("PolicyType".into(), Value::String(policy_type.to_owned()));
    Ok(out.into())
}

pub fn list_effective_policy_validation_errors(
    op: &Request,
    world: &mut World,
) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let account = op.req("AccountId")?;
    let policy_type = op.req("PolicyType")?;
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.account_arn(account)))?;
    if !organization.accounts.contains_key(account) {
        return Err(errors::account_not_found());
    }
    if effective_in(organization, account, policy_type).is_none() {
        return Err(errors::effective_policy_not_found());
    }
    let mut out = page(op, Vec::new(), "EffectivePolicyValidationErrors")?;
    out.insert("AccountId".into(), json!(account));
    out.insert("PolicyType".into(), json!(policy_type));
    out.insert("Path".into(), json!(organization.path(account)));
    out.insert("EvaluationTimestamp".into(), json!(op.now()));
    Ok(out.into())
}
