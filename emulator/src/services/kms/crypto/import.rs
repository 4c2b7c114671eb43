//! GetParametersForImport / ImportKeyMaterial.
//!
//! The import token is self-contained: an AES-256-GCM sealed record, under a
//! secret of the emulator's state ([`ImportTokenSealer`], persisted with the
//! world so tokens survive a restart), holding the KMS key id, the wrapping
//! algorithm and key spec, the expiry and the wrapping private key (DER
//! PKCS#8). ImportKeyMaterial needs no other stored state: opening the token
//! proves it was issued here, names the key it is for and yields the private
//! key that unwraps the material.

use aes_kw::{KekAes128, KekAes192, KekAes256};
use rand_core::OsRng;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, RsaPrivateKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroizing;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;

use super::error::CryptoError;
use super::material::{random_bytes, KeyMaterial};
use super::spec::{KeySpec, WrappingAlgorithm, WrappingKeySpec};

/// How long a public key and import token are valid (AWS: 24 hours).
pub const IMPORT_PARAMETERS_LIFETIME: Duration = Duration::hours(24);

const TOKEN_MAGIC: &[u8; 4] = b"KHT1";
const TOKEN_AAD: &[u8] = b"keyhole import token v1";
const NONCE_LEN: usize = 12;

/// The secret that seals import tokens. Part of the persisted state.
#[derive(Clone)]
pub struct ImportTokenSealer {
    secret: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ImportTokenSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImportTokenSealer(..)")
    }
}

impl ImportTokenSealer {
    pub fn new() -> Result<Self, CryptoError> {
        Ok(ImportTokenSealer {
            secret: random_bytes(32)?,
        })
    }

    fn cipher(&self) -> Result<Aes256Gcm, CryptoError> {
        Aes256Gcm::new_from_slice(&self.secret).map_err(CryptoError::internal)
    }
}

impl PartialEq for ImportTokenSealer {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.secret.as_slice().ct_eq(other.secret.as_slice()))
    }
}

impl Serialize for ImportTokenSealer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&*self.secret))
    }
}

impl<'de> Deserialize<'de> for ImportTokenSealer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let secret = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        if secret.len() != 32 {
            return Err(serde::de::Error::custom(
                "import token secret must be 32 bytes",
            ));
        }
        Ok(ImportTokenSealer {
            secret: Zeroizing::new(secret),
        })
    }
}

/// GetParametersForImport's answer.
#[derive(Debug, Clone)]
pub struct ImportParameters {
    /// The wrapping public key, DER SubjectPublicKeyInfo.
    pub public_key: Vec<u8>,
    pub import_token: Vec<u8>,
    pub parameters_valid_to: OffsetDateTime,
}

fn check_algorithm(algorithm: WrappingAlgorithm) -> Result<(), CryptoError> {
    match algorithm {
        WrappingAlgorithm::RsaesOaepSha1
        | WrappingAlgorithm::RsaesOaepSha256
        | WrappingAlgorithm::RsaAesKeyWrapSha1
        | WrappingAlgorithm::RsaAesKeyWrapSha256 => Ok(()),
        // Withdrawn by AWS on 2023-10-10.
        WrappingAlgorithm::RsaesPkcs1V15 => Err(CryptoError::Validation(
            "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported.".to_owned(),
        )),
        WrappingAlgorithm::Sm2Pke => Err(CryptoError::Unsupported(format!(
            "WrappingAlgorithm {algorithm}"
        ))),
    }
}

/// GetParametersForImport: a fresh RSA wrapping key pair and a token for
/// `key_id`, valid for 24 hours from `now`.
pub fn get_parameters_for_import(
    sealer: &ImportTokenSealer,
    key_id: &Uuid,
    algorithm: WrappingAlgorithm,
    wrapping_key_spec: WrappingKeySpec,
    now: OffsetDateTime,
) -> Result<ImportParameters, CryptoError> {
    check_algorithm(algorithm)?;
    let bits = wrapping_key_spec
        .rsa_bits()
        .ok_or_else(|| CryptoError::Unsupported(format!("WrappingKeySpec {wrapping_key_spec}")))?;
    let wrapping_key = RsaPrivateKey::new(&mut OsRng, bits).map_err(CryptoError::internal)?;
    let public_key = wrapping_key
        .to_public_key()
        .to_public_key_der()
        .map_err(CryptoError::internal)?
        .into_vec();
    let private_der = wrapping_key.to_pkcs8_der().map_err(CryptoError::internal)?;
    let valid_to = now + IMPORT_PARAMETERS_LIFETIME;

    let mut record = Zeroizing::new(Vec::with_capacity(26 + private_der.as_bytes().len()));
    record.extend_from_slice(key_id.as_bytes());
    record.extend_from_slice(&valid_to.unix_timestamp().to_be_bytes());
    record.push(enum_index(WrappingAlgorithm::ALL, algorithm)?);
    record.push(enum_index(WrappingKeySpec::ALL, wrapping_key_spec)?);
    record.extend_from_slice(private_der.as_bytes());

    let nonce = random_bytes(NONCE_LEN)?;
    let sealed = sealer
        .cipher()?
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &record,
                aad: TOKEN_AAD,
            },
        )
        .map_err(CryptoError::internal)?;
    let mut import_token = Vec::with_capacity(TOKEN_MAGIC.len() + NONCE_LEN + sealed.len());
    import_token.extend_from_slice(TOKEN_MAGIC);
    import_token.extend_from_slice(&nonce);
    import_token.extend_from_slice(&sealed);
    Ok(ImportParameters {
        public_key,
        import_token,
        parameters_valid_to: valid_to,
    })
}

