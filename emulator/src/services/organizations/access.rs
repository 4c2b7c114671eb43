//! Trusted access, delegated administrators, the organization's resource policy, tags.

use serde_json::{json, Value};

use super::errors;
use super::lookup::{management_org, org, org_mut, reader_org};
use super::paging::page;
use super::state::{random_chars, ResourcePolicy, LOWER_ALNUM};
use super::tags::{apply_tags, input_tags};
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::World;

/// Service principals that support trusted access with Organizations (AWS's list of
/// integrated services; moto keeps the same list).
const TRUSTED_SERVICES: &[&str] = &[
    "access-analyzer.amazonaws.com",
    "account.amazonaws.com",
    "auditmanager.amazonaws.com",
    "aws-artifact-account-sync.amazonaws.com",
    "backup.amazonaws.com",
    "bedrock.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "compute-optimizer.amazonaws.com",
    "config.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com",
    "controltower.amazonaws.com",
    "declarative-policies.ec2.amazonaws.com",
    "detective.amazonaws.com",
    "devops-guru.amazonaws.com",
    "ds.amazonaws.com",
    "fms.amazonaws.com",
    "guardduty.amazonaws.com",
    "health.amazonaws.com",
    "iam.amazonaws.com",
    "inspector2.amazonaws.com",
    "ipam.amazonaws.com",
    "license-manager.amazonaws.com",
    "license-manager.member-account.amazonaws.com",
    "license-manager-linux-subscriptions.amazonaws.com",
    "license-management.marketplace.amazonaws.com",
    "macie.amazonaws.com",
    "member.org.stacksets.cloudformation.amazonaws.com",
    "mgn.amazonaws.com",
    "ram.amazonaws.com",
    "reachabilityanalyzer.networkinsights.amazonaws.com",
    "reporting.trustedadvisor.amazonaws.com",
    "securityhub.amazonaws.com",
    "securitylake.amazonaws.com",
    "servicecatalog.amazonaws.com",
    "servicequotas.amazonaws.com",
    "sso.amazonaws.com",
    "ssm.amazonaws.com",
    "stacksets.cloudformation.amazonaws.com",
    "storage-lens.s3.amazonaws.com",
    "tagpolicies.tag.amazonaws.com",
    "wellarchitected.amazonaws.com",
];

fn known_service(principal: &str) -> ApiResult<()> {
    if TRUSTED_SERVICES.contains(&principal) {
        Ok(())
    } else {
        Err(errors::unrecognized_service_principal())
    }
}

pub fn enable_service_access(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let principal = op.req("ServicePrincipal")?.to_owned();
    known_service(&principal)?;
    let now = op.now();
    let organization = org_mut(world, &id)?;
    if organization.feature_set != "ALL" {
        return Err(errors::not_all_features());
    }
    organization.service_access.entry(principal).or_insert(now);
    Ok(json!({}))
}

pub fn disable_service_access(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let principal = op.req("ServicePrincipal")?.to_owned();
    known_service(&principal)?;
    org_mut(world, &id)?.service_access.remove(&principal);
    Ok(json!({}))
}

pub fn list_service_access(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let items = org(world, &id)?
        .service_access
        .iter()
        .map(|(p, date)| json!({"ServicePrincipal": p, "DateEnabled": date}))
        .collect();
    Ok(page(op, items, "EnabledServicePrincipals")?.into())
}

/// The organization, member account and service principal a (de)registration names, once
/// the caller may act on the account: the management account cannot be a delegated
/// administrator, the account must be a member, the service one keyhole knows.
fn delegated_admin_target(op: &Request, world: &World) -> ApiResult<(String, String, String)> {
    let id = management_org(op, world)?;
    let account = op.req("AccountId")?.to_owned();
    let principal = op.req("ServicePrincipal")?.to_owned();
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.account_arn(&account)))?;
    if organization.management_account == account {
        return Err(errors::cannot_register_master());
    }
    if !organization.accounts.contains_key(&account) {
        return Err(errors::account_not_found());
    }
    known_service(&principal)?;
    Ok((id, account, principal))
}

pub fn register_delegated_admin(op: &Request, world: &mut World) -> ApiResult<Value> {
    let (id, account, principal) = delegated_admin_target(op, world)?;
    let organization = org(world, &id)?;
    if organization.feature_set != "ALL" {
        return Err(errors::not_all_features());
    }
    if organization
        .delegated_admins
        .get(&account)
        .is_some_and(|s| s.contains_key(&principal))
    {
        return Err(errors::account_already_registered());
    }
    let now = op.now();
    org_mut(world, &id)?
        .delegated_admins
        .entry(account)
        .or_default()
        .insert(principal, now);
    Ok(json!({}))
}

pub fn deregister_delegated_admin(op: &Request, world: &mut World) -> ApiResult<Value> {
    let (id, account, principal) = delegated_admin_target(op, world)?;
    let organization = org_mut(world, &id)?;
    let services = organization
        .delegated_admins
        .get_mut(&account)
        .ok_or_else(errors::account_not_registered)?;
    if services.remove(&principal).is_none() {
        return Err(errors::account_not_registered());
    }
    if services.is_empty() {
        organization.delegated_admins.remove(&account);
    }
    Ok(json!({}))
}

