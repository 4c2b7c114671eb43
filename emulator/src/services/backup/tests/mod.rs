//! Backup's tests. All but `cron` run in process through the whole pipeline (restJson1
//! decode, validation, handler, error rendering) on the crate's one harness
//! ([`crate::testing::Harness`]); [`Backup`] adds the Backup calls they share, by path as
//! the tests name them, and each file declares its own `Env` over it with `local_harness!`.

mod audit;
mod cron;
mod messages;
mod restore_testing;
mod service;
mod vault_kinds;

use std::ops::Deref;

use http::Method;
use serde_json::{json, Value};

use crate::protocol::ServiceId;
use crate::testing::{Harness, Resp};

pub(super) struct Backup(Harness);

impl From<Harness> for Backup {
    fn from(harness: Harness) -> Backup {
        Backup(harness)
    }
}

impl Deref for Backup {
    type Target = Harness;
    fn deref(&self) -> &Harness {
        &self.0
    }
}

pub(super) fn assert_error(r: &Resp, status: u16, code: &str, message: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.error_type.as_deref(), Some(code), "{}", r.body);
    assert_eq!(r.body["Message"], message, "{}", r.body);
}

#[allow(dead_code)]
impl Backup {
    /// A Backup call by the root of `account` in `region`.
    pub(super) fn backup_in(
        &self,
        account: &str,
        region: &str,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Value,
    ) -> Resp {
        let target = match query {
            Some(query) => format!("{path}?{query}"),
            None => path.to_owned(),
        };
        self.rest(account, region, ServiceId::Backup, method, &target, body)
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

    pub(super) fn job_duration(&self, seconds: f64) {
        self.admin(
            Method::POST,
            "/_keyhole/backup/job-duration",
            json!({"seconds": seconds}),
        );
    }

    pub(super) fn advance(&self, seconds: f64) {
        self.advance_clock(seconds);
    }

    /// The Backup role `BackupRole` of `account`, trusted by AWS Backup.
    pub(super) fn role(&self, account: &str) -> String {
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        for (action, body) in [
            (
                "iam:CreateRole",
                json!({"RoleName": "BackupRole", "AssumeRolePolicyDocument": trust.to_string()}),
            ),
            (
                "iam:AttachRolePolicy",
                json!({"RoleName": "BackupRole",
                   "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"}),
            ),
        ] {
            let r = self.0.call(account, "us-east-1", action, &body);
            assert_eq!(r.status, 200, "{action}: {}", r.text);
        }
        format!("arn:aws:iam::{account}:role/BackupRole")
    }
}
