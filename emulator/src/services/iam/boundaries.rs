//! A permissions boundary's ARN, checked to name a managed policy (PutUserPermissionsBoundary,
//! and CreateUser or CreateRole with a boundary), and how a user or role shows it.

use serde_json::{json, Value};

use super::errors::no_such_entity;
use crate::protocol::{ApiError, ApiResult};
use crate::world::iam::access::resolve;
use crate::world::World;

/// Checks a permissions-boundary ARN names a managed policy.
pub fn boundary_arn(world: &World, account: &str, arn: &str) -> ApiResult<String> {
    match resolve(world, account, arn) {
        Some(_) => Ok(arn.to_owned()),
        // Text inferred.
        None => Err(invalid_input_scope(arn)),
    }
}

/// The `PermissionsBoundary` member of a user or role.
pub fn boundary_json(arn: &str) -> Value {
    json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn})
}

fn invalid_input_scope(arn: &str) -> ApiError {
    no_such_entity(format!(
        "Scope ARN: {arn} does not exist or is not attachable."
    ))
}
