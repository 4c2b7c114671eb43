//! The strings of Action, Resource and Principal: action names against the service
//! vocabulary, resource ARNs against their format, principals against their keys, and
//! policy-variable syntax wherever a variable may appear.

use super::super::json::{JsonNode, JsonValue};
use super::super::validate::PARTITIONS;
use super::codes;
use super::cx::{join, Cx};
use super::items::{mismatch, string_items, Item};
use super::types::{PathElement, ValidatePolicyType};
use super::vocab::{
    BACKUP_ACTIONS, IAM_ACTIONS, KMS_ACTIONS, ORGANIZATIONS_ACTIONS, REGIONS, SERVICE_PREFIXES,
    STS_ACTIONS,
};
use crate::policy::glob::Glob;

/// The actions of the services whose action names keyhole knows completely.
fn actions_of(service: &str) -> Option<&'static [&'static str]> {
    Some(match service {
        "iam" => IAM_ACTIONS,
        "kms" => KMS_ACTIONS,
        "sts" => STS_ACTIONS,
        "organizations" => ORGANIZATIONS_ACTIONS,
        "backup" => BACKUP_ACTIONS,
        _ => return None,
    })
}

fn wildcard(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

fn at(cx: &mut Cx, code: &str, values: &[(&str, &str)], item: &Item) {
    let span = cx.node_span(item.node);
    cx.add(code, values, item.path.clone(), span);
}

/// AWS's template without its "Did you mean ...?" sentence when there is nothing to offer.
fn with_suggestion(
    cx: &mut Cx,
    code: &str,
    values: &[(&str, &str)],
    hint: Option<&str>,
    item: &Item,
) {
    let template = codes::check(code).details;
    let details = match hint {
        Some(h) => {
            // INVALID_ACTION names it valid_action, INVALID_SERVICE_IN_ACTION service2.
            let mut v = values.to_vec();
            v.push(("valid_action", h));
            v.push(("service2", h));
            codes::fill(template, &v)
        }
        None => {
            let first = template.split(" Did you mean").next().unwrap_or(template);
            codes::fill(first, values)
        }
    };
    let span = cx.node_span(item.node);
    cx.report(
        code,
        details,
        vec![super::types::Location {
            path: item.path.clone(),
            span,
        }],
    );
}

/// The closest of `candidates` to `word` within two edits (case-insensitive).
fn closest<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let w = word.to_ascii_lowercase();
    candidates
        .map(|c| (edit_distance(&w, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn check_action(cx: &mut Cx, item: &Item) {
    let a = item.text;
    if let Some(var) = first_variable(a) {
        at(
            cx,
            "VARIABLE_UNSUPPORTED_IN_ELEMENT",
            &[("variable", var)],
            item,
        );
        return;
    }
    if a == "*" {
        return;
    }
    let parts: Vec<&str> = a.split(':').collect();
    let [service, name] = parts[..] else {
        with_suggestion(cx, "INVALID_ACTION", &[("action", a)], None, item);
        return;
    };
    if wildcard(service) {
        at(cx, "WILDCARD_IN_SERVICE_NAME", &[], item);
        return;
    }
    let lc = service.to_ascii_lowercase();
    if SERVICE_PREFIXES.binary_search(&lc.as_str()).is_err() {
        let hint = closest(service, SERVICE_PREFIXES.iter().copied());
        with_suggestion(
            cx,
            "INVALID_SERVICE_IN_ACTION",
            &[("service", service)],
            hint,
            item,
        );
        return;
    }
    if cx.ty == ValidatePolicyType::ServiceControlPolicy {
        let inner = name.trim_end_matches('*');
        if wildcard(inner) {
            at(
                cx,
                "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
                &[("action", a)],
                item,
            );
        }
    }
    let Some(known) = actions_of(&lc) else {
        return;
    };
    if name.is_empty() {
        with_suggestion(cx, "INVALID_ACTION", &[("action", a)], None, item);
    } else if wildcard(name) {
        let g = Glob::new(&name.to_ascii_lowercase());
        if !known.iter().any(|k| g.matches(&k.to_ascii_lowercase())) {
            with_suggestion(cx, "INVALID_ACTION", &[("action", a)], None, item);
        }
    } else if !known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
        let hint = closest(name, known.iter().copied()).map(|k| format!("{service}:{k}"));
        with_suggestion(
            cx,
            "INVALID_ACTION",
            &[("action", a)],
            hint.as_deref(),
            item,
        );
    }
}

/// IAM's resource types (Service Authorization Reference, "Resource types defined by
/// AWS Identity and Access Management").
const IAM_RESOURCE_TYPES: [&str; 13] = [
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "access-report/",
    "report/",
];
const KMS_RESOURCE_TYPES: [&str; 2] = ["key/", "alias/"];
const BACKUP_RESOURCE_TYPES: [&str; 7] = [
    "backup-vault:",
    "backup-plan:",
    "recovery-point:",
    "framework:",
    "report-plan:",
    "legal-hold:",
    "restore-testing-plan:",
];
const ORGANIZATIONS_RESOURCE_TYPES: [&str; 7] = [
    "account/",
    "handshake/",
    "ou/",
    "policy/",
    "root/",
    "organization/",
    "resourcepolicy/",
];
/// S3 resource types that are not buckets or objects; those two have neither Region nor
/// account in their ARNs.
const S3_REGIONAL_TYPES: [&str; 6] = [
    "accesspoint/",
    "job/",
    "storage-lens/",
    "async-request/",
    "access-grants/",
    "outpost/",
];

fn resource_types(service: &str) -> Option<&'static [&'static str]> {
    Some(match service {
        "iam" => &IAM_RESOURCE_TYPES,
        "kms" => &KMS_RESOURCE_TYPES,
        "backup" => &BACKUP_RESOURCE_TYPES,
        "organizations" => &ORGANIZATIONS_RESOURCE_TYPES,
        _ => return None,
    })
}

pub(crate) fn check_resource(cx: &mut Cx, item: &Item, variables: bool) {
    let r = item.text;
    if r == "*" {
        return;
    }
    if r.contains("${") {
        if !check_variables(cx, item) {
            return;
        }
        if !variables {
            at(cx, "VARIABLE_UNSUPPORTED_IN_VERSION", &[], item);
        }
    }
    if !r.starts_with("arn:") {
        at(cx, "INVALID_ARN_PREFIX", &[], item);
        return;
    }
    let f: Vec<&str> = r.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = f[..] else {
        at(cx, "MISSING_ARN_FIELD", &[("fields", "6")], item);
        return;
    };
    if !wildcard(partition) && !PARTITIONS.contains(&partition) {
        let all = PARTITIONS.join(", ");
        at(
            cx,
            "INVALID_PARTITION",
            &[
                ("service", service),
                ("partition", partition),
                ("partitions", &all),
            ],
            item,
        );
    }
    if wildcard(service) || service.contains("${") {
        return;
    }
    if service != service.to_ascii_lowercase() {
        at(
            cx,
            "INVALID_ARN_SERVICE_CASE",
            &[("service", service)],
            item,
        );
        return;
    }
    if SERVICE_PREFIXES.binary_search(&service).is_err() {
        at(cx, "INVALID_SERVICE", &[("service", service)], item);
        return;
    }
    let s3_bucket = service == "s3" && !S3_REGIONAL_TYPES.iter().any(|t| resource.starts_with(t));
    let regionless = matches!(service, "iam" | "organizations" | "sts") || s3_bucket;
    let literal = |s: &str| !s.is_empty() && !wildcard(s) && !s.contains("${");
    if literal(region) {
        if regionless {
            at(cx, "ARN_REGION_NOT_ALLOWED", &[("service", service)], item);
        } else if REGIONS.binary_search(&region).is_err() {
            at(cx, "INVALID_ARN_REGION", &[("region", region)], item);
        }
    } else if region.is_empty() && matches!(service, "kms" | "backup") {
        at(cx, "MISSING_ARN_REGION", &[("service", service)], item);
    }
    if literal(account) {
        if s3_bucket {
            at(cx, "ARN_ACCOUNT_NOT_ALLOWED", &[("service", service)], item);
        } else {
            // AWS managed policies live in the account named `aws`.
            let ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
                || service == "iam" && account == "aws";
            if !ok {
                at(cx, "INVALID_ARN_ACCOUNT", &[("account", account)], item);
            }
        }
    }
    if let Some(types) = resource_types(service) {
        // A wildcard before the type's delimiter may stand for any type.
        let head = resource.split(['/', ':']).next().unwrap_or("");
        let ok = resource == "root" && service == "iam"
            || wildcard(head)
            || head.contains("${")
            || types.iter().any(|t| resource.starts_with(t));
        if !ok {
            at(cx, "INVALID_ARN_RESOURCE", &[], item);
        }
    }
}

/// Checks a Principal element; returns its `Service` values.
pub(crate) fn check_principal<'n>(
    cx: &mut Cx,
    node: &'n JsonNode,
    path: &[PathElement],
) -> Vec<Item<'n>> {
    let mut services = Vec::new();
    match &node.value {
        JsonValue::String(s) if s == "*" => {
            if cx.is_trust_policy() {
                let span = cx.node_span(node);
                cx.add(
                    "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    &[],
                    path.to_vec(),
                    span,
                );
            }
        }
        JsonValue::String(_) | JsonValue::Array(_) => {
            let span = cx.node_span(node);
            cx.add("INVALID_PRINCIPAL_FORMAT", &[], path.to_vec(), span);
        }
        JsonValue::Object(members) if members.is_empty() => {
            let span = cx.node_span(node);
            cx.add("EMPTY_OBJECT_PRINCIPAL", &[], path.to_vec(), span);
        }
        JsonValue::Object(members) => {
            for (k, v) in members {
                if !matches!(
                    k.as_str(),
                    "AWS" | "Service" | "Federated" | "CanonicalUser"
                ) {
                    let span = cx.key_span(v);
                    cx.add(
                        "INVALID_PRINCIPAL_KEY",
                        &[("principal-key", k)],
                        join(path, PathElement::Key(k.clone())),
                        span,
                    );
                    continue;
                }
                let p = join(path, PathElement::Value(k.clone()));
                let Some(items) = string_items(cx, v, &p) else {
                    continue;
                };
                if items.is_empty() {
                    let span = cx.node_span(v);
                    cx.add("EMPTY_ARRAY_PRINCIPAL", &[], p, span);
                }
                for item in items {
                    if principal_value(cx, k, &item) {
                        services.push(item);
                    }
                }
            }
        }
        _ => mismatch(cx, node, path.to_vec(), "Object"),
    }
    services
}

