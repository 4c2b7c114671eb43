//! The admin endpoints the web console is built on, as usable with `curl`:
//! `POST /_keyhole/policy/validate` (keyhole's validator, with where it stopped),
//! `POST /_keyhole/call` (one API call as an account's root, through the same pipeline as an
//! SDK's) and `GET /_keyhole/denials` (the recent denied requests and why).

use serde_json::{json, Value};

use crate::denials::Denial;
use crate::instance::Instance;
use crate::pipeline::{self, Credentials};
use crate::policy::json::{self as policy_json, line_column};
use crate::policy::parser::{parse_full, ParseError};
use crate::policy::{validate, PolicyType};
use crate::protocol::admin::{error, refuse_unknown_fields};
use crate::protocol::{Call, HttpRequest, HttpResponse, ServiceId};
use crate::world::is_account_id;

/// The policy types `POST /_keyhole/policy/validate` takes, as `keyhole policy validate`
/// names them.
const POLICY_TYPES: &[&str] = &[
    "kms-key",
    "backup-vault",
    "identity",
    "scp",
    "rcp",
    "trust",
    "resource",
];

/// The answer to `req` when it is one of these endpoints.
pub fn handle(instance: &Instance, req: &HttpRequest) -> Option<HttpResponse> {
    let path = req.raw_path.trim_end_matches('/');
    Some(match (req.method.as_str(), path) {
        ("POST", "/_keyhole/policy/validate") => body(req, &["type", "document"], validate_policy),
        ("POST", "/_keyhole/call") => body(
            req,
            &["account", "region", "service", "operation", "input"],
            |b| call(instance, b),
        ),
        ("GET", "/_keyhole/denials") => {
            let denials: Vec<Value> = instance
                .denials
                .newest_first()
                .iter()
                .map(denial_json)
                .collect();
            HttpResponse::json(200, &json!({"denials": denials}))
        }
        _ => return None,
    })
}

/// A JSON object body with only `accepted` fields, handed to `answer`.
fn body(
    req: &HttpRequest,
    accepted: &[&str],
    answer: impl FnOnce(&Value) -> Result<Value, String>,
) -> HttpResponse {
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return error(400, "expected a JSON object"),
    };
    if let Err(e) = refuse_unknown_fields(&body, accepted) {
        return error(400, &e);
    }
    match answer(&body) {
        Ok(v) => HttpResponse::json(200, &v),
        Err(e) => error(400, &e),
    }
}

fn validate_policy(body: &Value) -> Result<Value, String> {
    let ty = body["type"].as_str().unwrap_or_default();
    let policy_type = POLICY_TYPES
        .contains(&ty)
        .then(|| PolicyType::from_cli(ty))
        .flatten()
        .ok_or_else(|| format!("`type` must be one of {}", POLICY_TYPES.join(", ")))?;
    let document = body["document"]
        .as_str()
        .ok_or("`document` must be the policy document as a string")?;
    let Err(refusal) = validate(document, policy_type) else {
        return Ok(json!({"valid": true, "findings": []}));
    };
    let (detail, at) = where_parsing_stopped(document);
    let finding = |code: &str, message: &str| {
        json!({
            "code": code,
            "message": message,
            "line": at.map(|(line, _)| line),
            "column": at.map(|(_, column)| column),
        })
    };
    // The service's own words first (KMS says nothing at all for unreadable JSON), then
    // keyhole's reading of what is wrong, when the grammar is what failed.
    let mut findings = vec![finding(
        refusal.code,
        if refusal.message.is_empty() {
            refusal.code
        } else {
            &refusal.message
        },
    )];
    if let Some(detail) = detail {
        findings.push(finding("keyhole", &detail));
    }
    Ok(json!({"valid": false, "findings": findings}))
}

