//! AWS services, one module each. A handler receives the decoded input, the request context
//! and the world; it asks the policy engine before acting and returns output JSON shaped by
//! the model, or an [`ApiError`](crate::protocol::ApiError).

pub mod accessanalyzer;
pub mod backup;
pub mod errors;
pub mod iam;
pub(crate) mod input;
pub mod kms;
pub mod organizations;
pub mod paging;
pub mod registry;
#[cfg(test)]
mod scale_tests;
pub mod service_def;
pub mod sts;

use serde_json::Value;

use crate::protocol::validate::check_input;
use crate::protocol::{ApiResult, Call, ServiceId};
use crate::request::RequestContext;
use crate::world::World;

pub fn dispatch(ctx: &RequestContext, world: &mut World, call: &Call) -> ApiResult<Value> {
    record_key_use(ctx, world);
    (registry::of(call.service).handle)(ctx, world, &call.operation, &call.input)
}

/// Checks a call's input, first with the service's own pre-validation if it has one, then
/// against the model, and reports a violation the way the service does (its
/// `invalid_input`: Organizations with InvalidInputException and a Reason for the first one,
/// every other service with AWS's aggregate "N validation errors detected: ..." message).
pub fn validate_input(
    service: ServiceId,
    operation: &str,
    shape: &str,
    input: &Value,
) -> ApiResult<()> {
    let def = registry::of(service);
    if let Some(prevalidate) = def.prevalidate {
        prevalidate(operation, input)?;
    }
    let violations = check_input(service, shape, input)?;
    if violations.is_empty() {
        return Ok(());
    }
    Err((def.invalid_input)(service, &violations))
}

/// GetAccessKeyLastUsed: an IAM access key is "used" by any request it signs.
fn record_key_use(ctx: &RequestContext, world: &mut World) {
    let Some(account) = world.accounts.get_mut(&ctx.caller.account) else {
        return;
    };
    // A use is not a change: it costs no write to --state-dir.
    if let Some(key) = account
        .iam
        .access_keys
        .get_mut_unmarked(&ctx.caller.access_key_id)
    {
        key.last_used = Some((
            ctx.now,
            ctx.service.signing_name().to_owned(),
            ctx.region.clone(),
        ));
    }
}
