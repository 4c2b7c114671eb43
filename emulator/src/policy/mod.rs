//! IAM policy documents: parse, validate, evaluate.
//!
//! Parse once ([`parse`] or [`validate()`]), evaluate many times
//! ([`evaluate()`] over an [`Authorization`]), explain with [`Decision`].
//!
//! A user whose own policy allows `kms:Decrypt`, in an account whose service control policy
//! denies it: AWS's evaluation order puts the explicit deny first, and the decision says
//! which layer decided, in AWS's own words.
//!
//! ```
//! use keyhole::policy::{
//!     evaluate, validate, Authorization, IdentityLayers, NamedPolicy, PolicySource, PolicyType,
//!     Principal, Request, ResourceLayers,
//! };
//!
//! let allow = r#"{"Version": "2012-10-17",
//!     "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}"#;
//! let deny = r#"{"Version": "2012-10-17",
//!     "Statement": [{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}]}"#;
//! let principal_side = IdentityLayers {
//!     identity: vec![NamedPolicy::new(
//!         "decrypt",
//!         PolicySource::User,
//!         validate(allow, PolicyType::Identity)?,
//!     )],
//!     scp_levels: Some(vec![vec![NamedPolicy::new(
//!         "no-kms",
//!         PolicySource::ServiceControl,
//!         validate(deny, PolicyType::Scp)?,
//!     )]]),
//!     ..IdentityLayers::default()
//! };
//! let key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
//! let request = Request::builder(Principal::user("111111111111", "alice"), "kms:Decrypt", key)
//!     .resource_account("111111111111")
//!     .build();
//! let decision = evaluate(&Authorization {
//!     request: &request,
//!     principal_side: &principal_side,
//!     resource_side: &ResourceLayers::default(),
//!     grants: &[],
//! });
//! assert!(!decision.is_allowed());
//! assert_eq!(
//!     decision.access_denied_message().as_deref(),
//!     Some("User: arn:aws:iam::111111111111:user/alice is not authorized to perform: \
//!           kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/\
//!           1234abcd-12ab-34cd-56ef-1234567890ab with an explicit deny in a service \
//!           control policy")
//! );
//! # Ok::<(), keyhole::policy::ValidationError>(())
//! ```
//!
//! `strategies` (feature `strategies`) generates principals, actions and whole policy
//! documents for property tests of your own rules against this engine.

pub mod action_index;
pub mod analysis;
pub mod cli;
pub mod condition;
pub mod context;
pub mod corpus;
pub mod dates;
pub mod decision;
pub mod evaluate;
pub mod findings;
pub mod glob;
pub mod json;
pub mod matcher;
pub mod model;
pub mod operators;
pub mod parser;
pub mod principal;
pub mod request;
pub mod simulate;
pub mod statement;
#[cfg(any(test, feature = "strategies"))]
pub mod strategies;
pub mod validate;
pub mod variables;

pub use context::{Context, ContextValue};
pub use decision::{
    Decision, EvalDecision, Layer, MatchedStatement, PolicySource, Subject, Wording,
};
pub use evaluate::{
    evaluate, Authorization, Grant, IdentityLayers, NamedPolicy, ResourceLayers, ResourcePolicyKind,
};
pub use model::{Effect, Policy, Position, Span, Statement, Version};
pub use parser::{parse, ParseError};
pub use principal::{Principal, PrincipalType};
pub use request::{Request, RequestBuilder};
pub use simulate::{simulate, SimulationRequest, SimulationResponse};
pub use validate::{validate, PolicyType, ValidationError};
