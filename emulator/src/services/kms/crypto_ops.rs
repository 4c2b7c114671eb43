//! The cryptographic operations: Encrypt, Decrypt, ReEncrypt, data keys and key pairs,
//! GenerateRandom, Sign/Verify, GetPublicKey, GenerateMac/VerifyMac, DeriveSharedSecret.
//! Each one resolves the key, asks the engine, checks the key's state and usage, honours
//! DryRun, then calls the crypto core.

use std::str::FromStr;

use serde_json::{json, Value};
use uuid::Uuid;

use super::authorize::{
    authorize_key, authorize_key_action, authorize_keyless, encryption_context_keys,
};
use super::crypto::{
    self, CipherKey, DataKeyLength, EncryptionAlgorithm, EncryptionContext, KeySpec, KeyUsage,
};
use super::errors::modeled_error;
use super::input::b64;
use super::key_states::{crypto_error, invalid_state, require_usable, require_usage};
use super::lookup::{find_by_uuid, key, key_uuid, resolve_creating, KeyRef};
use super::state::Key;
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;
use crate::world::World;

/// Decrypt's answer when the blob names a key the caller cannot use or that is gone.
const CIPHERTEXT_KEY_INACCESSIBLE: &str = "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";

fn parse_enum<T: FromStr>(op: &Request, member: &str, default: Option<&str>) -> ApiResult<T> {
    let text = match (op.str(member), default) {
        (Some(t), _) => t,
        (None, Some(d)) => d,
        (None, None) => op.req(member)?,
    };
    T::from_str(text).map_err(|_| ApiError::validation(format!("{member} {text} is not valid.")))
}

fn current_material(kms_key: &Key) -> ApiResult<&crypto::KeyMaterial> {
    kms_key
        .material
        .current()
        .map(|v| &v.material)
        .ok_or_else(|| invalid_state(kms_key, "pending import"))
}

fn cipher_key<'a>(
    kms_key: &'a Key,
    algorithm: EncryptionAlgorithm,
    context: &'a EncryptionContext,
    uuid: &'a Uuid,
) -> ApiResult<CipherKey<'a>> {
    if kms_key.key_spec == KeySpec::SymmetricDefault {
        if algorithm != EncryptionAlgorithm::SymmetricDefault {
            return Err(modeled_error(
                "InvalidKeyUsageException",
                format!(
                    "Algorithm {algorithm} is incompatible with key spec {}.",
                    kms_key.key_spec
                ),
            ));
        }
        return Ok(CipherKey::Symmetric {
            key_id: uuid,
            versions: &kms_key.material,
            context,
        });
    }
    Ok(CipherKey::Rsa {
        material: current_material(kms_key)?,
        algorithm,
    })
}

/// Resolves the key, asks the engine and applies KMS's state and usage checks.
fn usable<'w>(
    op: &Request,
    world: &'w mut World,
    member: &str,
    usage: KeyUsage,
    extra: Vec<(String, Value)>,
) -> ApiResult<(KeyRef, &'w Key)> {
    let key_ref = resolve_creating(op, world, op.req(member)?)?;
    let world: &World = world;
    let kms_key = key(world, &key_ref)?;
    authorize_key(op, world, kms_key, extra)?;
    require_usable(kms_key)?;
    require_usage(kms_key, usage, &op.ctx.operation)?;
    op.dry_run()?;
    Ok((key_ref, kms_key))
}

pub fn encrypt(op: &Request, world: &mut World) -> ApiResult<Value> {
    let plaintext = op.req_blob("Plaintext")?;
    let context = op.encryption_context("EncryptionContext");
    let algorithm: EncryptionAlgorithm =
        parse_enum(op, "EncryptionAlgorithm", Some("SYMMETRIC_DEFAULT"))?;
    let mut extra = encryption_context_keys(&context);
    extra.push(("kms:EncryptionAlgorithm".into(), json!(algorithm.as_str())));
    let (key_ref, kms_key) = usable(op, world, "KeyId", KeyUsage::EncryptDecrypt, extra)?;
    let uuid = key_uuid(&key_ref.key_id);
    let encrypted =
        crypto::encrypt_with(cipher_key(kms_key, algorithm, &context, &uuid)?, &plaintext)
            .map_err(crypto_error)?;
    Ok(json!({
        "CiphertextBlob": b64(&encrypted.ciphertext_blob),
        "KeyId": kms_key.arn,
        "EncryptionAlgorithm": algorithm.as_str(),
    }))
}

