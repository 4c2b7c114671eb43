//! The in-process test environment the Backup test files share: requests go through the
//! whole pipeline (restJson1 decode, validation, handler, error rendering), signed (scope
//! only) by an account's root, plus keyhole's admin calls.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{json, Value};

use crate::pipeline::{self, ConnectionInfo, Shared};
use crate::protocol::{HttpRequest, ServiceId};
use crate::world::{Caller, Settings};

pub(super) struct Env {
    pub(super) shared: Shared,
}

pub(super) struct Resp {
    pub(super) status: u16,
    pub(super) error_type: Option<String>,
    pub(super) body: Value,
    pub(super) text: String,
}

/// A path segment as the SDKs encode it.
pub(super) fn enc(segment: &str) -> String {
    form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub(super) fn assert_error(r: &Resp, status: u16, code: &str, message: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.error_type.as_deref(), Some(code), "{}", r.body);
    assert_eq!(r.body["Message"], message, "{}", r.body);
}

/// Declares a file's own `Env`, a thin wrapper over the shared one, so each test file
/// can add helpers (even under names another file uses) without clashing.
macro_rules! local_env {
    () => {
        struct Env(super::test_env::Env);

        impl std::ops::Deref for Env {
            type Target = super::test_env::Env;
            fn deref(&self) -> &super::test_env::Env {
                &self.0
            }
        }

        impl Env {
            fn new() -> Env {
                Env(super::test_env::Env::new())
            }
        }
    };
}
pub(super) use local_env;

impl Env {
    pub(super) fn new() -> Env {
        Env {
            shared: Shared::new(Settings::default()),
        }
    }

    pub(super) fn raw(
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
        let resp = pipeline::handle(&self.shared, &req, ConnectionInfo::default());
        let error_type = resp
            .headers
            .iter()
            .find(|(k, _)| *k == crate::protocol::X_AMZN_ERRORTYPE)
            .map(|(_, v)| v.clone());
        Resp {
            status: resp.status,
            error_type,
            body: serde_json::from_slice(&resp.body).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&resp.body).into_owned(),
        }
    }

    /// A Backup call signed (scope only) by the root of `account` in `region`.
    pub(super) fn backup_in(
        &self,
        account: &str,
        region: &str,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Value,
    ) -> Resp {
        let mut headers = HeaderMap::new();
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={account}/20240101/{region}/backup/aws4_request, SignedHeaders=host, Signature=0"
        );
        headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-amz-date", HeaderValue::from_static("20240101T000000Z"));
        let body = if body.is_null() {
            Bytes::new()
        } else {
            Bytes::from(body.to_string())
        };
        self.raw(
            Method::from_bytes(method.as_bytes()).unwrap(),
            path,
            query,
            headers,
            body,
        )
    }

    /// An awsJson 1.1 call (`TrentService.CreateKey`) by the root of `account`, signed for
    /// `service` in `region`.
    pub(super) fn aws_json(
        &self,
        account: &str,
        region: &str,
        service: &str,
        target: &str,
        body: &Value,
    ) -> Resp {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-target", HeaderValue::from_str(target).unwrap());
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={account}/20240101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        headers.insert("x-amz-date", HeaderValue::from_static("20240101T000000Z"));
        self.raw(
            Method::POST,
            "/",
            None,
            headers,
            Bytes::from(body.to_string()),
        )
    }

    /// A Backup call by the root of `account` in us-east-1.
    pub(super) fn call(
        &self,
        account: &str,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Value,
    ) -> Resp {
        self.backup_in(account, "us-east-1", method, path, query, body)
    }

    pub(super) fn backup(&self, account: &str, method: &str, path: &str, body: Value) -> Resp {
        self.call(account, method, path, None, body)
    }

    /// The body of a call that must succeed (some operations answer 201 or 204).
    pub(super) fn ok(&self, account: &str, method: &str, path: &str, body: Value) -> Value {
        let r = self.backup(account, method, path, body);
        assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.body);
        r.body
    }

    pub(super) fn ok_q(&self, account: &str, path: &str, query: &str) -> Value {
        let r = self.call(account, "GET", path, Some(query), Value::Null);
        assert_eq!(r.status, 200, "GET {path}?{query}: {}", r.body);
        r.body
    }

    /// A keyhole admin call, unsigned, whatever it answers.
    pub(super) fn admin_raw(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        body: Value,
    ) -> Resp {
        self.raw(
            method,
            path,
            query,
            HeaderMap::new(),
            Bytes::from(body.to_string()),
        )
    }

    /// A keyhole admin call that must succeed; its body.
    pub(super) fn admin(&self, method: Method, path: &str, body: Value) -> Value {
        let r = self.admin_raw(method, path, None, body);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body
    }

    pub(super) fn job_duration(&self, seconds: f64) {
        self.admin(
            Method::POST,
            "/_keyhole/backup/job-duration",
            json!({"seconds": seconds}),
        );
    }

    pub(super) fn advance(&self, seconds: f64) {
        self.admin(
            Method::POST,
            "/_keyhole/clock/advance",
            json!({"seconds": seconds}),
        );
    }

    pub(super) fn now(&self) -> f64 {
        self.shared.clock.now()
    }

    /// The Backup role `BackupRole` of `account`, trusted by AWS Backup.
    pub(super) fn role(&self, account: &str) -> String {
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let mut world = self.shared.world();
        for (op, body) in [
            (
                "CreateRole",
                json!({"RoleName": "BackupRole", "AssumeRolePolicyDocument": trust.to_string()}),
            ),
            (
                "AttachRolePolicy",
                json!({"RoleName": "BackupRole",
                   "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"}),
            ),
        ] {
            crate::services::iam::test_support::call(
                &mut world,
                ServiceId::Iam,
                op,
                body,
                Caller::root(account, account),
            )
            .unwrap();
        }
        format!("arn:aws:iam::{account}:role/BackupRole")
    }
}
