//! An operation's input (canonical JSON, as the pipeline decodes it) written as the request
//! its protocol sends: awsJson bodies, restJson paths, query strings and headers, awsQuery
//! form parameters.

use http::Method;
use keyhole::protocol::model::{ServiceModel, Shape, ShapeKind};
use keyhole::protocol::{Protocol, ServiceId};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

use crate::wire;

fn shape<'m>(model: &'m ServiceModel, name: &str) -> Option<&'m Shape> {
    model.shape(name)
}

/// An operation's input as a request of its protocol. `None` when a URI label has no value.
pub fn request(
    service: ServiceId,
    op: &str,
    input: &Map<String, Value>,
) -> Option<keyhole::protocol::HttpRequest> {
    let model = service.model();
    match service.protocol() {
        Protocol::AwsJson => Some(wire::aws_json(
            service,
            op,
            Value::Object(input.clone()).to_string(),
        )),
        Protocol::AwsQuery => {
            let operation = &model.operations[op];
            let s = shape(model, operation.input.as_deref()?)?;
            let mut params = Vec::new();
            flatten(model, s, &Value::Object(input.clone()), "", &mut params);
            Some(wire::query_form(service, op, &params))
        }
        Protocol::RestJson => rest_request(service, op, input),
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// awsQuery parameters: `Name`, `Name.member.N`, `Name.Sub`.
fn flatten(
    model: &ServiceModel,
    s: &Shape,
    value: &Value,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) {
    let Some(object) = value.as_object() else {
        out.push((prefix.to_owned(), text(value)));
        return;
    };
    for m in &s.members {
        let Some(v) = object.get(&m.name) else {
            continue;
        };
        let name = m.location_name.as_deref().unwrap_or(&m.name);
        let key = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        };
        let Some(ms) = shape(model, &m.shape) else {
            continue;
        };
        match (ms.kind, v) {
            // `Name=` is an explicitly empty list.
            (ShapeKind::List, Value::Array(items)) if items.is_empty() => {
                out.push((key, String::new()))
            }
            (ShapeKind::List, Value::Array(items)) => {
                let item = ms.list_member.as_deref().and_then(|i| shape(model, i));
                let base = if ms.flattened || m.flattened {
                    key.clone()
                } else {
                    format!("{key}.member")
                };
                for (i, it) in items.iter().enumerate() {
                    match item {
                        Some(is) if is.kind == ShapeKind::Structure => {
                            flatten(model, is, it, &format!("{base}.{}", i + 1), out)
                        }
                        _ => out.push((format!("{base}.{}", i + 1), text(it))),
                    }
                }
            }
            (ShapeKind::Structure, _) => flatten(model, ms, v, &key, out),
            _ => out.push((key, text(v))),
        }
    }
}

fn rest_request(
    service: ServiceId,
    op: &str,
    input: &Map<String, Value>,
) -> Option<keyhole::protocol::HttpRequest> {
    let model = service.model();
    let operation = &model.operations[op];
    let s = operation.input.as_deref().and_then(|i| shape(model, i));
    let (mut path, literal_query) = match operation.request_uri.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (operation.request_uri.clone(), None),
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut body = input.clone();
    for m in s.map(|s| s.members.as_slice()).unwrap_or_default() {
        let wire_name = m.location_name.as_deref().unwrap_or(&m.name);
        let value = body.get(&m.name).cloned();
        match m.location.as_deref() {
            Some("uri") => {
                body.remove(&m.name);
                let encoded = utf8_percent_encode(&text(&value?), NON_ALPHANUMERIC).to_string();
                path = path
                    .replace(&format!("{{{wire_name}}}"), &encoded)
                    .replace(&format!("{{{wire_name}+}}"), &encoded);
            }
            Some("querystring") => {
                body.remove(&m.name);
                match value {
                    Some(Value::Array(items)) => items.iter().for_each(|i| {
                        query.append_pair(wire_name, &text(i));
                    }),
                    Some(v) => {
                        query.append_pair(wire_name, &text(&v));
                    }
                    None => {}
                }
            }
            Some("header") => {
                body.remove(&m.name);
                if let Some(v) = value {
                    headers.push((wire_name.to_ascii_lowercase(), text(&v)));
                }
            }
            _ => {}
        }
    }
    if path.contains('{') {
        return None;
    }
    let mut query = query.finish();
    if let Some(literal) = literal_query {
        query = if query.is_empty() {
            literal
        } else {
            format!("{literal}&{query}")
        };
    }
    let body = if body.is_empty() && operation.method == "GET" {
        String::new()
    } else {
        Value::Object(body).to_string()
    };
    let header_refs: Vec<(&str, &str)> = std::iter::once(("content-type", "application/json"))
        .chain(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .collect();
    let method = Method::from_bytes(operation.method.as_bytes()).ok()?;
    Some(wire::signed(
        service,
        method,
        &path,
        (!query.is_empty()).then_some(query),
        &header_refs,
        body,
    ))
}
