//! Where a key lives: key and alias ARNs, the KMS state of an account's Region, whether
//! another Region holds a key, whether a key's deletion date has passed. Apart from
//! `lookup.rs` (which may create AWS-managed keys), so the clock and `managed.rs` read them
//! without an import loop through key resolution.

use super::state::{Key, KeyState, KmsState};
use crate::world::World;

/// Whether a Region of `account` other than `region` holds a key `key_id`: a multi-Region
/// key's copies share their id.
pub(crate) fn held_in_another_region(
    account: &crate::world::Account,
    region: &str,
    key_id: &str,
) -> bool {
    account
        .regions
        .iter()
        .any(|(other, r)| other != region && r.kms.keys.contains_key(key_id))
}

/// A key pending deletion whose date has passed no longer exists, whether or not the sweep
/// has run yet.
pub(crate) fn deleted_by(key: &Key, now: f64) -> bool {
    key.state == KeyState::PendingDeletion && key.deletion_date.is_some_and(|d| d <= now)
}

pub(crate) fn key_arn(region: &str, account: &str, key_id: &str) -> String {
    let partition = crate::world::partition(region);
    format!("arn:{partition}:kms:{region}:{account}:key/{key_id}")
}

pub(crate) fn alias_arn(region: &str, account: &str, alias_name: &str) -> String {
    let partition = crate::world::partition(region);
    format!("arn:{partition}:kms:{region}:{account}:{alias_name}")
}

pub(crate) fn kms_state<'w>(world: &'w World, account: &str, region: &str) -> Option<&'w KmsState> {
    world
        .accounts
        .get(account)
        .and_then(|a| a.regions.get(region))
        .map(|r| &r.kms)
}

pub(crate) fn kms_state_mut<'w>(
    world: &'w mut World,
    account: &str,
    region: &str,
    now: f64,
) -> &'w mut KmsState {
    &mut world.region_mut(account, region, now).kms
}
