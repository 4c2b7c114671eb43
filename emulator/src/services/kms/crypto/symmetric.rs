//! Symmetric encryption under SYMMETRIC_DEFAULT keys: AES-256-GCM with the
//! encryption context bound as additional authenticated data, and a
//! ciphertext blob that names its key and material version.
//!
//! Blob format (version 1), all integers big-endian:
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 3 | magic `KHB` |
//! | 3 | 1 | format version, `0x01` |
//! | 4 | 16 | KMS key id (UUID, binary) |
//! | 20 | 32 | key material id ([`KeyMaterialId`]) |
//! | 52 | 12 | AES-GCM nonce (random) |
//! | 64 | n + 16 | AES-256-GCM ciphertext and tag |
//!
//! The AAD is the 52-byte header (magic through material id) followed by the
//! canonical encryption context ([`EncryptionContext::canonical_bytes`]), so
//! a change to any header byte, the context, the nonce or the ciphertext
//! fails authentication.

use std::collections::{BTreeMap, HashMap};

use aes_gcm::aead::{Aead, AeadInPlace, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::error::{too_long, CryptoError};
use super::material::{KeyMaterial, KeyMaterialId};
use super::spec::{EncryptionAlgorithm, KeySpec};

/// Largest plaintext Encrypt accepts for symmetric keys.
pub const MAX_SYMMETRIC_PLAINTEXT: usize = 4096;

const MAGIC: &[u8; 3] = b"KHB";
const FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Magic, version, key id, material id: what the AAD covers besides the context.
pub const BLOB_HEADER_LEN: usize = 3 + 1 + 16 + 32;
/// Bytes a blob adds to its plaintext.
pub const BLOB_OVERHEAD: usize = BLOB_HEADER_LEN + NONCE_LEN + TAG_LEN;

/// An encryption context: string pairs, compared exactly (case-sensitive),
/// order irrelevant. An empty context is the same as none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptionContext(BTreeMap<String, String>);

impl EncryptionContext {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.0.insert(key.into(), value.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// Unambiguous bytes of the context, sorted by key: count, then each key
    /// and value as a 4-byte length and its UTF-8 bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_canonical(&mut out);
        out
    }

    fn write_canonical(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.0.len() as u32).to_be_bytes());
        for (key, value) in &self.0 {
            for part in [key, value] {
                out.extend_from_slice(&(part.len() as u32).to_be_bytes());
                out.extend_from_slice(part.as_bytes());
            }
        }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for EncryptionContext {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        EncryptionContext(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl From<BTreeMap<String, String>> for EncryptionContext {
    fn from(map: BTreeMap<String, String>) -> Self {
        EncryptionContext(map)
    }
}

impl From<HashMap<String, String>> for EncryptionContext {
    fn from(map: HashMap<String, String>) -> Self {
        map.into_iter().collect()
    }
}

/// One version of a key's material.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MaterialVersion {
    pub id: KeyMaterialId,
    pub material: KeyMaterial,
}

/// All material versions of one KMS key: the current one (used for new
/// encryptions, signatures, MACs) and the older ones (kept so ciphertexts
/// made before a rotation still decrypt). Asymmetric and HMAC keys have one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeyVersions {
    versions: Vec<MaterialVersion>,
    current: Option<KeyMaterialId>,
}

impl KeyVersions {
    /// No material yet (an EXTERNAL key pending import).
    pub fn empty() -> Self {
        Self::default()
    }

    /// Fresh generated material of `spec`, with a random id, as current.
    pub fn generate(spec: KeySpec) -> Result<Self, CryptoError> {
        let mut versions = Self::empty();
        versions.add_current(MaterialVersion {
            id: KeyMaterialId::random()?,
            material: KeyMaterial::generate(spec)?,
        });
        Ok(versions)
    }

    /// The version new operations use; `None` while pending import.
    pub fn current(&self) -> Option<&MaterialVersion> {
        let id = self.current?;
        self.get(&id)
    }

    pub fn get(&self, id: &KeyMaterialId) -> Option<&MaterialVersion> {
        self.versions.iter().find(|v| v.id == *id)
    }

    /// All versions, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &MaterialVersion> {
        self.versions.iter()
    }

    pub fn len(&self) -> usize {
        self.versions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// Adds a version without making it current (imported material that waits
    /// for RotateKeyOnDemand). A version with the same id is replaced.
    pub fn add(&mut self, version: MaterialVersion) {
        match self.versions.iter_mut().find(|v| v.id == version.id) {
            Some(existing) => *existing = version,
            None => self.versions.push(version),
        }
    }

    /// Adds a version and makes it current.
    pub fn add_current(&mut self, version: MaterialVersion) {
        let id = version.id;
        self.add(version);
        self.current = Some(id);
    }

    /// Makes a known version current; false when the id is unknown.
    pub fn set_current(&mut self, id: &KeyMaterialId) -> bool {
        if self.get(id).is_some() {
            self.current = Some(*id);
            true
        } else {
            false
        }
    }

    /// Rotation of a key with generated material: new random material of the
    /// same spec becomes current; the old stays for decryption.
    pub fn rotate(&mut self) -> Result<KeyMaterialId, CryptoError> {
        let spec = self
            .current()
            .map(|v| v.material.spec())
            .ok_or_else(|| CryptoError::internal("rotation of a key without material"))?;
        let id = KeyMaterialId::random()?;
        self.add_current(MaterialVersion {
            id,
            material: KeyMaterial::generate(spec)?,
        });
        Ok(id)
    }

    /// Removes a version (DeleteImportedKeyMaterial); removing the current one
    /// leaves the key without current material.
    pub fn remove(&mut self, id: &KeyMaterialId) -> Option<MaterialVersion> {
        let index = self.versions.iter().position(|v| v.id == *id)?;
        if self.current == Some(*id) {
            self.current = None;
        }
        Some(self.versions.remove(index))
    }
}

/// Equal when both hold the same versions (ids and material) with the same current one;
/// the world's state compares with this.
impl PartialEq for KeyVersions {
    fn eq(&self, other: &Self) -> bool {
        self.current == other.current
            && self.versions.len() == other.versions.len()
            && self
                .versions
                .iter()
                .zip(&other.versions)
                .all(|(a, b)| a.id == b.id && a.material.same_material(&b.material))
    }
}

/// What the clear part of a symmetric ciphertext blob says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobHeader {
    /// The KMS key that encrypted the blob.
    pub key_id: Uuid,
    /// The version of its material.
    pub material_id: KeyMaterialId,
}

