//! SigV4 verification against requests signed the way clients sign them:
//! by aws-sigv4 (the Rust SDK's signer) and by botocore (boto3, AWS CLI; the
//! JSON fixtures under `fixtures/sigv4/`, made by `generate.py`).

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use keyhole::protocol::sigv4::{
    format_amz_date, parse, verify, AuthError, RequestParts, SignatureInfo, DEFAULT_MAX_SKEW,
};
use keyhole::protocol::Protocol;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use proptest::prelude::*;

const AKID: &str = "AKIDKEYHOLETEST";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const HOST: &str = "localhost:4566";
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// RFC 3986 unreserved characters stay; everything else is encoded, as the
/// SDKs encode labels and query members.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A request as it reaches the server.
#[derive(Debug, Clone)]
struct Wire {
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Wire {
    fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            raw_path: &self.path,
            raw_query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn check(
        &self,
        secret: &str,
        now: SystemTime,
        skew: Option<Duration>,
    ) -> Result<SignatureInfo<'static>, AuthError> {
        let info = parse(&self.parts())?.ok_or(AuthError::MissingAuthenticationToken)?;
        verify(&self.parts(), &info, secret, now, skew)?;
        Ok(info.into_owned())
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers
            .insert(name, HeaderValue::from_str(value).expect("test header"));
        self
    }
}

struct Sign<'a> {
    method: Method,
    path: &'a str,
    query: Option<&'a str>,
    headers: Vec<(String, String)>,
    body: &'a [u8],
    region: &'a str,
    service: &'a str,
    token: Option<&'a str>,
    time: SystemTime,
    presign: Option<Duration>,
    /// S3-style presigning: sign `UNSIGNED-PAYLOAD` instead of the body hash.
    unsigned_payload: bool,
}

