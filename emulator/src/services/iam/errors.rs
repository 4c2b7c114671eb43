//! IAM's errors as its model declares them (awsQuery codes and HTTP statuses).

use crate::protocol::{ApiError, ServiceId};

/// An error as IAM's model declares it: the shape's awsQuery code and HTTP status
/// (`NoSuchEntityException` → `NoSuchEntity`, 404).
pub fn modeled_error(shape: &str, message: impl Into<String>) -> ApiError {
    crate::services::errors::modeled(ServiceId::Iam, shape, message)
}

pub fn no_such_entity(message: impl Into<String>) -> ApiError {
    modeled_error("NoSuchEntityException", message)
}

pub fn already_exists(message: impl Into<String>) -> ApiError {
    modeled_error("EntityAlreadyExistsException", message)
}

pub fn delete_conflict(message: impl Into<String>) -> ApiError {
    modeled_error("DeleteConflictException", message)
}

pub fn limit_exceeded(message: impl Into<String>) -> ApiError {
    modeled_error("LimitExceededException", message)
}

pub fn invalid_input(message: impl Into<String>) -> ApiError {
    modeled_error("InvalidInputException", message)
}

pub fn unmodifiable(message: impl Into<String>) -> ApiError {
    modeled_error("UnmodifiableEntityException", message)
}
