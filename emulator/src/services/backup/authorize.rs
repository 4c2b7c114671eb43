//! Backup's calls into the policy engine: the request's own action on a resource, with the
//! vault's access policy when a vault is involved.

use serde_json::Value;

use crate::authz::{Access, ResourcePolicyKind};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::World;

/// Asks the policy engine for the request's own action on `resource`.
pub(crate) fn authorize(
    ctx: &RequestContext,
    world: &World,
    resource: Option<String>,
    vault_policy: Option<String>,
) -> ApiResult<()> {
    authorize_with(ctx, world, resource, vault_policy, Vec::new())
}

pub(crate) fn authorize_with(
    ctx: &RequestContext,
    world: &World,
    resource: Option<String>,
    vault_policy: Option<String>,
    context: Vec<(String, Value)>,
) -> ApiResult<()> {
    crate::authz::authorize(
        ctx,
        world,
        &Access {
            action: ctx.action(),
            resource,
            resource_account: None,
            resource_policy: vault_policy.map(|p| (ResourcePolicyKind::BackupVaultAccessPolicy, p)),
            context,
            ..Default::default()
        },
    )
}
