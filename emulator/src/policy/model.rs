//! The policy AST, compiled for evaluation: globs, ARN patterns, CIDRs,
//! dates and variable templates are prepared once at parse time.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::action_index::ActionIndex;
use super::glob::{ArnPattern, Glob};
use super::operators::Operator;
pub use super::statement::{Effect, Position, Span};
use super::variables::Template;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2012_10_17,
    V2008_10_17,
    /// No Version element: AWS treats it as 2008-10-17 (no policy variables).
    Absent,
}

impl Version {
    pub fn variables_enabled(self) -> bool {
        self == Version::V2012_10_17
    }
}

/// A parsed, compiled policy document.
#[derive(Debug, Clone)]
pub struct Policy {
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// `statements` by the service their actions name; built by the parser from them.
    pub action_index: ActionIndex,
    /// The source text, kept for the simulator and `explain`.
    pub text: Arc<str>,
}

impl Policy {
    /// The statements that can match the lower-cased action, in document order (see
    /// [`ActionIndex`]); the others cannot match it.
    pub fn candidates<'a>(&'a self, action_lc: &str) -> impl Iterator<Item = &'a Statement> + 'a {
        self.action_index
            .candidates(self.statements.len(), action_lc)
            .map(|at| &self.statements[at])
    }

    /// Indexes `statements` by action; the parser's last step.
    pub fn index_actions(statements: &[Statement]) -> ActionIndex {
        ActionIndex::build(statements.iter().map(|st| {
            st.action
                .as_ref()
                .filter(|_| !st.inert)
                .map(|a| (a.negated, a.patterns.as_slice()))
        }))
    }

    /// Whether evaluating this policy can read the request's condition keys: a Condition, or
    /// a policy variable in Resource/NotResource.
    pub fn reads_context(&self) -> bool {
        self.statements.iter().any(|st| {
            !st.conditions.is_empty()
                || st.resource.as_ref().is_some_and(|r| {
                    r.patterns
                        .iter()
                        .any(|p| matches!(p, ResourcePattern::Template(_)))
                })
        })
    }
}

#[derive(Debug, Clone)]
pub struct Statement {
    pub index: usize,
    pub sid: Option<Arc<str>>,
    pub effect: Effect,
    pub principal: Option<PrincipalBlock>,
    /// `None`: the statement has neither Action nor NotAction (inert in KMS).
    pub action: Option<ActionBlock>,
    /// `None`: neither Resource nor NotResource (SCP/trust/KMS forms).
    pub resource: Option<ResourceBlock>,
    pub conditions: Vec<Condition>,
    pub span: Option<Span>,
    /// KMS keeps statements without Action or Resource but they never match.
    pub inert: bool,
}

#[derive(Debug, Clone)]
pub struct PrincipalBlock {
    /// `NotPrincipal`.
    pub negated: bool,
    pub entries: Vec<PrincipalEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalEntryKind {
    /// `"Principal": "*"`.
    Star,
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

#[derive(Debug, Clone)]
pub struct PrincipalEntry {
    pub kind: PrincipalEntryKind,
    pub value: String,
    pub pattern: PrincipalPattern,
}

/// What an `AWS` principal value denotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalPattern {
    Any,
    /// A 12-digit account ID or `arn:<any partition>:iam::ID:root`.
    Account(String),
    /// Any other ARN: compared exactly (role ARNs also match their sessions).
    Arn(String),
    /// Service, Federated and CanonicalUser values, compared exactly.
    Name(String),
}

#[derive(Debug, Clone)]
pub struct ActionBlock {
    pub negated: bool,
    /// Lower-cased globs: actions compare case-insensitively.
    pub patterns: Vec<Glob>,
}

#[derive(Debug, Clone)]
pub struct ResourceBlock {
    pub negated: bool,
    pub patterns: Vec<ResourcePattern>,
}

#[derive(Debug, Clone)]
pub enum ResourcePattern {
    Any,
    Arn(ArnPattern),
    /// Has policy variables: compiled after substitution at evaluation time.
    Template(Template),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone)]
pub struct Condition {
    /// The operator as written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator_text: String,
    pub operator: Operator,
    pub set: Option<SetOperator>,
    pub if_exists: bool,
    /// Key as written, for messages.
    pub key: String,
    /// Key lower-cased: condition key names are case-insensitive.
    pub key_lc: String,
    pub values: Vec<ConditionValue>,
}

/// One condition value, pre-parsed for its operator.
#[derive(Debug, Clone)]
pub enum ConditionValue {
    /// StringEquals/NotEquals/IgnoreCase (text lower-cased for IgnoreCase), Bool, Null.
    Text(String),
    /// String or ARN values with policy variables, resolved per request.
    Template(Template),
    Glob(Glob),
    Arn(ArnPattern),
    Number(f64),
    /// Unix time in nanoseconds.
    Date(i128),
    Cidr(IpNet),
    Binary(Vec<u8>),
    /// A value that cannot be read for its operator: never matches.
    Invalid,
}

impl ConditionValue {
    pub fn cidr_of(ip: IpAddr) -> ConditionValue {
        ConditionValue::Cidr(IpNet::from(ip))
    }
}
