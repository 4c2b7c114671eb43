//! Running a scenario against a fresh in-process emulator: the setup, the check (its last
//! answer compared with `broken`), the fix, the check again (compared with `fixed`). Calls go
//! through the pipeline's in-process entry, so they meet the same validation, authorization
//! and handlers as a request from an SDK; only HTTP and the signature are skipped.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};

use super::format::{Outcome, Step, StepKind};
use super::load::Loaded;
use super::refs::{at_path, Bindings};
use super::transport::{CallError, Credentials, InProcess, Transport};

/// One scenario's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub name: String,
    pub passed: bool,
    /// The check's answer before the fix, against `broken`.
    pub broken: Option<Comparison>,
    /// The check's answer after the fix, against `fixed`.
    pub fixed: Option<Comparison>,
    /// A setup, check or fix step that failed where it had to succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub milliseconds: f64,
}

/// An expected outcome beside the actual one.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub matched: bool,
    pub expected: Value,
    pub actual: Value,
    /// keyhole's decision record for a job the answer names (which check, policy and
    /// statement decided).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Value>,
}

/// What one call answered.
type Answer = Result<Value, CallError>;

/// Runs `scenario` on a fresh in-process emulator.
pub fn run(scenario: &Loaded) -> Report {
    run_with(scenario, &mut InProcess::new(&scenario.scenario.region))
}

/// Runs `scenario` through `transport` (an SDK, a remote keyhole), after resetting keyhole.
pub fn run_with(scenario: &Loaded, transport: &mut dyn Transport) -> Report {
    let started = Instant::now();
    let mut runner = Runner::new(scenario, transport);
    let mut report = Report {
        name: scenario.name.clone(),
        passed: false,
        broken: None,
        fixed: None,
        error: None,
        milliseconds: 0.0,
    };
    let s = &scenario.scenario;
    let outcome = (|| -> Result<(), String> {
        runner.admin("POST", "/_keyhole/reset", &json!({}))?;
        if let Some(base) = &scenario.baseline {
            runner.steps(base, "baseline setup", &base.scenario.setup)?;
        }
        runner.steps(scenario, "setup", &s.setup)?;
        let answer = runner.check()?;
        report.broken = Some(runner.compare(&s.broken, &answer));
        runner.steps(scenario, "fix", &s.fix)?;
        let answer = runner.check()?;
        report.fixed = Some(runner.compare(&s.fixed, &answer));
        Ok(())
    })();
    report.error = outcome.err();
    report.passed = report.error.is_none()
        && [&report.broken, &report.fixed]
            .iter()
            .all(|c| c.as_ref().is_some_and(|c| c.matched));
    report.milliseconds = started.elapsed().as_secs_f64() * 1000.0;
    report
}

/// A scenario's world left in its broken state, as a lab starts it: keyhole reset, the
/// baseline's setup, the scenario's setup. Returns the account ids and captures the check,
/// the fix and a lab's texts refer to.
pub fn set_up(scenario: &Loaded, transport: &mut dyn Transport) -> Result<Bindings, String> {
    let mut runner = Runner::new(scenario, transport);
    runner.admin("POST", "/_keyhole/reset", &json!({}))?;
    if let Some(base) = &scenario.baseline {
        runner.steps(base, "baseline setup", &base.scenario.setup)?;
    }
    runner.steps(scenario, "setup", &scenario.scenario.setup)?;
    Ok(runner.bindings)
}

/// Runs the check in a world already set up (`bindings` from [`set_up`]) and compares its
/// last answer with `expected`: what a lab's check replays against the learner's world.
pub fn check_against(
    scenario: &Loaded,
    transport: &mut dyn Transport,
    bindings: Bindings,
    expected: &Outcome,
) -> Result<Comparison, String> {
    let mut runner = Runner::new(scenario, transport);
    runner.bindings = bindings;
    let answer = runner.check()?;
    Ok(runner.compare(expected, &answer))
}

/// Applies the scenario's fix to a world already set up: the reference a lab compares a
/// learner's fix with.
pub fn apply_fix(
    scenario: &Loaded,
    transport: &mut dyn Transport,
    bindings: Bindings,
) -> Result<Bindings, String> {
    let mut runner = Runner::new(scenario, transport);
    runner.bindings = bindings;
    runner.steps(scenario, "fix", &scenario.scenario.fix)?;
    Ok(runner.bindings)
}

