//! A lab's texts: `lab/<language>.json` in the scenario's folder, one per language, format
//! version 1. What the learner sees, why, how to find it, how to fix it with least
//! privilege, and hints from gentle to nearly the answer. AWS's own error text is not in
//! them: keyhole prints it from the scenario's `broken` outcome, in AWS's English.
//!
//! Checked when read: every member present and no other, the language the file name says,
//! every quoted command one the AWS CLI accepts (see [`super::command`]), and every
//! `${name}` one the scenario defines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::command;
use super::lang::Lang;
use crate::scenario::error::{key, Seg};
use crate::scenario::load::{io_error, read};
use crate::scenario::refs::{references, Reference};
use crate::scenario::{Loaded, ScenarioError};

/// The format version this keyhole reads.
pub const VERSION: u32 = 1;

/// The folder, inside a scenario's, that holds its lab texts.
pub const TEXT_DIR: &str = "lab";

/// One language's texts for one lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabText {
    pub version: u32,
    pub language: Lang,
    pub title: String,
    /// The situation and what the learner must achieve.
    pub task: String,
    /// Where the failure shows; AWS's message is printed right after it.
    pub symptom: String,
    /// Why: the policy and statement (or its absence), and the layer that decided.
    pub cause: String,
    /// Read-only commands that show the cause.
    pub investigate: Vec<Investigation>,
    /// The least-privilege fix, and what not to grant.
    pub fix: String,
    /// From gentle to nearly the answer; `lab hint` reveals one more each time.
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Investigation {
    pub text: String,
    pub command: String,
}

/// Every language's texts of `scenario`, checked; all five must exist.
pub fn load_texts(scenario: &Loaded) -> Result<BTreeMap<Lang, LabText>, ScenarioError> {
    let defined = defined_names(scenario);
    Lang::ALL
        .into_iter()
        .map(|lang| {
            let file = scenario
                .dir
                .join(TEXT_DIR)
                .join(format!("{}.json", lang.code()));
            let text = std::fs::read_to_string(&file).map_err(|e| io_error(&file, &e))?;
            parse_text(&file, &text, lang, &defined).map(|t| (lang, t))
        })
        .collect()
}

/// Reads one texts file written in `lang`; `defined` are the `${names}` it may use.
pub fn parse_text(
    file: &Path,
    text: &str,
    lang: Lang,
    defined: &BTreeSet<String>,
) -> Result<LabText, ScenarioError> {
    let (lab, tree): (LabText, _) = read(file, text).map_err(|e| at_unknown_field(e, text))?;
    let error = |at: &[Seg], reason: String| ScenarioError::at(file, text, &tree, at, reason);
    if lab.version != VERSION {
        return Err(error(
            &[key("version")],
            format!(
                "version {} is not one this keyhole reads (it reads {VERSION})",
                lab.version
            ),
        ));
    }
    if lab.language != lang {
        return Err(error(
            &[key("language")],
            format!(
                "the file is named for {lang} but says it is written in {}",
                lab.language
            ),
        ));
    }
    for (name, value) in [
        ("title", &lab.title),
        ("task", &lab.task),
        ("symptom", &lab.symptom),
        ("cause", &lab.cause),
        ("fix", &lab.fix),
    ] {
        if value.trim().is_empty() {
            return Err(error(&[key(name)], format!("`{name}` is empty")));
        }
    }
    if lab.hints.is_empty() {
        return Err(error(
            &[key("hints")],
            "a lab needs at least one hint".into(),
        ));
    }
    if lab.investigate.is_empty() {
        return Err(error(
            &[key("investigate")],
            "a lab needs at least one command that shows the cause".into(),
        ));
    }
    for (i, step) in lab.investigate.iter().enumerate() {
        let at = [key("investigate"), Seg::Index(i), key("command")];
        command::parse(&step.command).map_err(|reason| error(&at, reason))?;
        undefined(&step.command, defined).map_err(|reason| error(&at, reason))?;
    }
    let prose = [
        (vec![key("task")], &lab.task),
        (vec![key("symptom")], &lab.symptom),
        (vec![key("cause")], &lab.cause),
        (vec![key("fix")], &lab.fix),
    ]
    .into_iter()
    .chain(
        lab.hints
            .iter()
            .enumerate()
            .map(|(i, h)| (vec![key("hints"), Seg::Index(i)], h)),
    );
    for (at, text) in prose {
        quoted_commands(text).map_err(|reason| error(&at, reason))?;
        undefined(text, defined).map_err(|reason| error(&at, reason))?;
    }
    Ok(lab)
}

