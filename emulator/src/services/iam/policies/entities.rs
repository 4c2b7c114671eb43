//! What IAM's policy operations share: the entities that carry policies (users, groups,
//! roles), their policy sets, and how many entities attach a managed policy.

use serde_json::Value;

use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam::authorize::authorize_with;
use crate::services::iam::errors::{no_such_entity, protected_role};
use crate::services::iam::{groups, roles, users};
use crate::services::input::text;
use crate::world::iam::state::{key, IamState, Policies};
use crate::world::World;

/// IAM quota: at most five versions per managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// IAM quota (default): managed policies attached per user, group or role.
pub const MAX_ATTACHED: usize = 10;

/// The principal-like entities that carry policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    User,
    Group,
    Role,
}

impl Entity {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Entity::User => "user",
            Entity::Group => "group",
            Entity::Role => "role",
        }
    }

    pub(crate) fn name_member(self) -> &'static str {
        match self {
            Entity::User => "UserName",
            Entity::Group => "GroupName",
            Entity::Role => "RoleName",
        }
    }

    pub(crate) fn quota_name(self) -> &'static str {
        match self {
            Entity::User => "PoliciesPerUser",
            Entity::Group => "PoliciesPerGroup",
            Entity::Role => "PoliciesPerRole",
        }
    }
}

/// What a handler needs to know about the entity a request names.
pub(crate) struct EntityInfo {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) service_linked: bool,
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

/// The entity the request names (its `UserName`, `GroupName` or `RoleName`), once the
/// caller may act on it with the operation's condition keys.
pub(crate) fn authorized_entity(
    ctx: &RequestContext,
    world: &World,
    input: &Value,
    entity: Entity,
    context: Vec<(String, Value)>,
) -> ApiResult<EntityInfo> {
    let name = text(input, entity.name_member());
    let info = entity_info(world, &ctx.caller.account, entity, name)?;
    authorize_with(ctx, world, info.arn.clone(), context)?;
    Ok(info)
}

/// Like [`authorized_entity`], for an operation that changes the entity: a service-linked
/// role refuses it (after authorization, so a caller without access learns nothing more).
pub(crate) fn modifiable_entity(
    ctx: &RequestContext,
    world: &World,
    input: &Value,
    entity: Entity,
    context: Vec<(String, Value)>,
) -> ApiResult<EntityInfo> {
    let info = authorized_entity(ctx, world, input, entity, context)?;
    if info.service_linked {
        return Err(protected_role(&info.name));
    }
    Ok(info)
}

pub(crate) fn policies_mut<'s>(
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

pub(crate) fn policies_of<'s>(
    state: &'s IamState,
    entity: Entity,
    name: &str,
) -> Option<&'s Policies> {
    let k = key(name);
    match entity {
        Entity::User => state.users.get(&k).map(|u| &u.policies),
        Entity::Group => state.groups.get(&k).map(|g| &g.policies),
        Entity::Role => state.roles.get(&k).map(|r| &r.policies),
    }
}

pub(crate) fn policy_not_found(arn: &str) -> ApiError {
    // Text inferred (moto).
    no_such_entity(format!("Policy {arn} was not found."))
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
