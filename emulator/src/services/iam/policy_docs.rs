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

use crate::policy::validate::validate_for_simulation;
use crate::policy::PolicyType;
use crate::protocol::ApiError;

pub use crate::world::iam::state::size_without_whitespace;

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
    super::errors::modeled_error("MalformedPolicyDocumentException", message)
}

/// Managed policies: 6,144 characters, whitespace not counted.
pub const MANAGED_POLICY_MAX: usize = 6_144;
/// Aggregate inline policy size per entity, whitespace not counted.
pub const INLINE_USER_MAX: usize = 2_048;
pub const INLINE_GROUP_MAX: usize = 5_120;
pub const INLINE_ROLE_MAX: usize = 10_240;
/// Role trust policies (the default quota).
pub const TRUST_POLICY_MAX: usize = 2_048;

/// LimitExceeded for a managed policy (CreatePolicy, CreatePolicyVersion) over 6,144.
pub fn check_managed_size(text: &str) -> Result<(), ApiError> {
    if size_without_whitespace(text) > MANAGED_POLICY_MAX {
        return Err(super::errors::modeled_error(
            "LimitExceededException",
            format!("Cannot exceed quota for PolicySize: {MANAGED_POLICY_MAX}"),
        ));
    }
    Ok(())
}

/// LimitExceeded for a trust policy over 2,048 (verified text).
pub fn check_trust_size(text: &str) -> Result<(), ApiError> {
    if size_without_whitespace(text) > TRUST_POLICY_MAX {
        return Err(super::errors::modeled_error(
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
        return Err(super::errors::modeled_error(
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

pub fn validate_policy_document(kind: PolicyDocumentKind, text: &str) -> Result<(), ApiError> {
    // The policy engine's validator holds IAM's grammar rules and messages; IAM's size quotas
    // differ per entity and are checked by the callers above.
    let policy_type = match kind {
        PolicyDocumentKind::Identity | PolicyDocumentKind::Session => PolicyType::Identity,
        PolicyDocumentKind::Trust => PolicyType::RoleTrust,
    };
    validate_for_simulation(text, policy_type)
        .map(|_| ())
        .map_err(|e| malformed(e.message))
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
