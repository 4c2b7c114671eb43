//! Backup on keyhole's clock. Scheduled plan runs, backup and copy job completion and report
//! job completion are settled by one sweep (`schedule::run_due`, `engine::settle`,
//! `reports::settle`), and the sweep runs only when the world's timeline says something is
//! due: after every change Backup makes, [`reschedule`] puts the earliest due time of its
//! world there. Requests to other services cost Backup nothing.

use crate::protocol::ServiceId;
use crate::world::timeline::{EventKind, EventRef};
use crate::world::World;

use super::{engine, reports, schedule};

/// The one Backup event: "something of Backup is due".
fn due_event() -> EventRef {
    EventRef {
        service: ServiceId::Backup,
        account: String::new(),
        region: String::new(),
        object: String::new(),
        kind: EventKind::BackupDue,
    }
}

/// Runs the schedules and settles the jobs and report jobs whose time has come, as every
/// Backup request did before it was served.
pub(crate) fn fire(world: &mut World, _: &EventRef, _: f64, now: f64) {
    schedule::run_due(world, now);
    engine::settle(world, now);
    reports::settle(world, now);
    // Anything still due now could not be settled now: try again at the next request, never
    // in a loop within this one.
    reschedule_after(world, now);
}

/// Puts Backup's earliest due time in the timeline; an earlier entry that is no longer due
/// only costs a sweep that finds nothing.
pub(crate) fn reschedule(world: &mut World) {
    reschedule_after(world, f64::NEG_INFINITY);
}

/// [`reschedule`], at a time after `now`.
fn reschedule_after(world: &mut World, now: f64) {
    let mut next = schedule::next_fire_time(world);
    for r in world.accounts.values().flat_map(|a| a.regions.values()) {
        let st = &r.backup;
        let jobs = st.backup_jobs.values().chain(st.copy_jobs.values());
        let job_times = jobs.filter(|j| !j.settled).map(|j| j.finish_at);
        let report_times = st
            .audit
            .report_jobs
            .values()
            .filter(|j| !j.settled)
            .map(|j| j.finish_at);
        for t in job_times.chain(report_times) {
            next = Some(next.map_or(t, |n: f64| n.min(t)));
        }
    }
    if let Some(t) = next {
        let t = if t > now { t } else { now + 0.001 };
        world.timeline.schedule(t, due_event());
    }
}

/// After a state load.
pub(crate) fn schedule_all(world: &mut World) {
    reschedule(world);
}
