//! HTTP as the pipeline sees it: the request (raw path and query kept for SigV4), the
//! answer, and the header names the protocols read and write. Apart from `mod.rs`, so the
//! protocol modules name these types without importing the module that dispatches to them.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::Value;

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
