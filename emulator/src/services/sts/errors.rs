//! STS's errors: the modeled ones, and AccessDenied as STS words it.

use crate::protocol::{ApiError, ServiceId};
use crate::world::Caller;

/// An STS error as the model declares it (code and HTTP status).
pub fn modeled_error(shape: &str, message: impl Into<String>) -> ApiError {
    crate::services::errors::modeled(ServiceId::Sts, shape, message)
}

pub fn access_denied(message: impl Into<String>) -> ApiError {
    ApiError::new("AccessDenied", message).status(403)
}

pub fn not_authorized(caller: &Caller, action: &str, resource: &str) -> ApiError {
    access_denied(format!(
        "User: {} is not authorized to perform: {action} on resource: {resource}",
        caller.arn()
    ))
}
