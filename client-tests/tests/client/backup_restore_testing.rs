//! Restore testing and scheduled backup rules through aws-sdk-backup: one test per restore
//! testing operation, and a cron rule that runs on keyhole's clock.

use aws_sdk_backup::error::ProvideErrorMetadata;
use aws_sdk_backup::types::{
    BackupJobState, BackupPlanInput, BackupRuleInput, CopyAction, CopyJobState, KeyValue,
    ProtectedResourceConditions, RestoreTestingPlanForCreate, RestoreTestingPlanForUpdate,
    RestoreTestingRecoveryPointSelection, RestoreTestingRecoveryPointSelectionAlgorithm,
    RestoreTestingRecoveryPointType, RestoreTestingSelectionForCreate,
    RestoreTestingSelectionForUpdate, RestoreValidationStatus,
};
use keyhole::Emulator;

use crate::backup_common;
use crate::common;

const ACCOUNT: &str = "111111111111";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:111111111111:table/orders";
const ROLE: &str = "arn:aws:iam::111111111111:role/BackupRole";

struct World {
    emu: Emulator,
    backup: aws_sdk_backup::Client,
}

/// An emulator with the backup role, a declared DynamoDB table and a vault `main`.
async fn world() -> World {
    let emu = common::start().await;
    backup_common::backup_role(&emu, ACCOUNT).await;
    backup_common::admin_ok(
        &emu,
        "/_keyhole/resources",
        &serde_json::json!({"Arn": TABLE}),
    )
    .await;
    let backup = backup_common::client(&emu, ACCOUNT).await;
    backup
        .create_backup_vault()
        .backup_vault_name("main")
        .send()
        .await
        .expect("CreateBackupVault");
    World { emu, backup }
}

fn selection_window() -> RestoreTestingRecoveryPointSelection {
    RestoreTestingRecoveryPointSelection::builder()
        .algorithm(RestoreTestingRecoveryPointSelectionAlgorithm::LatestWithinWindow)
        .include_vaults("*")
        .recovery_point_types(RestoreTestingRecoveryPointType::Snapshot)
        .build()
}

impl World {
    async fn advance(&self, seconds: f64) {
        backup_common::advance(&self.emu, seconds).await;
    }

    fn now(&self) -> f64 {
        self.emu.instance().clock.now()
    }

    async fn plan(&self, name: &str, cron: &str) -> String {
        let out = self
            .backup
            .create_restore_testing_plan()
            .restore_testing_plan(
                RestoreTestingPlanForCreate::builder()
                    .restore_testing_plan_name(name)
                    .schedule_expression(cron)
                    .recovery_point_selection(selection_window())
                    .build()
                    .expect("plan"),
            )
            .send()
            .await
            .expect("CreateRestoreTestingPlan");
        out.restore_testing_plan_arn().to_owned()
    }

    async fn selection(&self, plan: &str, name: &str) {
        self.backup
            .create_restore_testing_selection()
            .restore_testing_plan_name(plan)
            .restore_testing_selection(
                RestoreTestingSelectionForCreate::builder()
                    .restore_testing_selection_name(name)
                    .iam_role_arn(ROLE)
                    .protected_resource_type("DynamoDB")
                    .protected_resource_arns("*")
                    .protected_resource_conditions(
                        ProtectedResourceConditions::builder()
                            .string_not_equals(
                                KeyValue::builder()
                                    .key("skip")
                                    .value("true")
                                    .build()
                                    .expect("kv"),
                            )
                            .build(),
                    )
                    .validation_window_hours(2)
                    .build()
                    .expect("selection"),
            )
            .send()
            .await
            .expect("CreateRestoreTestingSelection");
    }

    async fn backup_of_table(&self) -> String {
        let out = self
            .backup
            .start_backup_job()
            .backup_vault_name("main")
            .resource_arn(TABLE)
            .iam_role_arn(ROLE)
            .send()
            .await
            .expect("StartBackupJob");
        out.recovery_point_arn().expect("rp").to_owned()
    }