/// Reads the header of a symmetric ciphertext blob, so Decrypt can find the
/// key without a KeyId. Anything that is not a blob of this format is
/// `InvalidCiphertext`.
pub fn parse_blob(blob: &[u8]) -> Result<BlobHeader, CryptoError> {
    if blob.len() < BLOB_OVERHEAD || &blob[..3] != MAGIC || blob[3] != FORMAT_VERSION {
        return Err(CryptoError::InvalidCiphertext);
    }
    let key_id: [u8; 16] = blob[4..20]
        .try_into()
        .map_err(|_| CryptoError::InvalidCiphertext)?;
    let material_id: [u8; 32] = blob[20..52]
        .try_into()
        .map_err(|_| CryptoError::InvalidCiphertext)?;
    Ok(BlobHeader {
        key_id: Uuid::from_bytes(key_id),
        material_id: KeyMaterialId(material_id),
    })
}

fn header_bytes(key_id: &Uuid, material_id: &KeyMaterialId) -> [u8; BLOB_HEADER_LEN] {
    let mut header = [0u8; BLOB_HEADER_LEN];
    header[..3].copy_from_slice(MAGIC);
    header[3] = FORMAT_VERSION;
    header[4..20].copy_from_slice(key_id.as_bytes());
    header[20..52].copy_from_slice(&material_id.0);
    header
}

fn aad(header: &[u8], context: &EncryptionContext) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + 64);
    aad.extend_from_slice(header);
    context.write_canonical(&mut aad);
    aad
}

fn symmetric_material(version: &MaterialVersion) -> Result<Aes256Gcm, CryptoError> {
    let key = version.material.symmetric_key().ok_or_else(|| {
        CryptoError::incompatible(
            EncryptionAlgorithm::SymmetricDefault,
            version.material.spec(),
        )
    })?;
    Aes256Gcm::new_from_slice(key).map_err(CryptoError::internal)
}

/// Seals any length of plaintext (data keys and private keys of data key
/// pairs are sealed this way too).
pub(super) fn seal(
    key_id: &Uuid,
    versions: &KeyVersions,
    plaintext: &[u8],
    context: &EncryptionContext,
) -> Result<(Vec<u8>, KeyMaterialId), CryptoError> {
    let version = versions
        .current()
        .ok_or_else(|| CryptoError::internal("encryption with a key without material"))?;
    let cipher = symmetric_material(version)?;
    let header = header_bytes(key_id, &version.id);
    let mut nonce = [0u8; NONCE_LEN];
    rand::thread_rng()
        .try_fill_bytes(&mut nonce)
        .map_err(CryptoError::internal)?;
    // Sealed in place, in the blob itself: header, nonce, ciphertext, tag.
    let mut blob = Vec::with_capacity(BLOB_OVERHEAD + plaintext.len());
    blob.extend_from_slice(&header);
    blob.extend_from_slice(&nonce);
    let body = blob.len();
    blob.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_in_place_detached(
            Nonce::from_slice(&nonce),
            &aad(&header, context),
            &mut blob[body..],
        )
        .map_err(CryptoError::internal)?;
    blob.extend_from_slice(&tag);
    Ok((blob, version.id))
}

