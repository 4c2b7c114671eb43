//! The one pipeline every API request takes: decode (protocol) → authenticate (SigV4,
//! principal) → validate (model) → authorize and handle (service, asking the policy engine) →
//! encode (protocol). It is synchronous: the server calls it from a blocking-safe context and
//! in-process tests can call it with no socket.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, UNIX_EPOCH};

use crate::denials::{DecisionLog, DecisionRecord, Denial, Denials};
use crate::instance::Instance;
use crate::persist;
use crate::protocol::sigv4::{self, AuthError, RequestParts, SignatureInfo};
use crate::protocol::{
    self, ApiError, ApiResult, Call, HttpRequest, HttpResponse, Protocol, ServiceId,
};
use crate::request::{DecisionTrail, RequestContext};
use crate::services;
use crate::world::tracked::Recording;
use crate::world::{is_account_id, Caller, World};

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

/// Answers one AWS API request (anything but `/_keyhole/`), tagged with `request_id`.
pub fn api(
    instance: &Instance,
    req: &HttpRequest,
    conn: ConnectionInfo,
    request_id: &str,
) -> HttpResponse {
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
        let now = instance.clock.now();
        let info = signature.map_err(|e| auth_error(&e, service))?;
        let call = protocol::decode(service, req)?;
        let operation = service.model().operations.get(&call.operation);
        // Validation reads only the input, so it runs before the world is locked; its error
        // is still reported after authentication's, as AWS orders them.
        let validated = validate(&call);
        let mut world = instance.world();
        let no_auth = operation.is_some_and(|op| op.no_auth);
        let output = saving(instance, &mut world, service, &call.operation, |world| {
            let (caller, region) = if no_auth && info.is_none() {
                anonymous(world)
            } else {
                authenticate(world, service, &parts, info, now)?
            };
            let facts = Facts {
                now,
                request_id,
                conn,
                user_agent: req.header(http::header::USER_AGENT),
            };
            dispatch(
                world,
                Logs::of(instance),
                &call,
                caller,
                region,
                facts,
                validated,
            )
        })?;
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

/// What a request brings besides its caller and input.
struct Facts<'r> {
    now: f64,
    request_id: &'r str,
    conn: ConnectionInfo,
    user_agent: Option<&'r str>,
}

/// The model's checks of a call's input (and the service's own, where it has them).
fn validate(call: &Call) -> ApiResult<()> {
    let operation = call.service.model().operations.get(&call.operation);
    operation
        .and_then(|op| op.input.as_deref())
        .map_or(Ok(()), |input_shape| {
            services::validate_input(call.service, &call.operation, input_shape, &call.input)
        })
}

/// An authenticated call, from here on the same for every way in: validation's verdict,
/// the request context, the handler.
/// Where a request's denials and decisions are kept.
struct Logs<'a> {
    denials: &'a Denials,
    decisions: &'a DecisionLog,
}

