//! Automatic and on-demand rotation of KMS-generated symmetric key material.

use serde_json::{json, Value};

use super::authorize::authorize_key;
use super::clock::{schedule_key, DAY};
use super::crypto::KeySpec;
use super::errors::modeled_error;
use super::key_states::{
    crypto_error, disabled, require_customer_managed, require_not_pending_deletion,
};
use super::lookup::{key, key_mut, target};
use super::paging::paginate;
use super::state::{Key, KeyState};
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

// ---------------------------------------------------------------------------------------
// Rotation

pub(super) fn unsupported(message: String) -> ApiError {
    modeled_error("UnsupportedOperationException", message)
}

/// Rotation applies to symmetric keys with KMS-generated material.
pub(super) fn require_rotatable(k: &Key) -> ApiResult<()> {
    if k.key_spec != KeySpec::SymmetricDefault {
        return Err(unsupported(format!(
            "{} key spec is {} which is not valid for this operation.",
            k.arn, k.key_spec
        )));
    }
    if k.origin != "AWS_KMS" {
        return Err(unsupported(format!(
            "{} origin is {} which is not valid for this operation.",
            k.arn, k.origin
        )));
    }
    Ok(())
}

pub(super) fn require_enabled_for_admin(k: &Key) -> ApiResult<()> {
    match k.state {
        KeyState::Disabled => Err(disabled(k)),
        _ => require_not_pending_deletion(k),
    }
}

pub fn enable_key_rotation(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let days = op.i64("RotationPeriodInDays").unwrap_or(365);
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        require_enabled_for_admin(k)?;
        require_rotatable(k)?;
        if !(90..=2560).contains(&days) {
            let constraint = if days < 90 {
                "greater than or equal to 90"
            } else {
                "less than or equal to 2560"
            };
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value {constraint}"
            )));
        }
    }
    let now = op.ctx.now;
    let k = key_mut(world, &r, now)?;
    k.rotation_period_days = Some(days);
    k.next_rotation = Some(now + days as f64 * DAY);
    schedule_key(world, &r.account, &r.region, &r.key_id);
    Ok(json!({}))
}

pub fn disable_key_rotation(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        require_enabled_for_admin(k)?;
        require_rotatable(k)?;
    }
    let k = key_mut(world, &r, op.ctx.now)?;
    k.rotation_period_days = None;
    k.next_rotation = None;
    Ok(json!({}))
}

pub fn get_key_rotation_status(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    require_rotatable(k)?;
    let mut out = json!({
        "KeyId": k.arn,
        "KeyRotationEnabled": k.rotation_period_days.is_some(),
    });
    if let Some(days) = k.rotation_period_days {
        out["RotationPeriodInDays"] = json!(days);
        out["NextRotationDate"] = json!(k.next_rotation);
    }
    Ok(out)
}

pub fn rotate_key_on_demand(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_customer_managed(k)?;
        require_enabled_for_admin(k)?;
        require_rotatable(k)?;
    }
    let now = op.ctx.now;
    let k = key_mut(world, &r, now)?;
    let id = k.material.rotate().map_err(crypto_error)?;
    k.rotations.push(super::state::Rotation {
        key_material_id: id.to_hex(),
        rotation_date: now,
        rotation_type: "ON_DEMAND".into(),
    });
    Ok(json!({ "KeyId": k.arn }))
}

pub fn list_key_rotations(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let k = key(world, &r)?;
    authorize_key(op, world, k, Vec::new())?;
    require_rotatable(k)?;
    let items = k
        .rotations
        .iter()
        .map(|rot| {
            json!({
                "KeyId": k.arn,
                "KeyMaterialId": rot.key_material_id,
                "RotationDate": rot.rotation_date,
                "RotationType": rot.rotation_type,
            })
        })
        .collect();
    paginate(items, op, "Rotations")
}
