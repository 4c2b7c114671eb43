//! Errors as a service's model declares them: the error shape's wire code and HTTP status.

use crate::protocol::{ApiError, ServiceId};

/// An error of `service` as its model declares the shape `shape`: the shape's code
/// (awsQuery's `NoSuchEntityException` → `NoSuchEntity`) and HTTP status; the shape's name
/// and 400 when the model does not declare it.
pub fn modeled(service: ServiceId, shape: &str, message: impl Into<String>) -> ApiError {
    let (code, status) = service
        .model()
        .shape(shape)
        .map(|s| {
            (
                s.error_code.clone().unwrap_or_else(|| shape.to_owned()),
                s.error_status.unwrap_or(400),
            )
        })
        .unwrap_or_else(|| (shape.to_owned(), 400));
    ApiError::new(code, message).status(status)
}
