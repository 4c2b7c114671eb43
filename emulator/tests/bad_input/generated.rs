//! Malformed requests generated from the botocore models keyhole embeds
//! (`keyhole::protocol::model`, the same files `emulator/models/` holds): for each operation,
//! in model order, the first top-level member that allows it gets one of: required member
//! missing, wrong JSON type, unknown member, string over its max or under its min length,
//! list over its max, value outside the enum, number out of range, pattern mismatch. The
//! other required members carry valid values, so each request breaks exactly one rule and
//! AWS's answer is known to the letter: "1 validation error detected: Value ... at '...'
//! failed to satisfy constraint: ..." (errors.md, KMS K13 and the enum row). Organizations
//! answers InvalidInputException with a Reason instead; IAM and STS ValidationError.

use keyhole::protocol::model::{Member, ServiceModel, Shape, ShapeKind};
use keyhole::protocol::{Protocol, ServiceId};
use serde_json::{json, Map, Value};

use crate::requests::request;
use crate::wire::{self, Case, Expect};

/// The five services of the suite.
pub const SERVICES: [ServiceId; 5] = [
    ServiceId::Kms,
    ServiceId::Backup,
    ServiceId::Organizations,
    ServiceId::Iam,
    ServiceId::Sts,
];

/// Strings tried, in order, for a member that needs a valid value: the first that meets the
/// shape's length and pattern is used.
const SAMPLES: [&str; 14] = [
    "example",
    "abcd1234",
    "alias/example",
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:iam::111111111111:role/example",
    "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "r-abcd",
    "ou-abcd-abcdefgh",
    "p-abcdefgh",
    "111111111111",
    "AKIAIOSFODNN7EXAMPLE",
    "/",
    "a",
    "2",
];

/// Values that break a pattern while keeping its length constraints (padded to the minimum).
const PATTERN_BREAKERS: [&str; 4] = ["!", " ", "\u{7}", "<>"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Missing,
    WrongType,
    Unknown,
    TooLong,
    TooShort,
    ListTooLong,
    NotInEnum,
    OutOfRange,
    Pattern,
}

const KINDS: [Kind; 9] = [
    Kind::Missing,
    Kind::WrongType,
    Kind::Unknown,
    Kind::TooLong,
    Kind::TooShort,
    Kind::ListTooLong,
    Kind::NotInEnum,
    Kind::OutOfRange,
    Kind::Pattern,
];

fn shape<'m>(model: &'m ServiceModel, name: &str) -> Option<&'m Shape> {
    model.shape(name)
}

fn fits_length(s: &Shape, len: usize) -> bool {
    s.min.is_none_or(|m| len as f64 >= m) && s.max.is_none_or(|m| len as f64 <= m)
}

fn matches(s: &Shape, text: &str) -> bool {
    s.pattern_regex().is_none_or(|p| p.is_match(text))
}

/// A value `s` accepts, or `None` when none of the samples fits.
fn valid(model: &ServiceModel, s: &Shape, depth: usize) -> Option<Value> {
    if depth > 6 {
        return None;
    }
    Some(match s.kind {
        ShapeKind::String => {
            if let Some(first) = s.enum_values.first() {
                return Some(json!(first));
            }
            let min = s.min.unwrap_or(0.0) as usize;
            let padded = ["a".repeat(min.max(1)), "1".repeat(min.max(1))];
            let text = SAMPLES
                .iter()
                .map(|t| (*t).to_owned())
                .chain(padded)
                .find(|t| fits_length(s, t.chars().count()) && matches(s, t))?;
            json!(text)
        }
        ShapeKind::Integer | ShapeKind::Long => json!(s.min.map_or(1, |m| m.max(1.0) as i64)),
        ShapeKind::Float | ShapeKind::Double => json!(s.min.unwrap_or(1.0).max(1.0)),
        ShapeKind::Boolean => json!(true),
        ShapeKind::Timestamp => json!(1_700_000_000),
        ShapeKind::Blob => {
            use base64::Engine;
            let len = s.min.unwrap_or(1.0).max(1.0) as usize;
            json!(base64::engine::general_purpose::STANDARD.encode(vec![b'k'; len]))
        }
        ShapeKind::List => {
            let min = s.min.unwrap_or(0.0) as usize;
            let item = shape(model, s.list_member.as_deref()?)?;
            let one = if min > 0 {
                valid(model, item, depth + 1)?
            } else {
                Value::Null
            };
            Value::Array(vec![one; min])
        }
        ShapeKind::Map => json!({}),
        ShapeKind::Structure => {
            let mut object = Map::new();
            for m in &s.members {
                if s.required.contains(&m.name) {
                    let ms = shape(model, &m.shape)?;
                    object.insert(m.name.clone(), valid(model, ms, depth + 1)?);
                }
            }
            Value::Object(object)
        }
    })
}

