//! The job engine: backup and copy jobs reach their final state on keyhole's clock. A
//! backup job checks its vault, role and retention and makes its recovery point; a copy job
//! is decided by the copy engine ([`super::copy`]) and, when it passes, places its copy in
//! the destination vault.

use std::collections::BTreeMap;

use super::copy;
use super::lookup::{find_vault, state, state_mut};
use super::resources::{fully_managed, management_preferences};
use super::roles::{role_caller, role_exists};
use super::state::{Job, JobState, Lifecycle, MessageCategory, RecoveryPoint};
use super::vaults::retention_ok;
use crate::authz::{Access, Environment};
use crate::world::timeline::EventKind;
use crate::world::World;

/// The job being settled: where it is, which list holds it, and when it finishes.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    account: String,
    region: String,
    copy: bool,
    id: String,
    finish_at: f64,
}

/// Brings job `id` (a copy job when `copy`) of `account` in `region` to its final state if
/// its time has come, applying its effects; a completed backup starts its plan rule's copies,
/// whose completions go in the timeline.
pub fn settle(world: &mut World, (account, region): (&str, &str), copy: bool, id: &str, now: f64) {
    let Some(st) = state(world, account, region) else {
        return;
    };
    let list = if copy { &st.copy_jobs } else { &st.backup_jobs };
    let Some(job) = list.get(id).filter(|j| !j.settled && j.finish_at <= now) else {
        return;
    };
    let pending = Pending {
        account: account.to_owned(),
        region: region.to_owned(),
        copy,
        id: id.to_owned(),
        finish_at: job.finish_at,
    };
    if copy {
        run_copy(world, &pending);
    } else {
        run_backup(world, &pending);
    }
}

fn job_mut<'w>(world: &'w mut World, p: &Pending) -> Option<&'w mut Job> {
    let st = state_mut(world, &p.account, &p.region, p.finish_at);
    if p.copy {
        st.copy_jobs.get_mut(&p.id)
    } else {
        st.backup_jobs.get_mut(&p.id)
    }
}

fn finish(
    world: &mut World,
    p: &Pending,
    outcome: Result<(), (String, MessageCategory)>,
    record: Vec<String>,
) {
    let Some(job) = job_mut(world, p) else {
        return;
    };
    job.settled = true;
    job.completion_date = Some(p.finish_at);
    job.decision_record = record;
    match outcome {
        Ok(()) => {
            job.state = JobState::Completed;
            job.message_category = Some(MessageCategory::Success);
            job.status_message = None;
        }
        Err((message, category)) => {
            job.state = JobState::Failed;
            job.message_category = Some(category);
            job.status_message = Some(message);
            job.destination_recovery_point_arn = None;
        }
    }
}