/// One principal value under `key`; true for a well-formed service principal.
fn principal_value(cx: &mut Cx, key: &str, item: &Item) -> bool {
    let v = item.text;
    if v == "*" && key == "AWS" {
        if cx.is_trust_policy() {
            at(
                cx,
                "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                &[],
                item,
            );
        }
        return false;
    }
    if wildcard(v) {
        at(
            cx,
            "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
            &[("principal_key", key)],
            item,
        );
        return false;
    }
    match key {
        "AWS" if v.starts_with("AIDA") => {
            at(cx, "INVALID_USER_REFERENCE", &[("userid", v)], item);
        }
        "AWS" if v.starts_with("AROA") => {
            at(cx, "INVALID_ROLE_REFERENCE", &[("roleid", v)], item);
        }
        "Service" => {
            // `<service>.amazonaws.com` (or `.amazonaws.com.cn`, and the few services whose
            // principals are other domains): a dotted name with no spaces.
            let ok = v.contains('.')
                && !v.contains(' ')
                && !v.starts_with("arn:")
                && v.split('.').all(|part| !part.is_empty());
            if !ok {
                at(
                    cx,
                    "INVALID_SERVICE_PRINCIPAL_FORMAT",
                    &[("expectedFormat", "<service-name>.amazonaws.com")],
                    item,
                );
                return false;
            }
            return true;
        }
        _ => {}
    }
    false
}

/// The first `${...}` (or the unterminated `${...`) of `s`.
pub(crate) fn first_variable(s: &str) -> Option<&str> {
    let start = s.find("${")?;
    let end = s[start..].find('}').map_or(s.len(), |e| start + e + 1);
    Some(&s[start..end])
}

/// Policy-variable syntax in `item`: false when a variable is malformed (and reported).
pub(crate) fn check_variables(cx: &mut Cx, item: &Item) -> bool {
    let mut rest = item.text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            at(cx, "MISSING_BRACE_IN_VARIABLE", &[], item);
            return false;
        };
        let inner = &after[..end];
        let name = inner.split(',').next().unwrap_or("");
        if inner.trim().is_empty() {
            at(cx, "EMPTY_VARIABLE", &[], item);
            return false;
        }
        if name.trim() != name || name.contains(' ') {
            at(cx, "UNSUPPORTED_SPACE_IN_VARIABLE", &[], item);
            return false;
        }
        rest = &after[end + 1..];
    }
    true
}
