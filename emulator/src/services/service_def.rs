//! What one service declares to the registry ([`ServiceDef`]) and the defaults a service
//! without events or pre-validation uses. Apart from `registry.rs`, so a service's module
//! names this type without importing the registry that lists every service (an import loop
//! through all five).

use serde_json::Value;

use crate::protocol::validate::{validation_error, Violation};
use crate::protocol::{ApiError, ApiResult, ServiceId};
use crate::request::RequestContext;
use crate::world::timeline::EventRef;
use crate::world::World;

/// What the pipeline, the clock and the server need to know of one service.
pub struct ServiceDef {
    pub id: ServiceId,
    /// Serves one operation.
    pub handle: fn(&RequestContext, &mut World, &str, &Value) -> ApiResult<Value>,
    /// Applies one due event of this service: `(world, event, due time, now)`. The event may
    /// be stale (the object changed since it was scheduled); `fire` then does nothing.
    pub fire: fn(&mut World, &EventRef, f64, f64),
    /// Puts this service's future events in the world's timeline, from its state (after a
    /// state load).
    pub schedule_all: fn(&mut World),
    /// Input checks the service makes before model validation, if any.
    pub prevalidate: Option<fn(&str, &Value) -> ApiResult<()>>,
    /// How the service reports model-validation violations (never called with none).
    pub invalid_input: fn(ServiceId, &[Violation]) -> ApiError,
    /// Operations that may keep a thread busy for long (RSA key generation): the server
    /// runs them on the blocking pool.
    pub runs_long: &'static [&'static str],
}

/// `fire` of a service that schedules nothing.
pub fn no_events(_: &mut World, _: &EventRef, _: f64, _: f64) {}

/// `schedule_all` of a service that schedules nothing.
pub fn nothing_to_schedule(_: &mut World) {}

/// AWS's aggregate "N validation errors detected: ..." ValidationException.
pub fn aggregate_validation_error(service: ServiceId, violations: &[Violation]) -> ApiError {
    validation_error(service, violations)
}