/// Encrypt (SYMMETRIC_DEFAULT) with the current material of key `key_id`.
/// Returns the blob and the material id (Encrypt's `KeyMaterialId`).
pub fn encrypt(
    key_id: &Uuid,
    versions: &KeyVersions,
    plaintext: &[u8],
    context: &EncryptionContext,
) -> Result<(Vec<u8>, KeyMaterialId), CryptoError> {
    if plaintext.len() > MAX_SYMMETRIC_PLAINTEXT {
        return Err(too_long("plaintext", MAX_SYMMETRIC_PLAINTEXT));
    }
    seal(key_id, versions, plaintext, context)
}

/// The plaintext of a symmetric blob and the material version that opened it.
#[derive(Debug)]
pub struct Decrypted {
    pub plaintext: Zeroizing<Vec<u8>>,
    pub material_id: KeyMaterialId,
}

/// Decrypt a blob with key `key_id`. The blob naming another key is
/// `IncorrectKey` (the handler compares [`parse_blob`]'s key id with a KeyId
/// in the request first, and looks up the key from it when there is none).
/// Unknown material version, tampering, a different context:
/// `InvalidCiphertext`.
pub fn decrypt(
    key_id: &Uuid,
    versions: &KeyVersions,
    blob: &[u8],
    context: &EncryptionContext,
) -> Result<Decrypted, CryptoError> {
    let header = parse_blob(blob)?;
    if header.key_id != *key_id {
        return Err(CryptoError::IncorrectKey);
    }
    let version = versions
        .get(&header.material_id)
        .ok_or(CryptoError::InvalidCiphertext)?;
    let cipher = symmetric_material(version)?;
    let (head, rest) = blob.split_at(BLOB_HEADER_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let plaintext = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &aad(head, context),
            },
        )
        .map_err(|_| CryptoError::InvalidCiphertext)?;
    Ok(Decrypted {
        plaintext: Zeroizing::new(plaintext),
        material_id: version.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_context_ignores_insertion_order() {
        let a: EncryptionContext = [("b", "2"), ("a", "1"), ("c", "3")].into_iter().collect();
        let b: EncryptionContext = [("c", "3"), ("a", "1"), ("b", "2")].into_iter().collect();
        assert_eq!(a.canonical_bytes(), b.canonical_bytes());
    }

    #[test]
    fn canonical_context_is_unambiguous() {
        // Concatenation alone would make these equal.
        let a: EncryptionContext = [("ab", "c")].into_iter().collect();
        let b: EncryptionContext = [("a", "bc")].into_iter().collect();
        assert_ne!(a.canonical_bytes(), b.canonical_bytes());
        assert_ne!(
            EncryptionContext::new().canonical_bytes(),
            a.canonical_bytes()
        );
    }

    #[test]
    fn blob_layout() {
        let key_id = Uuid::new_v4();
        let versions = KeyVersions::generate(KeySpec::SymmetricDefault).unwrap();
        let (blob, material_id) =
            encrypt(&key_id, &versions, b"hello", &EncryptionContext::new()).unwrap();
        assert_eq!(blob.len(), BLOB_OVERHEAD + 5);
        assert_eq!(&blob[..4], b"KHB\x01");
        assert_eq!(&blob[4..20], key_id.as_bytes());
        assert_eq!(&blob[20..52], &material_id.0);
        // Two encryptions of the same plaintext differ (random nonce).
        let (again, _) = encrypt(&key_id, &versions, b"hello", &EncryptionContext::new()).unwrap();
        assert_ne!(blob, again);
    }

    #[test]
    fn parse_blob_rejects_short_and_foreign_blobs() {
        assert_eq!(parse_blob(b""), Err(CryptoError::InvalidCiphertext));
        assert_eq!(parse_blob(&[0u8; 200]), Err(CryptoError::InvalidCiphertext));
        let mut blob = vec![0u8; BLOB_OVERHEAD];
        blob[..4].copy_from_slice(b"KHB\x02");
        assert_eq!(parse_blob(&blob), Err(CryptoError::InvalidCiphertext));
        blob[3] = 1;
        assert!(parse_blob(&blob).is_ok());
        assert_eq!(
            parse_blob(&blob[..BLOB_OVERHEAD - 1]),
            Err(CryptoError::InvalidCiphertext)
        );
    }
}
