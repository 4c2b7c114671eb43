//! AWS IAM: users, access keys, roles, groups, inline and managed policies with versions,
//! permissions boundaries and service-linked roles. The state they change and the lookups
//! the authorization layer reads live below, in `world::iam`.
//!
//! IAM is global: every account has one `world::iam::state::IamState`. Every handler asks
//! `authz::authorize` before it acts, with the IAM action and the ARN of the user,
//! role, group or policy it touches.

pub mod access_keys;
pub mod arns;
pub mod authorize;
pub mod boundaries;
pub mod errors;
pub mod groups;
pub mod output;
pub mod paging;
pub mod policies;
pub mod policy_docs;
pub mod roles;
pub mod seed;
pub mod simulator_ops;
pub mod tags;
pub mod users;

use serde_json::Value;

use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::World;

/// IAM in the service registry.
pub static SERVICE: crate::services::service_def::ServiceDef =
    crate::services::service_def::ServiceDef {
        id: crate::protocol::ServiceId::Iam,
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
        "SimulateCustomPolicy"
        | "SimulatePrincipalPolicy"
        | "GetContextKeysForCustomPolicy"
        | "GetContextKeysForPrincipalPolicy" => simulator_ops::handle(ctx, world, operation, input),
        "CreateUser" | "GetUser" | "ListUsers" | "DeleteUser" | "UpdateUser" | "TagUser"
        | "UntagUser" | "ListUserTags" => users::handle(ctx, world, operation, input),
        "CreateAccessKey"
        | "ListAccessKeys"
        | "DeleteAccessKey"
        | "UpdateAccessKey"
        | "GetAccessKeyLastUsed" => access_keys::handle(ctx, world, operation, input),
        "CreateGroup"
        | "GetGroup"
        | "ListGroups"
        | "DeleteGroup"
        | "UpdateGroup"
        | "AddUserToGroup"
        | "RemoveUserFromGroup"
        | "ListGroupsForUser" => groups::handle(ctx, world, operation, input),
        "CreateRole"
        | "GetRole"
        | "ListRoles"
        | "DeleteRole"
        | "UpdateRole"
        | "UpdateAssumeRolePolicy"
        | "UpdateRoleDescription"
        | "TagRole"
        | "UntagRole"
        | "ListRoleTags"
        | "CreateServiceLinkedRole"
        | "DeleteServiceLinkedRole"
        | "GetServiceLinkedRoleDeletionStatus" => roles::handle(ctx, world, operation, input),
        "PutUserPolicy"
        | "GetUserPolicy"
        | "ListUserPolicies"
        | "DeleteUserPolicy"
        | "PutGroupPolicy"
        | "GetGroupPolicy"
        | "ListGroupPolicies"
        | "DeleteGroupPolicy"
        | "PutRolePolicy"
        | "GetRolePolicy"
        | "ListRolePolicies"
        | "DeleteRolePolicy"
        | "CreatePolicy"
        | "GetPolicy"
        | "GetPolicyVersion"
        | "CreatePolicyVersion"
        | "SetDefaultPolicyVersion"
        | "ListPolicies"
        | "ListPolicyVersions"
        | "DeletePolicy"
        | "DeletePolicyVersion"
        | "AttachUserPolicy"
        | "DetachUserPolicy"
        | "AttachGroupPolicy"
        | "DetachGroupPolicy"
        | "AttachRolePolicy"
        | "DetachRolePolicy"
        | "ListAttachedUserPolicies"
        | "ListAttachedGroupPolicies"
        | "ListAttachedRolePolicies"
        | "ListEntitiesForPolicy"
        | "PutUserPermissionsBoundary"
        | "DeleteUserPermissionsBoundary"
        | "PutRolePermissionsBoundary"
        | "DeleteRolePermissionsBoundary"
        | "GetAccountAuthorizationDetails"
        | "TagPolicy"
        | "UntagPolicy"
        | "ListPolicyTags" => policies::handle(ctx, world, operation, input),
        _ => Err(super::errors::not_implemented(ctx)),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::net::{IpAddr, Ipv4Addr};

    use serde_json::Value;

    use crate::protocol::{ApiError, ServiceId};
    use crate::request::RequestContext;
    use crate::world::{Caller, World};

    pub const ACCOUNT: &str = "222222222222";

    pub fn ctx(service: ServiceId, operation: &str, caller: Caller, now: f64) -> RequestContext {
        RequestContext {
            request_id: "test".into(),
            service,
            operation: operation.into(),
            caller,
            region: "us-east-1".into(),
            now,
            source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            secure_transport: false,
            user_agent: None,
            decisions: Default::default(),
        }
    }

    /// Runs an IAM operation as the root of [`ACCOUNT`] after model validation, as the
    /// pipeline would.
    pub fn iam(world: &mut World, operation: &str, input: Value) -> Result<Value, ApiError> {
        call(
            world,
            ServiceId::Iam,
            operation,
            input,
            Caller::root(ACCOUNT, ACCOUNT),
        )
    }

    pub fn call(
        world: &mut World,
        service: ServiceId,
        operation: &str,
        input: Value,
        caller: Caller,
    ) -> Result<Value, ApiError> {
        let model = service.model();
        if let Some(shape) = model
            .operations
            .get(operation)
            .and_then(|o| o.input.as_deref())
        {
            crate::protocol::validate::validate_input(service, shape, &input)?;
        }
        let ctx = ctx(service, operation, caller, 1_700_000_000.0);
        let call = crate::protocol::Call {
            service,
            operation: operation.into(),
            input,
        };
        crate::services::dispatch(&ctx, world, &call)
    }

    pub fn err(result: Result<Value, ApiError>) -> (String, u16, String) {
        match result {
            Ok(v) => panic!("expected an error, got {v}"),
            Err(e) => (
                e.code.clone(),
                e.status,
                e.message.clone().unwrap_or_default(),
            ),
        }
    }

    pub const TRUST_ANY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}"#;
    pub const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
}
