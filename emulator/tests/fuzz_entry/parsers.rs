//! The parser targets: any bytes given to a parser answer with a value or an error that
//! names a line that exists, never a panic.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue, Method};
use keyhole::policy::validate::{validate, PolicyType};
use keyhole::policy::*;
use keyhole::protocol::sigv4::{parse as parse_sigv4, verify, RequestParts, DEFAULT_MAX_SKEW};
use serde_json::Value;

const TYPES: [PolicyType; 7] = [
    PolicyType::Identity,
    PolicyType::KmsKey,
    PolicyType::BackupVault,
    PolicyType::RoleTrust,
    PolicyType::Scp,
    PolicyType::Rcp,
    PolicyType::Resource,
];

/// The first literal of `member` in the first statement, wildcards filled in: a request the
/// policy talks about, so evaluation goes past the action and resource match.
fn derived(doc: &Value, member: &str, fallback: &str) -> String {
    let first = &doc["Statement"];
    let first = first.get(0).unwrap_or(first);
    let value = &first[member];
    let text = value
        .as_str()
        .or_else(|| value.get(0).and_then(Value::as_str));
    text.unwrap_or(fallback).replace(['*', '?'], "a")
}

/// Parsed, validated as every policy type, then evaluated in every layer for a request
/// derived from the policy itself.
pub fn policy_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for ty in TYPES {
        let _ = validate(text, ty);
    }
    let Ok(policy) = parse(text) else {
        return;
    };
    let doc: Value = serde_json::from_str(text).unwrap_or_default();
    let action = derived(&doc, "Action", "kms:Decrypt");
    let resource = derived(&doc, "Resource", "arn:aws:kms:us-east-1:111111111111:key/k");
    let np = NamedPolicy::new("fuzz", PolicySource::Resource, policy);
    let ids = IdentityLayers {
        identity: vec![np.clone()],
        boundary: Some(np.clone()),
        session: vec![np.clone()],
        scp_levels: Some(vec![vec![np.clone()]]),
    };
    let res = ResourceLayers {
        kind: ResourcePolicyKind::KmsKeyPolicy,
        resource_policy: Some(np.clone()),
        rcp_levels: Some(vec![vec![np]]),
    };
    let req = Request::builder(
        Principal::assumed_role("222222222222", "Dev", "s"),
        &action,
        &resource,
    )
    .key("aws:SourceIp", "10.0.0.1")
    .build();
    let d = evaluate(&Authorization {
        request: &req,
        principal_side: &ids,
        resource_side: &res,
        grants: &[],
    });
    let _ = d.access_denied_message();
    let _ = d.explain();
}

/// Arbitrary `Authorization` headers, `X-Amz-Date` values, paths, query strings and bodies
/// (newline-separated, in that order) to the SigV4 parser, and whatever parses to the
/// verifier.
pub fn sigv4_parse(data: &[u8]) {
    let mut fields = data.splitn(5, |b| *b == b'\n');
    let auth = fields.next().unwrap_or_default();
    let date = fields.next().unwrap_or_default();
    let path = String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let query = fields
        .next()
        .map(|q| String::from_utf8_lossy(q).into_owned());
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
    if let Ok(Some(info)) = parse_sigv4(&parts) {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_112_496);
        let _ = verify(&parts, &info, "secret", now, Some(DEFAULT_MAX_SKEW));
        let _ = verify(&parts, &info, "secret", now, None);
    }
}

fn assert_line_exists(line: u32, text: &str, error: &dyn std::fmt::Display) {
    let lines = text.lines().count().max(1) as u32;
    assert!(line <= lines + 1, "{error} for a text of {lines} lines");
}

/// The scenario loader: a scenario or a ScenarioError (file, line, column, reason).
pub fn scenario_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = std::path::Path::new("/nonexistent/fuzz/scenario.json");
    if let Err(error) = keyhole::scenario::load::parse(file, text) {
        assert_line_exists(error.line, text, &error);
    }
}

/// The seed file reader, then the seed applied to an empty world.
pub fn seed_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = std::path::Path::new("seed.json");
    let mut world = keyhole::world::World::default();
    match keyhole::seed::load::parse(file, text, &world) {
        Ok(loaded) => {
            if let Err(error) = keyhole::seed::apply::apply(&mut world, &loaded, 1.0) {
                assert_line_exists(error.line, text, &error);
            }
        }
        Err(error) => assert_line_exists(error.line, text, &error),
    }
}

/// A lab's texts and the AWS CLI commands in them.
pub fn lab_text(data: &[u8]) {
    use keyhole::lab::{command, text, Lang};
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = command::parse(input);
    let defined = ["sourceKey".to_owned(), "accounts.source".to_owned()].into();
    let file = std::path::Path::new("lab/en.json");
    if let Err(error) = text::parse_text(file, input, Lang::En, &defined) {
        assert_line_exists(error.line, input, &error);
    }
}
