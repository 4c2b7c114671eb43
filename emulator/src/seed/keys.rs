//! A KMS key's life beyond CreateKey in a seed file: multi-Region replicas (ReplicateKey),
//! rotation history, and deletion scheduled (ScheduleKeyDeletion).

use serde_json::{json, Value};

use super::call::On;
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

/// `key` with each generated identifier of `pins` replaced by the file's. A key CreateKey
/// just made holds its id only in `key_id`, `arn` and (for some policies) its policy text,
/// so that is all a fresh key's id pin rewrites; anything else goes through
/// [`super::call::repin`], which rewrites every occurrence but serializes the whole key
/// twice (most of a large seed's time before this path existed).
pub fn repin_key(mut key: Key, pins: &[(String, String)]) -> Result<Key, String> {
    let fresh = key.grants.is_empty() && key.rotations.is_empty() && key.last_usage.is_none();
    match pins {
        [] => Ok(key),
        [(generated, fixed)] if fresh && *generated == key.key_id => {
            key.key_id = fixed.clone();
            key.arn = key.arn.replace(generated.as_str(), fixed);
            if key.policy.contains(generated.as_str()) {
                key.policy = key.policy.replace(generated.as_str(), fixed);
            }
            Ok(key)
        }
        _ => super::call::repin(key, pins),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Call;
    use crate::world::Caller;

    /// The fast path gives the key the generic rewrite gives, for a key CreateKey made.
    #[test]
    fn a_fresh_key_is_repinned_as_the_generic_rewrite_would() {
        let mut world = World::default();
        for input in [json!({}), json!({"MultiRegion": true, "Description": "d"})] {
            let call = Call {
                service: ServiceId::Kms,
                operation: "CreateKey".into(),
                input,
            };
            let caller = Caller::root("111111111111", "111111111111");
            let made = crate::pipeline::call_on_world(&mut world, caller, "us-east-1", 1.0, &call)
                .unwrap();
            let id = made["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
            let key = world.accounts["111111111111"].regions["us-east-1"].kms.keys[&id].clone();
            let fixed = if id.starts_with("mrk-") {
                "mrk-0b7e0a4e8d8e4c579b7b2f5cfe3b1c11"
            } else {
                "0b7e0a4e-8d8e-4c57-9b7b-2f5cfe3b1c11"
            };
            let pins = [(id.clone(), fixed.to_owned())];
            let fast = repin_key(key.clone(), &pins).unwrap();
            assert_eq!(fast, super::super::call::repin(key, &pins).unwrap());
            assert_eq!(fast.key_id, fixed);
            assert!(fast.arn.ends_with(&format!(":key/{fixed}")), "{}", fast.arn);
        }
    }
}
