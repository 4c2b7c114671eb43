//! IAM's checks on policy documents before they are stored: JSON grammar, IAM's basic
//! MalformedPolicyDocument rules, and the size quotas. One function decides
//! ([`validate_policy_document`]); the policy engine's validator replaces its body when it
//! lands, and every caller stays as it is.
//!
//! Messages: "Syntax errors in policy.", "Policy document must be version 2012-10-17 or
//! greater." (missing Version: verified in public reports), "Statement IDs (SID) in a single
//! policy must be unique.", "Policy statement must contain actions.", "Policy statement must
//! contain resources.", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb,
//! ec2, etc.", "Vendor {v} is not valid", "Has prohibited field Resource." follow moto
//! (inferred: moto mirrors AWS). "Policy document should not specify a principal." and
//! "Missing required field Principal" are inferred from AWS's console wording.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

use crate::protocol::ApiError;

/// Which rules apply to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyDocumentKind {
    /// Managed policies, inline policies of users, groups and roles, boundaries.
    Identity,
    /// A role's trust policy (AssumeRolePolicyDocument).
    Trust,
    /// An STS session policy (the `Policy` parameter).
    Session,
}

pub fn malformed(message: impl Into<String>) -> ApiError {
    super::modeled_error("MalformedPolicyDocumentException", message)
}

/// Managed policies: 6,144 characters, whitespace not counted.
pub const MANAGED_POLICY_MAX: usize = 6_144;
/// Aggregate inline policy size per entity, whitespace not counted.
pub const INLINE_USER_MAX: usize = 2_048;
pub const INLINE_GROUP_MAX: usize = 5_120;
pub const INLINE_ROLE_MAX: usize = 10_240;
/// Role trust policies (the default quota).
pub const TRUST_POLICY_MAX: usize = 2_048;

