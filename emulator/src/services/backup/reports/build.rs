//! What a report holds: the rows of the job templates (backup, copy and restore jobs in the
//! plan's accounts and Regions, as they stood when the job finished), the compliance templates
//! handed to `compliance.rs`, and the CSV and JSON renderings.

use serde_json::Value;

use super::compliance::compliance;
use super::table::Report;
use crate::protocol::query::format_timestamp;
use crate::services::backup::audit::is_compliance_template;
use crate::services::backup::lookup::state;
use crate::services::backup::resources;
use crate::services::backup::state::audit::ReportJob;
use crate::services::backup::state::{BackupState, Job, JobState};
use crate::world::World;

/// The (account, region) pairs a report covers: the plan's Accounts and Regions, else the
/// plan's own; `ROOT`, an OU or `*` widen to every account or Region keyhole knows.
fn coverage(world: &World, job: &ReportJob) -> Vec<(String, String)> {
    let list = |k: &str| -> Vec<String> {
        job.setting[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let (accounts, ous, regions) = (list("Accounts"), list("OrganizationUnits"), list("Regions"));
    let all_accounts = accounts.iter().any(|a| a == "ROOT") || !ous.is_empty();
    let mut out = Vec::new();
    for (account, a) in &world.accounts {
        let in_accounts = if all_accounts {
            true
        } else if accounts.is_empty() {
            *account == job.account
        } else {
            accounts.contains(account)
        };
        if !in_accounts {
            continue;
        }
        for region in a.regions.keys() {
            let in_regions = if regions.iter().any(|r| r == "*") {
                true
            } else if regions.is_empty() {
                *region == job.region
            } else {
                regions.contains(region)
            };
            if in_regions {
                out.push((account.clone(), region.clone()));
            }
        }
    }
    out
}

fn time(t: Option<f64>) -> String {
    t.map(format_timestamp).unwrap_or_default()
}

/// A job's state as it was at `at`.
fn state_at(job: &Job, at: f64) -> &str {
    if job.settled && job.completion_date.is_some_and(|c| c <= at) {
        job.state.as_str()
    } else if at > job.creation_date {
        "RUNNING"
    } else {
        "CREATED"
    }
}

fn done_at(job: &Job, at: f64) -> bool {
    job.settled && job.completion_date.is_some_and(|c| c <= at)
}

fn created_by(job: &Job, key: &str) -> String {
    job.created_by
        .as_ref()
        .and_then(|c| c[key].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A backup or copy job report's columns: those [`job_row_start`] fills (`id` names the job
/// id column), then `rest`.
fn job_columns(id: &'static str, rest: &[&'static str]) -> Vec<&'static str> {
    let mut columns = vec![
        "Report Time Period Start",
        "Report Time Period End",
        "Account Id",
        "Region",
        id,
        "Job Status",
        "Status Message",
        "Message Category",
        "Resource Type",
        "Resource Arn",
        "Resource Name",
        "Backup Plan Arn",
        "Backup Rule Id",
        "Creation Date",
        "Completion Date",
    ];
    columns.extend_from_slice(rest);
    columns
}

/// The columns a backup or copy job report row starts with, up to its completion date.
fn job_row_start(job: &Job, at: f64, [from, to, account, region]: [&str; 4]) -> Vec<String> {
    let done = done_at(job, at);
    let when_done = |v: String| if done { v } else { String::new() };
    vec![
        from.into(),
        to.into(),
        account.into(),
        region.into(),
        job.id.clone(),
        state_at(job, at).into(),
        when_done(job.status_message.clone().unwrap_or_default()),
        when_done(
            job.message_category
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
        ),
        job.resource_type.clone(),
        job.resource_arn.clone(),
        resources::resource_name(&job.resource_arn),
        created_by(job, "BackupPlanArn"),
        created_by(job, "BackupRuleId"),
        format_timestamp(job.creation_date),
        when_done(time(job.completion_date)),
    ]
}

/// Builds the report, or the reason the job fails.
pub(super) fn build(world: &World, job: &ReportJob) -> Result<Report, String> {
    let at = job.finish_at;
    let scope = coverage(world, job);
    let states: Vec<(&str, &str, &BackupState)> = scope
        .iter()
        .filter_map(|(a, r)| state(world, a, r).map(|st| (a.as_str(), r.as_str(), st)))
        .collect();
    let start = states
        .iter()
        .flat_map(|(_, _, st)| {
            st.backup_jobs
                .values()
                .chain(st.copy_jobs.values())
                .map(|j| j.creation_date)
                .chain(st.restore_jobs.values().map(|j| j.creation_date))
        })
        .filter(|t| *t <= at)
        .fold(at - 86_400.0, f64::min);
    let (from, to) = (format_timestamp(start), format_timestamp(at));
    let mut report = Report::default();
    match job.template.as_str() {
        "BACKUP_JOB_REPORT" => {
            // Text inferred: column names of AWS's backup job report.
            report.columns = job_columns(
                "Backup Job Id",
                &[
                    "Recovery Point Arn",
                    "Backup Size in Bytes",
                    "Backup Vault Name",
                    "Backup Vault Arn",
                    "IAM Role Arn",
                ],
            );
            for (account, region, st) in &states {
                for j in st.backup_jobs.values().filter(|j| j.creation_date <= at) {
                    let done = done_at(j, at);
                    let mut row = job_row_start(j, at, [&from, &to, account, region]);
                    row.extend([
                        if done && j.state == JobState::Completed {
                            j.recovery_point_arn.clone()
                        } else {
                            String::new()
                        },
                        if done {
                            j.backup_size_in_bytes.to_string()
                        } else {
                            String::new()
                        },
                        j.vault_name.clone(),
                        j.vault_arn.clone(),
                        j.iam_role_arn.clone(),
                    ]);
                    report.rows.push(row);
                }
            }
        }
        "COPY_JOB_REPORT" => {
            // Text inferred: column names of AWS's copy job report.
            report.columns = job_columns(
                "Copy Job Id",
                &[
                    "Source Recovery Point Arn",
                    "Source Backup Vault Arn",
                    "Destination Recovery Point Arn",
                    "Destination Backup Vault Arn",
                    "Backup Size in Bytes",
                    "IAM Role Arn",
                ],
            );
            for (account, region, st) in &states {
                for j in st.copy_jobs.values().filter(|j| j.creation_date <= at) {
                    let done = done_at(j, at);
                    let mut row = job_row_start(j, at, [&from, &to, account, region]);
                    row.extend([
                        j.recovery_point_arn.clone(),
                        j.vault_arn.clone(),
                        if done {
                            j.destination_recovery_point_arn.clone().unwrap_or_default()
                        } else {
                            String::new()
                        },
                        j.destination_vault_arn.clone().unwrap_or_default(),
                        j.backup_size_in_bytes.to_string(),
                        j.iam_role_arn.clone(),
                    ]);
                    report.rows.push(row);
                }
            }
        }
        "RESTORE_JOB_REPORT" => {
            // Text inferred: column names of AWS's restore job report.
            report.columns = vec![
                "Report Time Period Start",
                "Report Time Period End",
                "Account Id",
                "Region",
                "Restore Job Id",
                "Job Status",
                "Status Message",
                "Resource Type",
                "Source Resource Arn",
                "Created Resource Arn",
                "Recovery Point Arn",
                "Backup Vault Arn",
                "Creation Date",
                "Completion Date",
                "Backup Size in Bytes",
                "IAM Role Arn",
            ];
            for (account, region, st) in &states {
                for j in st.restore_jobs.values().filter(|j| j.creation_date <= at) {
                    report.rows.push(vec![
                        from.clone(),
                        to.clone(),
                        (*account).into(),
                        (*region).into(),
                        j.id.clone(),
                        j.status.clone(),
                        j.status_message.clone().unwrap_or_default(),
                        j.resource_type.clone(),
                        j.source_resource_arn.clone(),
                        j.created_resource_arn.clone().unwrap_or_default(),
                        j.recovery_point_arn.clone(),
                        j.vault_arn.clone(),
                        format_timestamp(j.creation_date),
                        format_timestamp(j.completion_date),
                        j.backup_size_in_bytes.to_string(),
                        j.iam_role_arn.clone().unwrap_or_default(),
                    ]);
                }
            }
        }
        "SCAN_JOB_REPORT" => {
            report.columns = vec![
                "Report Time Period Start",
                "Report Time Period End",
                "Account Id",
                "Region",
                "Scan Job Id",
                "Job Status",
                "Status Message",
                "Resource Type",
                "Resource Arn",
            ];
            report
                .notes
                .push("keyhole does not emulate malware scan jobs: the report has no rows".into());
        }
        template if is_compliance_template(template) => {
            compliance(world, job, &states, at, &mut report)?;
        }
        other => return Err(format!("Unsupported report template {other}")),
    }
    Ok(report)
}
