//! `GET /_keyhole/decisions`: the decision log (see [`crate::denials::DecisionLog`]), newest
//! first, filtered by `?action=kms:Decrypt`, `?outcome=allow|deny`, `?principal=ARN`,
//! `?account=ID`, `?since=EPOCH_SECONDS` and `?limit=N`.

use serde_json::{json, Value};

use crate::denials::DecisionFilter;
use crate::instance::Instance;
use crate::protocol::admin::{error, expected};
use crate::protocol::{HttpRequest, HttpResponse};

const PARAMETERS: &[&str] = &[
    "action",
    "outcome",
    "principal",
    "account",
    "since",
    "limit",
];

pub fn handle(instance: &Instance, req: &HttpRequest) -> HttpResponse {
    let filter = match filter(req.raw_query.as_deref().unwrap_or_default()) {
        Ok(f) => f,
        Err(e) => return error(400, &e),
    };
    let decisions: Vec<Value> = instance
        .decisions
        .newest_first(&filter)
        .iter()
        .map(|r| r.to_json())
        .collect();
    HttpResponse::json(200, &json!({"decisions": decisions}))
}

fn filter(query: &str) -> Result<DecisionFilter, String> {
    let mut filter = DecisionFilter::default();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = value.into_owned();
        match name.as_ref() {
            "action" => filter.action = Some(value),
            "outcome" => {
                filter.allowed = Some(match value.as_str() {
                    "allow" => true,
                    "deny" => false,
                    _ => return Err(format!("outcome must be allow or deny, got {value:?}")),
                })
            }
            "principal" => filter.caller_arn = Some(value),
            "account" => filter.account = Some(value),
            "since" => {
                filter.since = Some(value.parse().map_err(|_| {
                    format!("since must be a time in seconds since the Unix epoch, got {value:?}")
                })?)
            }
            "limit" => {
                filter.limit = Some(
                    value
                        .parse()
                        .map_err(|_| format!("limit must be a whole number, got {value:?}"))?,
                )
            }
            other => {
                return Err(format!(
                    "unknown parameter `{other}`, {}",
                    expected(PARAMETERS)
                ))
            }
        }
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use http::Method;
    use serde_json::{json, Value};

    use crate::testing::Harness;

    const OWNER: &str = "111111111111";
    const OTHER: &str = "222222222222";

    fn decisions(h: &Harness, query: &str) -> (u16, Value) {
        let query = query.strip_prefix('?');
        let r = h.admin_raw(Method::GET, "/_keyhole/decisions", query, json!(null));
        (r.status, r.body)
    }

    /// A key of OWNER whose policy lets OTHER describe it and denies it Decrypt (line 4);
    /// its ARN and a ciphertext under it.
    fn shared_key(h: &Harness) -> (String, String) {
        let policy = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"},
  {"Sid": "OtherDescribes", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:DescribeKey", "Resource": "*"},
  {"Sid": "NoDecryptForOther", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:Decrypt", "Resource": "*"}]}"#;
        let created = h.call(
            OWNER,
            "us-east-1",
            "kms:CreateKey",
            &json!({ "Policy": policy }),
        );
        assert_eq!(created.status, 200, "{}", created.text);
        let arn = created.body["KeyMetadata"]["Arn"]
            .as_str()
            .unwrap()
            .to_owned();
        let encrypted = h.call(
            OWNER,
            "us-east-1",
            "kms:Encrypt",
            &json!({"KeyId": arn, "Plaintext": "aGVsbG8="}),
        );
        assert_eq!(encrypted.status, 200, "{}", encrypted.text);
        let blob = encrypted.body["CiphertextBlob"]
            .as_str()
            .unwrap()
            .to_owned();
        (arn, blob)
    }

    #[test]
    fn an_allowed_and_a_denied_call_are_logged_with_their_reasons() {
        let h = Harness::new();
        let (key, blob) = shared_key(&h);
        let described = h.call(
            OTHER,
            "us-east-1",
            "kms:DescribeKey",
            &json!({"KeyId": key}),
        );
        assert_eq!(described.status, 200, "{}", described.text);
        let decrypted = h.call(
            OTHER,
            "us-east-1",
            "kms:Decrypt",
            &json!({"CiphertextBlob": blob, "KeyId": key}),
        );
        assert_eq!(decrypted.status, 400, "{}", decrypted.text);
        let sent = decrypted.body["Message"]
            .as_str()
            .unwrap_or_else(|| panic!("{}", decrypted.text))
            .to_owned();

        let (status, body) = decisions(&h, "?outcome=deny");
        assert_eq!(status, 200);
        let denied = body["decisions"].as_array().unwrap();
        assert_eq!(denied.len(), 1, "{body}");
        let denied = &denied[0];
        assert_eq!(
            sent,
            format!("User: arn:aws:iam::{OTHER}:root is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")
        );
        assert_eq!(
            *denied,
            json!({
                "id": 4,
                "time": denied["time"],
                "requestId": denied["requestId"],
                "callerArn": format!("arn:aws:iam::{OTHER}:root"),
                "account": OTHER,
                "service": "kms",
                "operation": "Decrypt",
                "action": "kms:Decrypt",
                "resource": key,
                "outcome": "deny",
                "message": sent,
                "explanation": {
                    "decision": "explicitDeny",
                    "layer": "resource-based policy",
                    "policy": "resource-policy",
                    "statement": "NoDecryptForOther",
                    "line": 4,
                    "trace": [
                        format!("explicitDeny kms:Decrypt on {key} by arn:aws:iam::{OTHER}:root (cross-account)"),
                        "  denied: a Deny statement in the resource-based policy matches",
                        "  Deny statement #2 Sid \"NoDecryptForOther\" at line 4 column 3 of resource-based policy \"resource-policy\"",
                        "  resource-based policy: explicitDeny",
                        // The evaluator's wording; KMS answers across accounts with its own.
                        format!("  message: User: arn:aws:iam::{OTHER}:root is not authorized to perform: kms:Decrypt on resource: {key} with an explicit deny in a resource-based policy"),
                    ],
                },
            })
        );
        assert!(denied["requestId"]
            .as_str()
            .is_some_and(|id| id.len() == 36));

        let (_, body) = decisions(&h, "?action=kms:DescribeKey&outcome=allow");
        let allowed = body["decisions"].as_array().unwrap();
        assert_eq!(allowed.len(), 1, "{body}");
        let allowed = &allowed[0];
        assert_eq!(allowed["id"], 3);
        assert_eq!(allowed["callerArn"], format!("arn:aws:iam::{OTHER}:root"));
        assert_eq!(allowed["outcome"], "allow");
        assert_eq!(allowed["message"], Value::Null);
        assert_eq!(allowed["explanation"]["decision"], "allowed");
        assert_eq!(allowed["explanation"]["layer"], "resource-based policy");
        assert_eq!(allowed["explanation"]["statement"], "OtherDescribes");
        assert_eq!(allowed["explanation"]["line"], 3);

        // Newest first; limit keeps the newest.
        let (_, body) = decisions(&h, "?limit=2");
        let ids: Vec<&Value> = body["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| &d["id"])
            .collect();
        assert_eq!(ids, [&json!(4), &json!(3)]);
        let (_, body) = decisions(&h, &format!("?account={OWNER}"));
        let actions: Vec<&Value> = body["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| &d["action"])
            .collect();
        assert_eq!(actions, [&json!("kms:Encrypt"), &json!("kms:CreateKey")]);
    }

    #[test]
    fn a_bad_filter_is_refused_with_the_parameters_accepted() {
        let h = Harness::new();
        assert_eq!(
            decisions(&h, "?outcome=denied"),
            (
                400,
                json!({"error": "outcome must be allow or deny, got \"denied\""})
            )
        );
        assert_eq!(
            decisions(&h, "?actions=kms:Decrypt"),
            (
                400,
                json!({"error": "unknown parameter `actions`, expected one of `action`, `outcome`, `principal`, `account`, `since`, `limit`"})
            )
        );
        assert_eq!(
            decisions(&h, "?limit=ten"),
            (
                400,
                json!({"error": "limit must be a whole number, got \"ten\""})
            )
        );
    }
}
