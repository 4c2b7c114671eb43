//! Tag-policy enforcement ("Enforcing tag policies", AWS Organizations User Guide): when an
//! account's effective TAG_POLICY lists a resource type in a tag key's `enforced_for`, a
//! tagging operation on that resource type whose tag uses a value outside the key's
//! `tag_value` list (or a capitalization other than the policy's `tag_key`) is refused with
//! `The tag policy does not allow the specified value for the following tag key: '<key>'.`
//! Tags whose key the policy does not mention, and requests without tags, are not checked.
//!
//! Each service wraps the message in its own error (KMS: `TagException`).

use serde_json::Value;

use crate::world::World;

/// Checks `tags` (as supplied by the request) for a `resource_type` such as `"kms:key"`
/// against `account`'s effective tag policy. `Err` carries AWS's message.
pub fn check_tags(
    world: &World,
    account: &str,
    resource_type: &str,
    tags: &[(String, String)],
) -> Result<(), String> {
    if tags.is_empty() {
        return Ok(());
    }
    match super::effective::effective_policy_for(world, account, "TAG_POLICY") {
        Some(effective) => check_against(&effective, resource_type, tags),
        None => Ok(()),
    }
}

/// The check against a resolved (effective) tag policy: pure.
pub fn check_against(
    effective: &Value,
    resource_type: &str,
    tags: &[(String, String)],
) -> Result<(), String> {
    let Some(Value::Object(policy_tags)) = effective.get("tags") else {
        return Ok(());
    };
    for (key, value) in tags {
        // Policy keys are lower-cased in the effective policy; match case-insensitively.
        let Some(rule) = policy_tags.get(&key.to_lowercase()) else {
            continue;
        };
        if !enforced_for(rule, resource_type) {
            continue;
        }
        let refused = || {
            Err(format!(
                "The tag policy does not allow the specified value for the following tag key: '{key}'."
            ))
        };
        // Capitalization compliance: the key must be spelled as the policy's `tag_key`.
        if let Some(spelling) = rule.get("tag_key").and_then(Value::as_str) {
            if spelling != key {
                return refused();
            }
        }
        if let Some(Value::Array(allowed)) = rule.get("tag_value") {
            if !allowed
                .iter()
                .filter_map(Value::as_str)
                .any(|pattern| value_matches(pattern, value))
            {
                return refused();
            }
        }
    }
    Ok(())
}

/// Whether the rule's `enforced_for` covers `resource_type` (`kms:key`): the exact type,
/// `<service>:*` or `<service>:ALL_SUPPORTED`.
fn enforced_for(rule: &Value, resource_type: &str) -> bool {
    let service = resource_type.split(':').next().unwrap_or_default();
    let items: Vec<&str> = match rule.get("enforced_for") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => return false,
    };
    items.iter().any(|item| {
        item.eq_ignore_ascii_case(resource_type)
            || item
                .split_once(':')
                .is_some_and(|(s, t)| s == service && (t == "*" || t == "ALL_SUPPORTED"))
    })
}

/// A `tag_value` entry: exact, or with `*` wildcards (`"prod*"`, `"*"`).
fn value_matches(pattern: &str, value: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == value;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !value.starts_with(first) || !value.ends_with(last) || value.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &value[first.len()..value.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn policy() -> Value {
        json!({"tags": {
            "environment": {"tag_key": "Environment", "tag_value": ["prod*", "dev"],
                            "enforced_for": ["kms:key"]},
            "team": {"tag_key": "Team", "tag_value": ["a"], "enforced_for": ["kms:*"]},
            "costcenter": {"tag_key": "CostCenter", "tag_value": ["100"]}
        }})
    }

    const DENIED_ENV: &str =
        "The tag policy does not allow the specified value for the following tag key: 'Environment'.";

    #[test]
    fn allowed_values_and_wildcards_pass() {
        let p = policy();
        for value in ["prod", "production", "prod-eu", "dev"] {
            assert_eq!(
                check_against(&p, "kms:key", &tags(&[("Environment", value)])),
                Ok(())
            );
        }
    }

    #[test]
    fn a_value_outside_the_list_is_refused_with_aws_text() {
        let p = policy();
        assert_eq!(
            check_against(&p, "kms:key", &tags(&[("Environment", "staging")])),
            Err(DENIED_ENV.to_owned())
        );
        assert_eq!(
            check_against(&p, "kms:key", &tags(&[("Environment", "dev2")])),
            Err(DENIED_ENV.to_owned())
        );
    }

    #[test]
    fn key_capitalization_must_follow_tag_key() {
        let p = policy();
        assert_eq!(
            check_against(&p, "kms:key", &tags(&[("environment", "prod")])),
            Err(
                "The tag policy does not allow the specified value for the following tag key: 'environment'."
                    .to_owned()
            )
        );
    }

    #[test]
    fn enforced_for_selects_resource_types() {
        let p = policy();
        // Not enforced for another type, nor where enforced_for is absent.
        assert_eq!(
            check_against(&p, "backup:backupVault", &tags(&[("Environment", "x")])),
            Ok(())
        );
        assert_eq!(
            check_against(&p, "kms:key", &tags(&[("CostCenter", "999")])),
            Ok(())
        );
        // kms:* covers kms:key; ALL_SUPPORTED too.
        assert!(check_against(&p, "kms:key", &tags(&[("Team", "b")])).is_err());
        let all = json!({"tags": {"team": {"tag_key": "Team", "tag_value": ["a"],
            "enforced_for": ["kms:ALL_SUPPORTED"]}}});
        assert!(check_against(&all, "kms:key", &tags(&[("Team", "b")])).is_err());
    }

    #[test]
    fn unknown_keys_and_no_values_list_pass() {
        let p = policy();
        assert_eq!(
            check_against(&p, "kms:key", &tags(&[("Other", "anything")])),
            Ok(())
        );
        let keys_only =
            json!({"tags": {"owner": {"tag_key": "Owner", "enforced_for": ["kms:key"]}}});
        assert_eq!(
            check_against(&keys_only, "kms:key", &tags(&[("Owner", "me")])),
            Ok(())
        );
        assert_eq!(
            check_against(&json!({}), "kms:key", &tags(&[("A", "b")])),
            Ok(())
        );
    }

    #[test]
    fn wildcard_matching() {
        assert!(value_matches("*", ""));
        assert!(value_matches("prod*", "prod"));
        assert!(value_matches("*-eu", "prod-eu"));
        assert!(value_matches("a*b*c", "a-x-b-y-c"));
        assert!(!value_matches("a*b*c", "a-c"));
        assert!(!value_matches("ab*ba", "aba"));
    }
}