/// Every operation of `service` with a model-valid input: required members only, then every
/// member the samples can fill. Handlers see values at the model's edges (minimum lengths,
/// first enum values); the answer may be any error but a 5xx.
pub fn valid_calls(service: ServiceId) -> Vec<(String, keyhole::protocol::HttpRequest)> {
    let model = service.model();
    let mut names: Vec<&String> = model.operations.keys().collect();
    names.sort();
    let mut out = Vec::new();
    for op in names {
        let Some(s) = model.operations[op]
            .input
            .as_deref()
            .and_then(|i| shape(model, i))
        else {
            continue;
        };
        let Some(Value::Object(required)) = valid(model, s, 0) else {
            continue;
        };
        let mut full = required.clone();
        for m in &s.members {
            if let Some(v) = shape(model, &m.shape).and_then(|ms| valid(model, ms, 1)) {
                full.entry(m.name.clone()).or_insert(v);
            }
        }
        for (what, input) in [("required", required), ("full", full)] {
            if let Some(req) = request(service, op, &input) {
                out.push((format!("{service:?} {op} {what}"), req));
            }
        }
    }
    out
}

/// How the validation message prints a rejected value (`'x'`, `'[a, b]'`, `null`).
fn rendered(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::String(s) => format!("'{s}'"),
        Value::Array(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect();
            format!("'[{}]'", inner.join(", "))
        }
        other => format!("'{other}'"),
    }
}

fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_lowercase().collect::<String>() + chars.as_str()
    })
}

fn bound(n: f64) -> String {
    format!("{}", n as i64)
}

/// The answer to one broken constraint, as each service words it.
fn violation(service: ServiceId, member: &str, s: &Shape, value: &Value, rule: &str) -> Expect {
    let reason = match rule {
        r if r.starts_with("Member must not be null") => "INPUT_REQUIRED",
        r if r.contains("length less") => "MAX_LENGTH_EXCEEDED",
        r if r.contains("length greater") => "MIN_LENGTH_EXCEEDED",
        r if r.contains("value less") => "MAX_VALUE_EXCEEDED",
        r if r.contains("value greater") => "MIN_VALUE_EXCEEDED",
        r if r.contains("enum") => "INVALID_ENUM",
        _ => "INVALID_PATTERN",
    };
    match service {
        // Organizations' sentences: its InvalidInputException documentation (errors.rs).
        ServiceId::Organizations => {
            let message = match reason {
                "INPUT_REQUIRED" => "You must include a value for all required parameters.",
                "MAX_LENGTH_EXCEEDED" => {
                    "You provided a string parameter that is longer than allowed."
                }
                "MIN_LENGTH_EXCEEDED" => {
                    "You provided a string parameter that is shorter than allowed."
                }
                "MAX_VALUE_EXCEEDED" => {
                    "You provided a numeric parameter that has a larger value than allowed."
                }
                "MIN_VALUE_EXCEEDED" => {
                    "You provided a numeric parameter that has a smaller value than allowed."
                }
                "INVALID_ENUM" => "You specified an invalid value.",
                _ => "You provided a value that does not match the required pattern.",
            };
            Expect::new(400, "InvalidInputException", message).field("Reason", reason)
        }
        _ => {
            let at = lower_camel(member);
            let shown = if s.sensitive && !value.is_null() {
                format!("Value at '{at}'")
            } else {
                format!("Value {} at '{at}'", rendered(value))
            };
            let code = match service {
                ServiceId::Iam | ServiceId::Sts => "ValidationError",
                _ => "ValidationException",
            };
            let message = format!(
                "1 validation error detected: {shown} failed to satisfy constraint: {rule}"
            );
            Expect::new(400, code, message)
        }
    }
}

