//! Backup plans: versions and templates. Their selections are in `plan_selections`, running
//! a rule now in `plan_runs`.

use serde_json::{json, Map, Value};

use super::authorize::authorize;
use super::errors::{invalid_parameter, invalid_request, not_found};
use super::input::req;
use super::lookup::{parse_vault_arn, state, state_mut};
use super::paging::page;
use super::state::{Plan, PlanVersion};
use super::tags::tags_from;
use crate::protocol::{ApiError, ApiResult};
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::World;

fn valid_vault_name(name: &str) -> bool {
    (2..=50).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// AWS Backup's own checks of a plan's rules, before the model's.
pub fn check_rules(plan: &Value) -> ApiResult<()> {
    for rule in plan["Rules"].as_array().into_iter().flatten() {
        let rule_name = rule["RuleName"].as_str().unwrap_or_default();
        if let Some(vault) = rule["TargetBackupVaultName"].as_str() {
            if !valid_vault_name(vault) {
                return Err(invalid_parameter(format!(
                    "Error in rule {rule_name} : Backup vault name {vault} is not valid"
                )));
            }
        }
        let (expression, timezone) = super::schedule::rule_schedule(rule);
        if let Some(expression) = expression {
            match super::schedule::check(expression, timezone) {
                Ok(()) => {}
                // Text inferred, in the style of the vault-name message.
                Err(super::schedule::ScheduleError::Expression) => {
                    return Err(invalid_parameter(format!(
                        "Error in rule {rule_name} : Schedule expression {expression} is not valid"
                    )))
                }
                // Text inferred, in the style of the vault-name message.
                Err(super::schedule::ScheduleError::Timezone) => {
                    return Err(invalid_parameter(format!(
                        "Error in rule {rule_name} : Schedule expression timezone {} is not valid",
                        timezone.unwrap_or_default()
                    )))
                }
            }
        }
        check_lifecycle(rule_name, rule)?;
        for action in rule["CopyActions"].as_array().into_iter().flatten() {
            let arn = action["DestinationBackupVaultArn"]
                .as_str()
                .unwrap_or_default();
            if parse_vault_arn(arn).is_none() {
                // Text inferred, in the style of the vault-name message.
                return Err(invalid_parameter(format!(
                    "Error in rule {rule_name} : Destination backup vault ARN {arn} is not valid"
                )));
            }
            // That AWS checks a copy action's lifecycle as the rule's, with the same answer,
            // is inferred: its Lifecycle is the same shape, and AWS applies it to the copy.
            check_lifecycle(rule_name, action)?;
        }
    }
    Ok(())
}

/// The "Invalid lifecycle." checks of the `Lifecycle` of `holder` (a rule or a copy action)
/// in rule `rule_name`. AWS answers `Error in rule <r> : <text>` with Code ERROR_3015 and a
/// Context that is the JSON array `[<r>, <text>]` as a string: lgallard/terraform-aws-backup#40
/// shows all three for "MoveToColdStorageAfterDays is unavailable"; the prefix is real for
/// the 90-day text too (terraform-provider-aws#7350); that the siblings share the code is
/// inferred.
fn check_lifecycle(rule_name: &str, holder: &Value) -> ApiResult<()> {
    let lifecycle = &holder["Lifecycle"];
    let continuous = holder["EnableContinuousBackup"].as_bool() == Some(true);
    let cold = lifecycle["MoveToColdStorageAfterDays"].as_i64();
    let problem = if continuous && cold.is_some() {
        // lgallard/terraform-aws-backup#40: a continuous rule cannot move to cold storage.
        Some("Invalid lifecycle. MoveToColdStorageAfterDays is unavailable")
    } else {
        super::lifecycle::lifecycle_problem(lifecycle)
    };
    match problem {
        None => Ok(()),
        Some(text) => Err(
            invalid_parameter(format!("Error in rule {rule_name} : {text}"))
                .field("Code", "ERROR_3015")
                .field("Context", json!([rule_name, text]).to_string()),
        ),
    }
}

fn version_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("{}{}", &a[..24], &b[..24])
}

