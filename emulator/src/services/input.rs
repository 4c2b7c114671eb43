//! One request as a handler reads it: its context and its decoded input, with typed member
//! accessors shared by every service. A service's own rule for a missing required member
//! (its exact error) is passed in when the request is made; service-specific members (KMS's
//! encryption context, DryRun) live with the service. The handlers that take the decoded
//! input alone (IAM, STS, Backup) read it with the free functions [`member`], [`text`] and
//! [`required`], which [`Request`]'s accessors use too.

use base64::Engine as _;
use serde_json::Value;

use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;

/// A string member of `input`, if present.
pub(crate) fn member<'a>(input: &'a Value, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

/// A string member, or "" when absent (for members validation has already required).
pub(crate) fn text<'a>(input: &'a Value, key: &str) -> &'a str {
    member(input, key).unwrap_or_default()
}

/// A member the model marks required, or the service's error `missing` for it (the pipeline
/// checked it is present; this guards handler-internal use).
pub(crate) fn required<'a>(
    input: &'a Value,
    key: &str,
    missing: fn(&str) -> ApiError,
) -> ApiResult<&'a str> {
    member(input, key).ok_or_else(|| missing(key))
}

/// One request: its context and its input.
pub(crate) struct Request<'a> {
    pub ctx: &'a RequestContext,
    pub input: &'a Value,
    /// The service's error for a required member that is absent (the member's name in).
    missing: fn(&str) -> ApiError,
}

impl<'a> Request<'a> {
    pub fn new(ctx: &'a RequestContext, input: &'a Value, missing: fn(&str) -> ApiError) -> Self {
        Request {
            ctx,
            input,
            missing,
        }
    }

    /// The caller's account.
    pub fn account(&self) -> &str {
        &self.ctx.caller.account
    }

    pub fn region(&self) -> &str {
        &self.ctx.region
    }

    /// The request's time on keyhole's clock.
    pub fn now(&self) -> f64 {
        self.ctx.now
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        member(self.input, key)
    }

    /// A member the model marks required (the pipeline checked it is present; this guards
    /// handler-internal use), or the service's missing-member error.
    pub fn req(&self, key: &str) -> ApiResult<&str> {
        required(self.input, key, self.missing)
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

    /// A required blob member.
    pub fn req_blob(&self, key: &str) -> ApiResult<Vec<u8>> {
        self.req(key)?;
        self.blob(key)?
            .ok_or_else(|| ApiError::serialization(format!("Invalid base64 for {key}")))
    }
}
