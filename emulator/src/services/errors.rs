//! Errors as a service's model declares them: the error shape's wire code and HTTP status.

use crate::protocol::{ApiError, ServiceId};
use crate::request::RequestContext;

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

/// A modeled operation keyhole does not serve yet: said plainly, never faked.
pub fn not_implemented(ctx: &RequestContext) -> ApiError {
    ApiError::new(
        "NotImplemented",
        format!("keyhole does not implement {} yet", ctx.action()),
    )
    .status(501)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The named constructors that call `modeled` keep the code and status they had as
    /// literals (errors.md §0: the models keyhole ships declare no status for these shapes).
    #[test]
    fn a_shape_the_model_declares_keeps_its_name_and_400() {
        for (service, shape) in [
            (ServiceId::Backup, "InvalidParameterValueException"),
            (ServiceId::Backup, "InvalidRequestException"),
            (ServiceId::Backup, "ResourceNotFoundException"),
            (ServiceId::Kms, "NotFoundException"),
            (ServiceId::Kms, "KMSInvalidStateException"),
            (
                ServiceId::Organizations,
                "AWSOrganizationsNotInUseException",
            ),
            (ServiceId::Organizations, "AccessDeniedException"),
        ] {
            assert_eq!(
                modeled(service, shape, "m"),
                ApiError::new(shape, "m"),
                "{shape}"
            );
        }
    }

    #[test]
    fn an_awsquery_shape_takes_its_modeled_code_and_status() {
        assert_eq!(
            modeled(ServiceId::Iam, "NoSuchEntityException", "m"),
            ApiError::new("NoSuchEntity", "m").status(404)
        );
    }
}
