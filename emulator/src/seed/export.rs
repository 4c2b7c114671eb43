//! A world written as a seed file (`keyhole seed export`): what exists, with every
//! identifier a seed can fix, so that applying the export to an empty keyhole gives the
//! same world. Documents (key, vault, IAM and organization policies) are written as the
//! text the world holds, not re-serialized, so they come back to the byte.
//!
//! Not written, because a seed cannot make them: sessions of users (GetSessionToken,
//! federation), Backup jobs and recovery points, deleted plans, KMS custom key stores,
//! imported material's expiry, handshakes. docs/seed-files.md lists them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::format::*;
use crate::services::iam::seed::{
    FixedServiceLinkedRole, GroupSeed, KeySeed as AccessKeySeed, PolicySeed, PolicyVersionSeed,
    RoleLastUsedSeed, RoleSeed, ServiceLinkedRoleSeed, UserSeed,
};
use crate::services::kms::state::{Key, KeyState};
use crate::services::organizations::state::Organization;
use crate::world::iam::state::{IamState, Tag};
use crate::world::{DenyMessageStyle, World};

/// The seed file describing `world`; `now` is the time the world is read at (a vault
/// lock's remaining grace period is written in days from then).
pub fn export(world: &World, now: f64) -> SeedFile {
    let s = &world.settings;
    let settings = SettingsSeed {
        default_account: Some(s.default_account.clone()),
        default_region: Some(s.default_region.clone()),
        strict_auth: Some(s.strict_auth),
        deny_message_style: Some(
            match s.deny_message_style {
                DenyMessageStyle::Arn => "arn",
                DenyMessageStyle::Legacy => "legacy",
            }
            .to_owned(),
        ),
    };
    let mut accounts: BTreeMap<String, AccountEntry> = BTreeMap::new();
    for (id, account) in &world.accounts {
        let entry = AccountEntry {
            iam: iam(world, id, &account.iam),
            regions: account
                .regions
                .iter()
                .filter_map(|(region, r)| {
                    let kms = kms(&r.kms);
                    let backup = backup(world, &r.backup, now);
                    (kms.is_some() || backup.is_some())
                        .then(|| (region.clone(), RegionSeed { kms, backup }))
                })
                .collect(),
            sts_sessions: super::sessions::export(world, &account.iam, now),
            ..AccountEntry::default()
        };
        accounts.insert(id.clone(), entry);
    }
    for (id, profile) in &world.organizations.profiles {
        let entry = accounts.entry(id.clone()).or_default();
        entry.name = Some(profile.name.clone());
        entry.email = Some(profile.email.clone());
    }
    let b = &world.backup;
    let backup = BackupWorldSeed {
        declared_resources: b
            .resources
            .iter()
            .map(|(arn, r)| {
                let seed = DeclaredResourceSeed {
                    kms_key_arn: r.kms_key_arn.clone(),
                    tags: r.tags.clone(),
                    resource_type: r.resource_type.clone(),
                };
                (arn.clone(), seed)
            })
            .collect(),
        job_duration_seconds: Some(b.settings.job_duration_seconds),
        allow_rds_cross_region_and_account: Some(b.settings.allow_rds_cross_region_and_account),
        global_settings: b
            .global_settings
            .iter()
            .map(|(account, g)| (account.clone(), g.values.clone()))
            .collect(),
    };
    SeedFile {
        schema: None,
        keyhole_seed: VERSION,
        settings: Some(settings),
        accounts,
        organization: world
            .organizations
            .organizations
            .values()
            .next()
            .map(organization),
        backup: Some(backup),
    }
}