/// The key a ciphertext is to be opened with: the request's KeyId (which must be the key
/// the blob names), else the key the blob names. Authorized for `action`.
fn source_key(
    op: &Request,
    world: &mut World,
    key_id: Option<&str>,
    blob: &[u8],
    action: &str,
    extra: Vec<(String, Value)>,
) -> ApiResult<KeyRef> {
    match key_id {
        Some(id) => {
            let key_ref = resolve_creating(op, world, id)?;
            let kms_key = key(world, &key_ref)?;
            authorize_key_action(op, world, kms_key, action, extra)?;
            require_usable(kms_key)?;
            require_usage(kms_key, KeyUsage::EncryptDecrypt, &op.ctx.operation)?;
            if kms_key.key_spec == KeySpec::SymmetricDefault {
                let header = crypto::parse_blob(blob).map_err(crypto_error)?;
                if header.key_id != key_uuid(&kms_key.key_id) {
                    return Err(modeled_error(
                        "IncorrectKeyException",
                        crypto::INCORRECT_KEY_MESSAGE,
                    ));
                }
            }
            Ok(key_ref)
        }
        None => {
            let header = crypto::parse_blob(blob).map_err(crypto_error)?;
            let inaccessible =
                || modeled_error("AccessDeniedException", CIPHERTEXT_KEY_INACCESSIBLE);
            let key_ref =
                find_by_uuid(world, op.account(), op.region(), &header.key_id, op.ctx.now)
                    .ok_or_else(inaccessible)?;
            let kms_key = key(world, &key_ref)?;
            // A denial is masked only for another account's key: for the caller's own key
            // AWS names the key and the deciding policy ("... on resource: <key-arn> with an
            // explicit deny in a service control policy", errors.md K9).
            let own_key = key_ref.account == op.account();
            authorize_key_action(op, world, kms_key, action, extra).map_err(|e| {
                if e.code == "AccessDeniedException" && !own_key {
                    inaccessible()
                } else {
                    e
                }
            })?;
            require_usable(kms_key)?;
            Ok(key_ref)
        }
    }
}

pub fn decrypt(op: &Request, world: &mut World) -> ApiResult<Value> {
    let blob = op.req_blob("CiphertextBlob")?;
    let context = op.encryption_context("EncryptionContext");
    let algorithm: EncryptionAlgorithm =
        parse_enum(op, "EncryptionAlgorithm", Some("SYMMETRIC_DEFAULT"))?;
    let mut extra = encryption_context_keys(&context);
    extra.push(("kms:EncryptionAlgorithm".into(), json!(algorithm.as_str())));
    let action = op.ctx.action();
    let key_ref = source_key(op, world, op.str("KeyId"), &blob, &action, extra)?;
    op.dry_run()?;
    let kms_key = key(world, &key_ref)?;
    let uuid = key_uuid(&key_ref.key_id);
    let (plaintext, material) =
        crypto::decrypt_with(cipher_key(kms_key, algorithm, &context, &uuid)?, &blob)
            .map_err(crypto_error)?;
    let mut out = json!({
        "KeyId": kms_key.arn,
        "Plaintext": b64(&plaintext),
        "EncryptionAlgorithm": algorithm.as_str(),
    });
    if let Some(id) = material {
        out["KeyMaterialId"] = json!(id.to_hex());
    }
    Ok(out)
}

