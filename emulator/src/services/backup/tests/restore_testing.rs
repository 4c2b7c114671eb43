//! Restore testing and scheduled runs, in process through the whole pipeline.

use http::Method;
use serde_json::{json, Value};

use super::assert_error;
use crate::testing::{local_harness, Resp};

const ACCOUNT: &str = "111111111111";

local_harness!(super::Backup);

// Calls by ACCOUNT, the account every test here works in.
impl Env {
    fn call(&self, method: &str, path: &str, query: Option<&str>, body: Value) -> Resp {
        self.0.call(ACCOUNT, method, path, query, body)
    }

    fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        self.0.ok(ACCOUNT, method, path, body)
    }

    fn role(&self) -> String {
        self.0.role(ACCOUNT)
    }

    fn vault(&self, name: &str) -> String {
        self.ok("PUT", &format!("/backup-vaults/{name}"), json!({}))["BackupVaultArn"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A completed backup of `resource` into `vault`; its recovery point ARN.
    fn backup_of(&self, vault: &str, resource: &str, role: &str) -> String {
        let started = self.ok(
            "PUT",
            "/backup-jobs",
            json!({"BackupVaultName": vault, "ResourceArn": resource, "IamRoleArn": role}),
        );
        started["RecoveryPointArn"].as_str().unwrap().to_owned()
    }

    /// A restore testing plan firing every hour at `minute`, with one selection of
    /// DynamoDB tables.
    fn testing_plan(&self, name: &str, minute: u32, role: &str) -> String {
        let created = self.ok(
            "PUT",
            "/restore-testing/plans",
            json!({"RestoreTestingPlan": {
                "RestoreTestingPlanName": name,
                "ScheduleExpression": format!("cron({minute} * ? * * *)"),
                "RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW",
                    "IncludeVaults": ["*"], "RecoveryPointTypes": ["SNAPSHOT"]}}}),
        );
        self.ok(
            "PUT",
            &format!("/restore-testing/plans/{name}/selections"),
            json!({"RestoreTestingSelection": {"RestoreTestingSelectionName": "tables",
                "IamRoleArn": role, "ProtectedResourceType": "DynamoDB",
                "ProtectedResourceArns": ["*"], "ValidationWindowHours": 2}}),
        );
        created["RestoreTestingPlanArn"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Seconds from now to the next whole `minute` past some hour, and that minute.
fn minute_ahead(now: f64, ahead_minutes: u32) -> (u32, f64) {
    let now_minute = ((now / 60.0).floor() as u64 % 60) as u32;
    let minute = (now_minute + ahead_minutes) % 60;
    let next_minute_start = (now / 60.0).floor() * 60.0 + 60.0;
    let wait = next_minute_start - now + f64::from(ahead_minutes - 1) * 60.0;
    (minute, wait)
}

const TABLE: &str = "arn:aws:dynamodb:us-east-1:111111111111:table/orders";

#[test]
fn plans_are_created_read_listed_updated_and_refused_twice() {
    let env = Env::new();
    let body = json!({"RestoreTestingPlan": {"RestoreTestingPlanName": "weekly_test",
        "ScheduleExpression": "cron(0 1 ? * SUN *)", "ScheduleExpressionTimezone": "Europe/Paris",
        "RecoveryPointSelection": {"Algorithm": "RANDOM_WITHIN_WINDOW", "IncludeVaults": ["*"],
            "RecoveryPointTypes": ["SNAPSHOT"]}}});
    let created = env.ok("PUT", "/restore-testing/plans", body.clone());
    let arn = created["RestoreTestingPlanArn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:backup:us-east-1:111111111111:restore-testing-plan:weekly_test-"),
        "{arn}"
    );
    let again = env.call("PUT", "/restore-testing/plans", None, body);
    assert_error(
        &again,
        400,
        "AlreadyExistsException",
        "Restore testing plan weekly_test already exists",
    );
    let got = env.ok("GET", "/restore-testing/plans/weekly_test", Value::Null);
    let plan = &got["RestoreTestingPlan"];
    assert_eq!(plan["RecoveryPointSelection"]["SelectionWindowDays"], 30);
    assert_eq!(plan["StartWindowHours"], 24);
    assert_eq!(plan["ScheduleExpressionTimezone"], "Europe/Paris");
    let updated = env.ok(
        "PUT",
        "/restore-testing/plans/weekly_test",
        json!({"RestoreTestingPlan": {"StartWindowHours": 8,
            "RecoveryPointSelection": {"SelectionWindowDays": 7}}}),
    );
    assert!(updated["UpdateTime"].is_number());
    let got = env.ok("GET", "/restore-testing/plans/weekly_test", Value::Null);
    assert_eq!(got["RestoreTestingPlan"]["StartWindowHours"], 8);
    assert_eq!(
        got["RestoreTestingPlan"]["RecoveryPointSelection"]["SelectionWindowDays"],
        7
    );
    assert_eq!(
        got["RestoreTestingPlan"]["RecoveryPointSelection"]["Algorithm"],
        "RANDOM_WITHIN_WINDOW"
    );
    let listed = env.ok("GET", "/restore-testing/plans", Value::Null);
    assert_eq!(
        listed["RestoreTestingPlans"][0]["RestoreTestingPlanName"],
        "weekly_test"
    );
    let missing = env.call("GET", "/restore-testing/plans/nope", None, Value::Null);
    assert_error(
        &missing,
        400,
        "ResourceNotFoundException",
        "Restore testing plan nope not found",
    );
}

#[test]
fn plan_names_and_schedules_are_checked() {
    let env = Env::new();
    let plan = |name: &str, cron: &str, tz: Option<&str>| {
        let mut p = json!({"RestoreTestingPlanName": name, "ScheduleExpression": cron,
            "RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"],
                "RecoveryPointTypes": ["SNAPSHOT"]}});
        if let Some(tz) = tz {
            p["ScheduleExpressionTimezone"] = json!(tz);
        }
        env.call(
            "PUT",
            "/restore-testing/plans",
            None,
            json!({"RestoreTestingPlan": p}),
        )
    };
    assert_error(
        &plan("has-dash", "cron(0 5 ? * * *)", None),
        400,
        "InvalidParameterValueException",
        "Invalid restore testing plan name: has-dash. The name must consist of only alphanumeric characters and underscores, up to 50 characters.",
    );
    assert_error(
        &plan("ok", "cron(0 5 * * * *)", None),
        400,
        "InvalidParameterValueException",
        "Invalid schedule expression: cron(0 5 * * * *)",
    );
    assert_error(
        &plan("ok", "cron(0 5 ? * * *)", Some("Nowhere/Town")),
        400,
        "InvalidParameterValueException",
        "Invalid schedule expression timezone: Nowhere/Town",
    );
    let r = env.call(
        "PUT",
        "/restore-testing/plans",
        None,
        json!({"RestoreTestingPlan": {"RestoreTestingPlanName": "ok", "ScheduleExpression": "cron(0 5 ? * * *)",
            "RecoveryPointSelection": {"IncludeVaults": ["*"], "RecoveryPointTypes": ["SNAPSHOT"]}}}),
    );
    assert_error(
        &r,
        400,
        "MissingParameterValueException",
        "Missing required parameter RecoveryPointSelection.Algorithm",
    );
}