fn tags(list: &[Tag]) -> BTreeMap<String, String> {
    list.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

fn inline(list: &[(String, String)]) -> BTreeMap<String, Value> {
    list.iter()
        .map(|(n, d)| (n.clone(), Value::String(d.clone())))
        .collect()
}

fn iam(world: &World, account: &str, state: &IamState) -> Option<IamSeed> {
    let keys = |user: Option<&str>| -> Vec<AccessKeySeed> {
        state
            .access_keys
            .values()
            .filter(|k| k.user_name.as_deref() == user)
            .filter_map(|k| {
                let credential = world.credentials.get(&k.access_key_id)?;
                Some(AccessKeySeed {
                    access_key_id: k.access_key_id.clone(),
                    secret_access_key: credential.secret_access_key.clone(),
                    status: (k.status != "Active").then(|| k.status.clone()),
                })
            })
            .collect()
    };
    let seed = IamSeed {
        policies: state
            .policies
            .values()
            .map(|p| PolicySeed {
                name: p.name.clone(),
                id: Some(p.id.clone()),
                path: Some(p.path.clone()),
                description: p.description.clone(),
                document: Value::String(p.default_document().to_owned()),
                default_version_id: (p.default_version_id != "v1")
                    .then(|| p.default_version_id.clone()),
                other_versions: p
                    .versions
                    .iter()
                    .filter(|v| v.version_id != p.default_version_id)
                    .map(|v| PolicyVersionSeed {
                        version_id: v.version_id.clone(),
                        document: Value::String(v.document.clone()),
                    })
                    .collect(),
            })
            .collect(),
        groups: state
            .groups
            .values()
            .map(|g| GroupSeed {
                name: g.name.clone(),
                id: Some(g.id.clone()),
                path: Some(g.path.clone()),
                inline_policies: inline(&g.policies.inline),
                managed_policies: g.policies.attached.clone(),
            })
            .collect(),
        users: state
            .users
            .values()
            .map(|u| UserSeed {
                name: u.name.clone(),
                id: Some(u.id.clone()),
                path: Some(u.path.clone()),
                tags: tags(&u.tags),
                groups: state
                    .groups
                    .values()
                    .filter(|g| g.members.contains(&u.name))
                    .map(|g| g.name.clone())
                    .collect(),
                inline_policies: inline(&u.policies.inline),
                managed_policies: u.policies.attached.clone(),
                permissions_boundary: u.permissions_boundary.clone(),
                access_keys: keys(Some(&u.name)),
            })
            .collect(),
        roles: state
            .roles
            .values()
            .filter(|r| !r.service_linked)
            .map(|r| RoleSeed {
                name: r.name.clone(),
                id: Some(r.id.clone()),
                path: Some(r.path.clone()),
                trust_policy: Value::String(r.assume_role_policy_document.clone()),
                description: r.description.clone(),
                max_session_duration: Some(r.max_session_duration),
                tags: tags(&r.tags),
                inline_policies: inline(&r.policies.inline),
                managed_policies: r.policies.attached.clone(),
                permissions_boundary: r.permissions_boundary.clone(),
                last_used: r.last_used.as_ref().map(|(date, region)| RoleLastUsedSeed {
                    date: *date,
                    region: region.clone(),
                }),
            })
            .collect(),
        service_linked_roles: state
            .roles
            .values()
            .filter(|r| r.service_linked)
            .filter_map(|r| {
                let service = r.path.strip_prefix("/aws-service-role/")?;
                Some(ServiceLinkedRoleSeed::Fixed(FixedServiceLinkedRole {
                    service: service.trim_end_matches('/').to_owned(),
                    id: r.id.clone(),
                }))
            })
            .collect(),
        root_access_keys: keys(None),
    };
    let _ = account;
    (seed != IamSeed::default()).then_some(seed)
}

fn kms(state: &crate::services::kms::state::KmsState) -> Option<KmsSeed> {
    let seed = KmsSeed {
        keys: state
            .keys
            .values()
            .filter(|k| !k.is_aws_managed())
            .map(key)
            .collect(),
        aliases: state
            .aliases
            .values()
            .filter(|a| !a.name.starts_with("alias/aws/"))
            .map(|a| AliasSeed {
                name: a.name.clone(),
                target_key_id: a.target_key_id.clone(),
            })
            .collect(),
        aws_managed_keys: state
            .aliases
            .values()
            .filter_map(|a| {
                let service = a.name.strip_prefix("alias/aws/")?;
                let k = state
                    .keys
                    .get(&a.target_key_id)
                    .filter(|k| k.is_aws_managed())?;
                Some(AwsManagedKeySeed {
                    service: service.to_owned(),
                    key_id: k.key_id.clone(),
                    material: material(k),
                })
            })
            .collect(),
    };
    (seed != KmsSeed::default()).then_some(seed)
}

fn material(k: &Key) -> Vec<MaterialSeed> {
    let current = k.material.current().map(|v| v.id);
    k.material
        .iter()
        .filter_map(|v| {
            let bytes = v.material.to_bytes().ok()?;
            Some(MaterialSeed {
                id: v.id.to_hex(),
                bytes: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &*bytes),
                current: Some(v.id) == current,
            })
        })
        .collect()
}

