//! The organization lookups the rest of keyhole reads (authz above all): which
//! organization an account is in and where (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
//! `aws:ResourceOrgID`), the SCPs/RCPs that bind it level by level, trusted access and
//! delegated administrators. Pure queries over the state, below the handlers.

use super::state::Organization;
use crate::world::World;

/// The organization facts global condition keys need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgContext {
    /// `aws:PrincipalOrgID` / `aws:ResourceOrgID`.
    pub org_id: String,
    pub management_account: String,
    /// `aws:PrincipalOrgPaths`: `o-xxx/r-xxxx/ou-xxxx/` (the account's parent's path).
    pub ou_path: String,
}

pub fn org_context(world: &World, account: &str) -> Option<OrgContext> {
    let org = world.organizations.org_of(account)?;
    Some(OrgContext {
        org_id: org.id.clone(),
        management_account: org.management_account.clone(),
        ou_path: org.org_path_of_account(account),
    })
}

/// The policies of `policy_type` that bind `account`, one level per node from the root
/// through each OU to the account itself, each level as `(policy id, content)` in
/// attachment order. `None` when the account is in no organization, is its management
/// account, or the type is not enabled (for SCPs/RCPs: nothing to evaluate).
pub fn policy_levels(
    world: &World,
    account: &str,
    policy_type: &str,
) -> Option<Vec<Vec<(String, String)>>> {
    let org = world.organizations.org_of(account)?;
    if org.management_account == account || !org.is_enabled(policy_type) {
        return None;
    }
    Some(levels(org, account, policy_type))
}

pub(crate) fn levels(
    org: &Organization,
    node: &str,
    policy_type: &str,
) -> Vec<Vec<(String, String)>> {
    org.lineage(node)
        .iter()
        .map(|n| {
            org.attached(n, policy_type)
                .into_iter()
                .map(|p| (p.id, p.content))
                .collect()
        })
        .collect()
}

/// Trusted access: whether the organization enabled `service_principal`
/// (`backup.amazonaws.com`, ...).
pub fn is_trusted_service_enabled(world: &World, org_id: &str, service_principal: &str) -> bool {
    world
        .organizations
        .organizations
        .get(org_id)
        .is_some_and(|o| o.service_access.contains_key(service_principal))
}

/// Whether both accounts are in the same organization.
pub fn same_organization(world: &World, a: &str, b: &str) -> bool {
    match (
        world.organizations.org_id_of(a),
        world.organizations.org_id_of(b),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The accounts registered as delegated administrators for `service_principal`.
pub fn delegated_administrators(
    world: &World,
    org_id: &str,
    service_principal: &str,
) -> Vec<String> {
    world
        .organizations
        .organizations
        .get(org_id)
        .map(|o| {
            o.delegated_admins
                .iter()
                .filter(|(_, services)| services.contains_key(service_principal))
                .map(|(account, _)| account.clone())
                .collect()
        })
        .unwrap_or_default()
}
