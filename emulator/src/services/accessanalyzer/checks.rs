//! The three custom policy checks. The model has already checked the input (required
//! members, enums, list sizes); each handler asks the pipeline's policy engine whether the
//! caller may call it, reads the documents as the policy type says, and puts the question
//! to `policy::analysis` for the caller's account.

use serde_json::Value;

use crate::authz::Access;
use crate::policy::analysis::{self, scope_for, Subject};
use crate::policy::{validate, PolicyType};
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::text;
use crate::world::World;

use super::errors::invalid_parameter;
use super::reasons::{response, ACCESS_GRANTED, NEW_ACCESS, PUBLIC_ACCESS};

/// CheckNoNewAccess: does `newPolicyDocument` allow a request `existingPolicyDocument` does not?
pub fn check_no_new_access(ctx: &RequestContext, world: &World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world)?;
    let policy_type = access_check_type(text(input, "policyType"));
    let existing = subject(input, "existingPolicyDocument", policy_type)?;
    let new = subject(input, "newPolicyDocument", policy_type)?;
    let scope = scope_for(policy_type, &ctx.caller.account, None);
    let result = analysis::check_no_new_access(&existing, &new, &scope);
    response(result, &new, NEW_ACCESS)
}

/// CheckAccessNotGranted: does the policy allow any listed action (on any listed resource)?
pub fn check_access_not_granted(
    ctx: &RequestContext,
    world: &World,
    input: &Value,
) -> ApiResult<Value> {
    authorize(ctx, world)?;
    let policy_type = access_check_type(text(input, "policyType"));
    let policy = subject(input, "policyDocument", policy_type)?;
    // The model allows at most one access entry; an entry that names nothing asks nothing.
    let entry = input["access"].as_array().and_then(|a| a.first());
    let list = |key: &str| -> Vec<String> {
        entry
            .and_then(|e| e[key].as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (actions, resources) = (list("actions"), list("resources"));
    if actions.is_empty() && resources.is_empty() {
        return Err(invalid_parameter(
            "The access list names no action and no resource, so there is nothing to check. \
             Give at least one action (\"s3:GetObject\") or resource ARN in access[0].",
        ));
    }
    let scope = scope_for(policy_type, &ctx.caller.account, None);
    let result = analysis::check_access_not_granted(&policy, &actions, &resources, &scope);
    response(result, &policy, ACCESS_GRANTED)
}

/// CheckNoPublicAccess: does the resource policy allow an account it does not name?
pub fn check_no_public_access(
    ctx: &RequestContext,
    world: &World,
    input: &Value,
) -> ApiResult<Value> {
    authorize(ctx, world)?;
    let policy_type = resource_policy_type(text(input, "resourceType"));
    let policy = subject(input, "policyDocument", policy_type)?;
    let scope = scope_for(policy_type, &ctx.caller.account, None);
    let result = analysis::check_no_public_access(&policy, &scope);
    response(result, &policy, PUBLIC_ACCESS)
}

/// `access-analyzer:<Operation>` on `*`: these operations name no resource.
pub(crate) fn authorize(ctx: &RequestContext, world: &World) -> ApiResult<()> {
    crate::authz::authorize(ctx, world, &Access::new(None))
}

/// AccessCheckPolicyType (the model admits only these two).
fn access_check_type(name: &str) -> PolicyType {
    match name {
        "RESOURCE_POLICY" => PolicyType::Resource,
        _ => PolicyType::Identity,
    }
}

/// The policy grammar and evaluation flow of an AccessCheckResourceType: KMS keys, Backup
/// vaults and role trust policies have their own; every other type is a generic resource
/// policy.
fn resource_policy_type(resource_type: &str) -> PolicyType {
    match resource_type {
        "AWS::KMS::Key" => PolicyType::KmsKey,
        "AWS::Backup::BackupVault" => PolicyType::BackupVault,
        "AWS::IAM::AssumeRolePolicyDocument" => PolicyType::RoleTrust,
        _ => PolicyType::Resource,
    }
}

/// The document in `member`, read as `policy_type`, named after the member so the witness
/// says which document decided.
fn subject(input: &Value, member: &str, policy_type: PolicyType) -> ApiResult<Subject> {
    let document = text(input, member);
    let policy = validate(document, policy_type).map_err(|e| {
        invalid_parameter(format!(
            "The {member} is not a valid {}: {} Fix the document (ValidatePolicy lists each \
             problem with its location), then run the check again.",
            kind_of(policy_type),
            e.message
        ))
    })?;
    Ok(Subject::new(member, policy_type, policy))
}

fn kind_of(policy_type: PolicyType) -> &'static str {
    match policy_type {
        PolicyType::Identity => "identity policy",
        PolicyType::KmsKey => "KMS key policy",
        PolicyType::BackupVault => "Backup vault access policy",
        PolicyType::RoleTrust => "role trust policy",
        _ => "resource policy",
    }
}