impl<'a> Sign<'a> {
    fn new(method: Method, path: &'a str, service: &'a str) -> Self {
        Sign {
            method,
            path,
            query: None,
            headers: Vec::new(),
            body: b"",
            region: "us-east-1",
            service,
            token: None,
            time: t0(),
            presign: None,
            unsigned_payload: false,
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Signs with aws-sigv4's default settings, as the Rust SDK does for
    /// every service but S3, and returns the request as sent.
    fn sign(&self) -> Wire {
        let mut uri = format!("http://{HOST}{}", self.path);
        if let Some(q) = self.query {
            uri = format!("{uri}?{q}");
        }
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(&uri);
        for (k, v) in &self.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let mut request = builder.body(()).expect("request");
        let identity: Identity =
            Credentials::new(AKID, SECRET, self.token.map(str::to_owned), None, "test").into();
        let mut settings = SigningSettings::default();
        if let Some(expires) = self.presign {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(expires);
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name(self.service)
            .time(self.time)
            .settings(settings)
            .build()
            .expect("params")
            .into();
        let signable = SignableRequest::new(
            self.method.as_str(),
            uri.clone(),
            self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            if self.unsigned_payload {
                SignableBody::UnsignedPayload
            } else {
                SignableBody::Bytes(self.body)
            },
        )
        .expect("signable");
        let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
        instructions.apply_to_request_http1x(&mut request);
        let mut headers = request.headers().clone();
        headers.insert(http::header::HOST, HeaderValue::from_static(HOST));
        Wire {
            method: self.method.clone(),
            path: request.uri().path().to_owned(),
            query: request.uri().query().map(str::to_owned),
            headers,
            body: self.body.to_vec(),
        }
    }
}

fn t0() -> SystemTime {
    // 2024-01-01T12:34:56Z
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_112_496)
}

fn assert_rejected(wire: &Wire, secret: &str, code: &str, message: &str) {
    let err = wire
        .check(secret, t0(), None)
        .expect_err("must be rejected");
    assert_eq!(err.code(Protocol::AwsJson), code, "{err:?}");
    assert_eq!(err.message(), message);
}

fn kms() -> Wire {
    Sign {
        body: br#"{"KeyId":"alias/x"}"#,
        ..Sign::new(Method::POST, "/", "kms")
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "TrentService.DescribeKey")
            .header("content-length", "19")
            .header("x-amz-user-agent", "aws-sdk-rust/1")
    }
    .sign()
}

const ARN_PATH: &str = "/backup-vaults/v/recovery-points/arn%3Aaws%3Aec2%3Aus-east-1%3A111111111111%3Asnapshot%2Fsnap-0123";

fn backup() -> Wire {
    Sign {
        query: Some("backupVaultAccountId=111111111111&maxResults=10"),
        ..Sign::new(Method::GET, ARN_PATH, "backup")
    }
    .sign()
}

#[test]
fn kms_post_is_accepted_and_scope_is_exposed() {
    let info = kms()
        .check(SECRET, t0(), Some(DEFAULT_MAX_SKEW))
        .expect("accepted");
    assert_eq!(info.access_key_id, AKID);
    assert_eq!(info.service, "kms");
    assert_eq!(info.region, "us-east-1");
    assert_eq!(info.date, "20240101");
    assert_eq!(
        info.signed_headers,
        [
            "content-length",
            "content-type",
            "host",
            "x-amz-date",
            "x-amz-target",
            "x-amz-user-agent"
        ]
    );
}

#[test]
fn backup_get_with_encoded_arn_label_and_query_is_accepted() {
    let wire = backup();
    assert_eq!(wire.path, ARN_PATH, "the label stays encoded on the wire");
    wire.check(SECRET, t0(), None).expect("accepted");
}

#[test]
fn sts_form_post_with_session_token_is_accepted() {
    let wire = Sign {
        body: b"Action=GetCallerIdentity&Version=2011-06-15",
        token: Some("FwoGZXIvYXdzEXAMPLE+/="),
        ..Sign::new(Method::POST, "/", "sts")
            .header("content-type", "application/x-www-form-urlencoded")
    }
    .sign();
    let info = wire.check(SECRET, t0(), None).expect("accepted");
    assert_eq!(info.service, "sts");
    assert_eq!(
        info.security_token.as_deref(),
        Some("FwoGZXIvYXdzEXAMPLE+/=")
    );
    assert!(info
        .signed_headers
        .iter()
        .any(|h| h == "x-amz-security-token"));
    // The token is signed: changing it breaks the signature.
    let forged = wire.header("x-amz-security-token", "other");
    assert_rejected(&forged, SECRET, "InvalidSignatureException", MISMATCH);
}

#[test]
fn iam_scope_routes_by_service() {
    let wire = Sign {
        body: b"Action=ListUsers&Version=2010-05-08",
        ..Sign::new(Method::POST, "/", "iam")
            .header("content-type", "application/x-www-form-urlencoded")
    }
    .sign();
    assert_eq!(
        wire.check(SECRET, t0(), None).expect("accepted").service,
        "iam"
    );
}

#[test]
fn presigned_get_is_accepted_until_it_expires() {
    let wire = Sign {
        query: Some("Action=GetCallerIdentity&Version=2011-06-15"),
        token: Some("tok/en+=="),
        presign: Some(Duration::from_secs(900)),
        ..Sign::new(Method::GET, "/", "sts")
    }
    .sign();
    assert!(wire.headers.get("authorization").is_none());
    let info = wire
        .check(SECRET, t0(), Some(DEFAULT_MAX_SKEW))
        .expect("accepted");
    assert!(info.presigned);
    assert_eq!(info.expires, Some(Duration::from_secs(900)));
    assert_eq!(info.security_token.as_deref(), Some("tok/en+=="));
    // Still good after 10 minutes, although that is past the 5-minute skew.
    wire.check(
        SECRET,
        t0() + Duration::from_secs(600),
        Some(DEFAULT_MAX_SKEW),
    )
    .expect("within X-Amz-Expires");
    let err = wire
        .check(SECRET, t0() + Duration::from_secs(901), None)
        .expect_err("expired");
    assert_eq!(
        err.message(),
        "Signature expired: 20240101T123456Z is now earlier than 20240101T123457Z (20240101T124957Z - 15 min.)"
    );
    assert_eq!(err.code(Protocol::AwsQuery), "SignatureDoesNotMatch");
}

#[test]
fn presigned_with_unsigned_payload_is_accepted() {
    let wire = Sign {
        presign: Some(Duration::from_secs(60)),
        unsigned_payload: true,
        ..Sign::new(Method::GET, "/some/key", "backup")
    }
    .sign();
    wire.check(SECRET, t0(), None).expect("accepted");
    assert_rejected(&wire, "wrong", "InvalidSignatureException", MISMATCH);
}

#[test]
fn wrong_secret_is_rejected_per_family() {
    let err = kms()
        .check("not-the-secret", t0(), None)
        .expect_err("rejected");
    assert_eq!(err, AuthError::SignatureDoesNotMatch);
    assert_eq!(err.message(), MISMATCH);
    assert_eq!(err.code(Protocol::AwsJson), "InvalidSignatureException");
    assert_eq!(err.status(Protocol::AwsJson), 400);
    assert_eq!(err.status(Protocol::RestJson), 403);
    assert_eq!(err.code(Protocol::AwsQuery), "SignatureDoesNotMatch");
    assert_eq!(err.status(Protocol::AwsQuery), 403);
}

#[test]
fn mutated_header_body_path_query_or_method_is_rejected() {
    let code = "InvalidSignatureException";
    assert_rejected(
        &kms().header("x-amz-target", "TrentService.Decrypt"),
        SECRET,
        code,
        MISMATCH,
    );
    let mut body = kms();
    body.body = br#"{"KeyId":"alias/y"}"#.to_vec();
    assert_rejected(&body, SECRET, code, MISMATCH);
    let mut path = backup();
    path.path = path.path.replace("snap-0123", "snap-0124");
    assert_rejected(&path, SECRET, code, MISMATCH);
    let mut decoded = backup();
    decoded.path = decoded.path.replace("%3A", ":");
    assert_rejected(&decoded, SECRET, code, MISMATCH);
    let mut query = backup();
    query.query = Some("backupVaultAccountId=222222222222&maxResults=10".into());
    assert_rejected(&query, SECRET, code, MISMATCH);
    let mut method = backup();
    method.method = Method::DELETE;
    assert_rejected(&method, SECRET, code, MISMATCH);
}

#[test]
fn unsigned_headers_may_change() {
    kms()
        .header("user-agent", "something else")
        .header("x-unsigned", "1")
        .check(SECRET, t0(), None)
        .expect("unsigned headers are not covered");
}

#[test]
fn mutated_date_is_rejected() {
    assert_rejected(
        &kms().header("x-amz-date", "20240101T123457Z"),
        SECRET,
        "InvalidSignatureException",
        MISMATCH,
    );
    assert_rejected(
        &kms().header("x-amz-date", "20240102T123456Z"),
        SECRET,
        "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240101' != '20240102', from '20240102T123456Z'.",
    );
}

#[test]
fn clock_skew_is_checked_only_when_asked() {
    let wire = kms();
    let later = t0() + Duration::from_secs(301);
    let err = wire
        .check(SECRET, later, Some(DEFAULT_MAX_SKEW))
        .expect_err("expired");
    assert_eq!(
        err.message(),
        "Signature expired: 20240101T123456Z is now earlier than 20240101T123457Z (20240101T123957Z - 5 min.)"
    );
    assert_eq!(err.code(Protocol::AwsJson), "InvalidSignatureException");
    wire.check(SECRET, later, None).expect("skew check off");
    let earlier = t0() - Duration::from_secs(301);
    let err = wire
        .check(SECRET, earlier, Some(DEFAULT_MAX_SKEW))
        .expect_err("future");
    assert_eq!(
        err.message(),
        "Signature not yet current: 20240101T123456Z is still later than 20240101T123455Z (20240101T122955Z + 5 min.)"
    );
}

#[test]
fn host_must_be_signed() {
    let mut wire = kms();
    let auth = wire.headers["authorization"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let auth = auth.replace("host;", "");
    wire = wire.header("authorization", &auth);
    assert_rejected(
        &wire,
        SECRET,
        "InvalidSignatureException",
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
}

#[test]
fn payload_hash_header_is_used_when_present() {
    let body = b"{}";
    let hash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    let wire = Sign {
        body,
        ..Sign::new(Method::POST, "/", "kms").header("x-amz-content-sha256", hash)
    }
    .sign();
    wire.check(SECRET, t0(), None).expect("accepted");
    let mut other = wire.clone();
    other.body = b"[]".to_vec();
    // The signed hash, not the body, is what the signature covers.
    other.check(SECRET, t0(), None).expect("hash header wins");
}

#[test]
fn anonymous_request_parses_to_none() {
    let wire = Wire {
        method: Method::POST,
        path: "/".into(),
        query: None,
        headers: HeaderMap::new(),
        body: Vec::new(),
    };
    assert_eq!(parse(&wire.parts()), Ok(None));
    let err = AuthError::MissingAuthenticationToken;
    assert_eq!(err.code(Protocol::AwsQuery), "MissingAuthenticationToken");
    assert_eq!(err.message(), "Request is missing Authentication Token");
}

// ---- botocore fixtures ----

fn load_fixture(name: &str) -> (Wire, String, serde_json::Value) {
    let path = format!(
        "{}/tests/fixtures/sigv4/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let mut headers = HeaderMap::new();
    for pair in v["headers"].as_array().expect("headers") {
        let name =
            HeaderName::from_bytes(pair[0].as_str().expect("name").as_bytes()).expect("name");
        let value = HeaderValue::from_str(pair[1].as_str().expect("value")).expect("value");
        headers.append(name, value);
    }
    let wire = Wire {
        method: Method::from_bytes(v["method"].as_str().expect("method").as_bytes())
            .expect("method"),
        path: v["path"].as_str().expect("path").to_owned(),
        query: v["query"].as_str().map(str::to_owned),
        headers,
        body: v["body"].as_str().expect("body").as_bytes().to_vec(),
    };
    let secret = v["secret_access_key"].as_str().expect("secret").to_owned();
    (wire, secret, v)
}

const FIXTURES: [&str; 5] = [
    "kms_list_keys",
    "backup_describe_recovery_point",
    "sts_get_caller_identity_session",
    "organizations_describe_organization_session",
    "sts_presigned_get_caller_identity",
];

#[test]
fn botocore_signed_requests_are_accepted() {
    for name in FIXTURES {
        let (wire, secret, v) = load_fixture(name);
        let info = wire
            .check(&secret, t0(), None)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            info.service,
            v["service"].as_str().expect("service"),
            "{name}"
        );
        assert_eq!(info.region, v["region"].as_str().expect("region"), "{name}");
        assert_eq!(
            info.access_key_id,
            v["access_key_id"].as_str().expect("akid"),
            "{name}"
        );
        assert_eq!(
            info.security_token.as_deref(),
            v["session_token"].as_str(),
            "{name}"
        );
        assert_eq!(
            format_amz_date(info.request_time),
            "20240101T123456Z",
            "{name}"
        );
    }
}

#[test]
fn botocore_signed_requests_reject_a_wrong_secret_or_a_changed_body() {
    for name in FIXTURES {
        let (wire, secret, _) = load_fixture(name);
        let now = t0();
        assert_eq!(
            wire.check("wrong", now, None).map(|_| ()),
            Err(AuthError::SignatureDoesNotMatch),
            "{name}"
        );
        let mut body = wire.clone();
        body.body.push(b' ');
        if !body.headers.contains_key("x-amz-content-sha256") {
            assert_eq!(
                body.check(&secret, now, None).map(|_| ()),
                Err(AuthError::SignatureDoesNotMatch),
                "{name}"
            );
        }
    }
}

// ---- properties ----

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::PATCH),
    ]
}

