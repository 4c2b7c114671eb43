//! The copy checks, one function each: given the job's [`CopyFacts`] and the world, pass
//! (with the decision record's note), not apply, or fail with AWS's StatusMessage. Their
//! order is the table in `copy/mod.rs`.

use super::super::resources::is_rds_family;
use super::super::roles::{role_caller, role_exists};
use super::super::settings::global_setting;
use super::super::state::MessageCategory::{AccessDenied, InvalidParameters};
use super::super::vaults::retention_ok;
use super::facts::CopyFacts;
use super::key_use::{copy_role_uses_destination_key, describe_key_use, use_key};
use super::messages::*;
use super::verdict::{Failure, Verdict};
use crate::authz::{Access, Environment, ResourcePolicyKind};
use crate::world::World;

/// The service principal a copy job's role must trust.
const BACKUP_PRINCIPAL: &str = "backup.amazonaws.com";

/// Check 1: both accounts are members of one organization.
pub fn organization(world: &World, f: &CopyFacts) -> Verdict {
    if !f.cross_account {
        return Verdict::NotApplicable;
    }
    if !crate::services::organizations::directory::same_organization(
        world,
        f.src_account,
        &f.dest_account,
    ) {
        return Verdict::fail(
            "organization: the accounts are not members of one organization",
            MSG_NOT_SAME_ORG,
            AccessDenied,
        );
    }
    Verdict::pass("organization: both accounts are in the same organization")
}

/// Check 2: the management account enabled cross-account backup.
pub fn global_settings(world: &World, f: &CopyFacts) -> Verdict {
    if !f.cross_account {
        return Verdict::NotApplicable;
    }
    let enabled = global_setting(world, f.src_account, "isCrossAccountBackupEnabled");
    if enabled.as_deref() != Some("true") {
        return Verdict::fail(
            "global settings: the management account has not set isCrossAccountBackupEnabled=true",
            MSG_CROSS_ACCOUNT_DISABLED,
            AccessDenied,
        );
    }
    Verdict::pass("global settings: isCrossAccountBackupEnabled=true")
}

/// Check 3: the destination vault exists.
pub fn destination_vault(_world: &World, f: &CopyFacts) -> Verdict {
    if f.dest_vault_found.is_none() {
        return Verdict::fail(
            "destination vault: does not exist",
            vault_missing(&f.dest_arn),
            InvalidParameters,
        );
    }
    Verdict::pass("destination vault exists")
}

/// Check 4: the resource type can be copied between these Regions and accounts: DynamoDB only
/// with advanced features, the RDS family not across Region and account in one job.
pub fn resource_type(world: &World, f: &CopyFacts) -> Verdict {
    let rtype = f.resource_type();
    let not_supported = || region_not_supported(f.src_region, &f.dest_region, rtype);
    if rtype == "DynamoDB" && !f.fully_managed && (f.cross_account || f.cross_region) {
        // Text inferred (no DynamoDB text found): the RDS pattern for the type.
        return Verdict::fail(
            "resource type: DynamoDB copies need advanced DynamoDB backup features (UpdateRegionSettings ResourceTypeManagementPreference)",
            not_supported(),
            InvalidParameters,
        );
    }
    if is_rds_family(rtype)
        && f.cross_account
        && f.cross_region
        && !world.backup.settings.allow_rds_cross_region_and_account
    {
        return Verdict::fail(
            "resource type: RDS-family copies cannot cross Region and account in one job (keyhole setting allowRdsCrossRegionAndAccount lifts this, as AWS did in Nov 2025)",
            not_supported(),
            InvalidParameters,
        );
    }
    Verdict::pass(format!("resource type {rtype} can be copied"))
}

/// Check 5: encryption rules of a type AWS Backup does not fully manage, across accounts: its
/// snapshot cannot be shared under an AWS managed key, nor copied into a vault under the
/// default Backup key.
pub fn encryption(_world: &World, f: &CopyFacts) -> Verdict {
    if f.cross_account && !f.fully_managed {
        let (source, vault, rtype) = (f.source, f.dest_vault(), f.resource_type());
        if source.aws_managed_key {
            let message = match rtype {
                "EC2" => Some(MSG_EC2_AWS_MANAGED),
                "EBS" => Some(MSG_EBS_DEFAULT_KEY),
                _ => None,
            };
            if let Some(message) = message {
                return Verdict::fail(
                    format!(
                        "encryption: the source is encrypted with the AWS managed key {}, which cannot be shared with another account",
                        source.encryption_key_arn
                    ),
                    message,
                    InvalidParameters,
                );
            }
        }
        if vault.aws_managed_key {
            return Verdict::fail(
                format!(
                    "encryption: the destination vault is encrypted with aws/backup ({}); {rtype} is not fully managed by AWS Backup",
                    vault.encryption_key_arn
                ),
                MSG_DEFAULT_KEY_VAULT,
                InvalidParameters,
            );
        }
    }
    Verdict::pass("encryption rules")
}

