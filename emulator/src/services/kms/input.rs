//! KMS's view of one request's input: typed member accessors, KMS's missing-member and
//! base64 errors, DryRun.

use base64::Engine as _;
use serde_json::Value;

use super::crypto::EncryptionContext;
use crate::context::RequestContext;
use crate::protocol::{ApiError, ApiResult};

/// One call: its context and decoded input.
pub(crate) struct Op<'a> {
    pub ctx: &'a RequestContext,
    pub input: &'a Value,
}

impl Op<'_> {
    pub fn account(&self) -> &str {
        &self.ctx.caller.account
    }

    pub fn region(&self) -> &str {
        &self.ctx.region
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.input.get(key).and_then(Value::as_str)
    }

    /// A member the model marks required (the pipeline checked it is present).
    pub fn req(&self, key: &str) -> ApiResult<&str> {
        self.str(key).ok_or_else(|| {
            ApiError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(key)
            ))
        })
    }

    pub fn bool(&self, key: &str) -> bool {
        self.input
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn i64(&self, key: &str) -> Option<i64> {
        self.input.get(key).and_then(Value::as_i64)
    }

    /// A blob member, base64 on the canonical side.
    pub fn blob(&self, key: &str) -> ApiResult<Option<Vec<u8>>> {
        let Some(text) = self.str(key) else {
            return Ok(None);
        };
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Some)
            .map_err(|_| ApiError::serialization(format!("Invalid base64 for {key}")))
    }

    pub fn req_blob(&self, key: &str) -> ApiResult<Vec<u8>> {
        self.req(key)?;
        self.blob(key)?
            .ok_or_else(|| ApiError::serialization(format!("Invalid base64 for {key}")))
    }

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
            return Err(ApiError::new(
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
