//! One lab on disk and in a running keyhole: the scenario it is built from, its texts, the
//! learner's progress, and the files that let it survive a restart of the lab server.
//!
//! A lab's folder (`<lab-dir>/<name>/`) holds:
//! - `progress.json`: language, captures, profiles, hints shown, checks, solved (versioned);
//! - `broken.json`: the world right after the setup, which `reset` returns to;
//! - `world.json`: the learner's world, saved as it changes;
//! - `aws/config`, `aws/credentials`: one AWS CLI profile per account the lab acts as;
//! - `solution/`: the policy files of the fix, written when the solution is asked for.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::lang::Lang;
use super::text::{load_texts, LabText};
use crate::admin;
use crate::instance::Instance;
use crate::scenario::format::StepKind;
use crate::scenario::refs::Bindings;
use crate::scenario::transport::{Credentials, InProcess, Transport};
use crate::scenario::{load, run, Loaded};

/// The format version of `progress.json`.
pub const PROGRESS_VERSION: u32 = 1;

/// What the learner has done so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Progress {
    pub version: u32,
    pub name: String,
    pub language: Lang,
    pub bindings: Bindings,
    pub profiles: Vec<Profile>,
    pub hints_shown: usize,
    pub checks: u32,
    pub solved: bool,
}

/// An AWS CLI profile: an account's root keys, a user's access key, or a role assumed from
/// another profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_profile: Option<String>,
}

/// A lab being served.
#[derive(Debug)]
pub struct Lab {
    pub scenario: Loaded,
    pub texts: std::collections::BTreeMap<Lang, LabText>,
    pub dir: PathBuf,
    pub endpoint: String,
    progress: Mutex<Progress>,
    /// The last world text written, so an unchanged world is not written again.
    saved: Mutex<String>,
}

impl Lab {
    /// Opens lab `name` from the scenario library `scenarios` in `<lab_root>/<name>/`, into
    /// `instance`: resumes the learner's world and progress when that folder holds them,
    /// else builds the broken world. `true` with the lab when it resumed.
    pub fn open(
        scenarios: &Path,
        name: &str,
        lab_root: &Path,
        language: Lang,
        instance: &Arc<Instance>,
        endpoint: &str,
    ) -> Result<(Lab, bool), String> {
        let scenario = load(&scenarios.join(name)).map_err(|e| e.to_string())?;
        let texts = load_texts(&scenario).map_err(|e| e.to_string())?;
        let dir = lab_root.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let resumed = read_json::<Progress>(&dir.join("progress.json"))
            .ok()
            .filter(|p| p.version == PROGRESS_VERSION && p.name == name)
            .zip(read_json::<Value>(&dir.join("world.json")).ok());
        let (progress, was_resumed) = match resumed {
            Some((mut progress, world)) => {
                load_world(instance, &world)?;
                progress.language = language;
                (progress, true)
            }
            None => (build(&scenario, instance, &dir, language)?, false),
        };
        let lab = Lab {
            scenario,
            texts,
            dir,
            endpoint: endpoint.to_owned(),
            progress: Mutex::new(progress),
            saved: Mutex::new(String::new()),
        };
        lab.write_profiles()?;
        lab.save(instance)?;
        Ok((lab, was_resumed))
    }

