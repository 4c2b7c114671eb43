//! IAM policy grammar: JSON text → compiled [`Policy`]. Structural errors
//! are typed here; `validate` turns them into each service's AWS message.

use std::sync::Arc;

use super::condition::{compile_value, parse_operator};
use super::json::{self, JsonNode, JsonValue};
use super::matcher::{ArnPattern, Glob};
use super::model::*;
use super::variables::Template;

/// Why a document is not an IAM policy at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not valid JSON at byte {0}")]
    Json(usize),
    #[error("the document is not a JSON object")]
    NotAnObject,
    #[error("unknown element {0}")]
    UnknownElement(String),
    #[error("Version must be 2012-10-17 or 2008-10-17")]
    BadVersion,
    #[error("Id must be a string")]
    BadId,
    #[error("Statement is missing")]
    MissingStatement,
    #[error("Statement must be an object or a non-empty array of objects")]
    BadStatement,
    #[error("unknown statement element {0}")]
    UnknownStatementElement(String),
    #[error("a statement has both {0} and Not{0}")]
    Conflict(&'static str),
    #[error("Effect must be Allow or Deny")]
    BadEffect,
    #[error("{0} must be a string or an array of strings")]
    BadElementType(&'static str),
    #[error("Sid must be a string")]
    BadSid,
    #[error("Principal must be \"*\" or an object of AWS, Service, Federated, CanonicalUser")]
    BadPrincipal,
    #[error("Condition block is malformed")]
    BadCondition,
    #[error("unknown condition operator {0}")]
    UnknownOperator(String),
}

/// Valid but suspicious forms that some services reject (AWS "legacy parsing").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lint {
    /// `"Effect": "allow"`: accepted case-insensitively by the grammar only.
    EffectCase(usize),
    /// A Date condition value that is not a date.
    BadDateValue(usize),
    /// A Numeric/Ip/Binary value that cannot be read.
    BadConditionValue(usize),
    /// An empty Action/Resource array.
    EmptyList(usize, &'static str),
    /// An unknown operator with an empty block (tolerated by IAM).
    EmptyUnknownOperator(usize),
    /// The same member twice in one object.
    DuplicateKey(String),
}

/// A parsed document plus what the validator may still object to.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub policy: Policy,
    pub lints: Vec<Lint>,
    pub root: JsonNode,
}

/// Parses any IAM-grammar policy (no per-service rules).
pub fn parse(text: &str) -> Result<Policy, ParseError> {
    parse_full(text).map(|p| p.policy)
}

pub fn parse_full(text: &str) -> Result<Parsed, ParseError> {
    let root = json::parse(text).map_err(|e| ParseError::Json(e.offset))?;
    let JsonValue::Object(members) = &root.value else {
        return Err(ParseError::NotAnObject);
    };
    let mut lints = Vec::new();
    check_duplicates(members, &mut lints);
    for (k, _) in members {
        if !matches!(k.as_str(), "Version" | "Id" | "Statement") {
            return Err(ParseError::UnknownElement(k.clone()));
        }
    }
    let version = match root.get("Version") {
        None => Version::Absent,
        Some(v) => match v.as_str() {
            Some("2012-10-17") => Version::V2012_10_17,
            Some("2008-10-17") => Version::V2008_10_17,
            _ => return Err(ParseError::BadVersion),
        },
    };
    let id = match root.get("Id") {
        None => None,
        Some(v) => Some(v.as_str().ok_or(ParseError::BadId)?.to_string()),
    };
    let stmt_nodes: Vec<&JsonNode> = match root.get("Statement").map(|s| &s.value) {
        None => return Err(ParseError::MissingStatement),
        Some(JsonValue::Object(_)) => root.get("Statement").into_iter().collect(),
        Some(JsonValue::Array(items)) if !items.is_empty() => items.iter().collect(),
        Some(_) => return Err(ParseError::BadStatement),
    };
    let mut statements = Vec::with_capacity(stmt_nodes.len());
    let mut lines = json::LineCursor::default();
    for (index, node) in stmt_nodes.into_iter().enumerate() {
        let mut statement = parse_statement(node, index, version, &mut lints)?;
        statement.span = Some(span_of(text, node, &mut lines));
        statements.push(statement);
    }
    let policy = Policy {
        version,
        id,
        action_index: Policy::index_actions(&statements),
        statements,
        text: Arc::from(text),
    };
    Ok(Parsed {
        policy,
        lints,
        root,
    })
}

fn check_duplicates(members: &[(String, JsonNode)], lints: &mut Vec<Lint>) {
    for (i, (k, _)) in members.iter().enumerate() {
        if members[..i].iter().any(|(k2, _)| k2 == k) {
            lints.push(Lint::DuplicateKey(k.clone()));
        }
    }
}

