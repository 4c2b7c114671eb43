//! A permissions boundary's ARN, checked to name a managed policy (PutUserPermissionsBoundary,
//! and CreateUser or CreateRole with a boundary).

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

fn invalid_input_scope(arn: &str) -> ApiError {
    no_such_entity(format!(
        "Scope ARN: {arn} does not exist or is not attachable."
    ))
}