fn encoded(s: &str) -> String {
    utf8_percent_encode(s, ENCODE).to_string()
}

#[derive(Debug, Clone)]
struct Case {
    method: Method,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    token: Option<String>,
    presign: bool,
    service: String,
    region: String,
}

fn case() -> impl Strategy<Value = Case> {
    (
        method(),
        prop::collection::vec("[a-zA-Z0-9:@!$'()*+,;=~ -]{1,10}", 0..4),
        prop::collection::vec(("[a-zA-Z0-9_.~ -]{1,8}", "[ -~]{0,10}"), 0..4),
        prop::collection::vec(("[a-z]{1,6}", "[!-~]([ -~]{0,12}[!-~])?"), 0..4),
        prop::collection::vec(any::<u8>(), 0..64),
        prop::option::of("[A-Za-z0-9+/=]{1,24}"),
        any::<bool>(),
        prop_oneof![
            Just("kms"),
            Just("backup"),
            Just("sts"),
            Just("iam"),
            Just("organizations")
        ],
        prop_oneof![Just("us-east-1"), Just("eu-west-1"), Just("ap-southeast-2")],
    )
        .prop_map(
            |(method, segments, query, headers, body, token, presign, service, region)| {
                let path = format!(
                    "/{}",
                    segments
                        .iter()
                        .map(|s| encoded(s))
                        .collect::<Vec<_>>()
                        .join("/")
                );
                let query = (!query.is_empty()).then(|| {
                    query
                        .iter()
                        .map(|(k, v)| format!("{}={}", encoded(k), encoded(v)))
                        .collect::<Vec<_>>()
                        .join("&")
                });
                let headers = headers
                    .into_iter()
                    .map(|(n, v)| (format!("x-test-{n}"), v))
                    .collect();
                Case {
                    method,
                    path,
                    query,
                    headers,
                    body,
                    token,
                    presign,
                    service: service.to_owned(),
                    region: region.to_owned(),
                }
            },
        )
}

