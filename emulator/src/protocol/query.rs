//! awsQuery (STS, IAM): `Action=<Operation>&Version=...` form parameters in, XML out.
//! Input members are read by the model: lists as `Name.member.N`, maps as
//! `Name.entry.N.key`/`.value`, structures as `Name.Member`.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::{ApiError, ApiResult};
use super::model::{ServiceId, ServiceModel, Shape, ShapeKind};
use super::wire::{HttpRequest, HttpResponse};
use super::xml::XmlWriter;

fn params(req: &HttpRequest) -> HashMap<String, String> {
    let mut all: HashMap<String, String> = req.query_pairs().into_iter().collect();
    for (k, v) in form_urlencoded::parse(&req.body) {
        all.insert(k.into_owned(), v.into_owned());
    }
    all
}

pub fn has_action(req: &HttpRequest) -> bool {
    req.query_pairs().iter().any(|(k, _)| k == "Action")
}

/// STS and IAM share the protocol; an unsigned request is told apart by its action.
pub fn service_for_action(req: &HttpRequest) -> ServiceId {
    let all = params(req);
    match all.get("Action") {
        Some(action) if ServiceId::Iam.model().operations.contains_key(action) => ServiceId::Iam,
        _ => ServiceId::Sts,
    }
}

pub fn decode(service: ServiceId, req: &HttpRequest) -> ApiResult<(String, Value)> {
    let model = service.model();
    let all = params(req);
    let action = all.get("Action").cloned().unwrap_or_default();
    let version = all.get("Version").cloned().unwrap_or_default();
    let Some(operation) = model.operations.get(&action) else {
        return Err(ApiError::new(
            "InvalidAction",
            format!("Could not find operation {action} for version {version}"),
        ));
    };
    let input = match operation.input.as_deref().and_then(|s| model.shape(s)) {
        Some(shape) => read_structure(model, shape, &all, "")?,
        None => Value::Object(Map::new()),
    };
    Ok((action, input))
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn has_prefix(all: &HashMap<String, String>, prefix: &str) -> bool {
    let dotted = format!("{prefix}.");
    all.keys().any(|k| k == prefix || k.starts_with(&dotted))
}

fn read_structure(
    model: &ServiceModel,
    shape: &Shape,
    all: &HashMap<String, String>,
    prefix: &str,
) -> ApiResult<Value> {
    let mut object = Map::new();
    for member in &shape.members {
        let Some(member_shape) = model.shape(&member.shape) else {
            continue;
        };
        let name = join(
            prefix,
            member.location_name.as_deref().unwrap_or(&member.name),
        );
        if let Some(v) = read_value(model, member_shape, member.flattened, all, &name)? {
            object.insert(member.name.clone(), v);
        }
    }
    Ok(Value::Object(object))
}

fn read_value(
    model: &ServiceModel,
    shape: &Shape,
    flattened: bool,
    all: &HashMap<String, String>,
    name: &str,
) -> ApiResult<Option<Value>> {
    if !has_prefix(all, name) {
        return Ok(None);
    }
    Ok(Some(match shape.kind {
        ShapeKind::Structure => read_structure(model, shape, all, name)?,
        ShapeKind::List => {
            // `Name=` with no members is an explicitly empty list.
            let item_shape = shape.list_member.as_deref().and_then(|m| model.shape(m));
            let item_name = shape
                .list_member_location_name
                .as_deref()
                .unwrap_or("member");
            let base = if flattened || shape.flattened {
                name.to_owned()
            } else {
                join(name, item_name)
            };
            let mut items = Vec::new();
            if let Some(item_shape) = item_shape {
                for i in 1.. {
                    match read_value(model, item_shape, false, all, &format!("{base}.{i}"))? {
                        Some(v) => items.push(v),
                        None => break,
                    }
                }
            }
            Value::Array(items)
        }
        ShapeKind::Map => {
            let key_shape = shape.map_key.as_deref().and_then(|m| model.shape(m));
            let value_shape = shape.map_value.as_deref().and_then(|m| model.shape(m));
            let base = if flattened || shape.flattened {
                name.to_owned()
            } else {
                join(name, "entry")
            };
            let mut map = Map::new();
            if let (Some(ks), Some(vs)) = (key_shape, value_shape) {
                for i in 1.. {
                    let entry = format!("{base}.{i}");
                    let key = read_value(model, ks, false, all, &format!("{entry}.key"))?;
                    let value = read_value(model, vs, false, all, &format!("{entry}.value"))?;
                    match (key, value) {
                        (Some(Value::String(k)), Some(v)) => {
                            map.insert(k, v);
                        }
                        _ => break,
                    }
                }
            }
            Value::Object(map)
        }
        kind => {
            let text = all.get(name).map(String::as_str).unwrap_or_default();
            scalar(kind, text, name)?
        }
    }))
}

fn scalar(kind: ShapeKind, text: &str, name: &str) -> ApiResult<Value> {
    let bad = || {
        ApiError::new(
            "MalformedInput",
            format!("Invalid value '{text}' for parameter {name}"),
        )
    };
    Ok(match kind {
        // An int member holds 32 bits, as the service's Java type does.
        ShapeKind::Integer => Value::from(text.parse::<i32>().map_err(|_| bad())?),
        ShapeKind::Long => Value::from(text.parse::<i64>().map_err(|_| bad())?),
        ShapeKind::Float | ShapeKind::Double => {
            Value::from(text.parse::<f64>().map_err(|_| bad())?)
        }
        ShapeKind::Boolean => Value::Bool(match text.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(bad()),
        }),
        ShapeKind::Timestamp => Value::from(parse_timestamp(text).ok_or_else(bad)?),
        _ => Value::String(text.to_owned()),
    })
}

