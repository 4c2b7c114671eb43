//! Backup's admin endpoints under `/_keyhole/`:
//! - `POST /_keyhole/resources` `{"Arn", "KmsKeyArn"?, "Tags"?, "ResourceType"?}` declares a
//!   resource (keyhole does not emulate EC2, RDS or EFS);
//! - `POST /_keyhole/backup/job-duration` `{"seconds": N}`: jobs reach their final state N
//!   seconds after creation on keyhole's clock (0, the default: final when first seen);
//! - `POST /_keyhole/backup/settings` `{"allowRdsCrossRegionAndAccount": bool}`;
//! - `POST /_keyhole/backup/run-plan` `{"account", "region", "backupPlanId", "ruleName"}`
//!   runs a plan's rule now;
//! - `GET /_keyhole/backup/jobs/<job id>`: a backup or copy job with its decision record;
//! - `GET /_keyhole/backup/reports/<report job id>`: a report job's status, the S3 keys AWS
//!   would write and the report itself by format (keyhole does not emulate S3); with
//!   `?format=CSV` or `?format=JSON`, that report alone as `text/csv` or `application/json`.
//!
//! Rules with a `ScheduleExpression` and restore testing plans also run by themselves when
//! keyhole's clock passes their fire times (`POST /_keyhole/clock/advance`); see
//! [`super::schedule`].

use serde_json::{json, Value};

use super::state::DeclaredResource;
use crate::instance::Instance;
use crate::protocol::admin::{error, refuse_unknown_fields};
use crate::protocol::{HttpRequest, HttpResponse};

pub fn handles(path: &str) -> bool {
    path == "/_keyhole/resources" || path.starts_with("/_keyhole/backup/")
}

pub fn handle(instance: &Instance, req: &HttpRequest) -> HttpResponse {
    let path = req.raw_path.trim_end_matches('/');
    let body = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
    let now = instance.clock.now();
    // A misspelt field ("KmsKeyARN") is an error, not a silently missing setting.
    let accepted: Option<&[&str]> = match path {
        "/_keyhole/resources" => Some(&["Arn", "KmsKeyArn", "Tags", "ResourceType"]),
        "/_keyhole/backup/job-duration" => Some(&["seconds"]),
        "/_keyhole/backup/settings" => Some(&["allowRdsCrossRegionAndAccount"]),
        "/_keyhole/backup/run-plan" => Some(&["account", "region", "backupPlanId", "ruleName"]),
        _ => None,
    };
    if let (Some(accepted), "POST") = (accepted, req.method.as_str()) {
        if let Err(e) = refuse_unknown_fields(&body, accepted) {
            return error(400, &e);
        }
    }
    match (req.method.as_str(), path) {
        ("POST", "/_keyhole/resources") => {
            let Some(arn) = body["Arn"].as_str() else {
                return error(
                    400,
                    "expected {\"Arn\": ..., \"KmsKeyArn\"?: ..., \"Tags\"?: {...}}",
                );
            };
            let resource = DeclaredResource {
                kms_key_arn: body["KmsKeyArn"].as_str().map(str::to_owned),
                tags: super::tags::tags_from(&body["Tags"]),
                resource_type: body["ResourceType"].as_str().map(str::to_owned),
            };
            let mut world = instance.world();
            if super::resources::resource_type(&world, arn).is_none()
                && resource.resource_type.is_none()
            {
                return error(
                    400,
                    &format!("AWS Backup does not protect resources like {arn}"),
                );
            }
            world.backup.resources.insert(arn.to_owned(), resource);
            HttpResponse::json(200, &json!({"status": "declared", "Arn": arn}))
        }
        ("POST", "/_keyhole/backup/job-duration") => match body["seconds"].as_f64() {
            Some(s) if s >= 0.0 => {
                instance.world().backup.settings.job_duration_seconds = s;
                HttpResponse::json(200, &json!({"seconds": s}))
            }
            _ => error(400, "expected {\"seconds\": <non-negative number>}"),
        },
        ("POST", "/_keyhole/backup/settings") => {
            let mut world = instance.world();
            if let Some(v) = body["allowRdsCrossRegionAndAccount"].as_bool() {
                world.backup.settings.allow_rds_cross_region_and_account = v;
            }
            HttpResponse::json(200, &json!(world.backup.settings))
        }
        ("POST", "/_keyhole/backup/run-plan") => {
            let field = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
            let mut world = instance.world();
            let account = match body["account"].as_str() {
                Some(a) => a.to_owned(),
                None => world.settings.default_account.clone(),
            };
            let region = match body["region"].as_str() {
                Some(r) => r.to_owned(),
                None => world.settings.default_region.clone(),
            };
            let ran = super::plan_runs::run_rule(
                &mut world,
                &account,
                &region,
                &field("backupPlanId"),
                &field("ruleName"),
                now,
            );
            // Jobs that are final at once settle now, as after an API request.
            crate::services::registry::advance(&mut world, now);
            match ran {
                Ok(ids) => HttpResponse::json(200, &json!({"BackupJobIds": ids})),
                Err(e) => error(400, &e),
            }
        }
        ("GET", p) if p.starts_with("/_keyhole/backup/jobs/") => {
            let id = p.trim_start_matches("/_keyhole/backup/jobs/");
            let mut world = instance.world();
            crate::services::registry::advance(&mut world, now);
            let job = world
                .accounts
                .values()
                .flat_map(|a| a.regions.values())
                .find_map(|r| {
                    r.backup
                        .backup_jobs
                        .get(id)
                        .map(|j| ("backup", j))
                        .or_else(|| r.backup.copy_jobs.get(id).map(|j| ("copy", j)))
                });
            match job {
                Some((kind, job)) => HttpResponse::json(
                    200,
                    &json!({
                        "kind": kind,
                        "jobId": job.id,
                        "state": if job.settled { job.state.as_str() } else { "RUNNING" },
                        "statusMessage": job.status_message,
                        "decisionRecord": job.decision_record,
                    }),
                ),
                None => error(404, &format!("no backup or copy job {id}")),
            }
        }
        ("GET", p) if p.starts_with("/_keyhole/backup/reports/") => {
            let id = p.trim_start_matches("/_keyhole/backup/reports/");
            let mut world = instance.world();
            crate::services::registry::advance(&mut world, now);
            let Some(job) = super::reports::find_any(&world, id) else {
                return error(404, &format!("no report job {id}"));
            };
            let format = req
                .raw_query
                .as_deref()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("format=")))
                .map(str::to_uppercase);
            match format {
                None => HttpResponse::json(200, &super::reports::admin_view(&job, now)),
                Some(f) => match job.content.get(&f) {
                    Some(text) => HttpResponse {
                        status: 200,
                        headers: vec![(
                            http::header::CONTENT_TYPE,
                            if f == "CSV" {
                                "text/csv"
                            } else {
                                "application/json"
                            }
                            .into(),
                        )],
                        body: text.clone().into(),
                    },
                    None => error(404, &format!("report job {id} has no {f} report (yet)")),
                },
            }
        }
        _ => error(
            404,
            &format!("no admin endpoint {} {}", req.method, req.raw_path),
        ),
    }
}
