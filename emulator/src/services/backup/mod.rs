//! AWS Backup (restJson1), every operation of the model: vaults and their policies,
//! notifications and locks, air-gapped and restore-access vaults ([`airgap`]); backup, copy,
//! restore and scan jobs with recovery points and their indexes; plans, selections and
//! legal holds; Audit Manager frameworks, report plans and reports ([`audit`], [`reports`]);
//! restore testing; tiering; global and Region settings. Jobs settle on keyhole's clock
//! ([`engine`]); cross-account copies are decided by the table of checks in [`copy`], which
//! asks the policy engine and KMS and fails a job with AWS's own StatusMessage
//! (reference/errors.md §1). Scheduled rules run on keyhole's clock ([`schedule`]).

pub mod admin;
pub mod airgap;
pub mod audit;
pub(crate) mod authorize;
mod clock;
pub mod copy;
pub mod copy_jobs;
pub mod cron;
mod due;
pub mod engine;
pub(crate) mod errors;
pub mod indexes;
pub(crate) mod input;
pub mod jobs;
pub mod legal_holds;
pub(crate) mod lifecycle;
pub(crate) mod lookup;
pub(crate) mod paging;
pub mod plan_runs;
pub mod plan_selections;
pub mod plans;
pub mod protected_resources;
pub mod recovery_points;
pub mod report_plans;
pub mod reports;
pub mod resources;
pub mod restore_jobs;
pub mod restore_testing;
pub mod roles;
pub mod scans;
pub mod schedule;
pub mod settings;
pub mod state;
pub mod tags;
pub mod tiering;
pub mod vaults;

#[cfg(test)]
mod tests;

use serde_json::{json, Value};

use authorize::authorize;
use input::req;

use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::world::World;

/// Backup in the service registry: it checks plan rules before model validation.
pub static SERVICE: crate::services::service_def::ServiceDef =
    crate::services::service_def::ServiceDef {
        id: crate::protocol::ServiceId::Backup,
        handle,
        fire: clock::fire,
        schedule_all: clock::schedule_all,
        prevalidate: Some(prevalidate),
        invalid_input: crate::services::service_def::aggregate_validation_error,
        runs_long: &[],
    };

