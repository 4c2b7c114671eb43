//! Report jobs: StartReportJob runs a report plan on keyhole's clock. keyhole does not emulate
//! S3, so the report is built from keyhole's own state when the job completes, kept on the job
//! and served by `GET /_keyhole/backup/reports/<report job id>`; ReportDestination names the
//! S3 keys AWS would write.
//!
//! Job templates list backup, copy or restore jobs; the compliance templates evaluate the
//! frameworks' controls that keyhole's state can answer, and report the others as
//! INSUFFICIENT_DATA with the reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::audit::{is_compliance_template, parameters, Framework};
use super::state::{BackupState, Job, RecoveryPoint};
use super::{authorize, not_found, page, req, s, state, state_mut};
use crate::context::RequestContext;
use crate::protocol::query::format_timestamp;
use crate::protocol::ApiResult;
use crate::world::World;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ReportJob {
    pub id: String,
    pub account: String,
    pub region: String,
    pub plan_name: String,
    pub plan_arn: String,
    pub template: String,
    /// The plan's `ReportSetting` when the job started.
    pub setting: Value,
    pub formats: Vec<String>,
    pub bucket: String,
    pub s3_keys: Vec<String>,
    pub creation_time: f64,
    /// When the job completes on keyhole's clock.
    pub finish_at: f64,
    #[serde(default)]
    pub settled: bool,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub completion_time: Option<f64>,
    #[serde(default)]
    pub idempotency_token: Option<String>,
    /// The report by format (`CSV`, `JSON`).
    #[serde(default)]
    pub content: BTreeMap<String, String>,
    /// Controls the report could not evaluate, with the reason.
    #[serde(default)]
    pub not_evaluated: Vec<String>,
}

impl ReportJob {
    pub fn visible_status(&self, now: f64) -> &str {
        if self.settled {
            &self.status
        } else if now > self.creation_time {
            "RUNNING"
        } else {
            "CREATED"
        }
    }
}

fn job_json(job: &ReportJob, now: f64) -> Value {
    json!({
        "ReportJobId": job.id,
        "ReportPlanArn": job.plan_arn,
        "ReportTemplate": job.template,
        "CreationTime": job.creation_time,
        "CompletionTime": job.completion_time,
        "Status": job.visible_status(now),
        "StatusMessage": job.status_message,
        "ReportDestination": {"S3BucketName": job.bucket, "S3Keys": job.s3_keys},
    })
}

/// The S3 keys of a report: `prefix/Backup/<account>/<region>/yyyy/mm/dd/<plan>/<file>`.
// Text inferred: the documented path is prefix/Backup/<region>/year/month/day/report-name;
// keyhole adds the account and names the file after the template and time.
fn s3_keys(
    channel: &Value,
    account: &str,
    region: &str,
    plan: &str,
    template: &str,
    at: f64,
) -> Vec<String> {
    let stamp = format_timestamp(at);
    let (date, time) = stamp.split_once('T').unwrap_or((&stamp, ""));
    let day = date.replace('-', "/");
    let compact = format!("{}{}", date.replace('-', ""), time.replace([':', 'Z'], ""));
    let prefix = channel["S3KeyPrefix"]
        .as_str()
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}/"))
        .unwrap_or_default();
    formats_of(channel)
        .iter()
        .map(|f| {
            format!(
                "{prefix}Backup/{account}/{region}/{day}/{plan}/{template}_{account}_{region}_{compact}.{}",
                f.to_lowercase()
            )
        })
        .collect()
}

