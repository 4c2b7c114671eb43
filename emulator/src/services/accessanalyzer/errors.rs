//! Access Analyzer's errors, as its model declares them: ValidationException carries a
//! `reason` (`fieldValidationFailed`, ...) and a `fieldList` naming each field and what is
//! wrong with it; the checks answer InvalidParameterException for a document they cannot
//! read, and UnprocessableEntityException for one keyhole cannot decide.

use serde_json::{json, Value};

use crate::protocol::validate::{validation_error, Violation};
use crate::protocol::{ApiError, ServiceId};
use crate::services::errors::modeled;

/// The model's ValidationException for the violations of one input: AWS's aggregate
/// message ("1 validation error detected: Value null at 'policyType' failed to satisfy
/// constraint: Member must not be null"), the reason, and one entry per field.
pub fn invalid_input(service: ServiceId, violations: &[Violation]) -> ApiError {
    let message = validation_error(service, violations)
        .message
        .clone()
        .unwrap_or_default();
    let fields: Vec<Value> = violations
        .iter()
        .map(|v| json!({"name": v.field, "message": v.text}))
        .collect();
    modeled(ServiceId::AccessAnalyzer, "ValidationException", message)
        .field("reason", "fieldValidationFailed")
        .field("fieldList", fields)
}

/// One field the model's constraints do not cover but the operation refuses (ValidatePolicy's
/// `maxResults` below 1, a `nextToken` keyhole did not issue), worded as the model's own
/// violations are.
pub fn invalid_field(field: &str, value: String, text: &str) -> ApiError {
    modeled(
        ServiceId::AccessAnalyzer,
        "ValidationException",
        format!("1 validation error detected: Value {value} at '{field}' failed to satisfy constraint: {text}"),
    )
    .field("reason", "fieldValidationFailed")
    .field("fieldList", json!([{"name": field, "message": text}]))
}

/// A policy document the checks cannot read (not JSON, not IAM grammar, or not the kind
/// of policy the request says it is).
pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
    modeled(
        ServiceId::AccessAnalyzer,
        "InvalidParameterException",
        message,
    )
}

/// A question outside what keyhole decides exactly: said so, never answered PASS or FAIL.
pub fn undecidable(message: impl Into<String>) -> ApiError {
    modeled(
        ServiceId::AccessAnalyzer,
        "UnprocessableEntityException",
        message,
    )
}
