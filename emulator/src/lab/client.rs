//! The few HTTP calls `keyhole lab status | hint | check | solution | reset` make to a lab
//! server on this machine, and `keyhole policy who-can --endpoint` to a running keyhole:
//! HTTP/1.1 over a plain socket, one request per connection. Enough for loopback JSON; not a
//! general client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// `method path` against `endpoint` (`http://127.0.0.1:4566`): the status and JSON answer.
pub fn call(endpoint: &str, method: &str, path: &str) -> Result<(u16, Value), String> {
    let authority = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("{endpoint} is not an http:// address"))?
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).map_err(|e| e.to_string())?;
    // A check replays the scenario: seconds at most, never minutes.
    let limit = Some(Duration::from_secs(60));
    stream.set_read_timeout(limit).map_err(|e| e.to_string())?;
    stream.set_write_timeout(limit).map_err(|e| e.to_string())?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the lab server's answer has no body")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("the lab server's answer has no status")?;
    // keyhole answers with a Content-Length, never in chunks.
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Err("the lab server answered in chunks".into());
    }
    let value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    Ok((status, value))
}
