//! AWS STS: temporary credentials (ASIA... keys with a session token and an expiration on
//! keyhole's clock) for role sessions, federated users, MFA-style sessions and root tasks;
//! caller and key introspection; keyhole's encoded authorization messages.
//!
//! Every issued key goes into `World::credentials` (the pipeline verifies and expires it)
//! and its session record (session policies, tags, source identity) into the principal
//! account's `IamState::sessions`, where `world::iam::access` finds it for the engine.

pub mod auth_message;
mod credentials;
mod errors;
pub mod federation;
pub(crate) mod sessions;

use serde_json::{json, Value};

use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::world::World;

pub use auth_message::encode_authorization_message;
/// The role a RoleArn names, for `who-can` on a role.
pub use sessions::role_for_arn;

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
        "AssumeRole" => credentials::assume_role(ctx, world, input),
        "GetSessionToken" => credentials::get_session_token(ctx, world, input),
        "GetFederationToken" => credentials::get_federation_token(ctx, world, input),
        "AssumeRoot" => credentials::assume_root(ctx, world, input),
        "GetAccessKeyInfo" => credentials::get_access_key_info(ctx, world, input),
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
        let session = crate::world::iam::access::session_policy(&w, &credential.caller);
        assert_eq!(session.as_deref(), Some(ALLOW_ALL));
        let tags = crate::world::iam::access::principal_tags(&w, &credential.caller);
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
        let tags = crate::world::iam::access::principal_tags(&w, &w.credentials[&k2].caller);
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
        let n = crate::world::iam::access::identity_policies(&w, fed_caller).len();
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