impl<'a> Logs<'a> {
    fn of(instance: &'a Instance) -> Logs<'a> {
        Logs {
            denials: &instance.denials,
            decisions: &instance.decisions,
        }
    }
}

fn dispatch(
    world: &mut World,
    logs: Logs<'_>,
    call: &Call,
    mut caller: Caller,
    region: String,
    facts: Facts<'_>,
    validated: ApiResult<()>,
) -> ApiResult<serde_json::Value> {
    // The partition is the request's: a key used for cn-north-1 signs as arn:aws-cn:...
    caller.partition = std::borrow::Cow::Borrowed(crate::world::partition(&region));
    validated?;
    let ctx = RequestContext {
        request_id: facts.request_id.to_owned(),
        service: call.service,
        operation: call.operation.clone(),
        caller,
        region,
        now: facts.now,
        source_ip: facts.conn.remote_ip,
        secure_transport: false,
        user_agent: facts.user_agent.map(str::to_owned),
        decisions: if logs.decisions.enabled() {
            DecisionTrail::recording()
        } else {
            DecisionTrail::default()
        },
    };
    // keyhole's clock moves once per request, before the handler (events that came due
    // since the last request) and after it (events the handler made due already).
    services::registry::advance(world, facts.now);
    let output = services::dispatch(&ctx, world, call);
    services::registry::advance(world, facts.now);
    log_decisions(logs.decisions, &ctx, &output);
    let denials = logs.denials;
    if let Err(error) = &output {
        if denials.watched() && is_denial(error) {
            denials.record(Denial {
                time: facts.now,
                caller_arn: ctx.caller.arn(),
                action: ctx.action(),
                resource: error.decision.as_ref().map(|d| d.resource().to_owned()),
                code: error.code.clone(),
                message: error.message.clone().unwrap_or_default(),
                decision: error.decision.clone(),
            });
        }
    }
    output
}

/// Adds the decisions made for `ctx` to the decision log. A denial the request answered
/// with keeps the message the caller saw (KMS words some itself).
fn log_decisions(log: &DecisionLog, ctx: &RequestContext, output: &ApiResult<serde_json::Value>) {
    let answered = output
        .as_ref()
        .err()
        .and_then(|e| Some((e.decision.as_deref()?, e.message.as_deref())));
    for decision in ctx.decisions.take() {
        let message = match answered {
            Some((denied, message)) if *denied == decision => message.map(str::to_owned),
            _ => decision.access_denied_message(),
        };
        log.record(DecisionRecord {
            id: 0,
            time: ctx.now,
            request_id: ctx.request_id.clone(),
            caller_arn: ctx.caller.arn(),
            caller_account: ctx.caller.account.to_string(),
            service: ctx.service.signing_name(),
            operation: ctx.operation.clone(),
            message,
            decision: std::sync::Arc::new(decision),
        });
    }
}

/// An error the policy engine decided, or a service's own AccessDenied (Organizations, STS).
fn is_denial(error: &ApiError) -> bool {
    error.decision.is_some() || error.code.starts_with("AccessDenied")
}

/// The access key (and session token) a call is made with in process.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub access_key_id: String,
    pub session_token: Option<String>,
}

/// One call made in process by the holder of `credentials`, with no HTTP and no signature:
/// what `keyhole scenario run` sends. The key is looked up as for a signed request (an
/// issued key must be active, its session token must match, and it must not have expired);
/// validation, authorization and the handler are those every request meets. Answers the
/// output as the model shapes it, or the error the wire would carry.
pub fn call_in_process(
    instance: &Instance,
    credentials: &Credentials,
    region: &str,
    call: &Call,
) -> ApiResult<serde_json::Value> {
    let now = instance.clock.now();
    let validated = validate(call);
    let mut world = instance.world();
    saving(
        instance,
        &mut world,
        call.service,
        &call.operation,
        |world| {
            let caller = caller_for_key(
                world,
                call.service,
                &credentials.access_key_id,
                credentials.session_token.as_deref(),
                now,
            )?;
            let request_id = uuid::Uuid::new_v4().to_string();
            let facts = Facts {
                now,
                request_id: &request_id,
                conn: ConnectionInfo::default(),
                user_agent: Some("keyhole-scenario"),
            };
            dispatch(
                world,
                Logs::of(instance),
                call,
                caller,
                region.to_owned(),
                facts,
                validated,
            )
        },
    )
}

