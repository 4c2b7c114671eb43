//! IAM's policy simulator over the wire: SimulateCustomPolicy, SimulatePrincipalPolicy and
//! the GetContextKeysFor* pair, all answered by the policy engine's simulator so that
//! `aws iam simulate-principal-policy` against keyhole gives the decisions its services make.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::errors::modeled_error;
use crate::authz::{self, Access};
use crate::policy::{self, SimulationRequest};
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::world::iam::access::push_policies;
use crate::world::iam::state::key;
use crate::world::World;

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    let source = input["PolicySourceArn"].as_str();
    authz::authorize(ctx, world, &Access::new(source.map(str::to_owned)))?;
    match operation {
        "SimulateCustomPolicy" => simulate(request_from(input)?),
        "SimulatePrincipalPolicy" => {
            let source = source.unwrap_or_default();
            let mut request = request_from(input)?;
            let (documents, boundary) = principal_documents(world, source)?;
            request.policy_input_list.splice(0..0, documents);
            if request.permissions_boundary_policy_input_list.is_empty() {
                request
                    .permissions_boundary_policy_input_list
                    .extend(boundary);
            }
            if request.caller_arn.is_none() && source.contains(":user/") {
                request.caller_arn = Some(source.to_owned());
            }
            simulate(request)
        }
        "GetContextKeysForCustomPolicy" => context_keys(&strings(&input["PolicyInputList"])),
        "GetContextKeysForPrincipalPolicy" => {
            let (mut documents, _) = principal_documents(world, source.unwrap_or_default())?;
            documents.extend(strings(&input["PolicyInputList"]));
            context_keys(&documents)
        }
        _ => Err(crate::services::errors::not_implemented(ctx)),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The model's input members are the simulator's own; keyhole's extensions
/// (OrganizationPolicyLevels, ...) cannot arrive over the wire and stay empty.
fn request_from(input: &Value) -> ApiResult<SimulationRequest> {
    // The request shape refuses unknown fields (for files); the protocol layer has already
    // checked the wire input against the model, whose paging and source members the
    // simulator does not read.
    let mut input = input.clone();
    if let Some(members) = input.as_object_mut() {
        for member in [
            "PolicySourceArn",
            "ResourceHandlingOption",
            "MaxItems",
            "Marker",
        ] {
            members.remove(member);
        }
    }
    serde_json::from_value(input).map_err(|e| {
        modeled_error(
            "InvalidInputException",
            format!("Invalid simulation input: {e}"),
        )
    })
}

fn simulate(request: SimulationRequest) -> ApiResult<Value> {
    let response = policy::simulate(&request).map_err(|e| {
        let shape = if e.code.starts_with("MalformedPolicyDocument") {
            "MalformedPolicyDocumentException"
        } else {
            "InvalidInputException"
        };
        modeled_error(shape, e.message)
    })?;
    let mut out = serde_json::to_value(response).map_err(|e| ApiError::internal(e.to_string()))?;
    out["IsTruncated"] = json!(false);
    Ok(out)
}

/// The identity policies and boundary of the user, group or role an ARN names.
fn principal_documents(world: &World, arn: &str) -> ApiResult<(Vec<String>, Option<String>)> {
    let invalid = || {
        modeled_error(
            "NoSuchEntityException",
            format!("PolicySourceArn {arn} does not exist."),
        )
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, "iam", _, account, resource] = parts[..] else {
        return Err(invalid());
    };
    let (kind, path_and_name) = resource.split_once('/').ok_or_else(invalid)?;
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    let state = world
        .accounts
        .get(account)
        .map(|a| &a.iam)
        .ok_or_else(invalid)?;
    let mut found = Vec::new();
    let boundary_arn = match kind {
        "user" => {
            let user = state.users.get(&key(name)).ok_or_else(invalid)?;
            push_policies(world, account, &user.policies, "user", &mut found);
            for group in state
                .groups
                .values()
                .filter(|g| g.members.contains(&user.name))
            {
                push_policies(world, account, &group.policies, "group", &mut found);
            }
            user.permissions_boundary.clone()
        }
        "role" => {
            let role = state.roles.get(&key(name)).ok_or_else(invalid)?;
            push_policies(world, account, &role.policies, "role", &mut found);
            role.permissions_boundary.clone()
        }
        "group" => {
            let group = state.groups.get(&key(name)).ok_or_else(invalid)?;
            push_policies(world, account, &group.policies, "group", &mut found);
            None
        }
        _ => return Err(invalid()),
    };
    let boundary = boundary_arn
        .and_then(|b| crate::world::iam::access::managed_document(world, account, &b))
        .map(|(document, _)| document);
    Ok((found.into_iter().map(|(_, _, doc)| doc).collect(), boundary))
}

/// Every condition key the documents use, as written; the first spelling wins.
fn context_keys(documents: &[String]) -> ApiResult<Value> {
    let mut seen = BTreeSet::new();
    let mut keys = Vec::new();
    for document in documents {
        let parsed = policy::parse(document)
            .map_err(|_| modeled_error("InvalidInputException", "Syntax errors in policy."))?;
        for statement in &parsed.statements {
            for condition in &statement.conditions {
                if seen.insert(condition.key_lc.clone()) {
                    keys.push(condition.key.clone());
                }
            }
        }
    }
    Ok(json!({ "ContextKeyNames": keys }))
}
