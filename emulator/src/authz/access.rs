//! What a service tells `authz` about the access it is about to perform: the action, the
//! resource and its account, the resource policy and its kind, the service's condition keys
//! and grants; and when and where it happens for a principal other than the caller.

use serde_json::Value;

use crate::policy;

/// Which kind of resource policy a service passes, for the rules that differ by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // AWS's names for the kinds; outside tests all end in Policy.
pub enum ResourcePolicyKind {
    KmsKeyPolicy,
    BackupVaultAccessPolicy,
    RoleTrustPolicy,
    /// Rules common to every kind; only tests ask for it.
    #[cfg(test)]
    Generic,
}

impl ResourcePolicyKind {
    pub(super) fn engine_kind(self) -> policy::ResourcePolicyKind {
        match self {
            ResourcePolicyKind::KmsKeyPolicy => policy::ResourcePolicyKind::KmsKeyPolicy,
            ResourcePolicyKind::BackupVaultAccessPolicy => policy::ResourcePolicyKind::BackupVault,
            ResourcePolicyKind::RoleTrustPolicy => policy::ResourcePolicyKind::RoleTrust,
            #[cfg(test)]
            ResourcePolicyKind::Generic => policy::ResourcePolicyKind::Generic,
        }
    }
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

impl Access {
    pub fn new(resource: Option<String>) -> Access {
        Access {
            resource,
            ..Access::default()
        }
    }
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