pub fn list_delegated_admins(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let wanted = op.str("ServicePrincipal");
    if let Some(principal) = wanted {
        known_service(principal)?;
    }
    let organization = org(world, &id)?;
    let items = organization
        .delegated_admins
        .iter()
        .filter_map(|(account, services)| {
            let date = match wanted {
                Some(p) => *services.get(p)?,
                None => services.values().copied().reduce(f64::min)?,
            };
            let member = organization.accounts.get(account)?;
            let mut view = super::views::account_view(organization, member);
            if let Value::Object(map) = &mut view {
                map.remove("Paths");
                map.insert("DelegationEnabledDate".into(), json!(date));
            }
            Some(view)
        })
        .collect();
    Ok(page(op, items, "DelegatedAdministrators")?.into())
}

pub fn list_delegated_services(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let account = op.req("AccountId")?;
    let organization = org(world, &id)?;
    op.authorize(world, Some(organization.account_arn(account)))?;
    if !organization.accounts.contains_key(account) {
        return Err(errors::account_not_found());
    }
    let services = organization
        .delegated_admins
        .get(account)
        .ok_or_else(errors::account_not_registered)?;
    let items = services
        .iter()
        .map(|(p, date)| json!({"ServicePrincipal": p, "DelegationEnabledDate": date}))
        .collect();
    Ok(page(op, items, "DelegatedServices")?.into())
}

fn resource_policy_view(
    organization: &super::state::Organization,
    policy: &ResourcePolicy,
) -> Value {
    json!({
        "ResourcePolicySummary": {
            "Id": policy.id,
            "Arn": organization.resource_policy_arn(&policy.id),
        },
        "Content": policy.content,
    })
}

pub fn put_resource_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let content = op.req("Content")?.to_owned();
    let tags = input_tags(op)?;
    let document: Value = serde_json::from_str(&content).map_err(|_| {
        errors::invalid_input(
            "INVALID_RESOURCE_POLICY_JSON",
            "You provided a resource policy that isn't valid JSON.",
        )
    })?;
    if !document
        .get("Statement")
        .is_some_and(|s| s.is_array() || s.is_object())
    {
        return Err(errors::invalid_input(
            "INVALID_RESOURCE_POLICY_JSON",
            "You provided a resource policy that isn't valid JSON.",
        ));
    }
    let organization = org_mut(world, &id)?;
    let policy_id = organization
        .resource_policy
        .as_ref()
        .map(|p| p.id.clone())
        .unwrap_or_else(|| format!("rp-{}", random_chars(8, LOWER_ALNUM)));
    let policy = ResourcePolicy {
        id: policy_id.clone(),
        content,
    };
    organization.resource_policy = Some(policy.clone());
    apply_tags(organization, &policy_id, &tags)?;
    Ok(json!({ "ResourcePolicy": resource_policy_view(organization, &policy) }))
}

pub fn describe_resource_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    op.authorize(world, None)?;
    let organization = org(world, &id)?;
    let policy = organization
        .resource_policy
        .as_ref()
        .ok_or_else(errors::resource_policy_not_found)?;
    Ok(json!({ "ResourcePolicy": resource_policy_view(organization, policy) }))
}

pub fn delete_resource_policy(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    op.authorize(world, None)?;
    let organization = org_mut(world, &id)?;
    let policy = organization
        .resource_policy
        .take()
        .ok_or_else(errors::resource_policy_not_found)?;
    organization.tags.remove(&policy.id);
    Ok(json!({}))
}

/// The ARN of a taggable resource, if it exists in the organization.
fn taggable(
    world: &World,
    organization: &super::state::Organization,
    resource: &str,
) -> Option<String> {
    if let Some(arn) = organization.node_arn(resource) {
        return Some(arn);
    }
    if let Some(policy) = organization.policies.get(resource) {
        return Some(organization.policy_arn(policy));
    }
    if let Some(rp) = organization
        .resource_policy
        .as_ref()
        .filter(|p| p.id == resource)
    {
        return Some(organization.resource_policy_arn(&rp.id));
    }
    world
        .organizations
        .transfers
        .get(resource)
        .filter(|t| t.source_org == organization.id || t.target_org == organization.id)
        .map(|t| super::responsibility_transfers::transfer_arn(world, t, true))
}

pub fn tag_resource(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let resource = op.req("ResourceId")?.to_owned();
    let tags = input_tags(op)?;
    let organization = org(world, &id)?;
    let arn = taggable(world, organization, &resource).ok_or_else(errors::target_not_found)?;
    op.authorize(world, Some(arn))?;
    apply_tags(org_mut(world, &id)?, &resource, &tags)?;
    Ok(json!({}))
}

pub fn untag_resource(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = management_org(op, world)?;
    let resource = op.req("ResourceId")?.to_owned();
    let organization = org(world, &id)?;
    let arn = taggable(world, organization, &resource).ok_or_else(errors::target_not_found)?;
    op.authorize(world, Some(arn))?;
    let keys: Vec<String> = op
        .input
        .get("TagKeys")
        .and_then(Value::as_array)
        .map(|k| {
            k.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let organization = org_mut(world, &id)?;
    if let Some(tags) = organization.tags.get_mut(&resource) {
        tags.retain(|k, _| !keys.contains(k));
        if tags.is_empty() {
            organization.tags.remove(&resource);
        }
    }
    Ok(json!({}))
}

pub fn list_tags_for_resource(op: &Request, world: &mut World) -> ApiResult<Value> {
    let id = reader_org(op, world)?;
    let resource = op.req("ResourceId")?;
    let organization = org(world, &id)?;
    let arn = taggable(world, organization, resource).ok_or_else(errors::target_not_found)?;
    op.authorize(world, Some(arn))?;
    let items = organization
        .tags
        .get(resource)
        .into_iter()
        .flatten()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    Ok(page(op, items, "Tags")?.into())
}
