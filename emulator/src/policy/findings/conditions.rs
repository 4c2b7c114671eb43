//! The Condition element: operators, condition keys (global keys from the IAM User Guide's
//! "AWS global condition context keys"; service keys of the services keyhole serves from the
//! Service Authorization Reference), and each value against its operator's type.

use std::net::IpAddr;

use ipnet::IpNet;

use super::super::condition::{compile_value, parse_operator};
use super::super::json::{JsonNode, JsonValue};
use super::super::model::{ConditionValue, SetOperator};
use super::super::operators::{Family, Operator};
use super::cx::{join, Cx};
use super::items::{mismatch, Item};
use super::types::{Location, PathElement, ValidatePolicyType};
use super::values::check_variables;
use PathElement::{Index, Key, Value};

/// The type of a condition key's values, as the operator families name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    String,
    Arn,
    Date,
    Numeric,
    Bool,
    Ip,
}

/// Global condition keys: name (a trailing `/` takes a tag key), type, multivalued.
const GLOBAL_KEYS: &[(&str, KeyType, bool)] = &[
    ("aws:CalledVia", KeyType::String, true),
    ("aws:CalledViaFirst", KeyType::String, false),
    ("aws:CalledViaLast", KeyType::String, false),
    ("aws:CurrentTime", KeyType::Date, false),
    ("aws:Ec2InstanceSourcePrivateIPv4", KeyType::Ip, false),
    ("aws:Ec2InstanceSourceVpc", KeyType::String, false),
    ("aws:EpochTime", KeyType::Date, false),
    ("aws:FederatedProvider", KeyType::String, false),
    ("aws:MultiFactorAuthAge", KeyType::Numeric, false),
    ("aws:MultiFactorAuthPresent", KeyType::Bool, false),
    ("aws:PrincipalAccount", KeyType::String, false),
    ("aws:PrincipalArn", KeyType::Arn, false),
    ("aws:PrincipalIsAWSService", KeyType::Bool, false),
    ("aws:PrincipalOrgID", KeyType::String, false),
    ("aws:PrincipalOrgPaths", KeyType::String, true),
    ("aws:PrincipalServiceName", KeyType::String, false),
    ("aws:PrincipalServiceNamesList", KeyType::String, true),
    ("aws:PrincipalTag/", KeyType::String, false),
    ("aws:PrincipalType", KeyType::String, false),
    ("aws:referer", KeyType::String, false),
    ("aws:RequestedRegion", KeyType::String, false),
    ("aws:RequestTag/", KeyType::String, false),
    ("aws:ResourceAccount", KeyType::String, false),
    ("aws:ResourceOrgID", KeyType::String, false),
    ("aws:ResourceOrgPaths", KeyType::String, true),
    ("aws:ResourceTag/", KeyType::String, false),
    ("aws:SecureTransport", KeyType::Bool, false),
    ("aws:SourceAccount", KeyType::String, false),
    ("aws:SourceArn", KeyType::Arn, false),
    ("aws:SourceIdentity", KeyType::String, false),
    ("aws:SourceIp", KeyType::Ip, false),
    ("aws:SourceOrgID", KeyType::String, false),
    ("aws:SourceOrgPaths", KeyType::String, true),
    ("aws:SourceVpc", KeyType::String, false),
    ("aws:SourceVpcArn", KeyType::Arn, false),
    ("aws:SourceVpce", KeyType::String, false),
    ("aws:TagKeys", KeyType::String, true),
    ("aws:TokenIssueTime", KeyType::Date, false),
    ("aws:UserAgent", KeyType::String, false),
    ("aws:userid", KeyType::String, false),
    ("aws:username", KeyType::String, false),
    ("aws:ViaAWSService", KeyType::Bool, false),
    ("aws:VpceAccount", KeyType::String, false),
    ("aws:VpceOrgID", KeyType::String, false),
    ("aws:VpceOrgPaths", KeyType::String, true),
    ("aws:VpcSourceIp", KeyType::Ip, false),
];