    /// Runs the plan `name` (firing hourly at a minute ~10 minutes ahead) by advancing the
    /// clock over its fire time; returns the restore job id it started.
    async fn run_hourly_plan(&self, name: &str) -> (String, String) {
        let (minute, wait) = minute_ahead(self.now(), 10);
        let arn = self.plan(name, &format!("cron({minute} * ? * * *)")).await;
        self.selection(name, "tables").await;
        self.advance(wait + 60.0).await;
        let jobs = self
            .backup
            .list_restore_jobs()
            .send()
            .await
            .expect("ListRestoreJobs");
        let id = jobs.restore_jobs()[0]
            .restore_job_id()
            .expect("id")
            .to_owned();
        (arn, id)
    }
}

/// The next whole `minute` of an hour about `ahead` minutes from `now`, and the seconds until
/// just before it.
fn minute_ahead(now: f64, ahead: u32) -> (u32, f64) {
    let now_minute = ((now / 60.0).floor() as u64 % 60) as u32;
    let minute = (now_minute + ahead) % 60;
    let wait = (now / 60.0).floor() * 60.0 + 60.0 - now + f64::from(ahead - 1) * 60.0;
    (minute, wait)
}

#[tokio::test]
async fn sdk_create_restore_testing_plan_and_its_duplicate() {
    let w = world().await;
    let arn = w.plan("daily_test", "cron(0 5 ? * * *)").await;
    assert!(
        arn.starts_with("arn:aws:backup:us-east-1:111111111111:restore-testing-plan:daily_test-")
    );
    let err = w
        .backup
        .create_restore_testing_plan()
        .restore_testing_plan(
            RestoreTestingPlanForCreate::builder()
                .restore_testing_plan_name("daily_test")
                .schedule_expression("cron(0 5 ? * * *)")
                .recovery_point_selection(selection_window())
                .build()
                .expect("plan"),
        )
        .send()
        .await
        .expect_err("a second plan of the same name");
    backup_common::assert_error(
        &err,
        "AlreadyExistsException",
        "Restore testing plan daily_test already exists",
    );
}

#[tokio::test]
async fn sdk_get_restore_testing_plan() {
    let w = world().await;
    let arn = w.plan("daily_test", "cron(0 5 ? * * *)").await;
    let got = w
        .backup
        .get_restore_testing_plan()
        .restore_testing_plan_name("daily_test")
        .send()
        .await
        .expect("GetRestoreTestingPlan");
    let plan = got.restore_testing_plan().expect("plan");
    assert_eq!(plan.restore_testing_plan_arn(), arn);
    assert_eq!(plan.schedule_expression(), "cron(0 5 ? * * *)");
    assert_eq!(plan.start_window_hours(), 24);
    let selection = plan.recovery_point_selection().expect("selection");
    assert_eq!(selection.selection_window_days(), 30);
}

#[tokio::test]
async fn sdk_list_restore_testing_plans() {
    let w = world().await;
    w.plan("one", "cron(0 5 ? * * *)").await;
    w.plan("two", "cron(0 6 ? * * *)").await;
    let listed = w
        .backup
        .list_restore_testing_plans()
        .max_results(1)
        .send()
        .await
        .expect("ListRestoreTestingPlans");
    assert_eq!(listed.restore_testing_plans().len(), 1);
    assert_eq!(
        listed.restore_testing_plans()[0].restore_testing_plan_name(),
        "one"
    );
    assert!(listed.next_token().is_some());
}

