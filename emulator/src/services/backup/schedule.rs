//! Scheduled runs on keyhole's clock: backup plan rules and restore testing plans fire at the
//! times of their `ScheduleExpression` (see [`super::cron`]) in their
//! `ScheduleExpressionTimezone` (UTC by default).
//!
//! Each schedule's next fire time is one event in the world's timeline (`super::clock`): at
//! the first request (of any service) after it, the schedule runs and its jobs settle in due
//! order with every other event, so a request after `POST /_keyhole/clock/advance` (or
//! `POST /_keyhole/clock`) over a fire time sees that run's jobs. A due backup rule runs exactly
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
use super::due;
use super::lookup::{state, state_mut};
use super::state::restore_testing::TestingPlan;
use super::state::schedule::Cursor;
use super::state::Plan;
use crate::world::timeline::EventKind;
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

/// The schedules of plan `plan_id`'s current version: one per rule with an expression; none
/// once the plan is deleted.
fn plan_tasks((account, region): (&str, &str), plan: &Plan) -> Vec<Task> {
    let Some(version) = plan
        .versions
        .last()
        .filter(|_| plan.deletion_date.is_none())
    else {
        return Vec::new();
    };
    let rules = version.plan["Rules"].as_array().into_iter().flatten();
    rules
        .filter_map(|rule| {
            Some(Task {
                account: account.to_owned(),
                region: region.to_owned(),
                key: format!(
                    "backup-plan/{}/{}",
                    plan.id,
                    rule["RuleId"].as_str().unwrap_or_default()
                ),
                expression: rule["ScheduleExpression"].as_str()?.to_owned(),
                timezone: rule["ScheduleExpressionTimezone"]
                    .as_str()
                    .map(str::to_owned),
                since: version.creation_date,
                run: Run::Rule {
                    plan_id: plan.id.clone(),
                    rule_name: rule["RuleName"].as_str().unwrap_or_default().to_owned(),
                },
            })
        })
        .collect()
}

/// The schedule of a restore testing plan.
fn restore_test_task((account, region): (&str, &str), plan: &TestingPlan) -> Task {
    Task {
        account: account.to_owned(),
        region: region.to_owned(),
        key: format!("restore-testing-plan/{}", plan.name),
        expression: plan.schedule_expression.clone(),
        timezone: plan.schedule_expression_timezone.clone(),
        since: plan.last_update_time.unwrap_or(plan.creation_time),
        run: Run::RestoreTest {
            name: plan.name.clone(),
        },
    }
}

/// The schedules whose cursor key is `key` (`backup-plan/<plan id>/<rule id>` or
/// `restore-testing-plan/<name>`): found by the plan's id or name, not by a search.
fn tasks_keyed(world: &World, at: (&str, &str), key: &str) -> Vec<Task> {
    let Some(st) = state(world, at.0, at.1) else {
        return Vec::new();
    };
    if let Some(name) = key.strip_prefix("restore-testing-plan/") {
        let plan = st.scheduled.restore_testing.plans.get(name);
        return plan.map(|p| restore_test_task(at, p)).into_iter().collect();
    }
    let Some((plan_id, _)) = key
        .strip_prefix("backup-plan/")
        .and_then(|rest| rest.split_once('/'))
    else {
        return Vec::new();
    };
    let tasks = st.plans.get(plan_id).map(|p| plan_tasks(at, p));
    tasks
        .into_iter()
        .flatten()
        .filter(|t| t.key == key)
        .collect()
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

/// Runs `task` if its fire time `now` has passed, once (the last fire time it passed), and
/// moves its cursor past `now`; records the cursor of a schedule that has none yet (or whose
/// expression changed). Returns the cursor's next fire time.
fn run_task(world: &mut World, task: &Task, now: f64) -> Option<f64> {
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
        return next;
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
    let next = cursor.next;
    state_mut(world, &task.account, &task.region, now)
        .scheduled
        .cursors
        .insert(task.key.clone(), cursor);
    let Some(at) = fire else {
        return next;
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
            super::restore_testing::runs::run_plan(world, &task.account, &task.region, name, at);
        }
    }
    next
}

/// Runs `tasks` at `now` and puts each one's next fire time in the timeline.
fn run_and_schedule(world: &mut World, tasks: Vec<Task>, now: f64) {
    for task in tasks {
        if let Some(next) = run_task(world, &task, now) {
            let event = due::event(
                &task.account,
                &task.region,
                &task.key,
                EventKind::ScheduleFires,
            );
            world.timeline.schedule(next, event);
        }
    }
}

/// A schedule's fire time came: runs it (if it is still due) and schedules its next one.
pub fn fire(world: &mut World, at: (&str, &str), key: &str, now: f64) {
    let tasks = tasks_keyed(world, at, key);
    run_and_schedule(world, tasks, now);
}

/// After plan `plan_id` was created or updated: records the cursors of its rules' schedules
/// and puts their next fire times in the timeline. With no time passed nothing fires.
pub fn schedule_plan(world: &mut World, at: (&str, &str), plan_id: &str) {
    let tasks = state(world, at.0, at.1)
        .and_then(|st| st.plans.get(plan_id))
        .map(|p| plan_tasks(at, p))
        .unwrap_or_default();
    run_and_schedule(world, tasks, f64::NEG_INFINITY);
}

/// [`schedule_plan`] for restore testing plan `name`.
pub fn schedule_restore_test(world: &mut World, at: (&str, &str), name: &str) {
    let key = format!("restore-testing-plan/{name}");
    let tasks = tasks_keyed(world, at, &key);
    run_and_schedule(world, tasks, f64::NEG_INFINITY);
}

/// After a state load: every schedule of the world, as [`schedule_plan`] does.
pub fn schedule_all(world: &mut World) {
    let mut tasks = Vec::new();
    for (account, a) in &world.accounts {
        for (region, r) in &a.regions {
            let at = (account.as_str(), region.as_str());
            let st = &r.backup;
            tasks.extend(st.plans.values().flat_map(|p| plan_tasks(at, p)));
            let tests = st.scheduled.restore_testing.plans.values();
            tasks.extend(tests.map(|p| restore_test_task(at, p)));
        }
    }
    run_and_schedule(world, tasks, f64::NEG_INFINITY);
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