pub fn re_encrypt(op: &Request, world: &mut World) -> ApiResult<Value> {
    let blob = op.req_blob("CiphertextBlob")?;
    let source_context = op.encryption_context("SourceEncryptionContext");
    let destination_context = op.encryption_context("DestinationEncryptionContext");
    let source_alg: EncryptionAlgorithm =
        parse_enum(op, "SourceEncryptionAlgorithm", Some("SYMMETRIC_DEFAULT"))?;
    let destination_alg: EncryptionAlgorithm = parse_enum(
        op,
        "DestinationEncryptionAlgorithm",
        Some("SYMMETRIC_DEFAULT"),
    )?;
    let mut extra = encryption_context_keys(&source_context);
    extra.push(("kms:EncryptionAlgorithm".into(), json!(source_alg.as_str())));
    let source = source_key(
        op,
        world,
        op.str("SourceKeyId"),
        &blob,
        "kms:ReEncryptFrom",
        extra,
    )?;
    let destination = resolve_creating(op, world, op.req("DestinationKeyId")?)?;
    let world: &World = world;
    let destination_kms_key = key(world, &destination)?;
    let mut extra = encryption_context_keys(&destination_context);
    extra.push((
        "kms:EncryptionAlgorithm".into(),
        json!(destination_alg.as_str()),
    ));
    authorize_key_action(op, world, destination_kms_key, "kms:ReEncryptTo", extra)?;
    require_usable(destination_kms_key)?;
    require_usage(
        destination_kms_key,
        KeyUsage::EncryptDecrypt,
        &op.ctx.operation,
    )?;
    op.dry_run()?;
    let source_kms_key = key(world, &source)?;
    let (su, du) = (key_uuid(&source.key_id), key_uuid(&destination.key_id));
    let result = crypto::re_encrypt(
        cipher_key(source_kms_key, source_alg, &source_context, &su)?,
        &blob,
        cipher_key(
            destination_kms_key,
            destination_alg,
            &destination_context,
            &du,
        )?,
    )
    .map_err(crypto_error)?;
    let mut out = json!({
        "CiphertextBlob": b64(&result.ciphertext_blob),
        "SourceKeyId": source_kms_key.arn,
        "KeyId": destination_kms_key.arn,
        "SourceEncryptionAlgorithm": source_alg.as_str(),
        "DestinationEncryptionAlgorithm": destination_alg.as_str(),
    });
    if let Some(id) = result.source_material_id {
        out["SourceKeyMaterialId"] = json!(id.to_hex());
    }
    if let Some(id) = result.destination_material_id {
        out["DestinationKeyMaterialId"] = json!(id.to_hex());
    }
    Ok(out)
}

fn require_symmetric(kms_key: &Key, operation: &str) -> ApiResult<()> {
    if kms_key.key_spec != KeySpec::SymmetricDefault {
        return Err(modeled_error(
            "InvalidKeyUsageException",
            format!(
                "{} key spec is {} which is not valid for {operation}.",
                kms_key.arn, kms_key.key_spec
            ),
        ));
    }
    Ok(())
}

/// The key a GenerateDataKey* or GenerateDataKeyPair* request names: a symmetric encryption
/// key the caller may use with this encryption context.
fn data_key_source<'w>(
    op: &Request,
    world: &'w mut World,
    context: &EncryptionContext,
) -> ApiResult<(KeyRef, &'w Key)> {
    let extra = encryption_context_keys(context);
    let found = usable(op, world, "KeyId", KeyUsage::EncryptDecrypt, extra)?;
    require_symmetric(found.1, &op.ctx.operation)?;
    Ok(found)
}

pub fn generate_data_key(
    op: &Request,
    world: &mut World,
    with_plaintext: bool,
) -> ApiResult<Value> {
    let context = op.encryption_context("EncryptionContext");
    let length = match (op.str("KeySpec"), op.i64("NumberOfBytes")) {
        (Some(spec), None) => DataKeyLength::Spec(
            crypto::DataKeySpec::from_str(spec)
                .map_err(|_| ApiError::validation(format!("KeySpec {spec} is not valid.")))?,
        ),
        (None, Some(n)) => DataKeyLength::NumberOfBytes(n),
        _ => {
            return Err(ApiError::validation(
                "Please specify either number of bytes or key spec.",
            ))
        }
    };
    let (key_ref, kms_key) = data_key_source(op, world, &context)?;
    let data_key = crypto::generate_data_key(
        &key_uuid(&key_ref.key_id),
        &kms_key.material,
        length,
        &context,
    )
    .map_err(crypto_error)?;
    let mut out = json!({
        "CiphertextBlob": b64(&data_key.ciphertext_blob),
        "KeyId": kms_key.arn,
        "KeyMaterialId": data_key.material_id.to_hex(),
    });
    if with_plaintext {
        out["Plaintext"] = json!(b64(&data_key.plaintext));
    }
    Ok(out)
}