/// The plan document as stored: each rule gets its RuleId.
fn with_rule_ids(plan: &Value, previous: Option<&Value>) -> Value {
    let mut plan = plan.clone();
    if let Some(rules) = plan["Rules"].as_array_mut() {
        for rule in rules {
            let name = rule["RuleName"].as_str().unwrap_or_default().to_owned();
            let old_id = previous
                .and_then(|p| p["Rules"].as_array())
                .and_then(|rs| rs.iter().find(|r| r["RuleName"] == json!(name)))
                .and_then(|r| r["RuleId"].as_str())
                .map(str::to_owned);
            rule["RuleId"] = json!(old_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()));
            // AWS's defaults for what a rule leaves out: the schedule from the model's
            // documentation; the windows from the devguide ("Start within defaults to 8
            // hours", "Complete within defaults to 7 days"), which AWS applies to API-made
            // rules too (aws/aws-cdk#27050: a rule sent without CompletionWindowMinutes is
            // stored with 7 days; the AWS CLI's get-backup-plan example shows 480 and 10080).
            for (key, default) in [
                ("ScheduleExpression", json!("cron(0 5 ? * * *)")),
                ("StartWindowMinutes", json!(480)),
                ("CompletionWindowMinutes", json!(10080)),
            ] {
                if rule.get(key).is_none_or(Value::is_null) {
                    rule[key] = default;
                }
            }
        }
    }
    plan
}

/// Whether two stored plan documents are the same but for their rules' ids.
fn same_document(a: &Value, b: &Value) -> bool {
    let without_ids = |plan: &Value| {
        let mut plan = plan.clone();
        for rule in plan["Rules"].as_array_mut().into_iter().flatten() {
            if let Some(rule) = rule.as_object_mut() {
                rule.remove("RuleId");
            }
        }
        plan
    };
    without_ids(a) == without_ids(b)
}

fn ensure_target_vaults(world: &mut World, ctx: &RequestContext, plan: &Value) {
    let uses_default = plan["Rules"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["TargetBackupVaultName"] == json!("Default"));
    if uses_default {
        super::vaults::ensure_default_vault(world, &ctx.caller.account, &ctx.region, ctx.now);
    }
}

/// CreateBackupPlan's answer for `p` as it is now.
fn created_json(p: &Plan) -> Value {
    let version = p.versions.last();
    json!({
        "BackupPlanId": p.id,
        "BackupPlanArn": p.arn,
        "CreationDate": p.creation_date,
        "VersionId": version.map(|v| &v.version_id),
        "AdvancedBackupSettings": version.and_then(|v| v.plan.get("AdvancedBackupSettings")),
    })
}

pub fn create(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let plan_doc = &input["BackupPlan"];
    check_rules(plan_doc)?;
    let creator_request_id = member(input, "CreatorRequestId");
    let stored = with_rule_ids(plan_doc, None);
    let live = state(world, &ctx.caller.account, &ctx.region)
        .into_iter()
        .flat_map(|st| st.plans.values())
        .filter(|p| p.deletion_date.is_none());
    for p in live {
        // API reference: "If the request includes a CreatorRequestId that matches an
        // existing backup plan, that plan is returned."
        if creator_request_id.is_some() && p.creator_request_id.as_deref() == creator_request_id {
            return Ok(created_json(p));
        }
        // "If you try to create a backup plan that is identical to an existing plan, you
        // receive an AlreadyExistsException" (devguide, creating-a-backup-plan); the text is
        // real (ministryofjustice/modernisation-platform#4909). The narrowest reading: the
        // whole BackupPlan document (name, rules, advanced settings, with AWS's defaults
        // filled in) equals a live plan's current version. A plan of the same name but
        // another document is a new plan (ansible/ansible#53655, observed against AWS).
        // Which of the model's members (Arn, CreatorRequestId, Code, Context) AWS fills is
        // not known, so only the message is sent.
        if p.versions
            .last()
            .is_some_and(|v| same_document(&v.plan, &stored))
        {
            return Err(ApiError::new(
                "AlreadyExistsException",
                "Backup plan with the same plan document already exists",
            ));
        }
    }
    ensure_target_vaults(world, ctx, plan_doc);
    let id = uuid::Uuid::new_v4().to_string();
    let arn = format!(
        "arn:{}:backup:{}:{}:backup-plan:{id}",
        crate::world::partition(&ctx.region),
        ctx.region,
        ctx.caller.account
    );
    let version = PlanVersion {
        version_id: version_id(),
        creation_date: ctx.now,
        plan: stored,
    };
    let plan = Plan {
        id: id.clone(),
        arn: arn.clone(),
        creation_date: ctx.now,
        creator_request_id: creator_request_id.map(str::to_owned),
        versions: vec![version],
        ..Plan::default()
    };
    let out = created_json(&plan);
    let tags = tags_from(&input["BackupPlanTags"]);
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    if !tags.is_empty() {
        st.tags.insert(arn, tags);
    }
    st.plans.insert(id.clone(), plan);
    let at = (ctx.caller.account.as_str(), ctx.region.as_str());
    super::schedule::schedule_plan(world, at, &id);
    Ok(out)
}

