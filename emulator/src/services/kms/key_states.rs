//! KMS's own rules on a key before it is used: its state, its usage, who manages it;
//! and the crypto core's errors as KMS reports them.

use super::crypto;
use super::crypto::KeyUsage;
use super::errors::modeled_error;
use super::state::{Key, KeyState};
use crate::protocol::{ApiError, ApiResult};

// ---------------------------------------------------------------------------------------
// Key states and usage

pub(crate) fn disabled(key: &Key) -> ApiError {
    modeled_error("DisabledException", format!("{} is disabled.", key.arn))
}

pub(crate) fn invalid_state(key: &Key, what: &str) -> ApiError {
    modeled_error(
        "KMSInvalidStateException",
        format!("{} is {what}.", key.arn),
    )
}

/// The state check of the cryptographic operations.
pub(crate) fn require_usable(key: &Key) -> ApiResult<()> {
    match key.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(disabled(key)),
        KeyState::PendingDeletion => Err(invalid_state(key, "pending deletion")),
        // Text inferred from the PendingDeletion one.
        KeyState::PendingReplicaDeletion => Err(invalid_state(key, "pending replica deletion")),
        KeyState::PendingImport => Err(invalid_state(key, "pending import")),
        KeyState::Unavailable => Err(invalid_state(key, "unavailable")),
        other => Err(invalid_state(key, &other.as_str().to_lowercase())),
    }
}

/// Administrative operations refuse keys pending deletion.
pub(crate) fn require_not_pending_deletion(key: &Key) -> ApiResult<()> {
    match key.state {
        KeyState::PendingDeletion => Err(invalid_state(key, "pending deletion")),
        KeyState::PendingReplicaDeletion => Err(invalid_state(key, "pending replica deletion")),
        _ => Ok(()),
    }
}

pub(crate) fn require_usage(key: &Key, usage: KeyUsage, operation: &str) -> ApiResult<()> {
    if key.key_usage != usage {
        return Err(modeled_error(
            "InvalidKeyUsageException",
            format!(
                "{} key usage is {} which is not valid for {operation}.",
                key.arn, key.key_usage
            ),
        ));
    }
    Ok(())
}

/// AWS-managed keys belong to their service: their policy, state, description, tags and
/// rotation cannot be changed.
pub(crate) fn require_customer_managed(key: &Key) -> ApiResult<()> {
    if key.is_aws_managed() {
        return Err(modeled_error(
            "UnsupportedOperationException",
            format!("{} is an AWS managed key and cannot be modified.", key.arn),
        ));
    }
    Ok(())
}

pub(crate) fn crypto_error(error: crypto::CryptoError) -> ApiError {
    use super::crypto::CryptoError as E;
    match &error {
        E::InvalidCiphertext | E::InvalidSignature | E::InvalidMac => {
            ApiError::without_message(error.aws_code())
        }
        E::Internal(_) => modeled_error(error.aws_code(), error.to_string()).status(500),
        _ => modeled_error(error.aws_code(), error.to_string()),
    }
}
