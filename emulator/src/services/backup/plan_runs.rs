//! Running a plan's rule now (keyhole's admin endpoint): the resources a selection picks
//! and the backup jobs it starts.
use serde_json::{json, Value};

use super::lifecycle::lifecycle_from;
use super::lookup::{state, state_mut};
use super::state::CopyAction;
use super::tags::tags_from;
use crate::world::World;

pub(super) fn arn_matches(pattern: &str, arn: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == arn,
        Some((head, tail)) => {
            arn.starts_with(head)
                && (tail.is_empty() || {
                    let rest = &arn[head.len()..];
                    (0..=rest.len())
                        .filter(|i| rest.is_char_boundary(*i))
                        .any(|i| arn_matches(tail, &rest[i..]))
                })
        }
    }
}

/// The resources a selection picks: listed ARNs (declared resources match wildcards) and
/// declared resources with a matching tag, minus NotResources.
pub(crate) fn selected_resources(world: &World, sel: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for pattern in sel["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if pattern.contains('*') {
            out.extend(
                world
                    .backup
                    .resources
                    .keys()
                    .filter(|arn| arn_matches(pattern, arn))
                    .cloned(),
            );
        } else {
            out.push(pattern.to_owned());
        }
    }
    for cond in sel["ListOfTags"].as_array().into_iter().flatten() {
        let (Some(key), Some(value)) = (
            cond["ConditionKey"].as_str(),
            cond["ConditionValue"].as_str(),
        ) else {
            continue;
        };
        out.extend(
            world
                .backup
                .resources
                .iter()
                .filter(|(_, r)| r.tags.get(key).map(String::as_str) == Some(value))
                .map(|(arn, _)| arn.clone()),
        );
    }
    let excluded: Vec<&str> = sel["NotResources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    out.retain(|arn| !excluded.iter().any(|p| arn_matches(p, arn)));
    out.sort();
    out.dedup();
    out
}

/// Runs `rule_name` of a plan now: one backup job per selected resource; each starts the
/// rule's copy jobs when it completes. Returns the backup job ids.
pub fn run_rule(
    world: &mut World,
    account: &str,
    region: &str,
    plan_id: &str,
    rule_name: &str,
    now: f64,
) -> Result<Vec<String>, String> {
    let p = state(world, account, region)
        .and_then(|st| st.plans.get(plan_id))
        .filter(|p| p.deletion_date.is_none())
        .cloned()
        .ok_or_else(|| format!("no backup plan {plan_id} in {account}/{region}"))?;
    let version = p.versions.last().ok_or("the plan has no version")?;
    let rule = version.plan["Rules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["RuleName"] == json!(rule_name))
        .cloned()
        .ok_or_else(|| format!("the plan has no rule {rule_name}"))?;
    let vault = rule["TargetBackupVaultName"]
        .as_str()
        .unwrap_or("Default")
        .to_owned();
    if vault == "Default" {
        super::vaults::ensure_default_vault(world, account, region, now);
    }
    let created_by = json!({
        "BackupPlanId": p.id,
        "BackupPlanArn": p.arn,
        "BackupPlanName": version.plan["BackupPlanName"],
        "BackupPlanVersion": version.version_id,
        "BackupRuleId": rule["RuleId"],
        "BackupRuleName": rule_name,
        "BackupRuleCron": rule["ScheduleExpression"],
        "BackupRuleTimezone": rule.get("ScheduleExpressionTimezone").cloned().unwrap_or(json!("Etc/UTC")),
    });
    let copies: Vec<CopyAction> = rule["CopyActions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| CopyAction {
            destination_backup_vault_arn: a["DestinationBackupVaultArn"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            lifecycle: lifecycle_from(&a["Lifecycle"]),
        })
        .collect();
    let mut ids = Vec::new();
    for sel in p.selections.values() {
        let role = sel.selection["IamRoleArn"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for resource in selected_resources(world, &sel.selection) {
            let job = super::jobs::create_backup_job(
                world,
                account,
                region,
                &vault,
                &resource,
                &role,
                lifecycle_from(&rule["Lifecycle"]),
                tags_from(&rule["RecoveryPointTags"]),
                Some(created_by.clone()),
                copies.clone(),
                now,
            )
            .map_err(|e| e.to_string())?;
            ids.push(job.id);
        }
    }
    if let Some(p) = state_mut(world, account, region, now)
        .plans
        .get_mut(plan_id)
    {
        p.last_execution_date = Some(now);
    }
    Ok(ids)
}
