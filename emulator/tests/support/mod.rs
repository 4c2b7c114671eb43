//! Helpers shared by the end-to-end tests: the AWS CLI against an in-process keyhole, admin
//! calls, JSON access. Each test binary uses a part of them.
#![allow(dead_code)]

use std::process::Command;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Cli {
    pub endpoint: String,
}

/// What one CLI run produced.
pub struct Run {
    pub ok: bool,
    pub json: Value,
    pub stderr: String,
}

pub fn aws_available() -> bool {
    Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Cli {
    /// Runs `aws <args>` signing with `keys` (access key id, secret, session token).
    pub async fn run(&self, keys: (&str, &str, Option<&str>), args: &[&str]) -> Run {
        self.run_in("us-east-1", keys, args).await
    }

    /// Like [`Cli::run`], in another Region.
    pub async fn run_in(
        &self,
        region: &str,
        keys: (&str, &str, Option<&str>),
        args: &[&str],
    ) -> Run {
        let mut cmd = Command::new("aws");
        cmd.args(args)
            .args(["--endpoint-url", &self.endpoint, "--output", "json"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "HOME",
                std::env::var("HOME").unwrap_or_else(|_| "/tmp".into()),
            )
            .env("AWS_ACCESS_KEY_ID", keys.0)
            .env("AWS_SECRET_ACCESS_KEY", keys.1)
            .env("AWS_DEFAULT_REGION", region)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_PAGER", "")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1");
        if let Some(token) = keys.2 {
            cmd.env("AWS_SESSION_TOKEN", token);
        }
        let output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("join")
            .expect("aws runs");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        Run {
            ok: output.status.success(),
            json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        }
    }

    pub async fn ok(&self, keys: (&str, &str, Option<&str>), args: &[&str]) -> Value {
        let run = self.run(keys, args).await;
        assert!(run.ok, "aws {args:?} failed: {}", run.stderr);
        run.json
    }

    /// The CLI's one-line error: "An error occurred (Code) when calling the Op operation: msg".
    pub async fn fails(&self, keys: (&str, &str, Option<&str>), args: &[&str]) -> String {
        let run = self.run(keys, args).await;
        assert!(!run.ok, "aws {args:?} should have failed: {}", run.json);
        run.stderr
    }
}

pub const ACCOUNT_A: (&str, &str, Option<&str>) = ("111111111111", "x", None);

/// POSTs JSON to an admin endpoint; returns the status line and body.
pub async fn admin_post(addr: std::net::SocketAddr, path: &str, body: &Value) -> (String, String) {
    admin_call(addr, "POST", path, body).await
}

/// Calls an admin endpoint; returns the status line and body.
pub async fn admin_call(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &Value,
) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = body.to_string();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

/// The keys of an account's root under keyhole's convention.
pub fn root(account: &str) -> (&str, &str, Option<&str>) {
    (account, "x", None)
}

pub fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}
