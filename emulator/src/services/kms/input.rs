//! KMS's side of a request's input: its missing-member error, the encryption context and
//! DryRun members; the shared accessors are in `crate::services::input`.

use base64::Engine as _;
use serde_json::Value;

use super::crypto::EncryptionContext;
use super::errors::modeled_error;
use crate::protocol::{ApiError, ApiResult};
use crate::services::input::Request;

/// KMS's error for a missing required member: the model's validation text.
pub(crate) fn missing_member(key: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
        lower_first(key)
    ))
}

/// KMS's members beyond the shared accessors.
impl Request<'_> {
    pub fn encryption_context(&self, key: &str) -> EncryptionContext {
        self.input
            .get(key)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// DryRun: after authorization and KMS's checks pass.
    pub fn dry_run(&self) -> ApiResult<()> {
        if self.bool("DryRun") {
            return Err(modeled_error(
                "DryRunOperationException",
                "The request would have succeeded, but the DryRun option is set.",
            ));
        }
        Ok(())
    }
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
