//! Report jobs: StartReportJob runs a report plan on keyhole's clock. keyhole does not emulate
//! S3, so the report is built from keyhole's own state when the job completes, kept on the job
//! and served by `GET /_keyhole/backup/reports/<report job id>`; ReportDestination names the
//! S3 keys AWS would write.
//!
//! Job templates list backup, copy or restore jobs (`reports/build.rs`, which also renders
//! CSV and JSON); the compliance templates evaluate the frameworks' controls that keyhole's
//! state can answer, and report the others as INSUFFICIENT_DATA with the reason
//! (`reports/compliance.rs`). This file holds the operations and when a job completes.

mod build;
mod compliance;
mod table;

use serde_json::{json, Value};

use super::authorize::authorize;
use super::errors::not_found;
use super::input::req;
use super::lookup::{state, state_mut};
use super::paging::page;
use super::report_plans::formats_of;
use super::state::audit::ReportJob;
use crate::protocol::query::format_timestamp;
use crate::protocol::ApiResult;
use crate::request::RequestContext;
use crate::services::input::member;
use crate::world::timeline::EventKind;
use crate::world::World;

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

pub fn start(ctx: &RequestContext, world: &mut World, input: &Value) -> ApiResult<Value> {
    let name = req(input, "ReportPlanName")?.to_owned();
    let plan = super::report_plans::plan_for_job(ctx, world, &name)?;
    authorize(ctx, world, Some(plan.arn.clone()), None)?;
    let token = member(input, "IdempotencyToken").map(str::to_owned);
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
    let finish_at = job.finish_at;
    st.audit.report_jobs.insert(id.clone(), job);
    let at = (ctx.caller.account.as_str(), ctx.region.as_str());
    super::due::job_started(world, EventKind::ReportJobDone, at, &id, finish_at);
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
            member(input, "ByReportPlanName").is_none_or(|n| n == j.plan_name)
                && member(input, "ByStatus").is_none_or(|v| v == j.visible_status(ctx.now))
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

/// Completes report job `id` of `account` in `region` if its time has come: builds its
/// report from the world as it is at the job's completion time.
pub fn settle(world: &mut World, (account, region): (&str, &str), id: &str, now: f64) {
    let Some(job) = state(world, account, region)
        .and_then(|st| st.audit.report_jobs.get(id))
        .filter(|j| !j.settled && j.finish_at <= now)
    else {
        return;
    };
    let outcome = build::build(world, job);
    let at = job.finish_at;
    let plan_name = job.plan_name.clone();
    let st = state_mut(world, account, region, at);
    let ok = outcome.is_ok();
    if let Some(job) = st.audit.report_jobs.get_mut(id) {
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