#[tokio::test]
async fn sdk_update_restore_testing_plan() {
    let w = world().await;
    w.plan("daily_test", "cron(0 5 ? * * *)").await;
    let out = w
        .backup
        .update_restore_testing_plan()
        .restore_testing_plan_name("daily_test")
        .restore_testing_plan(
            RestoreTestingPlanForUpdate::builder()
                .schedule_expression("cron(0 7 ? * MON *)")
                .schedule_expression_timezone("Europe/Paris")
                .start_window_hours(8)
                .build(),
        )
        .send()
        .await
        .expect("UpdateRestoreTestingPlan");
    assert_eq!(out.restore_testing_plan_name(), "daily_test");
    let plan = w
        .backup
        .get_restore_testing_plan()
        .restore_testing_plan_name("daily_test")
        .send()
        .await
        .expect("GetRestoreTestingPlan");
    let plan = plan.restore_testing_plan().expect("plan");
    assert_eq!(plan.schedule_expression(), "cron(0 7 ? * MON *)");
    assert_eq!(plan.schedule_expression_timezone(), Some("Europe/Paris"));
    assert_eq!(plan.start_window_hours(), 8);
    assert!(plan.last_update_time().is_some());
}

#[tokio::test]
async fn sdk_delete_restore_testing_plan_after_its_selections() {
    let w = world().await;
    w.plan("daily_test", "cron(0 5 ? * * *)").await;
    w.selection("daily_test", "tables").await;
    let err = w
        .backup
        .delete_restore_testing_plan()
        .restore_testing_plan_name("daily_test")
        .send()
        .await
        .expect_err("a plan with selections");
    backup_common::assert_error(&err, "InvalidRequestException", "All restore testing selections associated with a restore testing plan must be deleted before the restore testing plan can be deleted.");
    w.backup
        .delete_restore_testing_selection()
        .restore_testing_plan_name("daily_test")
        .restore_testing_selection_name("tables")
        .send()
        .await
        .expect("DeleteRestoreTestingSelection");
    w.backup
        .delete_restore_testing_plan()
        .restore_testing_plan_name("daily_test")
        .send()
        .await
        .expect("DeleteRestoreTestingPlan");
    let listed = w
        .backup
        .list_restore_testing_plans()
        .send()
        .await
        .expect("ListRestoreTestingPlans");
    assert!(listed.restore_testing_plans().is_empty());
}

#[tokio::test]
async fn sdk_create_restore_testing_selection() {
    let w = world().await;
    let arn = w.plan("daily_test", "cron(0 5 ? * * *)").await;
    let out = w
        .backup
        .create_restore_testing_selection()
        .restore_testing_plan_name("daily_test")
        .restore_testing_selection(
            RestoreTestingSelectionForCreate::builder()
                .restore_testing_selection_name("volumes")
                .iam_role_arn(ROLE)
                .protected_resource_type("EBS")
                .protected_resource_arns("arn:aws:ec2:us-east-1:111111111111:volume/vol-1")
                .build()
                .expect("selection"),
        )
        .send()
        .await
        .expect("CreateRestoreTestingSelection");
    assert_eq!(out.restore_testing_plan_arn(), arn);
    assert_eq!(out.restore_testing_selection_name(), "volumes");
}

#[tokio::test]
async fn sdk_get_restore_testing_selection() {
    let w = world().await;
    w.plan("daily_test", "cron(0 5 ? * * *)").await;
    w.selection("daily_test", "tables").await;
    let got = w
        .backup
        .get_restore_testing_selection()
        .restore_testing_plan_name("daily_test")
        .restore_testing_selection_name("tables")
        .send()
        .await
        .expect("GetRestoreTestingSelection");
    let sel = got.restore_testing_selection().expect("selection");
    assert_eq!(sel.protected_resource_type(), "DynamoDB");
    assert_eq!(sel.protected_resource_arns(), ["*"]);
    assert_eq!(sel.validation_window_hours(), 2);
    let conditions = sel.protected_resource_conditions().expect("conditions");
    assert_eq!(conditions.string_not_equals()[0].key(), "skip");
}

#[tokio::test]
async fn sdk_list_restore_testing_selections() {
    let w = world().await;
    w.plan("daily_test", "cron(0 5 ? * * *)").await;
    w.selection("daily_test", "tables").await;
    let listed = w
        .backup
        .list_restore_testing_selections()
        .restore_testing_plan_name("daily_test")
        .send()
        .await
        .expect("ListRestoreTestingSelections");
    let sels = listed.restore_testing_selections();
    assert_eq!(sels.len(), 1);
    assert_eq!(sels[0].restore_testing_selection_name(), "tables");
    assert_eq!(sels[0].iam_role_arn(), ROLE);
}