/// The mutated value of `member` for `kind`, and AWS's answer; `None` when the member's shape
/// does not allow the kind (or the value would break a second rule).
fn mutate(
    service: ServiceId,
    model: &ServiceModel,
    member: &Member,
    kind: Kind,
) -> Option<(Option<Value>, Expect)> {
    let s = shape(model, &member.shape)?;
    let json_protocol = service.protocol() != Protocol::AwsQuery;
    let v = |value: Value, rule: String| {
        let expect = violation(service, &member.name, s, &value, &rule);
        Some((Some(value), expect))
    };
    match kind {
        Kind::Missing | Kind::Unknown => None,
        // Query-string members arrive as text: only body members can have a JSON type.
        Kind::WrongType if json_protocol && member.location.is_none() => {
            let (value, message) = match s.kind {
                ShapeKind::String => (
                    json!(12345),
                    "NUMBER_VALUE can not be converted to a String",
                ),
                ShapeKind::Integer | ShapeKind::Long => {
                    (json!("12"), "STRING_VALUE can not be converted to a Number")
                }
                ShapeKind::Boolean => (
                    json!("yes"),
                    "STRING_VALUE can not be converted to a Boolean",
                ),
                ShapeKind::List => (
                    json!({"a": 1}),
                    "START_OBJECT can not be converted to a list",
                ),
                ShapeKind::Structure => (
                    json!(["a"]),
                    "START_ARRAY can not be converted to a structure or map",
                ),
                _ => return None,
            };
            // AWS's deserializer names the token it could not convert; its exact sentence is
            // not published, so only the code and status are compared.
            let _ = message;
            Some((Some(value), Expect::code(400, "SerializationException")))
        }
        Kind::WrongType => None,
        Kind::TooLong if s.kind == ShapeKind::String && s.enum_values.is_empty() => {
            let max = s.max? as usize;
            if max > 140_000 {
                return None;
            }
            let text = ["a", "1", "A"]
                .iter()
                .map(|c| c.repeat(max + 1))
                .find(|t| matches(s, t))?;
            v(
                json!(text),
                format!("Member must have length less than or equal to {max}"),
            )
        }
        Kind::TooShort if s.kind == ShapeKind::String && s.enum_values.is_empty() => {
            let min = s.min? as usize;
            // An empty awsQuery parameter is read as absent, not as "".
            if min == 0 || (!json_protocol && min == 1) {
                return None;
            }
            let text = ["a", "1", "A"]
                .iter()
                .map(|c| c.repeat(min - 1))
                .find(|t| matches(s, t))?;
            v(
                json!(text),
                format!("Member must have length greater than or equal to {min}"),
            )
        }
        Kind::ListTooLong if s.kind == ShapeKind::List => {
            let max = s.max? as usize;
            let item = shape(model, s.list_member.as_deref()?)?;
            if max > 1000 || item.kind != ShapeKind::String {
                return None;
            }
            let one = valid(model, item, 1)?;
            v(
                Value::Array(vec![one; max + 1]),
                format!("Member must have length less than or equal to {max}"),
            )
        }
        Kind::NotInEnum if !s.enum_values.is_empty() => v(
            json!("NOT_A_VALUE"),
            format!(
                "Member must satisfy enum value set: [{}]",
                s.enum_values.join(", ")
            ),
        ),
        Kind::OutOfRange if matches!(s.kind, ShapeKind::Integer | ShapeKind::Long) => {
            match (s.max, s.min) {
                (Some(max), _) if max.abs() < 1e15 => v(
                    json!(max as i64 + 1),
                    format!(
                        "Member must have value less than or equal to {}",
                        bound(max)
                    ),
                ),
                (_, Some(min)) if min.abs() < 1e15 => v(
                    json!(min as i64 - 1),
                    format!(
                        "Member must have value greater than or equal to {}",
                        bound(min)
                    ),
                ),
                _ => None,
            }
        }
        Kind::Pattern if s.kind == ShapeKind::String && s.enum_values.is_empty() => {
            let pattern = s.pattern.as_deref()?;
            let min = s.min.unwrap_or(1.0).max(1.0) as usize;
            let text = PATTERN_BREAKERS
                .iter()
                .map(|b| {
                    b.repeat(min)
                        .chars()
                        .take(min.max(b.chars().count()))
                        .collect::<String>()
                })
                .find(|t| fits_length(s, t.chars().count()) && !matches(s, t))?;
            v(
                json!(text),
                format!("Member must satisfy regular expression pattern: {pattern}"),
            )
        }
        _ => None,
    }
}

