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
mod elements;
mod semantics;
mod values;
mod vocab;

use serde::Serialize;

use super::json::JsonNode;

/// `ValidatePolicyFindingType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingType {
    Error,
    SecurityWarning,
    Suggestion,
    Warning,
}

impl FindingType {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingType::Error => "ERROR",
            FindingType::SecurityWarning => "SECURITY_WARNING",
            FindingType::Suggestion => "SUGGESTION",
            FindingType::Warning => "WARNING",
        }
    }

    /// ERROR and SECURITY_WARNING: the finding types that fail `keyhole policy validate`
    /// (and that policy-validator CI actions block on by default).
    pub fn is_blocking(self) -> bool {
        matches!(self, FindingType::Error | FindingType::SecurityWarning)
    }
}

/// `PolicyType` of `ValidatePolicyRequest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidatePolicyType {
    IdentityPolicy,
    ResourcePolicy,
    ServiceControlPolicy,
    ResourceControlPolicy,
}

impl ValidatePolicyType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidatePolicyType::IdentityPolicy => "IDENTITY_POLICY",
            ValidatePolicyType::ResourcePolicy => "RESOURCE_POLICY",
            ValidatePolicyType::ServiceControlPolicy => "SERVICE_CONTROL_POLICY",
            ValidatePolicyType::ResourceControlPolicy => "RESOURCE_CONTROL_POLICY",
        }
    }

    pub fn from_name(name: &str) -> Option<ValidatePolicyType> {
        [
            ValidatePolicyType::IdentityPolicy,
            ValidatePolicyType::ResourcePolicy,
            ValidatePolicyType::ServiceControlPolicy,
            ValidatePolicyType::ResourceControlPolicy,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }
}

/// `ValidatePolicyResourceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidatePolicyResourceType {
    S3Bucket,
    S3AccessPoint,
    S3MultiRegionAccessPoint,
    S3ObjectLambdaAccessPoint,
    AssumeRolePolicyDocument,
    DynamoDbTable,
}

impl ValidatePolicyResourceType {
    const ALL: [ValidatePolicyResourceType; 6] = [
        ValidatePolicyResourceType::S3Bucket,
        ValidatePolicyResourceType::S3AccessPoint,
        ValidatePolicyResourceType::S3MultiRegionAccessPoint,
        ValidatePolicyResourceType::S3ObjectLambdaAccessPoint,
        ValidatePolicyResourceType::AssumeRolePolicyDocument,
        ValidatePolicyResourceType::DynamoDbTable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ValidatePolicyResourceType::S3Bucket => "AWS::S3::Bucket",
            ValidatePolicyResourceType::S3AccessPoint => "AWS::S3::AccessPoint",
            ValidatePolicyResourceType::S3MultiRegionAccessPoint => {
                "AWS::S3::MultiRegionAccessPoint"
            }
            ValidatePolicyResourceType::S3ObjectLambdaAccessPoint => {
                "AWS::S3ObjectLambda::AccessPoint"
            }
            ValidatePolicyResourceType::AssumeRolePolicyDocument => {
                "AWS::IAM::AssumeRolePolicyDocument"
            }
            ValidatePolicyResourceType::DynamoDbTable => "AWS::DynamoDB::Table",
        }
    }

    pub fn from_name(name: &str) -> Option<ValidatePolicyResourceType> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// `Position`: line from 1, column and offset from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
}

/// `Span`: start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

/// `Substring` of a `PathElement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Substring {
    pub start: u32,
    pub length: u32,
}

/// `PathElement`, a union: exactly one member is set on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PathElement {
    /// An index in a JSON array.
    Index(usize),
    /// A key of a JSON object (the finding is about the key itself).
    Key(String),
    /// The value at a key of a JSON object.
    Value(String),
    Substring(Substring),
}

/// `Location`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: Vec<PathElement>,
    pub span: Span,
}

/// `ValidatePolicyFinding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub finding_details: String,
    pub finding_type: FindingType,
    pub issue_code: String,
    pub learn_more_link: String,
    pub locations: Vec<Location>,
}

/// `ValidatePolicyResponse` (one page: keyhole returns every finding at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidatePolicyResponse {
    pub findings: Vec<Finding>,
}

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

/// The walk's state: the document, what it is validated as, the findings so far.
pub(crate) struct Cx<'a> {
    pub text: &'a str,
    pub ty: ValidatePolicyType,
    pub resource_type: Option<ValidatePolicyResourceType>,
    pub findings: Vec<Finding>,
    /// Byte offset of each line's start, for byte → (line, column) lookups.
    line_starts: Vec<usize>,
}

impl<'a> Cx<'a> {
    fn new(
        text: &'a str,
        ty: ValidatePolicyType,
        resource_type: Option<ValidatePolicyResourceType>,
    ) -> Cx<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Cx {
            text,
            ty,
            resource_type,
            findings: Vec::new(),
            line_starts,
        }
    }

    pub fn is_trust_policy(&self) -> bool {
        self.resource_type == Some(ValidatePolicyResourceType::AssumeRolePolicyDocument)
    }

    /// The model's position of byte offset `byte`.
    pub fn position(&self, byte: usize) -> Position {
        let byte = self.boundary(byte);
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let start = self.line_starts[line];
        let column = self.text.get(start..byte).map_or(0, |s| s.chars().count());
        let offset = self.text.get(..byte).map_or(0, |s| s.chars().count());
        Position {
            line: line as u32 + 1,
            column: column as u32,
            offset: offset as u32,
        }
    }

    /// `byte`, moved back onto the start of the character it falls in (the JSON reader can
    /// stop inside one).
    pub fn boundary(&self, byte: usize) -> usize {
        let mut b = byte.min(self.text.len());
        while !self.text.is_char_boundary(b) {
            b -= 1;
        }
        b
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        Span {
            start: self.position(start),
            end: self.position(end),
        }
    }

    pub fn node_span(&self, node: &JsonNode) -> Span {
        self.span(node.start, node.end)
    }

    /// The span of the key whose value is `value` (its quoted text): the reader keeps value
    /// offsets only, so this walks back over `:` and the key's quotes.
    pub fn key_span(&self, value: &JsonNode) -> Span {
        let b = self.text.as_bytes();
        let mut i = value.start;
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        if i > 0 && b[i - 1] == b':' {
            i -= 1;
        }
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        let end = i;
        // The key's closing quote is at end - 1; its opening quote is the previous quote
        // that no backslash escapes.
        let mut j = end.saturating_sub(1);
        while j > 0 {
            j -= 1;
            if b[j] == b'"' {
                let slashes = b[..j].iter().rev().take_while(|&&c| c == b'\\').count();
                if slashes % 2 == 0 {
                    break;
                }
            }
        }
        self.span(j, end)
    }

    /// Records a finding of check `code` with `details` at `locations`.
    pub fn report(&mut self, code: &str, details: String, locations: Vec<Location>) {
        let check = codes::check(code);
        self.findings.push(Finding {
            finding_details: details,
            finding_type: check.finding_type,
            issue_code: check.code.to_string(),
            learn_more_link: check.learn_more_link(),
            locations,
        });
    }

    /// Records check `code`, its template filled with `values`, at one location.
    pub fn add(&mut self, code: &str, values: &[(&str, &str)], path: Vec<PathElement>, span: Span) {
        let details = codes::fill(codes::check(code).details, values);
        self.report(code, details, vec![Location { path, span }]);
    }
}

/// `path` followed by `more`.
pub(crate) fn join(path: &[PathElement], more: PathElement) -> Vec<PathElement> {
    let mut p = path.to_vec();
    p.push(more);
    p
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
