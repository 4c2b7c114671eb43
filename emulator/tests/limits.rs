//! The server's limits (README "Limits"), each against a live keyhole over raw TCP: what a
//! client past the limit sees, and that a well-behaved client on its own connection keeps
//! being answered meanwhile. Every socket read has a timeout: a hang fails, it never blocks.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use keyhole::instance::Instance;
use keyhole::server::{self, Limits};
use keyhole::world::Settings;
use serde_json::Value;

mod support;

/// The longest any test waits for one answer.
const ANSWER_BOUND: Duration = Duration::from_secs(10);
const AUTH: &str = "AWS4-HMAC-SHA256 Credential=111111111111/20240101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0";

/// keyhole on its own runtime thread, on a free port; stops when dropped.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    fn start(limits: Limits) -> Server {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                ready_tx.send(listener.local_addr().expect("addr")).unwrap();
                let instance = Arc::new(Instance::new(Settings::default()));
                server::run_with(listener, instance, limits, async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        let addr = ready_rx.recv_timeout(ANSWER_BOUND).expect("keyhole starts");
        Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, ANSWER_BOUND).expect("connect");
    stream.set_read_timeout(Some(ANSWER_BOUND)).unwrap();
    stream.set_write_timeout(Some(ANSWER_BOUND)).unwrap();
    stream
}

/// The head of a KMS call; the caller adds framing headers, the blank line and the body.
fn kms_head(addr: SocketAddr, operation: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: TrentService.{operation}\r\nX-Amz-Date: 20240101T000000Z\r\n\
         Authorization: {AUTH}\r\n"
    )
}

fn kms_request(addr: SocketAddr, operation: &str, body: &str) -> String {
    format!(
        "{}Content-Length: {}\r\n\r\n{body}",
        kms_head(addr, operation),
        body.len()
    )
}

/// One answer: status, lower-cased headers, body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Reads one Content-Length-framed answer off `stream`.
fn read_answer(stream: &mut TcpStream) -> std::io::Result<Answer> {
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        raw.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&raw).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Sends `request` on a new connection and reads the answer.
fn exchange(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = connect(addr);
    stream.write_all(request).expect("write");
    read_answer(&mut stream).expect("an answer")
}

/// Waits for the server to close `stream`: how long it took; panics past `bound`.
fn closed_within(stream: &mut TcpStream, bound: Duration) -> Duration {
    let started = Instant::now();
    stream.set_read_timeout(Some(bound)).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return started.elapsed(),
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return started.elapsed(),
            Err(e) => panic!("not closed within {bound:?}: {e}"),
        }
    }
}

