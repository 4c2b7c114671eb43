//! The checks that read a whole statement or the whole policy: Sids, sizes, SCP rules,
//! NotPrincipal, iam:PassRole and iam:CreateServiceLinkedRole with wildcards, service
//! principals without a source, and redundant actions, resources and statements.

use super::super::json::{JsonNode, JsonValue};
use super::super::validate::{
    iam_policy_size, IAM_MANAGED_POLICY_LIMIT, IAM_TRUST_POLICY_LIMIT, ORGANIZATIONS_POLICY_LIMIT,
};
use super::codes;
use super::cx::{join, Cx};
use super::items::{Item, StatementInfo};
use super::types::{Location, PathElement, ValidatePolicyType};
use crate::policy::glob::Glob;
use PathElement::Key;

pub(crate) fn check_policy(cx: &mut Cx, infos: &[StatementInfo]) {
    check_size(cx);
    check_sids(cx, infos);
    for st in infos {
        check_statement(cx, st);
    }
    redundant_statements(cx, infos);
}

fn whole(cx: &Cx) -> Location {
    Location {
        path: vec![],
        span: cx.span(0, cx.text.len()),
    }
}

fn check_size(cx: &mut Cx) {
    let (code, size, quota) = match cx.ty {
        ValidatePolicyType::IdentityPolicy => (
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
            iam_policy_size(cx.text),
            IAM_MANAGED_POLICY_LIMIT,
        ),
        ValidatePolicyType::ResourcePolicy if cx.is_trust_policy() => (
            "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
            iam_policy_size(cx.text),
            IAM_TRUST_POLICY_LIMIT,
        ),
        ValidatePolicyType::ServiceControlPolicy => (
            "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
            cx.text.chars().count(),
            ORGANIZATIONS_POLICY_LIMIT,
        ),
        _ => return,
    };
    if size > quota {
        let (size, quota) = (size.to_string(), quota.to_string());
        let details = codes::fill(
            codes::check(code).details,
            &[("policySize", &size), ("policySizeQuota", &quota)],
        );
        let at = whole(cx);
        cx.report(code, details, vec![at]);
    }
}

fn check_sids(cx: &mut Cx, infos: &[StatementInfo]) {
    // Identity policies and SCPs take alphanumeric Sids that are unique; resource
    // policies accept any text, and only recommend unique ones.
    let strict = matches!(
        cx.ty,
        ValidatePolicyType::IdentityPolicy | ValidatePolicyType::ServiceControlPolicy
    );
    let mut seen: Vec<&str> = Vec::new();
    for sid in infos.iter().filter_map(|s| s.sid.as_ref()) {
        let span = cx.node_span(sid.node);
        if sid.text.is_empty() {
            cx.add("EMPTY_SID_VALUE", &[], sid.path.clone(), span);
            continue;
        }
        if strict && !sid.text.chars().all(|c| c.is_ascii_alphanumeric()) {
            cx.add("UNSUPPORTED_SID", &[], sid.path.clone(), span);
        }
        if seen.contains(&sid.text) {
            let code = if cx.ty == ValidatePolicyType::ResourcePolicy {
                "UNIQUE_SIDS_RECOMMENDED"
            } else {
                "UNIQUE_SIDS_REQUIRED"
            };
            cx.add(code, &[], sid.path.clone(), span);
        }
        seen.push(sid.text);
    }
}

fn key_location(cx: &Cx, st: &StatementInfo, name: &str) -> Option<Location> {
    st.node.get(name).map(|n| Location {
        path: join(&st.path, Key(name.into())),
        span: cx.key_span(n),
    })
}

fn item_location(cx: &Cx, item: &Item) -> Location {
    Location {
        path: item.path.clone(),
        span: cx.node_span(item.node),
    }
}

