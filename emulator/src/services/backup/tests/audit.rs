//! Audit Manager (frameworks, report plans, report jobs) and tiering configurations through
//! the whole pipeline, as in `tests.rs`.

use http::Method;
use serde_json::{json, Value};

use super::assert_error;
use crate::services::backup::copy::MSG_NOT_SAME_ORG;
use crate::testing::{local_harness, Resp};

const ME: &str = "111111111111";
const OTHER: &str = "222222222222";
const VOLUME: &str = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";

local_harness!(super::Backup);

// Calls by ME, the account every test here works in.
impl Env {
    fn backup(&self, method: &str, path: &str, body: Value) -> Resp {
        self.0.backup(ME, method, path, body)
    }

    fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        self.0.ok(ME, method, path, body)
    }

    fn role(&self) -> String {
        self.0.role(ME)
    }

    /// A completed backup of VOLUME into a new vault `src` kept `days` days; its RP ARN.
    fn backup_volume(&self, days: i64) -> String {
        self.ok("PUT", "/backup-vaults/src", json!({}));
        let role = self.role();
        let started = self.ok(
            "PUT",
            "/backup-jobs",
            json!({"BackupVaultName": "src", "ResourceArn": VOLUME, "IamRoleArn": role,
                   "Lifecycle": {"DeleteAfterDays": days}}),
        );
        started["RecoveryPointArn"].as_str().unwrap().to_owned()
    }

    fn report(&self, id: &str) -> Value {
        self.admin(
            Method::GET,
            &format!("/_keyhole/backup/reports/{id}"),
            Value::Null,
        )
    }

    fn run_report(&self, plan: &str) -> (Value, Value) {
        let started = self.ok("POST", &format!("/audit/report-jobs/{plan}"), json!({}));
        let id = started["ReportJobId"].as_str().unwrap().to_owned();
        let job = self.ok("GET", &format!("/audit/report-jobs/{id}"), Value::Null);
        (job["ReportJob"].clone(), self.report(&id))
    }
}

fn retention_control(days: &str) -> Value {
    json!({"ControlName": "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
           "ControlInputParameters": [{"ParameterName": "requiredRetentionDays", "ParameterValue": days}]})
}

fn framework(env: &Env, name: &str, controls: Value) -> Resp {
    env.backup(
        "POST",
        "/audit/frameworks",
        json!({"FrameworkName": name, "FrameworkControls": controls}),
    )
}

// ---- frameworks ----

#[test]
fn a_framework_deploys_on_keyholes_clock_and_refuses_changes_meanwhile() {
    let env = Env::new();
    env.job_duration(600.0);
    let created = framework(&env, "daily", json!([retention_control("35")]));
    assert_eq!(created.status, 200, "{}", created.body);
    let arn = created.body["FrameworkArn"].as_str().unwrap().to_owned();
    assert!(
        arn.starts_with("arn:aws:backup:us-east-1:111111111111:framework:daily-"),
        "{arn}"
    );
    assert_eq!(
        arn.len(),
        "arn:aws:backup:us-east-1:111111111111:framework:daily-".len() + 36
    );
    let d = env.ok("GET", "/audit/frameworks/daily", Value::Null);
    assert_eq!(d["DeploymentStatus"], "CREATE_IN_PROGRESS");
    assert_eq!(
        d["FrameworkControls"][0]["ControlName"],
        "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"
    );
    let busy = env.backup(
        "PUT",
        "/audit/frameworks/daily",
        json!({"FrameworkDescription": "x"}),
    );
    assert_error(
        &busy,
        400,
        "ConflictException",
        "Backup can't perform the action that you requested until it finishes performing a previous action. Try again later.",
    );
    env.advance(601.0);
    let d = env.ok("GET", "/audit/frameworks/daily", Value::Null);
    assert_eq!(d["DeploymentStatus"], "COMPLETED");
    assert_eq!(d["FrameworkStatus"], "ACTIVE");
    let listed = env.ok("GET", "/audit/frameworks", Value::Null);
    assert_eq!(listed["Frameworks"][0]["NumberOfControls"], 1);
    let updated = env.ok(
        "PUT",
        "/audit/frameworks/daily",
        json!({"FrameworkControls": [retention_control("7"), {"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"}]}),
    );
    assert_eq!(updated["FrameworkArn"], arn.as_str());
    let d = env.ok("GET", "/audit/frameworks/daily", Value::Null);
    assert_eq!(d["DeploymentStatus"], "UPDATE_IN_PROGRESS");
    let busy = env.backup("DELETE", "/audit/frameworks/daily", Value::Null);
    assert_eq!(busy.error_type.as_deref(), Some("ConflictException"));
    env.advance(601.0);
    env.ok("DELETE", "/audit/frameworks/daily", Value::Null);
    let gone = env.backup("GET", "/audit/frameworks/daily", Value::Null);
    assert_error(
        &gone,
        400,
        "ResourceNotFoundException",
        "Framework daily does not exist",
    );
}

