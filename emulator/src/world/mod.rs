//! The emulated world: accounts, regions, each service's state, the credentials keyhole has
//! issued, and the clock. The server keeps one `World` behind a mutex that is never held
//! across an `.await`; handlers take `&mut World` for the duration of one call.

pub mod iam;
pub mod identity;
pub mod timeline;
pub mod tracked;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use identity::{Caller, CallerKind, IssuedCredential};

/// Server-wide settings that travel with the state document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub default_account: String,
    pub default_region: String,
    /// Reject access keys keyhole did not issue (12-digit keys excepted).
    pub strict_auth: bool,
    /// How AccessDenied messages for explicit denies are worded.
    #[serde(default)]
    pub deny_message_style: DenyMessageStyle,
}

/// `arn` (the default): AWS's wording since 2026, where an explicit deny by an SCP, RCP,
/// permissions boundary, session policy or identity-based policy ends with `: <policy-arn>`
/// for same-account and same-organization requests (AWS Security Blog, "Enhanced access
/// denied error messages with policy ARNs"). `legacy`: the wording before it, without the ARN,
/// for tests written against older AWS answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DenyMessageStyle {
    #[default]
    Arn,
    Legacy,
}

impl DenyMessageStyle {
    pub fn from_name(name: &str) -> Option<DenyMessageStyle> {
        match name {
            "arn" => Some(DenyMessageStyle::Arn),
            "legacy" => Some(DenyMessageStyle::Legacy),
            _ => None,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_account: "000000000000".into(),
            default_region: "us-east-1".into(),
            strict_auth: false,
            deny_message_style: DenyMessageStyle::Arn,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct World {
    pub settings: Settings,
    pub accounts: BTreeMap<String, Account>,
    /// Access keys keyhole issued, by access key id.
    #[serde(default)]
    pub credentials: tracked::Tracked<IssuedCredential>,
    /// AWS Organizations: global, not per account or region.
    #[serde(default)]
    pub organizations: crate::services::organizations::state::OrganizationsState,
    /// AWS Backup's world-wide part: global settings, declared resources, job settings.
    #[serde(default)]
    pub backup: crate::services::backup::state::BackupWorld,
    /// Every future event, by due time: derived from the rest, rebuilt on load.
    #[serde(skip)]
    pub timeline: timeline::Timeline,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    /// Epoch seconds of first use.
    pub created: f64,
    #[serde(default)]
    pub regions: BTreeMap<String, RegionState>,
    /// IAM is global: one state per account (users, roles, policies, STS sessions).
    #[serde(default)]
    pub iam: iam::state::IamState,
}

/// Per-account, per-region state of the regional services.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RegionState {
    /// AWS KMS: keys, aliases, grants.
    #[serde(default)]
    pub kms: crate::services::kms::state::KmsState,
    #[serde(default)]
    pub backup: crate::services::backup::state::BackupState,
}

impl World {
    pub fn new(settings: Settings) -> World {
        World {
            settings,
            ..World::default()
        }
    }

    /// Empties the world but keeps its settings.
    pub fn reset(&mut self) {
        *self = World::new(self.settings.clone());
    }

    /// The account, created on first use as AWS accounts "exist" for keyhole's callers.
    pub fn account_mut(&mut self, id: &str, now: f64) -> &mut Account {
        self.accounts
            .entry(id.to_owned())
            .or_insert_with(|| Account {
                id: id.to_owned(),
                created: now,
                regions: BTreeMap::new(),
                iam: Default::default(),
            })
    }

    pub fn region_mut(&mut self, account: &str, region: &str, now: f64) -> &mut RegionState {
        self.account_mut(account, now)
            .regions
            .entry(region.to_owned())
            .or_default()
    }
}

/// True for a string of exactly 12 ASCII digits: an AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The partition of a region, the second field of every ARN built in it. Regions of global
/// services (IAM, Organizations, STS) take the partition of the request's region.
///
/// From botocore's `data/partitions.json` (botocore 1.43.11): each partition's
/// `regionRegex`, e.g. `^cn\-\w+\-\d+$` for aws-cn and `^us\-isob\-\w+\-\d+$` for aws-iso-b;
/// the standard `aws` partition's (`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`) is the
/// fallback, for any region keyhole is asked about.
pub fn partition(region: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 7] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-iso-", "aws-iso"),
        ("us-isob-", "aws-iso-b"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isof-", "aws-iso-f"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

#[cfg(test)]
mod partition_tests {
    #[test]
    fn every_mapped_partition_is_one_policies_may_name() {
        for region in [
            "us-east-1",
            "cn-north-1",
            "us-gov-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "us-isof-south-1",
            "eusc-de-east-1",
        ] {
            let partition = super::partition(region);
            assert!(
                crate::policy::validate::PARTITIONS.contains(&partition),
                "{region} maps to {partition}"
            );
        }
    }

    #[test]
    fn regions_map_to_botocores_partitions() {
        for (region, partition) in [
            ("us-east-1", "aws"),
            ("eu-west-1", "aws"),
            ("ap-southeast-7", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-gov-east-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-iso-west-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            assert_eq!(super::partition(region), partition, "{region}");
        }
    }
}
