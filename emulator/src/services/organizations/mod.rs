//! AWS Organizations (awsJson1.1, `AWSOrganizationsV20161128`), global across regions.
//!
//! Organizations' own structural rules live here: who may call what (the management account,
//! delegated administrators for the read-only calls, any member for its own organization),
//! AWSOrganizationsNotInUseException outside an organization, the tree's invariants. IAM
//! allow/deny is the policy engine's, asked through `authz::authorize` before each
//! operation acts.
//!
//! For the rest of keyhole: the lookups in [`directory`] ([`policy_levels`]: SCPs/RCPs by
//! level; [`org_context`]: `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
//! `aws:ResourceOrgID`; [`is_trusted_service_enabled`], [`same_organization`],
//! [`delegated_administrators`]) and [`effective_policy_for`] (tag and backup policies).

pub mod directory;
pub mod effective;
pub mod errors;
pub mod policy_content;
pub mod state;
pub mod tag_policy;

mod access;
mod accounts;
mod handshakes;
mod policies;
mod responsibility_transfers;
mod tree;

use serde_json::{json, Map, Value};

pub use directory::{
    delegated_administrators, is_trusted_service_enabled, org_context, policy_levels,
    same_organization, OrgContext,
};
pub use policy_content::validate_policy_content;

use crate::authz::{self, Access};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
pub(crate) use crate::services::input::Request;
use crate::world::World;
use state::{Member, Organization, OrganizationalUnit, Policy};

/// Organizations in the service registry: a model violation is InvalidInputException with
/// the Reason of the first one.
pub static SERVICE: crate::services::registry::ServiceDef = crate::services::registry::ServiceDef {
    id: crate::protocol::ServiceId::Organizations,
    handle,
    fire: crate::services::registry::no_events,
    schedule_all: crate::services::registry::nothing_to_schedule,
    prevalidate: None,
    invalid_input: |_, violations| errors::invalid_input_for(violations[0].constraint),
    runs_long: &[],
};

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    let op = Request::new(ctx, input, missing_member);
    match operation {
        "CreateOrganization" => accounts::create_organization(&op, world),
        "DescribeOrganization" => accounts::describe_organization(&op, world),
        "DeleteOrganization" => accounts::delete_organization(&op, world),
        "CreateAccount" => accounts::create_account(&op, world, false),
        "CreateGovCloudAccount" => accounts::create_account(&op, world, true),
        "DescribeCreateAccountStatus" => accounts::describe_create_account_status(&op, world),
        "ListCreateAccountStatus" => accounts::list_create_account_status(&op, world),
        "DescribeAccount" => accounts::describe_account(&op, world),
        "ListAccounts" => accounts::list_accounts(&op, world),
        "ListAccountsForParent" => accounts::list_accounts_for_parent(&op, world),
        "MoveAccount" => accounts::move_account(&op, world),
        "RemoveAccountFromOrganization" => accounts::remove_account(&op, world),
        "LeaveOrganization" => accounts::leave_organization(&op, world),
        "CloseAccount" => accounts::close_account(&op, world),
        "InviteAccountToOrganization" => handshakes::invite_account(&op, world),
        "AcceptHandshake" => handshakes::accept(&op, world),
        "DeclineHandshake" => handshakes::decline(&op, world),
        "CancelHandshake" => handshakes::cancel(&op, world),
        "DescribeHandshake" => handshakes::describe(&op, world),
        "ListHandshakesForAccount" => handshakes::list_for_account(&op, world),
        "ListHandshakesForOrganization" => handshakes::list_for_organization(&op, world),
        "EnableAllFeatures" => handshakes::enable_all_features(&op, world),
        "InviteOrganizationToTransferResponsibility" => {
            responsibility_transfers::invite_transfer(&op, world)
        }
        "DescribeResponsibilityTransfer" => responsibility_transfers::describe_transfer(&op, world),
        "ListInboundResponsibilityTransfers" => {
            responsibility_transfers::list_transfers(&op, world, true)
        }
        "ListOutboundResponsibilityTransfers" => {
            responsibility_transfers::list_transfers(&op, world, false)
        }
        "TerminateResponsibilityTransfer" => {
            responsibility_transfers::terminate_transfer(&op, world)
        }
        "UpdateResponsibilityTransfer" => responsibility_transfers::update_transfer(&op, world),
        "ListRoots" => tree::list_roots(&op, world),
        "CreateOrganizationalUnit" => tree::create_ou(&op, world),
        "UpdateOrganizationalUnit" => tree::update_ou(&op, world),
        "DeleteOrganizationalUnit" => tree::delete_ou(&op, world),
        "DescribeOrganizationalUnit" => tree::describe_ou(&op, world),
        "ListOrganizationalUnitsForParent" => tree::list_ous_for_parent(&op, world),
        "ListParents" => tree::list_parents(&op, world),
        "ListChildren" => tree::list_children(&op, world),
        "CreatePolicy" => policies::create_policy(&op, world),
        "UpdatePolicy" => policies::update_policy(&op, world),
        "DeletePolicy" => policies::delete_policy(&op, world),
        "DescribePolicy" => policies::describe_policy(&op, world),
        "ListPolicies" => policies::list_policies(&op, world),
        "ListPoliciesForTarget" => policies::list_policies_for_target(&op, world),
        "ListTargetsForPolicy" => policies::list_targets_for_policy(&op, world),
        "AttachPolicy" => policies::attach_policy(&op, world),
        "DetachPolicy" => policies::detach_policy(&op, world),
        "EnablePolicyType" => policies::enable_policy_type(&op, world),
        "DisablePolicyType" => policies::disable_policy_type(&op, world),
        "DescribeEffectivePolicy" => policies::describe_effective_policy(&op, world),
        "ListAccountsWithInvalidEffectivePolicy" => {
            policies::list_accounts_with_invalid_effective_policy(&op, world)
        }
        "ListEffectivePolicyValidationErrors" => {
            policies::list_effective_policy_validation_errors(&op, world)
        }
        "EnableAWSServiceAccess" => access::enable_service_access(&op, world),
        "DisableAWSServiceAccess" => access::disable_service_access(&op, world),
        "ListAWSServiceAccessForOrganization" => access::list_service_access(&op, world),
        "RegisterDelegatedAdministrator" => access::register_delegated_admin(&op, world),
        "DeregisterDelegatedAdministrator" => access::deregister_delegated_admin(&op, world),
        "ListDelegatedAdministrators" => access::list_delegated_admins(&op, world),
        "ListDelegatedServicesForAccount" => access::list_delegated_services(&op, world),
        "PutResourcePolicy" => access::put_resource_policy(&op, world),
        "DescribeResourcePolicy" => access::describe_resource_policy(&op, world),
        "DeleteResourcePolicy" => access::delete_resource_policy(&op, world),
        "TagResource" => access::tag_resource(&op, world),
        "UntagResource" => access::untag_resource(&op, world),
        "ListTagsForResource" => access::list_tags_for_resource(&op, world),
        _ => Err(super::not_implemented(ctx)),
    }
}

