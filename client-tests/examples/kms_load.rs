//! Load generator for BENCHMARKS.md "KMS Encrypt over HTTP": KMS Encrypt requests per
//! second over loopback against a release keyhole, side by side with a minimal hyper server
//! that answers a fixed body, on the same machine in the same run.
//!
//! ```text
//! cargo build --release -p keyhole
//! cargo run --release -p keyhole-client-tests --example kms_load -- \
//!     target/release/keyhole 10 2,8
//! ```
//!
//! Arguments: the keyhole binary, seconds per measurement, connection counts, and
//! optionally runtime worker threads for both servers. Without it each server runs as
//! shipped: keyhole with its default, the minimal server with tokio's (one per core). Both
//! are child processes; the load generator is a hyper HTTP/1.1 client on two threads, one
//! keep-alive connection per task, each sending the same pre-signed awsJson Encrypt request
//! (a 12-digit access key, so keyhole does not verify the signature; it does parse SigV4
//! and check X-Amz-Date).
//! `kms_load serve-fixed [WORKERS]` runs the minimal server alone.
//!
//! `--keys 1,100000` (anywhere among the arguments) measures keyhole alone instead, once per
//! world size: a fresh keyhole per size, seeded with that many KMS keys (CreateKey over 8
//! connections; a state document of 100,000 keys passes keyhole's 16 MiB body limit), every
//! one with automatic rotation on, then Encrypt, ListKeys (first page, of the default 100 and of 1) and
//! CreateKey, each for the given seconds at each connection count, side by side.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

const ACCOUNT: &str = "111111111111";
const FIXED_BODY: &str = r#"{"CiphertextBlob":"AQICAHg=","EncryptionAlgorithm":"SYMMETRIC_DEFAULT","KeyId":"arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"}"#;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let key_counts: Option<Vec<usize>> = args.iter().position(|a| a == "--keys").map(|i| {
        let list = args.get(i + 1).cloned().unwrap_or_default();
        args.drain(i..(i + 2).min(args.len()));
        list.split(',').filter_map(|n| n.parse().ok()).collect()
    });
    if args.first().map(String::as_str) == Some("serve-fixed") {
        let workers = args.get(1).and_then(|w| w.parse().ok());
        return runtime(workers).block_on(serve_fixed());
    }
    let keyhole = args
        .first()
        .cloned()
        .unwrap_or_else(|| "target/release/keyhole".into());
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let connections: Vec<usize> = args
        .get(2)
        .map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![2, 8]);
    let workers: Option<usize> = args.get(3).and_then(|w| w.parse().ok());
    let worker_args: Vec<String> = workers.iter().map(usize::to_string).collect();
    if let Some(counts) = key_counts {
        return by_world_size(&keyhole, &worker_args, &counts, seconds, &connections);
    }

    let (mut keyhole_child, keyhole_addr) = spawn(
        Command::new(&keyhole)
            .args(["serve", "--port", "0"])
            .args(worker_args.iter().flat_map(|w| ["--workers", w.as_str()])),
    );
    let exe = std::env::current_exe().expect("own path");
    let (mut fixed_child, fixed_addr) =
        spawn(Command::new(exe).arg("serve-fixed").args(&worker_args));

    let rt = runtime(Some(2));
    let key_id = rt.block_on(create_key(keyhole_addr));
    let encrypt = format!(
        r#"{{"KeyId":"{key_id}","Plaintext":"{}"}}"#,
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrLw=="
    );
    println!("keyhole {keyhole} at {keyhole_addr}, minimal hyper server at {fixed_addr}");
    let threads = workers.map_or("each server's default".to_owned(), |w| w.to_string());
    println!(
        "Encrypt of 64 bytes under {key_id}; {seconds} s per run after 1 s warm-up; runtime worker threads: {threads}"
    );
    println!(
        "| server | connections | requests/s | p50 | p99 | errors | server CPU / request | load generator CPU / request |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &n in &connections {
        for (name, addr, pid) in [
            ("minimal hyper server", fixed_addr, fixed_child.id()),
            ("keyhole Encrypt", keyhole_addr, keyhole_child.id()),
        ] {
            let r = rt.block_on(run(addr, &encrypt, n, Duration::from_secs(seconds), pid));
            println!(
                "| {name} | {n} | {:.0} | {:.0} µs | {:.0} µs | {} | {:.1} µs | {:.1} µs |",
                r.rate, r.p50, r.p99, r.errors, r.server_cpu_per_request, r.client_cpu_per_request
            );
        }
    }
    let _ = keyhole_child.kill();
    let _ = fixed_child.kill();
    let _ = keyhole_child.wait();
    let _ = fixed_child.wait();
}

