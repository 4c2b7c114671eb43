//! Shared helpers: start an emulator, run the AWS CLI or a boto3 script against it.

use std::process::{Command, Output};

use keyhole::Emulator;

pub async fn start() -> Emulator {
    Emulator::start().await.expect("keyhole starts")
}

pub async fn start_strict() -> Emulator {
    let settings = keyhole::Settings {
        strict_auth: true,
        ..keyhole::Settings::default()
    };
    Emulator::start_with(settings)
        .await
        .expect("keyhole starts")
}

/// The AWS CLI: `KEYHOLE_AWS_CLI` (set by tools/test to the project's venv), else `aws`.
pub fn aws_cli() -> String {
    std::env::var("KEYHOLE_AWS_CLI").unwrap_or_else(|_| "aws".into())
}

/// Python with boto3: `KEYHOLE_PYTHON` (set by tools/test), else `python3`.
pub fn python() -> String {
    std::env::var("KEYHOLE_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs `aws <args> --endpoint-url <emu>` as `access_key` and returns its output.
pub async fn aws(emu: &Emulator, access_key: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(aws_cli());
    cmd.args(args)
        .args(["--endpoint-url", &emu.endpoint_url(), "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", access_key)
        .env("AWS_SECRET_ACCESS_KEY", "keyhole-secret")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("NO_PROXY", "127.0.0.1,localhost");
    // The CLI blocks; run it off the runtime so the in-process server keeps serving.
    tokio::task::spawn_blocking(move || cmd.output().expect("the AWS CLI runs (see tools/test)"))
        .await
        .expect("CLI task")
}

/// Runs `client-tests/python/<script>` with the endpoint as its first argument.
pub async fn boto3(emu: &Emulator, script: &str) -> Output {
    let path = format!("{}/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(python());
    cmd.arg(path)
        .arg(emu.endpoint_url())
        .env("NO_PROXY", "127.0.0.1,localhost");
    tokio::task::spawn_blocking(move || cmd.output().expect("python runs (see tools/test)"))
        .await
        .expect("python task")
}

pub fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "command failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

/// POSTs JSON to an admin endpoint; returns the status code and body.
pub async fn admin_post(emu: &Emulator, path: &str, body: &serde_json::Value) -> (u16, String) {
    let body = body.to_string();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        emu.addr(),
        body.len()
    );
    admin_request(emu, head, &body).await
}

/// `GET` an admin endpoint; returns the status code and body.
pub async fn admin_get(emu: &Emulator, path: &str) -> (u16, String) {
    let head = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n", emu.addr());
    admin_request(emu, head, "").await
}

/// Sends `head` (request line and headers) and `body` over one connection.
async fn admin_request(emu: &Emulator, head: String, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(emu.addr())
        .await
        .expect("connect");
    let request = format!("{head}Connection: close\r\n\r\n{body}");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}
