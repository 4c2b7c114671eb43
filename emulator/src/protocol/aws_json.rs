//! awsJson1.1 (KMS, Organizations): `POST /`, `X-Amz-Target: <Prefix>.<Operation>`,
//! a JSON body; errors as `{"__type": ..., "message": ...}`.

use bytes::Bytes;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::json_text::json_without_nulls;
use super::model::ServiceId;
use super::wire::{HttpRequest, HttpResponse};

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

pub fn decode(service: ServiceId, req: &HttpRequest) -> ApiResult<(String, Value)> {
    let model = service.model();
    let target = req.header(&super::wire::X_AMZ_TARGET).unwrap_or_default();
    let operation = target
        .split_once('.')
        .filter(|(prefix, _)| Some(*prefix) == model.target_prefix.as_deref())
        .map(|(_, op)| op)
        .filter(|op| model.operations.contains_key(*op))
        .ok_or_else(|| ApiError::without_message("UnknownOperationException"))?;
    if req.method != http::Method::POST {
        return Err(ApiError::without_message("UnknownOperationException"));
    }
    let input = if req.body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice::<Value>(&req.body).map_err(|e| {
            ApiError::serialization(format!("Could not parse request body into json: {e}"))
        })?
    };
    if !input.is_object() {
        return Err(ApiError::serialization(
            "Start of structure or map found where not expected.",
        ));
    }
    Ok((operation.to_owned(), input))
}

pub fn encode_output(output: &Value) -> HttpResponse {
    let body = match output {
        Value::Null => "{}".to_owned(),
        other => json_without_nulls(other),
    };
    HttpResponse {
        status: 200,
        headers: vec![(http::header::CONTENT_TYPE, CONTENT_TYPE.into())],
        body: Bytes::from(body),
    }
}

/// The message member's case follows the error shape: KMS models `message`,
/// Organizations `Message`.
pub fn encode_error(service: ServiceId, error: &ApiError) -> HttpResponse {
    let mut body = Map::new();
    body.insert("__type".into(), Value::String(error.code.clone()));
    if let Some(message) = &error.message {
        let key = message_member(service, &error.code);
        body.insert(key.into(), Value::String(message.clone()));
    }
    for (k, v) in &error.fields {
        body.insert(k.clone(), v.clone());
    }
    HttpResponse {
        status: error.status,
        headers: vec![
            (http::header::CONTENT_TYPE, CONTENT_TYPE.into()),
            (super::wire::X_AMZN_ERRORTYPE, error.code.clone()),
        ],
        body: Bytes::from(Value::Object(body).to_string()),
    }
}

fn message_member(service: ServiceId, code: &str) -> &'static str {
    match service.model().shape(code) {
        Some(shape) if shape.member("Message").is_some() => "Message",
        Some(_) => "message",
        // Unmodeled errors (AccessDenied from the auth layer, validation): KMS uses
        // `message` for validation and `Message` for AccessDenied.
        None if code == "AccessDeniedException" => "Message",
        None if service == ServiceId::Organizations => "Message",
        None => "message",
    }
}