fn enum_index<T: PartialEq>(all: &[T], value: T) -> Result<u8, CryptoError> {
    all.iter()
        .position(|v| *v == value)
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| CryptoError::internal("enum index"))
}

/// What an opened import token holds.
struct TokenContents {
    key_id: Uuid,
    valid_to: i64,
    algorithm: WrappingAlgorithm,
    wrapping_key: RsaPrivateKey,
}

fn open_token(sealer: &ImportTokenSealer, token: &[u8]) -> Result<TokenContents, CryptoError> {
    let invalid = || CryptoError::InvalidImportToken("The import token is invalid.".to_owned());
    if token.len() < TOKEN_MAGIC.len() + NONCE_LEN || !token.starts_with(TOKEN_MAGIC) {
        return Err(invalid());
    }
    let (nonce, sealed) = token[TOKEN_MAGIC.len()..].split_at(NONCE_LEN);
    let record = Zeroizing::new(
        sealer
            .cipher()?
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: TOKEN_AAD,
                },
            )
            .map_err(|_| invalid())?,
    );
    if record.len() < 26 {
        return Err(invalid());
    }
    let key_id = Uuid::from_bytes(record[..16].try_into().map_err(|_| invalid())?);
    let valid_to = i64::from_be_bytes(record[16..24].try_into().map_err(|_| invalid())?);
    let algorithm = *WrappingAlgorithm::ALL
        .get(usize::from(record[24]))
        .ok_or_else(invalid)?;
    let wrapping_key = RsaPrivateKey::from_pkcs8_der(&record[26..]).map_err(|_| invalid())?;
    Ok(TokenContents {
        key_id,
        valid_to,
        algorithm,
        wrapping_key,
    })
}

/// ImportKeyMaterial: checks the token (issued here, for `key_id`, not
/// expired at `now`), unwraps the material with the token's algorithm and
/// parses it as `key_spec` material.
///
/// Errors: `InvalidImportToken` (not ours, or for another key),
/// `ExpiredImportToken`, `InvalidCiphertext` (does not unwrap),
/// `IncorrectKeyMaterial` (unwraps, but does not fit `key_spec`).
pub fn import_key_material(
    sealer: &ImportTokenSealer,
    key_id: &Uuid,
    key_spec: KeySpec,
    import_token: &[u8],
    encrypted_key_material: &[u8],
    now: OffsetDateTime,
) -> Result<KeyMaterial, CryptoError> {
    let token = open_token(sealer, import_token)?;
    if token.key_id != *key_id {
        return Err(CryptoError::InvalidImportToken(
            "The import token was issued for another KMS key.".to_owned(),
        ));
    }
    if now.unix_timestamp() > token.valid_to {
        return Err(CryptoError::ExpiredImportToken(
            "The import token has expired.".to_owned(),
        ));
    }
    let material =
        unwrap_key_material(&token.wrapping_key, token.algorithm, encrypted_key_material)?;
    KeyMaterial::from_bytes(key_spec, &material)
}

fn rsa_unwrap(
    key: &RsaPrivateKey,
    padding: Oaep,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    key.decrypt_blinded(&mut OsRng, padding, data)
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::InvalidCiphertext)
}

/// Undoes the client's wrapping:
/// - RSAES_OAEP_SHA_*: RSA-OAEP of the material itself;
/// - RSA_AES_KEY_WRAP_SHA_*: RSA-OAEP of an ephemeral AES key (the first
///   modulus-size bytes), then AES key wrap with padding (RFC 5649) of the
///   material under that key.
pub fn unwrap_key_material(
    wrapping_key: &RsaPrivateKey,
    algorithm: WrappingAlgorithm,
    encrypted: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    match algorithm {
        WrappingAlgorithm::RsaesOaepSha1 => {
            rsa_unwrap(wrapping_key, Oaep::new::<sha1::Sha1>(), encrypted)
        }
        WrappingAlgorithm::RsaesOaepSha256 => {
            rsa_unwrap(wrapping_key, Oaep::new::<Sha256>(), encrypted)
        }
        WrappingAlgorithm::RsaAesKeyWrapSha1 | WrappingAlgorithm::RsaAesKeyWrapSha256 => {
            let k = wrapping_key.size();
            if encrypted.len() <= k {
                return Err(CryptoError::InvalidCiphertext);
            }
            let (wrapped_key, wrapped_material) = encrypted.split_at(k);
            let padding = if algorithm == WrappingAlgorithm::RsaAesKeyWrapSha1 {
                Oaep::new::<sha1::Sha1>()
            } else {
                Oaep::new::<Sha256>()
            };
            let aes_key = rsa_unwrap(wrapping_key, padding, wrapped_key)?;
            let material = match aes_key.len() {
                16 => KekAes128::try_from(aes_key.as_slice())
                    .map_err(|_| CryptoError::InvalidCiphertext)?
                    .unwrap_with_padding_vec(wrapped_material),
                24 => KekAes192::try_from(aes_key.as_slice())
                    .map_err(|_| CryptoError::InvalidCiphertext)?
                    .unwrap_with_padding_vec(wrapped_material),
                32 => KekAes256::try_from(aes_key.as_slice())
                    .map_err(|_| CryptoError::InvalidCiphertext)?
                    .unwrap_with_padding_vec(wrapped_material),
                _ => return Err(CryptoError::InvalidCiphertext),
            }
            .map_err(|_| CryptoError::InvalidCiphertext)?;
            Ok(Zeroizing::new(material))
        }
        WrappingAlgorithm::RsaesPkcs1V15 | WrappingAlgorithm::Sm2Pke => {
            check_algorithm(algorithm).and(Err(CryptoError::InvalidCiphertext))
        }
    }
}
