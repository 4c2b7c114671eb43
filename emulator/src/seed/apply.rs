//! Applying a checked seed file to a world. Everything is made through the services' own
//! operations, as the account's root (the pipeline's validation, authorization and
//! handlers, without HTTP), so names, documents and quotas are refused exactly as an
//! `aws ...` call would be; a refusal points at the item of the file it concerns. The
//! identifiers the file fixes (key ids and material, grant ids and tokens, organization,
//! root, OU and policy ids, IAM ids, access keys) replace the generated ones right after
//! each object is made, before anything refers to it.
//!
//! Order: settings; accounts and their names; IAM (every account); KMS keys, grants and
//! aliases; Backup vaults and Region settings; the organization; key policies, vault access
//! policies and locks, and disabled keys last, so a restrictive policy does not lock the
//! seed itself out.

use serde_json::{json, Value};

use super::call::{repin, On};
use super::error::SeedError;
use super::format::{KeySeed, OrganizationSeed, UnitSeed};
use super::load::Loaded;
use crate::docfile::{key, Seg};
use crate::protocol::ServiceId;
use crate::services::kms::crypto::{KeyMaterial, KeyMaterialId, KeyVersions, MaterialVersion};
use crate::world::{DenyMessageStyle, World};

type Step<T> = Result<T, (Vec<Seg>, String)>;

/// What one seed made, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    pub accounts: usize,
    pub keys: usize,
    pub aliases: usize,
    pub grants: usize,
    pub vaults: usize,
    pub organizational_units: usize,
    pub organization_policies: usize,
    pub backup_plans: usize,
}

/// Applies `loaded` to `world` at time `now`; the first refusal stops it (a seed is not
/// transactional: start from an empty world to retry).
pub fn apply(world: &mut World, loaded: &Loaded, now: f64) -> Result<Applied, SeedError> {
    let mut applied = Applied::default();
    run(world, loaded, now, &mut applied).map_err(|(at, reason)| loaded.error(&at, reason))?;
    crate::services::registry::schedule_all(world);
    Ok(applied)
}

