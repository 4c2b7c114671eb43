//! `keyhole serve` flags and their environment variables, through the binary itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

/// Starts `keyhole serve --port 0 <args>` with `env`, asks `GET /_keyhole/settings`, stops it.
fn settings_of(args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .args(["serve", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("keyhole starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the ready line");
    let addr = line
        .trim()
        .strip_prefix("keyhole listening on http://")
        .unwrap_or_else(|| panic!("unexpected ready line {line:?}"))
        .to_owned();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    write!(
        stream,
        "GET /_keyhole/settings HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let _ = child.kill();
    let _ = child.wait();
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {response}"))
}

#[test]
fn deny_message_style_flag_and_environment_variable() {
    assert_eq!(settings_of(&[], &[])["denyMessageStyle"], "arn");
    assert_eq!(
        settings_of(&["--deny-message-style", "legacy"], &[])["denyMessageStyle"],
        "legacy"
    );
    assert_eq!(
        settings_of(&[], &[("KEYHOLE_DENY_MESSAGE_STYLE", "legacy")])["denyMessageStyle"],
        "legacy"
    );
    let refused = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .args(["serve", "--port", "0", "--deny-message-style", "short"])
        .output()
        .expect("keyhole runs");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("invalid value 'short' for '--deny-message-style <DENY_MESSAGE_STYLE>'")
            && stderr.contains("[possible values: arn, legacy]"),
        "{stderr}"
    );
}
