//! The service registry: one [`ServiceDef`] per service, declared in the service's own module
//! (`kms::SERVICE`, ...), so the pipeline and the server reach every service through the
//! same table and name none of them.

use serde_json::Value;

use crate::protocol::validate::{validation_error, Violation};
use crate::protocol::{ApiError, ApiResult, ServiceId};
use crate::request::RequestContext;
use crate::world::timeline::EventRef;
use crate::world::World;

use super::{backup, iam, kms, organizations, sts};

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

/// Every service keyhole serves.
pub static ALL: [&ServiceDef; 5] = [
    &sts::SERVICE,
    &organizations::SERVICE,
    &iam::SERVICE,
    &kms::SERVICE,
    &backup::SERVICE,
];

/// The definition of `id`; [`FALLBACK`] for a service with none.
pub fn of(id: ServiceId) -> &'static ServiceDef {
    ALL.iter()
        .copied()
        .find(|s| s.id == id)
        .unwrap_or(&FALLBACK)
}

/// The service that answers a request neither its signature nor its target identifies
/// (keyhole began as a KMS emulator: its errors are awsJson).
pub const UNIDENTIFIED: ServiceId = ServiceId::Kms;

/// A service with no definition: serves nothing, has no events.
pub static FALLBACK: ServiceDef = ServiceDef {
    id: UNIDENTIFIED,
    handle: not_served,
    fire: no_events,
    schedule_all: nothing_to_schedule,
    prevalidate: None,
    invalid_input: aggregate_validation_error,
    runs_long: &[],
};

fn not_served(ctx: &RequestContext, _: &mut World, _: &str, _: &Value) -> ApiResult<Value> {
    Err(super::not_implemented(ctx))
}

/// `fire` of a service that schedules nothing.
pub fn no_events(_: &mut World, _: &EventRef, _: f64, _: f64) {}

/// `schedule_all` of a service that schedules nothing.
pub fn nothing_to_schedule(_: &mut World) {}

/// AWS's aggregate "N validation errors detected: ..." ValidationException.
pub fn aggregate_validation_error(service: ServiceId, violations: &[Violation]) -> ApiError {
    validation_error(service, violations)
}

/// Moves the world to `now`: fires, in due order, every event whose time has come. Costs
/// one look at the timeline when nothing is due.
pub fn advance(world: &mut World, now: f64) {
    while let Some((due, event)) = world.timeline.pop_due(now) {
        (of(event.service).fire)(world, &event, due, now);
    }
}

/// Rebuilds the timeline from the world's state (after the world was loaded or seeded).
pub fn schedule_all(world: &mut World) {
    world.timeline.clear();
    for service in ALL {
        (service.schedule_all)(world);
    }
}

/// Whether any service lists `operation` as long-running.
pub fn runs_long(operation: &str) -> bool {
    ALL.iter().any(|s| s.runs_long.contains(&operation))
}