/// Runs one request on the locked world and, with a state dir, saves what it changed
/// before the answer leaves: a success is never sent for a change that was not saved.
/// After a failed save (a full disk) the store is failing: each write first tries to save
/// the whole world again and is refused, unapplied, while that fails; reads still answer.
fn saving<T>(
    instance: &Instance,
    world: &mut World,
    service: ServiceId,
    operation: &str,
    run: impl FnOnce(&mut World) -> ApiResult<T>,
) -> ApiResult<T> {
    let Some(store) = instance.store.get() else {
        return run(world);
    };
    let reads_only = persist::records::reads_only(operation);
    if store.failing() {
        if reads_only {
            // Whatever a read changes is saved with the whole world once the disk is back.
            return run(world);
        }
        if let Err(message) = store.save_all(world, instance.clock.offset_seconds()) {
            return Err(not_saved(
                service,
                format!(
                    "keyhole cannot save to its state dir, so it did not apply this request; \
                     retry once the state dir can be written again: {message}"
                ),
            ));
        }
    }
    let shape = persist::records::Shape::of(world);
    let recording = Recording::start();
    let output = run(world);
    let touched = recording.touched();
    drop(recording);
    let compare = !reads_only || persist::records::Shape::of(world) != shape;
    match store.save_changes(world, touched, compare) {
        Ok(_) => output,
        // An error answer stays the answer; a success that was not saved becomes an error.
        Err(_) if output.is_err() => output,
        Err(message) => Err(not_saved(
            service,
            format!(
                "keyhole applied the request but could not save it to its state dir; it keeps \
                 the change in memory and saves it with the next write that succeeds: {message}"
            ),
        )),
    }
}

/// A request keyhole could not make durable, in the error each service's model gives for a
/// failure of the server worth retrying (botocore's models; the SDKs retry them all):
/// KMS DependencyTimeoutException ("You can retry the request", HTTP 500), Backup
/// ServiceUnavailableException ("a temporary failure of the server", 500), Organizations
/// ServiceException ("Try again later", 500), IAM ServiceFailure (500). STS models no such
/// error: it answers the common ServiceUnavailable (503) that every query API may return.
fn not_saved(service: ServiceId, message: String) -> ApiError {
    let (code, status) = match service {
        ServiceId::Kms => ("DependencyTimeoutException", 500),
        ServiceId::Backup => ("ServiceUnavailableException", 500),
        ServiceId::Organizations => ("ServiceException", 500),
        ServiceId::Iam => ("ServiceFailure", 500),
        ServiceId::Sts | ServiceId::AccessAnalyzer => ("ServiceUnavailable", 503),
    };
    ApiError::new(code, message).status(status)
}

/// One call as `caller`, on a world the caller already holds (a seed being applied before
/// the server listens): the same validation, authorization and handler as a signed request,
/// without HTTP, a signature or the denial log.
pub fn call_on_world(
    world: &mut World,
    caller: Caller,
    region: &str,
    now: f64,
    call: &Call,
) -> ApiResult<serde_json::Value> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let facts = Facts {
        now,
        request_id: &request_id,
        conn: ConnectionInfo::default(),
        user_agent: Some("keyhole-seed"),
    };
    dispatch(
        world,
        Logs {
            denials: &Denials::default(),
            decisions: &DecisionLog::default(),
        },
        call,
        caller,
        region.to_owned(),
        facts,
        validate(call),
    )
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
    if let Some(issued) = world.credentials.get(key) {
        let at = UNIX_EPOCH + Duration::from_millis((now * 1000.0) as u64);
        // No clock-skew check: keyhole's clock can be moved forward, the signer's cannot.
        sigv4::verify(parts, &info, &issued.secret_access_key, at, None)
            .map_err(|e| auth_error(&e, service))?;
    }
    let caller = caller_for_key(world, service, key, info.security_token.as_deref(), now)?;
    Ok((caller, region))
}

/// Who holds access key `key`: a key keyhole issued (active, with its session token, not
/// expired), else the root of a 12-digit key's account, else (unless strict) the default
/// account's root.
fn caller_for_key(
    world: &mut World,
    service: ServiceId,
    key: &str,
    session_token: Option<&str>,
    now: f64,
) -> ApiResult<Caller> {
    let caller = if let Some(issued) = world.credentials.get(key) {
        if !issued.active || issued.session_token.as_deref() != session_token {
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
    Ok(caller)
}