/// Members a mutation may touch: restJson URI labels and headers route or are few, so only
/// body and query members change.
fn mutable(member: &Member) -> bool {
    !matches!(member.location.as_deref(), Some("uri" | "header"))
}

/// Every generated case of `service`, in model order.
pub fn cases(service: ServiceId) -> Vec<Case> {
    let model = service.model();
    let mut names: Vec<&String> = model.operations.keys().collect();
    names.sort();
    let mut out = Vec::new();
    for op in names {
        let Some(input_shape) = model.operations[op]
            .input
            .as_deref()
            .and_then(|i| shape(model, i))
        else {
            continue;
        };
        let Some(Value::Object(baseline)) = valid(model, input_shape, 0) else {
            continue;
        };
        // awsQuery cannot send a structure with no members: it reads as absent.
        if service.protocol() == Protocol::AwsQuery && baseline.values().any(|v| v == &json!({})) {
            continue;
        }
        for kind in KINDS {
            let generated = match kind {
                Kind::Missing | Kind::Unknown => input_shape
                    .members
                    .iter()
                    .find(|m| input_shape.required.contains(&m.name) && mutable(m))
                    .and_then(|m| {
                        let s = shape(model, &m.shape)?;
                        let mut input = baseline.clone();
                        input.remove(&m.name);
                        if kind == Kind::Unknown {
                            if service.protocol() == Protocol::AwsQuery {
                                return None;
                            }
                            // JSON protocols ignore members the model does not declare.
                            input.insert("NoSuchMember".into(), json!({"deep": [1, 2]}));
                        }
                        let rule = "Member must not be null".to_owned();
                        Some((
                            input,
                            violation(service, &m.name, s, &Value::Null, &rule),
                            m.name.clone(),
                        ))
                    }),
                _ => input_shape
                    .members
                    .iter()
                    .filter(|m| mutable(m))
                    .find_map(|m| {
                        let (value, expect) = mutate(service, model, m, kind)?;
                        let mut input = baseline.clone();
                        input.insert(m.name.clone(), value?);
                        Some((input, expect, m.name.clone()))
                    }),
            };
            let Some((input, expect, member)) = generated else {
                continue;
            };
            let Some(request) = request(service, op, &input) else {
                continue;
            };
            out.push(Case {
                name: format!("{service:?} {op} {kind:?} {member}"),
                service: Some(service),
                shape: wire::Shape::Api(service.protocol()),
                request,
                expect,
            });
        }
    }
    out
}
