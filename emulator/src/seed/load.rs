//! Reading a seed file and checking it before anything is applied: its JSON, its version,
//! every field known (serde refuses the others at any depth), and every reference inside it
//! resolved (an alias's key, a vault's key, a user's group, an attachment's policy and
//! target). Each problem is a [`SeedError`] naming the file, the line and the column.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::SeedError;
use super::format::{AccountEntry, OrganizationSeed, SeedFile, UnitSeed, VERSION};
use crate::docfile::{self, key, Seg};
use crate::policy::json::JsonNode;
use crate::world::{is_account_id, DenyMessageStyle, World};

/// A seed file read and checked, with what locates a problem in it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: PathBuf,
    pub text: String,
    pub tree: JsonNode,
    pub seed: SeedFile,
}

impl Loaded {
    /// An error about the member at `at` (a missing one: its parent).
    pub fn error(&self, at: &[Seg], reason: impl Into<String>) -> SeedError {
        docfile::DocError::at(&self.file, &self.text, &self.tree, at, reason)
    }
}

/// Reads the file at `path` and checks it against `world` (what it may refer to besides
/// itself).
pub fn load(path: &Path, world: &World) -> Result<Loaded, SeedError> {
    let text = std::fs::read_to_string(path).map_err(|e| docfile::io_error(path, &e))?;
    parse(path, &text, world)
}

/// Parses and checks one seed document; `file` names it in errors. What the fuzz target
/// drives.
pub fn parse(file: &Path, text: &str, world: &World) -> Result<Loaded, SeedError> {
    let (seed, tree): (SeedFile, _) = docfile::read(file, text)?;
    let loaded = Loaded {
        file: file.to_owned(),
        text: text.to_owned(),
        tree,
        seed,
    };
    check(&loaded, world)?;
    Ok(loaded)
}

fn check(l: &Loaded, world: &World) -> Result<(), SeedError> {
    let seed = &l.seed;
    if seed.keyhole_seed != VERSION {
        return Err(l.error(
            &[key("keyholeSeed")],
            format!(
                "keyholeSeed {} is not a version this keyhole reads (it reads {VERSION})",
                seed.keyhole_seed
            ),
        ));
    }
    if let Some(s) = &seed.settings {
        if let Some(a) = s.default_account.as_deref().filter(|a| !is_account_id(a)) {
            return Err(l.error(
                &[key("settings"), key("defaultAccount")],
                format!("defaultAccount {a:?} is not a 12-digit account id"),
            ));
        }
        if let Some(style) = s.deny_message_style.as_deref() {
            if DenyMessageStyle::from_name(style).is_none() {
                return Err(l.error(
                    &[key("settings"), key("denyMessageStyle")],
                    format!("denyMessageStyle {style:?} is neither \"arn\" nor \"legacy\""),
                ));
            }
        }
    }
    for (id, account) in &seed.accounts {
        let at = vec![key("accounts"), key(id)];
        if !is_account_id(id) {
            return Err(l.error(&at, format!("{id:?} is not a 12-digit account id")));
        }
        check_iam(l, &at, id, account, world)?;
        check_sessions(l, &at, id, account, world)?;
        check_regions(l, &at, id, account, world)?;
    }
    if let Some(org) = &seed.organization {
        check_organization(l, org)?;
    }
    Ok(())
}

