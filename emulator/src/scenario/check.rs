//! The rules a scenario must keep beyond its shape, checked before anything runs: account
//! ids and names, one kind per step, operations and members that the botocore model has,
//! `$file`s that exist and are JSON, and `${name}` references to earlier captures. Each
//! broken rule is a [`ScenarioError`] at the line of what breaks it.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::error::ScenarioError;
use super::format::{AccountRole, Outcome, Scenario, Step, StepKind, VERSION};
use super::refs::{self, Reference};
use crate::policy::json::{self as positioned, JsonNode};
use crate::protocol::model::ShapeKind;
use crate::protocol::ServiceId;
use crate::world::is_account_id;

/// One step of a path into the document, to find the line of what is wrong.
pub(super) use super::error::{key, Seg};

/// The scenario a `baseline` names: its accounts, Region and setup's captures count.
#[derive(Clone, Copy)]
pub(super) struct Baseline<'a> {
    pub(super) name: &'a str,
    pub(super) scenario: &'a Scenario,
}

pub(super) struct Checker<'a> {
    pub(super) file: &'a Path,
    pub(super) text: &'a str,
    pub(super) tree: &'a JsonNode,
    /// The scenario's folder: `$file` paths are relative to it.
    pub(super) dir: &'a Path,
}

impl Checker<'_> {
    pub(super) fn error(&self, at: &[Seg], reason: impl Into<String>) -> ScenarioError {
        ScenarioError::at(self.file, self.text, self.tree, at, reason)
    }

    pub(super) fn scenario(
        &self,
        s: &Scenario,
        baseline: Option<Baseline<'_>>,
    ) -> Result<(), ScenarioError> {
        if s.version != VERSION {
            return Err(self.error(
                &[key("version")],
                format!(
                    "version {} is not one this keyhole reads (it reads {VERSION})",
                    s.version
                ),
            ));
        }
        let accounts = match baseline {
            Some(b) if !s.accounts.is_empty() => {
                return Err(self.error(
                    &[key("accounts")],
                    format!(
                        "the accounts are the baseline's ({}): leave `accounts` out",
                        b.name
                    ),
                ));
            }
            Some(b) if b.scenario.region != s.region => {
                return Err(self.error(
                    &[key("region")],
                    format!(
                        "the baseline {} is in {}: a scenario runs in its baseline's Region",
                        b.name, b.scenario.region
                    ),
                ));
            }
            Some(b) => &b.scenario.accounts,
            None if s.accounts.is_empty() => {
                return Err(self.error(
                    &[key("accounts")],
                    "a scenario without a baseline names its accounts",
                ));
            }
            None => &s.accounts,
        };
        let mut names = BTreeSet::new();
        for (i, account) in accounts.iter().enumerate() {
            let at = [key("accounts"), Seg::Index(i)];
            if !is_account_id(&account.id) {
                return Err(self.error(
                    &[key("accounts"), Seg::Index(i), key("id")],
                    format!("an account id is 12 digits, not {:?}", account.id),
                ));
            }
            if !names.insert(account.name.as_str()) {
                return Err(self.error(&at, format!("two accounts are named {:?}", account.name)));
            }
        }
        if accounts
            .iter()
            .filter(|a| a.role == AccountRole::Management)
            .count()
            > 1
        {
            return Err(self.error(
                &[key("accounts")],
                "an organization has one management account",
            ));
        }
        let mut known = Known {
            accounts: names.iter().map(|n| n.to_string()).collect(),
            captures: baseline
                .into_iter()
                .flat_map(|b| &b.scenario.setup)
                .flat_map(|step| step.capture.keys().cloned())
                .collect(),
        };
        self.steps("setup", &s.setup, &mut known)?;
        if s.check.is_empty() {
            return Err(self.error(
                &[key("check")],
                "`check` needs at least the step that fails",
            ));
        }
        self.steps("check", &s.check, &mut known)?;
        if !matches!(s.check.last().map(Step::kind), Some(Ok(StepKind::Call(_)))) {
            return Err(self.error(
                &[key("check"), Seg::Index(s.check.len() - 1)],
                "the last step of `check` is the call whose answer `broken` and `fixed` describe",
            ));
        }
        self.outcome("broken", &s.broken, &known)?;
        self.steps("fix", &s.fix, &mut known)?;
        self.outcome("fixed", &s.fixed, &known)
    }

    fn steps(&self, section: &str, steps: &[Step], known: &mut Known) -> Result<(), ScenarioError> {
        for (i, step) in steps.iter().enumerate() {
            let at = vec![key(section), Seg::Index(i)];
            self.step(&at, step, known)?;
        }
        Ok(())
    }

    fn step(&self, at: &[Seg], step: &Step, known: &mut Known) -> Result<(), ScenarioError> {
        let here = |k: &str| [at, &[key(k)]].concat();
        let kind = step.kind().map_err(|reason| self.error(at, reason))?;
        if let Some(actor) = &step.actor {
            let account = actor.split_once(':').map_or(actor.as_str(), |(a, _)| a);
            if !known.accounts.contains(account) {
                return Err(self.error(
                    &here("as"),
                    format!(
                        "no account is named {account:?} (accounts: {})",
                        join(&known.accounts)
                    ),
                ));
            }
            if let Some((_, principal)) = actor.split_once(':') {
                let ok = ["role/", "user/"]
                    .iter()
                    .any(|p| principal.strip_prefix(p).is_some_and(|n| !n.is_empty()));
                if !ok {
                    return Err(self.error(
                        &here("as"),
                        format!("`as` is an account name, NAME:role/ROLE or NAME:user/USER, not {actor:?}"),
                    ));
                }
            }
        }
        match kind {
            StepKind::Call(call) => {
                if step.actor.is_none() {
                    return Err(self.error(
                        at,
                        "a call needs `as`: the account or principal that makes it",
                    ));
                }
                self.call(at, call, step.input.as_ref(), known)?;
            }
            StepKind::Declare(resource) => {
                const FIELDS: [&str; 4] = ["Arn", "KmsKeyArn", "Tags", "ResourceType"];
                let Some(fields) = resource.as_object() else {
                    return Err(self.error(&here("declare"), "`declare` is an object: {\"Arn\", \"KmsKeyArn\"?, \"Tags\"?, \"ResourceType\"?}"));
                };
                if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
                    return Err(self.error(
                        &[at, &[key("declare"), key(unknown)]].concat(),
                        format!("unknown field `{unknown}` in `declare`, expected one of `Arn`, `KmsKeyArn`, `Tags`, `ResourceType`"),
                    ));
                }
                if !fields.get("Arn").is_some_and(Value::is_string) {
                    return Err(
                        self.error(&here("declare"), "`declare` needs the resource's `Arn`")
                    );
                }
                self.references(&here("declare"), resource, known)?;
            }
            StepKind::AdvanceClock(seconds) => {
                if seconds.is_nan() || seconds < 0.0 {
                    return Err(self.error(&here("advanceClock"), "keyhole's clock only moves forward: `advanceClock` is a number of seconds, 0 or more"));
                }
            }
        }
        if !matches!(kind, StepKind::Call(_)) && (step.input.is_some() || !step.capture.is_empty())
        {
            return Err(self.error(at, "`input` and `capture` belong to a step with `call`"));
        }
        for (name, path) in &step.capture {
            let at = [at, &[key("capture"), key(name)]].concat();
            if !refs::is_name(name) || name == "region" || name == "accounts" {
                return Err(self.error(&at, format!("{name:?} cannot name a capture: use letters, digits and _, starting with a letter (not `region` or `accounts`)")));
            }
            if refs::parse_path(path).is_none() {
                return Err(self.error(&at, format!("{path:?} is not a path into the answer (e.g. `KeyMetadata.Arn`, `Roles[0].Arn`)")));
            }
            known.captures.insert(name.clone());
        }
        Ok(())
    }

    fn call(
        &self,
        at: &[Seg],
        call: &str,
        input: Option<&Value>,
        known: &Known,
    ) -> Result<(), ScenarioError> {
        let here = [at, &[key("call")]].concat();
        let Some((prefix, operation)) = call.split_once(':') else {
            return Err(self.error(
                &here,
                format!("`call` is service:Operation (e.g. `kms:PutKeyPolicy`), not {call:?}"),
            ));
        };
        let Some(service) = ServiceId::from_signing_name(prefix) else {
            let served: Vec<&str> = ServiceId::ALL.iter().map(|s| s.signing_name()).collect();
            return Err(self.error(
                &here,
                format!(
                    "keyhole does not serve {prefix:?} (it serves {})",
                    served.join(", ")
                ),
            ));
        };
        let model = service.model();
        let Some(op) = model.operations.get(operation) else {
            let hint = model
                .operations
                .keys()
                .find(|k| k.eq_ignore_ascii_case(operation))
                .map(|k| format!("; did you mean {k}?"))
                .unwrap_or_default();
            return Err(self.error(
                &here,
                format!("the {prefix} model has no operation {operation:?}{hint}"),
            ));
        };
        let input_at = [at, &[key("input")]].concat();
        match (input, op.input.as_deref()) {
            (None, _) => Ok(()),
            (Some(_), None) => Err(self.error(&input_at, format!("{call} takes no input"))),
            (Some(value), Some(shape)) => {
                if !value.is_object() {
                    return Err(
                        self.error(&input_at, "`input` is an object of the operation's members")
                    );
                }
                self.members(service, shape, &input_at, value)?;
                self.references(&input_at, value, known)
            }
        }
    }

    /// Every key of `value` is a member the model gives `shape`, all the way down.
    fn members(
        &self,
        service: ServiceId,
        shape_name: &str,
        at: &[Seg],
        value: &Value,
    ) -> Result<(), ScenarioError> {
        let Some(shape) = service.model().shape(shape_name) else {
            return Ok(());
        };
        match (shape.kind, value) {
            (ShapeKind::Structure, Value::Object(fields)) => {
                for (name, v) in fields {
                    let here = [at, &[key(name)]].concat();
                    let Some(member) = shape.member(name) else {
                        let mut names: Vec<&str> =
                            shape.members.iter().map(|m| m.name.as_str()).collect();
                        names.sort_unstable();
                        return Err(self.error(
                            &here,
                            format!(
                                "{shape_name} has no member {name:?} (members: {})",
                                names.join(", ")
                            ),
                        ));
                    };
                    self.members(service, &member.shape, &here, v)?;
                }
                Ok(())
            }
            (ShapeKind::List, Value::Array(items)) => {
                let Some(item_shape) = &shape.list_member else {
                    return Ok(());
                };
                for (i, item) in items.iter().enumerate() {
                    self.members(service, item_shape, &[at, &[Seg::Index(i)]].concat(), item)?;
                }
                Ok(())
            }
            (ShapeKind::Map, Value::Object(entries)) => {
                let Some(value_shape) = &shape.map_value else {
                    return Ok(());
                };
                for (k, v) in entries {
                    self.members(service, value_shape, &[at, &[key(k)]].concat(), v)?;
                }
                Ok(())
            }
            (ShapeKind::String, Value::Object(_)) => self.file_reference(at, value).map(drop),
            _ => Ok(()),
        }
    }

    /// `{"$file": "policies/x.json"}`: a JSON file beside the scenario.
    fn file_reference(&self, at: &[Seg], value: &Value) -> Result<String, ScenarioError> {
        let relative = match value.as_object() {
            Some(o) if o.len() == 1 => o.get("$file").and_then(Value::as_str),
            _ => None,
        };
        let Some(relative) = relative else {
            return Err(self.error(
                at,
                "a string member holds text or {\"$file\": \"path/beside/the/scenario.json\"}",
            ));
        };
        if Path::new(relative).is_absolute() || relative.split('/').any(|p| p == "..") {
            return Err(self.error(
                at,
                format!("{relative:?}: a `$file` is a path inside the scenario's folder"),
            ));
        }
        let text = std::fs::read_to_string(self.dir.join(relative))
            .map_err(|e| self.error(at, format!("{relative}: cannot read: {e}")))?;
        positioned::parse(&text).map_err(|e| {
            let (line, column) = positioned::line_column(&text, e.offset);
            self.error(
                at,
                format!("{relative}:{line}:{column}: not JSON: {}", e.reason),
            )
        })?;
        Ok(text)
    }

    /// Every `${name}` in the strings of `value` names an account, the Region or an earlier
    /// capture.
    fn references(&self, at: &[Seg], value: &Value, known: &Known) -> Result<(), ScenarioError> {
        match value {
            Value::String(text) => {
                for reference in refs::references(text).map_err(|reason| self.error(at, reason))? {
                    known
                        .check(&reference)
                        .map_err(|reason| self.error(at, reason))?;
                }
                Ok(())
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| self.references(&[at, &[Seg::Index(i)]].concat(), v, known)),
            Value::Object(fields) => {
                if let Some(Value::String(relative)) = fields.get("$file") {
                    // The file's own `${...}` are checked like the scenario's.
                    let text = std::fs::read_to_string(self.dir.join(relative)).unwrap_or_default();
                    return self.references(at, &Value::String(text), known);
                }
                fields
                    .iter()
                    .try_for_each(|(k, v)| self.references(&[at, &[key(k)]].concat(), v, known))
            }
            _ => Ok(()),
        }
    }

    fn outcome(
        &self,
        section: &str,
        outcome: &Outcome,
        known: &Known,
    ) -> Result<(), ScenarioError> {
        let at = [key(section)];
        match outcome {
            Outcome::Error(expected) => {
                let value = Value::String(expected.message.clone());
                self.references(&[key(section), key("error"), key("message")], &value, known)?;
                if !(100..600).contains(&expected.status) {
                    return Err(self.error(
                        &[key(section), key("error"), key("status")],
                        "`status` is an HTTP status, 100 to 599",
                    ));
                }
                Ok(())
            }
            Outcome::Output(paths) => {
                for (path, value) in paths {
                    let here = [&at[..], &[key("output"), key(path)]].concat();
                    if refs::parse_path(path).is_none() {
                        return Err(self.error(
                            &here,
                            format!(
                                "{path:?} is not a path into the answer (e.g. `CopyJob.State`)"
                            ),
                        ));
                    }
                    self.references(&here, value, known)?;
                }
                Ok(())
            }
        }
    }
}

/// The names a `${...}` may use at a point of the scenario.
struct Known {
    accounts: BTreeSet<String>,
    captures: BTreeSet<String>,
}

impl Known {
    fn check(&self, reference: &Reference) -> Result<(), String> {
        match reference {
            Reference::Region => Ok(()),
            Reference::Account(name) if self.accounts.contains(name) => Ok(()),
            Reference::Account(name) => Err(format!(
                "${{accounts.{name}}}: no account is named {name:?} (accounts: {})",
                join(&self.accounts)
            )),
            Reference::Capture(name) if self.captures.contains(name) => Ok(()),
            Reference::Capture(name) => Err(format!(
                "${{{name}}} is not captured by an earlier step{}",
                if self.captures.is_empty() {
                    String::new()
                } else {
                    format!(" (captured so far: {})", join(&self.captures))
                }
            )),
        }
    }
}

fn join(names: &BTreeSet<String>) -> String {
    names
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