struct Runner<'s, 't> {
    scenario: &'s Loaded,
    transport: &'t mut dyn Transport,
    bindings: Bindings,
    /// Credentials per `as`, made on first use.
    sessions: BTreeMap<String, Credentials>,
}

impl<'s, 't> Runner<'s, 't> {
    fn new(scenario: &'s Loaded, transport: &'t mut dyn Transport) -> Runner<'s, 't> {
        let s = &scenario.scenario;
        Runner {
            scenario,
            transport,
            bindings: Bindings {
                region: s.region.clone(),
                accounts: scenario
                    .accounts()
                    .iter()
                    .map(|a| (a.name.clone(), a.id.clone()))
                    .collect(),
                captures: BTreeMap::new(),
            },
            sessions: BTreeMap::new(),
        }
    }

    /// Steps that must all succeed.
    /// Steps of `owner` (whose folder holds their `$file`s) that must all succeed.
    fn steps(&mut self, owner: &Loaded, section: &str, steps: &[Step]) -> Result<(), String> {
        for (i, step) in steps.iter().enumerate() {
            self.step(owner, step).map_err(|e| {
                format!("{section} step {} ({}) failed: {e}", i + 1, describe(step))
            })?;
        }
        Ok(())
    }

    /// The check: every step but the last must succeed; the last one's answer is returned.
    fn check(&mut self) -> Result<Answer, String> {
        let check = &self.scenario.scenario.check;
        let (last, before) = check.split_last().ok_or("the scenario has no check")?;
        let scenario = self.scenario;
        self.steps(scenario, "check", before)?;
        let answer = self.call_step(scenario, last)?;
        if let Ok(output) = &answer {
            self.capture(last, output);
        }
        Ok(answer)
    }

    fn step(&mut self, owner: &Loaded, step: &Step) -> Result<(), String> {
        match step.kind()? {
            StepKind::Call(_) => {
                let output = self.call_step(owner, step)?.map_err(|e| e.to_string())?;
                self.capture(step, &output);
                Ok(())
            }
            StepKind::Declare(resource) => {
                let body = self.bindings.substitute_value(resource);
                self.admin("POST", "/_keyhole/resources", &body).map(drop)
            }
            StepKind::AdvanceClock(seconds) => self
                .admin(
                    "POST",
                    "/_keyhole/clock/advance",
                    &json!({ "seconds": seconds }),
                )
                .map(drop),
        }
    }

    /// A call step's answer; `Err` only when the step cannot be made at all.
    fn call_step(&mut self, owner: &Loaded, step: &Step) -> Result<Answer, String> {
        let Ok(StepKind::Call(target)) = step.kind() else {
            return Err("not a call".into());
        };
        let (service, operation) = target.split_once(':').ok_or("not service:Operation")?;
        let input = match &step.input {
            Some(input) => self.input(owner, input)?,
            None => json!({}),
        };
        let region = step
            .region
            .clone()
            .unwrap_or_else(|| self.bindings.region.clone());
        let credentials = self.credentials(step.actor.as_deref().unwrap_or_default())?;
        Ok(self
            .transport
            .call(&credentials, &region, service, operation, input))
    }

