//! The admin endpoints' wire conventions (`/_keyhole/`): a JSON body holds only the fields
//! an endpoint accepts, and an error is `{"error": message}` with an HTTP status.

use serde_json::{json, Value};

use super::wire::HttpResponse;

/// serde's wording for the accepted fields.
pub fn expected(accepted: &[&str]) -> String {
    let quoted: Vec<String> = accepted.iter().map(|a| format!("`{a}`")).collect();
    match quoted.as_slice() {
        [] => "there are no fields".to_owned(),
        [one] => format!("expected {one}"),
        [a, b] => format!("expected {a} or {b}"),
        many => format!("expected one of {}", many.join(", ")),
    }
}

/// A JSON admin body may hold only `accepted` keys: a misspelt one is an error, never
/// silently ignored. Not an object (or no body): nothing to check here.
pub fn refuse_unknown_fields(body: &Value, accepted: &[&str]) -> Result<(), String> {
    let Some(fields) = body.as_object() else {
        return Ok(());
    };
    match fields.keys().find(|k| !accepted.contains(&k.as_str())) {
        Some(k) => Err(format!("unknown field `{k}`, {}", expected(accepted))),
        None => Ok(()),
    }
}

/// An admin endpoint's error answer.
pub fn error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::json(status, &json!({"error": message}))
}
