//! The KMS cryptography core: key material per key spec, symmetric
//! encryption with a self-describing ciphertext blob, RSA encryption,
//! Sign/Verify, HMAC, data keys, ECDH and imported key material.
//!
//! Pure and synchronous: no I/O, no clock (callers pass `now`), no global
//! state. All state ([`KeyVersions`], [`ImportTokenSealer`]) is serde
//! serializable so the world can persist it. Every primitive comes from the
//! RustCrypto crates; nothing here implements one.
//!
//! Unsupported here: SM2 (China Regions only), ML_DSA_44/65/87 and
//! ECC_NIST_EDWARDS25519 key specs ([`CryptoError::Unsupported`]); the
//! RSAES_PKCS1_V1_5 wrapping algorithm, which AWS withdrew.

mod asymmetric;
mod datakey;
mod error;
mod import;
mod mac;
mod material;
mod spec;
mod symmetric;

pub use asymmetric::{rsa_oaep_max_plaintext, MAX_SIGN_MESSAGE};
pub use datakey::{
    decrypt_with, encrypt_with, generate_data_key, generate_data_key_pair, generate_random,
    re_encrypt, CipherKey, DataKey, DataKeyLength, DataKeyPair, Encrypted, ReEncrypted,
    MAX_RANDOM_BYTES,
};
pub use error::{CryptoError, INCORRECT_KEY_MESSAGE};
pub use import::{
    get_parameters_for_import, import_key_material, unwrap_key_material, ImportParameters,
    ImportTokenSealer, IMPORT_PARAMETERS_LIFETIME,
};
pub use mac::MAX_MAC_MESSAGE;

/// The operations that use a key's material and change nothing but its last use: what
/// GetKeyLastUsage reports, and what `--state-dir` does not write for.
pub const KEY_USE_OPERATIONS: &[&str] = &[
    "Encrypt",
    "Decrypt",
    "ReEncrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "Sign",
    "Verify",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
];
pub use material::{KeyMaterial, KeyMaterialId, SYMMETRIC_KEY_LEN};
pub use spec::{
    DataKeyPairSpec, DataKeySpec, EncryptionAlgorithm, KeyAgreementAlgorithm, KeySpec, KeyUsage,
    MacAlgorithm, MessageType, SigningAlgorithm, UnknownEnumValue, WrappingAlgorithm,
    WrappingKeySpec,
};
pub use symmetric::{
    decrypt, encrypt, parse_blob, BlobHeader, Decrypted, EncryptionContext, KeyVersions,
    MaterialVersion, BLOB_HEADER_LEN, BLOB_OVERHEAD, MAX_SYMMETRIC_PLAINTEXT,
};
