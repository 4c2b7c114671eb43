//! AWS-managed policies: the same in every account, under `arn:<partition>:iam::aws:policy/...`,
//! with AWS's documents (copied from moto's snapshot by `tools/extract_managed_policies.py`
//! into `emulator/data/managed-policies/`).

use std::sync::OnceLock;

use serde_json::Value;

use crate::protocol::query::parse_timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct AwsManagedPolicy {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub id: String,
    pub default_version_id: String,
    pub create_date: f64,
    pub update_date: f64,
    /// The default version's document, pretty-printed as AWS shows it.
    pub document: String,
}

const SOURCES: &[(&str, &str)] = &[
    (
        "AdministratorAccess",
        include_str!("../../../data/managed-policies/AdministratorAccess.json"),
    ),
    (
        "ReadOnlyAccess",
        include_str!("../../../data/managed-policies/ReadOnlyAccess.json"),
    ),
    (
        "IAMFullAccess",
        include_str!("../../../data/managed-policies/IAMFullAccess.json"),
    ),
    (
        "IAMReadOnlyAccess",
        include_str!("../../../data/managed-policies/IAMReadOnlyAccess.json"),
    ),
    (
        "AWSBackupServiceRolePolicyForBackup",
        include_str!("../../../data/managed-policies/AWSBackupServiceRolePolicyForBackup.json"),
    ),
    (
        "AWSBackupServiceRolePolicyForRestores",
        include_str!("../../../data/managed-policies/AWSBackupServiceRolePolicyForRestores.json"),
    ),
    (
        "AWSBackupServiceLinkedRolePolicyForBackup",
        include_str!(
            "../../../data/managed-policies/AWSBackupServiceLinkedRolePolicyForBackup.json"
        ),
    ),
    (
        "AWSBackupFullAccess",
        include_str!("../../../data/managed-policies/AWSBackupFullAccess.json"),
    ),
    (
        "AWSBackupOperatorAccess",
        include_str!("../../../data/managed-policies/AWSBackupOperatorAccess.json"),
    ),
    (
        "AWSBackupAuditAccess",
        include_str!("../../../data/managed-policies/AWSBackupAuditAccess.json"),
    ),
    (
        "AWSBackupOrganizationAdminAccess",
        include_str!("../../../data/managed-policies/AWSBackupOrganizationAdminAccess.json"),
    ),
    (
        "AWSBackupServiceRolePolicyForS3Backup",
        include_str!("../../../data/managed-policies/AWSBackupServiceRolePolicyForS3Backup.json"),
    ),
    (
        "AWSBackupServiceRolePolicyForS3Restore",
        include_str!("../../../data/managed-policies/AWSBackupServiceRolePolicyForS3Restore.json"),
    ),
    (
        "AWSServiceRolePolicyForBackupReports",
        include_str!("../../../data/managed-policies/AWSServiceRolePolicyForBackupReports.json"),
    ),
    (
        "AWSServiceRolePolicyForBackupRestoreTesting",
        include_str!(
            "../../../data/managed-policies/AWSServiceRolePolicyForBackupRestoreTesting.json"
        ),
    ),
    (
        "AWSKeyManagementServicePowerUser",
        include_str!("../../../data/managed-policies/AWSKeyManagementServicePowerUser.json"),
    ),
    (
        "AWSOrganizationsFullAccess",
        include_str!("../../../data/managed-policies/AWSOrganizationsFullAccess.json"),
    ),
    (
        "AWSOrganizationsReadOnlyAccess",
        include_str!("../../../data/managed-policies/AWSOrganizationsReadOnlyAccess.json"),
    ),
    (
        "IAMAuditRootUserCredentials",
        include_str!("../../../data/managed-policies/IAMAuditRootUserCredentials.json"),
    ),
    (
        "IAMCreateRootUserPassword",
        include_str!("../../../data/managed-policies/IAMCreateRootUserPassword.json"),
    ),
    (
        "IAMDeleteRootUserCredentials",
        include_str!("../../../data/managed-policies/IAMDeleteRootUserCredentials.json"),
    ),
    (
        "S3UnlockBucketPolicy",
        include_str!("../../../data/managed-policies/S3UnlockBucketPolicy.json"),
    ),
    (
        "SQSUnlockQueuePolicy",
        include_str!("../../../data/managed-policies/SQSUnlockQueuePolicy.json"),
    ),
];