pub fn generate_data_key_pair(
    op: &Request,
    world: &mut World,
    with_plaintext: bool,
) -> ApiResult<Value> {
    let context = op.encryption_context("EncryptionContext");
    let spec: crypto::DataKeyPairSpec = parse_enum(op, "KeyPairSpec", None)?;
    let (key_ref, kms_key) = data_key_source(op, world, &context)?;
    let pair = crypto::generate_data_key_pair(
        &key_uuid(&key_ref.key_id),
        &kms_key.material,
        spec,
        &context,
    )
    .map_err(crypto_error)?;
    let mut out = json!({
        "PrivateKeyCiphertextBlob": b64(&pair.private_key_ciphertext_blob),
        "PublicKey": b64(&pair.public_key),
        "KeyId": kms_key.arn,
        "KeyPairSpec": spec.as_str(),
        "KeyMaterialId": pair.material_id.to_hex(),
    });
    if with_plaintext {
        out["PrivateKeyPlaintext"] = json!(b64(&pair.private_key_plaintext));
    }
    Ok(out)
}

pub fn generate_random(op: &Request, world: &mut World) -> ApiResult<Value> {
    authorize_keyless(op, world, Vec::new())?;
    if let Some(store) = op.str("CustomKeyStoreId") {
        return Err(modeled_error(
            "CustomKeyStoreNotFoundException",
            format!("Custom key store '{store}' does not exist"),
        ));
    }
    let bytes =
        crypto::generate_random(op.i64("NumberOfBytes").unwrap_or(0)).map_err(crypto_error)?;
    Ok(json!({ "Plaintext": b64(&bytes) }))
}

/// Sign/Verify's algorithm, message type and their condition keys.
type SigningRequest = (
    crypto::SigningAlgorithm,
    crypto::MessageType,
    Vec<(String, Value)>,
);

fn signing_extra(op: &Request) -> ApiResult<SigningRequest> {
    let algorithm: crypto::SigningAlgorithm = parse_enum(op, "SigningAlgorithm", None)?;
    let message_type: crypto::MessageType = parse_enum(op, "MessageType", Some("RAW"))?;
    let extra = vec![
        ("kms:SigningAlgorithm".into(), json!(algorithm.as_str())),
        ("kms:MessageType".into(), json!(message_type.as_str())),
    ];
    Ok((algorithm, message_type, extra))
}

pub fn sign(op: &Request, world: &mut World) -> ApiResult<Value> {
    let message = op.req_blob("Message")?;
    let (algorithm, message_type, extra) = signing_extra(op)?;
    let (_, kms_key) = usable(op, world, "KeyId", KeyUsage::SignVerify, extra)?;
    let signature = current_material(kms_key)?
        .sign(algorithm, message_type, &message)
        .map_err(crypto_error)?;
    Ok(json!({
        "KeyId": kms_key.arn,
        "Signature": b64(&signature),
        "SigningAlgorithm": algorithm.as_str(),
    }))
}

pub fn verify(op: &Request, world: &mut World) -> ApiResult<Value> {
    let message = op.req_blob("Message")?;
    let signature = op.req_blob("Signature")?;
    let (algorithm, message_type, extra) = signing_extra(op)?;
    let (_, kms_key) = usable(op, world, "KeyId", KeyUsage::SignVerify, extra)?;
    current_material(kms_key)?
        .verify(algorithm, message_type, &message, &signature)
        .map_err(crypto_error)?;
    Ok(json!({
        "KeyId": kms_key.arn,
        "SignatureValid": true,
        "SigningAlgorithm": algorithm.as_str(),
    }))
}

