//! Which organization a request is about and how the caller stands in it (management
//! account, delegated administrator, member), with Organizations' errors when it has none.

use super::errors;
use super::state::Organization;
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::World;

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
