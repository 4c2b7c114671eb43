//! Validation of an Organizations policy's content, per policy type, with AWS's errors:
//! too large → ConstraintViolationException `POLICY_CONTENT_LIMIT_EXCEEDED`; anything
//! else wrong → MalformedPolicyDocumentException.
//!
//! SCP/RCP grammar here is deliberately basic (Version, Statement, Effect, Action/NotAction,
//! Principal rules for RCPs); the policy engine's validator is meant to take it over, so
//! this function is the one place to delegate from.

use serde_json::Value;

use super::effective::is_operator;
use super::errors::{malformed_policy, policy_too_large};
use crate::policy::{self, PolicyType};
use crate::protocol::ApiError;

/// Maximum characters of a policy document, by type (AWS Organizations quotas).
pub fn max_size(policy_type: &str) -> usize {
    match policy_type {
        "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY" => 5_120,
        "AISERVICES_OPT_OUT_POLICY" => 2_500,
        _ => 10_000,
    }
}

/// The one top-level key a management policy of this type has, where keyhole knows it.
fn root_key(policy_type: &str) -> Option<&'static str> {
    match policy_type {
        "TAG_POLICY" => Some("tags"),
        "BACKUP_POLICY" => Some("plans"),
        "AISERVICES_OPT_OUT_POLICY" => Some("services"),
        "CHATBOT_POLICY" => Some("chatbot"),
        "DECLARATIVE_POLICY_EC2" => Some("ec2_attributes"),
        _ => None,
    }
}

pub fn validate_policy_content(policy_type: &str, content: &str) -> Result<(), ApiError> {
    if content.chars().count() > max_size(policy_type) {
        return Err(policy_too_large());
    }
    let document: Value = serde_json::from_str(content).map_err(|_| malformed_policy())?;
    let valid = match policy_type {
        // SCPs and RCPs are IAM documents: the policy engine holds their grammar.
        "SERVICE_CONTROL_POLICY" => policy::validate(content, PolicyType::Scp).is_ok(),
        // Only the AWS-managed RCPFullAWSAccess allows; customer RCPs can only deny.
        "RESOURCE_CONTROL_POLICY" => policy::validate(content, PolicyType::Rcp).is_ok_and(|p| {
            p.statements
                .iter()
                .all(|s| s.effect == policy::Effect::Deny)
        }),
        other => management_policy(other, &document),
    };
    if valid {
        Ok(())
    } else {
        Err(malformed_policy())
    }
}

fn management_policy(policy_type: &str, document: &Value) -> bool {
    let Value::Object(top) = document else {
        return false;
    };
    if let Some(root) = root_key(policy_type) {
        if top.is_empty() || top.keys().any(|k| k != root) {
            return false;
        }
    }
    operators_well_formed(document)
}

fn operators_well_formed(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().all(|(key, child)| {
            if key.starts_with("@@") {
                if !is_operator(key) {
                    return false;
                }
                if key == "@@operators_allowed_for_child_policies" {
                    return match child {
                        Value::Array(items) => items.iter().all(|i| {
                            matches!(
                                i.as_str(),
                                Some("@@all" | "@@none" | "@@assign" | "@@append" | "@@remove")
                            )
                        }),
                        _ => false,
                    };
                }
            }
            operators_well_formed(child)
        }),
        Value::Array(items) => items.iter().all(operators_well_formed),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MALFORMED: &str =
        "The provided policy document does not meet the requirements of the specified policy type.";

    fn message(result: Result<(), ApiError>) -> (String, Option<String>) {
        match result {
            Ok(()) => ("ok".into(), None),
            Err(e) => (
                format!("{}: {}", e.code, e.message.clone().unwrap_or_default()),
                e.fields
                    .get("Reason")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            ),
        }
    }

    #[test]
    fn scp_grammar() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}"#;
        assert!(validate_policy_content("SERVICE_CONTROL_POLICY", ok).is_ok());
        let single = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":["iam:*"],"Resource":"*"}}"#;
        assert!(validate_policy_content("SERVICE_CONTROL_POLICY", single).is_ok());
        for bad in [
            "not json",
            "[]",
            r#"{"Version":"2012-10-17"}"#,
            r#"{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"Decrypt","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Bogus":1}]}"#,
        ] {
            assert_eq!(
                message(validate_policy_content("SERVICE_CONTROL_POLICY", bad)).0,
                format!("MalformedPolicyDocumentException: {MALFORMED}"),
                "{bad}"
            );
        }
    }

    #[test]
    fn rcp_is_deny_only_with_principal_star() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;
        assert!(validate_policy_content("RESOURCE_CONTROL_POLICY", ok).is_ok());
        let allow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        let no_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        let named = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"111111111111"},"Action":"*","Resource":"*"}]}"#;
        for bad in [allow, no_principal, named] {
            assert!(
                validate_policy_content("RESOURCE_CONTROL_POLICY", bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn size_limit_is_5120_characters_for_scps() {
        let base = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Sid":""}]}"#;
        let pad = 5_120 - base.chars().count();
        let at_limit = base.replace("\"Sid\":\"\"", &format!("\"Sid\":\"{}\"", "a".repeat(pad)));
        assert_eq!(at_limit.chars().count(), 5_120);
        assert!(validate_policy_content("SERVICE_CONTROL_POLICY", &at_limit).is_ok());
        let over = at_limit.replace("\"Sid\":\"", "\"Sid\":\"a");
        assert_eq!(
            message(validate_policy_content("SERVICE_CONTROL_POLICY", &over)),
            (
                "ConstraintViolationException: You have exceeded the maximum policy size.".into(),
                Some("POLICY_CONTENT_LIMIT_EXCEEDED".into())
            )
        );
    }

    #[test]
    fn management_policies_need_their_root_key_and_known_operators() {
        let tag = r#"{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}"#;
        assert!(validate_policy_content("TAG_POLICY", tag).is_ok());
        for bad in [
            r#"{"plans":{}}"#,
            r#"{"tags":{"x":{"tag_key":{"@@set":"X"}}}}"#,
            r#"{"tags":{"@@operators_allowed_for_child_policies":["@@some"]}}"#,
            "{",
        ] {
            assert!(validate_policy_content("TAG_POLICY", bad).is_err(), "{bad}");
        }
        let backup = r#"{"plans":{"p":{"regions":{"@@append":["us-east-1"]}}}}"#;
        assert!(validate_policy_content("BACKUP_POLICY", backup).is_ok());
        assert!(validate_policy_content("BACKUP_POLICY", tag).is_err());
        // Types whose schema keyhole doesn't know: any JSON object with valid operators.
        assert!(validate_policy_content("S3_POLICY", r#"{"s3_attributes":{}}"#).is_ok());
    }
}
