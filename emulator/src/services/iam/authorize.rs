//! IAM's calls into the policy engine: the request's own action on the entity it touches.

use serde_json::Value;

use crate::authz::{self, Access};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::World;

/// Asks the policy engine about the request's own action on `resource`.
pub fn authorize(ctx: &RequestContext, world: &World, resource: String) -> ApiResult<()> {
    authz::authorize(ctx, world, &Access::new(Some(resource)))
}

/// Like [`authorize`], with condition keys (`aws:RequestTag/...`, `iam:PolicyARN`, ...).
pub fn authorize_with(
    ctx: &RequestContext,
    world: &World,
    resource: String,
    context: Vec<(String, Value)>,
) -> ApiResult<()> {
    let mut access = Access::new(Some(resource));
    access.context = context;
    authz::authorize(ctx, world, &access)
}