/// ISO 8601 / RFC 3339 or epoch seconds, as clients send timestamps.
pub fn parse_timestamp(text: &str) -> Option<f64> {
    if let Ok(epoch) = text.parse::<f64>() {
        return Some(epoch);
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos() as f64 / 1e9)
}

/// Formats epoch seconds as awsQuery's ISO 8601 timestamps.
pub fn format_timestamp(epoch: f64) -> String {
    OffsetDateTime::from_unix_timestamp(epoch.floor() as i64)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

pub fn encode_output(
    service: ServiceId,
    operation: &str,
    output: &Value,
    request_id: &str,
) -> HttpResponse {
    let model = service.model();
    let namespace = model.xml_namespace.as_deref().unwrap_or_default();
    let mut w = XmlWriter::new();
    let response = format!("{operation}Response");
    w.open_with_namespace(&response, namespace);
    if let Some(op) = model.operations.get(operation) {
        if let (Some(wrapper), Some(shape)) = (
            op.result_wrapper.as_deref(),
            op.output.as_deref().and_then(|s| model.shape(s)),
        ) {
            w.open(wrapper);
            write_members(model, shape, output, &mut w);
            w.close(wrapper);
        }
    }
    w.open("ResponseMetadata");
    w.text_element("RequestId", request_id);
    w.close("ResponseMetadata");
    w.close(&response);
    HttpResponse {
        status: 200,
        headers: vec![(http::header::CONTENT_TYPE, "text/xml".into())],
        body: Bytes::from(w.finish()),
    }
}

fn write_members(model: &ServiceModel, shape: &Shape, value: &Value, w: &mut XmlWriter) {
    let Some(object) = value.as_object() else {
        return;
    };
    for member in &shape.members {
        let Some(v) = object.get(&member.name).filter(|v| !v.is_null()) else {
            continue;
        };
        let Some(member_shape) = model.shape(&member.shape) else {
            continue;
        };
        let name = member.location_name.as_deref().unwrap_or(&member.name);
        write_value(model, member_shape, name, member.flattened, v, w);
    }
}

fn write_value(
    model: &ServiceModel,
    shape: &Shape,
    name: &str,
    flattened: bool,
    value: &Value,
    w: &mut XmlWriter,
) {
    match shape.kind {
        ShapeKind::Structure => {
            w.open(name);
            write_members(model, shape, value, w);
            w.close(name);
        }
        ShapeKind::List => {
            let Some(item_shape) = shape.list_member.as_deref().and_then(|m| model.shape(m)) else {
                return;
            };
            let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
            if flattened || shape.flattened {
                for item in items {
                    write_value(model, item_shape, name, false, item, w);
                }
            } else {
                let item_name = shape
                    .list_member_location_name
                    .as_deref()
                    .unwrap_or("member");
                w.open(name);
                for item in items {
                    write_value(model, item_shape, item_name, false, item, w);
                }
                w.close(name);
            }
        }
        ShapeKind::Map => {
            let (Some(ks), Some(vs)) = (
                shape.map_key.as_deref().and_then(|m| model.shape(m)),
                shape.map_value.as_deref().and_then(|m| model.shape(m)),
            ) else {
                return;
            };
            w.open(name);
            if let Some(entries) = value.as_object() {
                for (k, v) in entries {
                    w.open("entry");
                    write_value(model, ks, "key", false, &Value::String(k.clone()), w);
                    write_value(model, vs, "value", false, v, w);
                    w.close("entry");
                }
            }
            w.close(name);
        }
        ShapeKind::Timestamp => {
            let text = match value {
                Value::Number(n) => format_timestamp(n.as_f64().unwrap_or_default()),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            w.text_element(name, &text);
        }
        _ => {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            w.text_element(name, &text);
        }
    }
}

pub fn encode_error(service: ServiceId, error: &ApiError, request_id: &str) -> HttpResponse {
    let namespace = service.model().xml_namespace.as_deref().unwrap_or_default();
    let mut w = XmlWriter::new();
    w.open_with_namespace("ErrorResponse", namespace);
    w.open("Error");
    w.text_element(
        "Type",
        if error.sender_fault {
            "Sender"
        } else {
            "Receiver"
        },
    );
    w.text_element("Code", &error.code);
    if let Some(message) = &error.message {
        w.text_element("Message", message);
    }
    w.close("Error");
    w.text_element("RequestId", request_id);
    w.close("ErrorResponse");
    HttpResponse {
        status: error.status,
        headers: vec![(http::header::CONTENT_TYPE, "text/xml".into())],
        body: Bytes::from(w.finish()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> HttpRequest {
        HttpRequest {
            method: http::Method::POST,
            raw_path: "/".into(),
            raw_query: None,
            headers: http::HeaderMap::new(),
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn lists_and_structures_decode_by_the_model() {
        let req = form("Action=CreateUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=team&Tags.member.1.Value=a&Tags.member.2.Key=env&Tags.member.2.Value=b");
        let (op, input) = decode(ServiceId::Iam, &req).unwrap();
        assert_eq!(op, "CreateUser");
        assert_eq!(
            input,
            serde_json::json!({"UserName": "alice", "Tags": [{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "b"}]})
        );
    }

    #[test]
    fn an_integer_past_32_bits_is_malformed_input() {
        let req = form("Action=ListUsers&Version=2010-05-08&MaxItems=2147483648");
        let err = decode(ServiceId::Iam, &req).unwrap_err();
        assert_eq!(err.code, "MalformedInput");
        assert_eq!(
            err.message.as_deref(),
            Some("Invalid value '2147483648' for parameter MaxItems")
        );
    }

    #[test]
    fn unknown_action_names_the_version() {
        let err = decode(ServiceId::Sts, &form("Action=Nope&Version=2011-06-15")).unwrap_err();
        assert_eq!(err.code, "InvalidAction");
        assert_eq!(
            err.message.as_deref(),
            Some("Could not find operation Nope for version 2011-06-15")
        );
    }

    #[test]
    fn output_is_wrapped_and_timestamps_are_iso() {
        let out = serde_json::json!({"User": {"Path": "/", "UserName": "a", "UserId": "AIDA", "Arn": "arn:aws:iam::1:user/a", "CreateDate": 0}});
        let resp = encode_output(ServiceId::Iam, "GetUser", &out, "rid");
        let body = String::from_utf8(resp.body.to_vec()).unwrap();
        assert!(body.starts_with("<GetUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetUserResult><User>"), "{body}");
        assert!(
            body.contains("<CreateDate>1970-01-01T00:00:00Z</CreateDate>"),
            "{body}"
        );
        assert!(body.ends_with(
            "<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetUserResponse>"
        ));
    }
}
