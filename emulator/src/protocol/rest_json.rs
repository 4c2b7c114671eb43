//! restJson1 (AWS Backup, IAM Access Analyzer): the operation comes from the method and path; members bound to
//! URI labels, the query string and headers are merged with the JSON body into one input.
//! Errors carry `X-Amzn-ErrorType` and a `Code`/`Message`/`Context` body.

use bytes::Bytes;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::json_text::json_without_nulls;
use super::model::{RouteMatch, ServiceId, ShapeKind};
use super::wire::{HttpRequest, HttpResponse};

pub fn decode(service: ServiceId, req: &HttpRequest) -> ApiResult<(String, Value)> {
    let model = service.model();
    let raw_segments: Vec<&str> = req.raw_path.split('/').filter(|s| !s.is_empty()).collect();
    let query = req.query_pairs();
    let query_keys: Vec<String> = query.iter().map(|(k, _)| k.clone()).collect();
    let (route, labels) = match model.route(req.method.as_str(), &raw_segments, &query_keys) {
        RouteMatch::Found(route, labels) => (route, labels),
        RouteMatch::MethodNotAllowed => {
            return Err(ApiError::without_message("UnknownOperationException").status(405))
        }
        RouteMatch::NotFound => {
            return Err(ApiError::without_message("UnknownOperationException").status(404))
        }
    };
    let operation = &model.operations[&route.operation];
    let shape = operation.input.as_deref().and_then(|s| model.shape(s));
    // An operation whose members all sit in the path, query or headers (every GET) has no
    // payload to read: a body sent with it is ignored, not refused.
    let has_payload = shape.is_some_and(|s| s.members.iter().any(|m| m.location.is_none()));
    let mut input = if !has_payload || req.body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return Err(ApiError::serialization(
                    "Start of structure or map found where not expected.",
                ))
            }
            Err(e) => {
                return Err(ApiError::serialization(format!(
                    "Could not parse request body into json: {e}"
                )))
            }
        }
    };
    let Some(shape) = shape else {
        return Ok((route.operation.clone(), Value::Object(input)));
    };
    for member in &shape.members {
        let wire_name = member.location_name.as_deref().unwrap_or(&member.name);
        let member_kind = model.shape(&member.shape).map(|s| s.kind);
        let value = match member.location.as_deref() {
            Some("uri") => labels
                .iter()
                .find(|(label, _)| label == wire_name)
                .map(|(_, v)| Value::String(v.clone())),
            Some("querystring") => {
                let values: Vec<&String> = query
                    .iter()
                    .filter(|(k, _)| k == wire_name)
                    .map(|(_, v)| v)
                    .collect();
                if values.is_empty() {
                    None
                } else if member_kind == Some(ShapeKind::List) {
                    Some(Value::Array(
                        values.iter().map(|v| Value::String((*v).clone())).collect(),
                    ))
                } else {
                    Some(scalar(member_kind, values[0])?)
                }
            }
            Some("header") => req
                .header(wire_name)
                .map(|v| scalar(member_kind, v))
                .transpose()?,
            _ => continue,
        };
        match value {
            Some(v) => {
                input.insert(member.name.clone(), v);
            }
            None => {
                input.remove(&member.name);
            }
        }
    }
    Ok((route.operation.clone(), Value::Object(input)))
}

/// Converts a query-string or header text to the member's type.
fn scalar(kind: Option<ShapeKind>, text: &str) -> ApiResult<Value> {
    let bad = || ApiError::serialization(format!("Unable to parse value '{text}'"));
    Ok(match kind {
        // An int member holds 32 bits, as the service's Java type does.
        Some(ShapeKind::Integer) => Value::from(text.parse::<i32>().map_err(|_| bad())?),
        Some(ShapeKind::Long) => Value::from(text.parse::<i64>().map_err(|_| bad())?),
        Some(ShapeKind::Float | ShapeKind::Double) => {
            Value::from(text.parse::<f64>().map_err(|_| bad())?)
        }
        Some(ShapeKind::Boolean) => Value::Bool(match text {
            "true" => true,
            "false" => false,
            _ => return Err(bad()),
        }),
        Some(ShapeKind::Timestamp) => match text.parse::<f64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(super::query::parse_timestamp(text).ok_or_else(bad)?),
        },
        _ => Value::String(text.to_owned()),
    })
}

