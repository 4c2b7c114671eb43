//! AWS services, one module each. A handler receives the decoded input, the request context
//! and the world; it asks the policy engine before acting and returns output JSON shaped by
//! the model, or an [`ApiError`].

pub mod kms;
pub mod organizations;
pub mod sts;

use serde_json::Value;

use crate::context::RequestContext;
use crate::protocol::{ApiError, ApiResult, Call, ServiceId};
use crate::world::World;

pub fn dispatch(ctx: &RequestContext, world: &mut World, call: &Call) -> ApiResult<Value> {
    match call.service {
        ServiceId::Sts => sts::handle(ctx, world, &call.operation, &call.input),
        ServiceId::Organizations => organizations::handle(ctx, world, &call.operation, &call.input),
        _ => Err(not_implemented(ctx)),
    }
}

/// A modeled operation keyhole does not serve yet: said plainly, never faked.
pub fn not_implemented(ctx: &RequestContext) -> ApiError {
    ApiError::new(
        "NotImplemented",
        format!("keyhole does not implement {} yet", ctx.action()),
    )
    .status(501)
}
