//! IAM Access Analyzer (restJson1, signing name `access-analyzer`): what CI tools call
//! before a policy ships. ValidatePolicy answers with `policy::findings` (AWS's documented
//! checks); the custom policy checks (CheckNoNewAccess, CheckAccessNotGranted,
//! CheckNoPublicAccess) with keyhole's exact decision procedure (`policy::analysis`)
//! instead of AWS's automated reasoning. Input is checked against
//! botocore's model, and violations come back as Access Analyzer's ValidationException
//! (`reason`, `fieldList`, in `errors`).

pub mod checks;
pub(crate) mod errors;
pub(crate) mod reasons;
pub mod validate_policy;

use serde_json::Value;

use crate::protocol::{ApiResult, ServiceId};
use crate::request::RequestContext;
use crate::services::service_def::{no_events, nothing_to_schedule, ServiceDef};
use crate::world::World;

/// Access Analyzer in the service registry. The checks walk a policy's request classes,
/// which may take a while on large documents: the server runs them on the blocking pool.
pub static SERVICE: ServiceDef = ServiceDef {
    id: ServiceId::AccessAnalyzer,
    handle,
    fire: no_events,
    schedule_all: nothing_to_schedule,
    prevalidate: None,
    invalid_input: errors::invalid_input,
    runs_long: &[
        "CheckNoNewAccess",
        "CheckAccessNotGranted",
        "CheckNoPublicAccess",
    ],
};

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    match operation {
        "CheckNoNewAccess" => checks::check_no_new_access(ctx, world, input),
        "CheckAccessNotGranted" => checks::check_access_not_granted(ctx, world, input),
        "CheckNoPublicAccess" => checks::check_no_public_access(ctx, world, input),
        "ValidatePolicy" => validate_policy::validate_policy(ctx, world, input),
        _ => Err(crate::services::errors::not_implemented(ctx)),
    }
}