    pub fn progress(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This language's texts (every lab has all five: checked when it opened).
    pub fn text(&self, lang: Lang) -> &LabText {
        &self.texts[&lang]
    }

    /// Writes the progress, and the world if it changed since the last save.
    pub fn save(&self, instance: &Instance) -> Result<(), String> {
        let world = serde_json::to_string(&*instance.world()).map_err(|e| e.to_string())?;
        let mut saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
        if *saved != world {
            write_atomically(&self.dir.join("world.json"), world.as_bytes())?;
            *saved = world;
        }
        drop(saved);
        let progress =
            serde_json::to_string_pretty(&*self.progress()).map_err(|e| e.to_string())?;
        write_atomically(&self.dir.join("progress.json"), progress.as_bytes())
    }

    /// Back to the broken world; hints, checks and the verdict start over.
    pub fn reset(&self, instance: &Instance) -> Result<(), String> {
        let broken = read_json::<Value>(&self.dir.join("broken.json"))?;
        load_world(instance, &broken)?;
        {
            let mut p = self.progress();
            p.hints_shown = 0;
            p.checks = 0;
            p.solved = false;
        }
        self.save(instance)
    }

    /// The world right after the setup.
    pub fn broken_world(&self) -> Result<Value, String> {
        read_json(&self.dir.join("broken.json"))
    }

    /// Account ids of the lab, in the scenario's order.
    pub fn account_ids(&self) -> Vec<String> {
        self.scenario
            .accounts()
            .iter()
            .map(|a| a.id.clone())
            .collect()
    }

    /// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` for the lab's profiles.
    pub fn aws_files(&self) -> (PathBuf, PathBuf) {
        (
            self.dir.join("aws").join("config"),
            self.dir.join("aws").join("credentials"),
        )
    }

    fn write_profiles(&self) -> Result<(), String> {
        let progress = self.progress().clone();
        let region = &progress.bindings.region;
        let (mut config, mut credentials) = (String::new(), String::new());
        for p in &progress.profiles {
            config.push_str(&format!(
                "[profile {}]\nregion = {region}\noutput = json\n",
                p.name
            ));
            if let (Some(role), Some(source)) = (&p.role_arn, &p.source_profile) {
                config.push_str(&format!("role_arn = {role}\nsource_profile = {source}\n"));
            }
            config.push('\n');
            if let (Some(id), Some(secret)) = (&p.access_key_id, &p.secret_access_key) {
                credentials.push_str(&format!(
                    "[{}]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n\n",
                    p.name
                ));
            }
        }
        let (config_file, credentials_file) = self.aws_files();
        if let Some(parent) = config_file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        write_atomically(&config_file, config.as_bytes())?;
        write_atomically(&credentials_file, credentials.as_bytes())
    }
}

/// Builds the broken world in `instance`, keeps a copy as `broken.json`, and makes a
/// profile for every account and for every role or user a check or fix step acts as.
fn build(
    scenario: &Loaded,
    instance: &Arc<Instance>,
    dir: &Path,
    language: Lang,
) -> Result<Progress, String> {
    let mut transport = InProcess::over(instance.clone());
    let bindings = run::set_up(scenario, &mut transport)?;
    let mut profiles: Vec<Profile> = scenario
        .accounts()
        .iter()
        .map(|a| Profile {
            name: a.name.clone(),
            account: a.id.clone(),
            access_key_id: Some(Credentials::root(&a.id).access_key_id),
            secret_access_key: Some(Credentials::root(&a.id).secret_access_key),
            role_arn: None,
            source_profile: None,
        })
        .collect();
    let s = &scenario.scenario;
    for step in s.check.iter().chain(&s.fix) {
        let (Ok(StepKind::Call(_)), Some(actor)) = (step.kind(), step.actor.as_deref()) else {
            continue;
        };
        let Some((account, principal)) = actor.split_once(':') else {
            continue;
        };
        let name = profile_name(actor);
        if profiles.iter().any(|p| p.name == name) {
            continue;
        }
        let Some(id) = bindings.accounts.get(account).cloned() else {
            continue;
        };
        let root = Credentials::root(&id);
        let region = bindings.region.clone();
        let profile = if let Some(role) = principal.strip_prefix("role/") {
            let found = transport
                .call(&root, &region, "iam", "GetRole", json!({"RoleName": role}))
                .map_err(|e| format!("{actor}: {e}"))?;
            Profile {
                name,
                account: id,
                access_key_id: None,
                secret_access_key: None,
                role_arn: found["Role"]["Arn"].as_str().map(str::to_owned),
                source_profile: Some(account.to_owned()),
            }
        } else if let Some(user) = principal.strip_prefix("user/") {
            let key = transport
                .call(
                    &root,
                    &region,
                    "iam",
                    "CreateAccessKey",
                    json!({"UserName": user}),
                )
                .map_err(|e| format!("{actor}: {e}"))?;
            Profile {
                name,
                account: id,
                access_key_id: key["AccessKey"]["AccessKeyId"].as_str().map(str::to_owned),
                secret_access_key: key["AccessKey"]["SecretAccessKey"]
                    .as_str()
                    .map(str::to_owned),
                role_arn: None,
                source_profile: None,
            }
        } else {
            continue;
        };
        profiles.push(profile);
    }
    let broken = serde_json::to_vec(&*instance.world()).map_err(|e| e.to_string())?;
    write_atomically(&dir.join("broken.json"), &broken)?;
    Ok(Progress {
        version: PROGRESS_VERSION,
        name: scenario.name.clone(),
        language,
        bindings,
        profiles,
        hints_shown: 0,
        checks: 0,
        solved: false,
    })
}

/// The profile a step's `as` uses: `source`, `source-BackupRole`, `source-alice`.
pub fn profile_name(actor: &str) -> String {
    match actor.split_once(':') {
        Some((account, principal)) => {
            let name = principal.rsplit('/').next().unwrap_or(principal);
            format!("{account}-{name}")
        }
        None => actor.to_owned(),
    }
}

fn load_world(instance: &Instance, world: &Value) -> Result<(), String> {
    admin::call(instance, "POST", "/_keyhole/state", world)
        .map(drop)
        .map_err(|e| format!("the saved world could not be loaded: {e}"))
}

fn read_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))
}

/// Writes `bytes` to a temporary file beside `file`, then renames it over `file`: a crash
/// leaves the old file or the new one, never half of one.
pub fn write_atomically(file: &Path, bytes: &[u8]) -> Result<(), String> {
    let temporary = file.with_extension("tmp");
    std::fs::write(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, file))
        .map_err(|e| format!("{}: {e}", file.display()))
}
