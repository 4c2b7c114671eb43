//! IAM Access Analyzer's policy validation (`ValidatePolicy`), offline: the findings AWS
//! documents in its "IAM policy validation check reference", in the shape of botocore's
//! `accessanalyzer` model (`ValidatePolicyFinding`, `Location`, `PathElement`, `Span`,
//! `Position`), so the wire service can serialize them as they are.
//!
//! Positions follow the model: lines from 1, columns and offsets from 0, spans end-exclusive.
//! Columns and offsets count characters (Unicode scalar values), as a reader of the document
//! counts them; for ASCII documents that is also the byte offset.
//!
//! Where AWS's reference shows no location for a check, a finding points at what it is about:
//! the value (or, when the name itself is wrong or not allowed, the key) of the element, the
//! statement when one of its elements is missing, the document when Version or Statement is.
//!
//! ```
//! use keyhole::policy::findings::{validate_findings, FindingType, ValidatePolicyType};
//!
//! let doc = r#"{"Version": "2012-10-17",
//!   "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#;
//! let findings = validate_findings(doc, ValidatePolicyType::IdentityPolicy, None);
//! assert_eq!(findings[0].issue_code, "PASS_ROLE_WITH_STAR_IN_RESOURCE");
//! assert_eq!(findings[0].finding_type, FindingType::SecurityWarning);
//! assert_eq!(findings[0].locations[0].span.start.line, 2);
//! ```

pub mod codes;
mod conditions;
mod cx;
mod elements;
mod items;
mod semantics;
mod types;
mod values;
mod vocab;

pub use types::*;

use cx::Cx;

/// Access Analyzer's findings for `doc` as a policy of `policy_type` (and, for resource
/// policies, `resource_type`). Pure: no account, no world, the same answer every time.
/// Findings come in document order of their first location.
pub fn validate_findings(
    doc: &str,
    policy_type: ValidatePolicyType,
    resource_type: Option<ValidatePolicyResourceType>,
) -> Vec<Finding> {
    let mut cx = Cx::new(doc, policy_type, resource_type);
    elements::check_document(&mut cx);
    let mut findings = cx.findings;
    findings.sort_by_key(|f| f.locations.first().map_or(0, |l| l.span.start.offset));
    findings
}

/// The findings for a person: one block per finding, its line and column first (the column
/// counted from 1, as editors count it; the JSON's columns count from 0, as AWS's do).
pub fn render_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let at = f.locations.first().map_or_else(String::new, |l| {
            format!(
                "line {}, column {}: ",
                l.span.start.line,
                l.span.start.column + 1
            )
        });
        out.push_str(&format!(
            "{at}{} {}: {}\n  see {}\n",
            f.finding_type.as_str(),
            f.issue_code,
            f.finding_details,
            f.learn_more_link
        ));
    }
    out
}

#[cfg(test)]
mod tests;