/// Service keys of kms, iam, sts and organizations (a trailing `/` or `:` takes a suffix).
const SERVICE_KEYS: &[&str] = &[
    "kms:BypassPolicyLockoutSafetyCheck",
    "kms:CallerAccount",
    "kms:CustomerMasterKeySpec",
    "kms:CustomerMasterKeyUsage",
    "kms:DataKeyPairSpec",
    "kms:EncryptionAlgorithm",
    "kms:EncryptionContext:",
    "kms:EncryptionContextKeys",
    "kms:ExpirationModel",
    "kms:GrantConstraintType",
    "kms:GrantIsForAWSResource",
    "kms:GrantOperations",
    "kms:GranteePrincipal",
    "kms:KeyAgreementAlgorithm",
    "kms:KeyOrigin",
    "kms:KeySpec",
    "kms:KeyUsage",
    "kms:MacAlgorithm",
    "kms:MessageType",
    "kms:MultiRegion",
    "kms:MultiRegionKeyType",
    "kms:PrimaryRegion",
    "kms:ReEncryptOnSameKey",
    "kms:RecipientAttestation:",
    "kms:ReplicaRegion",
    "kms:RequestAlias",
    "kms:ResourceAliases",
    "kms:RetiringPrincipal",
    "kms:RotationPeriodInDays",
    "kms:ScheduleKeyDeletionPendingWindowInDays",
    "kms:SigningAlgorithm",
    "kms:ValidTo",
    "kms:ViaService",
    "kms:WrappingAlgorithm",
    "kms:WrappingKeySpec",
    "iam:AWSServiceName",
    "iam:AssociatedResourceArn",
    "iam:FIDO-FIPS-140-2-certification",
    "iam:FIDO-FIPS-140-3-certification",
    "iam:FIDO-certification",
    "iam:OrganizationsPolicyId",
    "iam:PassedToService",
    "iam:PermissionsBoundary",
    "iam:PolicyARN",
    "iam:RegisterSecurityKey",
    "iam:ResourceTag/",
    "iam:ServiceSpecificCredentialAgeDays",
    "iam:ServiceSpecificCredentialServiceName",
    "sts:AWSServiceName",
    "sts:DurationSeconds",
    "sts:ExternalId",
    "sts:RequestContext/",
    "sts:RequestContextProviders",
    "sts:RoleSessionName",
    "sts:SourceIdentity",
    "sts:TransitiveTagKeys",
    "organizations:PolicyType",
    "organizations:ServicePrincipal",
];

fn lookup_global(key: &str) -> Option<(KeyType, bool)> {
    let lc = key.to_ascii_lowercase();
    GLOBAL_KEYS.iter().find_map(|(name, ty, multi)| {
        let n = name.to_ascii_lowercase();
        let hit = if n.ends_with('/') {
            lc.starts_with(&n) && lc.len() > n.len()
        } else {
            lc == n
        };
        hit.then_some((*ty, *multi))
    })
}

fn known_service_key(key: &str) -> bool {
    let lc = key.to_ascii_lowercase();
    SERVICE_KEYS.iter().any(|name| {
        let n = name.to_ascii_lowercase();
        if n.ends_with('/') || n.ends_with(':') {
            lc.starts_with(&n) && lc.len() > n.len()
        } else {
            lc == n
        }
    })
}

/// Checks a Condition element; returns its condition keys, lower-cased.
pub(crate) fn check_condition(
    cx: &mut Cx,
    node: &JsonNode,
    path: &[PathElement],
    variables: bool,
) -> Vec<String> {
    let mut keys = Vec::new();
    let JsonValue::Object(ops) = &node.value else {
        mismatch(cx, node, path.to_vec(), "Object");
        return keys;
    };
    if ops.is_empty() {
        let span = cx.node_span(node);
        cx.add("EMPTY_OBJECT_CONDITION", &[], path.to_vec(), span);
    }
    for (op_text, block) in ops {
        let op_key = join(path, Key(op_text.clone()));
        let Some((set, op, if_exists)) = parse_operator(op_text) else {
            let base = op_text
                .trim_start_matches("ForAllValues:")
                .trim_start_matches("ForAnyValue:");
            let code = if base == "NullIfExists" {
                "NULL_WITH_IF_EXISTS"
            } else {
                "INVALID_CONDITION_OPERATOR"
            };
            let span = cx.key_span(block);
            cx.add(code, &[("operator", op_text)], op_key, span);
            continue;
        };
        if op == Operator::Null && set.is_some() {
            let span = cx.key_span(block);
            cx.add("NULL_WITH_QUALIFIER", &[], op_key.clone(), span);
        }
        let op_path = join(path, Value(op_text.clone()));
        let JsonValue::Object(members) = &block.value else {
            mismatch(cx, block, op_path, "Object");
            continue;
        };
        for (i, (key, vals)) in members.iter().enumerate() {
            let earlier = members[..i]
                .iter()
                .any(|(k, _)| k != key && k.eq_ignore_ascii_case(key));
            if earlier {
                let span = cx.key_span(vals);
                cx.add(
                    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                    &[("key", key)],
                    join(&op_path, Key(key.clone())),
                    span,
                );
            }
            keys.push(key.to_ascii_lowercase());
            let op = Op {
                text: op_text,
                op,
                set,
                if_exists,
            };
            check_key(cx, key, vals, &op, &join(&op_path, Key(key.clone())));
            check_values(
                cx,
                key,
                vals,
                &op,
                &join(&op_path, Value(key.clone())),
                variables,
            );
        }
    }
    keys
}