#[test]
fn a_framework_name_is_taken_once_unless_the_token_repeats() {
    let env = Env::new();
    let body = json!({"FrameworkName": "f1", "FrameworkControls": [retention_control("35")],
                      "IdempotencyToken": "t1"});
    let first = env.ok("POST", "/audit/frameworks", body.clone());
    let again = env.ok("POST", "/audit/frameworks", body);
    assert_eq!(first["FrameworkArn"], again["FrameworkArn"]);
    let taken = framework(&env, "f1", json!([retention_control("35")]));
    assert_error(
        &taken,
        400,
        "AlreadyExistsException",
        "Controls in framework f1 from account 111111111111 already exist.",
    );
}

#[test]
fn controls_are_checked_against_aws_controls_and_their_parameters() {
    let env = Env::new();
    let r = framework(&env, "f", json!([{"ControlName": "BACKUP_EVERYTHING"}]));
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Invalid control name: BACKUP_EVERYTHING",
    );
    let r = framework(
        &env,
        "f",
        json!([{"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED",
                "ControlInputParameters": [{"ParameterName": "requiredRetentionDays", "ParameterValue": "1"}]}]),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Invalid parameter name requiredRetentionDays for control BACKUP_RECOVERY_POINT_ENCRYPTED",
    );
    let r = framework(&env, "f", json!([retention_control("soon")]));
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Invalid value soon for parameter requiredRetentionDays of control BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK. The value must be a positive integer.",
    );
    let r = framework(
        &env,
        "f",
        json!([{"ControlName": "BACKUP_LAST_RECOVERY_POINT_CREATED",
                "ControlInputParameters": [{"ParameterName": "recoveryPointAgeUnit", "ParameterValue": "weeks"}]}]),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Invalid value weeks for parameter recoveryPointAgeUnit of control BACKUP_LAST_RECOVERY_POINT_CREATED. Accepted values: hours, days.",
    );
    let r = framework(
        &env,
        "f",
        json!([{"ControlName": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
                "ControlScope": {"Tags": {"a": "1", "b": "2"}}}]),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "A maximum of one tag key-value pair can be provided in the scope of control BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    );
    let too_many: Vec<Value> = (0..51)
        .map(|_| json!({"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"}))
        .collect();
    let r = framework(&env, "f", json!(too_many));
    assert_error(
        &r,
        400,
        "LimitExceededException",
        "You can use up to 50 controls per account per Region.",
    );
}

// ---- report plans ----

