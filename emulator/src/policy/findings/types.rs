//! The findings' shapes, as botocore's `accessanalyzer` model names them. Their own file so
//! every check imports them without importing the module that declares the checks.

use serde::Serialize;

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
