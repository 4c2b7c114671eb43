//! What a copy job is decided on, gathered once before the checks run: the source
//! recovery point, the destination vault, which boundaries the copy crosses, the principals
//! it acts as; and the recovery point a copy that passes every check makes.

use std::collections::BTreeMap;

use super::super::lookup::{find_vault, parse_vault_arn, state};
use super::super::resources::{fully_managed, management_preferences, recovery_point_arn};
use super::super::roles::service_role_caller;
use super::super::state::{Job, Lifecycle, MessageCategory, RecoveryPoint, Vault};
use super::key_use::{key_use_for, CopyKeyUse};
use super::messages::MSG_FATAL;
use super::verdict::Failure;
use crate::world::{Caller, World};

/// A read-only view of the world as one copy job sees it.
pub struct CopyFacts<'w> {
    pub job: &'w Job,
    /// When the job settles, on keyhole's clock.
    pub now: f64,
    pub source: &'w RecoveryPoint,
    pub src_account: &'w str,
    pub src_region: &'w str,
    pub dest_arn: String,
    pub dest_region: String,
    pub dest_account: String,
    pub dest_name: String,
    /// `None` when the destination vault does not exist: check 3 stops the copy then, so
    /// the checks after it read [`CopyFacts::dest_vault`].
    pub dest_vault_found: Option<&'w Vault>,
    pub cross_account: bool,
    pub cross_region: bool,
    /// AWS Backup fully manages the source's resource type (vault-key encryption).
    pub fully_managed: bool,
    /// The destination account's AWSServiceRoleForBackup, which uses the keys.
    pub copier: Caller,
    /// How the copier uses the source key and the destination vault key.
    pub key_use: CopyKeyUse,
    /// The job's lifecycle, else the source recovery point's.
    pub lifecycle: Option<Lifecycle>,
}

/// The empty vault the checks after check 3 would see if the table ran them without a
/// destination vault; the runner never does (check 3 fails first).
static NO_VAULT: std::sync::LazyLock<Vault> = std::sync::LazyLock::new(Vault::default);

impl<'w> CopyFacts<'w> {
    /// Gathers the facts of `job` settling at `now`; fails when the job names no recovery
    /// point or no vault ARN, with the decision record's reason.
    pub fn gather(world: &'w World, job: &'w Job, now: f64) -> Result<Self, Failure> {
        let fatal = |why: &str| Failure {
            why: why.to_owned(),
            message: MSG_FATAL.to_owned(),
            category: MessageCategory::InvalidParameters,
        };
        let (src_account, src_region) = (job.account.as_str(), job.region.as_str());
        let source = find_vault(world, src_account, src_region, &job.vault_name)
            .and_then(|v| v.recovery_points.get(&job.recovery_point_arn))
            .ok_or_else(|| fatal("source: the recovery point no longer exists"))?;
        let dest_arn = job.destination_vault_arn.clone().unwrap_or_default();
        let (dest_region, dest_account, dest_name) =
            parse_vault_arn(&dest_arn).ok_or_else(|| fatal("destination: not a vault ARN"))?;
        let prefs = management_preferences(world, src_account, src_region);
        let is_fully_managed = fully_managed(&source.resource_type, |t| {
            prefs.get(t).copied().unwrap_or(false)
        });
        Ok(CopyFacts {
            job,
            now,
            source,
            src_account,
            src_region,
            cross_account: dest_account != src_account,
            cross_region: dest_region != src_region,
            dest_vault_found: find_vault(world, &dest_account, &dest_region, &dest_name),
            fully_managed: is_fully_managed,
            copier: service_role_caller(
                world,
                crate::world::partition(&dest_region),
                &dest_account,
            ),
            key_use: key_use_for(&source.resource_type, is_fully_managed),
            lifecycle: job.lifecycle.clone().or_else(|| source.lifecycle.clone()),
            dest_arn,
            dest_region,
            dest_account,
            dest_name,
        })
    }

    /// The destination vault, for the checks after check 3.
    pub fn dest_vault(&self) -> &'w Vault {
        self.dest_vault_found.unwrap_or(&NO_VAULT)
    }

    /// The source recovery point's resource type.
    pub fn resource_type(&self) -> &'w str {
        &self.source.resource_type
    }

    /// The decision record's first line: what is copied, from where to where.
    pub fn summary(&self) -> String {
        format!(
            "copy {} from {}/{} to {}/{} ({}{})",
            self.source.arn,
            self.src_account,
            self.src_region,
            self.dest_account,
            self.dest_region,
            if self.cross_account {
                "cross-account"
            } else {
                "same account"
            },
            if self.cross_region {
                ", cross-Region"
            } else {
                ""
            }
        )
    }

    /// The source recovery point's tags, which the copy carries over.
    pub fn source_tags(&self, world: &World) -> BTreeMap<String, String> {
        state(world, self.src_account, self.src_region)
            .and_then(|st| st.tags.get(&self.source.arn).cloned())
            .unwrap_or_default()
    }

    /// The recovery point the copy makes in the destination vault.
    pub fn copied_recovery_point(&self) -> RecoveryPoint {
        let (source, vault, job) = (self.source, self.dest_vault(), self.job);
        RecoveryPoint {
            // Any type in a logically air-gapped vault is a `backup:` recovery point.
            arn: recovery_point_arn(
                &source.resource_type,
                self.fully_managed || vault.vault_type.is_some(),
                &self.dest_region,
                &self.dest_account,
            ),
            vault_name: vault.name.clone(),
            vault_arn: vault.arn.clone(),
            resource_arn: source.resource_arn.clone(),
            resource_type: source.resource_type.clone(),
            creation_date: source.creation_date,
            completion_date: self.now,
            encryption_key_arn: vault.encryption_key_arn.clone(),
            aws_managed_key: vault.aws_managed_key,
            iam_role_arn: job.iam_role_arn.clone(),
            lifecycle: self.lifecycle.clone(),
            status: "COMPLETED".into(),
            source_backup_vault_arn: Some(job.vault_arn.clone()),
            created_by: job.created_by.clone(),
            backup_size_in_bytes: source.backup_size_in_bytes,
            last_restore_time: None,
            ..RecoveryPoint::default()
        }
    }
}
