//! The principal the engine evaluates: the caller as the engine sees it (ARN, role, tags,
//! organization), or the identity provider of a federated AssumeRole; and whether a denial
//! may name the denying policy's ARN.

use super::access::Access;
use crate::policy::{self, Principal};
use crate::services::organizations::directory;
use crate::world::iam::access;
use crate::world::{Caller, CallerKind, DenyMessageStyle, World};

/// Whether a denial names the denying policy's ARN: keyhole's setting (the 2026 wording by
/// default) and, as AWS does, only for a same-account or same-organization request (AWS
/// Security Blog, "Enhanced access denied error messages with policy ARNs": "The ARN of the
/// denying policy is only provided in same-account and same-organization scenarios").
pub(super) fn names_policy_arns(
    world: &World,
    principal: &Principal,
    resource_account: &str,
) -> bool {
    if world.settings.deny_message_style != DenyMessageStyle::Arn {
        return false;
    }
    let Some(account) = principal.account.as_deref() else {
        return false;
    };
    account == resource_account
        || principal.org_id.as_deref().is_some_and(|org| {
            directory::org_context(world, resource_account).is_some_and(|r| r.org_id == org)
        })
}

/// AssumeRoleWithWebIdentity / AssumeRoleWithSAML: STS passes the identity provider, which
/// is the principal the trust policy's `Federated` element names.
pub(super) fn federated_provider(access: &Access) -> Option<&str> {
    access
        .context
        .iter()
        .find(|(name, _)| name == "keyhole:FederatedPrincipal")
        .and_then(|(_, v)| v.as_str())
}

pub(super) fn federated_principal(provider: &str, role_account: &str) -> Principal {
    let mut principal = Principal::anonymous();
    principal.kind = policy::PrincipalType::WebIdentity;
    principal.arn = provider.to_owned();
    principal.federated_provider = Some(provider.to_owned());
    principal.account = Some(role_account.to_owned());
    principal
}

/// The engine's view of a caller: ARN, role, tags, organization.
pub fn principal_of(world: &World, caller: &Caller) -> Principal {
    let (account, partition) = (caller.account.as_str(), &*caller.partition);
    let principal = match &caller.kind {
        CallerKind::Root => Principal::root_in(partition, account),
        CallerKind::User { name, path } => {
            let path_and_name = format!("{}{name}", path.trim_start_matches('/'));
            Principal::user_in(partition, account, &path_and_name)
        }
        CallerKind::AssumedRole {
            role_name,
            role_path,
            session_name,
            ..
        } => {
            let path_and_name = format!("{}{role_name}", role_path.trim_start_matches('/'));
            Principal::assumed_role_in(partition, account, &path_and_name, session_name)
        }
        CallerKind::FederatedUser { name } => {
            Principal::federated_user_in(partition, account, name)
        }
    };
    let mut principal = principal
        .with_userid(&caller.user_id)
        .with_tags(access::principal_tags(world, caller));
    if let Some(org) = directory::org_context(world, account) {
        principal = principal
            .with_org(&org.org_id, vec![org.ou_path.clone()])
            .with_management_account(org.management_account == account);
    }
    principal
}
