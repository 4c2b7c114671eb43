//! A sample of the cases over a real socket: the same requests, written as HTTP/1.1 bytes to
//! a served keyhole, must get the same answers as in process, each within a time bound.

use std::net::SocketAddr;
use std::time::Duration;

use keyhole::protocol::HttpResponse;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::wire::{check, Case};

/// Longest one request may take over the socket.
const PER_REQUEST: Duration = Duration::from_secs(10);

fn to_bytes(case: &Case, addr: SocketAddr) -> Vec<u8> {
    let req = &case.request;
    let target = match &req.raw_query {
        Some(q) => format!("{}?{q}", req.raw_path),
        None => req.raw_path.clone(),
    };
    let mut head = format!("{} {target} HTTP/1.1\r\nHost: {addr}\r\n", req.method);
    for (name, value) in &req.headers {
        head.push_str(&format!(
            "{name}: {}\r\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&req.body);
    bytes
}

/// The answer as the pipeline's response type, so one check serves both ways in.
fn parse(raw: &[u8]) -> Option<HttpResponse> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .filter_map(|(n, v)| {
            let name = http::HeaderName::from_bytes(n.trim().as_bytes()).ok()?;
            Some((name, v.trim().to_owned()))
        })
        .collect();
    Some(HttpResponse {
        status,
        headers,
        body: bytes::Bytes::copy_from_slice(&raw[split + 4..]),
    })
}

/// Sends every case on its own connection; panics listing each failure.
pub async fn run(addr: SocketAddr, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
            stream.write_all(&to_bytes(case, addr)).await.ok()?;
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.ok()?;
            parse(&raw)
        };
        match tokio::time::timeout(PER_REQUEST, exchange).await {
            Ok(Some(response)) => {
                if let Err(e) = check(case, &response) {
                    failures.push(e);
                }
            }
            Ok(None) => failures.push(format!("{}: no HTTP answer", case.name)),
            Err(_) => failures.push(format!("{}: no answer within {PER_REQUEST:?}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed over the socket:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
