//! What the server accepts from one client, and the answers it gives when a client goes past
//! it. Each answer is shaped like the error of the service the request was for (awsJson's
//! `__type`, restJson's `X-Amzn-ErrorType`, awsQuery's XML), so an SDK reads a code and a
//! message instead of a bare status; the README's "Limits" table lists the values.

use std::time::Duration;

use bytes::Bytes;

use crate::protocol::sigv4::{self, RequestParts};
use crate::protocol::{self, admin, ApiError, HttpRequest, HttpResponse, X_AMZN_REQUESTID};

/// Largest request body accepted; KMS's largest input (ImportKeyMaterial) is far smaller.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The request line and headers together; a session token and a SigV4 header are a few KB.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Header lines per request (hyper's default); an SDK sends about ten.
pub const MAX_HEADERS: usize = 100;
/// Connections served at once. SDK clients keep their idle connections pooled and a test
/// suite makes many clients: the JavaScript SDK v3 running the scenario library held more
/// than 512. keyhole serve raises its open-file limit to fit this ([`connection_cap`]),
/// so it answers 503 before the process runs out of descriptors.
pub const MAX_CONNECTIONS: usize = 4096;
/// Connections beyond `MAX_CONNECTIONS` that are still answered with a 503; past these a
/// connection is closed unread, so a flood cannot queue unbounded work.
pub const MAX_REFUSED_CONNECTIONS: usize = 64;
/// How long a connection may sit idle, or take to send a request's headers. Longer than the
/// SDKs keep an idle pooled connection (the Rust SDK's 90 s): a shorter server timeout races
/// a client reusing the connection, and tests that disable retries would see the reset.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a client may take to send a body it announced.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The server's limits; `Limits::default()` is what `keyhole serve` uses without flags.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_header_bytes: usize,
    pub max_headers: usize,
    pub max_connections: usize,
    pub idle_timeout: Duration,
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: MAX_BODY_BYTES,
            max_header_bytes: MAX_HEADER_BYTES,
            max_headers: MAX_HEADERS,
            max_connections: MAX_CONNECTIONS,
            idle_timeout: IDLE_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
        }
    }
}

/// Why the server answered a request without running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The body (announced or sent) is larger than `max_body_bytes`.
    BodyTooLarge { limit: usize },
    /// The body did not arrive within `body_timeout`.
    BodyTimeout { limit: Duration },
    /// The body ended early or its chunked framing is broken.
    BodyBroken,
    /// Every connection slot is taken.
    Busy { limit: usize },
}

impl Refusal {
    fn error(self) -> ApiError {
        match self {
            Refusal::BodyTooLarge { limit } => ApiError::new(
                "RequestEntityTooLargeException",
                format!(
                    "The request body is larger than keyhole accepts ({limit} bytes). No AWS \
                     operation that keyhole emulates takes an input this large; check what the \
                     client is sending."
                ),
            )
            .status(413),
            Refusal::BodyTimeout { limit } => ApiError::new(
                "RequestTimeoutException",
                format!(
                    "The request body did not arrive within {} seconds of its headers. Check \
                     the client's network and that its Content-Length matches the body it sends.",
                    limit.as_secs()
                ),
            )
            .status(408),
            Refusal::BodyBroken => ApiError::new(
                "SerializationException",
                "The request body ended before its Content-Length, or its chunked encoding is \
                 malformed. Send the whole body, framed as the headers announce.",
            ),
            Refusal::Busy { limit } => ApiError::new(
                "ServiceUnavailable",
                format!(
                    "keyhole is serving its limit of {limit} connections; retry shortly, or \
                     start it with a higher --max-connections (KEYHOLE_MAX_CONNECTIONS)."
                ),
            )
            .status(503),
        }
    }

    fn status(self) -> u16 {
        self.error().status
    }
}

