//! GenerateDataKey, GenerateDataKeyPair, GenerateRandom, ReEncrypt.

use uuid::Uuid;
use zeroize::Zeroizing;

use super::error::{out_of_range, CryptoError};
use super::material::{random_bytes, KeyMaterial, KeyMaterialId};
use super::spec::{DataKeyPairSpec, DataKeySpec, EncryptionAlgorithm};
use super::symmetric::{decrypt, seal, EncryptionContext, KeyVersions};

/// Bounds of GenerateDataKey's NumberOfBytes and GenerateRandom's.
pub const MAX_RANDOM_BYTES: i64 = 1024;

/// GenerateDataKey's size: `KeySpec` or `NumberOfBytes` (the handler rejects
/// requests with both or neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKeyLength {
    Spec(DataKeySpec),
    NumberOfBytes(i64),
}

/// A data key: the plaintext and its copy encrypted under the KMS key.
#[derive(Debug)]
pub struct DataKey {
    pub plaintext: Zeroizing<Vec<u8>>,
    pub ciphertext_blob: Vec<u8>,
    pub material_id: KeyMaterialId,
}

/// A data key pair: private key as DER PKCS#8 (plaintext and encrypted under
/// the KMS key), public key as DER SubjectPublicKeyInfo.
#[derive(Debug)]
pub struct DataKeyPair {
    pub private_key_plaintext: Zeroizing<Vec<u8>>,
    pub private_key_ciphertext_blob: Vec<u8>,
    pub public_key: Vec<u8>,
    pub material_id: KeyMaterialId,
}

fn checked_len(member: &str, n: i64) -> Result<usize, CryptoError> {
    if !(1..=MAX_RANDOM_BYTES).contains(&n) {
        return Err(out_of_range(member, n, 1, MAX_RANDOM_BYTES));
    }
    usize::try_from(n).map_err(CryptoError::internal)
}

/// GenerateRandom: 1..=1024 random bytes.
pub fn generate_random(number_of_bytes: i64) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    random_bytes(checked_len("numberOfBytes", number_of_bytes)?)
}

/// GenerateDataKey (and ...WithoutPlaintext: drop the plaintext).
pub fn generate_data_key(
    key_id: &Uuid,
    versions: &KeyVersions,
    length: DataKeyLength,
    context: &EncryptionContext,
) -> Result<DataKey, CryptoError> {
    let len = match length {
        DataKeyLength::Spec(spec) => spec.byte_len(),
        DataKeyLength::NumberOfBytes(n) => checked_len("numberOfBytes", n)?,
    };
    let plaintext = random_bytes(len)?;
    let (ciphertext_blob, material_id) = seal(key_id, versions, &plaintext, context)?;
    Ok(DataKey {
        plaintext,
        ciphertext_blob,
        material_id,
    })
}

/// GenerateDataKeyPair (and ...WithoutPlaintext: drop the plaintext).
pub fn generate_data_key_pair(
    key_id: &Uuid,
    versions: &KeyVersions,
    spec: DataKeyPairSpec,
    context: &EncryptionContext,
) -> Result<DataKeyPair, CryptoError> {
    let pair = KeyMaterial::generate(spec.key_spec())?;
    let private_key_plaintext = pair.to_bytes()?;
    let public_key = pair.public_key_der()?;
    let (private_key_ciphertext_blob, material_id) =
        seal(key_id, versions, &private_key_plaintext, context)?;
    Ok(DataKeyPair {
        private_key_plaintext,
        private_key_ciphertext_blob,
        public_key,
        material_id,
    })
}

/// One side of an Encrypt/Decrypt/ReEncrypt: a symmetric key (with the
/// encryption context) or an RSA key with its algorithm.
#[derive(Debug, Clone, Copy)]
pub enum CipherKey<'a> {
    Symmetric {
        key_id: &'a Uuid,
        versions: &'a KeyVersions,
        context: &'a EncryptionContext,
    },
    Rsa {
        material: &'a KeyMaterial,
        algorithm: EncryptionAlgorithm,
    },
}

/// The result of [`encrypt_with`]: the ciphertext, and the material id for
/// symmetric keys.
#[derive(Debug)]
pub struct Encrypted {
    pub ciphertext_blob: Vec<u8>,
    pub material_id: Option<KeyMaterialId>,
}

/// Encrypt with either kind of key (SYMMETRIC_DEFAULT or RSAES_OAEP_*).
pub fn encrypt_with(key: CipherKey<'_>, plaintext: &[u8]) -> Result<Encrypted, CryptoError> {
    match key {
        CipherKey::Symmetric {
            key_id,
            versions,
            context,
        } => super::symmetric::encrypt(key_id, versions, plaintext, context).map(|(blob, id)| {
            Encrypted {
                ciphertext_blob: blob,
                material_id: Some(id),
            }
        }),
        CipherKey::Rsa {
            material,
            algorithm,
        } => Ok(Encrypted {
            ciphertext_blob: material.rsa_encrypt(algorithm, plaintext)?,
            material_id: None,
        }),
    }
}

/// Decrypt with either kind of key; the material id for symmetric keys.
pub fn decrypt_with(
    key: CipherKey<'_>,
    ciphertext: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, Option<KeyMaterialId>), CryptoError> {
    match key {
        CipherKey::Symmetric {
            key_id,
            versions,
            context,
        } => decrypt(key_id, versions, ciphertext, context)
            .map(|d| (d.plaintext, Some(d.material_id))),
        CipherKey::Rsa {
            material,
            algorithm,
        } => Ok((material.rsa_decrypt(algorithm, ciphertext)?, None)),
    }
}

/// The result of [`re_encrypt`].
#[derive(Debug)]
pub struct ReEncrypted {
    pub ciphertext_blob: Vec<u8>,
    pub source_material_id: Option<KeyMaterialId>,
    pub destination_material_id: Option<KeyMaterialId>,
}

/// ReEncrypt: decrypt under `source`, encrypt under `destination`; the
/// plaintext never leaves this function.
pub fn re_encrypt(
    source: CipherKey<'_>,
    ciphertext: &[u8],
    destination: CipherKey<'_>,
) -> Result<ReEncrypted, CryptoError> {
    let (plaintext, source_material_id) = decrypt_with(source, ciphertext)?;
    let encrypted = encrypt_with(destination, &plaintext)?;
    Ok(ReEncrypted {
        ciphertext_blob: encrypted.ciphertext_blob,
        source_material_id,
        destination_material_id: encrypted.material_id,
    })
}