/// Why `text` is not an IAM-grammar policy, and the line and column it points at; `(None,
/// None)` when the grammar reads it (the service's own rules refused it).
fn where_parsing_stopped(text: &str) -> (Option<String>, Option<(u32, u32)>) {
    if let Err(e) = policy_json::parse(text) {
        return (
            Some(format!("not valid JSON: {}", e.reason)),
            Some(line_column(text, e.offset)),
        );
    }
    let Err(e) = parse_full(text) else {
        return (None, None);
    };
    let key = match &e {
        ParseError::UnknownElement(k)
        | ParseError::UnknownStatementElement(k)
        | ParseError::UnknownOperator(k) => k.clone(),
        ParseError::Conflict(what) => format!("Not{what}"),
        ParseError::BadVersion => "Version".into(),
        ParseError::BadId => "Id".into(),
        ParseError::BadStatement | ParseError::MissingStatement => "Statement".into(),
        ParseError::BadEffect => "Effect".into(),
        ParseError::BadElementType(what) => (*what).into(),
        ParseError::BadSid => "Sid".into(),
        ParseError::BadPrincipal => "Principal".into(),
        ParseError::BadCondition => "Condition".into(),
        ParseError::Json(_) | ParseError::NotAnObject => String::new(),
    };
    let at = key_offset(text, &key).unwrap_or(0);
    (Some(e.to_string()), Some(line_column(text, at)))
}

/// Where `"key"` first appears as an object member's name (followed by `:`).
fn key_offset(text: &str, key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted)
        .map(|(i, _)| i)
        .find(|&i| text[i + quoted.len()..].trim_start().starts_with(':'))
}

fn call(instance: &Instance, body: &Value) -> Result<Value, String> {
    let account = body["account"]
        .as_str()
        .filter(|a| is_account_id(a))
        .ok_or("`account` must be a 12-digit account id")?;
    let service = body["service"]
        .as_str()
        .and_then(ServiceId::from_signing_name)
        .ok_or("`service` must be one of kms, backup, organizations, iam, sts")?;
    let operation = body["operation"]
        .as_str()
        .filter(|o| service.model().operations.contains_key(*o))
        .ok_or_else(|| {
            format!(
                "`operation` must be an operation of {} (PutKeyPolicy, ...)",
                service.signing_name()
            )
        })?;
    let region = match &body["region"] {
        Value::Null => instance.world().settings.default_region.clone(),
        Value::String(r) => r.clone(),
        _ => return Err("`region` must be a string".into()),
    };
    let input = match &body["input"] {
        Value::Null => json!({}),
        v @ Value::Object(_) => v.clone(),
        _ => return Err("`input` must be an object".into()),
    };
    let call = Call {
        service,
        operation: operation.to_owned(),
        input,
    };
    // An account's root, as keyhole's convention has it: the 12-digit access key id.
    let root = Credentials {
        access_key_id: account.to_owned(),
        session_token: None,
    };
    Ok(
        match pipeline::call_in_process(instance, &root, &region, &call) {
            Ok(output) => json!({"output": output}),
            Err(e) => json!({"error": {
                "code": e.code,
                "status": e.status,
                "message": e.message.clone().unwrap_or_default(),
            }}),
        },
    )
}

fn denial_json(denial: &Denial) -> Value {
    let explanation = denial.decision.as_deref().map(|d| {
        // The first Deny statement that matched, if one did (an implicit deny has none).
        let statement = d.matched.first();
        json!({
            "decision": d.decision.as_str(),
            "layer": d.layer.map(|l| l.phrase()),
            "policy": statement.map(|m| m.policy_arn.as_deref().unwrap_or(&m.policy_id)),
            "statement": statement.map(|m| m.sid.as_deref().map_or_else(|| format!("#{}", m.index), str::to_owned)),
            "line": statement.and_then(|m| m.span).map(|s| s.start.line),
            "trace": d.explain().lines().collect::<Vec<_>>(),
        })
    });
    json!({
        "time": denial.time,
        "callerArn": denial.caller_arn,
        "action": denial.action,
        "resource": denial.resource,
        "errorCode": denial.code,
        "message": denial.message,
        "explanation": explanation,
    })
}
