//! The HTTP server: accepts connections, collects each request, runs the pipeline on a
//! blocking thread (handlers may do RSA key generation), writes the answer. On shutdown it
//! stops accepting and lets in-flight requests finish.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::admin;
use crate::instance::Instance;
use crate::pipeline::{self, ConnectionInfo};
use crate::protocol::{self, HttpRequest, HttpResponse};

/// Largest request body accepted; KMS's largest input (ImportKeyMaterial) is far smaller.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// How long a client may take to send a body it announced.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long shutdown waits for in-flight requests.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

pub async fn run(
    listener: TcpListener,
    instance: Arc<Instance>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let instance = instance.clone();
                let service = service_fn(move |req| serve(instance.clone(), remote, req));
                let connection = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = watched.await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
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

async fn serve(
    instance: Arc<Instance>,
    remote: SocketAddr,
    req: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let collected =
        tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY_BYTES).collect());
    let body = match collected.await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Err(_) => {
            return Ok(to_hyper(HttpResponse::json(
                408,
                &serde_json::json!({"message": "Request body was not received in time"}),
            )))
        }
        Ok(Err(_)) => {
            return Ok(to_hyper(HttpResponse::json(
                413,
                &serde_json::json!({"message": "Request body too large"}),
            )))
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