fn key(k: &Key) -> KeySeed {
    let (primary_region, pending_deletion, rotations) = super::keys::export_lifecycle(k);
    // A replica's spec, material and rotation are its primary's.
    let own = primary_region.is_none();
    KeySeed {
        key_id: k.key_id.clone(),
        description: k.description.clone(),
        key_spec: own.then(|| k.key_spec.as_str().to_owned()),
        key_usage: own.then(|| k.key_usage.as_str().to_owned()),
        enabled: k.state == KeyState::Enabled,
        policy: Some(Value::String(k.policy.clone())),
        tags: k.tags.iter().cloned().collect(),
        rotation_period_days: k.next_rotation.and(k.rotation_period_days).filter(|_| own),
        material: if own { material(k) } else { Vec::new() },
        primary_region,
        pending_deletion,
        rotations,
        grants: k
            .grants
            .iter()
            .map(|g| {
                let mut constraints = serde_json::Map::new();
                if let Some(c) = &g.encryption_context_equals {
                    constraints.insert("EncryptionContextEquals".into(), serde_json::json!(c));
                }
                if let Some(c) = &g.encryption_context_subset {
                    constraints.insert("EncryptionContextSubset".into(), serde_json::json!(c));
                }
                GrantSeed {
                    grant_id: Some(g.grant_id.clone()),
                    grant_token: Some(g.grant_token.clone()),
                    name: g.name.clone(),
                    grantee_principal: g.grantee_principal.clone(),
                    retiring_principal: g.retiring_principal.clone(),
                    operations: g.operations.clone(),
                    constraints: (!constraints.is_empty()).then_some(Value::Object(constraints)),
                }
            })
            .collect(),
    }
}

fn backup(
    world: &World,
    state: &crate::services::backup::state::BackupState,
    now: f64,
) -> Option<BackupRegionSeed> {
    let _ = world;
    let defaults = crate::services::backup::state::RegionSettings::default();
    let settings = &state.region_settings;
    let seed = BackupRegionSeed {
        vaults: state
            .vaults
            .values()
            .map(|v| VaultSeed {
                name: v.name.clone(),
                encryption_key_arn: (!v.aws_managed_key).then(|| v.encryption_key_arn.clone()),
                tags: state.tags.get(&v.arn).cloned().unwrap_or_default(),
                access_policy: v.access_policy.clone().map(Value::String),
                lock: v.lock.as_ref().map(|l| VaultLockSeed {
                    min_retention_days: l.min_retention_days,
                    max_retention_days: l.max_retention_days,
                    changeable_for_days: l
                        .lock_date
                        .map(|d| ((d - now) / 86_400.0).ceil().max(3.0) as i64),
                }),
            })
            .collect(),
        resource_type_opt_in: if settings.opt_in != defaults.opt_in {
            settings.opt_in.clone()
        } else {
            BTreeMap::new()
        },
        resource_type_management: if settings.management != defaults.management {
            settings.management.clone()
        } else {
            BTreeMap::new()
        },
        plans: super::plans::export(state),
    };
    (seed != BackupRegionSeed::default()).then_some(seed)
}

fn organization(org: &Organization) -> OrganizationSeed {
    let root = &org.root.id;
    let accounts_under = |parent: &str| -> Vec<String> {
        org.accounts
            .values()
            .filter(|m| m.parent_id == parent && m.id != org.management_account)
            .map(|m| m.id.clone())
            .collect()
    };
    fn units(
        org: &Organization,
        parent: &str,
        accounts_under: &dyn Fn(&str) -> Vec<String>,
    ) -> Vec<UnitSeed> {
        org.ous
            .values()
            .filter(|ou| ou.parent_id == parent)
            .map(|ou| UnitSeed {
                id: Some(ou.id.clone()),
                name: ou.name.clone(),
                accounts: accounts_under(&ou.id),
                units: units(org, &ou.id, accounts_under),
            })
            .collect()
    }
    OrganizationSeed {
        id: Some(org.id.clone()),
        management_account: org.management_account.clone(),
        feature_set: Some(org.feature_set.clone()),
        root_id: Some(root.clone()),
        enabled_policy_types: org.root.policy_types.clone(),
        accounts: accounts_under(root),
        units: units(org, root, &accounts_under),
        policies: org
            .policies
            .values()
            .filter(|p| !p.aws_managed)
            .map(|p| OrgPolicySeed {
                id: Some(p.id.clone()),
                name: p.name.clone(),
                policy_type: p.policy_type.clone(),
                description: p.description.clone(),
                content: Value::String(p.content.clone()),
            })
            .collect(),
        attachments: Some(
            org.attachments
                .iter()
                .map(|a| AttachmentSeed {
                    policy: a.policy_id.clone(),
                    target: a.target_id.clone(),
                })
                .collect(),
        ),
    }
}
