//! AWS Backup's own error codes and texts for missing recovery points, lifecycle rules,
//! duplicate plans, vault lock limits, plan defaults and report-plan frameworks, through
//! the whole pipeline (the body's Code and Context are checked with the message).

use serde_json::{json, Value};

use super::assert_error;
use crate::testing::{enc, local_harness, Resp};

const ME: &str = "111111111111";
const VOLUME: &str = "arn:aws:ec2:us-east-1:111111111111:volume/vol-1";
const NINETY_DAYS: &str =
    "Invalid lifecycle. DeleteAfterDays cannot be less than 90 days apart from MoveToColdStorageAfterDays";
const RANGE: &str =
    "Invalid lifecycle. DeleteAfterDays cannot be less than 1 or more than 36500 days";

local_harness!(super::Backup);

impl Env {
    fn backup(&self, method: &str, path: &str, body: Value) -> Resp {
        self.0.backup(ME, method, path, body)
    }

    fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        self.0.ok(ME, method, path, body)
    }

    /// A completed backup of VOLUME into a new vault `v1`; its recovery point ARN.
    fn recovery_point(&self) -> String {
        self.ok("PUT", "/backup-vaults/v1", json!({}));
        let role = self.role(ME);
        let started = self.ok(
            "PUT",
            "/backup-jobs",
            json!({"BackupVaultName": "v1", "ResourceArn": VOLUME, "IamRoleArn": role,
                   "Lifecycle": {"DeleteAfterDays": 14}}),
        );
        started["RecoveryPointArn"].as_str().unwrap().to_owned()
    }

    fn create_plan(&self, plan: Value) -> Resp {
        self.backup("PUT", "/backup/plans/", json!({"BackupPlan": plan}))
    }
}

/// A one-rule plan `p` whose rule `daily` has `extra` merged in.
fn plan_with(extra: Value) -> Value {
    let mut rule = json!({"RuleName": "daily", "TargetBackupVaultName": "Default"});
    for (k, v) in extra.as_object().unwrap() {
        rule[k] = v.clone();
    }
    json!({"BackupPlanName": "p", "Rules": [rule]})
}

fn assert_body_code(r: &Resp, code: &str) {
    assert_eq!(r.body["Code"], code, "{}", r.body);
}

/// The rule-level answer: prefix, ERROR_3015 and the Context array as a string.
fn assert_rule_error(r: &Resp, rule: &str, text: &str) {
    assert_error(
        r,
        400,
        "InvalidParameterValueException",
        &format!("Error in rule {rule} : {text}"),
    );
    assert_body_code(r, "ERROR_3015");
    assert_eq!(
        r.body["Context"],
        format!("[\"{rule}\",\"{text}\"]"),
        "{}",
        r.body
    );
}

// ---- item 9: missing recovery points ----

#[test]
fn a_missing_recovery_point_is_cannot_find_recovery_point_with_error_2603() {
    let env = Env::new();
    let rp = env.recovery_point();
    let role = format!("arn:aws:iam::{ME}:role/BackupRole");
    let missing = "arn:aws:ec2:us-east-1::snapshot/snap-0000000000000000";
    let path = format!("/backup-vaults/v1/recovery-points/{}", enc(missing));
    for (method, body) in [
        ("GET", Value::Null),
        ("POST", json!({"Lifecycle": {"DeleteAfterDays": 30}})),
        ("DELETE", Value::Null),
    ] {
        let r = env.backup(method, &path, body);
        assert_error(
            &r,
            400,
            "ResourceNotFoundException",
            "Cannot find recovery point",
        );
        assert_body_code(&r, "ERROR_2603");
    }
    let r = env.backup("GET", &format!("{path}/restore-metadata"), Value::Null);
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        "Cannot find recovery point",
    );
    let r = env.backup(
        "PUT",
        "/restore-jobs",
        json!({"RecoveryPointArn": missing, "Metadata": {}, "IamRoleArn": role}),
    );
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        "Cannot find recovery point",
    );
    // The existing one is still found.
    let found = env.backup(
        "GET",
        &format!("/backup-vaults/v1/recovery-points/{}", enc(&rp)),
        Value::Null,
    );
    assert_eq!(found.status, 200, "{}", found.body);
}

#[test]
fn tagging_a_missing_recovery_point_answers_error_2603_as_its_code() {
    let env = Env::new();
    env.recovery_point();
    for missing in [
        "arn:aws:ec2:us-east-1::snapshot/snap-0000000000000000",
        "arn:aws:backup:us-east-1:111111111111:recovery-point:nope",
    ] {
        for (method, path, body) in [
            ("GET", format!("/tags/{}/", enc(missing)), Value::Null),
            (
                "POST",
                format!("/tags/{}", enc(missing)),
                json!({"Tags": {"a": "b"}}),
            ),
            (
                "POST",
                format!("/untag/{}", enc(missing)),
                json!({"TagKeyList": ["a"]}),
            ),
        ] {
            let r = env.backup(method, &path, body);
            assert_error(&r, 400, "ERROR_2603", "Cannot find recovery point.");
            assert_body_code(&r, "ERROR_2603");
        }
    }
    // Other kinds keep their answers: a missing vault is AccessDenied, as AWS does.
    let r = env.backup(
        "GET",
        &format!(
            "/tags/{}/",
            enc("arn:aws:backup:us-east-1:111111111111:backup-vault:ghost")
        ),
        Value::Null,
    );
    assert_error(
        &r,
        403,
        "AccessDeniedException",
        "Insufficient privileges to perform this action.",
    );
}

