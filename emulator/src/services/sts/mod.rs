//! AWS STS: temporary credentials (ASIA... keys with a session token and an expiration on
//! keyhole's clock) for role sessions, federated users, MFA-style sessions and root tasks;
//! caller and key introspection; keyhole's encoded authorization messages.
//!
//! Every issued key goes into `World::credentials` (the pipeline verifies and expires it)
//! and its session record (session policies, tags, source identity) into the principal
//! account's `IamState::sessions`, where `services::iam::access` finds it for the engine.

pub mod auth_message;
mod errors;
pub mod federation;
mod sessions;

use serde_json::{json, Value};

use crate::authz::{self, Access};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::iam;
use crate::services::iam::state::Session;
use crate::world::{is_account_id, CallerKind, World};
use errors::{access_denied, not_authorized};
use sessions::{
    authorize_on_role, inherited, issue, issue_role_session, request_context, role_duration,
    role_for_arn, session_inputs, Issue,
};

pub use auth_message::encode_authorization_message;

/// STS in the service registry.
pub static SERVICE: crate::services::service_def::ServiceDef =
    crate::services::service_def::ServiceDef {
        id: crate::protocol::ServiceId::Sts,
        handle,
        fire: crate::services::service_def::no_events,
        schedule_all: crate::services::service_def::nothing_to_schedule,
        prevalidate: None,
        invalid_input: crate::services::service_def::aggregate_validation_error,
        runs_long: &[],
    };

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    match operation {
        // GetCallerIdentity needs no permission: AWS answers it even under an explicit deny.
        "GetCallerIdentity" => Ok(json!({
            "UserId": ctx.caller.user_id,
            "Account": ctx.caller.account,
            "Arn": ctx.caller.arn(),
        })),
        "AssumeRole" => assume_role(ctx, world, input),
        "GetSessionToken" => get_session_token(ctx, world, input),
        "GetFederationToken" => get_federation_token(ctx, world, input),
        "AssumeRoot" => assume_root(ctx, world, input),
        "GetAccessKeyInfo" => get_access_key_info(ctx, world, input),
        "DecodeAuthorizationMessage" => auth_message::decode(ctx, world, input),
        "AssumeRoleWithWebIdentity" => federation::assume_role_with_web_identity(ctx, world, input),
        "AssumeRoleWithSAML" => federation::assume_role_with_saml(ctx, world, input),
        "GetWebIdentityToken" => federation::get_web_identity_token(ctx, world, input),
        "GetDelegatedAccessToken" => Err(ApiError::new(
            "NotImplemented",
            "keyhole does not implement sts:GetDelegatedAccessToken: its trade-in tokens come from an AWS-side delegation flow keyhole does not emulate",
        )
        .status(501)),
        _ => Err(super::errors::not_implemented(ctx)),
    }
}

