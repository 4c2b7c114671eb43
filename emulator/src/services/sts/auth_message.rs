//! Encoded authorization messages: services put one in an AccessDenied error when a
//! decision should be explainable, and `sts:DecodeAuthorizationMessage` turns it back into
//! the decision record. keyhole's encoding is `khm1.` + base64url(JSON) — opaque to
//! callers like AWS's, but keyhole can only decode its own messages.
//!
//! The record should follow AWS's DecodedMessage shape, e.g.
//! `{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},
//!   "failures":{"items":[]},"context":{"principal":{"id":"AIDA...","arn":"..."},
//!   "action":"kms:Decrypt","resource":"arn:...","conditions":{"items":[{"key":"...",
//!   "values":{"items":[{"value":"..."}]}}]}}}`; it is returned as given.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::authz::{self, Access};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::World;

const PREFIX: &str = "khm1.";

/// Encodes a decision record for an AccessDenied message.
pub fn encode_authorization_message(decision_json: &Value) -> String {
    format!(
        "{PREFIX}{}",
        URL_SAFE_NO_PAD.encode(decision_json.to_string())
    )
}

/// The decision record of a keyhole-encoded message.
pub fn decode_authorization_message(encoded: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded.trim().strip_prefix(PREFIX)?)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub fn decode(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authz::authorize(ctx, world, &Access::new(None))?;
    let encoded = input["EncodedMessage"].as_str().unwrap_or_default();
    match decode_authorization_message(encoded) {
        Some(record) => Ok(json!({"DecodedMessage": record.to_string()})),
        // Text inferred.
        None => Err(super::errors::modeled_error(
            "InvalidAuthorizationMessageException",
            "The specified encoded message is invalid.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ServiceId;
    use crate::services::iam::test_support::{call, err};
    use crate::world::{Caller, World};

    #[test]
    fn messages_round_trip_to_the_decision_record() {
        let record =
            json!({"allowed": false, "explicitDeny": true, "context": {"action": "kms:Decrypt"}});
        let encoded = encode_authorization_message(&record);
        let mut w = World::default();
        let caller = Caller::root("111111111111", "111111111111");
        let out = call(
            &mut w,
            ServiceId::Sts,
            "DecodeAuthorizationMessage",
            json!({"EncodedMessage": encoded}),
            caller.clone(),
        )
        .unwrap();
        let decoded: Value =
            serde_json::from_str(out["DecodedMessage"].as_str().unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(decoded, record);
        let (code, status, _) = err(call(
            &mut w,
            ServiceId::Sts,
            "DecodeAuthorizationMessage",
            json!({"EncodedMessage": "garbage"}),
            caller,
        ));
        assert_eq!(
            (code.as_str(), status),
            ("InvalidAuthorizationMessageException", 400)
        );
    }
}
