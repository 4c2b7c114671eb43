//! A lab's admin endpoints, for `keyhole lab ...` and the console; `?lang=xx` picks the
//! language of the answer (else the lab's):
//! - `GET /_keyhole/lab`: the task, what the learner sees, where to look, the hints shown so
//!   far, the accounts with their profiles and keys, progress;
//! - `POST /_keyhole/lab/hint`: one more hint;
//! - `POST /_keyhole/lab/check`: the verdict on the learner's world;
//! - `GET /_keyhole/lab/solution`: the cause, the fix and its commands;
//! - `POST /_keyhole/lab/reset`: back to the broken world.

use std::sync::Arc;

use serde_json::{json, Value};

use super::lang::Lang;
use super::session::Lab;
use super::steps;
use super::verdict;
use crate::instance::{AdminExtension, Instance};
use crate::protocol::admin::error;
use crate::protocol::{HttpRequest, HttpResponse};
use crate::scenario::format::Outcome;
use crate::scenario::transport::{Credentials, InProcess, Transport};

/// The lab a keyhole serves, as its admin layer sees it.
#[derive(Debug)]
pub struct LabRoutes {
    pub lab: Arc<Lab>,
    /// The instance the lab's world lives in (the one `handle` is given).
    pub instance: Arc<Instance>,
}

impl AdminExtension for LabRoutes {
    fn health(&self) -> (&'static str, Value) {
        ("lab", json!(self.lab.scenario.name))
    }

    fn handle(&self, instance: &Instance, req: &HttpRequest) -> Option<HttpResponse> {
        let path = req.raw_path.trim_end_matches('/');
        let lang = req
            .query_pairs()
            .into_iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| v.parse::<Lang>().ok())
            .unwrap_or_else(|| self.lab.progress().language);
        let lab = &self.lab;
        let answer = match (req.method.as_str(), path) {
            ("GET", "/_keyhole/lab") => status(lab, &self.instance, lang),
            ("POST", "/_keyhole/lab/hint") => hint(lab, instance, lang),
            ("POST", "/_keyhole/lab/check") => verdict::check(lab, instance, lang)
                .and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string())),
            ("GET", "/_keyhole/lab/solution") => verdict::solution(lab, lang)
                .and_then(|s| serde_json::to_value(s).map_err(|e| e.to_string())),
            ("POST", "/_keyhole/lab/reset") => {
                lab.reset(instance).map(|()| json!({"status": "reset"}))
            }
            _ => return None,
        };
        Some(match answer {
            Ok(mut body) => {
                // Every answer says its language, so the CLI words its own lines alike.
                body["language"] = json!(lang);
                HttpResponse::json(200, &body)
            }
            Err(e) => error(500, &e),
        })
    }
}

/// Everything the learner needs to start, in `lang`.
pub fn status(lab: &Lab, instance: &Arc<Instance>, lang: Lang) -> Result<Value, String> {
    let text = lab.text(lang);
    let progress = lab.progress().clone();
    let bindings = &progress.bindings;
    let accounts: Vec<Value> = progress
        .profiles
        .iter()
        .map(|p| {
            json!({"name": p.name, "id": p.account, "profile": p.name,
                   "accessKeyId": p.access_key_id, "secretAccessKey": p.secret_access_key,
                   "roleArn": p.role_arn})
        })
        .collect();
    let investigate: Vec<Value> = text
        .investigate
        .iter()
        .map(|i| json!({"text": bindings.substitute(&i.text), "command": bindings.substitute(&i.command)}))
        .collect();
    let reproduce = steps::commands(
        &lab.scenario,
        &lab.scenario.scenario.check,
        bindings,
        &lab.dir.join("files"),
    )?;
    let (keys, vaults) = resources(lab, instance, bindings.region.as_str());
    let (config, credentials) = lab.aws_files();
    Ok(json!({
        "name": lab.scenario.name,
        "language": lang,
        "languages": Lang::ALL,
        // The language the lab started in (the answer's own may differ: `?lang=`).
        "labLanguage": progress.language,
        "title": text.title,
        "task": bindings.substitute(&text.task),
        "symptom": bindings.substitute(&text.symptom),
        "message": message(lab),
        "investigate": investigate,
        "reproduce": reproduce,
        "hints": text.hints.iter().take(progress.hints_shown).map(|h| bindings.substitute(h)).collect::<Vec<_>>(),
        "hintCount": text.hints.len(),
        "solved": progress.solved,
        "checks": progress.checks,
        "accounts": accounts,
        "endpoint": lab.endpoint,
        "awsConfigFile": config.display().to_string(),
        "awsSharedCredentialsFile": credentials.display().to_string(),
        "region": bindings.region,
        "dir": lab.dir.display().to_string(),
        "keys": keys,
        "vaults": vaults,
    }))
}

fn hint(lab: &Lab, instance: &Instance, lang: Lang) -> Result<Value, String> {
    let count = lab.text(lang).hints.len();
    let index = {
        let mut progress = lab.progress();
        progress.hints_shown = (progress.hints_shown + 1).min(count);
        progress.hints_shown
    };
    lab.save(instance)?;
    let bindings = lab.progress().bindings.clone();
    Ok(json!({
        "hint": bindings.substitute(&lab.text(lang).hints[index - 1]),
        "index": index,
        "hintCount": count,
    }))
}

/// AWS's answer in the broken world, as the AWS CLI prints it: the error line, or the values
/// the check expects (the StatusMessage of a failed job).
pub fn message(lab: &Lab) -> String {
    let s = &lab.scenario.scenario;
    let bindings = &lab.progress().bindings;
    match &s.broken {
        Outcome::Error(e) => {
            let operation = s
                .check
                .last()
                .and_then(|step| step.call.as_deref())
                .and_then(|c| c.split_once(':'))
                .map_or("", |(_, op)| op);
            format!(
                "An error occurred ({}) when calling the {operation} operation: {}",
                e.code,
                bindings.substitute(&e.message)
            )
        }
        Outcome::Output(paths) => {
            let values: Vec<String> = paths
                .iter()
                .map(|(path, v)| {
                    let v = bindings.substitute_value(v);
                    format!(
                        "{path}: {}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                    )
                })
                .collect();
            values.join("\n")
        }
    }
}

/// Each account's customer managed keys and its vaults, read as its root.
fn resources(lab: &Lab, instance: &Arc<Instance>, region: &str) -> (Vec<Value>, Vec<Value>) {
    let mut transport = InProcess::over(instance.clone());
    let (mut keys, mut vaults) = (Vec::new(), Vec::new());
    for account in lab.account_ids() {
        let root = Credentials::root(&account);
        let mut call = |service: &str, op: &str, input: Value| {
            transport
                .call(&root, region, service, op, input)
                .unwrap_or_default()
        };
        for key in call("kms", "ListKeys", json!({}))["Keys"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let arn = key["KeyArn"].as_str().unwrap_or_default().to_owned();
            let meta = call("kms", "DescribeKey", json!({"KeyId": arn}));
            if meta["KeyMetadata"]["KeyManager"] == "CUSTOMER" {
                keys.push(json!({"account": account, "arn": arn, "state": meta["KeyMetadata"]["KeyState"]}));
            }
        }
        for vault in call("backup", "ListBackupVaults", json!({}))["BackupVaultList"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            vaults.push(json!({"account": account, "name": vault["BackupVaultName"], "arn": vault["BackupVaultArn"]}));
        }
    }
    (keys, vaults)
}
