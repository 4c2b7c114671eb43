//! A restore testing run: the candidate recovery points of each selection and the restore
//! jobs it starts ([`run_plan`], called by `backup::schedule`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::lookup::{state, state_mut};
use super::super::state::restore_testing::TestingJob;
use super::super::state::RecoveryPoint;
use crate::world::World;

/// `*` matches any run of characters.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.starts_with(head) && {
                let rest = &text[head.len()..];
                (0..=rest.len())
                    .filter(|i| rest.is_char_boundary(*i))
                    .any(|i| glob(tail, &rest[i..]))
            }
        }
    }
}

pub(crate) fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Whether a protected resource's tags satisfy a selection's conditions.
pub(crate) fn conditions_hold(conditions: &Value, tags: &BTreeMap<String, String>) -> bool {
    let pairs = |key: &str| -> Vec<(String, String)> {
        conditions[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["Key"].as_str().unwrap_or_default().to_owned(),
                    c["Value"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    pairs("StringEquals")
        .iter()
        .all(|(k, v)| tags.get(k) == Some(v))
        && pairs("StringNotEquals")
            .iter()
            .all(|(k, v)| tags.get(k) != Some(v))
}

/// The recovery points a selection may restore at `at`, under the plan's selection rules.
pub(crate) fn candidates(
    world: &World,
    account: &str,
    region: &str,
    rps: &Value,
    sel: &Value,
    at: f64,
) -> Vec<RecoveryPoint> {
    let include = strings(&rps["IncludeVaults"]);
    let exclude = strings(&rps["ExcludeVaults"]);
    let window = rps["SelectionWindowDays"].as_f64().unwrap_or(30.0) * 86_400.0;
    // keyhole's recovery points are all snapshots.
    let snapshots = strings(&rps["RecoveryPointTypes"]).contains(&"SNAPSHOT");
    let rtype = sel["ProtectedResourceType"].as_str().unwrap_or_default();
    let arns = strings(&sel["ProtectedResourceArns"]);
    let Some(st) = state(world, account, region) else {
        return Vec::new();
    };
    st.vaults
        .values()
        .filter(|v| include.iter().any(|p| glob(p, &v.arn)))
        .filter(|v| !exclude.iter().any(|p| glob(p, &v.arn)))
        .flat_map(|v| v.recovery_points.values())
        .filter(|rp| {
            snapshots
                && rp.status == "COMPLETED"
                && rp.resource_type == rtype
                && rp.creation_date <= at
                && rp.creation_date >= at - window
                && (arns.is_empty() || arns.iter().any(|a| *a == "*" || *a == rp.resource_arn))
                && (sel["ProtectedResourceConditions"].is_null() || {
                    let tags = world
                        .backup
                        .resources
                        .get(&rp.resource_arn)
                        .map(|r| r.tags.clone())
                        .unwrap_or_default();
                    conditions_hold(&sel["ProtectedResourceConditions"], &tags)
                })
        })
        .cloned()
        .collect()
}

/// Runs a restore testing plan at `at`: for each selection, picks a recovery point by the
/// plan's algorithm and starts a restore job recorded as the plan's. Returns the job ids.
pub fn run_plan(
    world: &mut World,
    account: &str,
    region: &str,
    name: &str,
    at: f64,
) -> Vec<String> {
    let Some(p) = state(world, account, region)
        .and_then(|st| st.scheduled.restore_testing.plans.get(name))
        .cloned()
    else {
        return Vec::new();
    };
    let random = p.recovery_point_selection["Algorithm"] == "RANDOM_WITHIN_WINDOW";
    let mut ids = Vec::new();
    for sel in p.selections.values() {
        let mut found = candidates(
            world,
            account,
            region,
            &p.recovery_point_selection,
            &sel.selection,
            at,
        );
        if found.is_empty() {
            continue;
        }
        found.sort_by(|a, b| {
            a.creation_date
                .total_cmp(&b.creation_date)
                .then_with(|| a.arn.cmp(&b.arn))
        });
        let index = if random {
            (uuid::Uuid::new_v4().as_u128() % found.len() as u128) as usize
        } else {
            found.len() - 1
        };
        let rp = &found[index];
        let id = super::super::restore_jobs::create_restore_job(
            world,
            account,
            region,
            rp,
            sel.selection["IamRoleArn"].as_str().map(str::to_owned),
            None,
            at,
        );
        state_mut(world, account, region, at)
            .scheduled
            .restore_testing
            .jobs
            .insert(
                id.clone(),
                TestingJob {
                    plan_arn: p.arn.clone(),
                    plan_name: p.name.clone(),
                    selection_name: sel.name.clone(),
                    ..TestingJob::default()
                },
            );
        ids.push(id);
    }
    if let Some(p) = state_mut(world, account, region, at)
        .scheduled
        .restore_testing
        .plans
        .get_mut(name)
    {
        p.last_execution_time = Some(at);
    }
    ids
}

#[cfg(test)]
mod unit {
    use serde_json::json;

    use super::*;

    #[test]
    fn vault_patterns_match_with_wildcards() {
        let arn = "arn:aws:backup:us-east-1:111111111111:backup-vault:asdf-1";
        assert!(glob("*", arn));
        assert!(glob("arn:aws:backup:*:*:backup-vault:asdf-*", arn));
        assert!(!glob("arn:aws:backup:*:*:backup-vault:other-*", arn));
    }

    #[test]
    fn conditions_need_every_equal_and_no_unequal() {
        let tags: BTreeMap<String, String> = [("env".to_owned(), "prod".to_owned())].into();
        let c = json!({"StringEquals": [{"Key": "env", "Value": "prod"}]});
        assert!(conditions_hold(&c, &tags));
        let c = json!({"StringNotEquals": [{"Key": "env", "Value": "prod"}]});
        assert!(!conditions_hold(&c, &tags));
        let c = json!({"StringEquals": [{"Key": "team", "Value": "a"}]});
        assert!(!conditions_hold(&c, &tags));
    }
}
