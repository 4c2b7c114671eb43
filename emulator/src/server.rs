//! The HTTP server: accepts connections, collects each request, runs the pipeline on a
//! blocking thread (handlers may do RSA key generation), writes the answer. On shutdown it
//! stops accepting and lets in-flight requests finish. [`Limits`] bounds what one client
//! can hold: connections, header and body sizes, and how long it may take.

mod limits;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

pub use limits::{
    connection_cap, Limits, Refusal, BODY_TIMEOUT, IDLE_TIMEOUT, MAX_BODY_BYTES, MAX_CONNECTIONS,
    MAX_HEADERS, MAX_HEADER_BYTES, MAX_REFUSED_CONNECTIONS,
};

use crate::admin;
use crate::instance::Instance;
use crate::pipeline::{self, ConnectionInfo};
use crate::protocol::{self, HttpRequest, HttpResponse};

/// How long shutdown waits for in-flight requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a refused connection may take to send the request it is answered 503 for.
const REFUSED_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves with the default [`Limits`] until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    instance: Arc<Instance>,
    shutdown: impl Future<Output = ()>,
) {
    run_with(listener, instance, Limits::default(), shutdown).await;
}

pub async fn run_with(
    listener: TcpListener,
    instance: Arc<Instance>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let limits = Arc::new(limits);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSED_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        // Out of descriptors, most often: wait for connections to close.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    // Dropping a connection past both caps closes it unread.
                    if let Ok(refusal) = refusals.clone().try_acquire_owned() {
                        let limit = limits.max_connections;
                        tokio::spawn(async move {
                            refuse_connection(stream, limit).await;
                            drop(refusal);
                        });
                    }
                    continue;
                };
                let instance = instance.clone();
                let for_service = limits.clone();
                let service = service_fn(move |req| {
                    serve(instance.clone(), for_service.clone(), remote, req)
                });
                let connection = builder(&limits, limits.idle_timeout)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = watched.await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                    drop(slot);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish within {DRAIN_TIMEOUT:?}");
    }
}

/// hyper's settings for `limits`. The header timeout also closes idle keep-alive
/// connections: hyper starts it as soon as it waits for a request's first byte.
fn builder(limits: &Limits, header_timeout: Duration) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_headers(limits.max_headers)
        .max_header_size(limits.max_header_bytes)
        // hyper's own minimum is 8 KiB; the buffer must hold the largest header section.
        .max_buf_size(limits.max_header_bytes.max(8192) + 8192);
    builder
}

/// Answers one request on a connection past the cap with a 503, then closes it. The request
/// is read first: closing on unread bytes resets the connection before the client reads the
/// answer.
async fn refuse_connection(stream: TcpStream, limit: usize) {
    let service = service_fn(move |req: http::Request<Incoming>| async move {
        let (parts, _) = req.into_parts();
        Ok::<_, Infallible>(to_hyper(limits::refuse(&parts, Refusal::Busy { limit })))
    });
    let refused = builder(&Limits::default(), REFUSED_HEADER_TIMEOUT)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    if let Err(error) = refused.await {
        tracing::debug!(%error, "refused connection ended with an error");
    }
}

async fn serve(
    instance: Arc<Instance>,
    limits: Arc<Limits>,
    remote: SocketAddr,
    req: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let max = limits.max_body_bytes;
    // An announced body past the limit is refused before a byte of it is read.
    if limits::announced_length(&parts).is_some_and(|n| n > max as u64) {
        return Ok(to_hyper(limits::refuse(
            &parts,
            Refusal::BodyTooLarge { limit: max },
        )));
    }
    let collected = tokio::time::timeout(limits.body_timeout, Limited::new(body, max).collect());
    let body = match collected.await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Err(_) => {
            let refusal = Refusal::BodyTimeout {
                limit: limits.body_timeout,
            };
            return Ok(to_hyper(limits::refuse(&parts, refusal)));
        }
        Ok(Err(error)) => {
            // A chunked body past the limit, or one that ended early or is badly framed.
            let refusal = if error.downcast_ref::<LengthLimitError>().is_some() {
                Refusal::BodyTooLarge { limit: max }
            } else {
                Refusal::BodyBroken
            };
            return Ok(to_hyper(limits::refuse(&parts, refusal)));
        }
    };
    let request = HttpRequest {
        method: parts.method,
        raw_path: parts.uri.path().to_owned(),
        raw_query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    let conn = ConnectionInfo {
        remote_ip: remote.ip(),
    };
    if !may_run_long(&request) {
        // Most calls take microseconds: a hop to the blocking pool would cost more than the call.
        return Ok(to_hyper(handle(&instance, &request, conn)));
    }
    let response = tokio::task::spawn_blocking(move || handle(&instance, &request, conn))
        .await
        .unwrap_or_else(|_| {
            HttpResponse::json(
                500,
                &serde_json::json!({"__type": "InternalFailure", "message": "keyhole failed while handling this request"}),
            )
        });
    Ok(to_hyper(response))
}

/// Requests that may keep a thread busy for long: the operations a service lists as
/// `runs_long` (RSA key generation) and admin calls that load or seed a whole world.
/// They run on the blocking pool so the runtime's workers keep serving I/O.
fn may_run_long(request: &HttpRequest) -> bool {
    if request.raw_path.starts_with("/_keyhole/") {
        return true;
    }
    let Some(target) = request.header(&crate::protocol::X_AMZ_TARGET) else {
        return false;
    };
    target
        .rsplit('.')
        .next()
        .is_some_and(crate::services::registry::runs_long)
}

fn to_hyper(response: HttpResponse) -> http::Response<Full<Bytes>> {
    let mut builder = http::Response::builder().status(response.status);
    for (name, value) in response.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(response.body.clone()))
        .unwrap_or_else(|_| {
            let mut fallback = http::Response::new(Full::new(response.body));
            *fallback.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
}

/// Answers one request, with or without a socket: `/_keyhole/` goes to the admin endpoints,
/// the rest through the pipeline; every answer carries a fresh request id.
pub fn handle(instance: &Instance, req: &HttpRequest, conn: ConnectionInfo) -> HttpResponse {
    let request_id = uuid::Uuid::new_v4()
        .hyphenated()
        .encode_lower(&mut uuid::Uuid::encode_buffer())
        .to_owned();
    let mut response = if req.raw_path.starts_with("/_keyhole/") {
        admin::handle(instance, req)
    } else {
        pipeline::api(instance, req, conn, &request_id)
    };
    response
        .headers
        .push((protocol::X_AMZN_REQUESTID, request_id));
    response
}