pub fn handle(
    ctx: &RequestContext,
    world: &mut World,
    operation: &str,
    input: &Value,
) -> ApiResult<Value> {
    // Scheduled rules run, and jobs reach their final state, on keyhole's clock (`clock`):
    // the code that makes something due puts it in the timeline, and the pipeline fires it.
    match operation {
        "CreateBackupVault" => vaults::create(ctx, world, input),
        "DescribeBackupVault" => vaults::describe(ctx, world, input),
        "ListBackupVaults" => vaults::list(ctx, world, input),
        "DeleteBackupVault" => vaults::delete(ctx, world, input),
        "PutBackupVaultAccessPolicy" => vaults::put_policy(ctx, world, input),
        "GetBackupVaultAccessPolicy" => vaults::get_policy(ctx, world, input),
        "DeleteBackupVaultAccessPolicy" => vaults::delete_policy(ctx, world, input),
        "PutBackupVaultNotifications" => vaults::put_notifications(ctx, world, input),
        "GetBackupVaultNotifications" => vaults::get_notifications(ctx, world, input),
        "DeleteBackupVaultNotifications" => vaults::delete_notifications(ctx, world, input),
        "PutBackupVaultLockConfiguration" => vaults::put_lock(ctx, world, input),
        "DeleteBackupVaultLockConfiguration" => vaults::delete_lock(ctx, world, input),
        "TagResource" => tags::tag(ctx, world, input),
        "UntagResource" => tags::untag(ctx, world, input),
        "ListTags" => tags::list_tags(ctx, world, input),
        "DescribeGlobalSettings" => settings::describe_global_settings(ctx, world),
        "UpdateGlobalSettings" => settings::update_global_settings(ctx, world, input),
        "DescribeRegionSettings" => settings::describe_region_settings(ctx, world),
        "UpdateRegionSettings" => settings::update_region_settings(ctx, world, input),
        "GetSupportedResourceTypes" => {
            authorize(ctx, world, None, None)?;
            Ok(json!({"ResourceTypes": resources::SUPPORTED_TYPES}))
        }
        "StartBackupJob" => jobs::start_backup_job(ctx, world, input),
        "DescribeBackupJob" => jobs::describe_backup_job(ctx, world, input),
        "ListBackupJobs" => jobs::list_backup_jobs(ctx, world, input),
        "StopBackupJob" => jobs::stop_backup_job(ctx, world, input),
        "ListBackupJobSummaries" => jobs::job_summaries(ctx, world, input, false),
        "StartCopyJob" => copy_jobs::start_copy_job(ctx, world, input),
        "DescribeCopyJob" => copy_jobs::describe_copy_job(ctx, world, input),
        "ListCopyJobs" => copy_jobs::list_copy_jobs(ctx, world, input),
        "ListCopyJobSummaries" => jobs::job_summaries(ctx, world, input, true),
        "DescribeRecoveryPoint" => recovery_points::describe_recovery_point(ctx, world, input),
        "ListRecoveryPointsByBackupVault" => {
            recovery_points::list_recovery_points_by_vault(ctx, world, input)
        }
        "ListRecoveryPointsByResource" => {
            recovery_points::list_recovery_points_by_resource(ctx, world, input)
        }
        "DeleteRecoveryPoint" => recovery_points::delete_recovery_point(ctx, world, input),
        "DisassociateRecoveryPoint" => {
            recovery_points::disassociate_recovery_point(ctx, world, input)
        }
        "UpdateRecoveryPointLifecycle" => {
            recovery_points::update_recovery_point_lifecycle(ctx, world, input)
        }
        "GetRecoveryPointRestoreMetadata" => recovery_points::restore_metadata(ctx, world, input),
        "StartRestoreJob" => restore_jobs::start_restore_job(ctx, world, input),
        "DescribeRestoreJob" => restore_jobs::describe_restore_job(ctx, world, input),
        "ListRestoreJobs" | "ListRestoreJobsByProtectedResource" => {
            restore_jobs::list_restore_jobs(ctx, world, input)
        }
        "GetRestoreJobMetadata" => restore_jobs::restore_job_metadata(ctx, world, input),
        "ListRestoreJobSummaries" => restore_jobs::restore_job_summaries(ctx, world, input),
        "ListProtectedResources" => {
            protected_resources::list_protected_resources(ctx, world, input, None)
        }
        "ListProtectedResourcesByBackupVault" => {
            let name = req(input, "BackupVaultName")?.to_owned();
            protected_resources::list_protected_resources(ctx, world, input, Some(name))
        }
        "DescribeProtectedResource" => {
            protected_resources::describe_protected_resource(ctx, world, input)
        }
        "CreateLegalHold" => legal_holds::create(ctx, world, input),
        "GetLegalHold" => legal_holds::get(ctx, world, input),
        "CancelLegalHold" => legal_holds::cancel(ctx, world, input),
        "ListLegalHolds" => legal_holds::list(ctx, world, input),
        "ListRecoveryPointsByLegalHold" => legal_holds::recovery_points(ctx, world, input),
        "CreateBackupPlan" => plans::create(ctx, world, input),
        "UpdateBackupPlan" => plans::update(ctx, world, input),
        "DeleteBackupPlan" => plans::delete(ctx, world, input),
        "GetBackupPlan" => plans::get(ctx, world, input),
        "ListBackupPlans" => plans::list(ctx, world, input),
        "ListBackupPlanVersions" => plans::versions(ctx, world, input),
        "GetBackupPlanFromJSON" => plans::from_json(ctx, world, input),
        "GetBackupPlanFromTemplate" => plans::from_template(ctx, world, input),
        "ListBackupPlanTemplates" => plans::templates(ctx, world),
        "ExportBackupPlanTemplate" => plans::export_template(ctx, world, input),
        "CreateBackupSelection" => plan_selections::create_selection(ctx, world, input),
        "GetBackupSelection" => plan_selections::get_selection(ctx, world, input),
        "DeleteBackupSelection" => plan_selections::delete_selection(ctx, world, input),
        "ListBackupSelections" => plan_selections::list_selections(ctx, world, input),
        "CreateLogicallyAirGappedBackupVault" => airgap::create_lag(ctx, world, input),
        "CreateRestoreAccessBackupVault" => airgap::create_restore_access(ctx, world, input),
        "ListRestoreAccessBackupVaults" => airgap::list_restore_access(ctx, world, input),
        "RevokeRestoreAccessBackupVault" => airgap::revoke_restore_access(ctx, world, input),
        "AssociateBackupVaultMpaApprovalTeam" => airgap::associate_team(ctx, world, input),
        "DisassociateBackupVaultMpaApprovalTeam" => airgap::disassociate_team(ctx, world, input),
        "DisassociateRecoveryPointFromParent" => {
            indexes::disassociate_from_parent(ctx, world, input)
        }
        "GetRecoveryPointIndexDetails" => indexes::get_index_details(ctx, world, input),
        "ListIndexedRecoveryPoints" => indexes::list_indexed(ctx, world, input),
        "UpdateRecoveryPointIndexSettings" => indexes::update_index_settings(ctx, world, input),
        "StartScanJob" => scans::start(ctx, world, input),
        "DescribeScanJob" => scans::describe(ctx, world, input),
        "ListScanJobs" => scans::list(ctx, world, input),
        "ListScanJobSummaries" => scans::summaries(ctx, world, input),
        "CreateFramework" => audit::create_framework(ctx, world, input),
        "DescribeFramework" => audit::describe_framework(ctx, world, input),
        "ListFrameworks" => audit::list_frameworks(ctx, world, input),
        "UpdateFramework" => audit::update_framework(ctx, world, input),
        "DeleteFramework" => audit::delete_framework(ctx, world, input),
        "CreateReportPlan" => report_plans::create_report_plan(ctx, world, input),
        "DescribeReportPlan" => report_plans::describe_report_plan(ctx, world, input),
        "ListReportPlans" => report_plans::list_report_plans(ctx, world, input),
        "UpdateReportPlan" => report_plans::update_report_plan(ctx, world, input),
        "DeleteReportPlan" => report_plans::delete_report_plan(ctx, world, input),
        "StartReportJob" => reports::start(ctx, world, input),
        "DescribeReportJob" => reports::describe(ctx, world, input),
        "ListReportJobs" => reports::list(ctx, world, input),
        "CreateTieringConfiguration" => tiering::create(ctx, world, input),
        "GetTieringConfiguration" => tiering::get(ctx, world, input),
        "ListTieringConfigurations" => tiering::list(ctx, world, input),
        "UpdateTieringConfiguration" => tiering::update(ctx, world, input),
        "DeleteTieringConfiguration" => tiering::delete(ctx, world, input),
        "CreateRestoreTestingPlan" => restore_testing::create_plan(ctx, world, input),
        "GetRestoreTestingPlan" => restore_testing::get_plan(ctx, world, input),
        "ListRestoreTestingPlans" => restore_testing::list_plans(ctx, world, input),
        "UpdateRestoreTestingPlan" => restore_testing::update_plan(ctx, world, input),
        "DeleteRestoreTestingPlan" => restore_testing::delete_plan(ctx, world, input),
        "CreateRestoreTestingSelection" => restore_testing::create_selection(ctx, world, input),
        "GetRestoreTestingSelection" => restore_testing::get_selection(ctx, world, input),
        "ListRestoreTestingSelections" => restore_testing::list_selections(ctx, world, input),
        "UpdateRestoreTestingSelection" => restore_testing::update_selection(ctx, world, input),
        "DeleteRestoreTestingSelection" => restore_testing::delete_selection(ctx, world, input),
        "GetRestoreTestingInferredMetadata" => restore_testing::inferred(ctx, world, input),
        "PutRestoreValidationResult" => restore_testing::put_validation_result(ctx, world, input),
        _ => Err(super::errors::not_implemented(ctx)),
    }
}

/// Checks AWS Backup makes on the raw input before the model's generic validation
/// (a bad vault name in a plan rule is InvalidParameterValueException, not a
/// ValidationException).
pub fn prevalidate(operation: &str, input: &Value) -> ApiResult<()> {
    match operation {
        "CreateBackupPlan" | "UpdateBackupPlan" => plans::check_rules(&input["BackupPlan"]),
        _ => Ok(()),
    }
}