pub(super) fn plan<'w>(ctx: &RequestContext, world: &'w World, id: &str) -> ApiResult<&'w Plan> {
    state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.plans.get(id))
        .filter(|p| p.deletion_date.is_none())
        // Text inferred.
        .ok_or_else(|| not_found("Failed reading Backup plan with provided version"))
}

pub(super) fn plan_mut<'w>(
    ctx: &RequestContext,
    world: &'w mut World,
    id: &str,
) -> ApiResult<&'w mut Plan> {
    state_mut(world, &ctx.caller.account, &ctx.region, ctx.now)
        .plans
        .get_mut(id)
        .filter(|p| p.deletion_date.is_none())
        .ok_or_else(|| not_found("Failed reading Backup plan with provided version"))
}

pub fn update(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "BackupPlanId")?.to_owned();
    let arn = plan(ctx, world, &id)?.arn.clone();
    authorize(ctx, world, Some(arn), None)?;
    let plan_doc = &input["BackupPlan"];
    check_rules(plan_doc)?;
    ensure_target_vaults(world, ctx, plan_doc);
    let now = ctx.now;
    let p = plan_mut(ctx, world, &id)?;
    let previous = p.versions.last().map(|v| v.plan.clone());
    let version = PlanVersion {
        version_id: version_id(),
        creation_date: now,
        plan: with_rule_ids(plan_doc, previous.as_ref()),
    };
    let out = json!({
        "BackupPlanId": p.id,
        "BackupPlanArn": p.arn,
        "CreationDate": p.creation_date,
        "VersionId": version.version_id,
        "AdvancedBackupSettings": plan_doc.get("AdvancedBackupSettings"),
    });
    p.versions.push(version);
    let at = (ctx.caller.account.as_str(), ctx.region.as_str());
    super::schedule::schedule_plan(world, at, &id);
    Ok(out)
}

pub fn delete(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "BackupPlanId")?.to_owned();
    let arn = plan(ctx, world, &id)?.arn.clone();
    authorize(ctx, world, Some(arn), None)?;
    let now = ctx.now;
    let p = plan_mut(ctx, world, &id)?;
    if !p.selections.is_empty() {
        // Text inferred.
        return Err(invalid_request(
            "Related backup plan selections must be deleted prior to backup plan deletion.",
        ));
    }
    p.deletion_date = Some(now);
    let version = p.versions.last().map(|v| v.version_id.clone());
    Ok(json!({
        "BackupPlanId": p.id,
        "BackupPlanArn": p.arn,
        "DeletionDate": now,
        "VersionId": version,
    }))
}

fn plan_json(p: &Plan, version: &PlanVersion) -> Value {
    json!({
        "BackupPlan": version.plan,
        "BackupPlanId": p.id,
        "BackupPlanArn": p.arn,
        "VersionId": version.version_id,
        "CreatorRequestId": p.creator_request_id,
        "CreationDate": version.creation_date,
        "DeletionDate": p.deletion_date,
        "LastExecutionDate": p.last_execution_date,
        "AdvancedBackupSettings": version.plan.get("AdvancedBackupSettings"),
    })
}

pub fn get(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "BackupPlanId")?;
    let p = plan(ctx, world, id)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    let version = match member(input, "VersionId") {
        None => p.versions.last(),
        Some(v) => p.versions.iter().find(|x| x.version_id == v),
    }
    .ok_or_else(|| not_found("Failed reading Backup plan with provided version"))?;
    Ok(plan_json(p, version))
}

fn list_member(p: &Plan, version: &PlanVersion) -> Value {
    json!({
        "BackupPlanId": p.id,
        "BackupPlanArn": p.arn,
        "BackupPlanName": version.plan["BackupPlanName"],
        "VersionId": version.version_id,
        "CreationDate": version.creation_date,
        "DeletionDate": p.deletion_date,
        "LastExecutionDate": p.last_execution_date,
        "CreatorRequestId": p.creator_request_id,
        "AdvancedBackupSettings": version.plan.get("AdvancedBackupSettings"),
    })
}

pub fn list(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let include_deleted = input.get("IncludeDeleted").and_then(Value::as_bool) == Some(true);
    let items = state(world, &ctx.caller.account, &ctx.region)
        .map(|st| {
            st.plans
                .values()
                .filter(|p| include_deleted || p.deletion_date.is_none())
                .filter_map(|p| p.versions.last().map(|v| list_member(p, v)))
                .collect()
        })
        .unwrap_or_default();
    page(input, items, "BackupPlansList")
}

