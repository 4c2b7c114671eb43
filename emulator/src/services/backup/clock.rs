//! Backup on keyhole's clock: each future event of Backup is one entry in the world's
//! timeline, put there by the code that makes it due: a backup or copy job's completion when
//! the job starts (`jobs::create_backup_job`, `copy_jobs`, `engine`), a report job's when it
//! starts (`reports::start`), a schedule's next fire time when its plan is created or updated
//! (`schedule::schedule_plan`, `schedule::schedule_restore_test`) and after it fires. A
//! request that makes nothing due costs Backup nothing, and firing one event looks at its
//! own object only.

use crate::world::timeline::{EventKind, EventRef};
use crate::world::World;

use super::due::job_started;
use super::{engine, reports, schedule};

/// Applies one due Backup event; a stale one (a job already settled, a schedule that moved)
/// finds nothing to do.
pub(crate) fn fire(world: &mut World, event: &EventRef, _: f64, now: f64) {
    let at = (event.account.as_str(), event.region.as_str());
    match event.kind {
        EventKind::BackupJobDone => engine::settle(world, at, false, &event.object, now),
        EventKind::CopyJobDone => engine::settle(world, at, true, &event.object, now),
        EventKind::ReportJobDone => reports::settle(world, at, &event.object, now),
        EventKind::ScheduleFires => schedule::fire(world, at, &event.object, now),
        _ => {}
    }
}

/// After a state load: every unsettled job's completion and every schedule's next fire time.
pub(crate) fn schedule_all(world: &mut World) {
    let mut jobs = Vec::new();
    for (account, a) in &world.accounts {
        for (region, r) in &a.regions {
            let st = &r.backup;
            let lists = [
                (EventKind::BackupJobDone, &st.backup_jobs),
                (EventKind::CopyJobDone, &st.copy_jobs),
            ];
            for (kind, list) in lists {
                for j in list.values().filter(|j| !j.settled) {
                    jobs.push((
                        kind,
                        account.clone(),
                        region.clone(),
                        j.id.clone(),
                        j.finish_at,
                    ));
                }
            }
            for j in st.audit.report_jobs.values().filter(|j| !j.settled) {
                let kind = EventKind::ReportJobDone;
                jobs.push((
                    kind,
                    account.clone(),
                    region.clone(),
                    j.id.clone(),
                    j.finish_at,
                ));
            }
        }
    }
    for (kind, account, region, id, finish_at) in jobs {
        job_started(world, kind, (&account, &region), &id, finish_at);
    }
    schedule::schedule_all(world);
}