struct Op<'a> {
    text: &'a str,
    op: Operator,
    set: Option<SetOperator>,
    if_exists: bool,
}

fn check_key(cx: &mut Cx, key: &str, vals: &JsonNode, op: &Op, path: &[PathElement]) {
    let span = cx.key_span(vals);
    let Some((prefix, _)) = key.split_once(':') else {
        cx.add("INVALID_CONDITION_KEY_FORMAT", &[], path.to_vec(), span);
        return;
    };
    let prefix = prefix.to_ascii_lowercase();
    if prefix == "aws" {
        let lc = key.to_ascii_lowercase();
        if lc == "aws:arn" {
            // AWS documents both: a warning to move on, an error where it is not supported;
            // identity policies are where the old key still evaluates (inferred).
            let code = if cx.ty == ValidatePolicyType::IdentityPolicy {
                "DEPRECATED_GLOBAL_CONDITION_KEY"
            } else {
                "UNSUPPORTED_GLOBAL_CONDITION_KEY"
            };
            cx.add(code, &[], path.to_vec(), span);
            return;
        }
        let bare = lc.trim_end_matches('/');
        if matches!(
            bare,
            "aws:requesttag" | "aws:resourcetag" | "aws:principaltag"
        ) {
            let name = format!("{}/", key.trim_end_matches('/'));
            cx.add(
                "MISSING_TAG_KEY_IN_CONDITION",
                &[("conditionKeyName", &name)],
                path.to_vec(),
                span,
            );
            return;
        }
        let Some((ty, multi)) = lookup_global(key) else {
            cx.add(
                "INVALID_GLOBAL_CONDITION_KEY",
                &[("key", key)],
                path.to_vec(),
                span,
            );
            return;
        };
        if op.set == Some(SetOperator::ForAllValues) && !multi {
            cx.add(
                "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                &[("key", key)],
                path.to_vec(),
                span,
            );
        }
        if let Some(allowed) = type_mismatch(ty, op.op) {
            cx.add(
                "TYPE_MISMATCH",
                &[("allowed", allowed), ("operator", op.text), ("key", key)],
                path.to_vec(),
                span,
            );
        }
        return;
    }
    if matches!(prefix.as_str(), "kms" | "iam" | "sts" | "organizations") {
        let lc = key.to_ascii_lowercase();
        if lc == "iam:resourcetag" || lc == "iam:resourcetag/" {
            let name = format!("{}/", key.trim_end_matches('/'));
            cx.add(
                "MISSING_TAG_KEY_IN_CONDITION",
                &[("conditionKeyName", &name)],
                path.to_vec(),
                span,
            );
        } else if !known_service_key(key) {
            cx.add(
                "INVALID_SERVICE_CONDITION_KEY",
                &[("key", key), ("service", &prefix)],
                path.to_vec(),
                span,
            );
        }
    }
}

/// The operator type a key of type `ty` takes, when `op` is not one of them.
fn type_mismatch(ty: KeyType, op: Operator) -> Option<&'static str> {
    let family = op.family();
    let ok = matches!(
        (ty, family),
        (_, Family::Null)
            | (
                KeyType::String | KeyType::Arn,
                Family::Str | Family::StrIgnoreCase | Family::StrLike | Family::Arn
            )
            | (KeyType::Date, Family::Date)
            | (KeyType::Numeric, Family::Num)
            | (KeyType::Bool, Family::Bool)
            | (KeyType::Ip, Family::Ip)
    );
    (!ok).then_some(match ty {
        KeyType::String => "String",
        KeyType::Arn => "ARN",
        KeyType::Date => "Date",
        KeyType::Numeric => "Numeric",
        KeyType::Bool => "Bool",
        KeyType::Ip => "IPAddress",
    })
}