// ---- item 10: lifecycles ----

#[test]
fn plan_rules_fail_the_90_day_lifecycle_check_at_create_and_update() {
    let env = Env::new();
    let bad =
        plan_with(json!({"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100}}));
    assert_rule_error(&env.create_plan(bad.clone()), "daily", NINETY_DAYS);
    // MoveToColdStorageAfterDays 0 still counts (terraform-provider-aws#7350).
    let zero =
        plan_with(json!({"Lifecycle": {"MoveToColdStorageAfterDays": 0, "DeleteAfterDays": 15}}));
    assert_rule_error(&env.create_plan(zero), "daily", NINETY_DAYS);
    let good =
        plan_with(json!({"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}}));
    let created = env.create_plan(good);
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.body["BackupPlanId"].as_str().unwrap();
    let r = env.backup(
        "POST",
        &format!("/backup/plans/{id}"),
        json!({"BackupPlan": bad}),
    );
    assert_rule_error(&r, "daily", NINETY_DAYS);
}

#[test]
fn plan_lifecycles_are_checked_for_range_copy_actions_and_continuous_backups() {
    let env = Env::new();
    for days in [0, 36_501] {
        let r = env.create_plan(plan_with(json!({"Lifecycle": {"DeleteAfterDays": days}})));
        assert_rule_error(&r, "daily", RANGE);
    }
    let copy = plan_with(json!({"CopyActions": [{
        "DestinationBackupVaultArn": "arn:aws:backup:us-west-2:111111111111:backup-vault:dr",
        "Lifecycle": {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 20}}]}));
    assert_rule_error(&env.create_plan(copy), "daily", NINETY_DAYS);
    let continuous = plan_with(json!({"EnableContinuousBackup": true,
        "Lifecycle": {"MoveToColdStorageAfterDays": 730, "DeleteAfterDays": 2555}}));
    assert_rule_error(
        &env.create_plan(continuous),
        "daily",
        "Invalid lifecycle. MoveToColdStorageAfterDays is unavailable",
    );
    // -1 keeps recovery points indefinitely and passes.
    let forever =
        plan_with(json!({"Lifecycle": {"MoveToColdStorageAfterDays": -1, "DeleteAfterDays": -1}}));
    let r = env.create_plan(forever);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn update_recovery_point_lifecycle_uses_aws_lifecycle_texts() {
    let env = Env::new();
    let rp = env.recovery_point();
    let path = format!("/backup-vaults/v1/recovery-points/{}", enc(&rp));
    let r = env.backup(
        "POST",
        &path,
        json!({"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}}),
    );
    assert_error(&r, 400, "InvalidParameterValueException", NINETY_DAYS);
    let r = env.backup("POST", &path, json!({"Lifecycle": {"DeleteAfterDays": 0}}));
    assert_error(&r, 400, "InvalidParameterValueException", RANGE);
    let ok = env.backup("POST", &path, json!({"Lifecycle": {"DeleteAfterDays": 30}}));
    assert_eq!(ok.status, 200, "{}", ok.body);
}

// ---- item 11: duplicate plans ----

#[test]
fn the_same_plan_document_twice_is_already_exists() {
    let env = Env::new();
    let doc = plan_with(json!({"Lifecycle": {"DeleteAfterDays": 35}}));
    let first = env.create_plan(doc.clone());
    assert_eq!(first.status, 200, "{}", first.body);
    let again = env.create_plan(doc.clone());
    assert_error(
        &again,
        400,
        "AlreadyExistsException",
        "Backup plan with the same plan document already exists",
    );
    // Spelling out AWS's defaults is the same document.
    let mut explicit = doc.clone();
    explicit["Rules"][0]["StartWindowMinutes"] = json!(480);
    explicit["Rules"][0]["CompletionWindowMinutes"] = json!(10080);
    explicit["Rules"][0]["ScheduleExpression"] = json!("cron(0 5 ? * * *)");
    let r = env.create_plan(explicit);
    assert_eq!(r.status, 400, "{}", r.body);
    // The same name with other rules is another plan.
    let other = env.create_plan(plan_with(json!({"Lifecycle": {"DeleteAfterDays": 36}})));
    assert_eq!(other.status, 200, "{}", other.body);
    assert_ne!(other.body["BackupPlanId"], first.body["BackupPlanId"]);
    // Once the plan is deleted its document is free again.
    let id = first.body["BackupPlanId"].as_str().unwrap();
    env.ok("DELETE", &format!("/backup/plans/{id}"), Value::Null);
    let r = env.create_plan(doc);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn a_repeated_creator_request_id_returns_the_existing_plan() {
    let env = Env::new();
    let body = json!({"BackupPlan": plan_with(json!({})), "CreatorRequestId": "req-1"});
    let first = env.ok("PUT", "/backup/plans/", body.clone());
    let again = env.ok("PUT", "/backup/plans/", body);
    assert_eq!(again["BackupPlanId"], first["BackupPlanId"]);
    assert_eq!(again["VersionId"], first["VersionId"]);
}

// ---- item 16: vault lock limits, plan defaults, report-plan frameworks ----

#[test]
fn vault_lock_retention_days_stay_within_the_documented_limits() {
    let env = Env::new();
    env.ok("PUT", "/backup-vaults/v1", json!({}));
    for (body, message) in [
        (
            json!({"MinRetentionDays": 0}),
            "MinRetentionDays must be greater than or equal to 1",
        ),
        (
            json!({"MaxRetentionDays": 36_501}),
            "MaxRetentionDays must be less than or equal to 36500",
        ),
        (
            json!({"ChangeableForDays": 36_501}),
            "ChangeableForDays must be less than or equal to 36500",
        ),
    ] {
        let r = env.backup("PUT", "/backup-vaults/v1/vault-lock", body);
        assert_error(&r, 400, "InvalidParameterValueException", message);
    }
    let r = env.backup(
        "PUT",
        "/backup-vaults/v1/vault-lock",
        json!({"MinRetentionDays": 1, "MaxRetentionDays": 36_500}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn get_backup_plan_fills_aws_default_windows() {
    let env = Env::new();
    let created = env.create_plan(plan_with(json!({"StartWindowMinutes": 60})));
    let id = created.body["BackupPlanId"].as_str().unwrap();
    let got = env.ok("GET", &format!("/backup/plans/{id}/"), Value::Null);
    let rule = &got["BackupPlan"]["Rules"][0];
    assert_eq!(rule["StartWindowMinutes"], 60);
    assert_eq!(rule["CompletionWindowMinutes"], 10080);
    assert_eq!(rule["ScheduleExpression"], "cron(0 5 ? * * *)");
    let created = env.create_plan(plan_with(json!({"RuleName": "other"})));
    let id = created.body["BackupPlanId"].as_str().unwrap();
    let got = env.ok("GET", &format!("/backup/plans/{id}/"), Value::Null);
    assert_eq!(got["BackupPlan"]["Rules"][0]["StartWindowMinutes"], 480);
}

#[test]
fn a_multi_account_compliance_report_takes_no_frameworks() {
    let env = Env::new();
    let f = env.ok(
        "POST",
        "/audit/frameworks",
        json!({"FrameworkName": "enc", "FrameworkControls": [{"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"}]}),
    );
    let arn = f["FrameworkArn"].as_str().unwrap().to_owned();
    let plan = |name: &str, setting: Value| {
        env.backup(
            "POST",
            "/audit/report-plans",
            json!({"ReportPlanName": name, "ReportDeliveryChannel": {"S3BucketName": "reports"},
                   "ReportSetting": setting}),
        )
    };
    for scope in [
        json!({"Accounts": ["ROOT"], "Regions": ["*"]}),
        json!({"OrganizationUnits": ["ou-abcd-11111111"]}),
    ] {
        let mut setting = scope.clone();
        setting["ReportTemplate"] = json!("CONTROL_COMPLIANCE_REPORT");
        setting["FrameworkArns"] = json!([arn]);
        assert_error(
            &plan("org", setting),
            400,
            "InvalidParameterValueException",
            "Invalid parameter: For multi-account, multi-Region reports, use Accounts, OrganizationUnits and Regions",
        );
    }
    let r = plan(
        "org",
        json!({"ReportTemplate": "RESOURCE_COMPLIANCE_REPORT", "Accounts": ["ROOT"], "Regions": ["*"]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // A single-account one still needs them (existing, inferred text).
    assert_error(
        &plan(
            "mine",
            json!({"ReportTemplate": "CONTROL_COMPLIANCE_REPORT"}),
        ),
        400,
        "InvalidParameterValueException",
        "FrameworkArns must be specified for report template CONTROL_COMPLIANCE_REPORT",
    );
    // The multi-account report evaluates each covered account's own frameworks.
    env.recovery_point();
    let started = env.ok("POST", "/audit/report-jobs/org", json!({}));
    let id = started["ReportJobId"].as_str().unwrap();
    let job = env.ok("GET", &format!("/audit/report-jobs/{id}"), Value::Null);
    assert_eq!(job["ReportJob"]["Status"], "COMPLETED", "{job}");
    let report = env.admin(
        http::Method::GET,
        &format!("/_keyhole/backup/reports/{id}"),
        Value::Null,
    );
    let csv = report["reports"]["CSV"].as_str().unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains("enc") && l.contains("BACKUP_RECOVERY_POINT_ENCRYPTED")),
        "{csv}"
    );
}