#[test]
fn selections_follow_the_documented_rules_and_block_plan_deletion() {
    let env = Env::new();
    let role = env.role();
    env.testing_plan("p1", 0, &role);
    let sel = |body: Value| {
        env.call(
            "PUT",
            "/restore-testing/plans/p1/selections",
            None,
            json!({"RestoreTestingSelection": body}),
        )
    };
    assert_error(
        &sel(
            json!({"RestoreTestingSelectionName": "tables", "IamRoleArn": role,
            "ProtectedResourceType": "DynamoDB", "ProtectedResourceArns": ["*"]}),
        ),
        400,
        "AlreadyExistsException",
        "Restore testing selection tables already exists in restore testing plan p1",
    );
    assert_error(
        &sel(json!({"RestoreTestingSelectionName": "both", "IamRoleArn": role,
            "ProtectedResourceType": "EBS", "ProtectedResourceArns": ["arn:aws:ec2:us-east-1:111111111111:volume/vol-1"],
            "ProtectedResourceConditions": {"StringEquals": [{"Key": "a", "Value": "b"}]}})),
        400,
        "InvalidParameterValueException",
        "ProtectedResourceConditions can only be used with the wildcard [\"*\"] in ProtectedResourceArns",
    );
    assert_error(
        &sel(
            json!({"RestoreTestingSelectionName": "odd", "IamRoleArn": role,
            "ProtectedResourceType": "Redshift", "ProtectedResourceArns": ["*"]}),
        ),
        400,
        "InvalidParameterValueException",
        "Unsupported protected resource type: Redshift",
    );
    let got = env.ok(
        "GET",
        "/restore-testing/plans/p1/selections/tables",
        Value::Null,
    );
    assert_eq!(
        got["RestoreTestingSelection"]["ProtectedResourceType"],
        "DynamoDB"
    );
    assert_eq!(got["RestoreTestingSelection"]["ValidationWindowHours"], 2);
    env.ok(
        "PUT",
        "/restore-testing/plans/p1/selections/tables",
        json!({"RestoreTestingSelection": {"ValidationWindowHours": 5,
            "RestoreMetadataOverrides": {"encryptionType": "Default"}}}),
    );
    let listed = env.ok("GET", "/restore-testing/plans/p1/selections", Value::Null);
    assert_eq!(
        listed["RestoreTestingSelections"][0]["ValidationWindowHours"],
        5
    );
    let blocked = env.call("DELETE", "/restore-testing/plans/p1", None, Value::Null);
    assert_error(
        &blocked,
        400,
        "InvalidRequestException",
        "All restore testing selections associated with a restore testing plan must be deleted before the restore testing plan can be deleted.",
    );
    env.ok(
        "DELETE",
        "/restore-testing/plans/p1/selections/tables",
        Value::Null,
    );
    env.ok("DELETE", "/restore-testing/plans/p1", Value::Null);
    let listed = env.ok("GET", "/restore-testing/plans", Value::Null);
    assert_eq!(listed["RestoreTestingPlans"], json!([]));
}

