//! Errors of the cryptography core, one variant per AWS exception a handler
//! maps it to. Messages that need the key ARN are left to the handler.

/// What went wrong; the doc of each variant names the AWS exception.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// `InvalidCiphertextException`, with an empty message as AWS sends it:
    /// corrupt or tampered blob, wrong encryption context, unknown key
    /// material version, RSA ciphertext that does not decrypt.
    #[error("")]
    InvalidCiphertext,
    /// `IncorrectKeyException`: the blob names another KMS key than the one
    /// the request asked for. The handler renders the fixed message
    /// [`INCORRECT_KEY_MESSAGE`].
    #[error("{}", INCORRECT_KEY_MESSAGE)]
    IncorrectKey,
    /// `InvalidKeyUsageException`: the algorithm does not fit the key's
    /// material (e.g. ECDSA_SHA_256 on an RSA key, Encrypt with an HMAC key).
    /// The message is this module's wording (AWS's is not recorded); for a
    /// usage mismatch the handler writes `<key-arn> key usage is X which is
    /// not valid for Request.` itself.
    #[error("{0}")]
    InvalidKeyUsage(String),
    /// `KMSInvalidSignatureException` from Verify: the signature does not
    /// verify (or is malformed).
    #[error("")]
    InvalidSignature,
    /// `KMSInvalidMacException` from VerifyMac.
    #[error("")]
    InvalidMac,
    /// `ValidationException` with its message.
    #[error("{0}")]
    Validation(String),
    /// The spec or algorithm exists in the model but not in this emulator
    /// (SM2, ML-DSA, Ed25519, RSAES_PKCS1_V1_5 wrapping). Handlers answer
    /// `UnsupportedOperationException` (or `ValidationException` where AWS
    /// itself rejects the value, as for RSAES_PKCS1_V1_5).
    #[error("{0} is not supported by keyhole")]
    Unsupported(String),
    /// `InvalidImportTokenException`: the token is not one this emulator
    /// issued, or was issued for another key.
    #[error("{0}")]
    InvalidImportToken(String),
    /// `ExpiredImportTokenException`.
    #[error("{0}")]
    ExpiredImportToken(String),
    /// `IncorrectKeyMaterialException`: the unwrapped material does not fit
    /// the key (wrong size, wrong curve, unparsable private key).
    #[error("{0}")]
    IncorrectKeyMaterial(String),
    /// `KMSInternalException`: a failure that input cannot cause (the OS
    /// random source, an encoder).
    #[error("{0}")]
    Internal(String),
}

/// AWS's text of `IncorrectKeyException` for Decrypt/ReEncrypt.
pub const INCORRECT_KEY_MESSAGE: &str =
    "The key ID in the request does not identify a CMK that can perform this operation.";

impl CryptoError {
    /// The AWS exception code (shape name) a handler answers with.
    pub fn aws_code(&self) -> &'static str {
        match self {
            CryptoError::InvalidCiphertext => "InvalidCiphertextException",
            CryptoError::IncorrectKey => "IncorrectKeyException",
            CryptoError::InvalidKeyUsage(_) => "InvalidKeyUsageException",
            CryptoError::InvalidSignature => "KMSInvalidSignatureException",
            CryptoError::InvalidMac => "KMSInvalidMacException",
            CryptoError::Validation(_) => "ValidationException",
            CryptoError::Unsupported(_) => "UnsupportedOperationException",
            CryptoError::InvalidImportToken(_) => "InvalidImportTokenException",
            CryptoError::ExpiredImportToken(_) => "ExpiredImportTokenException",
            CryptoError::IncorrectKeyMaterial(_) => "IncorrectKeyMaterialException",
            CryptoError::Internal(_) => "KMSInternalException",
        }
    }

    pub(crate) fn internal(what: impl std::fmt::Display) -> Self {
        CryptoError::Internal(format!("internal cryptography error: {what}"))
    }

    pub(crate) fn incompatible<A: std::fmt::Display, S: std::fmt::Display>(
        alg: A,
        spec: S,
    ) -> Self {
        CryptoError::InvalidKeyUsage(format!(
            "Algorithm {alg} is incompatible with key spec {spec}."
        ))
    }
}

/// AWS's wording for a blob member over its maximum length.
pub(crate) fn too_long(member: &str, max: usize) -> CryptoError {
    CryptoError::Validation(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
         Member must have length less than or equal to {max}"
    ))
}

/// AWS's wording for an integer member out of range.
pub(crate) fn out_of_range(member: &str, value: i64, min: i64, max: i64) -> CryptoError {
    let constraint = if value < min {
        format!("greater than or equal to {min}")
    } else {
        format!("less than or equal to {max}")
    };
    CryptoError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: \
         Member must have value {constraint}"
    ))
}
