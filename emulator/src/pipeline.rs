//! The one pipeline every API request takes: decode (protocol) → authenticate (SigV4,
//! principal) → validate (model) → authorize and handle (service, asking the policy engine) →
//! encode (protocol). It is synchronous: the server calls it from a blocking-safe context and
//! in-process tests can call it with no socket.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, UNIX_EPOCH};

use crate::admin;
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::protocol::sigv4::{self, AuthError, RequestParts, SignatureInfo};
use crate::protocol::{self, ApiError, ApiResult, HttpRequest, HttpResponse, Protocol, ServiceId};
use crate::services;
use crate::world::{is_account_id, Caller, Settings, World};

/// The state one server shares across connections.
#[derive(Debug, Default)]
pub struct Shared {
    world: Mutex<World>,
    pub clock: Clock,
}

impl Shared {
    pub fn new(settings: Settings) -> Shared {
        Shared {
            world: Mutex::new(World::new(settings)),
            clock: Clock::default(),
        }
    }

    /// The world, even if a handler panicked while holding it: a panic is a bug to report,
    /// not a reason to stop answering.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Facts about the connection a request came on.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionInfo {
    pub remote_ip: IpAddr,
}

impl Default for ConnectionInfo {
    fn default() -> Self {
        ConnectionInfo {
            remote_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }
}

pub fn handle(shared: &Shared, req: &HttpRequest, conn: ConnectionInfo) -> HttpResponse {
    let request_id = uuid::Uuid::new_v4()
        .hyphenated()
        .encode_lower(&mut uuid::Uuid::encode_buffer())
        .to_owned();
    let mut response = if req.raw_path.starts_with("/_keyhole/") {
        admin::handle(shared, req)
    } else {
        api(shared, req, conn, &request_id)
    };
    response
        .headers
        .push((protocol::X_AMZN_REQUESTID, request_id));
    response
}

fn api(shared: &Shared, req: &HttpRequest, conn: ConnectionInfo, request_id: &str) -> HttpResponse {
    let parts = RequestParts {
        method: &req.method,
        raw_path: &req.raw_path,
        raw_query: req.raw_query.as_deref(),
        headers: &req.headers,
        body: &req.body,
    };
    let signature = sigv4::parse(&parts);
    let scope_service = match &signature {
        Ok(Some(info)) => Some(info.service.as_ref()),
        _ => None,
    };
    let service =
        protocol::identify_service(req, scope_service).unwrap_or(services::registry::UNIDENTIFIED);
    let outcome = (|| -> ApiResult<(String, serde_json::Value)> {
        let now = shared.clock.now();
        let info = signature.map_err(|e| auth_error(&e, service))?;
        let call = protocol::decode(service, req)?;
        let operation = service.model().operations.get(&call.operation);
        // Validation reads only the input, so it runs before the world is locked; its error
        // is still reported after authentication's, as AWS orders them.
        let validated =
            operation
                .and_then(|op| op.input.as_deref())
                .map_or(Ok(()), |input_shape| {
                    services::validate_input(service, &call.operation, input_shape, &call.input)
                });
        let mut world = shared.world();
        let no_auth = operation.is_some_and(|op| op.no_auth);
        let (mut caller, region) = if no_auth && info.is_none() {
            anonymous(&world)
        } else {
            authenticate(&mut world, service, &parts, info, now)?
        };
        // The partition is the request's: a key used for cn-north-1 signs as arn:aws-cn:...
        caller.partition = std::borrow::Cow::Borrowed(crate::world::partition(&region));
        validated?;
        let ctx = RequestContext {
            request_id: request_id.to_owned(),
            service,
            operation: call.operation.clone(),
            caller,
            region,
            now,
            source_ip: conn.remote_ip,
            secure_transport: false,
            user_agent: req.header(http::header::USER_AGENT).map(str::to_owned),
        };
        // keyhole's clock moves once per request, before the handler (events that came due
        // since the last request) and after it (events the handler made due already).
        services::registry::advance(&mut world, now);
        let output = services::dispatch(&ctx, &mut world, &call);
        services::registry::advance(&mut world, now);
        let output = output?;
        Ok((call.operation, output))
    })();
    match outcome {
        Ok((operation, output)) => {
            protocol::encode_output(service, &operation, &output, request_id)
        }
        Err(error) => {
            tracing::debug!(%error, ?service, "request failed");
            protocol::encode_error(service, &error, request_id)
        }
    }
}

fn auth_error(error: &AuthError, service: ServiceId) -> ApiError {
    let protocol = service.protocol();
    ApiError::new(error.code(protocol), error.message()).status(error.status(protocol))
}

/// An expired session token; the SigV4 module knows nothing of sessions.
fn expired_token(service: ServiceId) -> ApiError {
    let message = "The security token included in the request is expired";
    match service.protocol() {
        Protocol::AwsQuery => ApiError::new("ExpiredToken", message).status(403),
        Protocol::RestJson => ApiError::new("ExpiredTokenException", message).status(403),
        Protocol::AwsJson => ApiError::new("ExpiredTokenException", message),
    }
}

/// The caller of an operation AWS serves unsigned (AssumeRoleWithWebIdentity,
/// AssumeRoleWithSAML): no principal yet, marked by an empty access key id; the handler
/// authenticates the token it carries.
fn anonymous(world: &World) -> (Caller, String) {
    let account = world.settings.default_account.clone();
    let caller = Caller {
        user_id: "anonymous".into(),
        access_key_id: String::new(),
        ..Caller::root(&account, "")
    };
    (caller, world.settings.default_region.clone())
}

/// Resolves the caller and the request's region from the signature.
fn authenticate(
    world: &mut World,
    service: ServiceId,
    parts: &RequestParts,
    info: Option<SignatureInfo>,
    now: f64,
) -> ApiResult<(Caller, String)> {
    let Some(info) = info else {
        return Err(auth_error(&AuthError::MissingAuthenticationToken, service));
    };
    let region = if info.region.is_empty() {
        world.settings.default_region.clone()
    } else {
        info.region.to_string()
    };
    let key = info.access_key_id.as_ref();
    let caller = if let Some(issued) = world.credentials.get(key) {
        let at = UNIX_EPOCH + Duration::from_millis((now * 1000.0) as u64);
        // No clock-skew check: keyhole's clock can be moved forward, the signer's cannot.
        sigv4::verify(parts, &info, &issued.secret_access_key, at, None)
            .map_err(|e| auth_error(&e, service))?;
        if !issued.active || issued.session_token.as_deref() != info.security_token.as_deref() {
            return Err(auth_error(&AuthError::UnrecognizedClient, service));
        }
        if issued.expiration.is_some_and(|expiry| now >= expiry) {
            return Err(expired_token(service));
        }
        issued.caller.clone()
    } else if is_account_id(key) {
        Caller::root(key, key)
    } else if world.settings.strict_auth {
        return Err(auth_error(&AuthError::UnrecognizedClient, service));
    } else {
        Caller::root(&world.settings.default_account.clone(), key)
    };
    world.account_mut(&caller.account.clone(), now);
    Ok((caller, region))
}
