//! The document's grammar: top-level elements, Version, Statement, and each statement's
//! elements and their JSON types. What a statement says is gathered into a
//! [`StatementInfo`] for the value, condition and whole-policy checks.

use super::super::json::{self, JsonNode, JsonValue};
use super::cx::{join, Cx};
use super::items::{mismatch, string_items, Item, StatementInfo};
use super::types::{PathElement, ValidatePolicyType};
use super::{conditions, semantics, values};
use PathElement::{Index, Key, Value};

const TOP_LEVEL: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

pub(crate) fn check_document(cx: &mut Cx) {
    let root = match json::parse(cx.text) {
        Ok(r) => r,
        Err(e) => {
            let offset = cx.boundary(e.offset);
            let at = cx.position(offset);
            let (index, line, column) = (
                at.offset.to_string(),
                at.line.to_string(),
                at.column.to_string(),
            );
            let end = cx.text[offset..]
                .chars()
                .next()
                .map_or(offset, |c| offset + c.len_utf8());
            let span = cx.span(offset, end);
            cx.add(
                "JSON_SYNTAX_ERROR",
                &[("index", &index), ("line", &line), ("column", &column)],
                vec![],
                span,
            );
            return;
        }
    };
    let JsonValue::Object(members) = &root.value else {
        mismatch(cx, &root, vec![], "Object");
        return;
    };
    for (k, v) in members {
        if !TOP_LEVEL.contains(&k.as_str()) {
            let span = cx.key_span(v);
            cx.add(
                "INVALID_POLICY_ELEMENT",
                &[("element", k)],
                vec![Key(k.clone())],
                span,
            );
        }
    }
    let version = match root.get("Version") {
        None => {
            let span = cx.node_span(&root);
            cx.add("MISSING_VERSION", &[], vec![], span);
            None
        }
        Some(v) => match v.as_str() {
            None => {
                mismatch(cx, v, vec![Value("Version".into())], "String");
                None
            }
            Some(s @ ("2012-10-17" | "2008-10-17")) => Some(s),
            Some(s) => {
                let span = cx.node_span(v);
                cx.add(
                    "INVALID_VERSION",
                    &[("version", s), ("versions", "2012-10-17, 2008-10-17")],
                    vec![Value("Version".into())],
                    span,
                );
                None
            }
        },
    };
    if let Some(id) = root.get("Id") {
        if id.as_str().is_none() {
            mismatch(cx, id, vec![Value("Id".into())], "String");
        }
    }
    let statements: Vec<(&JsonNode, Vec<PathElement>)> = match root.get("Statement") {
        None => {
            let span = cx.node_span(&root);
            cx.add("MISSING_STATEMENT", &[], vec![], span);
            return;
        }
        Some(s) => match &s.value {
            JsonValue::Object(_) => vec![(s, vec![Value("Statement".into())])],
            JsonValue::Array(items) if items.is_empty() => {
                let span = cx.node_span(s);
                cx.add(
                    "MISSING_STATEMENT",
                    &[],
                    vec![Value("Statement".into())],
                    span,
                );
                return;
            }
            JsonValue::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, n)| (n, vec![Value("Statement".into()), Index(i)]))
                .collect(),
            _ => {
                mismatch(cx, s, vec![Value("Statement".into())], "Array");
                return;
            }
        },
    };
    let variables = version == Some("2012-10-17");
    let mut infos = Vec::new();
    for (node, path) in statements {
        if !matches!(node.value, JsonValue::Object(_)) {
            mismatch(cx, node, path, "Object");
            continue;
        }
        infos.push(check_statement(cx, node, path, variables));
    }
    semantics::check_policy(cx, &infos);
}