/// The formats a delivery channel asks for; CSV when it names none.
pub(super) fn formats_of(channel: &Value) -> Vec<String> {
    let formats: Vec<String> = channel["Formats"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if formats.is_empty() {
        vec!["CSV".into()]
    } else {
        formats
    }
}

pub fn start(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "ReportPlanName")?.to_owned();
    let plan = super::audit::plan_for_job(ctx, world, &name)?;
    authorize(ctx, world, Some(plan.arn.clone()), None)?;
    let token = s(input, "IdempotencyToken").map(str::to_owned);
    if token.is_some() {
        if let Some(job) = state(world, &ctx.caller.account, &ctx.region)
            .into_iter()
            .flat_map(|st| st.audit.report_jobs.values())
            .find(|j| j.plan_name == name && j.idempotency_token == token)
        {
            return Ok(json!({"ReportJobId": job.id}));
        }
    }
    let template = plan.setting["ReportTemplate"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let job = ReportJob {
        id: uuid::Uuid::new_v4().to_string(),
        account: ctx.caller.account.clone(),
        region: ctx.region.clone(),
        plan_name: name.clone(),
        plan_arn: plan.arn.clone(),
        setting: plan.setting.clone(),
        formats: formats_of(&plan.delivery_channel),
        bucket: plan.delivery_channel["S3BucketName"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        s3_keys: s3_keys(
            &plan.delivery_channel,
            &ctx.caller.account,
            &ctx.region,
            &name,
            &template,
            ctx.now,
        ),
        template,
        creation_time: ctx.now,
        finish_at: ctx.now + world.backup.settings.job_duration_seconds,
        idempotency_token: token,
        ..ReportJob::default()
    };
    let id = job.id.clone();
    let st = state_mut(world, &ctx.caller.account, &ctx.region, ctx.now);
    if let Some(p) = st.audit.report_plans.get_mut(&name) {
        p.last_attempted = Some(ctx.now);
    }
    st.audit.report_jobs.insert(id.clone(), job);
    Ok(json!({"ReportJobId": id}))
}

pub fn describe(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let id = req(input, "ReportJobId")?;
    authorize(ctx, world, None, None)?;
    state(world, &ctx.caller.account, &ctx.region)
        .and_then(|st| st.audit.report_jobs.get(id))
        .map(|j| json!({"ReportJob": job_json(j, ctx.now)}))
        // Text inferred.
        .ok_or_else(|| not_found(format!("Report job {id} does not exist")))
}

pub fn list(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    authorize(ctx, world, None, None)?;
    let num = |k: &str| input.get(k).and_then(Value::as_f64);
    let mut jobs: Vec<&ReportJob> = state(world, &ctx.caller.account, &ctx.region)
        .into_iter()
        .flat_map(|st| st.audit.report_jobs.values())
        .filter(|j| {
            s(input, "ByReportPlanName").is_none_or(|n| n == j.plan_name)
                && s(input, "ByStatus").is_none_or(|v| v == j.visible_status(ctx.now))
                && num("ByCreationAfter").is_none_or(|t| j.creation_time >= t)
                && num("ByCreationBefore").is_none_or(|t| j.creation_time <= t)
        })
        .collect();
    jobs.sort_by(|a, b| {
        b.creation_time
            .total_cmp(&a.creation_time)
            .then_with(|| a.id.cmp(&b.id))
    });
    let items = jobs.into_iter().map(|j| job_json(j, ctx.now)).collect();
    page(input, items, "ReportJobs")
}

/// The report job with this id in any account.
pub fn find_any(world: &World, id: &str) -> Option<ReportJob> {
    world
        .accounts
        .values()
        .flat_map(|a| a.regions.values())
        .find_map(|r| r.backup.audit.report_jobs.get(id).cloned())
}

/// Completes every report job whose time has come: builds its report from the world as it
/// is at the job's completion time.
pub fn settle(world: &mut World, now: f64) {
    let mut due: Vec<(String, String, String)> = Vec::new();
    for (account, a) in &world.accounts {
        for (region, r) in &a.regions {
            for j in r.backup.audit.report_jobs.values() {
                if !j.settled && j.finish_at <= now {
                    due.push((account.clone(), region.clone(), j.id.clone()));
                }
            }
        }
    }
    for (account, region, id) in due {
        let Some(job) =
            state(world, &account, &region).and_then(|st| st.audit.report_jobs.get(&id))
        else {
            continue;
        };
        let outcome = build(world, job);
        let at = job.finish_at;
        let plan_name = job.plan_name.clone();
        let st = state_mut(world, &account, &region, at);
        let ok = outcome.is_ok();
        if let Some(job) = st.audit.report_jobs.get_mut(&id) {
            job.settled = true;
            job.completion_time = Some(at);
            match outcome {
                Ok(report) => {
                    job.status = "COMPLETED".into();
                    job.not_evaluated = report.notes.clone();
                    for format in job.formats.clone() {
                        let text = if format == "JSON" {
                            report.json(&job.template)
                        } else {
                            report.csv()
                        };
                        job.content.insert(format, text);
                    }
                }
                Err(message) => {
                    job.status = "FAILED".into();
                    job.status_message = Some(message);
                }
            }
        }
        if ok {
            if let Some(p) = st.audit.report_plans.get_mut(&plan_name) {
                p.last_successful = Some(at);
            }
        }
    }
}

/// A report as columns and rows of text.
#[derive(Debug, Default)]
pub struct Report {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

impl Report {
    fn csv(&self) -> String {
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .map(|c| {
                    if c.contains([',', '"', '\n']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut out = line(self.columns.iter().map(|c| (*c).to_owned()).collect());
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row.clone()));
            out.push('\n');
        }
        out
    }

    // Text inferred: the JSON report's layout; one object per row keyed by column name.
    fn json(&self, template: &str) -> String {
        let items: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                Value::Object(
                    self.columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| ((*c).to_owned(), json!(v)))
                        .collect::<Map<String, Value>>(),
                )
            })
            .collect();
        json!({"reportTemplate": template, "reportItems": items}).to_string()
    }
}

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
        &job.state
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
        when_done(job.message_category.clone().unwrap_or_default()),
        job.resource_type.clone(),
        job.resource_arn.clone(),
        super::resources::resource_name(&job.resource_arn),
        created_by(job, "BackupPlanArn"),
        created_by(job, "BackupRuleId"),
        format_timestamp(job.creation_date),
        when_done(time(job.completion_date)),
    ]
}

/// Builds the report, or the reason the job fails.
pub fn build(world: &World, job: &ReportJob) -> Result<Report, String> {
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
                        if done && j.state == "COMPLETED" {
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

// ---- compliance ----

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
            if let Some(t) = super::resources::resource_type(world, arn) {
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
                            super::plans::selected_resources(world, &s.selection).contains(arn)
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

fn compliance(
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

/// The admin view of a report job: its status, destination and report content.
pub fn admin_view(job: &ReportJob, now: f64) -> Value {
    json!({
        "reportJobId": job.id,
        "reportPlanName": job.plan_name,
        "reportTemplate": job.template,
        "status": job.visible_status(now),
        "statusMessage": job.status_message,
        "s3BucketName": job.bucket,
        "s3Keys": job.s3_keys,
        "notEvaluated": job.not_evaluated,
        "reports": job.content,
    })
}
