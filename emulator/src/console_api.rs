//! The admin endpoints the web console is built on, as usable with `curl`:
//! `POST /_keyhole/policy/validate` (keyhole's validator, with where it stopped),
//! `POST /_keyhole/call` (one API call as an account's root, through the same pipeline as an
//! SDK's) and `GET /_keyhole/denials` (the recent denied requests and why).

use serde_json::{json, Value};

use crate::denials::{explanation_json, Denial};
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
    let explanation = denial.decision.as_deref().map(explanation_json);
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

#[cfg(test)]
mod tests {
    use http::Method;
    use serde_json::{json, Value};

    use crate::testing::Harness;

    fn post(h: &Harness, path: &str, body: Value) -> (u16, Value) {
        let r = h.admin_raw(Method::POST, path, None, body);
        (r.status, r.body)
    }

    fn validate(h: &Harness, ty: &str, document: &str) -> Value {
        let (status, body) = post(
            h,
            "/_keyhole/policy/validate",
            json!({"type": ty, "document": document}),
        );
        assert_eq!(status, 200, "{body}");
        body
    }

    #[test]
    fn validate_answers_valid_or_the_findings_with_where_they_are() {
        let h = Harness::new();
        let good = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]}"#;
        assert_eq!(
            validate(&h, "kms-key", good),
            json!({"valid": true, "findings": []})
        );
        let misspelt = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\",\n    \"Principals\": {\"AWS\": \"*\"},\n    \"Action\": \"kms:*\", \"Resource\": \"*\"}]\n}";
        assert_eq!(
            validate(&h, "kms-key", misspelt),
            json!({"valid": false, "findings": [
                {"code": "MalformedPolicyDocumentException", "message": "MalformedPolicyDocumentException", "line": 5, "column": 5},
                {"code": "keyhole", "message": "unknown statement element Principals", "line": 5, "column": 5},
            ]})
        );
        let unclosed = "{\"Version\": \"2012-10-17\",\n \"Statement\": [";
        assert_eq!(
            validate(&h, "identity", unclosed),
            json!({"valid": false, "findings": [
                {"code": "MalformedPolicyDocument", "message": "Syntax errors in policy.", "line": 2, "column": 16},
                {"code": "keyhole", "message": "not valid JSON: expected a value", "line": 2, "column": 16},
            ]})
        );
        // The grammar reads it, the service's own rule refuses it: no place to point at.
        let no_principal = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}"#;
        assert_eq!(
            validate(&h, "kms-key", no_principal),
            json!({"valid": false, "findings": [
                {"code": "MalformedPolicyDocumentException", "message": "Policy contains a statement with no principal", "line": null, "column": null},
            ]})
        );
    }

    #[test]
    fn validate_refuses_unknown_types_and_fields() {
        let h = Harness::new();
        assert_eq!(
            post(
                &h,
                "/_keyhole/policy/validate",
                json!({"type": "tag", "document": "{}"})
            ),
            (
                400,
                json!({"error": "`type` must be one of kms-key, backup-vault, identity, scp, rcp, trust, resource"})
            )
        );
        assert_eq!(
            post(
                &h,
                "/_keyhole/policy/validate",
                json!({"type": "scp", "policy": "{}"})
            ),
            (
                400,
                json!({"error": "unknown field `policy`, expected `type` or `document`"})
            )
        );
        assert_eq!(
            post(
                &h,
                "/_keyhole/policy/validate",
                json!({"type": "scp", "document": {}})
            ),
            (
                400,
                json!({"error": "`document` must be the policy document as a string"})
            )
        );
    }

    /// A key of 111111111111 whose policy lets only its own account in.
    fn owner_only_key(h: &Harness) -> String {
        let (status, body) = post(
            h,
            "/_keyhole/call",
            json!({"account": "111111111111", "service": "kms", "operation": "CreateKey", "input": {}}),
        );
        assert_eq!(status, 200, "{body}");
        body["output"]["KeyMetadata"]["Arn"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn call_runs_the_operation_as_the_account_root_and_answers_aws_error() {
        let h = Harness::new();
        let key = owner_only_key(&h);
        let policy = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]}"#;
        let put = |account: &str| {
            post(
                &h,
                "/_keyhole/call",
                json!({"account": account, "region": "us-east-1", "service": "kms", "operation": "PutKeyPolicy",
                       "input": {"KeyId": key, "PolicyName": "default", "Policy": policy}}),
            )
        };
        assert_eq!(put("111111111111"), (200, json!({"output": {}})));
        let got = h.call(
            "111111111111",
            "us-east-1",
            "kms:GetKeyPolicy",
            &json!({"KeyId": key}),
        );
        assert_eq!(got.body["Policy"], policy);
        assert_eq!(
            put("222222222222"),
            (
                200,
                json!({"error": {"code": "AccessDeniedException", "status": 400,
                "message": "User: arn:aws:iam::222222222222:root is not authorized to perform: kms:PutKeyPolicy on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"}})
            )
        );
        // The model's validation, as for an SDK call.
        assert_eq!(
            post(
                &h,
                "/_keyhole/call",
                json!({"account": "111111111111", "service": "kms", "operation": "PutKeyPolicy", "input": {"KeyId": key}})
            ),
            (
                200,
                json!({"error": {"code": "ValidationException", "status": 400,
                "message": "1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null"}})
            )
        );
    }

    #[test]
    fn call_refuses_bodies_it_cannot_run() {
        let h = Harness::new();
        let cases = [
            (
                json!({"account": "1111", "service": "kms", "operation": "ListKeys"}),
                "`account` must be a 12-digit account id",
            ),
            (
                json!({"account": "111111111111", "service": "s3", "operation": "ListBuckets"}),
                "`service` must be one of kms, backup, organizations, iam, sts",
            ),
            (
                json!({"account": "111111111111", "service": "kms", "operation": "PutBucketPolicy"}),
                "`operation` must be an operation of kms (PutKeyPolicy, ...)",
            ),
            (
                json!({"account": "111111111111", "service": "kms", "operation": "ListKeys", "input": []}),
                "`input` must be an object",
            ),
            (
                json!({"account": "111111111111", "service": "kms", "operation": "ListKeys", "Input": {}}),
                "unknown field `Input`, expected one of `account`, `region`, `service`, `operation`, `input`",
            ),
        ];
        for (body, message) in cases {
            assert_eq!(
                post(&h, "/_keyhole/call", body),
                (400, json!({"error": message}))
            );
        }
    }

    fn denials(h: &Harness) -> Vec<Value> {
        let r = h.admin_raw(Method::GET, "/_keyhole/denials", None, json!(null));
        assert_eq!(r.status, 200);
        r.body["denials"].as_array().unwrap().clone()
    }

    #[test]
    fn denials_are_kept_once_read_newest_first_with_the_deciding_statement() {
        let h = Harness::new();
        let key = owner_only_key(&h);
        let describe = |account: &str| {
            h.call(
                account,
                "us-east-1",
                "kms:DescribeKey",
                &json!({"KeyId": key}),
            )
        };
        assert_eq!(describe("222222222222").status, 400);
        assert_eq!(denials(&h), Vec::<Value>::new(), "nobody was reading");

        assert_eq!(describe("222222222222").status, 400);
        let policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"},
  {"Sid": "NoDeletion", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}]}"#;
        let put = h.call(
            "111111111111",
            "us-east-1",
            "kms:PutKeyPolicy",
            &json!({"KeyId": key, "PolicyName": "default", "Policy": policy}),
        );
        assert_eq!(put.status, 200, "{}", put.text);
        let scheduled = h.call(
            "111111111111",
            "us-east-1",
            "kms:ScheduleKeyDeletion",
            &json!({"KeyId": key}),
        );
        assert_eq!(scheduled.status, 400, "{}", scheduled.text);

        let kept = denials(&h);
        assert_eq!(kept.len(), 2);
        let newest = &kept[0];
        assert_eq!(newest["callerArn"], "arn:aws:iam::111111111111:root");
        assert_eq!(newest["action"], "kms:ScheduleKeyDeletion");
        assert_eq!(newest["resource"], key.as_str());
        assert_eq!(newest["errorCode"], "AccessDeniedException");
        assert_eq!(newest["message"], format!("User: arn:aws:iam::111111111111:root is not authorized to perform: kms:ScheduleKeyDeletion on resource: {key} with an explicit deny in a resource-based policy"));
        let why = &newest["explanation"];
        assert_eq!(why["decision"], "explicitDeny");
        assert_eq!(why["layer"], "resource-based policy");
        assert_eq!(why["statement"], "NoDeletion");
        assert_eq!(why["line"], 3);
        assert_eq!(
            why["trace"][0],
            format!(
                "explicitDeny kms:ScheduleKeyDeletion on {key} by arn:aws:iam::111111111111:root"
            )
        );

        let older = &kept[1];
        assert_eq!(older["callerArn"], "arn:aws:iam::222222222222:root");
        assert_eq!(older["action"], "kms:DescribeKey");
        assert_eq!(older["explanation"]["decision"], "implicitDeny");
        assert_eq!(older["explanation"]["layer"], "resource-based policy");
        assert_eq!(older["explanation"]["statement"], Value::Null);
        assert_eq!(
            older["explanation"]["trace"][0],
            format!("implicitDeny kms:DescribeKey on {key} by arn:aws:iam::222222222222:root (cross-account)")
        );
    }
}