#[test]
fn report_plans_are_validated_described_and_unique() {
    let env = Env::new();
    let plan = |name: &str, setting: Value| {
        env.backup(
            "POST",
            "/audit/report-plans",
            json!({"ReportPlanName": name, "ReportDeliveryChannel": {"S3BucketName": "reports"},
                   "ReportSetting": setting}),
        )
    };
    let r = plan("p1", json!({"ReportTemplate": "BACKUP_JOB_REPORT"}));
    assert_eq!(r.status, 200, "{}", r.body);
    let arn = r.body["ReportPlanArn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:backup:us-east-1:111111111111:report-plan:p1-"),
        "{arn}"
    );
    let d = env.ok("GET", "/audit/report-plans/p1", Value::Null);
    assert_eq!(
        d["ReportPlan"]["ReportDeliveryChannel"]["Formats"],
        json!(["CSV"])
    );
    assert_eq!(d["ReportPlan"]["DeploymentStatus"], "COMPLETED");
    assert_eq!(d["ReportPlan"]["ReportSetting"]["NumberOfFrameworks"], 0);
    let taken = plan("p1", json!({"ReportTemplate": "BACKUP_JOB_REPORT"}));
    assert_error(
        &taken,
        400,
        "AlreadyExistsException",
        "Report plan with name p1 already exists",
    );
    let bad = plan("p2", json!({"ReportTemplate": "EVERYTHING_REPORT"}));
    assert_error(
        &bad,
        400,
        "InvalidParameterValueException",
        "Invalid report template: EVERYTHING_REPORT. Valid templates are RESOURCE_COMPLIANCE_REPORT, CONTROL_COMPLIANCE_REPORT, BACKUP_JOB_REPORT, COPY_JOB_REPORT, RESTORE_JOB_REPORT, SCAN_JOB_REPORT.",
    );
    let bare = plan("p2", json!({"ReportTemplate": "CONTROL_COMPLIANCE_REPORT"}));
    assert_error(
        &bare,
        400,
        "InvalidParameterValueException",
        "FrameworkArns must be specified for report template CONTROL_COMPLIANCE_REPORT",
    );
    let ghost = "arn:aws:backup:us-east-1:111111111111:framework:ghost-1";
    let r = plan(
        "p2",
        json!({"ReportTemplate": "CONTROL_COMPLIANCE_REPORT", "FrameworkArns": [ghost]}),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        &format!("Framework {ghost} does not exist"),
    );
    env.ok("DELETE", "/audit/report-plans/p1", Value::Null);
    let gone = env.backup("GET", "/audit/report-plans/p1", Value::Null);
    assert_error(
        &gone,
        400,
        "ResourceNotFoundException",
        "Report plan p1 does not exist",
    );
}

// ---- report jobs ----

