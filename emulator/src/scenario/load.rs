//! Reading a scenario folder: `scenario.json` and the policy files it references, checked
//! before anything runs. Every problem is a [`ScenarioError`] with the file, the line, the
//! column and a reason: an unknown field, an operation or member the botocore model does not
//! have, a `${name}` no earlier step captured, a `$file` that is missing or not JSON.

use std::path::{Path, PathBuf};

pub use super::error::ScenarioError;

use super::check::{key, Baseline, Checker};
use super::format::Scenario;

/// The file every scenario folder holds.
pub const SCENARIO_FILE: &str = "scenario.json";

/// A scenario read and checked: its folder's name is its name.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub name: String,
    pub dir: PathBuf,
    pub scenario: Scenario,
    /// The scenario named by `baseline`, loaded from the folder beside this one.
    pub baseline: Option<Box<Loaded>>,
}

impl Loaded {
    /// The accounts the scenario acts as: its own, else its baseline's.
    pub fn accounts(&self) -> &[super::format::Account] {
        match &self.baseline {
            Some(b) if self.scenario.accounts.is_empty() => &b.scenario.accounts,
            _ => &self.scenario.accounts,
        }
    }

    /// The text of a file the scenario references (`{"$file": ...}`), checked at load time.
    pub fn file_text(&self, relative: &str) -> std::io::Result<String> {
        std::fs::read_to_string(self.dir.join(relative))
    }
}

/// Every scenario under `root` (one folder each, with a `scenario.json`), by name; all the
/// errors, not only the first.
pub fn library(root: &Path) -> Result<Vec<Loaded>, Vec<ScenarioError>> {
    let entries = std::fs::read_dir(root).map_err(|e| vec![io_error(root, &e)])?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(SCENARIO_FILE).is_file())
        .collect();
    dirs.sort();
    let (mut loaded, mut errors) = (Vec::new(), Vec::new());
    for dir in dirs {
        match load(&dir) {
            Ok(s) => loaded.push(s),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

/// Reads and checks the scenario in folder `dir`.
pub fn load(dir: &Path) -> Result<Loaded, ScenarioError> {
    let file = dir.join(SCENARIO_FILE);
    let text = std::fs::read_to_string(&file).map_err(|e| io_error(&file, &e))?;
    let (scenario, tree): (Scenario, _) = read(&file, &text)?;
    let checker = Checker {
        file: &file,
        text: &text,
        tree: &tree,
        dir,
    };
    let baseline = match &scenario.baseline {
        None => None,
        Some(name) => {
            let at = [key("baseline")];
            let base_dir = dir.parent().unwrap_or(Path::new(".")).join(name);
            if !base_dir.join(SCENARIO_FILE).is_file() {
                return Err(checker.error(&at, format!("no scenario {name:?} beside this one")));
            }
            let base = load(&base_dir)?;
            if base.scenario.baseline.is_some() {
                return Err(checker.error(
                    &at,
                    format!("{name} has a baseline itself: a baseline is a whole working world"),
                ));
            }
            Some(Box::new(base))
        }
    };
    checker.scenario(
        &scenario,
        baseline.as_deref().map(|b| Baseline {
            name: &b.name,
            scenario: &b.scenario,
        }),
    )?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Loaded {
        name,
        dir: dir.to_owned(),
        scenario,
        baseline,
    })
}

/// Parses and checks one scenario document on its own (a `baseline` is not followed):
/// what the fuzz target drives. `file` names it in errors and anchors `$file` references.
pub fn parse(file: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let (scenario, tree): (Scenario, _) = read(file, text)?;
    let checker = Checker {
        file,
        text,
        tree: &tree,
        dir: file.parent().unwrap_or(Path::new(".")),
    };
    checker.scenario(&scenario, None)?;
    Ok(scenario)
}

/// Parses a document as JSON (with positions) and as the format `T` (a scenario, a lab's
/// text); `file` names it in errors.
pub(crate) use crate::docfile::{io_error, read};
