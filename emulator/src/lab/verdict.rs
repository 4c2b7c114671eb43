//! `lab check` and `lab solution`. The check replays the scenario's failing steps on a copy
//! of the learner's world (so checking never changes it) and compares the last answer with
//! the scenario's `fixed` outcome; when it matches, the fix is measured against the
//! scenario's own least-privilege fix with [`super::breadth`]: anything the learner's world
//! allows that the reference does not makes the fix too broad, and it does not count.

use serde::Serialize;
use serde_json::{json, Value};

use super::breadth::{self, Allowed, Exposure};
use super::lang::Lang;
use super::session::Lab;
use super::steps;
use super::ui::say;
use crate::instance::Instance;
use crate::scenario::refs::Bindings;
use crate::scenario::run::{self, Comparison};
use crate::scenario::transport::{Credentials, InProcess, Transport};

/// What `lab check` found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// `solved`, `failing` or `too-broad`.
    pub verdict: &'static str,
    /// One sentence in the learner's language.
    pub summary: String,
    /// What makes the fix too broad, one sentence each.
    pub findings: Vec<String>,
    /// The replayed check's last answer against the expected one.
    pub answer: Comparison,
}

/// Checks the learner's world held by `instance`; counts the check and records a solve.
pub fn check(lab: &Lab, instance: &Instance, lang: Lang) -> Result<Verdict, String> {
    let bindings = lab.progress().bindings.clone();
    let learner = serde_json::to_value(&*instance.world()).map_err(|e| e.to_string())?;
    let mut copy = InProcess::copy_of(&learner)?;
    let s = &lab.scenario.scenario;
    let bindings = newest_recovery_points(lab, &mut copy, bindings);
    let answer = run::check_against(&lab.scenario, &mut copy, bindings, &s.fixed)?;
    let (verdict, summary, findings) = if !answer.matched {
        let summary = say(
            lang,
            "failing",
            &[
                ("expected", &compact(&answer.expected)),
                ("actual", &compact(&answer.actual)),
            ],
        );
        ("failing", summary, Vec::new())
    } else {
        let broader = broader_than_reference(lab, &learner)?;
        if broader.is_empty() {
            ("solved", say(lang, "solved", &[]), Vec::new())
        } else {
            let findings = broader.iter().map(|a| finding(lang, a)).collect();
            ("too-broad", say(lang, "too-broad", &[]), findings)
        }
    };
    {
        let mut progress = lab.progress();
        progress.checks += 1;
        progress.solved |= verdict == "solved";
    }
    lab.save(instance)?;
    Ok(Verdict {
        verdict,
        summary,
        findings,
        answer,
    })
}

/// A fix that backs the resource up again (a volume re-encrypted, re-tagged) makes a new
/// recovery point, and the check must copy that one: for each fix step that starts a backup
/// job and captures its recovery point, the newest recovery point of the same resource in
/// the same vault of the learner's world replaces the captured one.
fn newest_recovery_points(lab: &Lab, world: &mut InProcess, mut bindings: Bindings) -> Bindings {
    for step in &lab.scenario.scenario.fix {
        if step.call.as_deref() != Some("backup:StartBackupJob") {
            continue;
        }
        let Some((name, _)) = step
            .capture
            .iter()
            .find(|(_, path)| *path == "RecoveryPointArn")
        else {
            continue;
        };
        let input = bindings.substitute_value(step.input.as_ref().unwrap_or(&Value::Null));
        let account = step
            .actor
            .as_deref()
            .and_then(|a| bindings.accounts.get(a.split(':').next().unwrap_or(a)))
            .cloned()
            .unwrap_or_default();
        let listed = world.call(
            &Credentials::root(&account),
            &bindings.region,
            "backup",
            "ListRecoveryPointsByBackupVault",
            json!({"BackupVaultName": input["BackupVaultName"], "ByResourceArn": input["ResourceArn"]}),
        );
        let newest = listed.ok().and_then(|l| {
            l["RecoveryPoints"]
                .as_array()?
                .iter()
                .filter_map(|p| {
                    Some((
                        p["CreationDate"].as_f64()?,
                        p["RecoveryPointArn"].as_str()?.to_owned(),
                    ))
                })
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, arn)| arn)
        });
        if let Some(arn) = newest {
            bindings.captures.insert(name.clone(), arn);
        }
    }
    bindings
}

/// What the learner's world allows that the broken world with the scenario's fix does not.
fn broader_than_reference(lab: &Lab, learner: &Value) -> Result<Vec<Allowed>, String> {
    let accounts = lab.account_ids();
    let bindings = lab.progress().bindings.clone();
    let region = bindings.region.clone();
    let mut reference = InProcess::copy_of(&lab.broken_world()?)?;
    run::apply_fix(&lab.scenario, &mut reference, bindings)?;
    let allowed_by_reference = breadth::allowed(&mut reference, &accounts, &region);
    let mut learner = InProcess::copy_of(learner)?;
    Ok(breadth::allowed(&mut learner, &accounts, &region)
        .into_iter()
        .filter(|a| !allowed_by_reference.contains(a))
        .collect())
}

fn finding(lang: Lang, allowed: &Allowed) -> String {
    let id = match allowed.kind {
        Exposure::Outside => "finding-outside",
        Exposure::OtherAccount => "finding-other-account",
        Exposure::AnyResource => "finding-any-resource",
    };
    say(
        lang,
        id,
        &[
            ("principal", &allowed.principal),
            ("action", &allowed.action),
            ("resource", &allowed.resource),
        ],
    )
}

/// An outcome on one line, as the learner compares it with the CLI's output.
fn compact(outcome: &Value) -> String {
    outcome
        .get("output")
        .or_else(|| outcome.get("error"))
        .unwrap_or(outcome)
        .to_string()
}

/// The fix, as the learner would type it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Solution {
    pub cause: String,
    pub fix: String,
    pub commands: Vec<String>,
    /// Where the policy files the commands pass live.
    pub dir: String,
}

/// The scenario's fix steps as AWS CLI commands, with its policy files copied (references
/// filled in) into the lab's `solution/` folder.
pub fn solution(lab: &Lab, lang: Lang) -> Result<Solution, String> {
    let bindings = lab.progress().bindings.clone();
    let dir = lab.dir.join("solution");
    let commands = steps::commands(&lab.scenario, &lab.scenario.scenario.fix, &bindings, &dir)?;
    let text = lab.text(lang);
    Ok(Solution {
        cause: text.cause.clone(),
        fix: text.fix.clone(),
        commands,
        dir: dir.display().to_string(),
    })
}
