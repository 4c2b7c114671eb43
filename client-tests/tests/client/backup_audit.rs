//! Backup Audit Manager (frameworks, report plans, report jobs) and tiering configurations
//! through the AWS SDK for Rust: one test per operation, asserting on the parsed response.

use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_backup::types::{
    ControlInputParameter, FrameworkControl, ReportDeliveryChannel, ReportSetting,
    ResourceSelection, TieringConfigurationInputForCreate, TieringConfigurationInputForUpdate,
};

use crate::backup_common::{self, backup_role};
use crate::common;

const ACCOUNT: &str = "111111111111";
const VOLUME: &str = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";

fn retention(days: &str) -> FrameworkControl {
    FrameworkControl::builder()
        .control_name("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")
        .control_input_parameters(
            ControlInputParameter::builder()
                .parameter_name("requiredRetentionDays")
                .parameter_value(days)
                .build(),
        )
        .build()
        .expect("control")
}

async fn framework(backup: &aws_sdk_backup::Client, name: &str) -> String {
    backup
        .create_framework()
        .framework_name(name)
        .framework_controls(retention("35"))
        .send()
        .await
        .expect("CreateFramework")
        .framework_arn()
        .expect("arn")
        .to_owned()
}

async fn report_plan(backup: &aws_sdk_backup::Client, name: &str, template: &str) {
    backup
        .create_report_plan()
        .report_plan_name(name)
        .report_delivery_channel(
            ReportDeliveryChannel::builder()
                .s3_bucket_name("reports")
                .formats("CSV")
                .build()
                .expect("channel"),
        )
        .report_setting(
            ReportSetting::builder()
                .report_template(template)
                .build()
                .expect("setting"),
        )
        .send()
        .await
        .expect("CreateReportPlan");
}

/// A failed cross-account copy (the accounts share no organization) to report on.
async fn failed_copy(emu: &keyhole::Emulator, backup: &aws_sdk_backup::Client) -> String {
    let role = backup_role(emu, ACCOUNT).await;
    backup
        .create_backup_vault()
        .backup_vault_name("src")
        .send()
        .await
        .expect("CreateBackupVault");
    let rp = backup
        .start_backup_job()
        .backup_vault_name("src")
        .resource_arn(VOLUME)
        .iam_role_arn(&role)
        .send()
        .await
        .expect("StartBackupJob")
        .recovery_point_arn()
        .expect("rp")
        .to_owned();
    backup
        .start_copy_job()
        .source_backup_vault_name("src")
        .recovery_point_arn(rp)
        .destination_backup_vault_arn("arn:aws:backup:us-east-1:222222222222:backup-vault:dest")
        .iam_role_arn(&role)
        .send()
        .await
        .expect("StartCopyJob")
        .copy_job_id()
        .expect("copy job id")
        .to_owned()
}

fn s3_selection(days: i32) -> ResourceSelection {
    ResourceSelection::builder()
        .resources("*")
        .resource_type("S3")
        .tiering_down_settings_in_days(days)
        .build()
        .expect("selection")
}

async fn tiering(backup: &aws_sdk_backup::Client, name: &str) -> String {
    backup
        .create_tiering_configuration()
        .tiering_configuration(
            TieringConfigurationInputForCreate::builder()
                .tiering_configuration_name(name)
                .backup_vault_name("*")
                .resource_selection(s3_selection(90))
                .build()
                .expect("config"),
        )
        .send()
        .await
        .expect("CreateTieringConfiguration")
        .tiering_configuration_arn()
        .expect("arn")
        .to_owned()
}

// ---- frameworks ----

#[tokio::test]
async fn sdk_create_framework() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    let arn = framework(&backup, "daily").await;
    assert!(
        arn.starts_with("arn:aws:backup:us-east-1:111111111111:framework:daily-"),
        "{arn}"
    );
    let err = backup
        .create_framework()
        .framework_name("daily")
        .framework_controls(retention("35"))
        .send()
        .await
        .expect_err("the name is taken");
    backup_common::assert_error(
        &err,
        "AlreadyExistsException",
        "Controls in framework daily from account 111111111111 already exist.",
    );
}

#[tokio::test]
async fn sdk_describe_framework() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    let arn = framework(&backup, "daily").await;
    let d = backup
        .describe_framework()
        .framework_name("daily")
        .send()
        .await
        .expect("DescribeFramework");
    assert_eq!(d.framework_arn(), Some(arn.as_str()));
    assert_eq!(d.deployment_status(), Some("COMPLETED"));
    let control = &d.framework_controls()[0];
    assert_eq!(
        control.control_name(),
        "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"
    );
    assert_eq!(
        control.control_input_parameters()[0].parameter_value(),
        Some("35")
    );
}

#[tokio::test]
async fn sdk_list_frameworks() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    framework(&backup, "daily").await;
    let listed = backup
        .list_frameworks()
        .send()
        .await
        .expect("ListFrameworks");
    let f = &listed.frameworks()[0];
    assert_eq!(f.framework_name(), Some("daily"));
    assert_eq!(f.number_of_controls(), 1);
}

