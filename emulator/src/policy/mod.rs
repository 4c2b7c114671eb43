//! IAM policy documents: parse, validate, evaluate.
//!
//! Parse once ([`parse`] or [`validate()`]), evaluate many times
//! ([`evaluate()`] over an [`Authorization`]), explain with [`Decision`].

pub mod cli;
pub mod condition;
pub mod context;
pub mod decision;
pub mod evaluate;
pub mod json;
pub mod matcher;
pub mod model;
pub mod parser;
pub mod simulate;
#[cfg(any(test, feature = "strategies"))]
pub mod strategies;
pub mod validate;
pub mod variables;

pub use context::{Context, ContextValue, Principal, PrincipalType, Request, RequestBuilder};
pub use decision::{
    Decision, EvalDecision, Layer, MatchedStatement, PolicySource, Subject, Wording,
};
pub use evaluate::{
    evaluate, Authorization, Grant, IdentityLayers, NamedPolicy, ResourceLayers, ResourcePolicyKind,
};
pub use model::{Effect, Policy, Position, Span, Statement, Version};
pub use parser::{parse, ParseError};
pub use simulate::{simulate, SimulationRequest, SimulationResponse};
pub use validate::{validate, PolicyType, ValidationError};
