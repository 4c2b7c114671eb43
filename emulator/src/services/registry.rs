//! The service registry: one [`ServiceDef`] per service, declared in the service's own module
//! (`kms::SERVICE`, ...), so the pipeline and the server reach every service through the
//! same table and name none of them.

use serde_json::Value;

use super::service_def::{aggregate_validation_error, no_events, nothing_to_schedule, ServiceDef};
use super::{accessanalyzer, backup, iam, kms, organizations, sts};
use crate::protocol::{ApiResult, ServiceId};
use crate::request::RequestContext;
use crate::world::World;

/// Every service keyhole serves.
pub static ALL: [&ServiceDef; 6] = [
    &sts::SERVICE,
    &organizations::SERVICE,
    &iam::SERVICE,
    &kms::SERVICE,
    &backup::SERVICE,
    &accessanalyzer::SERVICE,
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
    Err(super::errors::not_implemented(ctx))
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
