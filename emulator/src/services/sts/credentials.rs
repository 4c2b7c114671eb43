//! The operations that issue temporary credentials to a caller that signs with AWS
//! credentials: AssumeRole, GetSessionToken, GetFederationToken, AssumeRoot; and
//! GetAccessKeyInfo. (The web identity and SAML ones are in `federation.rs`.)

use serde_json::{json, Value};

use super::errors::{access_denied, not_authorized};
use super::sessions::{
    authorize_on_role, inherited, issue, issue_role_session, request_context, role_duration,
    role_for_arn, session_inputs, Issue,
};
use crate::authz::{self, Access};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::world::iam::aws_managed;
use crate::world::iam::state::Session;
use crate::world::{is_account_id, CallerKind, World};

pub(super) fn assume_role(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let role_arn = crate::services::input::text(input, "RoleArn");
    let session_name = crate::services::input::text(input, "RoleSessionName");
    let Some((account, role)) = role_for_arn(world, role_arn) else {
        // AWS does not reveal whether the role exists.
        return Err(not_authorized(&ctx.caller, "sts:AssumeRole", role_arn));
    };
    let chained = matches!(ctx.caller.kind, CallerKind::AssumedRole { .. });
    let duration = role_duration(input, &role, chained)?;
    let mut session = inherited(world, &ctx.caller);
    let packed = session_inputs(input, &mut session)?;
    if let Some(source) = crate::services::input::member(input, "SourceIdentity") {
        session.source_identity = Some(source.to_owned());
    }
    authorize_on_role(
        ctx,
        world,
        "sts:AssumeRole",
        &account,
        &role,
        request_context(input, &session),
        input,
    )?;
    session.issued_by = "AssumeRole".into();
    session.chained = chained;
    session.issuer_arn = Some(ctx.caller.arn());
    let mut out = issue_role_session(ctx, world, &account, &role, session_name, duration, session);
    if let Some(percent) = packed {
        out["PackedPolicySize"] = json!(percent);
    }
    Ok(out)
}

fn long_term_only(ctx: &RequestContext, operation: &str) -> ApiResult<()> {
    match ctx.caller.kind {
        CallerKind::User { .. } | CallerKind::Root
            if !ctx.caller.access_key_id.starts_with("ASIA") =>
        {
            Ok(())
        }
        // Text inferred (AWS's wording as quoted in public reports).
        _ => Err(access_denied(format!(
            "Cannot call {operation} with session credentials"
        ))),
    }
}

pub(super) fn get_session_token(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    long_term_only(ctx, "GetSessionToken")?;
    let mut duration = input["DurationSeconds"].as_i64().unwrap_or(43_200);
    if ctx.caller.kind == CallerKind::Root {
        // The root's sessions are capped at one hour (AWS defaults longer requests to it).
        duration = duration.min(3_600);
    }
    let parent_user = match &ctx.caller.kind {
        CallerKind::User { name, .. } => Some(name.clone()),
        _ => None,
    };
    let credentials = issue(
        world,
        Issue {
            account: ctx.caller.account.clone(),
            kind: ctx.caller.kind.clone(),
            user_id: ctx.caller.user_id.clone(),
            duration,
            session: Session {
                issued_by: "GetSessionToken".into(),
                parent_user,
                issuer_arn: Some(ctx.caller.arn()),
                ..Session::default()
            },
        },
        ctx.now,
    );
    Ok(json!({"Credentials": credentials}))
}

pub(super) fn get_federation_token(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    long_term_only(ctx, "GetFederationToken")?;
    let account = ctx.caller.account.clone();
    let name = crate::services::input::text(input, "Name");
    let arn = crate::arn::global(
        ctx.partition(),
        "sts",
        &account,
        &format!("federated-user/{name}"),
    );
    let mut session = Session::default();
    let packed = session_inputs(input, &mut session)?;
    let mut access = Access::new(Some(arn.clone()));
    access.context = request_context(input, &session);
    authz::authorize(ctx, world, &access)?;
    let mut duration = input["DurationSeconds"].as_i64().unwrap_or(43_200);
    if ctx.caller.kind == CallerKind::Root {
        duration = duration.min(3_600);
    }
    session.issued_by = "GetFederationToken".into();
    session.issuer_arn = Some(ctx.caller.arn());
    session.parent_user = match &ctx.caller.kind {
        CallerKind::User { name, .. } => Some(name.clone()),
        _ => None,
    };
    let credentials = issue(
        world,
        Issue {
            account: account.clone(),
            kind: CallerKind::FederatedUser {
                name: name.to_owned(),
            },
            user_id: format!("{account}:{name}"),
            duration,
            session,
        },
        ctx.now,
    );
    let mut out = json!({
        "Credentials": credentials,
        "FederatedUser": {"FederatedUserId": format!("{account}:{name}"), "Arn": arn},
    });
    if let Some(percent) = packed {
        out["PackedPolicySize"] = json!(percent);
    }
    Ok(out)
}

/// sts:AssumeRoot: a root session in a member account, scoped by one of AWS's root-task
/// policies. keyhole does not check organization membership yet (Organizations lands
/// separately); the policy engine sees the task policy as the session policy.
pub(super) fn assume_root(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    let target = crate::services::input::text(input, "TargetPrincipal");
    let task = input["TaskPolicyArn"]["arn"].as_str().unwrap_or_default();
    if !is_account_id(target) {
        // Text inferred.
        return Err(ApiError::new(
            "ValidationError",
            format!("TargetPrincipal {target} is not a valid account id."),
        ));
    }
    let task_policy = aws_managed::find(task).filter(|p| p.path == "/root-task/");
    if task_policy.is_none() {
        // Text inferred.
        return Err(ApiError::new(
            "ValidationError",
            format!("TaskPolicyArn {task} is not a root task policy."),
        ));
    }
    // AssumeRoot is decided by the caller's identity policies (the management account or a
    // delegated administrator); the member account has no resource policy to consult.
    let mut access = Access::new(Some(crate::arn::root(ctx.partition(), target)));
    access.context = vec![("sts:TaskPolicyArn".into(), json!(task))];
    authz::authorize(ctx, world, &access)?;
    let duration = input["DurationSeconds"].as_i64().unwrap_or(900);
    let credentials = issue(
        world,
        Issue {
            account: target.to_owned(),
            kind: CallerKind::Root,
            user_id: target.to_owned(),
            duration,
            session: Session {
                issued_by: "AssumeRoot".into(),
                policy_arns: vec![task.to_owned()],
                issuer_arn: Some(ctx.caller.arn()),
                ..Session::default()
            },
        },
        ctx.now,
    );
    Ok(json!({"Credentials": credentials}))
}

/// The account an access key belongs to: a 12-digit key is its own account; keys keyhole
/// issued belong to their principal's account; any other key is the default account's, as
/// the pipeline treats it.
pub(super) fn get_access_key_info(
    ctx: &RequestContext,
    world: &mut World,
    input: &Value,
) -> ApiResult<Value> {
    authz::authorize(ctx, world, &Access::new(None))?;
    let key = crate::services::input::text(input, "AccessKeyId");
    let account = if is_account_id(key) {
        key.to_owned()
    } else if let Some(credential) = world.credentials.get(key) {
        credential.caller.account.clone()
    } else {
        world.settings.default_account.clone()
    };
    Ok(json!({"Account": account}))
}
