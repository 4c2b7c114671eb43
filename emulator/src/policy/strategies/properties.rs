//! The metamorphic properties of policy evaluation (evaluation.md §5) as functions you can
//! call on your own scenarios: each rewrites the scenario in a way that must not change the
//! answer in one direction, and fails with both decisions explained when it does.

use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};

use crate::policy::decision::Decision;
use crate::policy::evaluate::{evaluate, Authorization};
use crate::policy::principal::PrincipalType;

use super::generators::Scenario;

impl Scenario {
    /// The decision about the scenario's request, with every layer it carries.
    pub fn decide(&self) -> Decision {
        let request = self.request();
        let (principal_side, resource_side) = self.layers();
        evaluate(&Authorization {
            request: &request,
            principal_side: &principal_side,
            resource_side: &resource_side,
            grants: &[],
        })
    }
}

fn fail(what: &str, before: &Decision, after: &Decision) -> TestCaseError {
    TestCaseError::fail(format!(
        "{what}\nbefore:\n{}after:\n{}",
        before.explain(),
        after.explain()
    ))
}

fn one_statement(st: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [st]})
}

fn statements_mut(doc: &mut Value) -> Option<&mut Vec<Value>> {
    doc.get_mut("Statement").and_then(Value::as_array_mut)
}

/// Adding an Allow statement (to the identity policies and to the resource policy) never
/// turns an allowed request into a denied one.
pub fn adding_an_allow_never_removes_access(
    s: &Scenario,
    extra: &Value,
) -> Result<(), TestCaseError> {
    let before = s.decide();
    if !before.is_allowed() {
        return Ok(());
    }
    let mut allow = extra.clone();
    allow["Effect"] = json!("Allow");
    let mut t = s.clone();
    t.identity.push(one_statement(without_principal(&allow)));
    let mut with_principal = allow;
    if with_principal.get("Principal").is_none() {
        with_principal["Principal"] = json!("*");
    }
    match t.resource_policy.as_mut() {
        Some(doc) => statements_mut(doc)
            .into_iter()
            .for_each(|sts| sts.push(with_principal.clone())),
        None => t.resource_policy = Some(one_statement(with_principal)),
    }
    let after = t.decide();
    if after.is_allowed() {
        Ok(())
    } else {
        Err(fail(
            "adding an Allow statement removed access",
            &before,
            &after,
        ))
    }
}

fn without_principal(st: &Value) -> Value {
    let mut st = st.clone();
    if let Some(o) = st.as_object_mut() {
        o.remove("Principal");
        o.remove("NotPrincipal");
    }
    st
}

/// Adding a Deny statement to the identity policies never turns a denied request into an
/// allowed one.
pub fn adding_a_deny_never_grants_access(s: &Scenario, extra: &Value) -> Result<(), TestCaseError> {
    let before = s.decide();
    if before.is_allowed() {
        return Ok(());
    }
    let mut deny = without_principal(extra);
    deny["Effect"] = json!("Deny");
    let mut t = s.clone();
    t.identity.push(one_statement(deny));
    let after = t.decide();
    if after.is_allowed() {
        Err(fail(
            "adding a Deny statement granted access",
            &before,
            &after,
        ))
    } else {
        Ok(())
    }
}

/// A guardrail (SCPs, RCPs, a permissions boundary, session policies) only subtracts: what
/// is allowed with them is allowed without them.
pub fn a_guardrail_only_subtracts(s: &Scenario) -> Result<(), TestCaseError> {
    let before = s.decide();
    if !before.is_allowed() {
        return Ok(());
    }
    let mut t = s.clone();
    t.scp_levels = None;
    t.rcp_levels = None;
    t.boundary = None;
    // A federated user's session policy is what grants access: it is not a guardrail there.
    if s.principal.kind != PrincipalType::FederatedUser {
        t.session.clear();
    }
    let after = t.decide();
    if after.is_allowed() {
        Ok(())
    } else {
        Err(fail(
            "removing the guardrails removed access",
            &before,
            &after,
        ))
    }
}

/// Statement order, policy order, duplicated policies and policies split into one statement
/// each change nothing: not the decision, not the layer, not AWS's message.
pub fn order_and_duplicates_do_not_matter(s: &Scenario) -> Result<(), TestCaseError> {
    let before = s.decide();
    let mut t = s.clone();
    let docs = t
        .identity
        .iter_mut()
        .chain(t.session.iter_mut())
        .chain(t.boundary.iter_mut())
        .chain(t.resource_policy.iter_mut())
        .chain(t.scp_levels.iter_mut().flatten().flatten())
        .chain(t.rcp_levels.iter_mut().flatten().flatten());
    for doc in docs {
        if let Some(sts) = statements_mut(doc) {
            sts.reverse();
        }
    }
    t.identity.reverse();
    if let Some(first) = t.identity.first().cloned() {
        t.identity.push(first.clone());
        for st in first["Statement"].as_array().into_iter().flatten() {
            t.identity.push(one_statement(st.clone()));
        }
    }
    let after = t.decide();
    let same = before.decision == after.decision
        && before.layer == after.layer
        && before.access_denied_message() == after.access_denied_message();
    if same {
        Ok(())
    } else {
        Err(fail(
            "reordering or duplicating statements changed the decision",
            &before,
            &after,
        ))
    }
}

/// Across accounts both sides must allow: without the resource-based policy, the request
/// is denied whatever the caller's own policies say.
pub fn cross_account_needs_both_sides(s: &Scenario) -> Result<(), TestCaseError> {
    let mut t = s.clone();
    t.resource_policy = None;
    t.identity.push(json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
    let after = t.decide();
    if after.cross_account && after.is_allowed() {
        Err(fail(
            "a cross-account request was allowed without a resource-based policy",
            &s.decide(),
            &after,
        ))
    } else {
        Ok(())
    }
}

/// Fails, with the decision explained, unless the request is allowed.
pub fn expect_allowed(decision: &Decision) -> Result<(), TestCaseError> {
    if decision.is_allowed() {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!(
            "expected allowed, got:\n{}",
            decision.explain()
        )))
    }
}

/// Fails, with the decision explained (which statement allowed it), unless it is denied.
pub fn expect_denied(decision: &Decision) -> Result<(), TestCaseError> {
    if decision.is_allowed() {
        Err(TestCaseError::fail(format!(
            "expected denied, got:\n{}",
            decision.explain()
        )))
    } else {
        Ok(())
    }
}
