//! The policies that apply, gathered by side: the caller's identity policies, boundary,
//! session policies and SCPs (Organizations' levels), and the resource's policy and RCPs;
//! each document parsed once and cached by its text.

use std::sync::Arc;

use super::access::Access;
use crate::policy::{self, IdentityLayers, NamedPolicy, PolicySource, ResourceLayers};
use crate::services::organizations::directory;
use crate::world::iam::access;
use crate::world::{Caller, World};

/// Parsed documents by their text: every request names the same few key, identity and
/// organization policies, and parsing them again each time cost more than deciding.
pub(super) fn parse_cached(text: &str) -> Option<Arc<policy::Policy>> {
    use foldhash::HashMap;
    use std::sync::{Mutex, OnceLock};
    const MAX_ENTRIES: usize = 4096;
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<policy::Policy>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(text).cloned()) {
        return Some(hit);
    }
    let parsed = Arc::new(policy::parse(text).ok()?);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= MAX_ENTRIES {
            c.clear();
        }
        c.insert(text.to_owned(), parsed.clone());
    }
    Some(parsed)
}

pub(super) fn parsed(id: &str, source: PolicySource, text: &str) -> Option<NamedPolicy> {
    // Stored documents were validated when stored; one that no longer parses grants nothing.
    parse_cached(text).map(|p| NamedPolicy::shared(id, source, p))
}

pub(super) fn source_of(kind: &str) -> PolicySource {
    match kind {
        "user" => PolicySource::User,
        "group" => PolicySource::Group,
        "role" => PolicySource::Role,
        "aws-managed" => PolicySource::AwsManaged,
        "user-managed" => PolicySource::UserManaged,
        _ => PolicySource::None,
    }
}

pub(super) fn levels(
    world: &World,
    account: &str,
    policy_type: &str,
    source: PolicySource,
) -> Option<Vec<Vec<NamedPolicy>>> {
    let org = world.organizations.org_of(account)?;
    directory::policy_levels(world, account, policy_type).map(|levels| {
        levels
            .iter()
            .map(|level| {
                level
                    .iter()
                    .filter_map(|(id, text)| {
                        let arn = org.policy_arn_by_id(id, policy_type);
                        parsed(id, source, text).map(|p| p.with_arn(Some(&arn)))
                    })
                    .collect()
            })
            .collect()
    })
}

pub(super) fn identity_layers(world: &World, caller: &Caller) -> IdentityLayers {
    IdentityLayers {
        identity: access::identity_policies(world, caller)
            .iter()
            .filter_map(|(id, kind, text)| {
                let source = source_of(kind);
                // Managed policies are named by ARN; inline ones by name, and have no ARN.
                let managed =
                    matches!(source, PolicySource::AwsManaged | PolicySource::UserManaged);
                parsed(id, source, text).map(|p| p.with_arn(managed.then_some(id.as_str())))
            })
            .collect(),
        boundary: access::permissions_boundary(world, caller).and_then(|(arn, text)| {
            parsed(&arn, PolicySource::UserManaged, &text).map(|p| p.with_arn(Some(&arn)))
        }),
        session: access::session_policies(world, caller)
            .iter()
            .filter_map(|(id, text)| {
                // The inline session policy has no ARN; managed ones (PolicyArns) are their ARN.
                let arn = (id != access::INLINE_SESSION_POLICY).then_some(id.as_str());
                parsed(id, PolicySource::Session, text).map(|p| p.with_arn(arn))
            })
            .collect(),
        scp_levels: levels(
            world,
            &caller.account,
            "SERVICE_CONTROL_POLICY",
            PolicySource::ServiceControl,
        ),
    }
}

pub(super) fn resource_layers(
    world: &World,
    resource_account: &str,
    access: &Access,
) -> ResourceLayers {
    let (kind, resource_policy) = match &access.resource_policy {
        Some((kind, text)) => (
            kind.engine_kind(),
            parsed("resource-policy", PolicySource::Resource, text),
        ),
        None => (policy::ResourcePolicyKind::Generic, None),
    };
    ResourceLayers {
        kind,
        resource_policy,
        rcp_levels: levels(
            world,
            resource_account,
            "RESOURCE_CONTROL_POLICY",
            PolicySource::ResourceControl,
        ),
    }
}
