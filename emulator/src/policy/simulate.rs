//! IAM's SimulateCustomPolicy, extended with SCP/RCP levels, a session
//! policy and KMS grants. Shapes follow botocore `iam/2010-05-08`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::context::ContextValue;
use super::decision::{Decision, EvalDecision, Layer, PolicySource};
use super::evaluate::{
    evaluate, Authorization, Grant, IdentityLayers, NamedPolicy, ResourceLayers, ResourcePolicyKind,
};
use super::principal::Principal;
use super::request::Request;
use super::validate::{validate_for_simulation, PolicyType, ValidationError};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub struct ContextEntryInput {
    pub context_key_name: String,
    pub context_key_values: Vec<String>,
    pub context_key_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub struct GrantInput {
    pub grant_id: String,
    pub grantee_principal: String,
    pub operations: Vec<String>,
    pub constraints: Option<GrantConstraintsInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub struct GrantConstraintsInput {
    pub encryption_context_equals: Option<BTreeMap<String, String>>,
    pub encryption_context_subset: Option<BTreeMap<String, String>>,
}

/// SimulateCustomPolicy's input plus keyhole's extensions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub struct SimulationRequest {
    pub policy_input_list: Vec<String>,
    pub permissions_boundary_policy_input_list: Vec<String>,
    pub resource_policy: Option<String>,
    /// `arn:aws:iam::ID:root` (or a bare ID).
    pub resource_owner: Option<String>,
    pub caller_arn: Option<String>,
    pub action_names: Vec<String>,
    pub resource_arns: Vec<String>,
    pub context_entries: Vec<ContextEntryInput>,
    /// Extension: SCPs, levels root → account, each a list of documents.
    pub organization_policy_levels: Option<Vec<Vec<String>>>,
    /// Extension: RCPs, same shape.
    pub resource_control_policy_levels: Option<Vec<Vec<String>>>,
    /// Extension: the session policy of a role or federated-user session.
    pub session_policy: Option<String>,
    /// Extension: KMS grants on the key.
    pub grants: Vec<GrantInput>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PositionOut {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatementOut {
    pub source_policy_id: String,
    pub source_policy_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_position: Option<PositionOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_position: Option<PositionOut>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrganizationsDecisionDetail {
    pub allowed_by_organizations: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundaryDecisionDetail {
    pub allowed_by_permissions_boundary: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceSpecificResult {
    pub eval_resource_name: String,
    pub eval_resource_decision: String,
    pub matched_statements: Vec<StatementOut>,
    pub missing_context_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_decision_details: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EvaluationResult {
    pub eval_action_name: String,
    pub eval_resource_name: String,
    pub eval_decision: String,
    pub matched_statements: Vec<StatementOut>,
    pub missing_context_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizations_decision_detail: Option<OrganizationsDecisionDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary_decision_detail: Option<PermissionsBoundaryDecisionDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_decision_details: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub resource_specific_results: Vec<ResourceSpecificResult>,
    /// Extension: AWS's AccessDenied message for a real request.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub access_denied_message: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimulationResponse {
    pub evaluation_results: Vec<EvaluationResult>,
    pub is_truncated: bool,
}

/// Why a simulation could not run: IAM's error code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SimulationError {
    pub code: &'static str,
    pub message: String,
}

impl From<ValidationError> for SimulationError {
    fn from(e: ValidationError) -> Self {
        SimulationError {
            code: e.code,
            message: e.message,
        }
    }
}

fn invalid(message: String) -> SimulationError {
    SimulationError {
        code: "InvalidInput",
        message,
    }
}

/// How the simulator treats the resource, from its ARN and the action.
pub fn resource_kind(resource: &str, action: &str) -> ResourcePolicyKind {
    let mut seg = resource.splitn(6, ':');
    let service = seg.nth(2).unwrap_or_default();
    let res = seg.nth(2).unwrap_or_default();
    if service == "kms" && res.starts_with("key/") {
        ResourcePolicyKind::KmsKeyPolicy
    } else if service == "backup" && res.starts_with("backup-vault:") {
        ResourcePolicyKind::BackupVault
    } else if service == "iam"
        && res.starts_with("role/")
        && action.to_ascii_lowercase().starts_with("sts:assumerole")
    {
        ResourcePolicyKind::RoleTrust
    } else {
        ResourcePolicyKind::Generic
    }
}

fn policy_type_for(kind: ResourcePolicyKind) -> PolicyType {
    match kind {
        ResourcePolicyKind::Generic => PolicyType::Resource,
        ResourcePolicyKind::KmsKeyPolicy => PolicyType::KmsKey,
        ResourcePolicyKind::BackupVault => PolicyType::BackupVault,
        ResourcePolicyKind::RoleTrust => PolicyType::RoleTrust,
    }
}

pub fn context_values(e: &ContextEntryInput) -> Result<(Vec<ContextValue>, bool), SimulationError> {
    let ty = e.context_key_type.as_str();
    let multi = ty.ends_with("List");
    let base = ty.trim_end_matches("List");
    let bad = |v: &str| {
        invalid(format!(
            "Invalid value {v} for context key {} of type {ty}.",
            e.context_key_name
        ))
    };
    let mut out = Vec::with_capacity(e.context_key_values.len());
    for v in &e.context_key_values {
        out.push(match base {
            "" | "string" => ContextValue::String(v.clone()),
            "numeric" => ContextValue::Number(v.trim().parse().map_err(|_| bad(v))?),
            "boolean" => ContextValue::Bool(match v.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(bad(v)),
            }),
            "date" => ContextValue::Date(super::dates::parse_date(v).ok_or_else(|| bad(v))?),
            "ip" => ContextValue::Ip(v.trim().parse::<IpAddr>().map_err(|_| bad(v))?),
            "binary" => ContextValue::String(v.clone()),
            _ => return Err(invalid(format!("Invalid context key type {ty}."))),
        });
    }
    let multi = multi || out.len() > 1;
    Ok((out, multi))
}

/// The account of `arn:<any partition>:iam::ID:root`, or `owner` itself.
fn account_of(owner: &str) -> String {
    owner
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(":iam::"))
        .and_then(|(_, r)| r.strip_suffix(":root"))
        .unwrap_or(owner)
        .to_string()
}

fn statement_out(m: &super::decision::MatchedStatement) -> StatementOut {
    StatementOut {
        source_policy_id: m.policy_id.to_string(),
        source_policy_type: m.source.simulator_type().to_string(),
        start_position: m.span.map(|s| PositionOut {
            line: s.start.line,
            column: s.start.column,
        }),
        end_position: m.span.map(|s| PositionOut {
            line: s.end.line,
            column: s.end.column,
        }),
    }
}

/// `EvalDecisionDetails` keys (inferred: AWS does not document them).
fn detail_key(l: Layer) -> &'static str {
    match l {
        Layer::IdentityPolicy => "IAM Policy",
        Layer::ResourcePolicy | Layer::RoleTrustPolicy | Layer::Grant => "Resource Policy",
        Layer::PermissionsBoundary => "Permissions Boundary Policy",
        Layer::SessionPolicy => "Session Policy",
        Layer::ServiceControlPolicy => "Service Control Policy",
        Layer::ResourceControlPolicy => "Resource Control Policy",
    }
}

/// Runs a simulation: one result per action and resource.
pub fn simulate(req: &SimulationRequest) -> Result<SimulationResponse, SimulationError> {
    Ok(simulate_with_decisions(req)?.0)
}

/// Like [`simulate`], also returning each [`Decision`] (for `--explain`).
pub fn simulate_with_decisions(
    req: &SimulationRequest,
) -> Result<(SimulationResponse, Vec<Decision>), SimulationError> {
    if req.action_names.is_empty() {
        return Err(invalid("1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null".into()));
    }
    let named = |prefix: &str,
                 i: usize,
                 src: PolicySource,
                 text: &str,
                 ty: PolicyType|
     -> Result<NamedPolicy, SimulationError> {
        Ok(NamedPolicy::new(
            &format!("{prefix}.{}", i + 1),
            src,
            validate_for_simulation(text, ty)?,
        ))
    };
    let identity = req
        .policy_input_list
        .iter()
        .enumerate()
        .map(|(i, t)| {
            named(
                "PolicyInputList",
                i,
                PolicySource::None,
                t,
                PolicyType::Identity,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let boundary = match req.permissions_boundary_policy_input_list.as_slice() {
        [] => None,
        [t] => Some(named(
            "PermissionsBoundaryPolicyInputList",
            0,
            PolicySource::None,
            t,
            PolicyType::Identity,
        )?),
        _ => {
            return Err(invalid(
                "Only one permissions boundary policy can be simulated.".into(),
            ))
        }
    };
    let session = req
        .session_policy
        .iter()
        .map(|t| {
            Ok(NamedPolicy::new(
                "SessionPolicy",
                PolicySource::Session,
                validate_for_simulation(t, PolicyType::Identity)?,
            ))
        })
        .collect::<Result<Vec<_>, SimulationError>>()?;
    let levels = |lv: &Option<Vec<Vec<String>>>,
                  name: &str,
                  src: PolicySource,
                  ty: PolicyType|
     -> Result<Option<Vec<Vec<NamedPolicy>>>, SimulationError> {
        lv.as_ref()
            .map(|levels| {
                levels
                    .iter()
                    .enumerate()
                    .map(|(li, docs)| {
                        docs.iter()
                            .enumerate()
                            .map(|(di, t)| {
                                Ok(NamedPolicy::new(
                                    &format!("{name}.{}.{}", li + 1, di + 1),
                                    src,
                                    validate_for_simulation(t, ty)?,
                                ))
                            })
                            .collect::<Result<Vec<_>, SimulationError>>()
                    })
                    .collect()
            })
            .transpose()
    };
    let scp_levels = levels(
        &req.organization_policy_levels,
        "OrganizationPolicyLevels",
        PolicySource::ServiceControl,
        PolicyType::Scp,
    )?;
    let rcp_levels = levels(
        &req.resource_control_policy_levels,
        "ResourceControlPolicyLevels",
        PolicySource::ResourceControl,
        PolicyType::Rcp,
    )?;
    let principal_side = IdentityLayers {
        identity,
        boundary,
        session,
        scp_levels,
    };
    let grants: Vec<Grant> = req
        .grants
        .iter()
        .map(|g| Grant {
            grant_id: g.grant_id.clone(),
            grantee_principal: g.grantee_principal.clone(),
            operations: g.operations.clone(),
            encryption_context_equals: g
                .constraints
                .as_ref()
                .and_then(|c| c.encryption_context_equals.clone())
                .map(|m| m.into_iter().collect()),
            encryption_context_subset: g
                .constraints
                .as_ref()
                .and_then(|c| c.encryption_context_subset.clone())
                .map(|m| m.into_iter().collect()),
        })
        .collect();

    let owner = req.resource_owner.as_deref().map(account_of);
    let caller_arn = req.caller_arn.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:iam::{}:user/SimulatedUser",
            owner.as_deref().unwrap_or("123456789012")
        )
    });
    let principal = Principal::from_arn(&caller_arn)
        .map_err(|_| invalid(format!("Invalid CallerArn {caller_arn}.")))?;
    let mut ctx = super::context::Context::default();
    for e in &req.context_entries {
        let (values, multi) = context_values(e)?;
        ctx.insert(&e.context_key_name, values, multi);
    }
    let resources: Vec<String> = if req.resource_arns.is_empty() {
        vec!["*".into()]
    } else {
        req.resource_arns.clone()
    };

    let mut results = Vec::new();
    let mut decisions = Vec::new();
    for action in &req.action_names {
        for resource in &resources {
            let kind = resource_kind(resource, action);
            let resource_policy = match &req.resource_policy {
                Some(t) => Some(NamedPolicy::new(
                    "ResourcePolicy",
                    PolicySource::Resource,
                    validate_for_simulation(t, policy_type_for(kind))?,
                )),
                None => None,
            };
            let resource_side = ResourceLayers {
                kind,
                resource_policy,
                rcp_levels: rcp_levels.clone(),
            };
            let mut b = Request::builder(principal.clone(), action, resource).context(ctx.clone());
            if let Some(o) = owner
                .as_deref()
                .filter(|_| super::request::arn_account(resource).is_none())
            {
                b = b.resource_account(o);
            }
            let request: Request = b.build();
            let auth = Authorization {
                request: &request,
                principal_side: &principal_side,
                resource_side: &resource_side,
                grants: &grants,
            };
            let d = evaluate(&auth);
            results.push(result_of(&d, resource, !req.resource_arns.is_empty()));
            decisions.push(d);
        }
    }
    Ok((
        SimulationResponse {
            evaluation_results: results,
            is_truncated: false,
        },
        decisions,
    ))
}

fn result_of(d: &Decision, resource: &str, specific: bool) -> EvaluationResult {
    // The simulator never reports SCP/RCP statements.
    let matched: Vec<StatementOut> = d
        .matched
        .iter()
        .filter(|m| {
            !matches!(
                m.layer,
                Layer::ServiceControlPolicy | Layer::ResourceControlPolicy
            )
        })
        .map(statement_out)
        .collect();
    let details = if d.cross_account {
        Some(
            d.layer_decisions()
                .iter()
                .map(|(l, v)| (detail_key(*l).to_string(), v.as_str().to_string()))
                .collect(),
        )
    } else if resource != "*" {
        Some(BTreeMap::new())
    } else {
        None
    };
    let org_denied = d.allowed_by_organizations == Some(false)
        || d.decision == EvalDecision::ExplicitDeny && d.layer == Some(Layer::ServiceControlPolicy);
    EvaluationResult {
        eval_action_name: d.action().to_string(),
        eval_resource_name: resource.to_string(),
        eval_decision: d.decision.as_str().to_string(),
        matched_statements: matched.clone(),
        missing_context_values: d.missing_context_keys.clone(),
        organizations_decision_detail: d.allowed_by_organizations.map(|a| {
            OrganizationsDecisionDetail {
                allowed_by_organizations: a,
            }
        }),
        permissions_boundary_decision_detail: d.allowed_by_boundary.map(|a| {
            PermissionsBoundaryDecisionDetail {
                allowed_by_permissions_boundary: a,
            }
        }),
        eval_decision_details: if org_denied { None } else { details.clone() },
        resource_specific_results: if specific {
            vec![ResourceSpecificResult {
                eval_resource_name: resource.to_string(),
                eval_resource_decision: d.decision.as_str().to_string(),
                matched_statements: matched,
                missing_context_values: d.missing_context_keys.clone(),
                eval_decision_details: details,
            }]
        } else {
            Vec::new()
        },
        access_denied_message: d.access_denied_message(),
    }
}
