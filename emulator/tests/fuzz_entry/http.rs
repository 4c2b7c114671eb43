//! The wire targets: bytes as a raw request (a request line `METHOD PATH[?QUERY]`, header
//! lines `name: value`, a blank line, the body), completed with what a client of the
//! protocol would send, answered by `keyhole::server::handle` on a fresh in-process
//! instance: decoding, routing, authorization, the handler and the rendering of the answer.
//! Never a panic, never a 500, and an error is in the protocol's shape.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use keyhole::instance::Instance;
use keyhole::pipeline::ConnectionInfo;
use keyhole::protocol::HttpRequest;
use keyhole::{server, Settings};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Wire {
    /// KMS and Organizations: POST /, X-Amz-Target, a JSON body.
    AwsJson,
    /// Backup: the operation is in the method and path.
    RestJson,
    /// IAM and STS: a form body (or a query string) with Action and Version.
    AwsQuery,
}

impl Wire {
    fn defaults(self) -> (&'static str, &'static str) {
        match self {
            Wire::AwsJson => ("kms", "application/x-amz-json-1.1"),
            Wire::RestJson => ("backup", "application/json"),
            Wire::AwsQuery => ("iam", "application/x-www-form-urlencoded"),
        }
    }
}

/// Splits the input into a request; headers that are not valid HTTP are left out, as
/// hyper would refuse them before keyhole saw them.
pub fn request(data: &[u8], wire: Wire) -> HttpRequest {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &b""[..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let (method, target) = lines
        .next()
        .and_then(|l| l.split_once(' '))
        .unwrap_or(("POST", "/"));
    let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::POST);
    let (raw_path, raw_query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) {
            headers.append(n, v);
        }
    }
    let (service, content_type) = wire.defaults();
    if !headers.contains_key("authorization") {
        // The root of 111111111111: keyhole does not check a 12-digit key's signature.
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=111111111111/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        headers.insert("x-amz-date", HeaderValue::from_static("20240101T000000Z"));
    }
    if !headers.contains_key("content-type") {
        headers.insert("content-type", HeaderValue::from_static(content_type));
    }
    headers
        .entry("host")
        .or_insert(HeaderValue::from_static("localhost:4566"));
    HttpRequest {
        method,
        raw_path: if raw_path.is_empty() {
            "/".into()
        } else {
            raw_path
        },
        raw_query,
        headers,
        body: Bytes::copy_from_slice(body),
    }
}

pub fn http(data: &[u8], wire: Wire) {
    let req = request(data, wire);
    let instance = Instance::new(Settings::default());
    let resp = server::handle(&instance, &req, ConnectionInfo::default());
    assert!(
        resp.status != 500,
        "500 for {} {} {:?}: {}",
        req.method,
        req.raw_path,
        req.raw_query,
        String::from_utf8_lossy(&resp.body)
    );
    if resp.status >= 400 && !req.raw_path.starts_with("/_keyhole/") {
        let body = String::from_utf8_lossy(&resp.body);
        let xml = body.trim_start().starts_with('<');
        let json = serde_json::from_str::<serde_json::Value>(&body).is_ok();
        assert!(
            xml || json || body.is_empty(),
            "{} answer in neither JSON nor XML: {body}",
            resp.status
        );
    }
}