fn check_statement(cx: &mut Cx, st: &StatementInfo) {
    let allow = st.effect == Some("Allow");
    if allow && st.not_principal {
        if let Some(at) = key_location(cx, st, "NotPrincipal") {
            let code = "ALLOW_WITH_NOT_PRINCIPAL";
            cx.report(code, codes::check(code).details.into(), vec![at]);
        }
    }
    if cx.ty == ValidatePolicyType::ServiceControlPolicy && allow {
        scp_allow(cx, st);
    }
    if allow && cx.ty == ValidatePolicyType::IdentityPolicy {
        wildcard_grant(cx, st, "iam:passrole", "iam:passedtoservice", PASS_ROLE);
        wildcard_grant(
            cx,
            st,
            "iam:createservicelinkedrole",
            "iam:awsservicename",
            CREATE_SLR,
        );
    }
    if allow && cx.ty == ValidatePolicyType::ResourcePolicy && !cx.is_trust_policy() {
        let scoped = st.condition_keys.iter().any(|k| {
            matches!(
                k.as_str(),
                "aws:sourcearn" | "aws:sourceaccount" | "aws:sourceorgid" | "aws:sourceorgpaths"
            )
        });
        if !scoped {
            for p in &st.service_principals {
                let at = item_location(cx, p);
                let code = "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL";
                cx.report(code, codes::check(code).details.into(), vec![at]);
            }
        }
    }
    if !st.not_action {
        let lc: Vec<String> = st
            .actions
            .iter()
            .map(|a| a.text.to_ascii_lowercase())
            .collect();
        redundant(
            cx,
            &st.actions,
            &lc,
            "REDUNDANT_ACTION",
            "redundantActionCount",
            "redundantAction",
        );
    }
    if !st.not_resource {
        let texts: Vec<String> = st.resources.iter().map(|r| r.text.to_string()).collect();
        redundant(
            cx,
            &st.resources,
            &texts,
            "REDUNDANT_RESOURCE",
            "redundantResourceCount",
            "redundantResource",
        );
    }
}

fn scp_allow(cx: &mut Cx, st: &StatementInfo) {
    let add = |cx: &mut Cx, code: &str, at: Option<Location>| {
        if let Some(at) = at {
            cx.report(code, codes::check(code).details.into(), vec![at]);
        }
    };
    let condition = key_location(cx, st, "Condition");
    add(cx, "SCP_SYNTAX_ERROR_ALLOW_CONDITION", condition);
    if st.not_action {
        let at = key_location(cx, st, "NotAction");
        add(cx, "SCP_SYNTAX_ERROR_ALLOW_NOTACTION", at);
    }
    if !st.not_resource && st.resources.iter().any(|r| r.text != "*") {
        let at = key_location(cx, st, "Resource");
        add(cx, "SCP_SYNTAX_ERROR_ALLOW_RESOURCE", at);
    }
}

/// The six codes of one wildcard-grant family, by (how the action is granted, how the
/// resource is): explicit, star or NotAction × star or NotResource.
struct Family {
    explicit_star: &'static str,
    star_star: &'static str,
    not_action_star: Option<&'static str>,
    explicit_not_resource: &'static str,
    star_not_resource: Option<&'static str>,
    not_action_not_resource: Option<&'static str>,
}

const PASS_ROLE: Family = Family {
    explicit_star: "PASS_ROLE_WITH_STAR_IN_RESOURCE",
    star_star: "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
    not_action_star: Some("PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"),
    explicit_not_resource: "PASS_ROLE_WITH_NOT_RESOURCE",
    star_not_resource: Some("PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"),
    not_action_not_resource: Some("PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE"),
};

const CREATE_SLR: Family = Family {
    explicit_star: "CREATE_SLR_WITH_STAR_IN_RESOURCE",
    star_star: "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
    not_action_star: None,
    explicit_not_resource: "CREATE_SLR_WITH_NOT_RESOURCE",
    star_not_resource: None,
    not_action_not_resource: None,
};