fn check_iam(
    l: &Loaded,
    at: &[Seg],
    account: &str,
    entry: &AccountEntry,
    world: &World,
) -> Result<(), SeedError> {
    let Some(iam) = &entry.iam else {
        return Ok(());
    };
    // What the file makes, and what an earlier seed (or the world) already holds.
    let existing = world.accounts.get(account).map(|a| &a.iam);
    let mut groups: BTreeSet<&str> = iam.groups.iter().map(|g| g.name.as_str()).collect();
    groups.extend(
        existing
            .iter()
            .flat_map(|i| i.groups.values().map(|g| g.name.as_str())),
    );
    let mut policies: BTreeSet<String> = iam
        .policies
        .iter()
        .map(|p| {
            let path = p.path.as_deref().unwrap_or("/");
            format!("arn:aws:iam::{account}:policy{path}{}", p.name)
        })
        .collect();
    policies.extend(
        existing
            .iter()
            .flat_map(|i| i.policies.values().map(|p| p.arn.clone())),
    );
    let at = |rest: &[Seg]| [at, &[key("iam")], rest].concat();
    // A customer managed policy of this account that the file does not create.
    let unknown_policy = |arn: &str| {
        arn.starts_with(&format!("arn:aws:iam::{account}:policy/")) && !policies.contains(arn)
    };
    for (i, u) in iam.users.iter().enumerate() {
        for (j, g) in u.groups.iter().enumerate() {
            if !groups.contains(g.as_str()) {
                return Err(l.error(
                    &at(&[key("users"), Seg::Index(i), key("groups"), Seg::Index(j)]),
                    format!(
                        "user {} is put in group {g:?}, which neither this file nor the world has in account {account} (the groups: {}); add it to this account's iam.groups",
                        u.name,
                        names(groups.iter().copied())
                    ),
                ));
            }
        }
        let entity = [key("users"), Seg::Index(i)];
        check_managed(l, &at(&entity), &u.managed_policies, &unknown_policy)?;
        if let Some(b) = u
            .permissions_boundary
            .as_deref()
            .filter(|b| unknown_policy(b))
        {
            return Err(l.error(
                &at(&[key("users"), Seg::Index(i), key("permissionsBoundary")]),
                format!("permissionsBoundary {b} is not a policy this file creates"),
            ));
        }
    }
    for (i, p) in iam.policies.iter().enumerate() {
        let default = p.default_version_id.as_deref().unwrap_or("v1");
        let mut seen = BTreeSet::from([default]);
        let ids = std::iter::once((default, at(&[key("policies"), Seg::Index(i)]))).chain(
            p.other_versions.iter().enumerate().map(|(j, v)| {
                let here = [
                    key("policies"),
                    Seg::Index(i),
                    key("otherVersions"),
                    Seg::Index(j),
                ];
                (
                    v.version_id.as_str(),
                    at(&[&here[..], &[key("versionId")]].concat()),
                )
            }),
        );
        for (j, (id, here)) in ids.enumerate() {
            let number = id.strip_prefix('v').filter(|n| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
            });
            if number.is_none() {
                return Err(l.error(
                    &here,
                    format!("policy {} version id {id:?} is not v and a number (v1, v2, ...), as IAM numbers versions", p.name),
                ));
            }
            if j > 0 && !seen.insert(id) {
                return Err(l.error(
                    &here,
                    format!(
                        "policy {} has version {id} twice (the default version is {default})",
                        p.name
                    ),
                ));
            }
        }
    }
    for (i, g) in iam.groups.iter().enumerate() {
        check_managed(
            l,
            &at(&[key("groups"), Seg::Index(i)]),
            &g.managed_policies,
            &unknown_policy,
        )?;
    }
    for (i, r) in iam.roles.iter().enumerate() {
        let entity = [key("roles"), Seg::Index(i)];
        check_managed(l, &at(&entity), &r.managed_policies, &unknown_policy)?;
        if let Some(b) = r
            .permissions_boundary
            .as_deref()
            .filter(|b| unknown_policy(b))
        {
            return Err(l.error(
                &at(&[key("roles"), Seg::Index(i), key("permissionsBoundary")]),
                format!("permissionsBoundary {b} is not a policy this file creates"),
            ));
        }
    }
    Ok(())
}

fn check_managed(
    l: &Loaded,
    at: &[Seg],
    arns: &[String],
    unknown: &dyn Fn(&str) -> bool,
) -> Result<(), SeedError> {
    for (k, arn) in arns.iter().enumerate() {
        if unknown(arn) {
            return Err(l.error(
                &[at, &[key("managedPolicies"), Seg::Index(k)]].concat(),
                format!("managed policy {arn} is not a policy this file creates"),
            ));
        }
    }
    Ok(())
}

