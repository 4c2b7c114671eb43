//! A check's answer on the wire: `result`, `message`, and one `reasons` entry per statement
//! of the checked policy that allows the witness request, plus keyhole's witness itself as
//! `keyholeWitness` (the SDKs skip members a JSON shape does not declare, so CI logs show it
//! and no client breaks).

use serde_json::{json, Map, Value};

use crate::policy::analysis::{CheckResult, Verdict, Witness};
use crate::policy::model::Effect;
use crate::protocol::ApiResult;

use super::errors::undecidable;

/// What a reason says before the statement it names. AWS's wording, from the service's own
/// examples (the SDKs' generated docs, e.g. aws-sdk-js-v3 CheckNoPublicAccessCommand and
/// CheckAccessNotGrantedCommand: "... with sid: Bob."; the AWS CLI's check-no-new-access
/// example: "New access in the statement with index: 0.").
pub const NEW_ACCESS: &str = "New access in the statement";
pub const ACCESS_GRANTED: &str = "One or more of the listed actions or resources in the statement";
pub const PUBLIC_ACCESS: &str = "Public access granted in the following statement";

/// The response of a check whose reasons cite the statements of the policy named `cited`
/// (CheckNoNewAccess cites the new policy, never the existing one).
pub fn response(result: CheckResult, cited: &str, lead: &str) -> ApiResult<Value> {
    match result.verdict {
        Verdict::Undecidable => Err(undecidable(format!(
            "{} Rewrite the statement without that construct, or run this check against \
             AWS IAM Access Analyzer.",
            result.message
        ))),
        Verdict::Pass => Ok(json!({
            "result": "PASS",
            "message": result.message,
            "reasons": [],
        })),
        Verdict::Fail => {
            let witness = result.witness.as_ref();
            let reasons = witness.map(|w| reasons(w, cited, lead)).unwrap_or_default();
            let mut out = json!({
                "result": "FAIL",
                "message": result.message,
                "reasons": reasons,
            });
            if let Some(w) = witness {
                out["keyholeWitness"] = witness_json(w);
            }
            Ok(out)
        }
    }
}

/// One reason per allowing statement of `cited` that matched the witness, in statement order.
fn reasons(witness: &Witness, cited: &str, lead: &str) -> Vec<Value> {
    let mut statements: Vec<(usize, Option<String>)> = witness
        .statements()
        .into_iter()
        .filter(|(policy, _, _, effect)| policy == cited && *effect == Effect::Allow)
        .map(|(_, index, sid, _)| (index, sid))
        .collect();
    statements.sort();
    statements.dedup();
    statements
        .into_iter()
        .map(|(index, sid)| match sid.filter(|s| !s.is_empty()) {
            Some(sid) => json!({
                "description": format!("{lead} with sid: {sid}."),
                "statementIndex": index,
                "statementId": sid,
            }),
            None => json!({
                "description": format!("{lead} with index: {index}."),
                "statementIndex": index,
            }),
        })
        .collect()
}

/// The request that breaks the rule: who, what, on what, and the condition keys the
/// policies read, with the values keyhole chose for them.
fn witness_json(witness: &Witness) -> Value {
    let request = &witness.request;
    let mut keys: Vec<&str> = witness
        .decisions
        .iter()
        .flat_map(|(s, _)| s.policy.statements.iter())
        .flat_map(|st| st.conditions.iter())
        .map(|c| c.key_lc.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut context = Map::new();
    for key in keys {
        if let Some(entry) = request.context.get(key) {
            let values: Vec<Value> = entry
                .values
                .iter()
                .map(|v| Value::String(v.text().into_owned()))
                .collect();
            let value = match (entry.multi, values.as_slice()) {
                (false, [one]) => one.clone(),
                _ => Value::Array(values),
            };
            context.insert(entry.name.clone(), value);
        }
    }
    json!({
        "principal": request.principal.arn,
        "action": request.action,
        "resource": request.resource,
        "context": context,
    })
}
