//! How Backup puts an event in the world's timeline. Its own file so the code that makes an
//! event due (a job starting, a schedule moving) and `clock`, which fires it into that same
//! code, both import it without importing each other.

use crate::protocol::ServiceId;
use crate::world::timeline::{EventKind, EventRef};
use crate::world::World;

/// The event `kind` of object `object` (a job id, or a schedule's cursor key).
pub(crate) fn event(account: &str, region: &str, object: &str, kind: EventKind) -> EventRef {
    EventRef {
        service: ServiceId::Backup,
        account: account.to_owned(),
        region: region.to_owned(),
        object: object.to_owned(),
        kind,
    }
}

/// Puts a job's completion at `finish_at` in the timeline; `kind` says which job list holds
/// it (`BackupJobDone`, `CopyJobDone` or `ReportJobDone`).
pub(crate) fn job_started(
    world: &mut World,
    kind: EventKind,
    (account, region): (&str, &str),
    id: &str,
    finish_at: f64,
) {
    world
        .timeline
        .schedule(finish_at, event(account, region, id, kind));
}