fn check_regions(
    l: &Loaded,
    at: &[Seg],
    account: &str,
    entry: &AccountEntry,
    world: &World,
) -> Result<(), SeedError> {
    for (region, r) in &entry.regions {
        let at = [at, &[key("regions"), key(region)]].concat();
        let in_world = world
            .accounts
            .get(account)
            .and_then(|a| a.regions.get(region));
        let mut keys = BTreeSet::new();
        if let Some(kms) = &r.kms {
            for (i, k) in kms.keys.iter().enumerate() {
                let at_key = [&at[..], &[key("kms"), key("keys"), Seg::Index(i)]].concat();
                if !is_key_id(&k.key_id) {
                    return Err(l.error(
                        &[&at_key[..], &[key("keyId")]].concat(),
                        format!(
                            "keyId {:?} is neither a UUID nor mrk- and 32 hex digits",
                            k.key_id
                        ),
                    ));
                }
                if !keys.insert(k.key_id.as_str()) {
                    return Err(l.error(
                        &[&at_key[..], &[key("keyId")]].concat(),
                        format!("key {} is described twice", k.key_id),
                    ));
                }
                check_key_life(l, &at_key, account, region, entry, k, world)?;
                let current = k.material.iter().filter(|m| m.current).count();
                if !k.material.is_empty() && current != 1 {
                    return Err(l.error(
                        &[&at_key[..], &[key("material")]].concat(),
                        format!("{current} material versions are current: exactly one must be"),
                    ));
                }
            }
            let known = |id: &str| {
                keys.contains(id) || in_world.is_some_and(|s| s.kms.keys.contains_key(id))
            };
            for (i, a) in kms.aliases.iter().enumerate() {
                if !known(&a.target_key_id) {
                    return Err(l.error(
                        &[&at[..], &[key("kms"), key("aliases"), Seg::Index(i), key("targetKeyId")]]
                            .concat(),
                        format!(
                            "alias {} points at key {}, which is neither in this file nor in the world (account {account}, {region}); describe the key in this Region's kms.keys, or point the alias at one of {}",
                            a.name, a.target_key_id, names(keys.iter().copied())
                        ),
                    ));
                }
            }
        }
        if let Some(backup) = &r.backup {
            check_plans(l, &at, backup, in_world)?;
            for (i, v) in backup.vaults.iter().enumerate() {
                let Some(arn) = &v.encryption_key_arn else {
                    continue;
                };
                let known = match arn.rsplit_once(":key/") {
                    Some((prefix, id)) if prefix.ends_with(&format!(":kms:{region}:{account}")) => {
                        keys.contains(id) || in_world.is_some_and(|s| s.kms.keys.contains_key(id))
                    }
                    // Another account's or Region's key: KMS answers for it when the vault is made.
                    _ => true,
                };
                if !known {
                    return Err(l.error(
                        &[&at[..], &[key("backup"), key("vaults"), Seg::Index(i), key("encryptionKeyArn")]]
                            .concat(),
                        format!(
                            "vault {} is encrypted with {arn}, a key neither in this file nor in the world; describe it in this Region's kms.keys, or leave encryptionKeyArn out to use the account's aws/backup key",
                            v.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Places one account in the organization, refusing a second place.
type Placer<'a> = dyn FnMut(&str, Vec<Seg>) -> Result<(), SeedError> + 'a;

fn check_organization(l: &Loaded, org: &OrganizationSeed) -> Result<(), SeedError> {
    let at = |rest: &[Seg]| [&[key("organization")][..], rest].concat();
    if !is_account_id(&org.management_account) {
        return Err(l.error(
            &at(&[key("managementAccount")]),
            format!("{:?} is not a 12-digit account id", org.management_account),
        ));
    }
    // Every node a policy may be attached to: the root, the OUs, the accounts.
    let mut targets: BTreeSet<String> = ["root".to_owned()].into();
    targets.extend(org.root_id.clone());
    targets.insert(org.management_account.clone());
    let mut members = BTreeSet::new();
    let mut member = |id: &str, at: Vec<Seg>| -> Result<(), SeedError> {
        if !is_account_id(id) {
            return Err(l.error(&at, format!("{id:?} is not a 12-digit account id")));
        }
        if !members.insert(id.to_owned()) || id == org.management_account {
            return Err(l.error(
                &at,
                format!("account {id} is placed in the organization twice"),
            ));
        }
        Ok(())
    };
    for (i, a) in org.accounts.iter().enumerate() {
        member(a, at(&[key("accounts"), Seg::Index(i)]))?;
    }
    fn walk(
        units: &[UnitSeed],
        at: Vec<Seg>,
        targets: &mut BTreeSet<String>,
        member: &mut Placer<'_>,
    ) -> Result<(), SeedError> {
        for (i, u) in units.iter().enumerate() {
            let here = [&at[..], &[key("units"), Seg::Index(i)]].concat();
            targets.insert(u.name.clone());
            targets.extend(u.id.clone());
            for (j, a) in u.accounts.iter().enumerate() {
                member(a, [&here[..], &[key("accounts"), Seg::Index(j)]].concat())?;
            }
            walk(&u.units, here, targets, member)?;
        }
        Ok(())
    }
    walk(&org.units, at(&[]), &mut targets, &mut member)?;
    targets.extend(members);
    let mut policies: BTreeSet<&str> = BTreeSet::new();
    for p in &org.policies {
        policies.insert(&p.name);
        if let Some(id) = &p.id {
            policies.insert(id);
        }
    }
    for (i, a) in org.attachments.iter().flatten().enumerate() {
        let here = at(&[key("attachments"), Seg::Index(i)]);
        let aws_managed =
            crate::services::organizations::state::managed_policy(&a.policy).is_some();
        if !policies.contains(a.policy.as_str()) && !aws_managed {
            return Err(l.error(
                &[&here[..], &[key("policy")]].concat(),
                format!(
                    "policy {:?} is neither a policy of this file ({}) nor an AWS managed policy",
                    a.policy,
                    names(policies.iter().copied())
                ),
            ));
        }
        if !targets.contains(&a.target) {
            return Err(l.error(
                &[&here[..], &[key("target")]].concat(),
                format!(
                    "target {:?} is not \"root\", an OU of this file or a member account (the targets: {})",
                    a.target,
                    names(targets.iter().map(String::as_str))
                ),
            ));
        }
    }
    Ok(())
}

/// `a, b, c`, or `none`.
fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = items.collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

/// A KMS key id: a UUID, or `mrk-` and 32 lowercase hex digits.
pub fn is_key_id(id: &str) -> bool {
    match id.strip_prefix("mrk-") {
        Some(hex) => hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => uuid::Uuid::parse_str(id).is_ok_and(|u| u.hyphenated().to_string() == id),
    }
}

/// A key's replica, rotations and deletion: a replica names a primary of the file or the
/// world and takes its spec and material from it; a rotation names one of the key's
/// material versions.
fn check_key_life(
    l: &Loaded,
    at: &[Seg],
    account: &str,
    region: &str,
    entry: &AccountEntry,
    k: &super::format::KeySeed,
    world: &World,
) -> Result<(), SeedError> {
    let here = |member: &str| [at, &[key(member)]].concat();
    let mut material: Vec<&str> = k.material.iter().map(|m| m.id.as_str()).collect();
    if let Some(primary) = &k.primary_region {
        if !k.key_id.starts_with("mrk-") || primary == region {
            return Err(l.error(
                &here("primaryRegion"),
                format!(
                    "key {} is a replica of a key in {primary}: a replica has a multi-Region key id (mrk-...) and lives in another Region than its primary",
                    k.key_id
                ),
            ));
        }
        let in_file = entry
            .regions
            .get(primary)
            .and_then(|r| r.kms.as_ref())
            .and_then(|kms| {
                kms.keys
                    .iter()
                    .find(|p| p.key_id == k.key_id && p.primary_region.is_none())
            });
        let in_world = world
            .accounts
            .get(account)
            .and_then(|a| a.regions.get(primary))
            .is_some_and(|r| r.kms.keys.contains_key(&k.key_id));
        if in_file.is_none() && !in_world {
            return Err(l.error(
                &here("primaryRegion"),
                format!(
                    "key {} in {region} is a replica of the key with that id in {primary}, which is neither in this file nor in the world (account {account}); describe the primary in regions.{primary}.kms.keys, or correct primaryRegion",
                    k.key_id
                ),
            ));
        }
        for (member, given) in [
            ("keySpec", k.key_spec.is_some()),
            ("keyUsage", k.key_usage.is_some()),
            ("material", !k.material.is_empty()),
            ("rotationPeriodDays", k.rotation_period_days.is_some()),
        ] {
            if given {
                return Err(l.error(
                    &here(member),
                    format!(
                        "key {} is a replica: its {member} is its primary's in {primary}; set it there",
                        k.key_id
                    ),
                ));
            }
        }
        material = in_file
            .map(|p| p.material.iter().map(|m| m.id.as_str()).collect())
            .unwrap_or_default();
        if in_file.is_none() {
            // The primary is in the world: its material is what KMS copies.
            return Ok(());
        }
    }
    for (i, r) in k.rotations.iter().enumerate() {
        if !material.contains(&r.key_material_id.as_str()) {
            return Err(l.error(
                &[at, &[key("rotations"), Seg::Index(i), key("keyMaterialId")]].concat(),
                format!(
                    "rotation {i} of key {} made material {}, which is not one of the key's material versions ({}); list that version in the key's material",
                    k.key_id,
                    r.key_material_id,
                    names(material.iter().copied())
                ),
            ));
        }
    }
    Ok(())
}

/// Every vault a plan's rule backs up to exists: in this file, in the world, or `Default`
/// (which AWS Backup makes when a rule names it).
fn check_plans(
    l: &Loaded,
    at: &[Seg],
    backup: &super::format::BackupRegionSeed,
    in_world: Option<&crate::world::RegionState>,
) -> Result<(), SeedError> {
    for (i, p) in backup.plans.iter().enumerate() {
        let at_plan = [at, &[key("backup"), key("plans"), Seg::Index(i)]].concat();
        if p.versions.is_empty() {
            return Err(l.error(
                &[&at_plan[..], &[key("versions")]].concat(),
                "a plan has at least one version: the document CreateBackupPlan made",
            ));
        }
        for (j, v) in p.versions.iter().enumerate() {
            for (n, rule) in v.plan["Rules"].as_array().into_iter().flatten().enumerate() {
                let Some(vault) = rule["TargetBackupVaultName"].as_str() else {
                    continue;
                };
                let known = vault == "Default"
                    || backup.vaults.iter().any(|x| x.name == vault)
                    || in_world.is_some_and(|r| r.backup.vaults.contains_key(vault));
                if !known {
                    let here = [
                        &at_plan[..],
                        &[
                            key("versions"),
                            Seg::Index(j),
                            key("plan"),
                            key("Rules"),
                            Seg::Index(n),
                        ],
                        &[key("TargetBackupVaultName")],
                    ]
                    .concat();
                    return Err(l.error(
                        &here,
                        format!(
                            "rule {} backs up to vault {vault:?}, which neither this file nor the world has in this Region (the vaults: {}); add it to this Region's backup.vaults",
                            rule["RuleName"].as_str().unwrap_or_default(),
                            names(backup.vaults.iter().map(|x| x.name.as_str()))
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A session's role is one of the account's, in this file or the world.
fn check_sessions(
    l: &Loaded,
    at: &[Seg],
    account: &str,
    entry: &AccountEntry,
    world: &World,
) -> Result<(), SeedError> {
    let mut roles: BTreeSet<String> = entry
        .iam
        .iter()
        .flat_map(|i| i.roles.iter().map(|r| r.name.to_ascii_lowercase()))
        .collect();
    roles.extend(
        world
            .accounts
            .get(account)
            .into_iter()
            .flat_map(|a| a.iam.roles.values().map(|r| r.name.to_ascii_lowercase())),
    );
    for (i, s) in entry.sts_sessions.iter().enumerate() {
        if !roles.contains(&s.role_name.to_ascii_lowercase()) {
            return Err(l.error(
                &[at, &[key("stsSessions"), Seg::Index(i), key("roleName")]].concat(),
                format!(
                    "session {} is of role {}, which neither this file nor the world has in account {account}; add the role to this account's iam.roles",
                    s.session_name, s.role_name
                ),
            ));
        }
    }
    Ok(())
}
