//! What `who-can` asks about: a KMS key (by key or alias ARN), a backup vault or an IAM role
//! of the world, and the access its service authorizes a request on it with.

use crate::authz::{self, Access, ResourcePolicyKind};
use crate::policy::Decision;
use crate::protocol::ServiceId;
use crate::services::{backup, kms, sts};
use crate::world::World;

/// A resource of the world.
pub(super) struct Target {
    /// The resource as its service names it in a decision: a key's ARN for an alias ARN.
    pub arn: String,
    pub account: String,
    /// The Region a request for it goes to; the default Region for IAM's global roles.
    pub region: String,
    kind: Kind,
}

enum Kind {
    Key,
    /// The vault's access policy, if it has one.
    Vault(Option<String>),
    /// The role's trust policy.
    Role(String),
}

impl Target {
    pub fn find(world: &World, resource: &str, now: f64) -> Option<Target> {
        let account = resource.split(':').nth(4).unwrap_or_default();
        if let Some(access) = kms::integration::key_access_for(world, resource, "", account, now) {
            let arn = access.resource?;
            return Some(Target {
                account: access.resource_account?,
                region: arn.split(':').nth(3)?.to_owned(),
                arn,
                kind: Kind::Key,
            });
        }
        if let Some((region, account, name)) = backup::lookup::parse_vault_arn(resource) {
            let vault = backup::lookup::find_vault(world, &account, &region, &name)?;
            return Some(Target {
                arn: vault.arn.clone(),
                account,
                region,
                kind: Kind::Vault(vault.access_policy.clone()),
            });
        }
        let (account, role) = sts::role_for_arn(world, resource)?;
        Some(Target {
            arn: resource.to_owned(),
            account,
            region: world.settings.default_region.clone(),
            kind: Kind::Role(role.assume_role_policy_document),
        })
    }

    /// The access a request for `action` by a principal of `caller_account` is authorized
    /// with, as the resource's service builds it.
    pub fn access(&self, world: &World, action: &str, caller_account: &str, now: f64) -> Access {
        let resource_policy = match &self.kind {
            Kind::Key => {
                if let Some(access) =
                    kms::integration::key_access_for(world, &self.arn, action, caller_account, now)
                {
                    return access;
                }
                None
            }
            Kind::Vault(policy) => policy
                .clone()
                .map(|p| (ResourcePolicyKind::BackupVaultAccessPolicy, p)),
            // STS reads the trust policy; IAM's own actions on a role read none.
            Kind::Role(trust) => action
                .starts_with("sts:")
                .then(|| (ResourcePolicyKind::RoleTrustPolicy, trust.clone())),
        };
        Access {
            action: action.to_owned(),
            resource: Some(self.arn.clone()),
            resource_account: Some(self.account.clone()),
            resource_policy,
            ..Access::default()
        }
    }

    /// The service that answers requests for `action` on this resource: the action's own
    /// prefix when keyhole serves it, else the resource's.
    pub fn service(&self, action: &str) -> ServiceId {
        let prefix = action.split(':').next().unwrap_or_default();
        ServiceId::from_signing_name(prefix).unwrap_or(match self.kind {
            Kind::Key => ServiceId::Kms,
            Kind::Vault(_) => ServiceId::Backup,
            Kind::Role(_) => ServiceId::Sts,
        })
    }
}

/// The AccessDenied message `service` answers a denied request with.
pub(super) fn denial_message(service: ServiceId, decision: &Decision) -> String {
    match service {
        ServiceId::Kms => kms::integration::access_denied_message(decision),
        _ => authz::access_denied(service, decision)
            .message
            .clone()
            .unwrap_or_default(),
    }
}