#[test]
fn a_scheduled_run_restores_the_latest_recovery_point_and_takes_a_validation_result() {
    let env = Env::new();
    let role = env.role();
    env.vault("main");
    let first = env.backup_of("main", TABLE, &role);
    env.advance(5.0);
    let latest = env.backup_of("main", TABLE, &role);
    assert_ne!(first, latest);
    let (minute, wait) = minute_ahead(env.now(), 10);
    let plan_arn = env.testing_plan("hourly", minute, &role);
    env.advance(wait - 60.0);
    let none = env.ok("GET", "/restore-jobs/", Value::Null);
    assert_eq!(
        none["RestoreJobs"],
        json!([]),
        "no run before the fire time"
    );
    env.advance(120.0);
    let jobs = env.ok("GET", "/restore-jobs/", Value::Null);
    let jobs = jobs["RestoreJobs"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["RecoveryPointArn"], latest.as_str());
    let id = jobs[0]["RestoreJobId"].as_str().unwrap().to_owned();
    let job = env.ok("GET", &format!("/restore-jobs/{id}"), Value::Null);
    assert_eq!(job["CreatedBy"]["RestoreTestingPlanArn"], plan_arn.as_str());
    assert_eq!(job["Status"], "COMPLETED");
    let plan = env.ok("GET", "/restore-testing/plans/hourly", Value::Null);
    assert!(plan["RestoreTestingPlan"]["LastExecutionTime"].is_number());
    env.ok(
        "PUT",
        &format!("/restore-jobs/{id}/validations"),
        json!({"ValidationStatus": "SUCCESSFUL", "ValidationStatusMessage": "rows match"}),
    );
    let job = env.ok("GET", &format!("/restore-jobs/{id}"), Value::Null);
    assert_eq!(job["ValidationStatus"], "SUCCESSFUL");
    assert_eq!(job["ValidationStatusMessage"], "rows match");
    let by_plan = format!(
        "restoreTestingPlanArn={}",
        form_urlencoded::byte_serialize(plan_arn.as_bytes()).collect::<String>()
    );
    let r = env.call("GET", "/restore-jobs/", Some(&by_plan), Value::Null);
    assert_eq!(r.body["RestoreJobs"][0]["RestoreJobId"], id.as_str());
    assert_eq!(r.body["RestoreJobs"][0]["ValidationStatus"], "SUCCESSFUL");
    let other = "restoreTestingPlanArn=arn%3Aaws%3Abackup%3Aus-east-1%3A111111111111%3Arestore-testing-plan%3Aother-1";
    let r = env.call("GET", "/restore-jobs/", Some(other), Value::Null);
    assert_eq!(r.body["RestoreJobs"], json!([]));
    // A jump over many fire times runs the plan once.
    env.advance(10.0 * 3600.0);
    let jobs = env.ok("GET", "/restore-jobs/", Value::Null);
    assert_eq!(jobs["RestoreJobs"].as_array().unwrap().len(), 2);
}

#[test]
fn validation_results_are_only_for_restore_testing_jobs() {
    let env = Env::new();
    let role = env.role();
    env.vault("main");
    let rp = env.backup_of("main", TABLE, &role);
    let started = env.ok(
        "PUT",
        "/restore-jobs",
        json!({"RecoveryPointArn": rp, "IamRoleArn": role, "Metadata": {}}),
    );
    let id = started["RestoreJobId"].as_str().unwrap();
    let r = env.call(
        "PUT",
        &format!("/restore-jobs/{id}/validations"),
        None,
        json!({"ValidationStatus": "SUCCESSFUL"}),
    );
    assert_error(
        &r,
        400,
        "InvalidRequestException",
        &format!("Restore job {id} was not created by a restore testing plan; validation results can only be reported for restore testing jobs"),
    );
    let r = env.call(
        "PUT",
        "/restore-jobs/NOPE/validations",
        None,
        json!({"ValidationStatus": "SUCCESSFUL"}),
    );
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        "Cannot find job with ID NOPE",
    );
}