#[test]
fn a_copy_job_report_shows_the_failed_copy_and_its_status_message() {
    let env = Env::new();
    let rp = env.backup_volume(14);
    let role = format!("arn:aws:iam::{ME}:role/BackupRole");
    let copy = env.ok(
        "PUT",
        "/copy-jobs",
        json!({"SourceBackupVaultName": "src", "RecoveryPointArn": rp,
               "DestinationBackupVaultArn": format!("arn:aws:backup:us-east-1:{OTHER}:backup-vault:dest"),
               "IamRoleArn": role}),
    );
    let copy_id = copy["CopyJobId"].as_str().unwrap();
    env.ok(
        "POST",
        "/audit/report-plans",
        json!({"ReportPlanName": "copies",
               "ReportDeliveryChannel": {"S3BucketName": "reports", "S3KeyPrefix": "audit", "Formats": ["CSV", "JSON"]},
               "ReportSetting": {"ReportTemplate": "COPY_JOB_REPORT"}}),
    );
    let (job, report) = env.run_report("copies");
    assert_eq!(job["Status"], "COMPLETED", "{job}");
    assert_eq!(job["ReportTemplate"], "COPY_JOB_REPORT");
    assert_eq!(job["ReportDestination"]["S3BucketName"], "reports");
    let keys = job["ReportDestination"]["S3Keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let key = keys[0].as_str().unwrap();
    assert!(
        key.starts_with("audit/Backup/111111111111/us-east-1/"),
        "{key}"
    );
    assert!(key.ends_with(".csv"), "{key}");
    let csv = report["reports"]["CSV"].as_str().unwrap();
    assert!(csv.starts_with("Report Time Period Start,Report Time Period End,Account Id,Region,Copy Job Id,Job Status,Status Message"), "{csv}");
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(copy_id), "{row}");
    assert!(row.contains(",FAILED,"), "{row}");
    assert!(row.contains(MSG_NOT_SAME_ORG), "{row}");
    let parsed: Value = serde_json::from_str(report["reports"]["JSON"].as_str().unwrap()).unwrap();
    let item = &parsed["reportItems"][0];
    assert_eq!(item["Copy Job Id"], copy_id);
    assert_eq!(item["Job Status"], "FAILED");
    assert_eq!(item["Status Message"], MSG_NOT_SAME_ORG);
    // The admin endpoint serves one format alone.
    let raw = env.admin_raw(
        Method::GET,
        &format!(
            "/_keyhole/backup/reports/{}",
            job["ReportJobId"].as_str().unwrap()
        ),
        Some("format=CSV"),
        Value::Null,
    );
    assert_eq!(raw.status, 200);
    assert_eq!(raw.text, csv);
    let plan = env.ok("GET", "/audit/report-plans/copies", Value::Null);
    assert_eq!(
        plan["ReportPlan"]["LastSuccessfulExecutionTime"],
        job["CompletionTime"]
    );
}

#[test]
fn a_backup_job_report_completes_on_keyholes_clock() {
    let env = Env::new();
    env.backup_volume(35);
    env.ok(
        "POST",
        "/audit/report-plans",
        json!({"ReportPlanName": "backups", "ReportDeliveryChannel": {"S3BucketName": "reports"},
               "ReportSetting": {"ReportTemplate": "BACKUP_JOB_REPORT"}}),
    );
    env.job_duration(300.0);
    let (job, report) = env.run_report("backups");
    assert!(
        matches!(job["Status"].as_str(), Some("CREATED" | "RUNNING")),
        "{job}"
    );
    assert_eq!(report["reports"], json!({}));
    let listed = env.ok("GET", "/audit/report-jobs", Value::Null);
    assert_eq!(listed["ReportJobs"].as_array().unwrap().len(), 1);
    env.advance(301.0);
    let id = job["ReportJobId"].as_str().unwrap();
    let done = env.ok("GET", &format!("/audit/report-jobs/{id}"), Value::Null);
    assert_eq!(done["ReportJob"]["Status"], "COMPLETED");
    let csv = env.report(id)["reports"]["CSV"]
        .as_str()
        .unwrap()
        .to_owned();
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(",COMPLETED,"), "{row}");
    assert!(row.contains(VOLUME), "{row}");
    let by_status = env.call(
        ME,
        "GET",
        "/audit/report-jobs",
        Some("Status=FAILED"),
        Value::Null,
    );
    assert_eq!(by_status.body["ReportJobs"], json!([]));
    let missing = env.backup("GET", "/audit/report-jobs/nope", Value::Null);
    assert_error(
        &missing,
        400,
        "ResourceNotFoundException",
        "Report job nope does not exist",
    );
}

