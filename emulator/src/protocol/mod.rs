//! Wire protocols and request authentication. Everything here turns bytes into a decoded
//! [`Call`] (service, operation, input as JSON shaped by the model) and a handler's JSON
//! output or [`ApiError`] back into bytes. Services never see HTTP.
//!
//! Canonical values, whatever the protocol: blobs are base64 strings, timestamps are epoch
//! seconds (numbers); the protocol modules convert at the edge.

pub mod admin;
pub mod aws_json;
pub mod error;
pub mod model;
pub mod query;
pub mod rest_json;
pub mod sigv4;
pub mod validate;
pub mod xml;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::Value;

pub use error::{ApiError, ApiResult};
pub use model::{Protocol, ServiceId};

/// The header that names an awsJson operation.
pub const X_AMZ_TARGET: http::HeaderName = http::HeaderName::from_static("x-amz-target");
/// The error code header of the JSON protocols.
pub const X_AMZN_ERRORTYPE: http::HeaderName = http::HeaderName::from_static("x-amzn-errortype");
/// The request id header every answer carries.
pub const X_AMZN_REQUESTID: http::HeaderName = http::HeaderName::from_static("x-amzn-requestid");

/// An HTTP request as the pipeline sees it: the raw path and query are kept because SigV4
/// signs them as sent.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub raw_path: String,
    pub raw_query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Names pre-parsed: the server would otherwise parse each on every answer.
    pub headers: Vec<(http::HeaderName, String)>,
    pub body: Bytes,
}

impl HttpResponse {
    pub fn json(status: u16, body: &Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![(http::header::CONTENT_TYPE, "application/json".into())],
            body: Bytes::from(body.to_string()),
        }
    }
}

impl HttpRequest {
    /// A header's value as text. Hot paths pass a pre-parsed [`http::HeaderName`]: a `&str`
    /// name is parsed on every lookup.
    pub fn header<K: http::header::AsHeaderName>(&self, name: K) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    }

    /// Query parameters, decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.raw_query
            .as_deref()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A decoded API call, ready for authorization and its handler.
#[derive(Debug, Clone)]
pub struct Call {
    pub service: ServiceId,
    pub operation: String,
    pub input: Value,
}

/// Which service a request is for, from the request itself, else the SigV4 scope.
pub fn identify_service(req: &HttpRequest, scope_service: Option<&str>) -> Option<ServiceId> {
    if let Some(target) = req.header(&X_AMZ_TARGET) {
        let prefix = target.split('.').next().unwrap_or("");
        return ServiceId::ALL.into_iter().find(|s| {
            s.protocol() == Protocol::AwsJson && s.model().target_prefix.as_deref() == Some(prefix)
        });
    }
    let form = req
        .header(http::header::CONTENT_TYPE)
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let scoped = scope_service.and_then(ServiceId::from_signing_name);
    if form || query::has_action(req) {
        return match scoped {
            Some(s) if s.protocol() == Protocol::AwsQuery => Some(s),
            _ => Some(query::service_for_action(req)),
        };
    }
    match scoped {
        Some(s) => Some(s),
        // Unsigned REST calls can only be Backup's.
        None => Some(ServiceId::Backup),
    }
}

/// Decodes the operation and its input for `service`.
pub fn decode(service: ServiceId, req: &HttpRequest) -> ApiResult<Call> {
    let (operation, input) = match service.protocol() {
        Protocol::AwsJson => aws_json::decode(service, req)?,
        Protocol::RestJson => rest_json::decode(service, req)?,
        Protocol::AwsQuery => query::decode(service, req)?,
    };
    Ok(Call {
        service,
        operation,
        input,
    })
}

/// Encodes a handler's output for the wire.
pub fn encode_output(
    service: ServiceId,
    operation: &str,
    output: &Value,
    request_id: &str,
) -> HttpResponse {
    match service.protocol() {
        Protocol::AwsJson => aws_json::encode_output(output),
        Protocol::RestJson => rest_json::encode_output(service, operation, output),
        Protocol::AwsQuery => query::encode_output(service, operation, output, request_id),
    }
}

/// Encodes an error the way `service` shows it.
pub fn encode_error(service: ServiceId, error: &ApiError, request_id: &str) -> HttpResponse {
    match service.protocol() {
        Protocol::AwsJson => aws_json::encode_error(service, error),
        Protocol::RestJson => rest_json::encode_error(error),
        Protocol::AwsQuery => query::encode_error(service, error, request_id),
    }
}

/// An output value serialized without its null members: AWS leaves absent members out.
/// Serializing through this view costs no copy of the tree.
struct WithoutNulls<'a>(&'a Value);

impl serde::Serialize for WithoutNulls<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.0 {
            Value::Object(map) => {
                let mut out = serializer.serialize_map(None)?;
                for (key, value) in map.iter().filter(|(_, v)| !v.is_null()) {
                    out.serialize_entry(key, &WithoutNulls(value))?;
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(WithoutNulls)),
            other => other.serialize(serializer),
        }
    }
}

/// `value` as JSON text without null members.
pub fn json_without_nulls(value: &Value) -> String {
    // Serializing a `Value` cannot fail: its map keys are strings.
    serde_json::to_string(&WithoutNulls(value)).unwrap_or_default()
}

#[cfg(test)]
mod json_tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::json_without_nulls;

    /// What serde_json writes for `value` once null members are removed.
    fn reference(value: &Value) -> String {
        fn strip(value: &Value) -> Value {
            match value {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| (k.clone(), strip(v)))
                        .collect(),
                ),
                Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
                other => other.clone(),
            }
        }
        serde_json::to_string(&strip(value)).unwrap_or_default()
    }

    #[test]
    fn null_members_are_left_out_and_text_is_escaped_as_serde_json_does() {
        let value = json!({
            "Absent": null,
            "Quote\"d": "a \"b\" \\ c\n\t\u{1}\u{7f} é 🔑 </script>",
            "Numbers": [0, -1, 18446744073709551615u64, 1.5, 1e300, -2.5e-8],
            "Nested": [null, {"X": null, "Y": [true, false]}, []],
            "Empty": {},
        });
        let text = json_without_nulls(&value);
        assert_eq!(text, reference(&value));
        assert!(!text.contains("Absent") && !text.contains("\"X\""));
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn matches_serde_json_on_any_value(value in any_value()) {
            prop_assert_eq!(json_without_nulls(&value), reference(&value));
        }
    }
}
