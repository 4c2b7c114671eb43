//! The compliance templates: each framework control keyhole's state can answer, evaluated
//! per resource in scope; the others reported as INSUFFICIENT_DATA with the reason.

use std::collections::BTreeMap;

use serde_json::Value;

use super::table::Report;
use crate::protocol::query::format_timestamp;
use crate::services::backup::audit::parameters;
use crate::services::backup::lookup::state;
use crate::services::backup::state::audit::{Framework, ReportJob};
use crate::services::backup::state::{BackupState, RecoveryPoint};
use crate::services::backup::{plan_runs, resources};
use crate::world::World;

/// One (account, Region) a report covers, with its Backup state.
type Place<'w> = (&'w str, &'w str, &'w BackupState);

/// One evaluated resource: its type, id, whether it complies and why.
struct Evaluation {
    resource_type: String,
    resource_id: String,
    compliant: bool,
    reason: String,
}

/// Whether a control's scope covers a resource of `rtype` with `id` and `tags`.
fn in_scope(
    control: &Value,
    rtype: &str,
    id: &str,
    tags: Option<&BTreeMap<String, String>>,
) -> bool {
    let scope = &control["ControlScope"];
    let types: Vec<&str> = scope["ComplianceResourceTypes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let ids: Vec<&str> = scope["ComplianceResourceIds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let tag_ok = scope["Tags"].as_object().is_none_or(|want| {
        want.iter().all(|(k, v)| {
            tags.and_then(|t| t.get(k))
                .is_some_and(|have| v.as_str().is_none_or(|v| v.is_empty() || v == have))
        })
    });
    (types.is_empty() || types.contains(&rtype))
        && (ids.is_empty()
            || ids.iter().any(|i| {
                *i == id || id.ends_with(&format!("/{i}")) || id.ends_with(&format!(":{i}"))
            }))
        && tag_ok
}

/// `(account, region)` an ARN names, where it names them.
fn arn_place(arn: &str) -> (String, String) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (
        parts.get(4).copied().unwrap_or_default().to_owned(),
        parts.get(3).copied().unwrap_or_default().to_owned(),
    )
}

/// The protected resources of one account and Region: those its jobs and recovery points
/// name, and declared resources whose ARN places them there.
fn resources_of(
    world: &World,
    account: &str,
    region: &str,
    st: &BackupState,
) -> Vec<(String, String)> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for j in st.backup_jobs.values() {
        out.insert(j.resource_arn.clone(), j.resource_type.clone());
    }
    for rp in st.vaults.values().flat_map(|v| v.recovery_points.values()) {
        if rp.source_backup_vault_arn.is_none() {
            out.insert(rp.resource_arn.clone(), rp.resource_type.clone());
        }
    }
    for arn in world.backup.resources.keys() {
        let (a, r) = arn_place(arn);
        if (a == account || a.is_empty()) && (r == region || r.is_empty()) {
            if let Some(t) = resources::resource_type(world, arn) {
                out.insert(arn.clone(), t);
            }
        }
    }
    out.into_iter().collect()
}

fn all_recovery_points(world: &World) -> impl Iterator<Item = (&str, &str, &RecoveryPoint)> {
    world.accounts.iter().flat_map(|(account, a)| {
        a.regions.iter().flat_map(move |(region, r)| {
            r.backup
                .vaults
                .values()
                .flat_map(|v| v.recovery_points.values())
                .map(move |rp| (account.as_str(), region.as_str(), rp))
        })
    })
}