/// keyhole alone, per world size: Encrypt, ListKeys and CreateKey with `counts` keys.
fn by_world_size(
    keyhole: &str,
    worker_args: &[String],
    counts: &[usize],
    seconds: u64,
    connections: &[usize],
) {
    let rt = runtime(Some(2));
    println!("keyhole {keyhole}; {seconds} s per run after 1 s warm-up");
    println!("| keys | operation | connections | requests/s | p50 | p99 | errors | server CPU / request |");
    println!("|---|---|---|---|---|---|---|---|");
    for &count in counts {
        let (mut child, addr) = spawn(
            Command::new(keyhole)
                .args(["serve", "--port", "0"])
                .args(worker_args.iter().flat_map(|w| ["--workers", w.as_str()])),
        );
        let started = Instant::now();
        let key_id = rt.block_on(seed(addr, count));
        eprintln!(
            "seeded {count} keys in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let encrypt = format!(
            r#"{{"KeyId":"{key_id}","Plaintext":"{}"}}"#,
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrLw=="
        );
        for (label, operation, body) in [
            ("Encrypt", "Encrypt", encrypt.as_str()),
            ("ListKeys, first page of 100", "ListKeys", "{}"),
            ("ListKeys, first page of 1", "ListKeys", r#"{"Limit":1}"#),
            ("CreateKey", "CreateKey", "{}"),
        ] {
            for &n in connections {
                let r = rt.block_on(run_target(
                    addr,
                    operation,
                    body,
                    n,
                    Duration::from_secs(seconds),
                    child.id(),
                ));
                println!(
                    "| {count} | {label} | {n} | {:.0} | {:.0} µs | {:.0} µs | {} | {:.1} µs |",
                    r.rate, r.p50, r.p99, r.errors, r.server_cpu_per_request
                );
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Creates `count` keys (8 connections), each with automatic rotation on; returns the first.
async fn seed(addr: SocketAddr, count: usize) -> String {
    let first = create_key(addr).await;
    let created = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(1));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let created = created.clone();
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(addr).await;
            while created.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                let key = send(&mut sender, addr, "CreateKey", "{}".into()).await;
                let id = key["KeyMetadata"]["KeyId"].as_str().expect("KeyId");
                let body = format!(r#"{{"KeyId":"{id}"}}"#);
                send(&mut sender, addr, "EnableKeyRotation", body).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("seeding task");
    }
    let mut sender = connect(addr).await;
    send(
        &mut sender,
        addr,
        "EnableKeyRotation",
        format!(r#"{{"KeyId":"{first}"}}"#),
    )
    .await;
    first
}

async fn send(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    target: &str,
    body: String,
) -> serde_json::Value {
    let resp = sender
        .send_request(signed(addr, target, body))
        .await
        .unwrap_or_else(|e| panic!("{target}: {e}"));
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert!(status.is_success(), "{target}: {status} {body:?}");
    serde_json::from_slice(&body).expect("json")
}

/// A multi-thread runtime with `workers` threads, or tokio's default (one per core).
fn runtime(workers: Option<usize>) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = workers {
        builder.worker_threads(n);
    }
    builder.enable_all().build().expect("runtime")
}

/// Starts a server that prints `... http://HOST:PORT` on its first line.
fn spawn(cmd: &mut Command) -> (Child, SocketAddr) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, addr)
}

async fn serve_fixed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    println!(
        "fixed listening on http://{}",
        listener.local_addr().expect("addr")
    );
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                // Read the request body, as keyhole does.
                let _ = req.into_body().collect().await;
                Ok::<_, std::convert::Infallible>(
                    Response::builder()
                        .header("content-type", "application/x-amz-json-1.1")
                        .body(Full::new(Bytes::from_static(FIXED_BODY.as_bytes())))
                        .expect("response"),
                )
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn signed(addr: SocketAddr, target: &str, body: String) -> Request<Full<Bytes>> {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let amz_date = now.format(&fmt).expect("date");
    let day = &amz_date[..8];
    Request::post("/")
        .header("host", addr.to_string())
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("TrentService.{target}"))
        .header("x-amz-date", &amz_date)
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={ACCOUNT}/{day}/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={}",
                "0".repeat(64)
            ),
        )
        .body(Full::new(Bytes::from(body)))
        .expect("request")
}

