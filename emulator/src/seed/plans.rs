//! Backup plans in a seed file: each version made by CreateBackupPlan and UpdateBackupPlan,
//! each selection by CreateBackupSelection, then the file's ids (plan, versions, rules,
//! selections) put in place of the generated ones.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::call::On;
use super::format::{PlanSeed, PlanVersionSeed, SelectionSeed};
use crate::docfile::{key, Seg};
use crate::protocol::ServiceId;
use crate::services::backup::state::BackupState;
use crate::world::World;

/// A plan document without its rules' ids: what CreateBackupPlan takes.
fn without_rule_ids(plan: &Value) -> Value {
    let mut plan = plan.clone();
    for rule in plan["Rules"].as_array_mut().into_iter().flatten() {
        if let Some(rule) = rule.as_object_mut() {
            rule.remove("RuleId");
        }
    }
    plan
}

/// The rules' ids of a stored document, in order.
fn rule_ids(plan: &Value) -> Vec<Option<String>> {
    plan["Rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["RuleId"].as_str().map(str::to_owned))
        .collect()
}

/// Makes plan `p` in `on`'s account and Region. A refusal names the member it concerns
/// (`versions`, `selections`) with its reason.
pub fn apply(world: &mut World, on: &On<'_>, p: &PlanSeed) -> Result<(), (Vec<Seg>, String)> {
    let here = |member: &str, i: usize| vec![key(member), Seg::Index(i)];
    let Some(first) = p.versions.first() else {
        return Err((vec![], "a plan has at least one version".into()));
    };
    let mut input = json!({"BackupPlan": without_rule_ids(&first.plan)});
    if !p.tags.is_empty() {
        input["BackupPlanTags"] = json!(p.tags);
    }
    if let Some(id) = &p.creator_request_id {
        input["CreatorRequestId"] = json!(id);
    }
    let made = on
        .call(world, ServiceId::Backup, "CreateBackupPlan", input)
        .map_err(|e| (here("versions", 0), e))?;
    let plan_id = made["BackupPlanId"].as_str().unwrap_or_default().to_owned();
    let mut versions = vec![made["VersionId"].as_str().unwrap_or_default().to_owned()];
    for (i, v) in p.versions.iter().enumerate().skip(1) {
        let input = json!({"BackupPlanId": plan_id, "BackupPlan": without_rule_ids(&v.plan)});
        let made = on
            .call(world, ServiceId::Backup, "UpdateBackupPlan", input)
            .map_err(|e| (here("versions", i), e))?;
        versions.push(made["VersionId"].as_str().unwrap_or_default().to_owned());
    }
    let mut pins = Vec::new();
    for (i, s) in p.selections.iter().enumerate() {
        let mut input = json!({"BackupPlanId": plan_id, "BackupSelection": s.selection});
        if let Some(id) = &s.creator_request_id {
            input["CreatorRequestId"] = json!(id);
        }
        let made = on
            .call(world, ServiceId::Backup, "CreateBackupSelection", input)
            .map_err(|e| (here("selections", i), e))?;
        if let (Some(fixed), Some(generated)) = (&s.id, made["SelectionId"].as_str()) {
            pins.push((generated.to_owned(), fixed.clone()));
        }
    }
    let state = &mut world.region_mut(on.account, on.region, on.now).backup;
    if let Some(stored) = state.plans.get(&plan_id) {
        for (v, (seed, generated)) in stored.versions.iter().zip(p.versions.iter().zip(&versions)) {
            if let Some(fixed) = &seed.version_id {
                pins.push((generated.clone(), fixed.clone()));
            }
            for (made, fixed) in rule_ids(&v.plan).into_iter().zip(rule_ids(&seed.plan)) {
                if let (Some(made), Some(fixed)) = (made, fixed) {
                    pins.push((made, fixed));
                }
            }
        }
    }
    if let Some(fixed) = &p.id {
        pins.push((plan_id, fixed.clone()));
    }
    // The whole Region's Backup state: the plan's id is also in its ARN, its tags' key and
    // the schedule's cursors. Generated ids are random, so they occur nowhere else.
    let pinned: BackupState =
        super::call::repin(std::mem::take(state), &pins).map_err(|e| (vec![], e))?;
    *state = pinned;
    Ok(())
}

/// The Region's live plans (a deleted plan is history, not the world).
pub fn export(state: &BackupState) -> Vec<PlanSeed> {
    state
        .plans
        .values()
        .filter(|p| p.deletion_date.is_none())
        .map(|p| PlanSeed {
            id: Some(p.id.clone()),
            creator_request_id: p.creator_request_id.clone(),
            versions: p
                .versions
                .iter()
                .map(|v| PlanVersionSeed {
                    version_id: Some(v.version_id.clone()),
                    plan: v.plan.clone(),
                })
                .collect(),
            tags: state
                .tags
                .get(&p.arn)
                .cloned()
                .unwrap_or_else(BTreeMap::new),
            selections: p
                .selections
                .values()
                .map(|s| SelectionSeed {
                    id: Some(s.id.clone()),
                    creator_request_id: s.creator_request_id.clone(),
                    selection: s.selection.clone(),
                })
                .collect(),
        })
        .collect()
}