/// A well-behaved client: KMS ListKeys over one keep-alive connection, as fast as answered,
/// until dropped. Any failure is kept and fails the test in [`Client::still_served`].
struct Client {
    served: Arc<AtomicUsize>,
    failure: Arc<Mutex<Option<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Client {
    fn start(addr: SocketAddr) -> Client {
        let served = Arc::new(AtomicUsize::new(0));
        let failure = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let mut stream = connect(addr);
        let (s, f, st) = (served.clone(), failure.clone(), stop.clone());
        let thread = thread::spawn(move || {
            let request = kms_request(addr, "ListKeys", "{}");
            while !st.load(Ordering::Relaxed) {
                let answer = stream
                    .write_all(request.as_bytes())
                    .and_then(|()| read_answer(&mut stream));
                match answer {
                    Ok(a) if a.status == 200 => s.fetch_add(1, Ordering::Relaxed),
                    other => {
                        *f.lock().unwrap() = Some(format!("{other:?}"));
                        return;
                    }
                };
                thread::sleep(Duration::from_millis(20));
            }
        });
        let client = Client {
            served,
            failure,
            stop,
            thread: Some(thread),
        };
        client.still_served();
        client
    }

    /// Waits until two more calls are answered 200.
    fn still_served(&self) {
        let from = self.served.load(Ordering::Relaxed);
        let started = Instant::now();
        while self.served.load(Ordering::Relaxed) < from + 2 {
            if let Some(failure) = self.failure.lock().unwrap().clone() {
                panic!("the well-behaved client failed: {failure}");
            }
            assert!(
                started.elapsed() < ANSWER_BOUND,
                "the well-behaved client was not answered"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn short_timeouts() -> Limits {
    Limits {
        idle_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(1),
        ..Limits::default()
    }
}

#[test]
fn an_announced_body_past_16_mib_is_refused_before_it_is_sent() {
    let server = Server::start(Limits::default());
    let client = Client::start(server.addr);
    let request = format!(
        "{}Content-Length: {}\r\n\r\n",
        kms_head(server.addr, "Encrypt"),
        16 * 1024 * 1024 + 1
    );
    let answer = exchange(server.addr, request.as_bytes());
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(answer.header("x-amzn-requestid").is_some(), "{answer:?}");
    assert_eq!(answer.json()["__type"], "RequestEntityTooLargeException");
    assert_eq!(
        answer.json()["message"],
        "The request body is larger than keyhole accepts (16777216 bytes). No AWS operation \
         that keyhole emulates takes an input this large; check what the client is sending."
    );
    client.still_served();
}

#[test]
fn a_chunked_body_past_the_limit_is_refused_in_the_services_shape() {
    let server = Server::start(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    });
    let client = Client::start(server.addr);
    // IAM is awsQuery: its refusal is XML.
    let chunk = "a".repeat(600);
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n",
        server.addr
    );
    let answer = exchange(server.addr, request.as_bytes());
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(
        answer
            .body
            .contains("<Code>RequestEntityTooLargeException</Code>"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("(1024 bytes)"), "{}", answer.body);
    client.still_served();
}

#[test]
fn a_valid_chunked_body_is_served() {
    let server = Server::start(Limits::default());
    let body = r#"{"Description":"chunked"}"#;
    let request = format!(
        "{}Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        kms_head(server.addr, "CreateKey"),
        body.len()
    );
    let answer = exchange(server.addr, request.as_bytes());
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["KeyMetadata"]["Description"], "chunked");
}

#[test]
fn broken_chunk_framing_is_answered_400() {
    let server = Server::start(Limits::default());
    let client = Client::start(server.addr);
    let request = format!(
        "{}Transfer-Encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n",
        kms_head(server.addr, "CreateKey")
    );
    let answer = exchange(server.addr, request.as_bytes());
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.json()["__type"], "SerializationException");
    assert_eq!(
        answer.json()["message"],
        "The request body ended before its Content-Length, or its chunked encoding is \
         malformed. Send the whole body, framed as the headers announce."
    );
    client.still_served();
}

#[test]
fn a_body_cut_short_is_answered_400_when_the_client_stops_sending() {
    let server = Server::start(Limits::default());
    let client = Client::start(server.addr);
    let mut stream = connect(server.addr);
    let request = format!(
        "{}Content-Length: 100\r\n\r\n{{\"Descr",
        kms_head(server.addr, "CreateKey")
    );
    stream.write_all(request.as_bytes()).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let answer = read_answer(&mut stream).expect("an answer");
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(answer.json()["__type"], "SerializationException");
    client.still_served();
}

#[test]
fn a_slow_body_is_answered_408_once_the_body_timeout_passes() {
    let server = Server::start(short_timeouts());
    let client = Client::start(server.addr);
    let mut stream = connect(server.addr);
    let request = format!(
        "{}Content-Length: 100\r\n\r\n{{\"Descr",
        kms_head(server.addr, "CreateKey")
    );
    stream.write_all(request.as_bytes()).unwrap();
    let started = Instant::now();
    let answer = read_answer(&mut stream).expect("an answer");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(answer.status, 408, "{answer:?}");
    assert_eq!(answer.json()["__type"], "RequestTimeoutException");
    assert_eq!(
        answer.json()["message"],
        "The request body did not arrive within 1 seconds of its headers. Check the client's \
         network and that its Content-Length matches the body it sends."
    );
    client.still_served();
}

#[test]
fn headers_dribbled_a_byte_a_second_are_cut_off_at_the_idle_timeout() {
    let server = Server::start(short_timeouts());
    let client = Client::start(server.addr);
    let mut stream = connect(server.addr);
    let mut writer = stream.try_clone().unwrap();
    let head = kms_head(server.addr, "ListKeys");
    // Slowloris: never finishes the headers; the writes stop failing the moment keyhole closes.
    let dribbler = thread::spawn(move || {
        for byte in head.bytes() {
            if writer.write_all(&[byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_secs(1));
        }
    });
    let took = closed_within(&mut stream, Duration::from_secs(6));
    assert!(took >= Duration::from_millis(1500), "closed after {took:?}");
    client.still_served();
    drop(stream);
    dribbler.join().unwrap();
}

#[test]
fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout() {
    let server = Server::start(short_timeouts());
    let mut stream = connect(server.addr);
    stream
        .write_all(kms_request(server.addr, "ListKeys", "{}").as_bytes())
        .unwrap();
    assert_eq!(read_answer(&mut stream).unwrap().status, 200);
    let took = closed_within(&mut stream, Duration::from_secs(6));
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(4),
        "closed after {took:?}"
    );
}

#[test]
fn a_header_section_past_64_kib_is_answered_431() {
    let server = Server::start(Limits::default());
    let client = Client::start(server.addr);
    let request = format!(
        "{}X-Padding: {}\r\nContent-Length: 2\r\n\r\n{{}}",
        kms_head(server.addr, "ListKeys"),
        "p".repeat(64 * 1024)
    );
    let answer = exchange(server.addr, request.as_bytes());
    assert_eq!(answer.status, 431, "{answer:?}");
    client.still_served();
}

#[test]
fn more_than_100_headers_are_answered_431() {
    let server = Server::start(Limits::default());
    let client = Client::start(server.addr);
    let many: String = (0..100).map(|i| format!("X-Extra-{i}: v\r\n")).collect();
    let request = format!(
        "{}{many}Content-Length: 2\r\n\r\n{{}}",
        kms_head(server.addr, "ListKeys")
    );
    let answer = exchange(server.addr, request.as_bytes());
    assert_eq!(answer.status, 431, "{answer:?}");
    // Within the count, the same call is served.
    let few: String = (0..80).map(|i| format!("X-Extra-{i}: v\r\n")).collect();
    let request = format!(
        "{}{few}Content-Length: 2\r\n\r\n{{}}",
        kms_head(server.addr, "ListKeys")
    );
    assert_eq!(exchange(server.addr, request.as_bytes()).status, 200);
    client.still_served();
}

#[test]
fn conflicting_content_lengths_are_answered_400() {
    let server = Server::start(Limits::default());
    let client = Client::start(server.addr);
    let request = format!(
        "{}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{{}}",
        kms_head(server.addr, "ListKeys")
    );
    let answer = exchange(server.addr, request.as_bytes());
    assert_eq!(answer.status, 400, "{answer:?}");
    client.still_served();
}

#[test]
fn connections_past_the_cap_are_answered_503_and_served_again_once_others_close() {
    let server = Server::start(Limits {
        max_connections: 4,
        ..Limits::default()
    });
    // The client's keep-alive connection holds one slot; three idle ones take the rest.
    let client = Client::start(server.addr);
    let idle: Vec<TcpStream> = (0..3).map(|_| connect(server.addr)).collect();
    thread::sleep(Duration::from_millis(200));
    let answer = exchange(
        server.addr,
        kms_request(server.addr, "ListKeys", "{}").as_bytes(),
    );
    assert_eq!(answer.status, 503, "{answer:?}");
    assert_eq!(answer.json()["__type"], "ServiceUnavailable");
    assert_eq!(
        answer.json()["message"],
        "keyhole is serving its limit of 4 connections; retry shortly, or start it with a \
         higher --max-connections (KEYHOLE_MAX_CONNECTIONS)."
    );
    client.still_served();
    drop(idle);
    let started = Instant::now();
    loop {
        let answer = exchange(
            server.addr,
            kms_request(server.addr, "ListKeys", "{}").as_bytes(),
        );
        if answer.status == 200 {
            break;
        }
        assert!(started.elapsed() < ANSWER_BOUND, "{answer:?}");
        thread::sleep(Duration::from_millis(50));
    }
    client.still_served();
}

/// `depth` arrays inside one another.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn json_nested_past_serde_jsons_128_levels_is_a_serialization_error() {
    let server = Server::start(Limits::default());
    let client = Client::start(server.addr);
    for depth in [129, 10_000] {
        let body = format!("{{\"Tags\":{}}}", nested(depth));
        let answer = exchange(
            server.addr,
            kms_request(server.addr, "CreateKey", &body).as_bytes(),
        );
        assert_eq!(answer.status, 400, "{depth}: {answer:?}");
        assert_eq!(answer.json()["__type"], "SerializationException");
        let message = answer.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.starts_with("Could not parse request body into json: recursion limit exceeded"),
            "{depth}: {message}"
        );
    }
    client.still_served();
}