fn assume_role(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
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

fn get_session_token(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
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

fn get_federation_token(
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
fn assume_root(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let target = crate::services::input::text(input, "TargetPrincipal");
    let task = input["TaskPolicyArn"]["arn"].as_str().unwrap_or_default();
    if !is_account_id(target) {
        // Text inferred.
        return Err(ApiError::new(
            "ValidationError",
            format!("TargetPrincipal {target} is not a valid account id."),
        ));
    }
    let task_policy = iam::aws_managed::find(task).filter(|p| p.path == "/root-task/");
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
fn get_access_key_info(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::protocol::ServiceId;
    use crate::services::iam::test_support::*;
    use crate::world::{Caller, World};

    fn sts(
        world: &mut World,
        op: &str,
        input: serde_json::Value,
        caller: Caller,
    ) -> Result<serde_json::Value, crate::protocol::ApiError> {
        call(world, ServiceId::Sts, op, input, caller)
    }

    fn world_with_role(max: i64) -> World {
        let mut w = World::default();
        iam(&mut w, "CreateRole", json!({"RoleName": "Admin", "AssumeRolePolicyDocument": TRUST_ANY, "MaxSessionDuration": max})).unwrap();
        w
    }

    const ROLE: &str = "arn:aws:iam::222222222222:role/Admin";

    #[test]
    fn assume_role_issues_a_session_that_signs_as_the_role() {
        let mut w = world_with_role(7200);
        let caller = Caller::root("111111111111", "111111111111");
        let out = sts(&mut w, "AssumeRole", json!({"RoleArn": ROLE, "RoleSessionName": "s1", "ExternalId": "ext-1",
            "Policy": ALLOW_ALL, "Tags": [{"Key": "team", "Value": "a"}], "TransitiveTagKeys": ["team"], "SourceIdentity": "alice"}), caller).unwrap();
        assert_eq!(
            out["AssumedRoleUser"]["Arn"],
            "arn:aws:sts::222222222222:assumed-role/Admin/s1"
        );
        let key = out["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(key.starts_with("ASIA") && key.len() == 20);
        assert_eq!(out["Credentials"]["Expiration"], 1_700_003_600.0);
        assert_eq!(out["SourceIdentity"], "alice");
        let credential = &w.credentials[&key];
        assert_eq!(
            credential.caller.arn(),
            "arn:aws:sts::222222222222:assumed-role/Admin/s1"
        );
        assert!(
            credential.caller.user_id.starts_with("AROA")
                && credential.caller.user_id.ends_with(":s1")
        );
        assert_eq!(credential.expiration, Some(1_700_003_600.0));
        let session = crate::services::iam::access::session_policy(&w, &credential.caller);
        assert_eq!(session.as_deref(), Some(ALLOW_ALL));
        let tags = crate::services::iam::access::principal_tags(&w, &credential.caller);
        assert_eq!(tags, vec![("team".to_owned(), "a".to_owned())]);

        // Role chaining: at most an hour, and transitive tags carry over. The role must trust
        // its own sessions for that (naming the role ARN lets them in without identity policy).
        let chained_caller = credential.caller.clone();
        let trust_self = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:role/Admin"]},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}"#;
        iam(
            &mut w,
            "UpdateAssumeRolePolicy",
            json!({"RoleName": "Admin", "PolicyDocument": trust_self}),
        )
        .unwrap();
        let (code, _, message) = err(sts(
            &mut w,
            "AssumeRole",
            json!({"RoleArn": ROLE, "RoleSessionName": "s2", "DurationSeconds": 7200}),
            chained_caller.clone(),
        ));
        assert_eq!(code, "ValidationError");
        assert_eq!(message, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        let again = sts(
            &mut w,
            "AssumeRole",
            json!({"RoleArn": ROLE, "RoleSessionName": "s2"}),
            chained_caller,
        )
        .unwrap();
        let k2 = again["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let tags = crate::services::iam::access::principal_tags(&w, &w.credentials[&k2].caller);
        assert_eq!(tags, vec![("team".to_owned(), "a".to_owned())]);
    }

    #[test]
    fn assume_role_refuses_long_sessions_and_unknown_roles() {
        let mut w = world_with_role(3600);
        let caller = Caller::root("111111111111", "111111111111");
        assert_eq!(
            err(sts(
                &mut w,
                "AssumeRole",
                json!({"RoleArn": ROLE, "RoleSessionName": "s0", "DurationSeconds": 7200}),
                caller.clone()
            )),
            (
                "ValidationError".into(),
                400,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into()
            )
        );
        assert_eq!(
            err(sts(&mut w, "AssumeRole", json!({"RoleArn": "arn:aws:iam::222222222222:role/Nope", "RoleSessionName": "s0"}), caller.clone())),
            ("AccessDenied".into(), 403, "User: arn:aws:iam::111111111111:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/Nope".into())
        );
        let (code, status, message) = err(sts(
            &mut w,
            "AssumeRole",
            json!({"RoleArn": ROLE, "RoleSessionName": "s0", "Policy": "{"}),
            caller,
        ));
        assert_eq!(
            (code.as_str(), status, message.as_str()),
            ("MalformedPolicyDocument", 400, "Syntax errors in policy.")
        );
    }

    #[test]
    fn session_and_federation_tokens() {
        let mut w = World::default();
        iam(&mut w, "CreateUser", json!({"UserName": "alice"})).unwrap();
        // GetFederationToken needs the permission; the federated user's own rights are
        // this policy intersected with its session policy.
        iam(
            &mut w,
            "PutUserPolicy",
            json!({"UserName": "alice", "PolicyName": "fed", "PolicyDocument": ALLOW_ALL}),
        )
        .unwrap();
        let k = iam(&mut w, "CreateAccessKey", json!({"UserName": "alice"})).unwrap();
        let id = k["AccessKey"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let alice = w.credentials[&id].caller.clone();
        let out = sts(&mut w, "GetSessionToken", json!({}), alice.clone()).unwrap();
        assert_eq!(out["Credentials"]["Expiration"], 1_700_043_200.0);
        let session_key = out["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let session_caller = w.credentials[&session_key].caller.clone();
        assert_eq!(session_caller.arn(), "arn:aws:iam::222222222222:user/alice");
        assert_eq!(
            err(sts(&mut w, "GetSessionToken", json!({}), session_caller)),
            (
                "AccessDenied".into(),
                403,
                "Cannot call GetSessionToken with session credentials".into()
            )
        );
        let fed = sts(
            &mut w,
            "GetFederationToken",
            json!({"Name": "bob", "Policy": ALLOW_ALL}),
            alice,
        )
        .unwrap();
        assert_eq!(
            fed["FederatedUser"]["Arn"],
            "arn:aws:sts::222222222222:federated-user/bob"
        );
        assert_eq!(fed["FederatedUser"]["FederatedUserId"], "222222222222:bob");
        let fed_key = fed["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let fed_caller = &w.credentials[&fed_key].caller;
        // A federated user's permissions come from the user who federated it.
        let n = crate::services::iam::access::identity_policies(&w, fed_caller).len();
        assert_eq!(n, 1);
        let info = sts(
            &mut w,
            "GetAccessKeyInfo",
            json!({"AccessKeyId": fed_key}),
            Caller::root("111111111111", "111111111111"),
        )
        .unwrap();
        assert_eq!(info["Account"], "222222222222");
    }

    #[test]
    fn assume_root_needs_a_root_task_policy() {
        let mut w = World::default();
        let caller = Caller::root("111111111111", "111111111111");
        let out = sts(&mut w, "AssumeRoot", json!({"TargetPrincipal": "333333333333",
            "TaskPolicyArn": {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}}), caller.clone()).unwrap();
        let key = out["Credentials"]["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            w.credentials[&key].caller.arn(),
            "arn:aws:iam::333333333333:root"
        );
        let (code, _, _) = err(sts(
            &mut w,
            "AssumeRoot",
            json!({"TargetPrincipal": "333333333333",
            "TaskPolicyArn": {"arn": "arn:aws:iam::aws:policy/AdministratorAccess"}}),
            caller,
        ));
        assert_eq!(code, "ValidationError");
    }
}
