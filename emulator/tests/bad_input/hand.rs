//! Hand-written malformed requests: bytes no model describes (invalid UTF-8, 10,000 levels of
//! nesting, NaN, 1e400, huge integers, duplicate members, arrays for objects), wrong content
//! types, broken percent-encoding, unknown targets and paths, bodies on GET, empty bodies, and
//! bad admin calls. Where AWS's message is not published only the code, status and shape are
//! compared (`Expect::code`).

use http::Method;
use keyhole::protocol::{Protocol, ServiceId};

use crate::wire::{self, Case, Expect, Shape};

fn case(
    name: &str,
    service: ServiceId,
    request: keyhole::protocol::HttpRequest,
    expect: Expect,
) -> Case {
    Case {
        name: name.to_owned(),
        service: Some(service),
        shape: Shape::Api(service.protocol()),
        request,
        expect,
    }
}

fn serialization() -> Expect {
    Expect::code(400, "SerializationException")
}

/// `depth` nested arrays around `inner`.
fn nested(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_objects(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

/// Bodies no JSON deserializer accepts as an input structure, each a SerializationException.
pub fn unreadable_json() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("invalid UTF-8", b"{\"KeyId\": \"\xff\xfe\"}".to_vec()),
        ("invalid UTF-8 in a name", b"{\"\xc3\x28\": 1}".to_vec()),
        ("a lone surrogate", br#"{"KeyId": "\ud800"}"#.to_vec()),
        (
            "10,000 nested arrays",
            format!("{{\"KeyId\": {}}}", nested(10_000, "1")).into_bytes(),
        ),
        ("10,000 nested objects", nested_objects(10_000).into_bytes()),
        ("a top-level array", b"[{\"KeyId\": \"k\"}]".to_vec()),
        ("a top-level string", b"\"KeyId\"".to_vec()),
        ("a top-level number", b"5".to_vec()),
        ("a top-level null", b"null".to_vec()),
        ("NaN", b"{\"Limit\": NaN}".to_vec()),
        ("Infinity", b"{\"Limit\": Infinity}".to_vec()),
        ("1e400", b"{\"Limit\": 1e400}".to_vec()),
        ("-1e400", b"{\"Limit\": -1e400}".to_vec()),
        ("a truncated document", b"{\"KeyId\": ".to_vec()),
        ("trailing garbage", b"{\"KeyId\": \"k\"} xyz".to_vec()),
        (
            "a byte-order mark",
            b"\xef\xbb\xbf{\"KeyId\": \"k\"}".to_vec(),
        ),
        ("single quotes", b"{'KeyId': 'k'}".to_vec()),
        ("a trailing comma", b"{\"KeyId\": \"k\",}".to_vec()),
        (
            "a control character in a string",
            b"{\"KeyId\": \"a\x01b\"}".to_vec(),
        ),
        ("a NUL byte", b"{\"KeyId\": \"k\"}\x00".to_vec()),
    ]
}

/// Numbers that do not fit the member's type: AWS's deserializer refuses them before any
/// constraint is checked.
fn numbers_out_of_type(member: &str) -> Vec<(String, String)> {
    [
        "123456789012345678901234567890",
        "2147483648",
        "-2147483649",
        "18446744073709551616",
        "1.5",
        "1e3000",
        "\"10\"",
        "true",
        "[1]",
        "{}",
    ]
    .iter()
    .map(|n| (format!("{member} {n}"), format!("{{\"{member}\": {n}}}")))
    .collect()
}

fn aws_json_cases(out: &mut Vec<Case>) {
    // (service, an operation with one required member, its missing-member answer)
    let kms_missing = Expect::new(
        400,
        "ValidationException",
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
    let orgs_missing = Expect::new(
        400,
        "InvalidInputException",
        "You must include a value for all required parameters.",
    )
    .field("Reason", "INPUT_REQUIRED");
    for (service, op, missing, list_op, number) in [
        (
            ServiceId::Kms,
            "DescribeKey",
            kms_missing,
            "ListKeys",
            "Limit",
        ),
        (
            ServiceId::Organizations,
            "DescribePolicy",
            orgs_missing,
            "ListRoots",
            "MaxResults",
        ),
    ] {
        let s = format!("{service:?}");
        let long_name = format!("{{\"{}\": 1}}", "N".repeat(100_000));
        for (what, body) in unreadable_json() {
            out.push(case(
                &format!("{s} {what}"),
                service,
                wire::aws_json(service, op, body),
                serialization(),
            ));
        }
        for (what, body) in numbers_out_of_type(number) {
            out.push(case(
                &format!("{s} {list_op} {what}"),
                service,
                wire::aws_json(service, list_op, body),
                serialization(),
            ));
        }
        for (what, body) in [
            ("an empty body", ""),
            ("a whitespace body", " \r\n\t "),
            ("an empty object", "{}"),
            ("null members", "{\"KeyId\": null, \"PolicyId\": null}"),
            ("an unknown member", "{\"NoSuchMember\": {\"a\": [1, {}]}}"),
            (
                "a 100,000-character unknown member name",
                long_name.as_str(),
            ),
        ] {
            out.push(case(
                &format!("{s} {what}"),
                service,
                wire::aws_json(service, op, body.to_owned()),
                missing.clone(),
            ));
        }
        let prefix = service.model().target_prefix.clone().unwrap_or_default();
        for (what, target) in [
            ("an unknown operation", format!("{prefix}.NoSuchOperation")),
            (
                "an operation of another service",
                format!("{prefix}.AssumeRole"),
            ),
            ("a target without an operation", prefix.clone()),
            ("a target with an empty operation", format!("{prefix}.")),
            (
                "a lower-case operation",
                format!("{prefix}.{}", op.to_lowercase()),
            ),
            ("an extra dot", format!("{prefix}.{op}.Extra")),
        ] {
            let request = wire::signed(
                service,
                Method::POST,
                "/",
                None,
                &[
                    ("content-type", "application/x-amz-json-1.1"),
                    ("x-amz-target", &target),
                ],
                "{}",
            );
            out.push(case(
                &format!("{s} {what}"),
                service,
                request,
                Expect::code(400, "UnknownOperationException"),
            ));
        }
        let target = format!("{prefix}.{op}");
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let request = wire::signed(
                service,
                method.clone(),
                "/",
                None,
                &[
                    ("content-type", "application/x-amz-json-1.1"),
                    ("x-amz-target", &target),
                ],
                "{}",
            );
            out.push(case(
                &format!("{s} {method} with a body"),
                service,
                request,
                Expect::code(400, "UnknownOperationException"),
            ));
        }
        // The content type is not what decides the protocol of a targeted request.
        for content_type in [
            "text/plain",
            "application/json",
            "application/xml",
            "",
            "application/x-amz-json-1.0",
        ] {
            let request = wire::signed(
                service,
                Method::POST,
                "/",
                None,
                &[("content-type", content_type), ("x-amz-target", &target)],
                "{}",
            );
            out.push(case(
                &format!("{s} content type {content_type:?}"),
                service,
                request,
                missing.clone(),
            ));
        }
    }
    // A duplicate member: the last one counts, as Jackson reads it.
    out.push(case(
        "Kms a duplicate member",
        ServiceId::Kms,
        wire::aws_json(ServiceId::Kms, "DescribeKey", r#"{"KeyId": "k", "KeyId": ""}"#),
        Expect::new(400, "ValidationException", "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"),
    ));
    out.push(case(
        "Kms GenerateRandom 1025 bytes",
        ServiceId::Kms,
        wire::aws_json(ServiceId::Kms, "GenerateRandom", r#"{"NumberOfBytes": 1025}"#),
        Expect::new(400, "ValidationException", "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"),
    ));
}

fn backup(
    method: Method,
    path: &str,
    query: Option<&str>,
    content_type: &str,
    body: impl Into<bytes::Bytes>,
) -> keyhole::protocol::HttpRequest {
    wire::signed(
        ServiceId::Backup,
        method,
        path,
        query.map(str::to_owned),
        &[("content-type", content_type)],
        body,
    )
}

fn rest_json_cases(out: &mut Vec<Case>) {
    let b = ServiceId::Backup;
    let json = "application/json";
    for (what, body) in unreadable_json() {
        out.push(case(
            &format!("Backup {what}"),
            b,
            backup(Method::PUT, "/backup/plans/", None, json, body),
            serialization(),
        ));
    }
    let plan_missing = Expect::new(400, "ValidationException",
        "1 validation error detected: Value null at 'backupPlan' failed to satisfy constraint: Member must not be null");
    for (what, body) in [
        ("an empty body", ""),
        ("an empty object", "{}"),
        ("an unknown member", "{\"Plan\": {}}"),
    ] {
        out.push(case(
            &format!("Backup CreateBackupPlan {what}"),
            b,
            backup(Method::PUT, "/backup/plans/", None, json, body),
            plan_missing.clone(),
        ));
    }
    for content_type in [
        "text/plain",
        "application/x-amz-json-1.1",
        "application/x-www-form-urlencoded",
        "",
    ] {
        out.push(case(
            &format!("Backup content type {content_type:?}"),
            b,
            backup(Method::PUT, "/backup/plans/", None, content_type, "{}"),
            plan_missing.clone(),
        ));
    }
    // DescribeBackupVault's name has no pattern in the model: a name no vault has is
    // AccessDenied, Backup's answer for a vault that does not exist (errors.md B5).
    let no_vault = Expect::new(
        403,
        "AccessDeniedException",
        "Insufficient privileges to perform this action.",
    );
    for raw in [
        "%ZZ",
        "%",
        "%4",
        "a%2",
        "%C3%28",
        "%FF%FE",
        "v%00",
        "%2F%2E%2E",
    ] {
        out.push(case(
            &format!("Backup path {raw}"),
            b,
            backup(
                Method::GET,
                &format!("/backup-vaults/{raw}"),
                None,
                json,
                "",
            ),
            no_vault.clone(),
        ));
    }
    for query in [
        "maxResults=%ZZ",
        "maxResults=abc",
        "maxResults=99999999999999999999",
        "maxResults=1.5",
        "maxResults=",
        "maxResults=%31%",
    ] {
        out.push(case(
            &format!("Backup query {query}"),
            b,
            backup(Method::GET, "/backup-vaults/", Some(query), json, ""),
            serialization(),
        ));
    }
    let max_results_zero = Expect::new(400, "ValidationException",
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1");
    out.push(case(
        "Backup query maxResults=0",
        b,
        backup(
            Method::GET,
            "/backup-vaults/",
            Some("maxResults=0"),
            json,
            "",
        ),
        max_results_zero.clone(),
    ));
    // A GET's body is not read: its members come from the path and the query.
    for body in ["{\"MaxResults\": \"x\"}", "not json", "\u{0}\u{1}", "[]"] {
        out.push(case(
            &format!("Backup GET with the body {body:?}"),
            b,
            backup(
                Method::GET,
                "/backup-vaults/",
                Some("maxResults=0"),
                json,
                body,
            ),
            max_results_zero.clone(),
        ));
    }
    for (what, method, path) in [
        ("an unknown path", Method::GET, "/no-such-resource"),
        (
            "an unknown nested path",
            Method::GET,
            "/backup-vaults/v1/no/such/thing",
        ),
        ("the root", Method::GET, "/"),
    ] {
        out.push(case(
            &format!("Backup {what}"),
            b,
            backup(method, path, None, json, ""),
            Expect::code(404, "UnknownOperationException"),
        ));
    }
    for (what, method, path) in [
        ("PATCH on a vault", Method::PATCH, "/backup-vaults/v1"),
        ("POST on the vault list", Method::POST, "/backup-vaults/"),
    ] {
        out.push(case(
            &format!("Backup {what}"),
            b,
            backup(method, path, None, json, "{}"),
            Expect::code(405, "UnknownOperationException"),
        ));
    }
}

fn query_case(
    name: &str,
    service: ServiceId,
    request: keyhole::protocol::HttpRequest,
    expect: Expect,
) -> Case {
    case(name, service, request, expect)
}

fn query_cases(out: &mut Vec<Case>) {
    let iam = ServiceId::Iam;
    let user_pattern = |v: &str| {
        Expect::new(400, "ValidationError", format!(
        "1 validation error detected: Value '{v}' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"))
    };
    for (raw, decoded) in [
        ("%ZZ", "%ZZ"),
        ("%", "%"),
        ("a%2", "a%2"),
        ("%C3%28", "\u{fffd}("),
        ("%FF", "\u{fffd}"),
        ("a%20b", "a b"),
        ("a+b", "a b"),
    ] {
        let body = format!("Action=GetUser&Version=2010-05-08&UserName={raw}");
        out.push(query_case(
            &format!("Iam form {raw}"),
            iam,
            wire::query_body(iam, body),
            user_pattern(decoded),
        ));
    }
    let mut raw = b"Action=GetUser&Version=2010-05-08&UserName=a".to_vec();
    raw.extend_from_slice(b"\xff\xfe");
    out.push(query_case(
        "Iam invalid UTF-8 in the form",
        iam,
        wire::query_body(iam, raw),
        user_pattern("a\u{fffd}\u{fffd}"),
    ));
    // The query string of a POST carries parameters too.
    let request = wire::signed(
        iam,
        Method::POST,
        "/",
        Some("Action=GetUser&Version=2010-05-08&UserName=%ZZ".into()),
        &[],
        "",
    );
    out.push(query_case(
        "Iam query %ZZ",
        iam,
        request,
        user_pattern("%ZZ"),
    ));
    let request = wire::signed(
        iam,
        Method::GET,
        "/",
        Some("Action=GetUser&Version=2010-05-08&UserName=%ZZ".into()),
        &[],
        "{\"a\": 1}",
    );
    out.push(query_case(
        "Iam GET with a body",
        iam,
        request,
        user_pattern("%ZZ"),
    ));
    out.push(query_case(
        "Iam duplicate parameters: the last counts",
        iam,
        wire::query_body(
            iam,
            "Action=GetUser&Version=2010-05-08&UserName=ok&UserName=%ZZ",
        ),
        user_pattern("%ZZ"),
    ));
    let create_user_missing = Expect::new(400, "ValidationError",
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null");
    for (what, body) in [
        ("no parameters", "Action=CreateUser&Version=2010-05-08"),
        (
            "an unknown parameter",
            "Action=CreateUser&Version=2010-05-08&NoSuch=1",
        ),
        ("empty pairs", "&&Action=CreateUser&&Version=2010-05-08&&"),
    ] {
        out.push(query_case(
            &format!("Iam CreateUser {what}"),
            iam,
            wire::query_body(iam, body),
            create_user_missing.clone(),
        ));
    }
    // An empty value is present: it breaks both the length and the pattern, and AWS lists
    // every constraint a value breaks.
    let empty_user = Expect::new(400, "ValidationError",
        "2 validation errors detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    for (what, body) in [
        (
            "an empty value",
            "Action=CreateUser&Version=2010-05-08&UserName=",
        ),
        (
            "a parameter without a value",
            "Action=CreateUser&Version=2010-05-08&UserName",
        ),
    ] {
        out.push(query_case(
            &format!("Iam CreateUser {what}"),
            iam,
            wire::query_body(iam, body),
            empty_user.clone(),
        ));
    }
    for (service, version) in [(iam, "2010-05-08"), (ServiceId::Sts, "2011-06-15")] {
        let s = format!("{service:?}");
        for (what, action) in [
            ("an unknown action", "NoSuchAction"),
            ("a lower-case action", "getuser"),
            ("an action of another service", "DescribeKey"),
        ] {
            let body = format!("Action={action}&Version={version}");
            out.push(query_case(
                &format!("{s} {what}"),
                service,
                wire::query_body(service, body),
                Expect::new(
                    400,
                    "InvalidAction",
                    format!("Could not find operation {action} for version {version}"),
                ),
            ));
        }
        for value in ["abc", "99999999999999999999", "1.5", "%ZZ", "0x10"] {
            let (op, param) = if service == iam {
                ("ListUsers", "MaxItems")
            } else {
                ("GetSessionToken", "DurationSeconds")
            };
            let body = format!("Action={op}&Version={version}&{param}={value}");
            out.push(query_case(
                &format!("{s} {op} {param}={value}"),
                service,
                wire::query_body(service, body),
                Expect::code(400, "MalformedInput"),
            ));
        }
    }
    let sts = ServiceId::Sts;
    out.push(query_case("Sts AssumeRole a 2,049-character policy", sts, wire::query_body(sts, format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::111111111111:role/r&RoleSessionName=s&Policy={}", "a".repeat(2049))),
        Expect::code(400, "ValidationError")));
}

/// Every hand-written case.
pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    aws_json_cases(&mut out);
    rest_json_cases(&mut out);
    query_cases(&mut out);
    crate::admin::admin_cases(&mut out);
    debug_assert!(out
        .iter()
        .all(|c| c.shape != Shape::Api(Protocol::AwsJson) || c.service.is_some()));
    out
}