    /// The input with references substituted and `$file` objects replaced by the file's text.
    fn input(&self, owner: &Loaded, value: &Value) -> Result<Value, String> {
        Ok(match value {
            Value::String(text) => Value::String(self.bindings.substitute(text)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.input(owner, v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(fields) => match fields.get("$file").and_then(Value::as_str) {
                Some(relative) if fields.len() == 1 => {
                    let text = owner
                        .file_text(relative)
                        .map_err(|e| format!("{relative}: {e}"))?;
                    Value::String(self.bindings.substitute(&text))
                }
                _ => Value::Object(
                    fields
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), self.input(owner, v)?)))
                        .collect::<Result<_, String>>()?,
                ),
            },
            other => other.clone(),
        })
    }

    fn capture(&mut self, step: &Step, output: &Value) {
        for (name, path) in &step.capture {
            if let Some(value) = at_path(output, path) {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                self.bindings.captures.insert(name.clone(), text);
            }
        }
    }

    /// The credentials `actor` signs with: an account's root key, or a role session or a
    /// user's access key that the account's root makes the first time.
    fn credentials(&mut self, actor: &str) -> Result<Credentials, String> {
        if let Some(known) = self.sessions.get(actor) {
            return Ok(known.clone());
        }
        let (account, principal) = actor.split_once(':').unwrap_or((actor, ""));
        let id = self
            .bindings
            .accounts
            .get(account)
            .cloned()
            .ok_or_else(|| format!("no account is named {account:?}"))?;
        let root = Credentials::root(&id);
        let region = self.bindings.region.clone();
        let mut as_root = |service: &str, operation: &str, input: Value| {
            self.transport
                .call(&root, &region, service, operation, input)
                .map_err(|e| format!("{actor}: {e}"))
        };
        let credentials = if let Some(role) = principal.strip_prefix("role/") {
            let found = as_root("iam", "GetRole", json!({"RoleName": role}))?;
            let arn = text(&found, "Role.Arn");
            let session = as_root(
                "sts",
                "AssumeRole",
                json!({"RoleArn": arn, "RoleSessionName": "keyhole-scenario"}),
            )?;
            Credentials {
                access_key_id: text(&session, "Credentials.AccessKeyId"),
                secret_access_key: text(&session, "Credentials.SecretAccessKey"),
                session_token: Some(text(&session, "Credentials.SessionToken")),
            }
        } else if let Some(user) = principal.strip_prefix("user/") {
            let key = as_root("iam", "CreateAccessKey", json!({"UserName": user}))?;
            Credentials {
                access_key_id: text(&key, "AccessKey.AccessKeyId"),
                secret_access_key: text(&key, "AccessKey.SecretAccessKey"),
                session_token: None,
            }
        } else {
            root.clone()
        };
        self.sessions.insert(actor.to_owned(), credentials.clone());
        Ok(credentials)
    }

    fn admin(&mut self, method: &str, path: &str, body: &Value) -> Result<Value, String> {
        self.transport.admin(method, path, body)
    }

    fn compare(&mut self, expected: &Outcome, answer: &Answer) -> Comparison {
        let (matched, expected_value, actual) = match (expected, answer) {
            (Outcome::Error(want), Err(got)) => {
                let want = json!({
                    "code": want.code,
                    "status": want.status,
                    "message": self.bindings.substitute(&want.message),
                });
                let got = got.to_json();
                (want == got, json!({"error": want}), json!({"error": got}))
            }
            (Outcome::Output(paths), Ok(output)) => {
                let want: BTreeMap<&String, Value> = paths
                    .iter()
                    .map(|(p, v)| (p, self.bindings.substitute_value(v)))
                    .collect();
                let got: BTreeMap<&String, Value> = paths
                    .keys()
                    .map(|p| (p, at_path(output, p).cloned().unwrap_or(Value::Null)))
                    .collect();
                (want == got, json!({"output": want}), json!({"output": got}))
            }
            (Outcome::Error(want), Ok(output)) => {
                (false, json!({"error": want}), json!({"output": output}))
            }
            (Outcome::Output(paths), Err(got)) => (
                false,
                json!({"output": paths}),
                json!({"error": got.to_json()}),
            ),
        };
        Comparison {
            matched,
            expected: expected_value,
            actual,
            decision: self.decision_record(answer),
        }
    }

    /// The decision record of a backup or copy job the answer names.
    fn decision_record(&mut self, answer: &Answer) -> Option<Value> {
        let output = answer.as_ref().ok()?;
        let id = [
            "CopyJob.CopyJobId",
            "CopyJobId",
            "BackupJobId",
            "BackupJob.BackupJobId",
        ]
        .iter()
        .find_map(|p| at_path(output, p).and_then(Value::as_str))?;
        self.admin("GET", &format!("/_keyhole/backup/jobs/{id}"), &Value::Null)
            .ok()
    }
}

fn text(value: &Value, path: &str) -> String {
    at_path(value, path)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// `kms:CreateKey as source`, for messages.
pub fn describe(step: &Step) -> String {
    match step.kind() {
        Ok(StepKind::Call(call)) => format!("{call} as {}", step.actor.as_deref().unwrap_or("?")),
        Ok(StepKind::Declare(resource)) => {
            format!("declare {}", resource["Arn"].as_str().unwrap_or("?"))
        }
        Ok(StepKind::AdvanceClock(seconds)) => format!("advance the clock {seconds} s"),
        Err(reason) => reason.to_owned(),
    }
}
