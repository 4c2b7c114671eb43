//! Resource types AWS Backup protects (backup-resources.md §1): the type an ARN names,
//! whether Backup fully manages it (vault-key encryption), the recovery point ARN format,
//! and which AWS managed key an undeclared resource is encrypted with.

use std::collections::BTreeMap;

use super::state;
use crate::world::World;

/// Every type GetSupportedResourceTypes lists.
pub const SUPPORTED_TYPES: &[&str] = &[
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "EKS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "Redshift Serverless",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
];

/// The resource type an ARN names, `None` when Backup does not protect it.
pub fn type_of_arn(arn: &str) -> Option<&'static str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [head, _, service, _, _, resource] = parts[..] else {
        return None;
    };
    if head != "arn" {
        return None;
    }
    let kind = resource.split(['/', ':']).next().unwrap_or("");
    Some(match (service, kind) {
        ("ec2", "instance") => "EC2",
        ("ec2", "volume") => "EBS",
        ("rds", "db") => "RDS",
        ("rds", "cluster") => "Aurora",
        ("dynamodb", "table") => "DynamoDB",
        ("elasticfilesystem", "file-system") => "EFS",
        ("fsx", "file-system" | "volume") => "FSx",
        ("s3", _) if !resource.is_empty() => "S3",
        ("storagegateway", "gateway") => "Storage Gateway",
        ("redshift", "cluster") => "Redshift",
        ("redshift-serverless", "namespace") => "Redshift Serverless",
        ("timestream", "database") => "Timestream",
        ("ssm-sap", _) => "SAP HANA on Amazon EC2",
        ("backup-gateway", "vm") => "VirtualMachine",
        ("cloudformation", "stack") => "CloudFormation",
        ("eks", "cluster") => "EKS",
        _ => return None,
    })
}

/// The resource's type: declared, else read from its ARN.
pub fn resource_type(world: &World, arn: &str) -> Option<String> {
    if let Some(t) = world
        .backup
        .resources
        .get(arn)
        .and_then(|r| r.resource_type.clone())
    {
        return Some(t);
    }
    type_of_arn(arn).map(str::to_owned)
}

/// The RDS family: snapshots with RDS's own copy rules.
pub fn is_rds_family(resource_type: &str) -> bool {
    matches!(resource_type, "RDS" | "Aurora" | "DocumentDB" | "Neptune")
}

/// Full AWS Backup management: the backup is encrypted with the vault's key and lives as a
/// `backup:` recovery point. DynamoDB and EFS follow the Region's management preference.
pub fn fully_managed(resource_type: &str, advanced: impl Fn(&str) -> bool) -> bool {
    match resource_type {
        "DynamoDB" => advanced("DynamoDB"),
        "EFS"
        | "S3"
        | "Timestream"
        | "SAP HANA on Amazon EC2"
        | "VirtualMachine"
        | "CloudFormation"
        | "EKS" => true,
        _ => false,
    }
}

/// The action the backup role performs on the resource to back it up (the actions of
/// AWSBackupServiceRolePolicyForBackup); `None` where keyhole does not check one.
pub fn backup_action(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "EBS" => "ec2:CreateSnapshot",
        "EC2" => "ec2:CreateImage",
        "RDS" => "rds:CreateDBSnapshot",
        "Aurora" | "DocumentDB" | "Neptune" => "rds:CreateDBClusterSnapshot",
        "DynamoDB" => "dynamodb:CreateBackup",
        "EFS" => "elasticfilesystem:Backup",
        "FSx" => "fsx:CreateBackup",
        "Redshift" => "redshift:CreateClusterSnapshot",
        "Redshift Serverless" => "redshift-serverless:CreateSnapshot",
        "Timestream" => "timestream:StartAwsBackupJob",
        _ => return None,
    })
}

/// The service of an undeclared resource's AWS managed key (`aws/<service>`).
pub fn managed_key_service(resource_type: &str) -> &'static str {
    match resource_type {
        "EC2" | "EBS" => "ebs",
        "RDS" | "Aurora" | "DocumentDB" | "Neptune" => "rds",
        "DynamoDB" => "dynamodb",
        "EFS" => "elasticfilesystem",
        "FSx" => "fsx",
        "S3" => "s3",
        "Timestream" => "timestream",
        "Redshift" | "Redshift Serverless" => "redshift",
        _ => "backup",
    }
}

/// A new recovery point's ARN in the type's format (backup-resources.md §1 notes).
pub fn recovery_point_arn(resource_type: &str, fm: bool, region: &str, account: &str) -> String {
    let uuid = uuid::Uuid::new_v4();
    let partition = crate::world::partition(region);
    let hex17 = || uuid.simple().to_string()[..17].to_owned();
    if fm {
        return format!(
            "arn:{partition}:backup:{region}:{account}:recovery-point:{}",
            uuid.to_string().to_uppercase()
        );
    }
    match resource_type {
        "EBS" | "Storage Gateway" => {
            format!("arn:{partition}:ec2:{region}::snapshot/snap-{}", hex17())
        }
        "EC2" => format!("arn:{partition}:ec2:{region}::image/ami-{}", hex17()),
        "RDS" => format!("arn:{partition}:rds:{region}:{account}:snapshot:awsbackup:job-{uuid}"),
        "Aurora" | "DocumentDB" | "Neptune" => {
            format!("arn:{partition}:rds:{region}:{account}:cluster-snapshot:awsbackup:job-{uuid}")
        }
        "FSx" => format!(
            "arn:{partition}:fsx:{region}:{account}:backup/backup-{}",
            hex17()
        ),
        "DynamoDB" => format!(
            "arn:{partition}:dynamodb:{region}:{account}:table/backup/backup/{}",
            &uuid.simple().to_string()[..24]
        ),
        "Redshift" | "Redshift Serverless" => {
            format!("arn:{partition}:redshift:{region}:{account}:snapshot:resource/awsbackup:job-{uuid}")
        }
        _ => format!(
            "arn:{partition}:backup:{region}:{account}:recovery-point:{}",
            uuid.to_string().to_uppercase()
        ),
    }
}

/// The resource's name as AWS Backup shows it (the last ARN segment).
pub fn resource_name(arn: &str) -> String {
    arn.rsplit(['/', ':']).next().unwrap_or(arn).to_owned()
}

/// The Region's ResourceTypeManagementPreference: which types get advanced features
/// (full AWS Backup management).
pub fn management_preferences(
    world: &World,
    account: &str,
    region: &str,
) -> BTreeMap<String, bool> {
    super::lookup::state(world, account, region)
        .map(|st| st.region_settings.management.clone())
        .unwrap_or_else(|| state::RegionSettings::default().management)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_follow_the_arn() {
        assert_eq!(
            type_of_arn("arn:aws:ec2:us-east-1:111111111111:volume/vol-1"),
            Some("EBS")
        );
        assert_eq!(
            type_of_arn("arn:aws:rds:us-east-1:111111111111:db:main"),
            Some("RDS")
        );
        assert_eq!(type_of_arn("arn:aws:s3:::bucket"), Some("S3"));
        assert_eq!(
            type_of_arn("arn:aws:ec2:us-east-1::snapshot/snap-1"),
            None,
            "a snapshot is not a protected resource"
        );
        assert_eq!(type_of_arn("nonsense"), None);
    }
}
