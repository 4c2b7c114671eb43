//! Key material of one KMS key version: generation, the byte form it is
//! imported and persisted in, and its identifier.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rand_core::{OsRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::error::CryptoError;
use super::spec::KeySpec;

/// Bytes of a SYMMETRIC_DEFAULT key (AES-256).
pub const SYMMETRIC_KEY_LEN: usize = 32;

/// Fills a fresh buffer from the OS random source.
pub(crate) fn random_bytes(len: usize) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut out = Zeroizing::new(vec![0u8; len]);
    rand::thread_rng()
        .try_fill_bytes(&mut out)
        .map_err(CryptoError::internal)?;
    Ok(out)
}

/// The material itself. Private keys of the RustCrypto crates zeroize on drop.
#[derive(Clone)]
pub(super) enum Inner {
    Symmetric(Zeroizing<[u8; SYMMETRIC_KEY_LEN]>),
    /// The spec (HMAC_224..512) and the key bytes.
    Hmac(KeySpec, Zeroizing<Vec<u8>>),
    /// The spec (RSA_2048..4096) and the private key.
    Rsa(KeySpec, Box<RsaPrivateKey>),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
    K256(k256::SecretKey),
}

/// The key material of one version of a KMS key.
///
/// Serializes as `{"spec": "<KeySpec>", "material": "<base64>"}` where the
/// bytes are the import format ([`KeyMaterial::to_bytes`]): raw key bytes for
/// symmetric and HMAC keys, DER PKCS#8 for asymmetric keys.
#[derive(Clone)]
pub struct KeyMaterial {
    pub(super) inner: Inner,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("spec", &self.spec())
            .finish_non_exhaustive()
    }
}

