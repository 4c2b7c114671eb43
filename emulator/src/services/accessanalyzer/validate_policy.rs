//! ValidatePolicy: the findings of `policy::findings` (AWS's documented policy checks, in
//! the model's `ValidatePolicyFinding` shape), a page at a time (`maxResults`, `nextToken`
//! in the query string, as the model binds them). `locale` is accepted and has no effect:
//! keyhole's findings are in English.

use serde_json::{json, Value};

use crate::policy::findings::{validate_findings, ValidatePolicyResourceType, ValidatePolicyType};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::text;
use crate::services::paging::{decode_tagged, encode_tagged, slice};
use crate::world::World;

use super::checks::authorize;
use super::errors::invalid_field;

/// Findings a page holds when the request names no `maxResults` (AWS documents no default).
const DEFAULT_PAGE: usize = 100;
const TOKEN_TAG: &str = "keyhole-findings";

pub fn validate_policy(ctx: &RequestContext, world: &World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world)?;
    let size = match input["maxResults"].as_i64() {
        None => DEFAULT_PAGE,
        Some(n) if n >= 1 => n as usize,
        Some(n) => {
            return Err(invalid_field(
                "maxResults",
                n.to_string(),
                "Member must have value greater than or equal to 1",
            ))
        }
    };
    let start = match input["nextToken"].as_str() {
        None => 0,
        Some(token) => decode_tagged(TOKEN_TAG, token).ok_or_else(|| {
            invalid_field(
                "nextToken",
                format!("'{token}'"),
                "Member must be a nextToken from an earlier ValidatePolicy response",
            )
        })?,
    };
    // The model's enums have been checked: the names always parse.
    let policy_type = ValidatePolicyType::from_name(text(input, "policyType"))
        .unwrap_or(ValidatePolicyType::IdentityPolicy);
    let resource_type = input["validatePolicyResourceType"]
        .as_str()
        .and_then(ValidatePolicyResourceType::from_name);
    let findings = validate_findings(text(input, "policyDocument"), policy_type, resource_type);
    let (page, next) = slice(findings, start, size);
    let mut out = json!({ "findings": page });
    if let Some(next) = next {
        out["nextToken"] = Value::String(encode_tagged(TOKEN_TAG, next));
    }
    Ok(out)
}