/// Organizations' error for a missing required member.
fn missing_member(_: &str) -> ApiError {
    errors::invalid_input(
        "INPUT_REQUIRED",
        "You must specify a value for all required fields.",
    )
}

/// Organizations' members of a request beyond the shared accessors.
impl Request<'_> {
    /// Asks the policy engine about `organizations:<Operation>` on `resource`.
    pub fn authorize(&self, world: &World, resource: Option<String>) -> ApiResult<()> {
        authz::authorize(
            self.ctx,
            world,
            &Access {
                action: format!("organizations:{}", self.ctx.operation),
                resource,
                ..Access::default()
            },
        )
    }
}

/// How the caller's account stands in its organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Management,
    DelegatedAdmin,
    Member,
}

pub(crate) fn role_in(org: &Organization, account: &str) -> Role {
    if org.management_account == account {
        Role::Management
    } else if org
        .delegated_admins
        .get(account)
        .is_some_and(|services| !services.is_empty())
    {
        Role::DelegatedAdmin
    } else {
        Role::Member
    }
}

/// The caller's organization id and role, or AWSOrganizationsNotInUseException.
pub(crate) fn membership(op: &Request, world: &World) -> ApiResult<(String, Role)> {
    let org = world
        .organizations
        .org_of(op.account())
        .ok_or_else(errors::not_in_use)?;
    Ok((org.id.clone(), role_in(org, op.account())))
}

/// For operations only the management account may call.
pub(crate) fn management_org(op: &Request, world: &World) -> ApiResult<String> {
    match membership(op, world)? {
        (id, Role::Management) => Ok(id),
        _ => Err(errors::access_denied()),
    }
}

/// For the read-only calls the management account and delegated administrators may make.
pub(crate) fn reader_org(op: &Request, world: &World) -> ApiResult<String> {
    match membership(op, world)? {
        (id, Role::Management | Role::DelegatedAdmin) => Ok(id),
        _ => Err(errors::access_denied()),
    }
}

pub(crate) fn org<'w>(world: &'w World, id: &str) -> ApiResult<&'w Organization> {
    world
        .organizations
        .organizations
        .get(id)
        .ok_or_else(errors::not_in_use)
}

pub(crate) fn org_mut<'w>(world: &'w mut World, id: &str) -> ApiResult<&'w mut Organization> {
    world
        .organizations
        .organizations
        .get_mut(id)
        .ok_or_else(errors::not_in_use)
}

// ---- pagination ----

const DEFAULT_PAGE: usize = 20;

fn encode_token(offset: usize) -> String {
    crate::services::offset::encode_tagged("keyhole-orgs", offset)
}

fn decode_token(token: &str) -> Option<usize> {
    crate::services::offset::decode_tagged("keyhole-orgs", token)
}