#[tokio::test]
async fn sdk_update_framework() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    let arn = framework(&backup, "daily").await;
    let updated = backup
        .update_framework()
        .framework_name("daily")
        .framework_controls(retention("7"))
        .send()
        .await
        .expect("UpdateFramework");
    assert_eq!(updated.framework_arn(), Some(arn.as_str()));
    let d = backup
        .describe_framework()
        .framework_name("daily")
        .send()
        .await
        .expect("DescribeFramework");
    assert_eq!(
        d.framework_controls()[0].control_input_parameters()[0].parameter_value(),
        Some("7")
    );
}

#[tokio::test]
async fn sdk_delete_framework() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    framework(&backup, "daily").await;
    backup
        .delete_framework()
        .framework_name("daily")
        .send()
        .await
        .expect("DeleteFramework");
    let err = backup
        .describe_framework()
        .framework_name("daily")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}

// ---- report plans ----

#[tokio::test]
async fn sdk_create_report_plan() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    let out = backup
        .create_report_plan()
        .report_plan_name("copies")
        .report_delivery_channel(
            ReportDeliveryChannel::builder()
                .s3_bucket_name("reports")
                .build()
                .expect("channel"),
        )
        .report_setting(
            ReportSetting::builder()
                .report_template("COPY_JOB_REPORT")
                .build()
                .expect("setting"),
        )
        .send()
        .await
        .expect("CreateReportPlan");
    assert!(out
        .report_plan_arn()
        .expect("arn")
        .starts_with("arn:aws:backup:us-east-1:111111111111:report-plan:copies-"));
    assert!(out.creation_time().is_some());
}

#[tokio::test]
async fn sdk_describe_report_plan() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    report_plan(&backup, "copies", "COPY_JOB_REPORT").await;
    let d = backup
        .describe_report_plan()
        .report_plan_name("copies")
        .send()
        .await
        .expect("DescribeReportPlan");
    let plan = d.report_plan().expect("plan");
    assert_eq!(plan.deployment_status(), Some("COMPLETED"));
    assert_eq!(
        plan.report_setting().expect("setting").report_template(),
        "COPY_JOB_REPORT"
    );
    assert_eq!(
        plan.report_delivery_channel().expect("channel").formats(),
        ["CSV"]
    );
}

#[tokio::test]
async fn sdk_list_report_plans() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    report_plan(&backup, "copies", "COPY_JOB_REPORT").await;
    report_plan(&backup, "restores", "RESTORE_JOB_REPORT").await;
    let listed = backup
        .list_report_plans()
        .send()
        .await
        .expect("ListReportPlans");
    let names: Vec<_> = listed
        .report_plans()
        .iter()
        .filter_map(|p| p.report_plan_name())
        .collect();
    assert_eq!(names, ["copies", "restores"]);
}

#[tokio::test]
async fn sdk_update_report_plan() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    report_plan(&backup, "jobs", "COPY_JOB_REPORT").await;
    backup
        .update_report_plan()
        .report_plan_name("jobs")
        .report_setting(
            ReportSetting::builder()
                .report_template("BACKUP_JOB_REPORT")
                .build()
                .expect("setting"),
        )
        .send()
        .await
        .expect("UpdateReportPlan");
    let d = backup
        .describe_report_plan()
        .report_plan_name("jobs")
        .send()
        .await
        .expect("DescribeReportPlan");
    assert_eq!(
        d.report_plan()
            .and_then(|p| p.report_setting())
            .map(|s| s.report_template()),
        Some("BACKUP_JOB_REPORT")
    );
}

#[tokio::test]
async fn sdk_delete_report_plan() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    report_plan(&backup, "copies", "COPY_JOB_REPORT").await;
    backup
        .delete_report_plan()
        .report_plan_name("copies")
        .send()
        .await
        .expect("DeleteReportPlan");
    let err = backup
        .describe_report_plan()
        .report_plan_name("copies")
        .send()
        .await
        .expect_err("deleted");
    backup_common::assert_error(
        &err,
        "ResourceNotFoundException",
        "Report plan copies does not exist",
    );
}

// ---- report jobs ----

#[tokio::test]
async fn sdk_start_report_job() {
    let (emu, backup) = backup_common::start(ACCOUNT).await;
    let copy_id = failed_copy(&emu, &backup).await;
    report_plan(&backup, "copies", "COPY_JOB_REPORT").await;
    let id = backup
        .start_report_job()
        .report_plan_name("copies")
        .send()
        .await
        .expect("StartReportJob")
        .report_job_id()
        .expect("id")
        .to_owned();
    // The report is served by keyhole's admin endpoint: the copy job, FAILED, with AWS's message.
    let (status, csv) =
        common::admin_get(&emu, &format!("/_keyhole/backup/reports/{id}?format=CSV")).await;
    assert_eq!(status, 200, "{csv}");
    let row = csv
        .lines()
        .find(|l| l.contains(&copy_id))
        .expect("the copy job's row");
    assert!(row.contains(",FAILED,"), "{row}");
    assert!(
        row.contains(
            "Both source and destination account must be a member of the same organization."
        ),
        "{row}"
    );
}

