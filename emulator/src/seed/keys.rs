//! A KMS key's life beyond CreateKey in a seed file: multi-Region replicas (ReplicateKey),
//! rotation history, and deletion scheduled (ScheduleKeyDeletion).

use serde_json::{json, Value};

use super::apply::On;
use super::format::{KeySeed, PendingDeletionSeed, RotationSeed};
use crate::protocol::ServiceId;
use crate::services::kms::state::{Key, KeyState, Rotation};
use crate::world::World;

/// ReplicateKey from the primary's Region into `on.region`, with the replica's own
/// description and tags (its policy comes last, with the others).
pub fn replicate(world: &mut World, on: &On<'_>, k: &KeySeed, primary: &str) -> Result<(), String> {
    let mut input =
        json!({"KeyId": k.key_id, "ReplicaRegion": on.region, "Description": k.description});
    if !k.tags.is_empty() {
        input["Tags"] = Value::Array(
            k.tags
                .iter()
                .map(|(t, v)| json!({"TagKey": t, "TagValue": v}))
                .collect(),
        );
    }
    let from = On {
        account: on.account,
        region: primary,
        now: on.now,
    };
    from.call(world, ServiceId::Kms, "ReplicateKey", input)?;
    Ok(())
}

/// The rotation history, as KMS recorded it: no operation rewrites the past, so the seed
/// sets it once the key holds the material versions it names (load.rs checks the names).
pub fn set_rotations(key: &mut Key, seeds: &[RotationSeed], now: f64) {
    if seeds.is_empty() {
        return;
    }
    key.rotations = seeds
        .iter()
        .map(|r| Rotation {
            key_material_id: r.key_material_id.clone(),
            rotation_date: r.rotation_date.unwrap_or(now),
            rotation_type: r.rotation_type.clone(),
        })
        .collect();
}

/// ScheduleKeyDeletion with the file's window; a fixed deletion date then replaces the one
/// the window gave (the date a saved world was told, which no call made now can repeat).
pub fn schedule_deletion(
    world: &mut World,
    on: &On<'_>,
    key_id: &str,
    d: &PendingDeletionSeed,
) -> Result<(), String> {
    let input = json!({"KeyId": key_id, "PendingWindowInDays": d.pending_window_days});
    on.call(world, ServiceId::Kms, "ScheduleKeyDeletion", input)?;
    let kms = &mut world.region_mut(on.account, on.region, on.now).kms;
    if let (Some(date), Some(key)) = (d.deletion_date, kms.keys.get_mut(key_id)) {
        if key.state == KeyState::PendingDeletion {
            key.deletion_date = Some(date);
        }
    }
    Ok(())
}

/// What export writes for the key's replica, rotations and deletion.
pub fn export_lifecycle(
    k: &Key,
) -> (
    Option<String>,
    Option<PendingDeletionSeed>,
    Vec<RotationSeed>,
) {
    let replica_of = k
        .primary_region
        .clone()
        .filter(|p| k.multi_region && *p != k.region);
    let pending = matches!(
        k.state,
        KeyState::PendingDeletion | KeyState::PendingReplicaDeletion
    )
    .then(|| PendingDeletionSeed {
        pending_window_days: k.pending_window_days.unwrap_or(30),
        deletion_date: k.deletion_date,
    });
    let rotations = k
        .rotations
        .iter()
        .map(|r| RotationSeed {
            key_material_id: r.key_material_id.clone(),
            rotation_type: r.rotation_type.clone(),
            rotation_date: Some(r.rotation_date),
        })
        .collect();
    (replica_of, pending, rotations)
}