pub fn encode_output(service: ServiceId, operation: &str, output: &Value) -> HttpResponse {
    let status = service
        .model()
        .operations
        .get(operation)
        .map(|o| o.response_code)
        .unwrap_or(200);
    let body = match output {
        Value::Null => String::new(),
        other => json_without_nulls(other),
    };
    HttpResponse {
        status,
        headers: vec![(http::header::CONTENT_TYPE, "application/json".into())],
        body: Bytes::from(body),
    }
}

pub fn encode_error(service: ServiceId, error: &ApiError) -> HttpResponse {
    let mut body = Map::new();
    for (k, v) in &error.fields {
        body.insert(k.clone(), v.clone());
    }
    if let Some(message) = &error.message {
        body.insert(
            message_member(service, &error.code).into(),
            Value::String(message.clone()),
        );
    }
    HttpResponse {
        status: error.status,
        headers: vec![
            (http::header::CONTENT_TYPE, "application/json".into()),
            (super::wire::X_AMZN_ERRORTYPE, error.code.clone()),
        ],
        body: Bytes::from(Value::Object(body).to_string()),
    }
}

/// The error body's message member as the service's model spells it: Backup's shapes say
/// `Message`, Access Analyzer's `message`; an error the model does not declare keeps
/// `Message`.
fn message_member(service: ServiceId, code: &str) -> &'static str {
    let lower = service
        .model()
        .shape(code)
        .is_some_and(|s| s.exception && s.member("message").is_some());
    if lower {
        "message"
    } else {
        "Message"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, query: &str, body: &'static str) -> HttpRequest {
        HttpRequest {
            method: http::Method::GET,
            raw_path: path.into(),
            raw_query: Some(query.into()),
            headers: http::HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    /// ListBackupVaults reads only its query: a body, even one that is no JSON, is ignored.
    #[test]
    fn a_body_on_an_operation_without_payload_members_is_ignored() {
        for body in ["not json", "[]", "{\"MaxResults\": \"x\"}"] {
            let (op, input) = decode(
                ServiceId::Backup,
                &get("/backup-vaults/", "maxResults=5", body),
            )
            .unwrap();
            assert_eq!(op, "ListBackupVaults");
            assert_eq!(input, serde_json::json!({"MaxResults": 5}), "{body}");
        }
    }

    /// An int member holds 32 bits: a bigger query value is refused as unparseable.
    #[test]
    fn an_integer_past_32_bits_in_the_query_is_a_serialization_error() {
        let req = get("/backup-vaults/", "maxResults=2147483648", "");
        let err = decode(ServiceId::Backup, &req).unwrap_err();
        assert_eq!(err.code, "SerializationException");
    }

    fn body(service: ServiceId, error: &ApiError) -> Value {
        serde_json::from_slice(&encode_error(service, error).body).unwrap()
    }

    /// Each model spells its error message member its own way, and the SDKs read the
    /// modeled member: Backup's `Message`, Access Analyzer's `message`.
    #[test]
    fn the_message_member_is_spelled_as_the_model_spells_it() {
        let backup = ApiError::new("InvalidParameterValueException", "m");
        assert_eq!(
            body(ServiceId::Backup, &backup),
            serde_json::json!({"Message": "m"})
        );
        let analyzer = ApiError::new("ValidationException", "m").field("reason", "other");
        assert_eq!(
            body(ServiceId::AccessAnalyzer, &analyzer),
            serde_json::json!({"message": "m", "reason": "other"})
        );
        let undeclared = ApiError::new("UnknownOperationException", "m");
        assert_eq!(
            body(ServiceId::AccessAnalyzer, &undeclared),
            serde_json::json!({"Message": "m"})
        );
    }
}