/// Check 6: the source key, as the destination account's service-linked role uses it.
pub fn source_key(world: &World, f: &CopyFacts) -> Verdict {
    let (source, copier) = (f.source, &f.copier);
    // A fully managed type's backup under an AWS managed vault key is re-encrypted by AWS
    // Backup itself; that key may be the source of a copy (seed: KCK).
    if f.fully_managed && source.aws_managed_key {
        return Verdict::pass(format!(
            "source key {} is the AWS managed vault key of a fully managed resource",
            source.encryption_key_arn
        ));
    }
    let key = &source.encryption_key_arn;
    match use_key(world, copier, key, f.key_use, f.src_region, f.now) {
        Err(e) => Verdict::fail(
            format!("source key {key} for {}: {e}", copier.arn()),
            source_key_message(f.resource_type(), key, &e.code),
            AccessDenied,
        ),
        Ok(()) => Verdict::pass(format!(
            "source key {key} usable by {} ({})",
            copier.arn(),
            describe_key_use(f.key_use)
        )),
    }
}

/// Check 7: the destination vault's access policy allows the copy role
/// backup:CopyIntoBackupVault (policy engine).
pub fn vault_access_policy(world: &World, f: &CopyFacts) -> Verdict {
    if !f.cross_account {
        return Verdict::NotApplicable;
    }
    let vault = f.dest_vault();
    let access = Access {
        action: "backup:CopyIntoBackupVault".into(),
        resource: Some(vault.arn.clone()),
        resource_account: Some(f.dest_account.clone()),
        resource_policy: vault
            .access_policy
            .clone()
            .map(|p| (ResourcePolicyKind::BackupVaultAccessPolicy, p)),
        ..Access::default()
    };
    let env = Environment {
        region: f.dest_region.clone(),
        now: f.now,
        called_via: vec![BACKUP_PRINCIPAL.into()],
    };
    let principal = role_caller(world, &f.job.iam_role_arn);
    let decision = crate::authz::decide(world, &principal, &env, &access);
    let explanation = decision.explain().trim_end().replace('\n', " | ");
    if !decision.is_allowed() {
        return Verdict::fail(
            format!("destination vault access policy: {explanation}"),
            MSG_VAULT_POLICY,
            AccessDenied,
        );
    }
    Verdict::pass(format!("destination vault access policy: {explanation}"))
}

/// Check 8: the copy's retention fits the destination vault's lock.
pub fn vault_lock(_world: &World, f: &CopyFacts) -> Verdict {
    if !retention_ok(&f.dest_vault().lock, &f.lifecycle) {
        return Verdict::fail(
            "vault lock: the copy's retention is outside the destination vault's range",
            MSG_RETENTION,
            InvalidParameters,
        );
    }
    Verdict::pass("vault lock retention")
}

/// Check 9: the job's IAM role exists and its trust policy lets AWS Backup assume it (authz).
pub fn iam_role(world: &World, f: &CopyFacts) -> Verdict {
    let role = &f.job.iam_role_arn;
    if !role_exists(world, role) {
        return Verdict::fail(
            format!("IAM role {role} does not exist"),
            role_missing(role),
            AccessDenied,
        );
    }
    if !crate::authz::service_may_assume(world, role, BACKUP_PRINCIPAL).is_allowed() {
        return Verdict::fail(
            format!("IAM role {role}: its trust policy does not let {BACKUP_PRINCIPAL} assume it"),
            role_untrusted(role),
            AccessDenied,
        );
    }
    Verdict::pass("IAM role exists and trusts backup.amazonaws.com")
}

/// Check 10: the destination vault key: usable by the destination's service-linked role, and by
/// the copy role.
pub fn destination_key(world: &World, f: &CopyFacts) -> Verdict {
    let vault = f.dest_vault();
    let key = &vault.encryption_key_arn;
    // An AWS owned key (a logically air-gapped vault's default) is AWS Backup's own.
    let by_copier = if key.is_empty() {
        Ok(())
    } else {
        use_key(world, &f.copier, key, f.key_use, &f.dest_region, f.now)
    };
    if let Err(e) = by_copier {
        return Verdict::fail(
            format!("destination key {key}: {e}"),
            destination_key_message(&e.code),
            AccessDenied,
        );
    }
    // No StatusMessage is documented for a copy role without rights on the destination key
    // (none found in the devguide, KC or issues): the destination key's KMS text, inferred.
    let role = &f.job.iam_role_arn;
    if let Err(e) = copy_role_uses_destination_key(world, role, vault, f.now) {
        return Verdict::fail(
            format!("destination key {key} for the copy role {role}: {e}"),
            destination_key_message(&e.code),
            AccessDenied,
        );
    }
    Verdict::pass("destination key usable by the service-linked role and the copy role")
}

/// Check 11: the source's tags are allowed by the destination's effective tag policy.
pub fn tags(world: &World, f: &CopyFacts) -> Verdict {
    let tag_pairs: Vec<(String, String)> = f.source_tags(world).into_iter().collect();
    if let Err(bad) = crate::services::organizations::tag_policy::check_tags(
        world,
        &f.dest_account,
        "backup:recovery-point",
        &tag_pairs,
    ) {
        return Verdict::fail(format!("tags: {bad}"), MSG_TAGS, InvalidParameters);
    }
    Verdict::pass("tags")
}

impl Verdict {
    fn pass(note: impl Into<String>) -> Verdict {
        Verdict::Pass(note.into())
    }

    fn fail(
        why: impl Into<String>,
        message: impl Into<String>,
        category: super::super::state::MessageCategory,
    ) -> Verdict {
        Verdict::Fail(Failure {
            why: why.into(),
            message: message.into(),
            category,
        })
    }
}
