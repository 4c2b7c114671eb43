//! IAM's errors as its model declares them (awsQuery codes and HTTP statuses).

use crate::protocol::{ApiError, ApiResult, ServiceId};
use crate::world::iam::state::Policies;

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

/// DeleteUser, DeleteGroup and DeleteRole refuse an entity that still has inline or
/// attached policies.
pub fn check_no_policies(policies: &Policies) -> ApiResult<()> {
    if !policies.inline.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    if !policies.attached.is_empty() {
        return Err(delete_conflict(
            "Cannot delete entity, must detach all policies first.",
        ));
    }
    Ok(())
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

/// A service-linked role, which only its service may change.
pub fn protected_role(name: &str) -> ApiError {
    // Text inferred (AWS's wording for service-linked roles, as seen in public reports).
    unmodifiable(format!(
        "Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"
    ))
}
