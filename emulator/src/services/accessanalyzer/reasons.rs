//! A check's answer on the wire: `result`, `message`, and one `reasons` entry per statement
//! of the checked policy that allows the witness request, plus keyhole's witness itself as
//! `keyholeWitness` (the SDKs skip members a JSON shape does not declare, so CI logs show it
//! and no client breaks).

use serde_json::{json, Value};

use crate::policy::analysis::report::witness_json;
use crate::policy::analysis::{CheckResult, Subject, Verdict, Witness};
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

/// The response of a check whose reasons cite the statements of `cited` (CheckNoNewAccess
/// cites the new policy, never the existing one).
pub fn response(result: CheckResult, cited: &Subject, lead: &str) -> ApiResult<Value> {
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
fn reasons(witness: &Witness, cited: &Subject, lead: &str) -> Vec<Value> {
    let mut statements: Vec<(usize, Option<String>)> = witness
        .statements(cited)
        .into_iter()
        .filter(|m| m.effect == Effect::Allow)
        .map(|m| (m.index, m.sid.as_deref().map(str::to_owned)))
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