fn sign_case(c: &Case) -> Wire {
    let mut s = Sign {
        query: c.query.as_deref(),
        body: &c.body,
        token: c.token.as_deref(),
        region: &c.region,
        presign: c.presign.then_some(Duration::from_secs(3600)),
        ..Sign::new(c.method.clone(), &c.path, &c.service)
    };
    for (k, v) in &c.headers {
        s = s.header(k, v);
    }
    s.sign()
}

#[derive(Debug, Clone, Copy)]
enum Mutation {
    Secret,
    Method,
    Path,
    Query,
    Body,
    Header(usize),
    Date,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Secret),
        Just(Mutation::Method),
        Just(Mutation::Path),
        Just(Mutation::Query),
        Just(Mutation::Body),
        any::<usize>().prop_map(Mutation::Header),
        Just(Mutation::Date),
    ]
}

fn mutate(wire: &Wire, m: Mutation) -> (Wire, &'static str) {
    let mut w = wire.clone();
    let mut secret = SECRET;
    match m {
        Mutation::Secret => secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ",
        Mutation::Method => {
            w.method = if w.method == Method::GET {
                Method::POST
            } else {
                Method::GET
            }
        }
        Mutation::Path => w.path.push('x'),
        Mutation::Query => {
            w.query = Some(match w.query.take() {
                Some(q) => format!("{q}&zz=1"),
                None => "zz=1".to_owned(),
            })
        }
        Mutation::Body => w.body.push(b'x'),
        Mutation::Header(i) => {
            let names: Vec<HeaderName> = w
                .headers
                .keys()
                .filter(|n| n.as_str().starts_with("x-test-") || *n == "host")
                .cloned()
                .collect();
            let name = names[i % names.len()].clone();
            let value = format!("{}x", w.headers[&name].to_str().expect("ascii"));
            w.headers
                .insert(name, HeaderValue::from_str(&value).expect("value"));
        }
        Mutation::Date => {
            let next = format_amz_date(t0() + Duration::from_secs(1));
            if let Some(q) = w.query.as_mut().filter(|q| q.contains("X-Amz-Date=")) {
                *q = q.replace("X-Amz-Date=20240101T123456Z", &format!("X-Amz-Date={next}"));
            } else {
                w.headers
                    .insert("x-amz-date", HeaderValue::from_str(&next).expect("date"));
            }
        }
    }
    (w, secret)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn signed_requests_are_accepted(c in case()) {
        let wire = sign_case(&c);
        let info = wire.check(SECRET, t0(), Some(DEFAULT_MAX_SKEW));
        prop_assert!(info.is_ok(), "{:?} {:?}", info, wire);
        let info = info.expect("checked");
        prop_assert_eq!(info.presigned, c.presign);
        prop_assert_eq!(&info.service, &c.service);
        prop_assert_eq!(&info.region, &c.region);
    }

    #[test]
    fn any_single_mutation_is_rejected(c in case(), m in mutation()) {
        let wire = sign_case(&c);
        let (mutated, secret) = mutate(&wire, m);
        let result = mutated.check(secret, t0(), None);
        prop_assert!(result.is_err(), "{:?} accepted after {:?}", mutated, m);
    }

    #[test]
    fn arbitrary_authorization_never_panics(
        auth in prop_oneof![
            any::<Vec<u8>>(),
            "AWS4-HMAC-SHA256[ ,]{0,3}(Credential|SignedHeaders|Signature|[A-Za-z]{0,3})?=?[ -~]{0,40}".prop_map(String::into_bytes),
            "AWS4-HMAC-SHA256 Credential=[ -~]{0,30}, SignedHeaders=[ -~]{0,20}, Signature=[0-9a-f]{0,64}".prop_map(String::into_bytes),
        ],
        date in prop_oneof![any::<Vec<u8>>(), "[0-9]{8}T[0-9]{6}Z".prop_map(String::into_bytes)],
        path in "[ -~]{0,20}",
        query in prop::option::of("[ -~]{0,60}"),
        secret in "[ -~]{0,10}",
    ) {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_bytes(&auth) {
            headers.insert("authorization", v);
        }
        if let Ok(v) = HeaderValue::from_bytes(&date) {
            headers.insert("x-amz-date", v);
        }
        headers.insert("host", HeaderValue::from_static(HOST));
        let wire = Wire { method: Method::GET, path, query, headers, body: Vec::new() };
        if let Ok(Some(info)) = parse(&wire.parts()) {
            let _ = verify(&wire.parts(), &info, &secret, t0(), Some(DEFAULT_MAX_SKEW));
            let _ = verify(&wire.parts(), &info, &secret, t0(), None);
        }
    }

    #[test]
    fn arbitrary_presigned_query_never_panics(
        query in "(X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token)=[ -~]{0,24}&?){0,8}",
        path in "/[ -~]{0,20}",
    ) {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static(HOST));
        let wire = Wire { method: Method::GET, path, query: Some(query), headers, body: Vec::new() };
        if let Ok(Some(info)) = parse(&wire.parts()) {
            let _ = verify(&wire.parts(), &info, SECRET, t0(), Some(DEFAULT_MAX_SKEW));
        }
    }
}
