//! Multi-Region keys: ReplicateKey and UpdatePrimaryRegion.

use serde_json::{json, Value};

use super::authorize::authorize_key;
use super::clock::schedule_key;
use super::errors::modeled_error;
use super::key_policy::check_key_policy;
use super::key_states::require_not_pending_deletion;
use super::key_tags::{check_tags, request_tag_context, tags_of};
use super::keys::{default_policy, metadata};
use super::lookup::{key, key_mut, target, KeyRef};
use super::regions::{key_arn, kms_state, kms_state_mut};
use super::rotation::unsupported;
use super::state::Key;
use crate::protocol::ApiResult;
use crate::services::input::Request;
use crate::world::World;

// ---------------------------------------------------------------------------------------
// Multi-Region keys

pub(super) fn require_primary(k: &Key) -> ApiResult<()> {
    if !k.multi_region {
        return Err(unsupported(format!("{} is not a multi-Region key.", k.arn)));
    }
    if k.primary_region.as_deref() != Some(k.region.as_str()) {
        return Err(unsupported(format!(
            "{} is not a primary multi-Region key.",
            k.arn
        )));
    }
    Ok(())
}

/// Every copy (primary and replicas) of a multi-Region key.
pub(super) fn copies(world: &World, k: &Key) -> Vec<KeyRef> {
    let mut regions = vec![k.primary_region.clone().unwrap_or_else(|| k.region.clone())];
    regions.extend(k.replica_regions.iter().cloned());
    regions
        .into_iter()
        .filter(|r| kms_state(world, &k.account, r).is_some_and(|s| s.keys.contains_key(&k.key_id)))
        .map(|region| KeyRef {
            account: k.account.clone(),
            region,
            key_id: k.key_id.clone(),
        })
        .collect()
}

pub fn replicate_key(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let replica_region = op.req("ReplicaRegion")?.to_owned();
    let tags = tags_of(op.input.get("Tags").unwrap_or(&Value::Null));
    let now = op.ctx.now;
    let primary = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, request_tag_context(&tags))?;
        require_primary(k)?;
        require_not_pending_deletion(k)?;
        check_tags(&tags, &[])?;
        if replica_region == k.region || k.replica_regions.contains(&replica_region) {
            return Err(modeled_error(
                "AlreadyExistsException",
                format!(
                    "Replica key {} already exists.",
                    key_arn(&replica_region, &k.account, &k.key_id)
                ),
            ));
        }
        k.clone()
    };
    let mut replica = primary.clone();
    replica.region = replica_region.clone();
    replica.arn = key_arn(&replica_region, &primary.account, &primary.key_id);
    replica.creation_date = now;
    replica.description = op.str("Description").unwrap_or_default().to_owned();
    replica.tags = tags;
    replica.policy = default_policy(&replica_region, &primary.account);
    replica.grants = Default::default();
    replica.rotations = Vec::new();
    replica.last_usage = None;
    if let Some(text) = op.str("Policy") {
        check_key_policy(
            op,
            world,
            &replica,
            text,
            op.bool("BypassPolicyLockoutSafetyCheck"),
        )?;
        replica.policy = text.to_owned();
    }
    let all = copies(world, &primary);
    let mut replica_regions = primary.replica_regions.clone();
    replica_regions.push(replica_region.clone());
    replica.replica_regions = replica_regions.clone();
    for copy in &all {
        key_mut(world, copy, now)?.replica_regions = replica_regions.clone();
    }
    let out = json!({
        "ReplicaKeyMetadata": metadata(&replica),
        "ReplicaPolicy": replica.policy,
        "ReplicaTags": replica.tags.iter().map(|(k, v)| json!({"TagKey": k, "TagValue": v})).collect::<Vec<_>>(),
    });
    kms_state_mut(world, &primary.account, &replica_region, now)
        .keys
        .insert(primary.key_id.clone(), replica);
    schedule_key(world, &primary.account, &replica_region, &primary.key_id);
    Ok(out)
}

pub fn update_primary_region(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let new_primary = op.req("PrimaryRegion")?.to_owned();
    let now = op.ctx.now;
    let k = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_primary(k)?;
        require_not_pending_deletion(k)?;
        if new_primary != k.region && !k.replica_regions.contains(&new_primary) {
            return Err(modeled_error(
                "NotFoundException",
                format!(
                    "Key '{}' does not exist",
                    key_arn(&new_primary, &k.account, &k.key_id)
                ),
            ));
        }
        k.clone()
    };
    let all = copies(world, &k);
    let mut regions: Vec<String> = all.iter().map(|c| c.region.clone()).collect();
    regions.retain(|reg| *reg != new_primary);
    for copy in &all {
        let c = key_mut(world, copy, now)?;
        c.primary_region = Some(new_primary.clone());
        c.replica_regions = regions.clone();
    }
    Ok(json!({}))
}