fn span_of(text: &str, node: &JsonNode, lines: &mut json::LineCursor) -> Span {
    let (sl, sc) = lines.advance_to(text, node.start);
    let (el, ec) = lines.advance_to(text, node.end);
    Span {
        start_byte: node.start,
        end_byte: node.end,
        start: Position {
            line: sl,
            column: sc,
        },
        end: Position {
            line: el,
            column: ec,
        },
    }
}

/// A string or an array of strings (nulls in arrays are skipped, as IAM does).
fn string_list(node: &JsonNode, what: &'static str) -> Result<Vec<String>, ParseError> {
    match &node.value {
        JsonValue::String(s) => Ok(vec![s.clone()]),
        JsonValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match &item.value {
                    JsonValue::String(s) => out.push(s.clone()),
                    JsonValue::Null => {}
                    _ => return Err(ParseError::BadElementType(what)),
                }
            }
            Ok(out)
        }
        _ => Err(ParseError::BadElementType(what)),
    }
}

fn pick<'a>(
    node: &'a JsonNode,
    pos: &str,
    neg: &str,
    what: &'static str,
) -> Result<Option<(bool, &'a JsonNode)>, ParseError> {
    match (node.get(pos), node.get(neg)) {
        (Some(_), Some(_)) => Err(ParseError::Conflict(what)),
        (Some(n), None) => Ok(Some((false, n))),
        (None, Some(n)) => Ok(Some((true, n))),
        (None, None) => Ok(None),
    }
}

fn parse_statement(
    node: &JsonNode,
    index: usize,
    version: Version,
    lints: &mut Vec<Lint>,
) -> Result<Statement, ParseError> {
    let JsonValue::Object(members) = &node.value else {
        return Err(ParseError::BadStatement);
    };
    check_duplicates(members, lints);
    for (k, _) in members {
        if !matches!(
            k.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(ParseError::UnknownStatementElement(k.clone()));
        }
    }
    let sid = match node.get("Sid") {
        None => None,
        Some(s) => Some(Arc::<str>::from(s.as_str().ok_or(ParseError::BadSid)?)),
    };
    let effect = match node.get("Effect").and_then(JsonNode::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(e) if e.eq_ignore_ascii_case("allow") => {
            lints.push(Lint::EffectCase(index));
            Effect::Allow
        }
        Some(e) if e.eq_ignore_ascii_case("deny") => {
            lints.push(Lint::EffectCase(index));
            Effect::Deny
        }
        _ => return Err(ParseError::BadEffect),
    };
    let principal = match pick(node, "Principal", "NotPrincipal", "Principal")? {
        None => None,
        Some((negated, n)) => Some(PrincipalBlock {
            negated,
            entries: parse_principal(n)?,
        }),
    };
    let action = match pick(node, "Action", "NotAction", "Action")? {
        None => None,
        Some((negated, n)) => {
            let list = string_list(n, "Action")?;
            if list.is_empty() {
                lints.push(Lint::EmptyList(index, "Action"));
            }
            Some(ActionBlock {
                negated,
                patterns: list.iter().map(|a| Glob::new(&a.to_lowercase())).collect(),
            })
        }
    };
    let resource = match pick(node, "Resource", "NotResource", "Resource")? {
        None => None,
        Some((negated, n)) => {
            let list = string_list(n, "Resource")?;
            if list.is_empty() {
                lints.push(Lint::EmptyList(index, "Resource"));
            }
            let patterns = list
                .iter()
                .map(|r| {
                    if r == "*" {
                        return ResourcePattern::Any;
                    }
                    match Template::parse(r).filter(|_| version.variables_enabled()) {
                        Some(t) => ResourcePattern::Template(t),
                        None => ResourcePattern::Arn(ArnPattern::new(r)),
                    }
                })
                .collect();
            Some(ResourceBlock { negated, patterns })
        }
    };
    let conditions = match node.get("Condition") {
        None => Vec::new(),
        Some(c) => parse_conditions(c, index, version, lints)?,
    };
    Ok(Statement {
        index,
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
        span: None,
        inert: false,
    })
}

