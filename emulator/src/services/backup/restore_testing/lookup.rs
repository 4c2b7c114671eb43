//! The Region's restore testing plans, found by name, and the rules plans and selections
//! share (names, the resource types restore testing takes).

use super::super::errors::not_found;
use super::super::lookup::{state, state_mut};
use super::super::state::restore_testing::{RestoreTesting, TestingPlan};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::world::World;

/// The resource types restore testing takes (CreateRestoreTestingSelection's documentation).
pub(crate) const TESTABLE_TYPES: &[&str] = &[
    "Aurora",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "S3",
];

pub(crate) fn valid_name(name: &str) -> bool {
    (1..=50).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

pub(crate) fn plans<'w>(world: &'w World, ctx: &RequestContext) -> Option<&'w RestoreTesting> {
    state(world, &ctx.caller.account, &ctx.region).map(|st| &st.scheduled.restore_testing)
}

pub(crate) fn plans_mut<'w>(world: &'w mut World, ctx: &RequestContext) -> &'w mut RestoreTesting {
    &mut state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .scheduled
        .restore_testing
}

pub(crate) fn plan_not_found(name: &str) -> ApiError {
    // Text inferred.
    not_found(format!("Restore testing plan {name} not found"))
}

pub(crate) fn plan<'w>(
    world: &'w World,
    ctx: &RequestContext,
    name: &str,
) -> ApiResult<&'w TestingPlan> {
    plans(world, ctx)
        .and_then(|t| t.plans.get(name))
        .ok_or_else(|| plan_not_found(name))
}
