//! Feeds arbitrary `Authorization` headers, `X-Amz-Date` values, paths and
//! query strings to the SigV4 parser, and whatever parses to the verifier.
//! Neither may panic. Run: `cargo +nightly fuzz run sigv4_parse`.
#![no_main]

use http::{HeaderMap, HeaderValue, Method};
use keyhole::protocol::sigv4::{parse, verify, RequestParts, DEFAULT_MAX_SKEW};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime};

fuzz_target!(|data: &[u8]| {
    // Fields are separated by newlines: authorization, x-amz-date, path, query, body.
    let mut fields = data.splitn(5, |b| *b == b'\n');
    let auth = fields.next().unwrap_or_default();
    let date = fields.next().unwrap_or_default();
    let path = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let query = fields.next().map(|q| String::from_utf8_lossy(q).into_owned());
    let body = fields.next().unwrap_or_default();

    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(auth) {
        headers.insert("authorization", v);
    }
    if let Ok(v) = HeaderValue::from_bytes(date) {
        headers.insert("x-amz-date", v);
    }
    headers.insert("host", HeaderValue::from_static("localhost:4566"));
    let parts = RequestParts {
        method: &Method::POST,
        raw_path: &path,
        raw_query: query.as_deref(),
        headers: &headers,
        body,
    };
    if let Ok(Some(info)) = parse(&parts) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_112_496);
        let _ = verify(&parts, &info, "secret", now, Some(DEFAULT_MAX_SKEW));
        let _ = verify(&parts, &info, "secret", now, None);
    }
});
