//! Scheduled runs on keyhole's clock: backup plan rules and restore testing plans fire at the
//! times of their `ScheduleExpression` (see [`super::cron`]) in their
//! `ScheduleExpressionTimezone` (UTC by default).
//!
//! Before every request (of any service) whose time has passed a schedule's next fire time,
//! the schedules are brought up to keyhole's clock, then jobs are settled
//! (`engine::settle`; see `super::clock`), so a request after `POST /_keyhole/clock/advance`
//! (or `POST /_keyhole/clock`) over a fire time sees that run's jobs. A due backup rule runs exactly
//! as `POST /_keyhole/backup/run-plan` runs it (a backup job per selected resource, then the
//! rule's copy actions as each completes), with the fire time as the jobs' creation date; a
//! restore testing plan starts one restore job per selection.
//!
//! Missed windows are not backfilled: when the clock jumps over several fire times of a rule,
//! the rule runs once, at the last of them (AWS starts a rule's job once per window and never
//! catches up on windows it did not see). A rule's first fire time is the first one after the
//! plan version that set its schedule was created. Jobs start at the fire time, so
//! `StartWindowMinutes` / `StartWindowHours` never expire a job.

use serde_json::Value;

use super::cron::{time_zone, Cron};
use super::lookup::{state, state_mut};
use super::state::schedule::Cursor;
use crate::world::World;

enum Run {
    Rule { plan_id: String, rule_name: String },
    RestoreTest { name: String },
}

struct Task {
    account: String,
    region: String,
    key: String,
    expression: String,
    timezone: Option<String>,
    /// When the schedule took effect.
    since: f64,
    run: Run,
}

fn tasks(world: &World) -> Vec<Task> {
    let mut out = Vec::new();
    for (account, a) in &world.accounts {
        for (region, r) in &a.regions {
            let st = &r.backup;
            for plan in st.plans.values().filter(|p| p.deletion_date.is_none()) {
                let Some(version) = plan.versions.last() else {
                    continue;
                };
                for rule in version.plan["Rules"].as_array().into_iter().flatten() {
                    let Some(expression) = rule["ScheduleExpression"].as_str() else {
                        continue;
                    };
                    out.push(Task {
                        account: account.clone(),
                        region: region.clone(),
                        key: format!(
                            "backup-plan/{}/{}",
                            plan.id,
                            rule["RuleId"].as_str().unwrap_or_default()
                        ),
                        expression: expression.to_owned(),
                        timezone: rule["ScheduleExpressionTimezone"]
                            .as_str()
                            .map(str::to_owned),
                        since: version.creation_date,
                        run: Run::Rule {
                            plan_id: plan.id.clone(),
                            rule_name: rule["RuleName"].as_str().unwrap_or_default().to_owned(),
                        },
                    });
                }
            }
            for plan in st.scheduled.restore_testing.plans.values() {
                out.push(Task {
                    account: account.clone(),
                    region: region.clone(),
                    key: format!("restore-testing-plan/{}", plan.name),
                    expression: plan.schedule_expression.clone(),
                    timezone: plan.schedule_expression_timezone.clone(),
                    since: plan.last_update_time.unwrap_or(plan.creation_time),
                    run: Run::RestoreTest {
                        name: plan.name.clone(),
                    },
                });
            }
        }
    }
    out
}

/// The first fire time after `after`, in epoch seconds.
pub fn next_fire(expression: &str, timezone: Option<&str>, after: f64) -> Option<f64> {
    let cron = Cron::parse(expression)?;
    let tz = time_zone(timezone)?;
    cron.next_after(after.floor() as i64, tz).map(|t| t as f64)
}

fn last_fire(expression: &str, timezone: Option<&str>, after: f64, until: f64) -> Option<f64> {
    let cron = Cron::parse(expression)?;
    let tz = time_zone(timezone)?;
    cron.last_between(after.floor() as i64, until.floor() as i64, tz)
        .map(|t| t as f64)
}

/// Runs every schedule whose fire time `now` has passed, once each (the last fire time it
/// passed), and moves its cursor past `now`.
pub fn run_due(world: &mut World, now: f64) {
    for task in tasks(world) {
        let current = state(world, &task.account, &task.region)
            .and_then(|st| st.scheduled.cursors.get(&task.key))
            .filter(|c| c.expression == task.expression && c.timezone == task.timezone)
            .cloned();
        let next = match &current {
            Some(c) => c.next,
            None => next_fire(&task.expression, task.timezone.as_deref(), task.since),
        };
        let due = next.filter(|n| *n <= now);
        if current.is_some() && due.is_none() {
            continue;
        }
        let fire =
            due.and_then(|n| last_fire(&task.expression, task.timezone.as_deref(), n - 1.0, now));
        let cursor = Cursor {
            expression: task.expression.clone(),
            timezone: task.timezone.clone(),
            next: if due.is_some() {
                next_fire(&task.expression, task.timezone.as_deref(), now)
            } else {
                next
            },
        };
        state_mut(world, &task.account, &task.region, now)
            .scheduled
            .cursors
            .insert(task.key.clone(), cursor);
        let Some(at) = fire else {
            continue;
        };
        match &task.run {
            Run::Rule { plan_id, rule_name } => {
                // A rule whose selection names something Backup cannot protect starts the jobs
                // it can; the admin call reports the failure, a schedule has no one to tell.
                let _ = super::plan_runs::run_rule(
                    world,
                    &task.account,
                    &task.region,
                    plan_id,
                    rule_name,
                    at,
                );
            }
            Run::RestoreTest { name } => {
                super::restore_testing::runs::run_plan(
                    world,
                    &task.account,
                    &task.region,
                    name,
                    at,
                );
            }
        }
    }
}

/// Records the cursor of every schedule that has none yet (or whose expression changed), as
/// `run_due` does, and returns the earliest next fire time of all schedules.
pub fn next_fire_time(world: &mut World) -> Option<f64> {
    // With no time passed nothing fires: run_due only records the new cursors.
    run_due(world, f64::NEG_INFINITY);
    tasks(world)
        .iter()
        .filter_map(|task| {
            state(world, &task.account, &task.region)?
                .scheduled
                .cursors
                .get(&task.key)?
                .next
        })
        .reduce(f64::min)
}

/// The text of a plan rule's or restore testing plan's schedule problem, if any.
pub fn check(expression: &str, timezone: Option<&str>) -> Result<(), ScheduleError> {
    if Cron::parse(expression).is_none() {
        return Err(ScheduleError::Expression);
    }
    if time_zone(timezone).is_none() {
        return Err(ScheduleError::Timezone);
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScheduleError {
    Expression,
    Timezone,
}

/// A rule's schedule members as the request gave them.
pub fn rule_schedule(rule: &Value) -> (Option<&str>, Option<&str>) {
    (
        rule["ScheduleExpression"].as_str(),
        rule["ScheduleExpressionTimezone"].as_str(),
    )
}