impl KeyMaterial {
    /// Fresh random material of `spec`.
    pub fn generate(spec: KeySpec) -> Result<Self, CryptoError> {
        let inner = match spec {
            KeySpec::SymmetricDefault => {
                let mut key = Zeroizing::new([0u8; SYMMETRIC_KEY_LEN]);
                OsRng
                    .try_fill_bytes(key.as_mut())
                    .map_err(CryptoError::internal)?;
                Inner::Symmetric(key)
            }
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
                let (len, _) = hmac_lengths(spec)?;
                Inner::Hmac(spec, random_bytes(len)?)
            }
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                let bits = spec.rsa_bits().unwrap_or(2048);
                let key = RsaPrivateKey::new(&mut OsRng, bits).map_err(CryptoError::internal)?;
                Inner::Rsa(spec, Box::new(key))
            }
            KeySpec::EccNistP256 => Inner::P256(p256::SecretKey::random(&mut OsRng)),
            KeySpec::EccNistP384 => Inner::P384(p384::SecretKey::random(&mut OsRng)),
            KeySpec::EccNistP521 => Inner::P521(p521::SecretKey::random(&mut OsRng)),
            KeySpec::EccSecgP256k1 => Inner::K256(k256::SecretKey::random(&mut OsRng)),
            KeySpec::Sm2
            | KeySpec::MlDsa44
            | KeySpec::MlDsa65
            | KeySpec::MlDsa87
            | KeySpec::EccNistEdwards25519 => return Err(unsupported_spec(spec)),
        };
        Ok(KeyMaterial { inner })
    }

    /// Material of `spec` from its import format: 32 raw bytes for
    /// SYMMETRIC_DEFAULT, raw bytes within KMS's length range for HMAC, DER
    /// PKCS#8 (RFC 5208) for RSA and ECC private keys.
    /// Errors: `IncorrectKeyMaterial` when the bytes do not fit the spec.
    pub fn from_bytes(spec: KeySpec, bytes: &[u8]) -> Result<Self, CryptoError> {
        let wrong = |what: &str| {
            CryptoError::IncorrectKeyMaterial(format!(
                "The key material is not valid for key spec {spec}: {what}."
            ))
        };
        let inner = match spec {
            KeySpec::SymmetricDefault => {
                let key: [u8; SYMMETRIC_KEY_LEN] = bytes
                    .try_into()
                    .map_err(|_| wrong("symmetric key material must be 32 bytes (256 bits)"))?;
                Inner::Symmetric(Zeroizing::new(key))
            }
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
                let (_, range) = hmac_lengths(spec)?;
                if !range.contains(&bytes.len()) {
                    return Err(wrong(&format!(
                        "HMAC key material must be {} to {} bytes",
                        range.start(),
                        range.end()
                    )));
                }
                Inner::Hmac(spec, Zeroizing::new(bytes.to_vec()))
            }
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                let key = RsaPrivateKey::from_pkcs8_der(bytes)
                    .map_err(|_| wrong("not a DER PKCS#8 RSA private key"))?;
                key.validate()
                    .map_err(|_| wrong("inconsistent RSA private key"))?;
                if Some(key.size() * 8) != spec.rsa_bits() {
                    return Err(wrong("the RSA modulus has another size"));
                }
                Inner::Rsa(spec, Box::new(key))
            }
            KeySpec::EccNistP256 => Inner::P256(
                p256::SecretKey::from_pkcs8_der(bytes)
                    .map_err(|_| wrong("not a DER PKCS#8 P-256 private key"))?,
            ),
            KeySpec::EccNistP384 => Inner::P384(
                p384::SecretKey::from_pkcs8_der(bytes)
                    .map_err(|_| wrong("not a DER PKCS#8 P-384 private key"))?,
            ),
            KeySpec::EccNistP521 => Inner::P521(
                p521::SecretKey::from_pkcs8_der(bytes)
                    .map_err(|_| wrong("not a DER PKCS#8 P-521 private key"))?,
            ),
            KeySpec::EccSecgP256k1 => Inner::K256(
                k256::SecretKey::from_pkcs8_der(bytes)
                    .map_err(|_| wrong("not a DER PKCS#8 secp256k1 private key"))?,
            ),
            KeySpec::Sm2
            | KeySpec::MlDsa44
            | KeySpec::MlDsa65
            | KeySpec::MlDsa87
            | KeySpec::EccNistEdwards25519 => return Err(unsupported_spec(spec)),
        };
        Ok(KeyMaterial { inner })
    }

    /// The import/persistence form (see [`KeyMaterial::from_bytes`]).
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let der = match &self.inner {
            Inner::Symmetric(key) => return Ok(Zeroizing::new(key.to_vec())),
            Inner::Hmac(_, key) => return Ok(key.clone()),
            Inner::Rsa(_, key) => key.to_pkcs8_der(),
            Inner::P256(key) => key.to_pkcs8_der(),
            Inner::P384(key) => key.to_pkcs8_der(),
            Inner::P521(key) => key.to_pkcs8_der(),
            Inner::K256(key) => key.to_pkcs8_der(),
        }
        .map_err(CryptoError::internal)?;
        Ok(Zeroizing::new(der.as_bytes().to_vec()))
    }

    pub fn spec(&self) -> KeySpec {
        match &self.inner {
            Inner::Symmetric(_) => KeySpec::SymmetricDefault,
            Inner::Hmac(spec, _) | Inner::Rsa(spec, _) => *spec,
            Inner::P256(_) => KeySpec::EccNistP256,
            Inner::P384(_) => KeySpec::EccNistP384,
            Inner::P521(_) => KeySpec::EccNistP521,
            Inner::K256(_) => KeySpec::EccSecgP256k1,
        }
    }

    /// GetPublicKey: the DER SubjectPublicKeyInfo of an asymmetric key.
    /// Symmetric and HMAC keys answer `InvalidKeyUsage`; handlers should
    /// check the spec first and use AWS's wording.
    pub fn public_key_der(&self) -> Result<Vec<u8>, CryptoError> {
        let doc = match &self.inner {
            Inner::Symmetric(_) | Inner::Hmac(..) => {
                return Err(CryptoError::InvalidKeyUsage(format!(
                    "{} keys have no public key.",
                    self.spec()
                )))
            }
            Inner::Rsa(_, key) => key.to_public_key().to_public_key_der(),
            Inner::P256(key) => key.public_key().to_public_key_der(),
            Inner::P384(key) => key.public_key().to_public_key_der(),
            Inner::P521(key) => key.public_key().to_public_key_der(),
            Inner::K256(key) => key.public_key().to_public_key_der(),
        }
        .map_err(CryptoError::internal)?;
        Ok(doc.into_vec())
    }

    /// Constant-time comparison of the material (for re-imports of the
    /// same material).
    pub fn same_material(&self, other: &KeyMaterial) -> bool {
        use subtle::ConstantTimeEq;
        match (self.to_bytes(), other.to_bytes()) {
            (Ok(a), Ok(b)) => self.spec() == other.spec() && bool::from(a.ct_eq(&b)),
            _ => false,
        }
    }

    pub(super) fn symmetric_key(&self) -> Option<&[u8; SYMMETRIC_KEY_LEN]> {
        match &self.inner {
            Inner::Symmetric(key) => Some(key),
            _ => None,
        }
    }
}

