//! The scenario file format, version 1, as serde reads it: what a `scenario.json` may say
//! (scenarios/README.md documents it for authors; scenarios/scenario.schema.json for
//! editors). Every struct refuses unknown fields, so a misspelt key is an error with its
//! line, never a silently missing step.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format version this keyhole reads.
pub const VERSION: u32 = 1;

/// One documented failure: the world that shows it, the step that fails, the fix, and what
/// each answers.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// Editors' hint (`"../scenario.schema.json"`); keyhole ignores its value.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub version: u32,
    pub title: String,
    /// One line: what a user sees.
    pub summary: String,
    /// The check that fails, in a few words (`scenario list` shows it).
    pub failing_check: String,
    /// Where AWS documents the failure and its fix.
    #[serde(default)]
    pub documentation: Vec<Source>,
    /// The folder name of a scenario (beside this one) whose accounts and setup run first:
    /// the working world this scenario breaks. Its captures are this scenario's too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    #[serde(default = "default_region")]
    pub region: String,
    /// Empty when a baseline gives them.
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub setup: Vec<Step>,
    /// The steps that show the failure; the last one's answer is compared with `broken`,
    /// and again with `fixed` after the fix. The others must succeed.
    pub check: Vec<Step>,
    pub broken: Outcome,
    /// Empty in a baseline, whose `broken` and `fixed` are both the working answer.
    pub fix: Vec<Step>,
    pub fixed: Outcome,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Account {
    /// How steps name it (`"as": "source"`, `${accounts.source}`).
    pub name: String,
    /// Twelve digits.
    pub id: String,
    pub role: AccountRole,
}

/// The part an account plays in a cross-account story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountRole {
    /// The organization's management account.
    Management,
    /// Where the backup and the copy start.
    Source,
    /// Where the copy goes.
    Destination,
    /// Any other member of the organization.
    Member,
    /// An account outside the organization.
    Outsider,
}

/// One thing done to the world: exactly one of `call`, `declare` or `advanceClock`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    /// Why this step is here, for `scenario show` and the generated script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Who acts: an account name (its root), `name:role/RoleName` (a session of that role,
    /// assumed by the account's root) or `name:user/UserName` (that user, with an access key
    /// its account's root creates).
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The Region of this step when it is not the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `service:Operation` as the botocore model names them (`kms:PutKeyPolicy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// The operation's input, members named as in the model. A string may hold
    /// `${capture}`, `${accounts.NAME}` or `${region}`; `{"$file": "policies/x.json"}` stands
    /// for that file's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// Values of the answer to keep for later steps: name → dotted path (`KeyMetadata.Arn`,
    /// `Roles[0].Arn`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, String>,
    /// A resource keyhole does not emulate (an EBS volume, an RDS snapshot), declared through
    /// `POST /_keyhole/resources`: `{"Arn", "KmsKeyArn"?, "Tags"?, "ResourceType"?}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declare: Option<Value>,
    /// Seconds to move keyhole's clock forward (`POST /_keyhole/clock/advance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance_clock: Option<f64>,
}

/// What a step answers, compared to the letter.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Outcome {
    /// The call fails with this error.
    Error(ExpectedError),
    /// The call succeeds; each dotted path of the answer holds exactly this value
    /// (`{}`: any success).
    Output(BTreeMap<String, Value>),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpectedError {
    /// The exception code as the SDKs show it (`MalformedPolicyDocumentException`).
    pub code: String,
    pub status: u16,
    pub message: String,
}

impl Step {
    /// What kind of step this is, or why it is none or several.
    pub fn kind(&self) -> Result<StepKind<'_>, &'static str> {
        match (&self.call, &self.declare, self.advance_clock) {
            (Some(call), None, None) => Ok(StepKind::Call(call)),
            (None, Some(resource), None) => Ok(StepKind::Declare(resource)),
            (None, None, Some(seconds)) => Ok(StepKind::AdvanceClock(seconds)),
            (None, None, None) => Err("a step needs one of `call`, `declare` or `advanceClock`"),
            _ => Err("a step has only one of `call`, `declare` or `advanceClock`"),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum StepKind<'a> {
    Call(&'a str),
    Declare(&'a Value),
    AdvanceClock(f64),
}