pub fn get_public_key(op: &Request, world: &mut World) -> ApiResult<Value> {
    let key_ref = resolve_creating(op, world, op.req("KeyId")?)?;
    let kms_key = key(world, &key_ref)?;
    authorize_key(op, world, kms_key, Vec::new())?;
    require_usable(kms_key)?;
    if kms_key.key_spec == KeySpec::SymmetricDefault || kms_key.key_spec.is_hmac() {
        return Err(modeled_error(
            "UnsupportedOperationException",
            format!(
                "{} key spec is {} which is not valid for GetPublicKey.",
                kms_key.arn, kms_key.key_spec
            ),
        ));
    }
    let public_key = current_material(kms_key)?
        .public_key_der()
        .map_err(crypto_error)?;
    let names = |v: Vec<&str>| json!(v);
    let mut out = json!({
        "KeyId": kms_key.arn,
        "PublicKey": b64(&public_key),
        "CustomerMasterKeySpec": kms_key.key_spec.as_str(),
        "KeySpec": kms_key.key_spec.as_str(),
        "KeyUsage": kms_key.key_usage.as_str(),
    });
    match kms_key.key_usage {
        KeyUsage::EncryptDecrypt => {
            out["EncryptionAlgorithms"] = names(
                kms_key
                    .key_spec
                    .encryption_algorithms(kms_key.key_usage)
                    .iter()
                    .map(|a| a.as_str())
                    .collect(),
            )
        }
        KeyUsage::SignVerify => {
            out["SigningAlgorithms"] = names(
                kms_key
                    .key_spec
                    .signing_algorithms(kms_key.key_usage)
                    .iter()
                    .map(|a| a.as_str())
                    .collect(),
            )
        }
        KeyUsage::KeyAgreement => {
            out["KeyAgreementAlgorithms"] = names(
                kms_key
                    .key_spec
                    .key_agreement_algorithms(kms_key.key_usage)
                    .iter()
                    .map(|a| a.as_str())
                    .collect(),
            )
        }
        KeyUsage::GenerateVerifyMac => {}
    }
    Ok(out)
}

pub fn generate_mac(op: &Request, world: &mut World) -> ApiResult<Value> {
    let message = op.req_blob("Message")?;
    let algorithm: crypto::MacAlgorithm = parse_enum(op, "MacAlgorithm", None)?;
    let extra = vec![("kms:MacAlgorithm".into(), json!(algorithm.as_str()))];
    let (_, kms_key) = usable(op, world, "KeyId", KeyUsage::GenerateVerifyMac, extra)?;
    let mac = current_material(kms_key)?
        .generate_mac(algorithm, &message)
        .map_err(crypto_error)?;
    Ok(json!({
        "KeyId": kms_key.arn,
        "Mac": b64(&mac),
        "MacAlgorithm": algorithm.as_str(),
    }))
}

pub fn verify_mac(op: &Request, world: &mut World) -> ApiResult<Value> {
    let message = op.req_blob("Message")?;
    let mac = op.req_blob("Mac")?;
    let algorithm: crypto::MacAlgorithm = parse_enum(op, "MacAlgorithm", None)?;
    let extra = vec![("kms:MacAlgorithm".into(), json!(algorithm.as_str()))];
    let (_, kms_key) = usable(op, world, "KeyId", KeyUsage::GenerateVerifyMac, extra)?;
    current_material(kms_key)?
        .verify_mac(algorithm, &message, &mac)
        .map_err(crypto_error)?;
    Ok(json!({
        "KeyId": kms_key.arn,
        "MacValid": true,
        "MacAlgorithm": algorithm.as_str(),
    }))
}

pub fn derive_shared_secret(op: &Request, world: &mut World) -> ApiResult<Value> {
    let public_key = op.req_blob("PublicKey")?;
    let algorithm: crypto::KeyAgreementAlgorithm = parse_enum(op, "KeyAgreementAlgorithm", None)?;
    let extra = vec![(
        "kms:KeyAgreementAlgorithm".into(),
        json!(algorithm.as_str()),
    )];
    let (_, kms_key) = usable(op, world, "KeyId", KeyUsage::KeyAgreement, extra)?;
    let secret = current_material(kms_key)?
        .derive_shared_secret(algorithm, &public_key)
        .map_err(crypto_error)?;
    Ok(json!({
        "KeyId": kms_key.arn,
        "SharedSecret": b64(&secret),
        "KeyAgreementAlgorithm": algorithm.as_str(),
        "KeyOrigin": kms_key.origin,
    }))
}