pub fn size_without_whitespace(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// LimitExceeded for a managed policy (CreatePolicy, CreatePolicyVersion) over 6,144.
pub fn check_managed_size(text: &str) -> Result<(), ApiError> {
    if size_without_whitespace(text) > MANAGED_POLICY_MAX {
        return Err(super::modeled_error(
            "LimitExceededException",
            format!("Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX}"),
        ));
    }
    Ok(())
}

/// LimitExceeded for a trust policy over 2,048 (verified text).
pub fn check_trust_size(text: &str) -> Result<(), ApiError> {
    if size_without_whitespace(text) > TRUST_POLICY_MAX {
        return Err(super::modeled_error(
            "LimitExceededException",
            format!("Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX}"),
        ));
    }
    Ok(())
}

/// LimitExceeded when an entity's inline policies together exceed its quota:
/// "Maximum policy size of 10240 bytes exceeded for role NAME" (verified for roles and
/// groups; the user form follows the same pattern).
pub fn check_inline_aggregate(entity: &str, name: &str, total: usize) -> Result<(), ApiError> {
    let max = match entity {
        "user" => INLINE_USER_MAX,
        "group" => INLINE_GROUP_MAX,
        _ => INLINE_ROLE_MAX,
    };
    if total > max {
        return Err(super::modeled_error(
            "LimitExceededException",
            format!("Maximum policy size of {max} bytes exceeded for {entity} {name}"),
        ));
    }
    Ok(())
}

/// IAM returns stored documents URL-encoded (RFC 3986: everything but unreserved
/// characters); botocore and the AWS CLI decode them, the other SDKs hand them over as is.
pub fn url_encode(document: &str) -> String {
    const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(document, ENCODE).to_string()
}

const TOP_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

/// Checks a policy document the way IAM does before storing it.
pub fn validate_policy_document(kind: PolicyDocumentKind, text: &str) -> Result<(), ApiError> {
    let syntax = || malformed("Syntax errors in policy.");
    let document: Value = serde_json::from_str(text).map_err(|_| syntax())?;
    let top = document.as_object().ok_or_else(syntax)?;
    if top.keys().any(|k| !TOP_ELEMENTS.contains(&k.as_str())) {
        return Err(syntax());
    }
    let version = top.get("Version");
    match version {
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
        None => {}
        Some(_) => return Err(syntax()),
    }
    if let Some(id) = top.get("Id") {
        if !id.is_string() {
            return Err(syntax());
        }
    }
    let statements: Vec<&Map<String, Value>> = match top.get("Statement") {
        Some(Value::Object(one)) => vec![one],
        Some(Value::Array(many)) if !many.is_empty() => many
            .iter()
            .map(Value::as_object)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(syntax)?,
        _ => return Err(syntax()),
    };
    for statement in &statements {
        check_statement_syntax(statement)?;
    }
    // Trust policies keep working under the 2008 grammar; others need 2012.
    let version_ok = match version.and_then(Value::as_str) {
        Some("2012-10-17") => true,
        Some("2008-10-17") => kind == PolicyDocumentKind::Trust,
        _ => false,
    };
    if !version_ok {
        return Err(malformed(
            "Policy document must be version 2012-10-17 or greater.",
        ));
    }
    let mut sids = Vec::new();
    for statement in &statements {
        if let Some(Value::String(sid)) = statement.get("Sid") {
            if !sid.is_empty() {
                if sids.contains(&sid) {
                    return Err(malformed(
                        "Statement IDs (SID) in a single policy must be unique.",
                    ));
                }
                sids.push(sid);
            }
        }
    }
    for statement in &statements {
        if !has_non_empty(statement, "Action") && !has_non_empty(statement, "NotAction") {
            return Err(malformed("Policy statement must contain actions."));
        }
    }
    for statement in &statements {
        let has_principal =
            statement.contains_key("Principal") || statement.contains_key("NotPrincipal");
        let has_resource =
            statement.contains_key("Resource") || statement.contains_key("NotResource");
        match kind {
            PolicyDocumentKind::Identity | PolicyDocumentKind::Session => {
                if has_principal {
                    return Err(malformed("Policy document should not specify a principal."));
                }
                if kind == PolicyDocumentKind::Identity
                    && !has_non_empty(statement, "Resource")
                    && !has_non_empty(statement, "NotResource")
                {
                    return Err(malformed("Policy statement must contain resources."));
                }
            }
            PolicyDocumentKind::Trust => {
                if has_resource {
                    return Err(malformed("Has prohibited field Resource."));
                }
                if !has_principal {
                    return Err(malformed("Missing required field Principal"));
                }
            }
        }
    }
    for statement in &statements {
        for key in ["Action", "NotAction"] {
            for action in strings(statement.get(key)) {
                check_action_prefix(action)?;
            }
        }
    }
    Ok(())
}

fn check_statement_syntax(statement: &Map<String, Value>) -> Result<(), ApiError> {
    let syntax = || malformed("Syntax errors in policy.");
    if statement
        .keys()
        .any(|k| !STATEMENT_ELEMENTS.contains(&k.as_str()))
    {
        return Err(syntax());
    }
    let both = |a: &str, b: &str| statement.contains_key(a) && statement.contains_key(b);
    if both("Action", "NotAction")
        || both("Resource", "NotResource")
        || both("Principal", "NotPrincipal")
    {
        return Err(syntax());
    }
    match statement.get("Effect") {
        Some(Value::String(e)) if e == "Allow" || e == "Deny" => {}
        _ => return Err(syntax()),
    }
    for key in ["Action", "NotAction", "Resource", "NotResource"] {
        match statement.get(key) {
            None | Some(Value::String(_)) => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
            Some(_) => return Err(syntax()),
        }
    }
    if let Some(sid) = statement.get("Sid") {
        if !sid.is_string() {
            return Err(syntax());
        }
    }
    if let Some(principal) = statement
        .get("Principal")
        .or_else(|| statement.get("NotPrincipal"))
    {
        let ok = match principal {
            Value::String(s) => s == "*",
            Value::Object(map) => map.values().all(|v| match v {
                Value::String(_) => true,
                Value::Array(items) => items.iter().all(Value::is_string),
                _ => false,
            }),
            _ => false,
        };
        if !ok {
            return Err(syntax());
        }
    }
    if let Some(condition) = statement.get("Condition") {
        let ok = condition.as_object().is_some_and(|ops| {
            ops.values().all(|keys| {
                keys.as_object().is_some_and(|keys| {
                    keys.values().all(|v| match v {
                        Value::String(_) | Value::Bool(_) | Value::Number(_) => true,
                        Value::Array(items) => items
                            .iter()
                            .all(|i| i.is_string() || i.is_boolean() || i.is_number()),
                        _ => false,
                    })
                })
            })
        });
        if !ok {
            return Err(syntax());
        }
    }
    Ok(())
}

fn has_non_empty(statement: &Map<String, Value>, key: &str) -> bool {
    match statement.get(key) {
        Some(Value::String(_)) => true,
        Some(Value::Array(items)) => !items.is_empty(),
        _ => false,
    }
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn check_action_prefix(action: &str) -> Result<(), ApiError> {
    if action == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = action.split(':').collect();
    if parts.len() == 1 {
        return Err(malformed(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ));
    }
    if parts.len() > 2 {
        return Err(malformed("Actions/Condition can contain only one colon."));
    }
    let vendor = parts[0];
    if vendor != "*"
        && !vendor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(malformed(format!("Vendor {vendor} is not valid")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: PolicyDocumentKind, text: &str) -> String {
        validate_policy_document(kind, text)
            .err()
            .and_then(|e| e.message.clone())
            .unwrap_or_default()
    }

    const ID: PolicyDocumentKind = PolicyDocumentKind::Identity;
    const TRUST: PolicyDocumentKind = PolicyDocumentKind::Trust;

    #[test]
    fn valid_documents_pass() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
        assert!(validate_policy_document(ID, ok).is_ok());
        let trust = r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}}"#;
        assert!(validate_policy_document(TRUST, trust).is_ok());
    }

    #[test]
    fn iam_messages_to_the_letter() {
        assert_eq!(message(ID, "{not json"), "Syntax errors in policy.");
        assert_eq!(
            message(
                ID,
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
            ),
            "Policy document must be version 2012-10-17 or greater."
        );
        assert_eq!(
            message(
                ID,
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"a","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#
            ),
            "Statement IDs (SID) in a single policy must be unique."
        );
        assert_eq!(
            message(
                ID,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}"#
            ),
            "Policy statement must contain actions."
        );
        assert_eq!(
            message(
                ID,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get"}}"#
            ),
            "Policy statement must contain resources."
        );
        assert_eq!(
            message(
                ID,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}"#
            ),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        );
        assert_eq!(
            message(
                TRUST,
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}}"#
            ),
            "Has prohibited field Resource."
        );
        let e = validate_policy_document(ID, "[]")
            .err()
            .map(|e| (e.code.clone(), e.status));
        assert_eq!(e, Some(("MalformedPolicyDocument".to_owned(), 400)));
    }

    #[test]
    fn sizes_ignore_whitespace() {
        let big = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"{}"}}}}"#,
            "a".repeat(6_100)
        );
        let e = check_managed_size(&big).unwrap_err();
        assert_eq!(e.code, "LimitExceeded");
        assert_eq!(e.status, 409);
        assert_eq!(
            e.message.as_deref(),
            Some("Cannot exceed quota for PolicySize: 6144")
        );
        let padded = format!("{}{}", " ".repeat(10_000), "{}");
        assert!(check_managed_size(&padded).is_ok());
    }

    #[test]
    fn url_encoding_is_rfc3986() {
        assert_eq!(
            url_encode(r#"{"a": "b-c_d.e~f/g"}"#),
            "%7B%22a%22%3A%20%22b-c_d.e~f%2Fg%22%7D"
        );
    }
}