#[tokio::test]
async fn sdk_describe_report_job() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    report_plan(&backup, "copies", "COPY_JOB_REPORT").await;
    let id = backup
        .start_report_job()
        .report_plan_name("copies")
        .send()
        .await
        .expect("StartReportJob")
        .report_job_id()
        .expect("id")
        .to_owned();
    let d = backup
        .describe_report_job()
        .report_job_id(&id)
        .send()
        .await
        .expect("DescribeReportJob");
    let job = d.report_job().expect("job");
    assert_eq!(job.status(), Some("COMPLETED"));
    assert_eq!(job.report_template(), Some("COPY_JOB_REPORT"));
    let dest = job.report_destination().expect("destination");
    assert_eq!(dest.s3_bucket_name(), Some("reports"));
    assert!(
        dest.s3_keys()[0].starts_with("Backup/111111111111/us-east-1/"),
        "{:?}",
        dest.s3_keys()
    );
}

#[tokio::test]
async fn sdk_list_report_jobs() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    report_plan(&backup, "copies", "COPY_JOB_REPORT").await;
    report_plan(&backup, "restores", "RESTORE_JOB_REPORT").await;
    for plan in ["copies", "restores"] {
        backup
            .start_report_job()
            .report_plan_name(plan)
            .send()
            .await
            .expect("StartReportJob");
    }
    let listed = backup
        .list_report_jobs()
        .by_report_plan_name("restores")
        .send()
        .await
        .expect("ListReportJobs");
    assert_eq!(listed.report_jobs().len(), 1);
    assert_eq!(
        listed.report_jobs()[0].report_template(),
        Some("RESTORE_JOB_REPORT")
    );
}

// ---- tiering ----

#[tokio::test]
async fn sdk_create_tiering_configuration() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    let arn = tiering(&backup, "all_vaults").await;
    assert_eq!(
        arn,
        "arn:aws:backup:us-east-1:111111111111:tiering-configuration:all_vaults"
    );
    let err = backup
        .create_tiering_configuration()
        .tiering_configuration(
            TieringConfigurationInputForCreate::builder()
                .tiering_configuration_name("ebs")
                .backup_vault_name("*")
                .resource_selection(
                    ResourceSelection::builder()
                        .resources("*")
                        .resource_type("EBS")
                        .tiering_down_settings_in_days(90)
                        .build()
                        .expect("selection"),
                )
                .build()
                .expect("config"),
        )
        .send()
        .await
        .expect_err("S3 only");
    backup_common::assert_error(
        &err,
        "InvalidParameterValueException",
        "Invalid resource type EBS. Tiering configurations support only S3.",
    );
}

#[tokio::test]
async fn sdk_get_tiering_configuration() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    tiering(&backup, "all_vaults").await;
    let got = backup
        .get_tiering_configuration()
        .tiering_configuration_name("all_vaults")
        .send()
        .await
        .expect("GetTieringConfiguration");
    let c = got.tiering_configuration().expect("config");
    assert_eq!(c.backup_vault_name(), "*");
    assert_eq!(
        c.resource_selection()[0].tiering_down_settings_in_days(),
        90
    );
}

#[tokio::test]
async fn sdk_list_tiering_configurations() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    tiering(&backup, "all_vaults").await;
    let listed = backup
        .list_tiering_configurations()
        .send()
        .await
        .expect("ListTieringConfigurations");
    assert_eq!(
        listed.tiering_configurations()[0].tiering_configuration_name(),
        Some("all_vaults")
    );
}

#[tokio::test]
async fn sdk_update_tiering_configuration() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    tiering(&backup, "all_vaults").await;
    let out = backup
        .update_tiering_configuration()
        .tiering_configuration_name("all_vaults")
        .tiering_configuration(
            TieringConfigurationInputForUpdate::builder()
                .backup_vault_name("*")
                .resource_selection(s3_selection(180))
                .build()
                .expect("config"),
        )
        .send()
        .await
        .expect("UpdateTieringConfiguration");
    assert_eq!(out.tiering_configuration_name(), Some("all_vaults"));
    assert!(out.last_updated_time().is_some());
    let got = backup
        .get_tiering_configuration()
        .tiering_configuration_name("all_vaults")
        .send()
        .await
        .expect("GetTieringConfiguration");
    assert_eq!(
        got.tiering_configuration()
            .expect("config")
            .resource_selection()[0]
            .tiering_down_settings_in_days(),
        180
    );
}

#[tokio::test]
async fn sdk_delete_tiering_configuration() {
    let (_emu, backup) = backup_common::start(ACCOUNT).await;
    tiering(&backup, "all_vaults").await;
    backup
        .delete_tiering_configuration()
        .tiering_configuration_name("all_vaults")
        .send()
        .await
        .expect("DeleteTieringConfiguration");
    let err = backup
        .get_tiering_configuration()
        .tiering_configuration_name("all_vaults")
        .send()
        .await
        .expect_err("deleted");
    backup_common::assert_error(
        &err,
        "ResourceNotFoundException",
        "Tiering configuration all_vaults does not exist",
    );
}