/// Every AWS-managed policy keyhole knows, in name order.
pub fn all() -> &'static [AwsManagedPolicy] {
    static ALL: OnceLock<Vec<AwsManagedPolicy>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut policies: Vec<AwsManagedPolicy> = SOURCES
            .iter()
            .filter_map(|(name, text)| parse(name, text))
            .collect();
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        policies
    })
}

/// By ARN in any partition (`arn:aws-cn:iam::aws:policy/...` names the same policy).
pub fn find(arn: &str) -> Option<&'static AwsManagedPolicy> {
    let (partition, rest) = arn.strip_prefix("arn:")?.split_once(':')?;
    let path_and_name = rest.strip_prefix("iam::aws:policy")?;
    all().iter().find(|p| {
        !partition.is_empty()
            && path_and_name.strip_prefix(p.path.as_str()) == Some(p.name.as_str())
    })
}

impl AwsManagedPolicy {
    /// Its ARN in `partition`: `arn:aws-cn:iam::aws:policy/...` in the China regions.
    pub fn arn_in(&self, partition: &str) -> String {
        crate::arn::global(
            partition,
            "iam",
            "aws",
            &format!("policy{}{}", self.path, self.name),
        )
    }
}

pub fn find_by_name(name: &str) -> Option<&'static AwsManagedPolicy> {
    all().iter().find(|p| p.name == name)
}

fn parse(name: &str, text: &str) -> Option<AwsManagedPolicy> {
    let raw: Value = serde_json::from_str(text).ok()?;
    let path = raw["path"].as_str()?.to_owned();
    let date = |key: &str| raw[key].as_str().and_then(parse_timestamp).unwrap_or(0.0);
    Some(AwsManagedPolicy {
        arn: crate::arn::global(
            crate::arn::DEFAULT_PARTITION,
            "iam",
            "aws",
            &format!("policy{path}{name}"),
        ),
        id: super::ids::stable_id("ANPA", name),
        name: name.to_owned(),
        path,
        default_version_id: raw["defaultVersionId"].as_str()?.to_owned(),
        create_date: date("createDate"),
        update_date: date("updateDate"),
        document: serde_json::to_string_pretty(&raw["document"]).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aws_managed_policy_is_found_by_its_arn_in_any_partition() {
        let admin = find("arn:aws-cn:iam::aws:policy/AdministratorAccess").unwrap();
        assert_eq!(admin.name, "AdministratorAccess");
        assert_eq!(
            admin.arn_in("aws-us-gov"),
            "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"
        );
        assert!(find("arn::iam::aws:policy/AdministratorAccess").is_none());
        assert!(find("arn:aws-cn:iam::aws:policy/Administrator").is_none());
    }

    #[test]
    fn every_shipped_policy_parses_with_its_arn() {
        assert_eq!(all().len(), SOURCES.len());
        let slr = find(
            "arn:aws:iam::aws:policy/aws-service-role/AWSBackupServiceLinkedRolePolicyForBackup",
        );
        assert!(slr.is_some_and(|p| p.document.contains("Statement")));
        let admin = find("arn:aws:iam::aws:policy/AdministratorAccess");
        assert_eq!(admin.map(|p| p.default_version_id.as_str()), Some("v1"));
        assert!(find_by_name("AWSBackupServiceRolePolicyForBackup")
            .is_some_and(|p| p.arn
                == "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"));
    }
}
