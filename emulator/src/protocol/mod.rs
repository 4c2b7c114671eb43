//! Wire protocols and request authentication. Everything here turns bytes into a decoded
//! [`Call`] (service, operation, input as JSON shaped by the model) and a handler's JSON
//! output or [`ApiError`] back into bytes. Services never see HTTP.
//!
//! Canonical values, whatever the protocol: blobs are base64 strings, timestamps are epoch
//! seconds (numbers); the protocol modules convert at the edge.

pub mod admin;
pub mod aws_json;
pub mod error;
pub mod json_text;
pub mod model;
pub mod query;
pub mod rest_json;
pub mod sigv4;
pub mod validate;
pub mod wire;
pub mod xml;

use serde_json::Value;

pub use error::{ApiError, ApiResult};
pub use json_text::json_without_nulls;
pub use model::{Protocol, ServiceId};
pub use wire::{HttpRequest, HttpResponse, X_AMZN_ERRORTYPE, X_AMZN_REQUESTID, X_AMZ_TARGET};

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
    // A form body signed for a JSON service is that service's request with the wrong content
    // type, unless it names an awsQuery action.
    let names_action =
        || query::has_action(req) || form_urlencoded::parse(&req.body).any(|(k, _)| k == "Action");
    if form && !names_action() {
        if let Some(s) = scoped.filter(|s| s.protocol() != Protocol::AwsQuery) {
            return Some(s);
        }
    }
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
        Protocol::RestJson => rest_json::encode_error(service, error),
        Protocol::AwsQuery => query::encode_error(service, error, request_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &'static str) -> HttpRequest {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        HttpRequest {
            method: http::Method::PUT,
            raw_path: "/backup/plans/".into(),
            raw_query: None,
            headers,
            body: bytes::Bytes::from_static(body.as_bytes()),
        }
    }

    /// A form content type on a request signed for Backup is Backup's request with the wrong
    /// content type; one that names an action is still an awsQuery call.
    #[test]
    fn a_form_body_signed_for_a_json_service_stays_with_that_service() {
        assert_eq!(
            identify_service(&form("{}"), Some("backup")),
            Some(ServiceId::Backup)
        );
        assert_eq!(
            identify_service(&form("Action=GetUser&Version=2010-05-08"), Some("backup")),
            Some(ServiceId::Iam)
        );
        assert_eq!(
            identify_service(&form("Action=GetCallerIdentity"), Some("sts")),
            Some(ServiceId::Sts)
        );
    }
}
