//! KMS on keyhole's clock: each key's future events (deletion at the end of its waiting
//! period, automatic rotation, imported material expiry at ValidTo) live in the world's
//! timeline; [`fire`] applies one when it comes due, after checking that the key still
//! wants it at that time.

use crate::protocol::ServiceId;
use crate::world::timeline::{EventKind, EventRef};
use crate::world::World;

/// One day in seconds: KMS counts its waiting and rotation periods in days.
pub(crate) const DAY: f64 = 86_400.0;

use super::crypto;
use super::regions::held_in_another_region;
use super::state::{Key, KeyState, KmsState, Rotation};

/// Puts in the timeline every event key `key_id` of `account` in `region` wants now. Called
/// wherever a due time is set; an entry made stale later is ignored when it fires.
pub(crate) fn schedule_key(world: &mut World, account: &str, region: &str, key_id: &str) {
    let Some(key) = world
        .accounts
        .get(account)
        .and_then(|a| a.regions.get(region))
        .and_then(|r| r.kms.keys.get(key_id))
    else {
        return;
    };
    let wanted = wanted(key);
    for (due, kind) in wanted.into_iter().flatten() {
        world
            .timeline
            .schedule(due, event(account, region, key_id, kind));
    }
}

/// The events a key wants, with their due times.
fn wanted(key: &Key) -> [Option<(f64, EventKind)>; 4] {
    [
        key.deletion_date
            .filter(|_| key.state == KeyState::PendingDeletion)
            .map(|d| (d, EventKind::KeyDeletion)),
        key.next_rotation
            .filter(|_| key.rotation_period_days.is_some())
            .map(|d| (d, EventKind::KeyRotation)),
        key.valid_to.map(|d| (d, EventKind::MaterialExpiry)),
        // Due at once: whether its last replica is gone is checked when it fires.
        (key.state == KeyState::PendingReplicaDeletion)
            .then_some((0.0, EventKind::PrimaryWaitingPeriod)),
    ]
}

fn event(account: &str, region: &str, key_id: &str, kind: EventKind) -> EventRef {
    EventRef {
        service: ServiceId::Kms,
        account: account.to_owned(),
        region: region.to_owned(),
        object: key_id.to_owned(),
        kind,
    }
}

/// The timeline's KMS part, rebuilt from every key of the world.
pub(crate) fn schedule_all(world: &mut World) {
    let mut events = Vec::new();
    for (account, a) in &world.accounts {
        for (region, r) in &a.regions {
            for key in r.kms.keys.values() {
                for (due, kind) in wanted(key).into_iter().flatten() {
                    events.push((due, event(account, region, &key.key_id, kind)));
                }
            }
        }
    }
    for (due, event) in events {
        world.timeline.schedule(due, event);
    }
}

/// Applies one due KMS event, if the key still wants it at `due`.
pub(crate) fn fire(world: &mut World, event: &EventRef, due: f64, now: f64) {
    let Some(account) = world.accounts.get_mut(&event.account) else {
        return;
    };
    if event.kind == EventKind::PrimaryWaitingPeriod {
        start_primary_waiting_period(world, event, now);
        return;
    }
    let Some(kms) = account.regions.get_mut(&event.region).map(|r| &mut r.kms) else {
        return;
    };
    match event.kind {
        EventKind::KeyDeletion => {
            if delete(kms, &event.object, due) {
                // A multi-Region primary waiting for its replicas may now start its own wait.
                let others: Vec<String> = account
                    .regions
                    .iter()
                    .filter(|(region, r)| {
                        **region != event.region
                            && r.kms
                                .keys
                                .get(&event.object)
                                .is_some_and(|k| k.state == KeyState::PendingReplicaDeletion)
                    })
                    .map(|(region, _)| region.clone())
                    .collect();
                for region in others {
                    world.timeline.schedule(
                        now,
                        self::event(
                            &event.account,
                            &region,
                            &event.object,
                            EventKind::PrimaryWaitingPeriod,
                        ),
                    );
                }
            }
        }
        EventKind::KeyRotation => {
            if let Some(next) = rotate(kms, &event.object, due) {
                world.timeline.schedule(
                    next,
                    self::event(
                        &event.account,
                        &event.region,
                        &event.object,
                        EventKind::KeyRotation,
                    ),
                );
            }
        }
        EventKind::MaterialExpiry => expire(kms, &event.object, due),
        // PrimaryWaitingPeriod was handled above; the other kinds are Backup's.
        EventKind::PrimaryWaitingPeriod
        | EventKind::BackupJobDone
        | EventKind::CopyJobDone
        | EventKind::ReportJobDone
        | EventKind::ScheduleFires => {}
    }
}

/// Deletes a key whose waiting period ended at `due`, and the aliases that name it.
fn delete(kms: &mut KmsState, key_id: &str, due: f64) -> bool {
    let wants = kms
        .keys
        .get(key_id)
        .is_some_and(|k| k.state == KeyState::PendingDeletion && k.deletion_date == Some(due));
    if wants {
        kms.keys.remove(key_id);
        kms.aliases.retain(|_, a| a.target_key_id != key_id);
    }
    wants
}

/// Rotates a key due for automatic rotation at `due`; returns the next rotation's time.
fn rotate(kms: &mut KmsState, key_id: &str, due: f64) -> Option<f64> {
    let key = kms.keys.get_mut(key_id)?;
    let period = key.rotation_period_days?;
    if key.next_rotation != Some(due) {
        return None;
    }
    if let Ok(id) = key.material.rotate() {
        key.rotations.push(Rotation {
            key_material_id: id.to_hex(),
            rotation_date: due,
            rotation_type: "AUTOMATIC".into(),
        });
    }
    let next = due + period as f64 * DAY;
    key.next_rotation = Some(next);
    Some(next)
}

/// Imported material past its ValidTo expires, unless the key is pending deletion (then
/// cancelling the deletion schedules the expiry again).
fn expire(kms: &mut KmsState, key_id: &str, due: f64) {
    let Some(key) = kms.keys.get_mut(key_id) else {
        return;
    };
    if key.valid_to == Some(due) && key.state != KeyState::PendingDeletion {
        key.material = crypto::KeyVersions::empty();
        key.valid_to = None;
        key.state = KeyState::PendingImport;
    }
}

/// A multi-Region primary scheduled for deletion waits in PendingReplicaDeletion until its
/// last replica is deleted; its own waiting period starts then.
fn start_primary_waiting_period(world: &mut World, event: &EventRef, now: f64) {
    let Some(account) = world.accounts.get_mut(&event.account) else {
        return;
    };
    if held_in_another_region(account, &event.region, &event.object) {
        return;
    }
    let Some(k) = account
        .regions
        .get_mut(&event.region)
        .and_then(|r| r.kms.keys.get_mut(&event.object))
        .filter(|k| k.state == KeyState::PendingReplicaDeletion)
    else {
        return;
    };
    let days = k.pending_window_days.unwrap_or(30);
    k.state = KeyState::PendingDeletion;
    let deletion = now + days as f64 * DAY;
    k.deletion_date = Some(deletion);
    world.timeline.schedule(
        deletion,
        self::event(
            &event.account,
            &event.region,
            &event.object,
            EventKind::KeyDeletion,
        ),
    );
}
