//! The bad-input suite's wire layer: a case (a request and the answer AWS gives it), the
//! requests each protocol sends, and the checks of an answer's shape for that protocol.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use keyhole::instance::Instance;
use keyhole::pipeline::ConnectionInfo;
use keyhole::protocol::{HttpRequest, HttpResponse, Protocol, ServiceId};
use serde_json::Value;

use crate::support::root_authorization;

/// The account every case is signed by (its root, scope only).
pub const ACCOUNT: &str = "111111111111";

/// What AWS answers: the status, the error code, and (when known to the letter) the message
/// and extra members of the error body.
#[derive(Debug, Clone)]
pub struct Expect {
    pub status: u16,
    pub code: String,
    pub message: Option<String>,
    /// Extra members of a JSON error body (`Reason`), compared to the letter.
    pub fields: Vec<(&'static str, String)>,
}

impl Expect {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Expect {
        Expect {
            status,
            code: code.to_owned(),
            message: Some(message.into()),
            fields: Vec::new(),
        }
    }

    /// A code and status whose message AWS does not publish: only the shape is checked.
    pub fn code(status: u16, code: &str) -> Expect {
        Expect {
            status,
            code: code.to_owned(),
            message: None,
            fields: Vec::new(),
        }
    }

    pub fn field(mut self, name: &'static str, value: &str) -> Expect {
        self.fields.push((name, value.to_owned()));
        self
    }
}

/// Where a case's answer comes from, which decides the shape it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Api(Protocol),
    /// `/_keyhole/`: `{"error": message}`.
    Admin,
}

pub struct Case {
    pub name: String,
    pub service: Option<ServiceId>,
    pub shape: Shape,
    pub request: HttpRequest,
    pub expect: Expect,
}

/// A request signed by [`ACCOUNT`]'s root for `service` (scope only: keyhole does not check
/// the signature of a 12-digit key id).
pub fn signed(
    service: ServiceId,
    method: Method,
    path: &str,
    query: Option<String>,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> HttpRequest {
    let mut map = HeaderMap::new();
    let auth = root_authorization(ACCOUNT, "us-east-1", service.signing_name());
    map.insert(
        "authorization",
        HeaderValue::from_str(&auth).expect("ascii"),
    );
    map.insert("x-amz-date", HeaderValue::from_static("20240101T000000Z"));
    for (name, value) in headers {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_bytes(value.as_bytes()).expect("header value"),
        );
    }
    HttpRequest {
        method,
        raw_path: path.to_owned(),
        raw_query: query,
        headers: map,
        body: body.into(),
    }
}

/// An awsJson 1.1 call of `operation` with a raw body.
pub fn aws_json(service: ServiceId, operation: &str, body: impl Into<Bytes>) -> HttpRequest {
    let prefix = service.model().target_prefix.clone().unwrap_or_default();
    let target = format!("{prefix}.{operation}");
    signed(
        service,
        Method::POST,
        "/",
        None,
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", &target),
        ],
        body,
    )
}

/// An awsQuery call: `Action`, `Version` and `params`, form-encoded in the body.
pub fn query_form(service: ServiceId, operation: &str, params: &[(String, String)]) -> HttpRequest {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", operation);
    form.append_pair("Version", &service.model().api_version);
    for (k, v) in params {
        form.append_pair(k, v);
    }
    query_body(service, form.finish())
}

/// An awsQuery call with a raw form body.
pub fn query_body(service: ServiceId, body: impl Into<Bytes>) -> HttpRequest {
    signed(
        service,
        Method::POST,
        "/",
        None,
        &[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )],
        body,
    )
}

/// An unsigned admin call.
pub fn admin(method: Method, path: &str, body: impl Into<Bytes>) -> HttpRequest {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    HttpRequest {
        method,
        raw_path: path.to_owned(),
        raw_query: None,
        headers,
        body: body.into(),
    }
}

fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, v)| v.as_str())
}

/// The text of the first `<tag>` element, XML entities decoded.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// Checks `response` against the case: never a 5xx, the status and code expected, the
/// protocol's error shape, and the message to the letter where AWS's text is known. Returns
/// what is wrong, for a report of every failing case at once.
pub fn check(case: &Case, response: &HttpResponse) -> Result<(), String> {
    let expect = &case.expect;
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let fail = |what: String| {
        let shown: String = body.chars().take(300).collect();
        let what: String = what.chars().take(600).collect();
        Err(format!(
            "{}: {what}; answer {} {shown}",
            case.name, response.status
        ))
    };
    if response.status >= 500 {
        return fail("a 5xx".into());
    }
    if response.status != expect.status {
        return fail(format!("status, expected {}", expect.status));
    }
    let Some(request_id) = header(response, "x-amzn-requestid") else {
        return fail("no x-amzn-requestid".into());
    };
    let (code, message, json) = match case.shape {
        Shape::Admin => {
            let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let Some(message) = json["error"].as_str().map(str::to_owned) else {
                return fail("not an admin error {\"error\": ...}".into());
            };
            (expect.code.clone(), Some(message), json)
        }
        Shape::Api(Protocol::AwsQuery) => {
            if !body.starts_with("<ErrorResponse xmlns=") {
                return fail("not an awsQuery ErrorResponse".into());
            }
            if xml_text(&body, "Type").as_deref() != Some("Sender") {
                return fail("Type is not Sender".into());
            }
            if xml_text(&body, "RequestId").as_deref() != Some(request_id) {
                return fail("RequestId differs from x-amzn-requestid".into());
            }
            let code = xml_text(&body, "Code").unwrap_or_default();
            (code, xml_text(&body, "Message"), Value::Null)
        }
        Shape::Api(protocol) => {
            let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            if !json.is_object() {
                return fail("the body is not a JSON object".into());
            }
            let code = header(response, "x-amzn-errortype")
                .unwrap_or_default()
                .to_owned();
            if protocol == Protocol::AwsJson && json["__type"].as_str() != Some(code.as_str()) {
                return fail("__type differs from x-amzn-ErrorType".into());
            }
            let message = json
                .get("message")
                .or_else(|| json.get("Message"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            (code, message, json)
        }
    };
    if code != expect.code {
        return fail(format!("code {code:?}, expected {:?}", expect.code));
    }
    if let Some(want) = &expect.message {
        if message.as_deref() != Some(want.as_str()) {
            return fail(format!("message {message:?}, expected {want:?}"));
        }
    }
    for (name, want) in &expect.fields {
        if json[name].as_str() != Some(want.as_str()) {
            return fail(format!("{name} {:?}, expected {want:?}", json[name]));
        }
    }
    Ok(())
}

/// Longest a case may take in process: a hang fails the case rather than the whole run.
const PER_CASE: Duration = Duration::from_secs(10);

/// Runs every case through `keyhole::server::handle` on one instance, each within
/// [`PER_CASE`] (a worker thread answers; a case it does not answer in time fails the run),
/// and panics listing every failing case.
pub fn run_in_process(cases: Vec<Case>) {
    let instance = Arc::new(Instance::new(keyhole::Settings::default()));
    let count = cases.len();
    let (send, answers) = mpsc::channel();
    let worker_instance = instance.clone();
    std::thread::spawn(move || {
        for case in cases {
            let response =
                keyhole::server::handle(&worker_instance, &case.request, ConnectionInfo::default());
            if send.send((case, response)).is_err() {
                return;
            }
        }
    });
    let mut failures = Vec::new();
    for i in 0..count {
        let (case, response) = answers
            .recv_timeout(PER_CASE)
            .unwrap_or_else(|_| panic!("case {i} got no answer within {PER_CASE:?} (or panicked)"));
        if let Err(e) = check(&case, &response) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