fn run(world: &mut World, l: &Loaded, now: f64, applied: &mut Applied) -> Step<()> {
    let seed = &l.seed;
    if let Some(s) = &seed.settings {
        let settings = &mut world.settings;
        if let Some(a) = &s.default_account {
            settings.default_account = a.clone();
        }
        if let Some(r) = &s.default_region {
            settings.default_region = r.clone();
        }
        if let Some(strict) = s.strict_auth {
            settings.strict_auth = strict;
        }
        if let Some(style) = s
            .deny_message_style
            .as_deref()
            .and_then(DenyMessageStyle::from_name)
        {
            settings.deny_message_style = style;
        }
    }
    for (id, entry) in &seed.accounts {
        world.account_mut(id, now);
        applied.accounts += 1;
        if entry.name.is_some() || entry.email.is_some() {
            let mut profile = world.organizations.profile(id);
            profile.name = entry.name.clone().unwrap_or(profile.name);
            profile.email = entry.email.clone().unwrap_or(profile.email);
            world.organizations.profiles.insert(id.clone(), profile);
        }
    }
    for (id, entry) in &seed.accounts {
        if let Some(iam) = &entry.iam {
            let one = crate::services::iam::seed::Seed {
                accounts: [(id.clone(), iam.clone())].into(),
            };
            crate::services::iam::seed::apply(world, &one, now).map_err(|e| {
                let at = vec![key("accounts"), key(id), key("iam")];
                (
                    at,
                    format!("{}: {}", e.code, e.message.clone().unwrap_or_default()),
                )
            })?;
        }
    }
    // After IAM: a session belongs to one of its roles.
    for (account, entry) in &seed.accounts {
        for (i, s) in entry.sts_sessions.iter().enumerate() {
            super::sessions::apply(world, account, s, now).map_err(|e| {
                let at = [key("accounts"), key(account), key("stsSessions")];
                ([&at[..], &[Seg::Index(i)]].concat(), e)
            })?;
        }
    }
    for (account, entry) in &seed.accounts {
        for (region, r) in &entry.regions {
            let at = [key("accounts"), key(account), key("regions"), key(region)];
            let on = On {
                account,
                region,
                now,
            };
            let Some(kms) = &r.kms else { continue };
            for (i, m) in kms.aws_managed_keys.iter().enumerate() {
                let at = [&at[..], &[key("kms"), key("awsManagedKeys"), Seg::Index(i)]].concat();
                aws_managed_key(world, &on, m).map_err(|e| (at, e))?;
                applied.keys += 1;
            }
            for (i, k) in kms.keys.iter().enumerate() {
                if k.primary_region.is_some() {
                    continue;
                }
                let at = [&at[..], &[key("kms"), key("keys"), Seg::Index(i)]].concat();
                applied.grants += create_key(world, &on, k).map_err(|e| (at, e))?;
                applied.keys += 1;
            }
        }
    }
    // Replicas once every primary exists, then aliases (which may name a replica).
    for (account, entry) in &seed.accounts {
        for (region, r) in &entry.regions {
            let at = [key("accounts"), key(account), key("regions"), key(region)];
            let on = On {
                account,
                region,
                now,
            };
            let Some(kms) = &r.kms else { continue };
            for (i, k) in kms.keys.iter().enumerate() {
                let Some(primary) = &k.primary_region else {
                    continue;
                };
                let at = [&at[..], &[key("kms"), key("keys"), Seg::Index(i)]].concat();
                super::keys::replicate(world, &on, k, primary)
                    .map_err(|e| ([&at[..], &[key("primaryRegion")]].concat(), e))?;
                pin_key(world, &on, &k.key_id, &[], |key| {
                    super::keys::set_rotations(key, &k.rotations, now);
                    Ok(())
                })
                .map_err(|e| (at.clone(), e))?;
                applied.grants += grants(world, &on, k).map_err(|e| (at, e))?;
                applied.keys += 1;
            }
            for (i, a) in kms.aliases.iter().enumerate() {
                let input = json!({"AliasName": a.name, "TargetKeyId": a.target_key_id});
                on.call(world, ServiceId::Kms, "CreateAlias", input)
                    .map_err(|e| {
                        (
                            [&at[..], &[key("kms"), key("aliases"), Seg::Index(i)]].concat(),
                            e,
                        )
                    })?;
                applied.aliases += 1;
            }
        }
    }
    for (account, entry) in &seed.accounts {
        for (region, r) in &entry.regions {
            let at = vec![
                key("accounts"),
                key(account),
                key("regions"),
                key(region),
                key("backup"),
            ];
            let on = On {
                account,
                region,
                now,
            };
            let Some(backup) = &r.backup else { continue };
            for (i, v) in backup.vaults.iter().enumerate() {
                let mut input = json!({"BackupVaultName": v.name});
                if let Some(arn) = &v.encryption_key_arn {
                    input["EncryptionKeyArn"] = json!(arn);
                }
                if !v.tags.is_empty() {
                    input["BackupVaultTags"] = json!(v.tags);
                }
                on.call(world, ServiceId::Backup, "CreateBackupVault", input)
                    .map_err(|e| ([&at[..], &[key("vaults"), Seg::Index(i)]].concat(), e))?;
                applied.vaults += 1;
            }
            for (i, p) in backup.plans.iter().enumerate() {
                super::plans::apply(world, &on, p).map_err(|(rest, e)| {
                    (
                        [&at[..], &[key("plans"), Seg::Index(i)], &rest[..]].concat(),
                        e,
                    )
                })?;
                applied.backup_plans += 1;
            }
            if !backup.resource_type_opt_in.is_empty()
                || !backup.resource_type_management.is_empty()
            {
                let mut input = json!({});
                if !backup.resource_type_opt_in.is_empty() {
                    input["ResourceTypeOptInPreference"] = json!(backup.resource_type_opt_in);
                }
                if !backup.resource_type_management.is_empty() {
                    input["ResourceTypeManagementPreference"] =
                        json!(backup.resource_type_management);
                }
                on.call(world, ServiceId::Backup, "UpdateRegionSettings", input)
                    .map_err(|e| (at.clone(), e))?;
            }
        }
    }
    if let Some(org) = &seed.organization {
        organization(world, org, now, applied)?;
    }
    if let Some(b) = &seed.backup {
        let at = [key("backup")];
        for (arn, r) in &b.declared_resources {
            let resource = crate::services::backup::state::DeclaredResource {
                kms_key_arn: r.kms_key_arn.clone(),
                tags: r.tags.clone(),
                resource_type: r.resource_type.clone(),
            };
            if crate::services::backup::resources::resource_type(world, arn).is_none()
                && resource.resource_type.is_none()
            {
                let at = [&at[..], &[key("declaredResources"), key(arn)]].concat();
                return Err((
                    at,
                    format!("AWS Backup does not protect resources like {arn}"),
                ));
            }
            world.backup.resources.insert(arn.clone(), resource);
        }
        if let Some(s) = b.job_duration_seconds {
            if s.is_nan() || s < 0.0 {
                let at = [&at[..], &[key("jobDurationSeconds")]].concat();
                return Err((at, format!("jobDurationSeconds {s} is negative")));
            }
            world.backup.settings.job_duration_seconds = s;
        }
        if let Some(allow) = b.allow_rds_cross_region_and_account {
            world.backup.settings.allow_rds_cross_region_and_account = allow;
        }
        for (account, values) in &b.global_settings {
            let on = On {
                account,
                region: &world.settings.default_region.clone(),
                now,
            };
            on.call(
                world,
                ServiceId::Backup,
                "UpdateGlobalSettings",
                json!({"GlobalSettings": values}),
            )
            .map_err(|e| {
                (
                    [&at[..], &[key("globalSettings"), key(account)]].concat(),
                    e,
                )
            })?;
        }
    }
    // Last: the documents that could refuse the seed's own calls, and disabled keys.
    for (account, entry) in &seed.accounts {
        for (region, r) in &entry.regions {
            let at = [key("accounts"), key(account), key("regions"), key(region)];
            let on = On {
                account,
                region,
                now,
            };
            for (i, k) in r.kms.iter().flat_map(|k| k.keys.iter()).enumerate() {
                let at = [&at[..], &[key("kms"), key("keys"), Seg::Index(i)]].concat();
                if let Some(policy) = &k.policy {
                    let input = json!({"KeyId": k.key_id, "PolicyName": "default", "Policy": text(policy),
                                       "BypassPolicyLockoutSafetyCheck": true});
                    on.call(world, ServiceId::Kms, "PutKeyPolicy", input)
                        .map_err(|e| ([&at[..], &[key("policy")]].concat(), e))?;
                }
                if !k.enabled {
                    on.call(
                        world,
                        ServiceId::Kms,
                        "DisableKey",
                        json!({"KeyId": k.key_id}),
                    )
                    .map_err(|e| ([&at[..], &[key("enabled")]].concat(), e))?;
                }
                if let Some(d) = &k.pending_deletion {
                    super::keys::schedule_deletion(world, &on, &k.key_id, d)
                        .map_err(|e| ([&at[..], &[key("pendingDeletion")]].concat(), e))?;
                }
            }
            for (i, v) in r.backup.iter().flat_map(|b| b.vaults.iter()).enumerate() {
                let at = [&at[..], &[key("backup"), key("vaults"), Seg::Index(i)]].concat();
                if let Some(policy) = &v.access_policy {
                    let input = json!({"BackupVaultName": v.name, "Policy": text(policy)});
                    on.call(
                        world,
                        ServiceId::Backup,
                        "PutBackupVaultAccessPolicy",
                        input,
                    )
                    .map_err(|e| ([&at[..], &[key("accessPolicy")]].concat(), e))?;
                }
                if let Some(lock) = &v.lock {
                    let mut input = json!({"BackupVaultName": v.name});
                    for (member, value) in [
                        ("MinRetentionDays", lock.min_retention_days),
                        ("MaxRetentionDays", lock.max_retention_days),
                        ("ChangeableForDays", lock.changeable_for_days),
                    ] {
                        if let Some(days) = value {
                            input[member] = json!(days);
                        }
                    }
                    on.call(
                        world,
                        ServiceId::Backup,
                        "PutBackupVaultLockConfiguration",
                        input,
                    )
                    .map_err(|e| ([&at[..], &[key("lock")]].concat(), e))?;
                }
            }
        }
    }
    Ok(())
}