#[tokio::test]
async fn sdk_update_restore_testing_selection() {
    let w = world().await;
    w.plan("daily_test", "cron(0 5 ? * * *)").await;
    w.selection("daily_test", "tables").await;
    let out = w
        .backup
        .update_restore_testing_selection()
        .restore_testing_plan_name("daily_test")
        .restore_testing_selection_name("tables")
        .restore_testing_selection(
            RestoreTestingSelectionForUpdate::builder()
                .validation_window_hours(12)
                .restore_metadata_overrides("encryptionType", "Default")
                .build(),
        )
        .send()
        .await
        .expect("UpdateRestoreTestingSelection");
    assert_eq!(out.restore_testing_selection_name(), "tables");
    let got = w
        .backup
        .get_restore_testing_selection()
        .restore_testing_plan_name("daily_test")
        .restore_testing_selection_name("tables")
        .send()
        .await
        .expect("GetRestoreTestingSelection");
    let sel = got.restore_testing_selection().expect("selection");
    assert_eq!(sel.validation_window_hours(), 12);
    assert_eq!(
        sel.restore_metadata_overrides()
            .and_then(|m| m.get("encryptionType"))
            .map(String::as_str),
        Some("Default")
    );
}

#[tokio::test]
async fn sdk_delete_restore_testing_selection() {
    let w = world().await;
    w.plan("daily_test", "cron(0 5 ? * * *)").await;
    w.selection("daily_test", "tables").await;
    w.backup
        .delete_restore_testing_selection()
        .restore_testing_plan_name("daily_test")
        .restore_testing_selection_name("tables")
        .send()
        .await
        .expect("DeleteRestoreTestingSelection");
    let err = w
        .backup
        .get_restore_testing_selection()
        .restore_testing_plan_name("daily_test")
        .restore_testing_selection_name("tables")
        .send()
        .await
        .expect_err("deleted");
    backup_common::assert_error(
        &err,
        "ResourceNotFoundException",
        "Restore testing selection tables not found in restore testing plan daily_test",
    );
}

#[tokio::test]
async fn sdk_get_restore_testing_inferred_metadata() {
    let w = world().await;
    let rp = w.backup_of_table().await;
    let out = w
        .backup
        .get_restore_testing_inferred_metadata()
        .backup_vault_name("main")
        .recovery_point_arn(&rp)
        .send()
        .await
        .expect("GetRestoreTestingInferredMetadata");
    let m = out.inferred_metadata();
    assert_eq!(
        m.get("deletionProtection").map(String::as_str),
        Some("false")
    );
    assert!(m["targetTableName"].starts_with("awsbackup-restore-test-"));
}

#[tokio::test]
async fn sdk_restore_testing_run_records_its_plan_and_takes_a_validation_result() {
    let w = world().await;
    let rp = w.backup_of_table().await;
    let (plan_arn, id) = w.run_hourly_plan("hourly").await;
    let job = w
        .backup
        .describe_restore_job()
        .restore_job_id(&id)
        .send()
        .await
        .expect("DescribeRestoreJob");
    assert_eq!(job.recovery_point_arn(), Some(rp.as_str()));
    assert_eq!(
        job.created_by().and_then(|c| c.restore_testing_plan_arn()),
        Some(plan_arn.as_str())
    );
    w.backup
        .put_restore_validation_result()
        .restore_job_id(&id)
        .validation_status(RestoreValidationStatus::Successful)
        .validation_status_message("rows match")
        .send()
        .await
        .expect("PutRestoreValidationResult");
    let job = w
        .backup
        .describe_restore_job()
        .restore_job_id(&id)
        .send()
        .await
        .expect("DescribeRestoreJob");
    assert_eq!(
        job.validation_status(),
        Some(&RestoreValidationStatus::Successful)
    );
    assert_eq!(job.validation_status_message(), Some("rows match"));
}