#[test]
fn compliance_reports_evaluate_what_keyhole_can_and_name_the_rest() {
    let env = Env::new();
    env.backup_volume(14);
    let f = framework(
        &env,
        "retention",
        json!([retention_control("35"),
               {"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"},
               {"ControlName": "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT"}]),
    );
    let arn = f.body["FrameworkArn"].as_str().unwrap().to_owned();
    for (name, template) in [
        ("controls", "CONTROL_COMPLIANCE_REPORT"),
        ("resources", "RESOURCE_COMPLIANCE_REPORT"),
    ] {
        env.ok(
            "POST",
            "/audit/report-plans",
            json!({"ReportPlanName": name, "ReportDeliveryChannel": {"S3BucketName": "reports", "Formats": ["JSON"]},
                   "ReportSetting": {"ReportTemplate": template, "FrameworkArns": [arn]}}),
        );
    }
    let (job, report) = env.run_report("controls");
    assert_eq!(job["Status"], "COMPLETED", "{job}");
    let parsed: Value = serde_json::from_str(report["reports"]["JSON"].as_str().unwrap()).unwrap();
    let items = parsed["reportItems"].as_array().unwrap();
    let status = |control: &str| {
        items
            .iter()
            .find(|i| i["Control Name"] == control)
            .map(|i| i["Control Status"].clone())
            .unwrap()
    };
    assert_eq!(
        status("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"),
        "NON_COMPLIANT"
    );
    assert_eq!(status("BACKUP_RECOVERY_POINT_ENCRYPTED"), "COMPLIANT");
    assert_eq!(
        status("RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT"),
        "INSUFFICIENT_DATA"
    );
    assert_eq!(
        report["notEvaluated"],
        json!(["RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT: not evaluated: keyhole does not emulate logically air-gapped vaults"])
    );
    let (_, report) = env.run_report("resources");
    let parsed: Value = serde_json::from_str(report["reports"]["JSON"].as_str().unwrap()).unwrap();
    let retention = parsed["reportItems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["Control Name"] == "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")
        .cloned()
        .unwrap();
    assert_eq!(retention["Compliance Status"], "NON_COMPLIANT");
    assert_eq!(retention["Reason"], "retention 14 days, required 35");
    // A framework deleted after the plan was made fails the next job.
    env.ok("DELETE", "/audit/frameworks/retention", Value::Null);
    let (job, _) = env.run_report("controls");
    assert_eq!(job["Status"], "FAILED");
    assert_eq!(
        job["StatusMessage"],
        format!("Framework {arn} does not exist")
    );
}

#[test]
fn a_failed_cross_account_copy_leaves_the_resource_non_compliant() {
    let env = Env::new();
    let rp = env.backup_volume(35);
    let role = format!("arn:aws:iam::{ME}:role/BackupRole");
    env.ok(
        "PUT",
        "/copy-jobs",
        json!({"SourceBackupVaultName": "src", "RecoveryPointArn": rp,
               "DestinationBackupVaultArn": format!("arn:aws:backup:us-east-1:{OTHER}:backup-vault:dest"),
               "IamRoleArn": role}),
    );
    let f = framework(
        &env,
        "copies",
        json!([{"ControlName": "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
                "ControlInputParameters": [{"ParameterName": "crossAccountList", "ParameterValue": OTHER}]}]),
    );
    let arn = f.body["FrameworkArn"].as_str().unwrap().to_owned();
    env.ok(
        "POST",
        "/audit/report-plans",
        json!({"ReportPlanName": "resources", "ReportDeliveryChannel": {"S3BucketName": "reports", "Formats": ["JSON"]},
               "ReportSetting": {"ReportTemplate": "RESOURCE_COMPLIANCE_REPORT", "FrameworkArns": [arn]}}),
    );
    let (_, report) = env.run_report("resources");
    let parsed: Value = serde_json::from_str(report["reports"]["JSON"].as_str().unwrap()).unwrap();
    let item = &parsed["reportItems"][0];
    assert_eq!(item["Resource Id"], VOLUME);
    assert_eq!(item["Compliance Status"], "NON_COMPLIANT");
    assert_eq!(
        item["Reason"],
        format!("no recovery point in another account of {OTHER}")
    );
    let missing = env.admin_raw(
        Method::GET,
        "/_keyhole/backup/reports/nope",
        None,
        Value::Null,
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"], "no report job nope");
}

// ---- tiering ----

#[test]
fn tiering_configurations_are_created_listed_updated_and_deleted() {
    let env = Env::new();
    env.ok("PUT", "/backup-vaults/v1", json!({}));
    let config = |name: &str, vault: &str, rtype: &str, days: i64| {
        json!({"TieringConfiguration": {"TieringConfigurationName": name, "BackupVaultName": vault,
               "ResourceSelection": [{"Resources": ["*"], "ResourceType": rtype, "TieringDownSettingsInDays": days}]}})
    };
    let created = env.ok(
        "PUT",
        "/tiering-configurations",
        config("t1", "v1", "S3", 90),
    );
    assert_eq!(
        created["TieringConfigurationArn"],
        "arn:aws:backup:us-east-1:111111111111:tiering-configuration:t1"
    );
    let got = env.ok("GET", "/tiering-configurations/t1", Value::Null);
    assert_eq!(
        got["TieringConfiguration"]["ResourceSelection"][0]["TieringDownSettingsInDays"],
        90
    );
    let taken = env.backup(
        "PUT",
        "/tiering-configurations",
        config("t1", "*", "S3", 90),
    );
    assert_error(
        &taken,
        400,
        "AlreadyExistsException",
        "Tiering configuration t1 already exists",
    );
    let second = env.backup(
        "PUT",
        "/tiering-configurations",
        config("t2", "v1", "S3", 90),
    );
    assert_error(
        &second,
        400,
        "AlreadyExistsException",
        "Backup vault v1 already has tiering configuration t1",
    );
    let ebs = env.backup(
        "PUT",
        "/tiering-configurations",
        config("t3", "*", "EBS", 90),
    );
    assert_error(
        &ebs,
        400,
        "InvalidParameterValueException",
        "Invalid resource type EBS. Tiering configurations support only S3.",
    );
    let no_vault = env.backup(
        "PUT",
        "/tiering-configurations",
        config("t3", "nowhere", "S3", 90),
    );
    assert_error(
        &no_vault,
        400,
        "InvalidParameterValueException",
        "Backup vault nowhere does not exist",
    );
    let short = env.backup(
        "PUT",
        "/tiering-configurations",
        config("t3", "*", "S3", 30),
    );
    assert_eq!(
        short.error_type.as_deref(),
        Some("ValidationException"),
        "{}",
        short.body
    );
    env.ok(
        "PUT",
        "/tiering-configurations",
        config("all", "*", "S3", 365),
    );
    let listed = env.ok("GET", "/tiering-configurations/", Value::Null);
    assert_eq!(listed["TieringConfigurations"].as_array().unwrap().len(), 2);
    env.advance(10.0);
    let updated = env.ok(
        "PUT",
        "/tiering-configurations/t1",
        json!({"TieringConfiguration": {"BackupVaultName": "v1",
               "ResourceSelection": [{"Resources": ["arn:aws:s3:::bucket-1"], "ResourceType": "S3", "TieringDownSettingsInDays": 120}]}}),
    );
    assert!(
        updated["LastUpdatedTime"].as_f64().unwrap() > updated["CreationTime"].as_f64().unwrap()
    );
    env.ok("DELETE", "/tiering-configurations/t1", Value::Null);
    let gone = env.backup("GET", "/tiering-configurations/t1", Value::Null);
    assert_error(
        &gone,
        400,
        "ResourceNotFoundException",
        "Tiering configuration t1 does not exist",
    );
}

#[test]
fn frameworks_and_report_plans_take_tags_like_other_backup_resources() {
    let env = Env::new();
    let arn = framework(&env, "tagged", json!([retention_control("35")])).body["FrameworkArn"]
        .as_str()
        .expect("FrameworkArn")
        .to_owned();
    let path = format!("/tags/{}", arn.replace(':', "%3A").replace('/', "%2F"));
    env.ok("POST", &path, json!({"Tags": {"team": "audit"}}));
    assert_eq!(
        env.ok("GET", &path, Value::Null)["Tags"],
        json!({"team": "audit"})
    );
}