/// One page of `items` under `key`, with NextToken when more remain.
pub(crate) fn page(op: &Request, items: Vec<Value>, key: &str) -> ApiResult<Map<String, Value>> {
    let start = match op.str("NextToken") {
        None => 0,
        Some(token) => decode_token(token)
            .filter(|offset| *offset <= items.len())
            .ok_or_else(errors::invalid_next_token)?,
    };
    let size = op
        .input
        .get("MaxResults")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_PAGE);
    let (page, next) = crate::services::offset::slice(items, start, size);
    let mut out = Map::new();
    out.insert(key.to_owned(), Value::Array(page));
    if let Some(next) = next {
        out.insert("NextToken".into(), Value::String(encode_token(next)));
    }
    Ok(out)
}

// ---- tags ----

/// The `Tags` member of an input, checked the way Organizations checks tags.
pub(crate) fn input_tags(op: &Request) -> ApiResult<Vec<(String, String)>> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for tag in op
        .input
        .get("Tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = tag.get("Key").and_then(Value::as_str).unwrap_or_default();
        let value = tag.get("Value").and_then(Value::as_str).unwrap_or_default();
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(errors::invalid_input(
                "INVALID_SYSTEM_TAGS_PARAMETER",
                "You provided a tag key that starts with the reserved prefix aws:.",
            ));
        }
        if tags.iter().any(|(k, _)| k == key) {
            return Err(errors::invalid_input(
                "DUPLICATE_TAG_KEY",
                "You provided the same tag key more than once.",
            ));
        }
        tags.push((key.to_owned(), value.to_owned()));
    }
    Ok(tags)
}

pub(crate) const MAX_TAGS: usize = 50;

pub(crate) fn apply_tags(
    org: &mut Organization,
    resource: &str,
    tags: &[(String, String)],
) -> ApiResult<()> {
    let mut merged = org.tags.get(resource).cloned().unwrap_or_default();
    for (k, v) in tags {
        merged.insert(k.clone(), v.clone());
    }
    if merged.len() > MAX_TAGS {
        return Err(errors::constraint(
            "MAX_TAG_LIMIT_EXCEEDED",
            "You have exceeded the number of tags allowed on this resource.",
        ));
    }
    if !merged.is_empty() {
        org.tags.insert(resource.to_owned(), merged);
    }
    Ok(())
}

// ---- views in the model's shapes ----

pub(crate) fn account_view(org: &Organization, member: &Member) -> Value {
    json!({
        "Id": member.id,
        "Arn": org.account_arn(&member.id),
        "Email": member.email,
        "Name": member.name,
        "Status": member.status,
        "State": member.status,
        "JoinedMethod": member.joined_method,
        "JoinedTimestamp": member.joined_timestamp,
        "Paths": [org.path(&member.id)],
    })
}

pub(crate) fn ou_view(org: &Organization, ou: &OrganizationalUnit) -> Value {
    json!({
        "Id": ou.id,
        "Arn": org.ou_arn(&ou.id),
        "Name": ou.name,
        "Path": org.path(&ou.id),
    })
}

pub(crate) fn root_view(org: &Organization) -> Value {
    let types: Vec<Value> = org
        .root
        .policy_types
        .iter()
        .map(|t| json!({"Type": t, "Status": "ENABLED"}))
        .collect();
    json!({
        "Id": org.root.id,
        "Arn": org.root_arn(),
        "Name": org.root.name,
        "PolicyTypes": types,
    })
}

pub(crate) fn policy_summary(org: &Organization, policy: &Policy) -> Value {
    json!({
        "Id": policy.id,
        "Arn": org.policy_arn(policy),
        "Name": policy.name,
        "Description": policy.description,
        "Type": policy.policy_type,
        "AwsManaged": policy.aws_managed,
    })
}

pub(crate) fn policy_view(org: &Organization, policy: &Policy) -> Value {
    json!({
        "PolicySummary": policy_summary(org, policy),
        "Content": policy.content,
    })
}

// ---- for the rest of keyhole ----

/// The effective management policy (tag, backup, ...) of `account`, operators resolved;
/// the management account included, as AWS applies management policies to it too.
pub fn effective_policy_for(world: &World, account: &str, policy_type: &str) -> Option<Value> {
    let org = world.organizations.org_of(account)?;
    effective_in(org, account, policy_type)
}

pub(crate) fn effective_in(org: &Organization, account: &str, policy_type: &str) -> Option<Value> {
    if !org.is_enabled(policy_type) {
        return None;
    }
    let documents: Vec<Vec<Value>> = directory::levels(org, account, policy_type)
        .into_iter()
        .map(|level| {
            level
                .into_iter()
                .filter_map(|(_, content)| serde_json::from_str(&content).ok())
                .collect()
        })
        .collect();
    effective::effective_policy(policy_type, &documents)
}

#[cfg(test)]
mod tests;