/// An Allow statement granting `action` on any role through a wildcard or NotResource,
/// without the condition key (`scope_key`) AWS recommends to narrow it.
fn wildcard_grant(cx: &mut Cx, st: &StatementInfo, action: &str, scope_key: &str, f: Family) {
    if st.condition_keys.iter().any(|k| k == scope_key) {
        return;
    }
    enum How<'a> {
        Explicit(&'a Item<'a>),
        Star(&'a Item<'a>),
        NotAction,
    }
    let how = if st.not_action {
        let excluded = st
            .actions
            .iter()
            .any(|a| Glob::new(&a.text.to_ascii_lowercase()).matches(action));
        if excluded || st.actions.is_empty() {
            return;
        }
        How::NotAction
    } else {
        let explicit = st
            .actions
            .iter()
            .find(|a| a.text.eq_ignore_ascii_case(action));
        let star = st
            .actions
            .iter()
            .find(|a| Glob::new(&a.text.to_ascii_lowercase()).matches(action));
        match (explicit, star) {
            (Some(a), _) => How::Explicit(a),
            (None, Some(a)) => How::Star(a),
            (None, None) => return,
        }
    };
    let action_at = match &how {
        How::Explicit(a) | How::Star(a) => Some(item_location(cx, a)),
        How::NotAction => key_location(cx, st, "NotAction"),
    };
    let (code, resource_at) = if st.not_resource {
        let code = match how {
            How::Explicit(_) => Some(f.explicit_not_resource),
            How::Star(_) => f.star_not_resource,
            How::NotAction => f.not_action_not_resource,
        };
        (code, key_location(cx, st, "NotResource"))
    } else {
        // A wildcard that can reach any role: `*`, or an ARN pattern naming IAM (or any
        // service) with a wildcard in it.
        let Some(r) = st.resources.iter().find(|r| {
            r.text == "*"
                || (r.text.contains('*') && matches!(r.text.split(':').nth(2), Some("iam" | "*")))
        }) else {
            return;
        };
        let code = match how {
            How::Explicit(_) => Some(f.explicit_star),
            How::Star(_) => Some(f.star_star),
            How::NotAction => f.not_action_star,
        };
        (code, Some(item_location(cx, r)))
    };
    let Some(code) = code else {
        return;
    };
    let locations = action_at.into_iter().chain(resource_at).collect();
    cx.report(code, codes::check(code).details.into(), locations);
}

/// Items another item of the same element already covers (a later exact duplicate, or a
/// value a wildcard of another matches); `texts` are the values as compared.
fn redundant(
    cx: &mut Cx,
    items: &[Item],
    texts: &[String],
    code: &str,
    count_name: &str,
    item_name: &str,
) {
    let globs: Vec<Glob> = texts.iter().map(|t| Glob::new(t)).collect();
    let hits: Vec<&Item> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            (0..items.len()).any(|j| {
                j != *i
                    && globs[j].matches(&texts[*i])
                    && (texts[j] != texts[*i] || j < *i)
                    // Two patterns that cover each other: only the later one is redundant.
                    && !(globs[*i].matches(&texts[j]) && texts[j] != texts[*i] && j > *i)
            })
        })
        .map(|(_, it)| it)
        .collect();
    let Some(first) = hits.first() else {
        return;
    };
    let count = hits.len().to_string();
    let details = codes::fill(
        codes::check(code).details,
        &[(count_name, &count), (item_name, first.text)],
    );
    let locations = hits.iter().map(|it| item_location(cx, it)).collect();
    cx.report(code, details, locations);
}

/// The same statement twice (Sid aside): the later one is redundant.
fn redundant_statements(cx: &mut Cx, infos: &[StatementInfo]) {
    let forms: Vec<String> = infos.iter().map(|s| canonical(s.node, true)).collect();
    for (i, st) in infos.iter().enumerate() {
        if forms[..i].contains(&forms[i]) {
            let at = Location {
                path: st.path.clone(),
                span: cx.node_span(st.node),
            };
            let code = "REDUNDANT_STATEMENT";
            cx.report(code, codes::check(code).details.into(), vec![at]);
        }
    }
}

/// The node's value with object members sorted (and, at the top, without Sid).
fn canonical(node: &JsonNode, top: bool) -> String {
    match &node.value {
        JsonValue::Object(members) => {
            let mut parts: Vec<String> = members
                .iter()
                .filter(|(k, _)| !(top && k == "Sid"))
                .map(|(k, v)| format!("{k:?}:{}", canonical(v, false)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(","))
        }
        JsonValue::Array(items) => {
            let parts: Vec<String> = items.iter().map(|v| canonical(v, false)).collect();
            format!("[{}]", parts.join(","))
        }
        JsonValue::String(s) => format!("{s:?}"),
        JsonValue::Number(n) => n.clone(),
        JsonValue::Bool(b) => b.to_string(),
        JsonValue::Null => "null".into(),
    }
}