fn check_values(
    cx: &mut Cx,
    key: &str,
    vals: &JsonNode,
    op: &Op,
    path: &[PathElement],
    variables: bool,
) {
    let scalar = |n: &JsonNode| match &n.value {
        JsonValue::String(s) => Some(s.clone()),
        JsonValue::Bool(b) => Some(b.to_string()),
        JsonValue::Number(x) => Some(x.clone()),
        _ => None,
    };
    let items: Vec<(String, &JsonNode, Vec<PathElement>)> = match &vals.value {
        JsonValue::Array(items) => {
            if items.is_empty() {
                let code = match (op.set, op.if_exists) {
                    (Some(SetOperator::ForAllValues), _) => "EMPTY_ARRAY_CONDITION_FORALLVALUES",
                    (Some(SetOperator::ForAnyValue), _) => "EMPTY_ARRAY_CONDITION_FORANYVALUE",
                    (None, true) => "EMPTY_ARRAY_CONDITION_IFEXISTS",
                    (None, false) => "EMPTY_ARRAY_CONDITION",
                };
                let span = cx.node_span(vals);
                cx.add(code, &[("key", key)], path.to_vec(), span);
                return;
            }
            let mut out = Vec::new();
            for (i, n) in items.iter().enumerate() {
                match scalar(n) {
                    Some(s) => out.push((s, n, join(path, Index(i)))),
                    None => {
                        mismatch(cx, n, join(path, Index(i)), "String");
                        return;
                    }
                }
            }
            let kind = |n: &JsonNode| std::mem::discriminant(&n.value);
            if items.iter().any(|n| kind(n) != kind(&items[0])) {
                let span = cx.node_span(vals);
                cx.add("INVALID_CONDITION_DATA_TYPE", &[], path.to_vec(), span);
            }
            out
        }
        _ => match scalar(vals) {
            Some(s) => vec![(s, vals, path.to_vec())],
            None => {
                mismatch(cx, vals, path.to_vec(), "String");
                return;
            }
        },
    };
    let family = op.op.family();
    let mut private = Vec::new();
    for (text, node, p) in &items {
        if text.contains("${") {
            let item = Item {
                text,
                node,
                path: p.clone(),
            };
            if !check_variables(cx, &item) {
                continue;
            }
            let string_like = matches!(
                family,
                Family::Str | Family::StrIgnoreCase | Family::StrLike | Family::Arn
            );
            let span = cx.node_span(node);
            if !string_like {
                cx.add("INVALID_VARIABLE_FOR_OPERATOR", &[], p.clone(), span);
            } else if !variables {
                cx.add("VARIABLE_UNSUPPORTED_IN_VERSION", &[], p.clone(), span);
            }
            continue;
        }
        let span = cx.node_span(node);
        let bad = matches!(compile_value(op.op, text, false), ConditionValue::Invalid);
        let operator = [("operator", op.text)];
        match family {
            Family::Bool | Family::Null
                if !text.eq_ignore_ascii_case("true") && !text.eq_ignore_ascii_case("false") =>
            {
                cx.add("TYPE_MISMATCH_BOOLEAN", &operator, p.clone(), span)
            }
            Family::Num if bad => cx.add("TYPE_MISMATCH_NUMBER", &operator, p.clone(), span),
            Family::Date if bad => cx.add("TYPE_MISMATCH_DATE", &operator, p.clone(), span),
            Family::Binary if bad => cx.add("TYPE_MISMATCH_STRING", &operator, p.clone(), span),
            Family::Ip => match ip_net(text) {
                None => cx.add("TYPE_MISMATCH_IP_RANGE", &operator, p.clone(), span),
                Some(net) => {
                    if net.trunc() != net {
                        let addr = net.trunc().to_string();
                        cx.add("IMPROVE_IP_RANGE", &[("addr", &addr)], p.clone(), span);
                    }
                    private.push((
                        is_private(&net),
                        Location {
                            path: p.clone(),
                            span,
                        },
                    ));
                }
            },
            Family::Str | Family::StrIgnoreCase if text.contains(['*', '?']) => {
                cx.add("WILDCARD_WITHOUT_LIKE_OPERATOR", &[], p.clone(), span)
            }
            _ => {}
        }
    }
    if key.eq_ignore_ascii_case("aws:SourceIp") && !private.is_empty() {
        let negated = op.op == Operator::NotIpAddress;
        let all = private.iter().all(|(p, _)| *p);
        let some = private.iter().any(|(p, _)| *p);
        let code = match (all, some, negated) {
            (true, _, false) => "PRIVATE_IP_ADDRESS",
            (true, _, true) => "PRIVATE_NOT_IP_ADDRESS",
            (false, true, false) => "PRIVATE_IP_ADDRESS_SUBSET",
            (false, true, true) => "PRIVATE_NOT_IP_ADDRESS_SUBSET",
            _ => return,
        };
        let locations = private
            .into_iter()
            .filter(|(p, _)| *p)
            .map(|(_, l)| l)
            .collect();
        let details = super::codes::check(code).details.to_string();
        cx.report(code, details, locations);
    }
}

fn ip_net(text: &str) -> Option<IpNet> {
    let t = text.trim();
    t.parse::<IpNet>()
        .ok()
        .or_else(|| t.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Inside RFC 1918, loopback, link-local or IPv6 unique-local/link-local space.
fn is_private(net: &IpNet) -> bool {
    const PRIVATE: [&str; 7] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    ];
    PRIVATE
        .iter()
        .filter_map(|p| p.parse::<IpNet>().ok())
        .any(|p| p.contains(net))
}