fn parse_principal(node: &JsonNode) -> Result<Vec<PrincipalEntry>, ParseError> {
    match &node.value {
        JsonValue::String(s) if s == "*" => Ok(vec![PrincipalEntry {
            kind: PrincipalEntryKind::Star,
            value: "*".into(),
            pattern: PrincipalPattern::Any,
        }]),
        JsonValue::Object(members) => {
            let mut out = Vec::new();
            for (k, v) in members {
                let kind = match k.as_str() {
                    "AWS" => PrincipalEntryKind::Aws,
                    "Service" => PrincipalEntryKind::Service,
                    "Federated" => PrincipalEntryKind::Federated,
                    "CanonicalUser" => PrincipalEntryKind::CanonicalUser,
                    _ => return Err(ParseError::BadPrincipal),
                };
                for value in string_list(v, "Principal").map_err(|_| ParseError::BadPrincipal)? {
                    let pattern = principal_pattern(kind, &value);
                    out.push(PrincipalEntry {
                        kind,
                        value,
                        pattern,
                    });
                }
            }
            Ok(out)
        }
        _ => Err(ParseError::BadPrincipal),
    }
}

pub fn principal_pattern(kind: PrincipalEntryKind, value: &str) -> PrincipalPattern {
    if value == "*" {
        return PrincipalPattern::Any;
    }
    if kind != PrincipalEntryKind::Aws {
        return PrincipalPattern::Name(value.to_string());
    }
    if is_account_id(value) {
        return PrincipalPattern::Account(value.to_string());
    }
    if let Some(rest) = value.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [_, "iam", "", acct, "root"] = parts[..] {
            if is_account_id(acct) {
                return PrincipalPattern::Account(acct.to_string());
            }
        }
    }
    PrincipalPattern::Arn(value.to_string())
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_conditions(
    node: &JsonNode,
    index: usize,
    version: Version,
    lints: &mut Vec<Lint>,
) -> Result<Vec<Condition>, ParseError> {
    let JsonValue::Object(ops) = &node.value else {
        return Err(ParseError::BadCondition);
    };
    let mut out = Vec::new();
    for (op_text, block) in ops {
        let JsonValue::Object(keys) = &block.value else {
            return Err(ParseError::BadCondition);
        };
        let Some((set, operator, if_exists)) = parse_operator(op_text) else {
            if keys.is_empty() {
                lints.push(Lint::EmptyUnknownOperator(index));
                continue;
            }
            return Err(ParseError::UnknownOperator(op_text.clone()));
        };
        for (key, vals) in keys {
            let raw: Vec<String> = match &vals.value {
                JsonValue::String(s) => vec![s.clone()],
                JsonValue::Bool(b) => vec![b.to_string()],
                JsonValue::Number(n) => vec![n.clone()],
                JsonValue::Array(items) => {
                    let mut v = Vec::with_capacity(items.len());
                    for i in items {
                        match &i.value {
                            JsonValue::String(s) => v.push(s.clone()),
                            JsonValue::Bool(b) => v.push(b.to_string()),
                            JsonValue::Number(n) => v.push(n.clone()),
                            _ => return Err(ParseError::BadCondition),
                        }
                    }
                    v
                }
                _ => return Err(ParseError::BadCondition),
            };
            let values: Vec<ConditionValue> = raw
                .iter()
                .map(|r| compile_value(operator, r, version.variables_enabled()))
                .collect();
            if values.iter().any(|v| matches!(v, ConditionValue::Invalid)) {
                lints.push(if op_text.contains("Date") {
                    Lint::BadDateValue(index)
                } else {
                    Lint::BadConditionValue(index)
                });
            }
            out.push(Condition {
                operator_text: op_text.clone(),
                operator,
                set,
                if_exists,
                key: key.clone(),
                key_lc: key.to_lowercase(),
                values,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_equivalent() {
        let a = parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#).unwrap();
        let b = parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}"#).unwrap();
        assert_eq!(a.statements.len(), b.statements.len());
        assert_eq!(
            a.statements[0].action.as_ref().unwrap().patterns,
            b.statements[0].action.as_ref().unwrap().patterns
        );
    }

    #[test]
    fn errors() {
        assert_eq!(parse("[]").unwrap_err(), ParseError::NotAnObject);
        assert_eq!(
            parse(r#"{"Statement":[]}"#).unwrap_err(),
            ParseError::BadStatement
        );
        assert_eq!(
            parse(r#"{"Statement":{"Effect":"Allow","Action":"a:b","NotAction":"c:d"}}"#)
                .unwrap_err(),
            ParseError::Conflict("Action")
        );
        assert_eq!(
            parse(r#"{"Statement":{"Effect":"Allow","Condition":{"Foo":{"k":"v"}}}}"#).unwrap_err(),
            ParseError::UnknownOperator("Foo".into())
        );
    }

    #[test]
    fn spans_point_at_statements() {
        let t = "{\"Statement\":[\n  {\"Effect\":\"Allow\"}\n]}";
        let p = parse(t).unwrap();
        let s = p.statements[0].span.unwrap();
        assert_eq!(&t[s.start_byte..s.end_byte], "{\"Effect\":\"Allow\"}");
        assert_eq!(s.start, Position { line: 2, column: 3 });
    }
}