/// serde names an unknown field where the object ends; point at the field itself.
fn at_unknown_field(mut e: ScenarioError, text: &str) -> ScenarioError {
    let field = e
        .reason
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| format!("\"{name}\""));
    if let Some(offset) = field.and_then(|f| text.find(&format!("{f}:")).or_else(|| text.find(&f)))
    {
        let (line, column) = crate::policy::json::line_column(text, offset);
        (e.line, e.column) = (line, column);
    }
    e
}

/// Commands quoted in prose (`` `aws kms put-key-policy` ``) must name a real service and
/// operation: the learner will type them.
fn quoted_commands(text: &str) -> Result<(), String> {
    for (i, piece) in text.split('`').enumerate() {
        if i % 2 == 1 && piece.starts_with("aws ") {
            let words: Vec<&str> = piece.split_whitespace().take(3).collect();
            command::parse(&words.join(" ")).map_err(|e| format!("in `{piece}`: {e}"))?;
        }
    }
    Ok(())
}

/// Every `${name}` in `text` is a capture, an account or the Region.
fn undefined(text: &str, defined: &BTreeSet<String>) -> Result<(), String> {
    for reference in references(text)? {
        let name = match reference {
            Reference::Region => continue,
            Reference::Account(name) => format!("accounts.{name}"),
            Reference::Capture(name) => name,
        };
        if !defined.contains(&name) {
            return Err(format!(
                "${{{name}}} is not defined by the scenario (it defines {})",
                defined.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Ok(())
}

/// The names a lab's text may refer to: the captures of the baseline's setup, the setup
/// and the check, and `accounts.NAME` for each account.
pub fn defined_names(scenario: &Loaded) -> BTreeSet<String> {
    let s = &scenario.scenario;
    let base = scenario.baseline.iter().flat_map(|b| &b.scenario.setup);
    base.chain(&s.setup)
        .chain(&s.check)
        .flat_map(|step| step.capture.keys().cloned())
        .chain(
            scenario
                .accounts()
                .iter()
                .map(|a| format!("accounts.{}", a.name)),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> serde_json::Value {
        serde_json::json!({
            "version": 1, "language": "en", "title": "t", "task": "t", "symptom": "s",
            "cause": "c", "fix": "Run `aws kms put-key-policy`.",
            "investigate": [{"text": "read it", "command": "aws kms get-key-policy --profile source --key-id ${sourceKey} --policy-name default"}],
            "hints": ["h"]
        })
    }

    fn check(doc: &serde_json::Value, lang: Lang) -> Result<LabText, String> {
        let defined: BTreeSet<String> = ["sourceKey".to_owned()].into();
        let text = serde_json::to_string_pretty(doc).unwrap();
        parse_text(Path::new("lab/en.json"), &text, lang, &defined).map_err(|e| e.to_string())
    }

    #[test]
    fn a_complete_text_reads() {
        assert_eq!(check(&sample(), Lang::En).unwrap().hints, ["h"]);
    }

    #[test]
    fn each_mistake_is_named_with_its_line() {
        let mut doc = sample();
        doc["hint"] = serde_json::json!("x");
        assert_eq!(check(&doc, Lang::En).unwrap_err(), "lab/en.json:18:3: unknown field `hint`, expected one of `version`, `language`, `title`, `task`, `symptom`, `cause`, `investigate`, `fix`, `hints`");
        assert_eq!(
            check(&sample(), Lang::Ja).unwrap_err(),
            "lab/en.json:3:15: the file is named for ja but says it is written in en"
        );
        let mut doc = sample();
        doc["investigate"][0]["command"] = "aws kms get-key-policy --key ${sourceKey}".into();
        assert_eq!(check(&doc, Lang::En).unwrap_err(), "lab/en.json:12:18: `aws kms get-key-policy` has no option \"--key\" (it takes --key-id, --policy-name)");
        let mut doc = sample();
        doc["investigate"][0]["command"] = "aws kms describe-key --key-id ${destKey}".into();
        assert_eq!(
            check(&doc, Lang::En).unwrap_err(),
            "lab/en.json:12:18: ${destKey} is not defined by the scenario (it defines sourceKey)"
        );
        let mut doc = sample();
        doc["fix"] = "Run `aws kms put-policy`.".into();
        assert_eq!(
            check(&doc, Lang::En).unwrap_err(),
            "lab/en.json:8:10: in `aws kms put-policy`: `aws kms` has no operation \"put-policy\""
        );
        let mut doc = sample();
        doc["hints"] = serde_json::json!([]);
        assert_eq!(
            check(&doc, Lang::En).unwrap_err(),
            "lab/en.json:15:12: a lab needs at least one hint"
        );
    }
}
