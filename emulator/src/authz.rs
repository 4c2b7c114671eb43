//! The bridge between services and the policy engine: a service describes the access it is
//! about to perform; this module gathers the policies that apply (the caller's identity
//! policies, boundary and session policy, SCPs and RCPs from the organization, the resource
//! policy the service passes) and asks the evaluator. Services never decide allow/deny.
//!
//! STATUS: the policy engine is landing on its own branch; until it is wired here, every
//! access is allowed. Services already call `authorize` at the right places.

use serde_json::Value;

use crate::context::RequestContext;
use crate::protocol::ApiResult;
use crate::world::World;

/// Which kind of resource policy a service passes, for the rules that differ by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourcePolicyKind {
    KmsKeyPolicy,
    BackupVaultAccessPolicy,
    RoleTrustPolicy,
    Generic,
}

/// One access a service is about to perform.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// `kms:Encrypt`; empty means the request's own action.
    pub action: String,
    /// The resource ARN; `None` for actions on no resource (`*`).
    pub resource: Option<String>,
    /// The account that owns the resource; `None` means the caller's.
    pub resource_account: Option<String>,
    /// The resource-based policy document (key policy, vault policy, trust policy), as text.
    pub resource_policy: Option<(ResourcePolicyKind, String)>,
    /// Service-specific condition keys (`kms:EncryptionContext:...`, `aws:RequestTag/...`),
    /// as JSON strings, numbers, booleans or arrays of them.
    pub context: Vec<(String, Value)>,
    /// KMS grants on the key, which allow their operations on their own.
    pub grants: Vec<crate::policy::Grant>,
}

/// When and where an access happens, for principals other than the request's caller
/// (a copy job acting as its IAM role).
#[derive(Debug, Clone)]
pub struct Environment {
    pub region: String,
    /// Epoch seconds on keyhole's clock.
    pub now: f64,
    /// `aws:CalledVia`: service principals that made this call on the principal's behalf.
    pub called_via: Vec<String>,
}

impl Access {
    pub fn new(resource: Option<String>) -> Access {
        Access {
            resource,
            ..Access::default()
        }
    }
}

/// Asks the policy engine whether the caller may perform `access`; an AccessDenied error
/// in the service's words when not.
pub fn authorize(_ctx: &RequestContext, _world: &World, _access: &Access) -> ApiResult<()> {
    Ok(())
}

/// The engine's decision for `principal` performing `access`, with its reasons.
pub fn decide(
    _world: &World,
    _principal: &crate::world::Caller,
    _env: &Environment,
    _access: &Access,
) -> crate::policy::Decision {
    let request =
        crate::policy::Request::builder(crate::policy::Principal::root("000000000000"), "", "*")
            .build();
    crate::policy::evaluate(&crate::policy::Authorization {
        request: &request,
        principal_side: &crate::policy::IdentityLayers::default(),
        resource_side: &crate::policy::ResourceLayers::default(),
        grants: &[],
    })
}