/// A document given as an object or as its text.
fn text(document: &Value) -> String {
    match document {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// CreateKey, then the file's id and material; rotation; grants. Returns the grants made.
fn create_key(world: &mut World, on: &On<'_>, k: &KeySeed) -> Result<usize, String> {
    let mut input =
        json!({"Description": k.description, "MultiRegion": k.key_id.starts_with("mrk-")});
    if let Some(spec) = &k.key_spec {
        input["KeySpec"] = json!(spec);
    }
    if let Some(usage) = &k.key_usage {
        input["KeyUsage"] = json!(usage);
    }
    if !k.tags.is_empty() {
        input["Tags"] = Value::Array(
            k.tags
                .iter()
                .map(|(t, v)| json!({"TagKey": t, "TagValue": v}))
                .collect(),
        );
    }
    if world
        .accounts
        .get(on.account)
        .and_then(|a| a.regions.get(on.region))
        .is_some_and(|r| r.kms.keys.contains_key(&k.key_id))
    {
        return Err(format!(
            "AlreadyExistsException: key {} already exists",
            k.key_id
        ));
    }
    let made = on.call(world, ServiceId::Kms, "CreateKey", input)?;
    let generated = made["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    pin_key(
        world,
        on,
        &generated,
        &[(generated.clone(), k.key_id.clone())],
        |key| {
            set_material(key, &k.material)?;
            super::keys::set_rotations(key, &k.rotations, on.now);
            Ok(())
        },
    )?;
    if let Some(days) = k.rotation_period_days {
        let input = json!({"KeyId": k.key_id, "RotationPeriodInDays": days});
        on.call(world, ServiceId::Kms, "EnableKeyRotation", input)?;
    }
    grants(world, on, k)
}

/// The key's grants (CreateGrant), with the file's ids and tokens. Returns how many.
fn grants(world: &mut World, on: &On<'_>, k: &KeySeed) -> Result<usize, String> {
    for (i, g) in k.grants.iter().enumerate() {
        let mut input = json!({"KeyId": k.key_id, "GranteePrincipal": g.grantee_principal,
                               "Operations": g.operations});
        for (member, value) in [
            ("Name", &g.name),
            ("RetiringPrincipal", &g.retiring_principal),
        ] {
            if let Some(v) = value {
                input[member] = json!(v);
            }
        }
        if let Some(c) = &g.constraints {
            input["Constraints"] = c.clone();
        }
        let made = on
            .call(world, ServiceId::Kms, "CreateGrant", input)
            .map_err(|e| format!("grant {i}: {e}"))?;
        let mut pins = Vec::new();
        for (member, fixed) in [("GrantId", &g.grant_id), ("GrantToken", &g.grant_token)] {
            if let (Some(fixed), Some(generated)) = (fixed, made[member].as_str()) {
                pins.push((generated.to_owned(), fixed.clone()));
            }
        }
        pin_key(world, on, &k.key_id, &pins, |_| Ok(()))?;
    }
    Ok(k.grants.len())
}

/// The file's material versions in place of the generated ones (none given: kept).
fn set_material(
    key: &mut crate::services::kms::state::Key,
    seeds: &[super::format::MaterialSeed],
) -> Result<(), String> {
    if seeds.is_empty() {
        return Ok(());
    }
    let mut versions = KeyVersions::empty();
    for (i, m) in seeds.iter().enumerate() {
        let id = KeyMaterialId::from_hex(&m.id)
            .ok_or_else(|| format!("material {i}: id {:?} is not 64 hex digits", m.id))?;
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &m.bytes)
            .map_err(|e| format!("material {i}: bytes are not base64: {e}"))?;
        let material = KeyMaterial::from_bytes(key.key_spec, &bytes)
            .map_err(|e| format!("material {i}: {e}"))?;
        let version = MaterialVersion { id, material };
        if m.current {
            versions.add_current(version);
        } else {
            versions.add(version);
        }
    }
    key.material = versions;
    Ok(())
}

/// An AWS managed key, made as the service makes it on first use, then given the file's id
/// and material; its alias follows.
fn aws_managed_key(
    world: &mut World,
    on: &On<'_>,
    m: &super::format::AwsManagedKeySeed,
) -> Result<(), String> {
    let arn = crate::services::kms::managed::ensure_aws_managed_key(
        world, on.account, on.region, &m.service, on.now,
    );
    let generated = arn.rsplit_once("key/").map_or("", |(_, id)| id).to_owned();
    pin_key(
        world,
        on,
        &generated,
        &[(generated.clone(), m.key_id.clone())],
        |key| set_material(key, &m.material),
    )?;
    let kms = &mut world.region_mut(on.account, on.region, on.now).kms;
    if let Some(alias) = kms.aliases.get_mut(&format!("alias/aws/{}", m.service)) {
        alias.target_key_id = m.key_id.clone();
    }
    Ok(())
}

/// Takes key `id` out of its Region, replaces `pins` in it, lets `edit` change it, and puts
/// it back under its (possibly new) id.
fn pin_key(
    world: &mut World,
    on: &On<'_>,
    id: &str,
    pins: &[(String, String)],
    edit: impl FnOnce(&mut crate::services::kms::state::Key) -> Result<(), String>,
) -> Result<(), String> {
    let kms = &mut world.region_mut(on.account, on.region, on.now).kms;
    let key = kms
        .keys
        .remove(id)
        .ok_or_else(|| format!("key {id} vanished"))?;
    let mut key = super::keys::repin_key(key, pins)?;
    edit(&mut key)?;
    kms.keys.insert(key.key_id.clone(), key);
    Ok(())
}

fn organization(
    world: &mut World,
    org: &OrganizationSeed,
    now: f64,
    applied: &mut Applied,
) -> Step<()> {
    let root = |rest: &[Seg]| [&[key("organization")][..], rest].concat();
    let region = world.settings.default_region.clone();
    let management = On {
        account: &org.management_account,
        region: &region,
        now,
    };
    let mut input = json!({});
    if let Some(f) = &org.feature_set {
        input["FeatureSet"] = json!(f);
    }
    let made = management
        .call(world, ServiceId::Organizations, "CreateOrganization", input)
        .map_err(|e| (root(&[]), e))?;
    let generated_org = made["Organization"]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let roots = management
        .call(world, ServiceId::Organizations, "ListRoots", json!({}))
        .map_err(|e| (root(&[]), e))?;
    let generated_root = roots["Roots"][0]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut pins = Vec::new();
    if let Some(id) = &org.id {
        pins.push((generated_org.clone(), id.clone()));
    }
    if let Some(id) = &org.root_id {
        pins.push((generated_root.clone(), id.clone()));
    }
    let org_id = org.id.clone().unwrap_or(generated_org.clone());
    let root_id = org.root_id.clone().unwrap_or(generated_root);
    pin_org(world, &generated_org, &pins).map_err(|e| (root(&[]), e))?;
    for (i, t) in org.enabled_policy_types.iter().enumerate() {
        let input = json!({"RootId": root_id, "PolicyType": t});
        management
            .call(world, ServiceId::Organizations, "EnablePolicyType", input)
            .map_err(|e| (root(&[key("enabledPolicyTypes"), Seg::Index(i)]), e))?;
    }
    // Targets by the names the file uses: "root", OU names and ids, account ids.
    let mut targets = vec![
        ("root".to_owned(), root_id.clone()),
        (root_id.clone(), root_id.clone()),
    ];
    let join = |world: &mut World, account: &str, parent: &str, at: Vec<Seg>| -> Step<()> {
        let input = json!({"Target": {"Id": account, "Type": "ACCOUNT"}});
        let made = management
            .call(
                world,
                ServiceId::Organizations,
                "InviteAccountToOrganization",
                input,
            )
            .map_err(|e| (at.clone(), e))?;
        let handshake = made["Handshake"]["Id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let member = On {
            account,
            region: management.region,
            now,
        };
        member
            .call(
                world,
                ServiceId::Organizations,
                "AcceptHandshake",
                json!({"HandshakeId": handshake}),
            )
            .map_err(|e| (at.clone(), e))?;
        // The invitation is how a seed joins an account, not part of the world it describes.
        world.organizations.handshakes.remove(&handshake);
        if parent != root_id {
            let input = json!({"AccountId": account, "SourceParentId": root_id, "DestinationParentId": parent});
            management
                .call(world, ServiceId::Organizations, "MoveAccount", input)
                .map_err(|e| (at, e))?;
        }
        Ok(())
    };
    for (i, a) in org.accounts.iter().enumerate() {
        join(world, a, &root_id, root(&[key("accounts"), Seg::Index(i)]))?;
        targets.push((a.clone(), a.clone()));
    }
    targets.push((
        org.management_account.clone(),
        org.management_account.clone(),
    ));
    let mut stack: Vec<(&UnitSeed, String, Vec<Seg>)> = org
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u, root_id.clone(), root(&[key("units"), Seg::Index(i)])))
        .collect();
    stack.reverse();
    while let Some((unit, parent, at)) = stack.pop() {
        let made = management
            .call(
                world,
                ServiceId::Organizations,
                "CreateOrganizationalUnit",
                json!({"ParentId": parent, "Name": unit.name}),
            )
            .map_err(|e| (at.clone(), e))?;
        let generated = made["OrganizationalUnit"]["Id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let id = unit.id.clone().unwrap_or(generated.clone());
        pin_org(world, &org_id, &[(generated, id.clone())]).map_err(|e| (at.clone(), e))?;
        applied.organizational_units += 1;
        targets.push((unit.name.clone(), id.clone()));
        targets.push((id.clone(), id.clone()));
        for (j, a) in unit.accounts.iter().enumerate() {
            join(
                world,
                a,
                &id,
                [&at[..], &[key("accounts"), Seg::Index(j)]].concat(),
            )?;
            targets.push((a.clone(), a.clone()));
        }
        for (j, child) in unit.units.iter().enumerate().rev() {
            stack.push((
                child,
                id.clone(),
                [&at[..], &[key("units"), Seg::Index(j)]].concat(),
            ));
        }
    }
    let mut policies: Vec<(String, String)> = Vec::new();
    for (i, p) in org.policies.iter().enumerate() {
        let at = root(&[key("policies"), Seg::Index(i)]);
        let input = json!({"Name": p.name, "Description": p.description, "Type": p.policy_type,
                           "Content": text(&p.content)});
        let made = management
            .call(world, ServiceId::Organizations, "CreatePolicy", input)
            .map_err(|e| (at.clone(), e))?;
        let generated = made["Policy"]["PolicySummary"]["Id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let id = p.id.clone().unwrap_or(generated.clone());
        pin_org(world, &org_id, &[(generated, id.clone())]).map_err(|e| (at, e))?;
        policies.push((p.name.clone(), id.clone()));
        policies.push((id.clone(), id));
        applied.organization_policies += 1;
    }
    let Some(attachments) = &org.attachments else {
        return Ok(());
    };
    let lookup = |list: &[(String, String)], name: &str| {
        list.iter()
            .find(|(n, _)| n == name)
            .map_or(name.to_owned(), |(_, id)| id.clone())
    };
    let wanted: Vec<(String, String)> = attachments
        .iter()
        .map(|a| (lookup(&policies, &a.policy), lookup(&targets, &a.target)))
        .collect();
    for (i, (policy, target)) in wanted.iter().enumerate() {
        let at = root(&[key("attachments"), Seg::Index(i)]);
        let attached = world
            .organizations
            .organizations
            .get(&org_id)
            .is_some_and(|o| o.is_attached(policy, target));
        if !attached {
            let input = json!({"PolicyId": policy, "TargetId": target});
            management
                .call(world, ServiceId::Organizations, "AttachPolicy", input)
                .map_err(|e| (at, e))?;
        }
    }
    // AWS attached its managed policies to every node; the file lists all that stay.
    let extra: Vec<(String, String)> = world
        .organizations
        .organizations
        .get(&org_id)
        .map(|o| {
            o.attachments
                .iter()
                .map(|a| (a.policy_id.clone(), a.target_id.clone()))
                .filter(|pair| !wanted.contains(pair))
                .collect()
        })
        .unwrap_or_default();
    for (policy, target) in extra {
        let input = json!({"PolicyId": policy, "TargetId": target});
        management
            .call(world, ServiceId::Organizations, "DetachPolicy", input)
            .map_err(|e| (root(&[key("attachments")]), e))?;
    }
    // The same set, in the file's order (the order ListPoliciesForTarget answers in): AWS
    // attached its own as each node was made.
    if let Some(o) = world.organizations.organizations.get_mut(&org_id) {
        let position = |a: &crate::services::organizations::state::Attachment| {
            wanted
                .iter()
                .position(|(p, t)| *p == a.policy_id && *t == a.target_id)
        };
        o.attachments.sort_by_key(|a| position(a));
    }
    Ok(())
}

fn pin_org(world: &mut World, id: &str, pins: &[(String, String)]) -> Result<(), String> {
    let orgs = &mut world.organizations.organizations;
    let org = orgs
        .remove(id)
        .ok_or_else(|| format!("organization {id} vanished"))?;
    let org = repin(org, pins)?;
    orgs.insert(org.id.clone(), org);
    Ok(())
}