fn run_backup(world: &mut World, p: &Pending) {
    let Some(job) = state(world, &p.account, &p.region).and_then(|st| st.backup_jobs.get(&p.id))
    else {
        return;
    };
    let job = job.clone();
    let mut record = Vec::new();
    let Some(vault) = find_vault(world, &p.account, &p.region, &job.vault_name).cloned() else {
        // Text verified for backup jobs (backup-resources.md §4, EB).
        let message = format!(
            "Backup job failed because backup vault {} does not exist.",
            job.vault_arn
        );
        record.push(format!("vault: {} does not exist", job.vault_arn));
        return finish(
            world,
            p,
            Err((message, MessageCategory::InvalidParameters)),
            record,
        );
    };
    if !role_exists(world, &job.iam_role_arn) {
        let message = format!(
            "IAM Role {} does not have sufficient permissions to execute the backup.",
            job.iam_role_arn
        );
        record.push(format!("role: {} does not exist", job.iam_role_arn));
        return finish(
            world,
            p,
            Err((message, MessageCategory::AccessDenied)),
            record,
        );
    }
    if let Some(action) = super::resources::backup_action(&job.resource_type) {
        // The role does the backup: its identity policies (and SCPs) must allow it.
        let decision = crate::authz::decide(
            world,
            &role_caller(world, &job.iam_role_arn),
            &Environment {
                region: p.region.clone(),
                now: p.finish_at,
                called_via: vec!["backup.amazonaws.com".into()],
            },
            &Access {
                action: action.into(),
                resource: Some(job.resource_arn.clone()),
                ..Access::default()
            },
        );
        let explanation = decision.explain().trim_end().replace('\n', " | ");
        if !decision.is_allowed() {
            record.push(format!("FAILED role permissions: {explanation}"));
            let message = format!(
                "IAM Role {} does not have sufficient permissions to execute the backup.",
                job.iam_role_arn
            );
            return finish(
                world,
                p,
                Err((message, MessageCategory::AccessDenied)),
                record,
            );
        }
        record.push(format!("ok role permissions: {explanation}"));
    }
    if !retention_ok(&vault.lock, &job.lifecycle) {
        record.push("vault lock: the job's retention is outside the vault's range".into());
        // Text inferred from the copy job's verified message.
        let message = "Backup job failed. The retention specified in the job is not within the range specified for the target Backup Vault.".to_owned();
        return finish(
            world,
            p,
            Err((message, MessageCategory::InvalidParameters)),
            record,
        );
    }
    let advanced = management_preferences(world, &p.account, &p.region);
    let is_fully_managed = fully_managed(&job.resource_type, |t| {
        advanced.get(t).copied().unwrap_or(false)
    });
    let declared = world.backup.resources.get(&job.resource_arn).cloned();
    let (key, aws_managed) = if is_fully_managed {
        (vault.encryption_key_arn.clone(), vault.aws_managed_key)
    } else {
        match declared.as_ref().and_then(|d| d.kms_key_arn.clone()) {
            Some(key) => (key, false),
            None => (
                crate::services::kms::integration::ensure_aws_managed_key(
                    world,
                    &p.account,
                    &p.region,
                    super::resources::managed_key_service(&job.resource_type),
                    p.finish_at,
                ),
                true,
            ),
        }
    };
    record.push(format!(
        "backup: {} ({}) encrypted with {key}{}",
        job.resource_arn,
        job.resource_type,
        if is_fully_managed {
            " (the vault's key: fully managed by AWS Backup)"
        } else {
            " (the resource's key)"
        }
    ));
    let recovery_point = RecoveryPoint {
        arn: job.recovery_point_arn.clone(),
        vault_name: vault.name.clone(),
        vault_arn: vault.arn.clone(),
        resource_arn: job.resource_arn.clone(),
        resource_type: job.resource_type.clone(),
        creation_date: job.creation_date,
        completion_date: p.finish_at,
        encryption_key_arn: key.clone(),
        aws_managed_key: aws_managed,
        iam_role_arn: job.iam_role_arn.clone(),
        lifecycle: job.lifecycle.clone(),
        status: "COMPLETED".into(),
        source_backup_vault_arn: None,
        created_by: job.created_by.clone(),
        backup_size_in_bytes: job.backup_size_in_bytes,
        last_restore_time: None,
        ..RecoveryPoint::default()
    };
    let mut tags: BTreeMap<String, String> = declared.map(|d| d.tags).unwrap_or_default();
    tags.extend(job.recovery_point_tags.clone());
    let st = state_mut(world, &p.account, &p.region, p.finish_at);
    if let Some(v) = st.vaults.get_mut(&vault.name) {
        v.recovery_points
            .insert(recovery_point.arn.clone(), recovery_point);
    }
    if !tags.is_empty() {
        st.tags.insert(job.recovery_point_arn.clone(), tags);
    }
    if let Some(j) = st.backup_jobs.get_mut(&p.id) {
        j.encryption_key_arn = Some(key);
    }
    finish(world, p, Ok(()), record);
    let duration = world.backup.settings.job_duration_seconds;
    for action in &job.then_copy {
        let copy = new_copy_job(
            &job,
            &vault.arn,
            &job.recovery_point_arn,
            action.destination_backup_vault_arn.clone(),
            action.lifecycle.clone(),
            p.finish_at,
            duration,
        );
        let (id, finish_at) = (copy.id.clone(), copy.finish_at);
        state_mut(world, &p.account, &p.region, p.finish_at)
            .copy_jobs
            .insert(copy);
        let at = (p.account.as_str(), p.region.as_str());
        super::due::job_started(world, EventKind::CopyJobDone, at, &id, finish_at);
    }
}

/// A copy job of `source` (its recovery point in `vault_arn`) created at `now`.
pub fn new_copy_job(
    source: &Job,
    vault_arn: &str,
    recovery_point_arn: &str,
    destination_vault_arn: String,
    lifecycle: Option<Lifecycle>,
    now: f64,
    duration: f64,
) -> Job {
    Job {
        id: uuid::Uuid::new_v4().to_string().to_uppercase(),
        account: source.account.clone(),
        region: source.region.clone(),
        creation_date: now,
        finish_at: now + duration,
        settled: false,
        state: JobState::Created,
        resource_arn: source.resource_arn.clone(),
        resource_type: source.resource_type.clone(),
        iam_role_arn: source.iam_role_arn.clone(),
        vault_name: source.vault_name.clone(),
        vault_arn: vault_arn.to_owned(),
        recovery_point_arn: recovery_point_arn.to_owned(),
        destination_vault_arn: Some(destination_vault_arn),
        lifecycle,
        created_by: source.created_by.clone(),
        backup_size_in_bytes: source.backup_size_in_bytes,
        ..Job::default()
    }
}

fn run_copy(world: &mut World, p: &Pending) {
    let Some(job) = state(world, &p.account, &p.region).and_then(|st| st.copy_jobs.get(&p.id))
    else {
        return;
    };
    let job = job.clone();
    let mut record = Vec::new();
    match copy::evaluate(world, &job, p.finish_at, &mut record) {
        Err(failure) => finish(world, p, Err((failure.message, failure.category)), record),
        Ok(result) => {
            let (region, account, name) = result.destination;
            let recovery_point = result.recovery_point;
            let point_arn = recovery_point.arn.clone();
            let key = recovery_point.encryption_key_arn.clone();
            let st = state_mut(world, &account, &region, p.finish_at);
            if let Some(v) = st.vaults.get_mut(&name) {
                v.recovery_points.insert(point_arn.clone(), recovery_point);
            }
            if !result.tags.is_empty() {
                st.tags.insert(point_arn.clone(), result.tags);
            }
            if let Some(j) = job_mut(world, p) {
                j.destination_recovery_point_arn = Some(point_arn);
                j.encryption_key_arn = Some(key);
            }
            finish(world, p, Ok(()), record);
        }
    }
}
