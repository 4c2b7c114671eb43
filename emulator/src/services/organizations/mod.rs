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
mod authorize;
mod handshakes;
mod lookup;
mod paging;
mod policies;
mod responsibility_transfers;
mod tags;
mod tree;
mod views;

use serde_json::Value;

pub use directory::{
    delegated_administrators, is_trusted_service_enabled, org_context, policy_levels,
    same_organization, OrgContext,
};
pub use policy_content::validate_policy_content;

pub use effective::effective_policy_for;

use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::Request;
use crate::world::World;

/// Organizations in the service registry: a model violation is InvalidInputException with
/// the Reason of the first one.
pub static SERVICE: crate::services::service_def::ServiceDef =
    crate::services::service_def::ServiceDef {
        id: crate::protocol::ServiceId::Organizations,
        handle,
        fire: crate::services::service_def::no_events,
        schedule_all: crate::services::service_def::nothing_to_schedule,
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
    let op = Request::new(ctx, input, errors::missing_member);
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
        _ => Err(super::errors::not_implemented(ctx)),
    }
}

#[cfg(test)]
mod tests;