pub fn versions(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "BackupPlanId")?;
    let p = plan(ctx, world, id)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    let items = p.versions.iter().rev().map(|v| list_member(p, v)).collect();
    page(input, items, "BackupPlanVersionsList")
}

pub fn from_json(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let text = req(input, "BackupPlanTemplateJson")?;
    let plan: Value = serde_json::from_str(text)
        // Text inferred.
        .map_err(|_| invalid_parameter("Invalid backup plan template JSON"))?;
    let plan = plan.get("BackupPlan").cloned().unwrap_or(plan);
    if plan["BackupPlanName"].as_str().is_none() || plan["Rules"].as_array().is_none() {
        return Err(invalid_parameter("Invalid backup plan template JSON"));
    }
    check_rules(&plan)?;
    Ok(json!({"BackupPlan": plan}))
}

/// The templates AWS offers in every account.
fn template_list() -> Vec<(&'static str, &'static str, Value)> {
    let rule = |name: &str, cron: &str, days: i64, cold: Option<i64>| {
        let mut lifecycle = Map::new();
        lifecycle.insert("DeleteAfterDays".into(), json!(days));
        if let Some(c) = cold {
            lifecycle.insert("MoveToColdStorageAfterDays".into(), json!(c));
        }
        json!({
            "RuleName": name,
            "TargetBackupVaultName": "Default",
            "ScheduleExpression": cron,
            "StartWindowMinutes": 480,
            "CompletionWindowMinutes": 10080,
            "Lifecycle": lifecycle,
        })
    };
    vec![
        (
            "87c0c1ef-254d-4180-8fef-2e76a2c38aaa",
            "Daily-35day-Retention",
            json!({"BackupPlanName": "Daily-35day-Retention", "Rules": [
                rule("DailyBackups", "cron(0 5 ? * * *)", 35, None)]}),
        ),
        (
            "af3a0ed5-f6a4-4c38-a6b0-2a7b39e2b9a1",
            "Daily-Monthly-1yr-Retention",
            json!({"BackupPlanName": "Daily-Monthly-1yr-Retention", "Rules": [
                rule("DailyBackups", "cron(0 5 ? * * *)", 35, None),
                rule("Monthly", "cron(0 5 1 * ? *)", 365, Some(30))]}),
        ),
        (
            "3f2b8a84-0ae4-4bb6-9a50-1f0c2a4d4d7e",
            "Daily-Weekly-Monthly-5YR-Retention",
            json!({"BackupPlanName": "Daily-Weekly-Monthly-5YR-Retention", "Rules": [
                rule("DailyBackups", "cron(0 5 ? * * *)", 35, None),
                rule("Weekly", "cron(0 5 ? * 7 *)", 90, None),
                rule("Monthly", "cron(0 5 1 * ? *)", 1825, Some(30))]}),
        ),
        (
            "6a2b6c7e-8d1f-4a3e-9b2c-5d4e3f2a1b0c",
            "Daily-Weekly-Monthly-7YR-Retention",
            json!({"BackupPlanName": "Daily-Weekly-Monthly-7YR-Retention", "Rules": [
                rule("DailyBackups", "cron(0 5 ? * * *)", 35, None),
                rule("Weekly", "cron(0 5 ? * 7 *)", 90, None),
                rule("Monthly", "cron(0 5 1 * ? *)", 2555, Some(30))]}),
        ),
    ]
}

pub fn templates(ctx: &RequestContext, world: &mut World) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let list: Vec<Value> = template_list()
        .into_iter()
        .map(|(id, name, _)| json!({"BackupPlanTemplateId": id, "BackupPlanTemplateName": name}))
        .collect();
    Ok(json!({"BackupPlanTemplatesList": list}))
}

pub fn from_template(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let id = req(input, "BackupPlanTemplateId")?;
    template_list()
        .into_iter()
        .find(|(t, _, _)| *t == id)
        .map(|(_, _, plan)| json!({"BackupPlanDocument": plan}))
        // Text inferred.
        .ok_or_else(|| not_found(format!("Backup plan template {id} not found")))
}

pub fn export_template(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "BackupPlanId")?;
    let p = plan(ctx, world, id)?;
    authorize(ctx, world, Some(p.arn.clone()), None)?;
    let doc = p
        .versions
        .last()
        .map(|v| v.plan.clone())
        .unwrap_or_default();
    Ok(json!({"BackupPlanTemplateJson": doc.to_string()}))
}
