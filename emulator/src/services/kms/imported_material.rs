//! Imported key material: GetParametersForImport, ImportKeyMaterial,
//! DeleteImportedKeyMaterial.

use std::str::FromStr;

use serde_json::{json, Value};

use super::authorize::authorize_key;
use super::clock::schedule_key;
use super::crypto::{self, KeyVersions};
use super::errors::modeled_error;
use super::input::b64;
use super::key_states::{crypto_error, require_not_pending_deletion};
use super::lookup::{key, key_mut, target};
use super::regions::{kms_state, kms_state_mut};
use super::rotation::unsupported;
use super::state::{Key, KeyState};
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

// ---------------------------------------------------------------------------------------
// Imported key material

pub(super) fn require_external(k: &Key) -> ApiResult<()> {
    if k.origin != "EXTERNAL" {
        return Err(unsupported(format!(
            "{} origin is {} which is not valid for this operation.",
            k.arn, k.origin
        )));
    }
    Ok(())
}

pub(super) fn offset(now: f64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(now as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

pub(super) fn enum_member<T: FromStr>(op: &Request, name: &str) -> ApiResult<T> {
    let text = op.req(name)?;
    T::from_str(text).map_err(|_| ApiError::validation(format!("{name} {text} is not valid.")))
}

pub fn get_parameters_for_import(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let algorithm: crypto::WrappingAlgorithm = enum_member(op, "WrappingAlgorithm")?;
    let spec: crypto::WrappingKeySpec = enum_member(op, "WrappingKeySpec")?;
    let arn = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_external(k)?;
        require_not_pending_deletion(k)?;
        k.arn.clone()
    };
    let now = op.ctx.now;
    let state = kms_state_mut(world, &r.account, &r.region, now);
    if state.sealer.is_none() {
        state.sealer = Some(crypto::ImportTokenSealer::new().map_err(crypto_error)?);
    }
    let sealer = state
        .sealer
        .as_ref()
        .ok_or_else(|| ApiError::internal("no import token sealer"))?;
    let params = crypto::get_parameters_for_import(
        sealer,
        &super::lookup::key_uuid(&r.key_id),
        algorithm,
        spec,
        offset(now),
    )
    .map_err(crypto_error)?;
    Ok(json!({
        "KeyId": arn,
        "ImportToken": b64(&params.import_token),
        "PublicKey": b64(&params.public_key),
        "ParametersValidTo": params.parameters_valid_to.unix_timestamp(),
    }))
}

pub fn import_key_material(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    let token = op.req_blob("ImportToken")?;
    let wrapped = op.req_blob("EncryptedKeyMaterial")?;
    let model = op
        .str("ExpirationModel")
        .unwrap_or("KEY_MATERIAL_EXPIRES")
        .to_owned();
    let valid_to = op.input.get("ValidTo").and_then(Value::as_f64);
    if model == "KEY_MATERIAL_EXPIRES" && valid_to.is_none() {
        return Err(ApiError::validation(
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        ));
    }
    if model == "KEY_MATERIAL_DOES_NOT_EXPIRE" && valid_to.is_some() {
        return Err(ApiError::validation(
            "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        ));
    }
    let now = op.ctx.now;
    let (spec, arn) = {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_external(k)?;
        require_not_pending_deletion(k)?;
        (k.key_spec, k.arn.clone())
    };
    let sealer = kms_state(world, &r.account, &r.region)
        .and_then(|s| s.sealer.clone())
        .ok_or_else(|| {
            modeled_error(
                "InvalidImportTokenException",
                "The import token is invalid.",
            )
        })?;
    let uuid = super::lookup::key_uuid(&r.key_id);
    let material = crypto::import_key_material(&sealer, &uuid, spec, &token, &wrapped, offset(now))
        .map_err(crypto_error)?;
    let id = crypto::KeyMaterialId::for_imported(&uuid, &material).map_err(crypto_error)?;
    let k = key_mut(world, &r, now)?;
    if let Some(current) = k.material.current() {
        if !current.material.same_material(&material) {
            return Err(modeled_error(
                "IncorrectKeyMaterialException",
                format!("The key material does not match the key material previously imported into {arn}."),
            ));
        }
    }
    if k.material.get(&id).is_none() {
        k.material
            .add_current(crypto::MaterialVersion { id, material });
    } else {
        k.material.set_current(&id);
    }
    if k.state == KeyState::PendingImport {
        k.state = KeyState::Enabled;
    }
    k.valid_to = valid_to;
    k.expiration_model = Some(model);
    schedule_key(world, &r.account, &r.region, &r.key_id);
    Ok(json!({ "KeyId": arn, "KeyMaterialId": id.to_hex() }))
}

pub fn delete_imported_key_material(op: &Request, world: &mut World) -> ApiResult<Value> {
    let r = target(op, world)?;
    {
        let k = key(world, &r)?;
        authorize_key(op, world, k, Vec::new())?;
        require_external(k)?;
    }
    let k = key_mut(world, &r, op.ctx.now)?;
    let material_id = k.material.current().map(|v| v.id.to_hex());
    k.material = KeyVersions::empty();
    k.valid_to = None;
    // A key pending deletion stays so (key-state table: allowed, no state change).
    if k.state != KeyState::PendingDeletion {
        k.state = KeyState::PendingImport;
    }
    let mut out = json!({ "KeyId": k.arn });
    if let Some(id) = material_id {
        out["KeyMaterialId"] = json!(id);
    }
    Ok(out)
}