pub(super) fn unsupported_spec(spec: KeySpec) -> CryptoError {
    CryptoError::Unsupported(format!("KeySpec {spec}"))
}

fn hmac_lengths(spec: KeySpec) -> Result<(usize, std::ops::RangeInclusive<usize>), CryptoError> {
    spec.hmac_key_lengths()
        .ok_or_else(|| CryptoError::internal(format!("{spec} is not an HMAC spec")))
}

#[derive(Serialize, Deserialize)]
struct KeyMaterialRepr {
    spec: KeySpec,
    material: String,
}

impl Serialize for KeyMaterial {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = self.to_bytes().map_err(serde::ser::Error::custom)?;
        KeyMaterialRepr {
            spec: self.spec(),
            material: base64::engine::general_purpose::STANDARD.encode(&*bytes),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for KeyMaterial {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = KeyMaterialRepr::deserialize(deserializer)?;
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(repr.material.as_bytes())
                .map_err(serde::de::Error::custom)?,
        );
        KeyMaterial::from_bytes(repr.spec, &bytes).map_err(serde::de::Error::custom)
    }
}

/// Identifier of one version of key material: 32 bytes, shown as 64
/// lowercase hex digits like AWS's `KeyMaterialId`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyMaterialId(pub [u8; 32]);

impl KeyMaterialId {
    /// A fresh random id, for generated material.
    pub fn random() -> Result<Self, CryptoError> {
        let mut id = [0u8; 32];
        OsRng
            .try_fill_bytes(&mut id)
            .map_err(CryptoError::internal)?;
        Ok(KeyMaterialId(id))
    }

    /// The id of imported material: as in AWS, derived from the KMS key id and
    /// the material, so re-importing the same material gives the same id.
    /// HMAC-SHA-256 keyed with the material, so the id reveals nothing of it.
    pub fn for_imported(key_id: &uuid::Uuid, material: &KeyMaterial) -> Result<Self, CryptoError> {
        let bytes = material.to_bytes()?;
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&bytes).map_err(CryptoError::internal)?;
        mac.update(b"keyhole imported key material id\0");
        mac.update(key_id.as_bytes());
        Ok(KeyMaterialId(mac.finalize().into_bytes().into()))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut id = [0u8; 32];
        for (i, byte) in id.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(KeyMaterialId(id))
    }
}

impl fmt::Display for KeyMaterialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyMaterialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyMaterialId({})", self.to_hex())
    }
}

impl Serialize for KeyMaterialId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for KeyMaterialId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(deserializer)?;
        KeyMaterialId::from_hex(&hex)
            .ok_or_else(|| serde::de::Error::custom("KeyMaterialId must be 64 hex digits"))
    }
}