#[tokio::test]
async fn sdk_put_restore_validation_result_refuses_other_restore_jobs() {
    let w = world().await;
    let rp = w.backup_of_table().await;
    let started = w
        .backup
        .start_restore_job()
        .recovery_point_arn(&rp)
        .iam_role_arn(ROLE)
        .metadata("targetTableName", "restored")
        .send()
        .await
        .expect("StartRestoreJob");
    let id = started.restore_job_id().expect("id");
    let err = w
        .backup
        .put_restore_validation_result()
        .restore_job_id(id)
        .validation_status(RestoreValidationStatus::Failed)
        .send()
        .await
        .expect_err("not a restore testing job");
    assert_eq!(err.code(), Some("InvalidRequestException"));
    assert_eq!(
        err.message().map(str::to_owned),
        Some(format!("Restore job {id} was not created by a restore testing plan; validation results can only be reported for restore testing jobs"))
    );
}

#[tokio::test]
async fn sdk_cron_rule_backs_up_and_copies_when_the_clock_passes_its_fire_time() {
    let w = world().await;
    let dest = w
        .backup
        .create_backup_vault()
        .backup_vault_name("second")
        .send()
        .await
        .expect("CreateBackupVault")
        .backup_vault_arn()
        .expect("arn")
        .to_owned();
    let (minute, wait) = minute_ahead(w.now(), 10);
    let plan = w
        .backup
        .create_backup_plan()
        .backup_plan(
            BackupPlanInput::builder()
                .backup_plan_name("hourly")
                .rules(
                    BackupRuleInput::builder()
                        .rule_name("Hourly")
                        .target_backup_vault_name("main")
                        .schedule_expression(format!("cron({minute} * ? * * *)"))
                        .schedule_expression_timezone("Asia/Kolkata")
                        .start_window_minutes(60)
                        .copy_actions(
                            CopyAction::builder()
                                .destination_backup_vault_arn(&dest)
                                .build()
                                .expect("copy action"),
                        )
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("plan"),
        )
        .send()
        .await
        .expect("CreateBackupPlan");
    let plan_id = plan.backup_plan_id().expect("id");
    w.backup
        .create_backup_selection()
        .backup_plan_id(plan_id)
        .backup_selection(
            aws_sdk_backup::types::BackupSelection::builder()
                .selection_name("tables")
                .iam_role_arn(ROLE)
                .resources(TABLE)
                .build()
                .expect("selection"),
        )
        .send()
        .await
        .expect("CreateBackupSelection");
    // Asia/Kolkata is UTC+05:30: the rule fires at minute (minute + 30) % 60 of UTC hours.
    let wait = wait - 30.0 * 60.0;
    let wait = if wait < 60.0 { wait + 3600.0 } else { wait };
    w.advance(wait - 60.0).await;
    let before = w
        .backup
        .list_backup_jobs()
        .send()
        .await
        .expect("ListBackupJobs");
    assert!(
        before.backup_jobs().is_empty(),
        "no run before the fire time"
    );
    w.advance(120.0).await;
    let jobs = w
        .backup
        .list_backup_jobs()
        .send()
        .await
        .expect("ListBackupJobs");
    assert_eq!(jobs.backup_jobs().len(), 1);
    let job = &jobs.backup_jobs()[0];
    assert_eq!(job.state(), Some(&BackupJobState::Completed));
    assert_eq!(
        job.created_by().and_then(|c| c.backup_plan_id()),
        Some(plan_id)
    );
    let copies = w
        .backup
        .list_copy_jobs()
        .send()
        .await
        .expect("ListCopyJobs");
    assert_eq!(copies.copy_jobs().len(), 1);
    assert_eq!(
        copies.copy_jobs()[0].state(),
        Some(&CopyJobState::Completed)
    );
    assert_eq!(
        copies.copy_jobs()[0].destination_backup_vault_arn(),
        Some(dest.as_str())
    );
}
