//! AWS-managed keys (`alias/aws/<service>`): created on first use with the key policy AWS
//! gives them, which lets principals of the account use the key only through the service
//! (kms:ViaService, kms:CallerAccount) and read its metadata directly.

use super::clock::DAY;
use super::crypto::{KeySpec, KeyUsage, KeyVersions};
use super::regions::{key_arn, kms_state, kms_state_mut};
use super::state::{Alias, Key, KeyState};
use crate::world::World;

/// One service that keeps an AWS-managed key.
struct ManagedService {
    /// The alias suffix: `alias/aws/<alias>`.
    alias: &'static str,
    /// The service's name in the policy's Sid.
    display: &'static str,
    /// The endpoint prefix of kms:ViaService.
    via: &'static str,
    /// The policy's Id.
    policy_id: &'static str,
    actions: &'static [&'static str],
}

const STANDARD_ACTIONS: &[&str] = &[
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:CreateGrant",
    "kms:DescribeKey",
];

const RDS_ACTIONS: &[&str] = &[
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:DescribeKey",
];

const SERVICES: &[ManagedService] = &[
    ManagedService {
        alias: "backup",
        display: "AWS Backup",
        via: "backup",
        policy_id: "auto-backup-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "ebs",
        display: "EBS",
        via: "ec2",
        policy_id: "auto-ebs-2",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "rds",
        display: "RDS",
        via: "rds",
        policy_id: "auto-rds-2",
        actions: RDS_ACTIONS,
    },
    ManagedService {
        alias: "dynamodb",
        display: "Amazon DynamoDB",
        via: "dynamodb",
        policy_id: "auto-dynamodb-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "elasticfilesystem",
        display: "Amazon Elastic File System",
        via: "elasticfilesystem",
        policy_id: "auto-elasticfilesystem-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "s3",
        display: "S3",
        via: "s3",
        policy_id: "auto-s3-2",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "lambda",
        display: "AWS Lambda",
        via: "lambda",
        policy_id: "auto-lambda-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "secretsmanager",
        display: "AWS Secrets Manager",
        via: "secretsmanager",
        policy_id: "auto-secretsmanager-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "ssm",
        display: "AWS Systems Manager",
        via: "ssm",
        policy_id: "auto-ssm-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "sns",
        display: "Amazon SNS",
        via: "sns",
        policy_id: "auto-sns-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "sqs",
        display: "Amazon SQS",
        via: "sqs",
        policy_id: "auto-sqs-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "fsx",
        display: "Amazon FSx",
        via: "fsx",
        policy_id: "auto-fsx-1",
        actions: STANDARD_ACTIONS,
    },
    ManagedService {
        alias: "redshift",
        display: "Amazon Redshift",
        via: "redshift",
        policy_id: "auto-redshift-1",
        actions: STANDARD_ACTIONS,
    },
];

fn service(alias: &str) -> Option<&'static ManagedService> {
    SERVICES.iter().find(|s| s.alias == alias)
}

/// Whether `alias/aws/<name>` is an AWS-managed key keyhole knows how to create.
pub fn is_known_service(name: &str) -> bool {
    service(name).is_some()
}

fn quoted_list(items: &[&str]) -> String {
    let inner: Vec<String> = items.iter().map(|a| format!("\"{a}\"")).collect();
    format!("[ {} ]", inner.join(", "))
}

/// The key policy AWS gives the managed key of `svc`, pretty-printed as GetKeyPolicy
/// shows it.
fn managed_policy(
    policy_id: &str,
    display: &str,
    via: &str,
    actions: &[&str],
    account: &str,
    region: &str,
) -> String {
    format!(
        "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"{policy_id}\",\n  \"Statement\" : [ {{\n    \"Sid\" : \"Allow access through {display} for all principals in the account that are authorized to use {display}\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"*\"\n    }},\n    \"Action\" : {actions},\n    \"Resource\" : \"*\",\n    \"Condition\" : {{\n      \"StringEquals\" : {{\n        \"kms:CallerAccount\" : \"{account}\",\n        \"kms:ViaService\" : \"{via}.{region}.amazonaws.com\"\n      }}\n    }}\n  }}, {{\n    \"Sid\" : \"Allow direct access to key metadata to the account\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"{root}\"\n    }},\n    \"Action\" : [ \"kms:Describe*\", \"kms:Get*\", \"kms:List*\", \"kms:RevokeGrant\" ],\n    \"Resource\" : \"*\"\n  }} ]\n}}",
        actions = quoted_list(actions),
        root = crate::arn::root(crate::world::partition(region), account),
    )
}

/// The ARN of the AWS-managed key `alias/aws/<service>` of `account` in `region`, creating
/// it (with its alias and policy) on first use, as AWS does. Unknown services get a key
/// with the generic managed-key policy naming `<service>` as the calling service.
pub fn ensure_aws_managed_key(
    world: &mut World,
    account: &str,
    region: &str,
    service_name: &str,
    now: f64,
) -> String {
    let alias_name = format!("alias/aws/{service_name}");
    if let Some(state) = kms_state(world, account, region) {
        if let Some(alias) = state.aliases.get(&alias_name) {
            if state.keys.contains_key(&alias.target_key_id) {
                return key_arn(region, account, &alias.target_key_id);
            }
        }
    }
    let (policy_id, display, via) = match service(service_name) {
        Some(svc) => (svc.policy_id.to_owned(), svc.display, svc.via),
        None => (format!("auto-{service_name}-1"), service_name, service_name),
    };
    let actions = service(service_name).map_or(STANDARD_ACTIONS, |s| s.actions);
    let policy = managed_policy(&policy_id, display, via, actions, account, region);
    let key_id = uuid::Uuid::new_v4().to_string();
    let arn = key_arn(region, account, &key_id);
    // Generation of a symmetric key only fails if the OS random source does.
    let material = KeyVersions::generate(KeySpec::SymmetricDefault).unwrap_or_default();
    let description = format!(
        "Default key that protects my {} resources when no other key is defined",
        display
    );
    let key = Key {
        key_id: key_id.clone(),
        arn: arn.clone(),
        account: account.to_owned(),
        region: region.to_owned(),
        creation_date: now,
        description,
        key_spec: KeySpec::SymmetricDefault,
        key_usage: KeyUsage::EncryptDecrypt,
        origin: "AWS_KMS".into(),
        key_manager: "AWS".into(),
        state: KeyState::Enabled,
        deletion_date: None,
        pending_window_days: None,
        policy,
        tags: Vec::new(),
        multi_region: false,
        material,
        grants: Default::default(),
        // AWS rotates managed keys every year.
        rotation_period_days: Some(365),
        next_rotation: Some(now + 365.0 * DAY),
        rotations: Vec::new(),
        valid_to: None,
        expiration_model: None,
        custom_key_store_id: None,
        primary_region: None,
        replica_regions: Vec::new(),
        last_usage: None,
    };
    let state = kms_state_mut(world, account, region, now);
    state.keys.insert(key_id.clone(), key);
    state.aliases.insert(
        alias_name.clone(),
        Alias {
            name: alias_name,
            target_key_id: key_id.clone(),
            creation_date: now,
            last_updated_date: now,
        },
    );
    super::clock::schedule_key(world, account, region, &key_id);
    arn
}