#[test]
fn deeply_nested_policy_documents_and_rest_bodies_are_refused_not_crashed_on() {
    let server = Server::start(Limits::default());
    let client = Client::start(server.addr);
    let created = exchange(
        server.addr,
        kms_request(server.addr, "CreateKey", "{}").as_bytes(),
    );
    let key = created.json()["KeyMetadata"]["KeyId"].clone();
    for depth in [129, 10_000] {
        // A policy is JSON inside a JSON string: the service's own parser meets the depth.
        let policy = format!("{{\"Statement\":{}}}", nested(depth));
        let body = serde_json::json!({"KeyId": key, "PolicyName": "default", "Policy": policy});
        let answer = exchange(
            server.addr,
            kms_request(server.addr, "PutKeyPolicy", &body.to_string()).as_bytes(),
        );
        assert_eq!(answer.status, 400, "{depth}: {answer:?}");
        assert_eq!(
            answer.json()["__type"],
            "MalformedPolicyDocumentException",
            "{depth}"
        );
        // Backup is restJson: the body is parsed by another decoder.
        let body = format!("{{\"BackupVaultTags\":{}}}", nested(depth));
        let request = format!(
            "PUT /backup-vaults/deep HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             X-Amz-Date: 20240101T000000Z\r\nAuthorization: {}\r\nContent-Length: {}\r\n\r\n{body}",
            server.addr,
            AUTH.replace("/kms/", "/backup/"),
            body.len()
        );
        let answer = exchange(server.addr, request.as_bytes());
        assert_eq!(answer.status, 400, "{depth}: {answer:?}");
        assert_eq!(
            answer.header("x-amzn-errortype"),
            Some("SerializationException"),
            "{depth}: {answer:?}"
        );
    }
    client.still_served();
}

/// The flags reach the server: `keyhole serve --max-connections 1 --idle-timeout 1` (the
/// second as its environment variable) refuses a second connection and closes an idle one.
#[test]
fn the_serve_flags_set_the_connection_cap_and_the_idle_timeout() {
    let (mut child, addr) = support::spawn_serving(
        std::process::Command::new(env!("CARGO_BIN_EXE_keyhole"))
            .args(["serve", "--port", "0", "--max-connections", "1"])
            .env("KEYHOLE_IDLE_TIMEOUT", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null()),
    );
    let addr: SocketAddr = addr.parse().expect("an address");
    let mut held = connect(addr);
    thread::sleep(Duration::from_millis(200));
    let refused = exchange(addr, kms_request(addr, "ListKeys", "{}").as_bytes());
    assert_eq!(refused.status, 503, "{refused:?}");
    let took = closed_within(&mut held, Duration::from_secs(5));
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
    // The slot is free again once the idle connection is gone.
    let started = Instant::now();
    while exchange(addr, kms_request(addr, "ListKeys", "{}").as_bytes()).status != 200 {
        assert!(started.elapsed() < ANSWER_BOUND, "never served again");
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