fn int_param(params: &BTreeMap<String, String>, key: &str, default: i64) -> i64 {
    params
        .get(key)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn list_param(params: &BTreeMap<String, String>, key: &str) -> Vec<String> {
    params
        .get(key)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn age_seconds(params: &BTreeMap<String, String>) -> f64 {
    let value = int_param(params, "recoveryPointAgeValue", 1) as f64;
    let unit = params
        .get("recoveryPointAgeUnit")
        .map(String::as_str)
        .unwrap_or("days");
    value * if unit == "hours" { 3600.0 } else { 86_400.0 }
}

/// The longest interval between a schedule's runs, in hours, for `rate(...)` and the common
/// `cron(...)` shapes.
fn schedule_hours(expr: &str) -> Option<f64> {
    if let Some(body) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let (n, unit) = body.trim().split_once(' ')?;
        let n: f64 = n.parse().ok()?;
        return Some(match unit.trim_end_matches('s') {
            "minute" => n / 60.0,
            "hour" => n,
            "day" => n * 24.0,
            _ => return None,
        });
    }
    let body = expr.strip_prefix("cron(")?.strip_suffix(')')?;
    let fields: Vec<&str> = body.split_whitespace().collect();
    let [_, hours, dom, _, dow, ..] = fields[..] else {
        return None;
    };
    let every = |f: &str| f == "*" || f == "?";
    if every(hours) {
        return Some(1.0);
    }
    if let Some((_, step)) = hours.split_once('/') {
        return step.parse().ok();
    }
    let per_day = hours.split(',').count() as f64;
    if every(dom) && every(dow) {
        Some(24.0 / per_day)
    } else if !every(dow) {
        Some(168.0 / dow.split(',').count() as f64)
    } else {
        Some(24.0 * 31.0 / dom.split(',').count() as f64)
    }
}

fn statement_denies_delete(stmt: &Value) -> bool {
    let actions: Vec<&str> = match &stmt["Action"] {
        Value::String(a) => vec![a.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    stmt["Effect"] == "Deny"
        && actions.iter().any(|a| {
            matches!(
                *a,
                "*" | "backup:*" | "backup:Delete*" | "backup:DeleteRecoveryPoint"
            )
        })
}

/// Evaluates one control over one account and Region; `Err`: why keyhole cannot evaluate it.
fn evaluate(
    world: &World,
    account: &str,
    region: &str,
    st: &BackupState,
    control: &Value,
    at: f64,
) -> Result<Vec<Evaluation>, String> {
    let name = control["ControlName"].as_str().unwrap_or_default();
    let params = parameters(control);
    let declared_tags = |arn: &str| world.backup.resources.get(arn).map(|r| &r.tags);
    let resources: Vec<(String, String)> = resources_of(world, account, region, st)
        .into_iter()
        .filter(|(arn, t)| in_scope(control, t, arn, declared_tags(arn)))
        .collect();
    let own_points: Vec<&RecoveryPoint> = st
        .vaults
        .values()
        .flat_map(|v| v.recovery_points.values())
        .filter(|rp| rp.creation_date <= at)
        .collect();
    let eval = |rtype: &str, id: &str, compliant: bool, reason: String| Evaluation {
        resource_type: rtype.to_owned(),
        resource_id: id.to_owned(),
        compliant,
        reason,
    };
    let mut out = Vec::new();
    match name {
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN" => {
            for (arn, t) in &resources {
                let plan = st
                    .plans
                    .values()
                    .filter(|p| p.deletion_date.is_none())
                    .find(|p| {
                        p.selections.values().any(|s| {
                            plan_runs::selected_resources(world, &s.selection).contains(arn)
                        })
                    });
                out.push(match plan {
                    Some(p) => eval(t, arn, true, format!("selected by backup plan {}", p.id)),
                    None => eval(t, arn, false, "not selected by any backup plan".into()),
                });
            }
        }
        "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK" => {
            let unit = params
                .get("requiredFrequencyUnit")
                .map(String::as_str)
                .unwrap_or("days");
            let value = int_param(&params, "requiredFrequencyValue", 1) as f64;
            let max_hours = if unit == "hours" { value } else { value * 24.0 };
            let retention = int_param(&params, "requiredRetentionDays", 35);
            for p in st.plans.values().filter(|p| p.deletion_date.is_none()) {
                let tags = st.tags.get(&p.arn);
                if !in_scope(control, "AWS::Backup::BackupPlan", &p.id, tags) {
                    continue;
                }
                let rules = p
                    .versions
                    .last()
                    .map(|v| v.plan["Rules"].clone())
                    .unwrap_or_default();
                let ok = rules.as_array().into_iter().flatten().any(|r| {
                    let freq = r["ScheduleExpression"].as_str().and_then(schedule_hours);
                    let keep = r["Lifecycle"]["DeleteAfterDays"].as_i64();
                    freq.is_some_and(|h| h <= max_hours) && keep.is_none_or(|d| d >= retention)
                });
                let reason = if ok {
                    format!("a rule runs at least every {value} {unit} and keeps recovery points at least {retention} days")
                } else {
                    format!("no rule runs at least every {value} {unit} with a retention of at least {retention} days")
                };
                out.push(eval("AWS::Backup::BackupPlan", &p.id, ok, reason));
            }
        }
        "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED" => {
            for v in st.vaults.values() {
                if !in_scope(
                    control,
                    "AWS::Backup::BackupVault",
                    &v.name,
                    st.tags.get(&v.arn),
                ) {
                    continue;
                }
                let denies = v
                    .access_policy
                    .as_deref()
                    .and_then(|p| serde_json::from_str::<Value>(p).ok())
                    .is_some_and(|doc| match &doc["Statement"] {
                        Value::Array(items) => items.iter().any(statement_denies_delete),
                        stmt @ Value::Object(_) => statement_denies_delete(stmt),
                        _ => false,
                    });
                let reason = if denies {
                    "the vault access policy denies backup:DeleteRecoveryPoint".to_owned()
                } else {
                    "the vault access policy does not deny backup:DeleteRecoveryPoint".to_owned()
                };
                out.push(eval("AWS::Backup::BackupVault", &v.name, denies, reason));
            }
        }
        "BACKUP_RECOVERY_POINT_ENCRYPTED" => {
            for rp in &own_points {
                if !in_scope(control, &rp.resource_type, &rp.arn, st.tags.get(&rp.arn)) {
                    continue;
                }
                let ok = !rp.encryption_key_arn.is_empty();
                out.push(eval(
                    "AWS::Backup::RecoveryPoint",
                    &rp.arn,
                    ok,
                    format!("encrypted with {}", rp.encryption_key_arn),
                ));
            }
        }
        "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK" => {
            let required = int_param(&params, "requiredRetentionDays", 35);
            for rp in &own_points {
                if !in_scope(control, &rp.resource_type, &rp.arn, st.tags.get(&rp.arn)) {
                    continue;
                }
                let days = rp.lifecycle.as_ref().and_then(|l| l.delete_after_days);
                let (ok, reason) = match days {
                    None => (true, "kept until deleted manually".to_owned()),
                    Some(d) => (
                        d >= required,
                        format!("retention {d} days, required {required}"),
                    ),
                };
                out.push(eval("AWS::Backup::RecoveryPoint", &rp.arn, ok, reason));
            }
        }
        "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION"
        | "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT" => {
            let by_region = name.ends_with("REGION");
            let wanted = list_param(
                &params,
                if by_region {
                    "crossRegionList"
                } else {
                    "crossAccountList"
                },
            );
            for (arn, t) in &resources {
                let copy = all_recovery_points(world).find(|(a, r, rp)| {
                    let place = if by_region { *r } else { *a };
                    let home = if by_region { region } else { account };
                    rp.resource_arn == *arn
                        && rp.creation_date <= at
                        && place != home
                        && (wanted.is_empty() || wanted.iter().any(|w| w == place))
                });
                out.push(match copy {
                    Some((_, _, rp)) => eval(t, arn, true, format!("copied to {}", rp.vault_arn)),
                    None => eval(
                        t,
                        arn,
                        false,
                        format!(
                            "no recovery point in another {}{}",
                            if by_region { "Region" } else { "account" },
                            if wanted.is_empty() {
                                String::new()
                            } else {
                                format!(" of {}", wanted.join(", "))
                            }
                        ),
                    ),
                });
            }
        }
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK" => {
            let min = params
                .get("minRetentionDays")
                .and_then(|v| v.parse::<i64>().ok());
            let max = params
                .get("maxRetentionDays")
                .and_then(|v| v.parse::<i64>().ok());
            for (arn, t) in &resources {
                let locked = own_points.iter().find_map(|rp| {
                    let lock = st.vaults.get(&rp.vault_name)?.lock.as_ref()?;
                    let fits = min.is_none_or(|m| lock.min_retention_days.is_some_and(|l| l >= m))
                        && max.is_none_or(|m| lock.max_retention_days.is_some_and(|l| l <= m));
                    (rp.resource_arn == *arn && fits).then_some(rp.vault_name.clone())
                });
                out.push(match locked {
                    Some(v) => eval(t, arn, true, format!("recovery point in locked vault {v}")),
                    None => eval(
                        t,
                        arn,
                        false,
                        "no recovery point in a vault with a matching Vault Lock".into(),
                    ),
                });
            }
        }
        "BACKUP_LAST_RECOVERY_POINT_CREATED" => {
            let age = age_seconds(&params);
            for (arn, t) in &resources {
                let last = own_points
                    .iter()
                    .filter(|rp| rp.resource_arn == *arn)
                    .map(|rp| rp.creation_date)
                    .fold(None, |m: Option<f64>, c| Some(m.map_or(c, |m| m.max(c))));
                out.push(match last {
                    Some(c) if c >= at - age => eval(
                        t,
                        arn,
                        true,
                        format!("last recovery point created {}", format_timestamp(c)),
                    ),
                    Some(c) => eval(
                        t,
                        arn,
                        false,
                        format!("last recovery point created {}", format_timestamp(c)),
                    ),
                    None => eval(t, arn, false, "no recovery point".into()),
                });
            }
        }
        "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET" => {
            let max_minutes = int_param(&params, "maxRestoreTime", 720) as f64;
            for (arn, t) in &resources {
                let restores: Vec<f64> = st
                    .restore_jobs
                    .values()
                    .filter(|j| {
                        j.source_resource_arn == *arn
                            && j.status == "COMPLETED"
                            && j.completion_date <= at
                    })
                    .map(|j| (j.completion_date - j.creation_date) / 60.0)
                    .collect();
                let Some(longest) = restores.iter().copied().reduce(f64::max) else {
                    continue;
                };
                out.push(eval(
                    t,
                    arn,
                    longest <= max_minutes,
                    format!("longest restore {longest:.0} minutes, target {max_minutes:.0}"),
                ));
            }
        }
        "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT" => {
            return Err("keyhole does not emulate logically air-gapped vaults".into());
        }
        other => return Err(format!("unknown control {other}")),
    }
    Ok(out)
}

pub(super) fn compliance(
    world: &World,
    job: &ReportJob,
    states: &[Place],
    at: f64,
    report: &mut Report,
) -> Result<(), String> {
    let own = state(world, &job.account, &job.region);
    // Each framework with the (account, Region) states it is evaluated in: a single-account
    // report's frameworks over all its states; a multi-account report names none and uses
    // each covered account's own frameworks there ("To ensure reports generated by delegated
    // administrator accounts show all member account data, create frameworks in each of
    // those member accounts": devguide, Working with audit reports).
    let mut frameworks: Vec<(&Framework, Vec<&Place>)> = Vec::new();
    let named: Vec<&str> = job.setting["FrameworkArns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if named.is_empty() {
        for place in states {
            for f in place.2.audit.frameworks.values() {
                frameworks.push((f, vec![place]));
            }
        }
    }
    for arn in named {
        match own.and_then(|st| st.audit.frameworks.values().find(|f| f.arn == arn)) {
            Some(f) => frameworks.push((f, states.iter().collect())),
            // Text inferred.
            None => return Err(format!("Framework {arn} does not exist")),
        }
    }
    let by_resource = job.template == "RESOURCE_COMPLIANCE_REPORT";
    // Text inferred: column names of AWS's compliance reports.
    report.columns = if by_resource {
        vec![
            "Account Id",
            "Region",
            "Framework Name",
            "Control Name",
            "Resource Type",
            "Resource Id",
            "Compliance Status",
            "Evaluation Time",
            "Reason",
        ]
    } else {
        vec![
            "Account Id",
            "Region",
            "Framework Name",
            "Control Name",
            "Control Status",
            "Compliant Resources",
            "Non-compliant Resources",
            "Evaluation Time",
            "Note",
        ]
    };
    let when = format_timestamp(at);
    for (f, places) in frameworks {
        for control in f.controls.as_array().into_iter().flatten() {
            let name = control["ControlName"].as_str().unwrap_or_default();
            for (account, region, st) in places.iter().copied() {
                let place = vec![
                    (*account).to_owned(),
                    (*region).to_owned(),
                    f.name.clone(),
                    name.to_owned(),
                ];
                match evaluate(world, account, region, st, control, at) {
                    Err(why) => {
                        let note = format!("{name}: not evaluated: {why}");
                        if !report.notes.contains(&note) {
                            report.notes.push(note);
                        }
                        if !by_resource {
                            let mut row = place.clone();
                            row.extend([
                                "INSUFFICIENT_DATA".into(),
                                "0".into(),
                                "0".into(),
                                when.clone(),
                                format!("not evaluated: {why}"),
                            ]);
                            report.rows.push(row);
                        }
                    }
                    Ok(evals) if by_resource => {
                        for e in evals {
                            let mut row = place.clone();
                            row.extend([
                                e.resource_type,
                                e.resource_id,
                                (if e.compliant {
                                    "COMPLIANT"
                                } else {
                                    "NON_COMPLIANT"
                                })
                                .into(),
                                when.clone(),
                                e.reason,
                            ]);
                            report.rows.push(row);
                        }
                    }
                    Ok(evals) => {
                        let good = evals.iter().filter(|e| e.compliant).count();
                        let bad = evals.len() - good;
                        let status = if evals.is_empty() {
                            "INSUFFICIENT_DATA"
                        } else if bad == 0 {
                            "COMPLIANT"
                        } else {
                            "NON_COMPLIANT"
                        };
                        let note = if evals.is_empty() {
                            "no resources in scope"
                        } else {
                            ""
                        };
                        let mut row = place.clone();
                        row.extend([
                            status.into(),
                            good.to_string(),
                            bad.to_string(),
                            when.clone(),
                            note.into(),
                        ]);
                        report.rows.push(row);
                    }
                }
            }
        }
    }
    Ok(())
}