async fn connect(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    sender
}

async fn create_key(addr: SocketAddr) -> String {
    let mut sender = connect(addr).await;
    let resp = sender
        .send_request(signed(addr, "CreateKey", "{}".into()))
        .await
        .expect("CreateKey");
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert!(status.is_success(), "CreateKey: {status} {body:?}");
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    v["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("KeyId")
        .to_owned()
}

struct Outcome {
    rate: f64,
    p50: f64,
    p99: f64,
    errors: usize,
    /// CPU time (user + system) of the server process per measured request, in µs.
    server_cpu_per_request: f64,
    /// The same for this load generator.
    client_cpu_per_request: f64,
}

/// User + system CPU seconds a process has used, from `/proc/<pid>/stat` (Linux only;
/// elsewhere the CPU columns read 0).
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<f64>().ok()))
        .sum();
    // USER_HZ is 100 on every Linux the project runs on.
    ticks / 100.0
}

async fn run(
    addr: SocketAddr,
    body: &str,
    connections: usize,
    length: Duration,
    server_pid: u32,
) -> Outcome {
    run_target(addr, "Encrypt", body, connections, length, server_pid).await
}

async fn run_target(
    addr: SocketAddr,
    target: &str,
    body: &str,
    connections: usize,
    length: Duration,
    server_pid: u32,
) -> Outcome {
    // One request template, signed now, cloned per send.
    let template = signed(addr, target, body.to_owned());
    let warm_up = Duration::from_secs(1);
    let start = Instant::now();
    let measure_from = start + warm_up;
    let end = measure_from + length;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut sender = connect(addr).await;
        let (parts, body) = {
            let (p, b) = clone_request(&template);
            (p, b)
        };
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(1 << 16);
            let mut errors = 0usize;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let mut req = Request::new(body.clone());
                *req.method_mut() = parts.method.clone();
                *req.uri_mut() = parts.uri.clone();
                *req.headers_mut() = parts.headers.clone();
                let ok = match sender.send_request(req).await {
                    Ok(resp) => {
                        let good = resp.status().is_success();
                        good && resp.into_body().collect().await.is_ok()
                    }
                    Err(_) => false,
                };
                if sent >= measure_from {
                    if ok {
                        latencies.push(sent.elapsed().as_micros() as u32);
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let server_pid = server_pid.to_string();
    let cpu_at_start = (cpu_seconds(&server_pid), cpu_seconds("self"));
    tokio::time::sleep_until(end.into()).await;
    let cpu_at_end = (cpu_seconds(&server_pid), cpu_seconds("self"));
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("task");
        all.extend(l);
        errors += e;
    }
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
    };
    let per_request = |seconds: f64| seconds * 1e6 / all.len().max(1) as f64;
    Outcome {
        rate: all.len() as f64 / length.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        errors,
        server_cpu_per_request: per_request(cpu_at_end.0 - cpu_at_start.0),
        client_cpu_per_request: per_request(cpu_at_end.1 - cpu_at_start.1),
    }
}

fn clone_request(req: &Request<Full<Bytes>>) -> (http::request::Parts, Full<Bytes>) {
    let mut builder = Request::builder().method(req.method()).uri(req.uri());
    for (k, v) in req.headers() {
        builder = builder.header(k, v);
    }
    let (parts, ()) = builder.body(()).expect("request").into_parts();
    (parts, req.body().clone())
}
