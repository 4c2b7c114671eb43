//! The one in-process test harness: a fresh emulator (an [`Instance`]), requests encoded as a
//! client would (awsJson, restJson or awsQuery from the service model, signed with the
//! account's root keys, scope only: keyhole does not verify a root's 12-digit key), sent
//! through the whole pipeline; plus keyhole's admin calls, the clock and the world.

use std::sync::MutexGuard;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::Value;

use crate::instance::Instance;
use crate::pipeline::ConnectionInfo;
use crate::protocol::{HttpRequest, Protocol, ServiceId, X_AMZN_ERRORTYPE};
use crate::server;
use crate::world::{Settings, World};

pub(crate) struct Harness {
    pub(crate) instance: Instance,
}

/// One answer: the status, the restJson error type header, the body parsed (`Null` when it
/// is not JSON) and as text.
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) error_type: Option<String>,
    pub(crate) body: Value,
    pub(crate) text: String,
}

/// A path segment as the SDKs encode it.
pub(crate) fn enc(segment: &str) -> String {
    form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Declares a test file's own `Env`, a thin wrapper over `$inner` (the [`Harness`] unless
/// given), so each file can add helpers (even under names another file uses) without
/// clashing. `Env::with` wraps a given harness, e.g. [`Harness::restored`].
macro_rules! local_harness {
    () => {
        $crate::testing::local_harness!($crate::testing::Harness);
    };
    ($inner:ty) => {
        struct Env($inner);

        impl std::ops::Deref for Env {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }

        #[allow(dead_code)]
        impl Env {
            fn new() -> Env {
                Env::with($crate::testing::Harness::new())
            }

            fn with(harness: $crate::testing::Harness) -> Env {
                Env(<$inner>::from(harness))
            }
        }
    };
}
pub(crate) use local_harness;

impl Harness {
    pub(crate) fn new() -> Harness {
        Harness {
            instance: Instance::new(Settings::default()),
        }
    }

    /// A new emulator holding this one's world, saved with `GET /_keyhole/state` and loaded
    /// with `POST /_keyhole/state`, as users do.
    pub(crate) fn restored(&self) -> Harness {
        let saved = self.raw(
            Method::GET,
            "/_keyhole/state",
            None,
            HeaderMap::new(),
            Bytes::new(),
        );
        assert_eq!(saved.status, 200, "{}", saved.text);
        let fresh = Harness::new();
        let loaded = fresh.raw(
            Method::POST,
            "/_keyhole/state",
            None,
            HeaderMap::new(),
            Bytes::from(saved.text),
        );
        assert_eq!(loaded.status, 200, "{}", loaded.text);
        fresh
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.instance.world()
    }

    pub(crate) fn now(&self) -> f64 {
        self.instance.clock.now()
    }

    /// Moves the clock as users do (`POST /_keyhole/clock/advance`), so due work runs.
    pub(crate) fn advance_clock(&self, seconds: f64) {
        self.admin(
            Method::POST,
            "/_keyhole/clock/advance",
            serde_json::json!({ "seconds": seconds }),
        );
    }

    /// Declares a resource Backup can protect (`POST /_keyhole/resources`).
    pub(crate) fn declare_resource(&self, arn: &str, key: Option<&str>, tags: Value) {
        self.admin(
            Method::POST,
            "/_keyhole/resources",
            serde_json::json!({"Arn": arn, "KmsKeyArn": key, "Tags": tags}),
        );
    }

    /// One request as sent, whatever it answers.
    pub(crate) fn raw(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Resp {
        let req = HttpRequest {
            method,
            raw_path: path.into(),
            raw_query: query.map(str::to_owned),
            headers,
            body,
        };
        let resp = server::handle(&self.instance, &req, ConnectionInfo::default());
        let error_type = resp
            .headers
            .iter()
            .find(|(k, _)| *k == X_AMZN_ERRORTYPE)
            .map(|(_, v)| v.clone());
        Resp {
            status: resp.status,
            error_type,
            body: serde_json::from_slice(&resp.body).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&resp.body).into_owned(),
        }
    }

    /// A request signed (scope only) by the root of `account` for `service` in `region`.
    #[allow(clippy::too_many_arguments)]
    fn signed(
        &self,
        account: &str,
        region: &str,
        service: ServiceId,
        method: Method,
        path: &str,
        query: Option<&str>,
        mut headers: HeaderMap,
        body: Bytes,
    ) -> Resp {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={account}/20240101/{region}/{}/aws4_request, SignedHeaders=host, Signature=0",
            service.signing_name()
        );
        headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        headers.insert("x-amz-date", HeaderValue::from_static("20240101T000000Z"));
        self.raw(method, path, query, headers, body)
    }

    /// `action` (`kms:Encrypt`, `backup:CreateBackupVault`, `iam:CreateRole`) by the root of
    /// `account` in `region`, its `input` encoded as the service's protocol wants.
    pub(crate) fn call(&self, account: &str, region: &str, action: &str, input: &Value) -> Resp {
        let (prefix, operation) = action.split_once(':').expect("service:Operation");
        let service = ServiceId::from_signing_name(prefix).expect("a service keyhole serves");
        let model = service.model();
        let mut headers = HeaderMap::new();
        let body = match service.protocol() {
            Protocol::AwsJson => {
                let prefix = model.target_prefix.as_deref().unwrap_or_default();
                let target = format!("{prefix}.{operation}");
                headers.insert("x-amz-target", HeaderValue::from_str(&target).unwrap());
                headers.insert(
                    "content-type",
                    HeaderValue::from_static("application/x-amz-json-1.1"),
                );
                Bytes::from(input.to_string())
            }
            Protocol::AwsQuery => {
                headers.insert(
                    "content-type",
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                let mut form = form_urlencoded::Serializer::new(String::new());
                form.append_pair("Action", operation);
                form.append_pair("Version", &model.api_version);
                query_params(&mut form, "", input);
                Bytes::from(form.finish())
            }
            Protocol::RestJson => {
                let op = &model.operations[operation];
                let (target, body) = rest_request(service, op, input);
                return self.rest(account, region, service, &op.method, &target, body);
            }
        };
        self.signed(
            account,
            region,
            service,
            Method::POST,
            "/",
            None,
            headers,
            body,
        )
    }

    /// A restJson request to `target` (a path, maybe `?query`) by the root of `account` in
    /// `region`; a `Null` body sends none.
    pub(crate) fn rest(
        &self,
        account: &str,
        region: &str,
        service: ServiceId,
        method: &str,
        target: &str,
        body: Value,
    ) -> Resp {
        let (path, query) = target
            .split_once('?')
            .map_or((target, None), |(p, q)| (p, Some(q)));
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let body = if body.is_null() {
            Bytes::new()
        } else {
            Bytes::from(body.to_string())
        };
        self.signed(
            account,
            region,
            service,
            Method::from_bytes(method.as_bytes()).unwrap(),
            path,
            query,
            headers,
            body,
        )
    }

    /// A keyhole admin call, unsigned, whatever it answers.
    pub(crate) fn admin_raw(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        body: Value,
    ) -> Resp {
        let body = Bytes::from(body.to_string());
        self.raw(method, path, query, HeaderMap::new(), body)
    }

    /// A keyhole admin call that must succeed; its body.
    pub(crate) fn admin(&self, method: Method, path: &str, body: Value) -> Value {
        let r = self.admin_raw(method, path, None, body);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body
    }
}

/// awsQuery parameters as botocore serializes them: `A.B` for structures, `A.member.N` for
/// lists, `A.entry.N.key`/`.value` for maps; scalars as text.
fn query_params(form: &mut form_urlencoded::Serializer<'_, String>, prefix: &str, v: &Value) {
    let name = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match v {
        Value::Null => {}
        Value::Object(map) => {
            for (key, value) in map {
                query_params(form, &name(key), value);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                query_params(form, &name(&format!("member.{}", i + 1)), item);
            }
        }
        Value::String(text) => {
            form.append_pair(prefix, text);
        }
        other => {
            form.append_pair(prefix, &other.to_string());
        }
    }
}

/// The path (with its query) and body of a restJson operation: members bound to the URI fill its
/// labels, `querystring` members the query; the rest is the JSON body.
fn rest_request(
    service: ServiceId,
    op: &crate::protocol::model::Operation,
    input: &Value,
) -> (String, Value) {
    let (mut path, literal_query) = op
        .request_uri
        .split_once('?')
        .map_or((op.request_uri.clone(), None), |(p, q)| {
            (p.to_owned(), Some(q.to_owned()))
        });
    let mut query: Vec<String> = literal_query.into_iter().collect();
    let mut body = serde_json::Map::new();
    let shape = op.input.as_deref().and_then(|s| service.model().shape(s));
    for (key, value) in input.as_object().into_iter().flatten() {
        let member = shape.and_then(|s| s.member(key));
        let wire = member
            .and_then(|m| m.location_name.clone())
            .unwrap_or_else(|| key.clone());
        let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        match member.and_then(|m| m.location.as_deref()) {
            Some("uri") => {
                let greedy = format!("{{{wire}+}}");
                path = if path.contains(&greedy) {
                    let encoded: Vec<String> = text(value).split('/').map(enc).collect();
                    path.replace(&greedy, &encoded.join("/"))
                } else {
                    path.replace(&format!("{{{wire}}}"), &enc(&text(value)))
                };
            }
            Some("querystring") => {
                let values = value
                    .as_array()
                    .cloned()
                    .unwrap_or_else(|| vec![value.clone()]);
                for v in values {
                    query.push(format!("{}={}", enc(&wire), enc(&text(&v))));
                }
            }
            _ => {
                body.insert(key.clone(), value.clone());
            }
        }
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let body = if body.is_empty() && matches!(op.method.as_str(), "GET" | "DELETE" | "HEAD") {
        Value::Null
    } else {
        Value::Object(body)
    };
    (path, body)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const A: &str = "111111111111";

    /// A restJson operation called by name lands on the same route as its path.
    #[test]
    fn rest_json_operations_are_encoded_from_the_model() {
        let h = Harness::new();
        let created = h.call(
            A,
            "us-east-1",
            "backup:CreateBackupVault",
            &json!({"BackupVaultName": "v-1"}),
        );
        assert_eq!(created.status, 200, "{}", created.text);
        let listed = h.call(
            A,
            "us-east-1",
            "backup:ListBackupVaults",
            &json!({"MaxResults": 5}),
        );
        assert_eq!(listed.status, 200, "{}", listed.text);
        assert_eq!(listed.body["BackupVaultList"][0]["BackupVaultName"], "v-1");
        let described = h.rest(
            A,
            "us-east-1",
            ServiceId::Backup,
            "GET",
            &format!("/backup-vaults/{}", enc("v-1")),
            Value::Null,
        );
        assert_eq!(described.body["BackupVaultName"], "v-1");
    }

    /// awsQuery input is flattened as botocore does; the answer is XML.
    #[test]
    fn query_operations_are_encoded_from_the_model() {
        let h = Harness::new();
        let r = h.call(
            A,
            "us-east-1",
            "iam:CreateUser",
            &json!({"UserName": "u", "Tags": [{"Key": "k", "Value": "v"}]}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let tags = h.call(
            A,
            "us-east-1",
            "iam:ListUserTags",
            &json!({"UserName": "u"}),
        );
        assert!(tags.text.contains("<Key>k</Key>"), "{}", tags.text);
    }
}
