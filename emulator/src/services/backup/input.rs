//! Backup's rule for a required member that is absent, over the shared accessors of
//! [`crate::services::input`] (the model check has run: this only guards handler-internal
//! use).

use serde_json::Value;

use super::errors::missing_parameter;
use crate::protocol::ApiResult;
use crate::services::input::required;

/// A required member, or Backup's MissingParameterValueException.
pub(crate) fn req<'a>(input: &'a Value, key: &str) -> ApiResult<&'a str> {
    required(input, key, missing_parameter)
}