fn check_statement<'n>(
    cx: &mut Cx,
    node: &'n JsonNode,
    path: Vec<PathElement>,
    variables: bool,
) -> StatementInfo<'n> {
    let JsonValue::Object(members) = &node.value else {
        unreachable!("callers pass objects")
    };
    for (k, v) in members {
        if !STATEMENT.contains(&k.as_str()) {
            let span = cx.key_span(v);
            cx.add(
                "INVALID_POLICY_ELEMENT",
                &[("element", k)],
                join(&path, Key(k.clone())),
                span,
            );
        }
    }
    let mut info = StatementInfo {
        node,
        path: path.clone(),
        sid: None,
        effect: None,
        actions: Vec::new(),
        not_action: false,
        resources: Vec::new(),
        not_resource: false,
        principal: None,
        not_principal: false,
        service_principals: Vec::new(),
        condition_keys: Vec::new(),
    };
    if let Some(sid) = node.get("Sid") {
        let p = join(&path, Value("Sid".into()));
        match sid.as_str() {
            None => mismatch(cx, sid, p, "String"),
            Some(text) => {
                info.sid = Some(Item {
                    text,
                    node: sid,
                    path: p,
                })
            }
        }
    }
    match node.get("Effect") {
        None => {
            let span = cx.node_span(node);
            cx.add("MISSING_EFFECT", &[], path.clone(), span);
        }
        Some(e) => match e.as_str() {
            None => mismatch(cx, e, join(&path, Value("Effect".into())), "String"),
            Some(s @ ("Allow" | "Deny")) => info.effect = Some(s),
            Some(s) => {
                let span = cx.node_span(e);
                cx.add(
                    "INVALID_EFFECT",
                    &[("effect", s)],
                    join(&path, Value("Effect".into())),
                    span,
                );
            }
        },
    }
    // Action / NotAction.
    match pair(cx, node, &path, "Action", "NotAction") {
        None => {
            let span = cx.node_span(node);
            cx.add("MISSING_ACTION", &[], path.clone(), span);
        }
        Some((negated, name, n)) => {
            info.not_action = negated;
            let p = join(&path, Value(name.into()));
            if let Some(items) = string_items(cx, n, &p) {
                if items.is_empty() {
                    let span = cx.node_span(n);
                    cx.add("EMPTY_ARRAY_ACTION", &[], p, span);
                }
                for item in &items {
                    values::check_action(cx, item);
                }
                info.actions = items;
            }
        }
    }
    // Resource / NotResource.
    match pair(cx, node, &path, "Resource", "NotResource") {
        None => {
            let exempt = cx.is_trust_policy() || cx.ty == ValidatePolicyType::ServiceControlPolicy;
            if !exempt {
                let span = cx.node_span(node);
                cx.add("MISSING_RESOURCE", &[], path.clone(), span);
            }
        }
        Some((negated, name, n)) => {
            info.not_resource = negated;
            let p = join(&path, Value(name.into()));
            if cx.is_trust_policy() {
                let span = cx.key_span(n);
                cx.add(
                    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
                    &[],
                    join(&path, Key(name.into())),
                    span,
                );
            }
            if negated && cx.ty == ValidatePolicyType::ServiceControlPolicy {
                let span = cx.key_span(n);
                cx.add(
                    "SCP_SYNTAX_ERROR_NOTRESOURCE",
                    &[],
                    join(&path, Key(name.into())),
                    span,
                );
            }
            if let Some(items) = string_items(cx, n, &p) {
                if items.is_empty() {
                    let span = cx.node_span(n);
                    cx.add("EMPTY_ARRAY_RESOURCE", &[], p, span);
                }
                for item in &items {
                    values::check_resource(cx, item, variables);
                }
                info.resources = items;
            }
        }
    }
    // Principal / NotPrincipal.
    match pair(cx, node, &path, "Principal", "NotPrincipal") {
        None => {
            if matches!(
                cx.ty,
                ValidatePolicyType::ResourcePolicy | ValidatePolicyType::ResourceControlPolicy
            ) {
                let span = cx.node_span(node);
                cx.add("MISSING_PRINCIPAL", &[], path.clone(), span);
            }
        }
        Some((negated, name, n)) => {
            info.principal = Some(n);
            info.not_principal = negated;
            let key = join(&path, Key(name.into()));
            match cx.ty {
                ValidatePolicyType::IdentityPolicy => {
                    let span = cx.key_span(n);
                    cx.add(
                        "UNSUPPORTED_PRINCIPAL",
                        &[("policy_type", cx.ty.as_str())],
                        key,
                        span,
                    );
                }
                ValidatePolicyType::ServiceControlPolicy => {
                    let span = cx.key_span(n);
                    cx.add("SCP_SYNTAX_ERROR_PRINCIPAL", &[], key, span);
                }
                _ => {
                    if negated && cx.is_trust_policy() {
                        let span = cx.key_span(n);
                        cx.add(
                            "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
                            &[],
                            key,
                            span,
                        );
                    }
                    info.service_principals =
                        values::check_principal(cx, n, &join(&path, Value(name.into())));
                }
            }
        }
    }
    if let Some(c) = node.get("Condition") {
        info.condition_keys =
            conditions::check_condition(cx, c, &join(&path, Value("Condition".into())), variables);
    }
    info
}

/// The element `pos` or `neg` of a statement; both at once is UNSUPPORTED_ELEMENT_COMBINATION
/// (reported at the second), and the first is used.
fn pair<'n>(
    cx: &mut Cx,
    node: &'n JsonNode,
    path: &[PathElement],
    pos: &'static str,
    neg: &'static str,
) -> Option<(bool, &'static str, &'n JsonNode)> {
    match (node.get(pos), node.get(neg)) {
        (Some(p), Some(n)) => {
            let second = if n.start > p.start { n } else { p };
            let second_name = if n.start > p.start { neg } else { pos };
            let span = cx.key_span(second);
            cx.add(
                "UNSUPPORTED_ELEMENT_COMBINATION",
                &[("element1", pos), ("element2", neg)],
                join(path, Key(second_name.into())),
                span,
            );
            Some((false, pos, p))
        }
        (Some(p), None) => Some((false, pos, p)),
        (None, Some(n)) => Some((true, neg, n)),
        (None, None) => None,
    }
}
