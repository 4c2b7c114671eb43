//! proptest generators for policies, principals, requests and whole
//! authorization scenarios, for keyhole's property tests and users' own
//! (feature `strategies`). Vocabularies are small on purpose, so generated
//! statements often match generated requests.
//!
//! A property of your own, checked against keyhole's evaluator: whatever the layers say, a
//! service control policy that denies everything leaves nothing allowed, except to the two
//! callers SCPs never restrict: service-linked roles and the management account.
//!
//! ```
//! use keyhole::policy::{evaluate, parse, strategies, Authorization, NamedPolicy, PolicySource};
//! use proptest::prelude::*;
//!
//! let deny_all = parse(r#"{"Version": "2012-10-17",
//!     "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#).unwrap();
//! proptest!(|(scenario in strategies::scenario())| {
//!     prop_assume!(!scenario.principal.service_linked_role);
//!     prop_assume!(!scenario.principal.management_account);
//!     let (mut principal_side, resource_side) = scenario.layers();
//!     principal_side.scp_levels = Some(vec![vec![NamedPolicy::new(
//!         "deny-all", PolicySource::ServiceControl, deny_all.clone(),
//!     )]]);
//!     let request = scenario.request();
//!     let decision = evaluate(&Authorization {
//!         request: &request,
//!         principal_side: &principal_side,
//!         resource_side: &resource_side,
//!         grants: &[],
//!     });
//!     prop_assert!(!decision.is_allowed());
//! });
//! ```

mod generators;
mod own;
mod properties;
mod world;

pub use generators::*;

pub use own::{class_representatives, requests_from};
pub use properties::{
    a_guardrail_only_subtracts, adding_a_deny_never_grants_access,
    adding_an_allow_never_removes_access, cross_account_needs_both_sides, expect_allowed,
    expect_denied, order_and_duplicates_do_not_matter,
};
pub use world::{world, Node, Resource, World};
