//! Client tests: keyhole driven by the official AWS SDK for Rust, the AWS CLI and boto3.
//! Each test starts its own emulator on a free port.

mod accessanalyzer;
mod backup;
mod backup_audit;
mod backup_common;
mod backup_failures;
mod backup_restore_testing;
mod backup_vault_kinds;
mod common;
mod console;
mod errors;
mod iam;
mod kms;
mod labs;
mod organizations;
mod organizations_ops;
mod scenario_sdk;
mod scenarios;
mod sts;
