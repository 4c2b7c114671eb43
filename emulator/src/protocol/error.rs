//! The one error type every layer returns. Services build it; only the protocol layer renders
//! it (JSON `__type`, Backup's `X-Amzn-ErrorType`, or awsQuery's XML `ErrorResponse`).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::policy::Decision;

/// Boxed so `Result<_, ApiError>` stays small on the happy path.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(Box<ApiErrorParts>);

#[derive(Debug, Clone, PartialEq)]
pub struct ApiErrorParts {
    /// The exception name (`NotFoundException`) or awsQuery code (`NoSuchEntity`).
    pub code: String,
    /// `None` renders no message at all, as KMS does for InvalidCiphertextException.
    pub message: Option<String>,
    /// HTTP status on the wire (AWS answers most client errors with 400).
    pub status: u16,
    /// Extra members of the error body (`Reason`, Backup's `Code`/`Context`, ...).
    pub fields: Map<String, Value>,
    /// awsQuery's `<Type>Sender</Type>` vs `Receiver`.
    pub sender_fault: bool,
    /// The policy engine's decision behind an AccessDenied, for keyhole's record of recent
    /// denials (`GET /_keyhole/denials`); never rendered on the wire.
    pub decision: Option<Arc<Decision>>,
}

impl ApiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError(Box::new(ApiErrorParts {
            code: code.into(),
            message: Some(message.into()),
            status: 400,
            fields: Map::new(),
            sender_fault: true,
            decision: None,
        }))
    }

    pub fn without_message(code: impl Into<String>) -> ApiError {
        let mut error = ApiError::new(code, "");
        error.0.message = None;
        error
    }

    pub fn status(mut self, status: u16) -> ApiError {
        self.0.status = status;
        self.0.sender_fault = status < 500;
        self
    }

    pub fn field(mut self, name: &str, value: impl Into<Value>) -> ApiError {
        self.0.fields.insert(name.to_owned(), value.into());
        self
    }

    /// Keeps the decision that denied the request (see [`ApiErrorParts::decision`]).
    pub fn decided_by(mut self, decision: &Decision) -> ApiError {
        self.0.decision = Some(Arc::new(decision.clone()));
        self
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new("ValidationException", message)
    }

    pub fn serialization(message: impl Into<String>) -> ApiError {
        ApiError::new("SerializationException", message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new("InternalFailure", message).status(500)
    }
}

impl std::ops::Deref for ApiError {
    type Target = ApiErrorParts;

    fn deref(&self) -> &ApiErrorParts {
        &self.0
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(m) => write!(f, "{}: {}", self.code, m),
            None => f.write_str(&self.code),
        }
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;