#[test]
fn inferred_metadata_comes_from_the_recovery_point() {
    let env = Env::new();
    let role = env.role();
    env.vault("main");
    let rp = env.backup_of("main", TABLE, &role);
    let query = format!(
        "BackupVaultName=main&RecoveryPointArn={}",
        form_urlencoded::byte_serialize(rp.as_bytes()).collect::<String>()
    );
    let r = env.call(
        "GET",
        "/restore-testing/inferred-metadata",
        Some(&query),
        Value::Null,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let m = &r.body["InferredMetadata"];
    assert_eq!(m["deletionProtection"], "false");
    assert!(m["targetTableName"]
        .as_str()
        .unwrap()
        .starts_with("awsbackup-restore-test-"));
    let r = env.call(
        "GET",
        "/restore-testing/inferred-metadata",
        Some("BackupVaultName=main&RecoveryPointArn=arn%3Aaws%3Abackup%3Aus-east-1%3A111111111111%3Arecovery-point%3Anope"),
        Value::Null,
    );
    assert_error(
        &r,
        400,
        "ResourceNotFoundException",
        "Cannot find recovery point",
    );
}

#[test]
fn a_cron_rule_runs_its_backup_and_copy_when_the_clock_passes_its_fire_time() {
    let env = Env::new();
    let role = env.role();
    env.vault("main");
    let dest = env.vault("second");
    env.admin(Method::POST, "/_keyhole/resources", json!({"Arn": TABLE}));
    let (minute, wait) = minute_ahead(env.now(), 10);
    let plan = json!({"BackupPlanName": "hourly", "Rules": [{"RuleName": "Hourly",
        "TargetBackupVaultName": "main", "ScheduleExpression": format!("cron({minute} * ? * * *)"),
        "StartWindowMinutes": 60,
        "CopyActions": [{"DestinationBackupVaultArn": dest}]}]});
    let id = env.ok("PUT", "/backup/plans/", json!({"BackupPlan": plan}))["BackupPlanId"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(
        "PUT",
        &format!("/backup/plans/{id}/selections/"),
        json!({"BackupSelection": {"SelectionName": "tables", "IamRoleArn": role, "Resources": [TABLE]}}),
    );
    env.advance(wait - 60.0);
    let none = env.ok("GET", "/backup-jobs/", Value::Null);
    assert_eq!(none["BackupJobs"], json!([]), "no run before the fire time");
    env.advance(120.0);
    let jobs = env.ok("GET", "/backup-jobs/", Value::Null);
    let jobs = jobs["BackupJobs"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["State"], "COMPLETED", "{jobs:?}");
    assert_eq!(jobs[0]["CreatedBy"]["BackupRuleName"], "Hourly");
    assert_eq!(
        jobs[0]["CreationDate"].as_f64().unwrap() % 3600.0 % 60.0,
        0.0
    );
    let copies = env.ok("GET", "/copy-jobs/", Value::Null);
    assert_eq!(copies["CopyJobs"][0]["State"], "COMPLETED", "{copies}");
    assert_eq!(
        copies["CopyJobs"][0]["DestinationBackupVaultArn"],
        dest.as_str()
    );
    // Three hours later: one more run, not three.
    env.advance(3.0 * 3600.0);
    let jobs = env.ok("GET", "/backup-jobs/", Value::Null);
    assert_eq!(jobs["BackupJobs"].as_array().unwrap().len(), 2);
}

#[test]
fn backup_plans_refuse_bad_schedules() {
    let env = Env::new();
    let plan = |cron: &str, tz: &str| {
        json!({"BackupPlan": {"BackupPlanName": "p", "Rules": [{"RuleName": "Daily",
            "TargetBackupVaultName": "Default", "ScheduleExpression": cron,
            "ScheduleExpressionTimezone": tz}]}})
    };
    let r = env.call(
        "PUT",
        "/backup/plans/",
        None,
        plan("rate(1 day)", "Etc/UTC"),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Error in rule Daily : Schedule expression rate(1 day) is not valid",
    );
    let r = env.call(
        "PUT",
        "/backup/plans/",
        None,
        plan("cron(0 5 ? * * *)", "Moon/Base"),
    );
    assert_error(
        &r,
        400,
        "InvalidParameterValueException",
        "Error in rule Daily : Schedule expression timezone Moon/Base is not valid",
    );
    env.ok(
        "PUT",
        "/backup/plans/",
        plan("cron(0 5 ? * MON-FRI *)", "America/New_York"),
    );
}