/// The answer to a request refused for `refusal`, in the shape of the service its headers
/// name (the body is not read: it may be what was refused).
pub fn refuse(parts: &http::request::Parts, refusal: Refusal) -> HttpResponse {
    let request_id = uuid::Uuid::new_v4().hyphenated().to_string();
    let error = refusal.error();
    let mut response = if parts.uri.path().starts_with("/_keyhole/") {
        admin::error(
            refusal.status(),
            error.message.as_deref().unwrap_or_default(),
        )
    } else {
        let request = HttpRequest {
            method: parts.method.clone(),
            raw_path: parts.uri.path().to_owned(),
            raw_query: parts.uri.query().map(str::to_owned),
            headers: parts.headers.clone(),
            body: Bytes::new(),
        };
        let scope = sigv4::parse(&RequestParts {
            method: &request.method,
            raw_path: &request.raw_path,
            raw_query: request.raw_query.as_deref(),
            headers: &request.headers,
            body: &request.body,
        });
        let scope_service = match &scope {
            Ok(Some(info)) => Some(info.service.as_ref()),
            _ => None,
        };
        let service = protocol::identify_service(&request, scope_service)
            .unwrap_or(crate::services::registry::UNIDENTIFIED);
        protocol::encode_error(service, &error, &request_id)
    };
    response.headers.push((X_AMZN_REQUESTID, request_id));
    // The connection may hold bytes keyhole will not read; it cannot be reused.
    response
        .headers
        .push((http::header::CONNECTION, "close".into()));
    response
}

/// The body size a request announces, when it announces one.
pub fn announced_length(parts: &http::request::Parts) -> Option<u64> {
    parts
        .headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The connections `keyhole serve` may hold for `asked`: the soft limit on open files is raised
/// toward the hard one when it is lower than `asked` needs (as Go's runtime does at start),
/// and the cap is lowered to what the files allow, keeping a reserve for the refused
/// connections' answers, the state file, hooks and logs. Said once when it lowers the cap.
pub fn connection_cap(asked: usize) -> usize {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let reserve = MAX_REFUSED_CONNECTIONS as u64 + 64;
    let needed = asked as u64 + reserve;
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|soft| soft < needed) {
        let raised = limit.maximum.map_or(needed, |hard| hard.min(needed));
        limit.current = Some(raised);
        let _ = setrlimit(Resource::Nofile, limit);
        limit = getrlimit(Resource::Nofile);
    }
    match limit.current {
        Some(soft) if soft < needed => {
            let cap = soft.saturating_sub(reserve).max(1) as usize;
            tracing::warn!(
                "the open-file limit ({soft}) allows {cap} connections, not {asked}: \
                 raise it (ulimit -n) for more"
            );
            cap
        }
        _ => asked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)], path: &str) -> http::request::Parts {
        let mut builder = http::Request::builder().method("POST").uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn body(response: &HttpResponse) -> String {
        String::from_utf8(response.body.to_vec()).unwrap()
    }

    #[test]
    fn a_refusal_takes_the_shape_of_the_service_the_headers_name() {
        let kms = refuse(
            &parts(&[("x-amz-target", "TrentService.Encrypt")], "/"),
            Refusal::BodyTooLarge { limit: 10 },
        );
        assert_eq!(kms.status, 413);
        let json: serde_json::Value = serde_json::from_str(&body(&kms)).unwrap();
        assert_eq!(json["__type"], "RequestEntityTooLargeException");

        let iam = refuse(
            &parts(
                &[("content-type", "application/x-www-form-urlencoded")],
                "/",
            ),
            Refusal::Busy { limit: 3 },
        );
        assert_eq!(iam.status, 503);
        assert!(
            body(&iam).contains("<Code>ServiceUnavailable</Code>"),
            "{}",
            body(&iam)
        );

        let backup = refuse(&parts(&[], "/backup-vaults/v"), Refusal::BodyBroken);
        assert_eq!(backup.status, 400);
        assert!(backup
            .headers
            .iter()
            .any(|(n, v)| *n == protocol::X_AMZN_ERRORTYPE && v == "SerializationException"));

        let admin = refuse(
            &parts(&[], "/_keyhole/reset"),
            Refusal::BodyTimeout {
                limit: Duration::from_secs(2),
            },
        );
        assert_eq!(admin.status, 408);
        assert!(body(&admin)
            .starts_with("{\"error\":\"The request body did not arrive within 2 seconds"));
    }
}
