//! The one harness of the end-to-end tests (integration tests cannot see the crate's
//! `cfg(test)` harness): keyhole started on a free port with the AWS CLI pointed at it,
//! hand-written requests over the socket or through the pipeline in process, signed by an
//! account's root (scope only: keyhole does not verify a 12-digit key), admin calls, JSON
//! access. Each test binary uses a part of them.
#![allow(dead_code)]

use std::process::Command;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use keyhole::instance::Instance;
use keyhole::pipeline::ConnectionInfo;
use keyhole::protocol::{HttpRequest, HttpResponse};
use keyhole::server;
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

/// Starts keyhole on a free port with the AWS CLI pointed at it; `None`, after a notice,
/// when `aws` is not on PATH (the test then passes without running).
pub async fn start_with_cli() -> Option<(keyhole::Emulator, Cli)> {
    if !aws_available() {
        eprintln!("NOTICE: `aws` is not on PATH; skipping the AWS CLI test");
        return None;
    }
    let emu = keyhole::Emulator::start().await.expect("keyhole starts");
    let cli = Cli {
        endpoint: emu.endpoint_url(),
    };
    Some((emu, cli))
}

/// The `Authorization` header of a request by the root of `account`, scope only.
pub fn root_authorization(account: &str, region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={account}/20240101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

/// One answer read off the socket.
pub struct Answer {
    /// `HTTP/1.1 200 OK`.
    pub status_line: String,
    pub status: u16,
    /// The body, de-chunked.
    pub body: String,
}

impl Answer {
    /// The body as JSON; `Null` when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends one HTTP/1.1 request on its own connection and reads the whole answer.
pub async fn send(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status_line = head.lines().next().unwrap_or_default().to_owned();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    // Either a plain body or a single chunk.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body.split_once("\r\n")
            .map(|(_, rest)| rest.rsplit_once("\r\n0").map_or(rest, |(b, _)| b))
            .unwrap_or_default()
            .to_owned()
    } else {
        body.to_owned()
    };
    Answer {
        status_line,
        status,
        body,
    }
}

/// An awsJson 1.1 call (`target` is `<prefix>.<Operation>`) by the root of `account` in
/// us-east-1, over the socket.
pub async fn aws_json(
    addr: std::net::SocketAddr,
    account: &str,
    service: &str,
    target: &str,
    input: &Value,
) -> Answer {
    let auth = root_authorization(account, "us-east-1", service);
    let headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", target),
        ("X-Amz-Date", "20240101T000000Z"),
        ("Authorization", auth.as_str()),
    ];
    send(addr, "POST", "/", &headers, &input.to_string()).await
}

/// One request through the pipeline in process, by the root of `account` for `service`
/// in `region`.
#[allow(clippy::too_many_arguments)]
pub fn in_process(
    instance: &Instance,
    account: &str,
    region: &str,
    service: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> HttpResponse {
    let mut map = HeaderMap::new();
    let auth = root_authorization(account, region, service);
    map.insert("authorization", HeaderValue::from_str(&auth).unwrap());
    map.insert("x-amz-date", HeaderValue::from_static("20240101T000000Z"));
    for (name, value) in headers {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let req = HttpRequest {
        method,
        raw_path: path.into(),
        raw_query: None,
        headers: map,
        body: body.into(),
    };
    server::handle(instance, &req, ConnectionInfo::default())
}

/// A keyhole admin call through the pipeline in process, unsigned.
pub fn admin_in_process(
    instance: &Instance,
    method: Method,
    path: &str,
    body: &Value,
) -> HttpResponse {
    let req = HttpRequest {
        method,
        raw_path: path.into(),
        raw_query: None,
        headers: HeaderMap::new(),
        body: Bytes::from(body.to_string()),
    };
    server::handle(instance, &req, ConnectionInfo::default())
}

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
    let answer = send(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        &body.to_string(),
    )
    .await;
    (answer.status_line, answer.body)
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

/// Starts `command` (a `keyhole serve --port 0 …` with stdout piped) and waits for its ready
/// line: the child and the address it listens on. A start that prints no ready line panics
/// with what the child wrote on stderr, when stderr is piped.
pub fn spawn_serving(command: &mut Command) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = command.spawn().expect("keyhole starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout piped"))
        .read_line(&mut line)
        .expect("the ready line");
    let Some(addr) = line.trim().strip_prefix("keyhole listening on http://") else {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        let _ = child.kill();
        panic!("unexpected ready line {line:?}; stderr: {stderr}");
    };
    (child, addr.to_owned())
}

/// `GET path` over a plain socket, without a signature (admin endpoints): the JSON body.
pub fn get_json(addr: &str, path: &str) -> Value {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {response}"))
}

/// A fresh directory under the system's temp dir, named for the test that uses it.
pub fn temp_dir(prefix: &str, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "keyhole-{prefix}-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
