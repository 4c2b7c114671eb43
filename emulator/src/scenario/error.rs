//! What is wrong with a scenario file, and where: the file, the line, the column and a reason.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::policy::json::{self as positioned, JsonNode, JsonValue};

/// What is wrong with a scenario file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub reason: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.reason
        )
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    /// An error about the node at `at` in `tree` (parsed from `text`, read from `file`); a
    /// missing member points at its parent.
    pub fn at(
        file: &Path,
        text: &str,
        tree: &JsonNode,
        at: &[Seg],
        reason: impl Into<String>,
    ) -> ScenarioError {
        let offset = locate(tree, at).map_or(0, |n| n.start);
        let (line, column) = positioned::line_column(text, offset);
        ScenarioError {
            file: file.to_owned(),
            line,
            column,
            reason: reason.into(),
        }
    }
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone)]
pub enum Seg {
    Key(String),
    Index(usize),
}

pub fn key(k: &str) -> Seg {
    Seg::Key(k.to_owned())
}

fn locate<'t>(node: &'t JsonNode, path: &[Seg]) -> Option<&'t JsonNode> {
    let Some((first, rest)) = path.split_first() else {
        return Some(node);
    };
    let child = match (first, &node.value) {
        (Seg::Key(k), JsonValue::Object(_)) => node.get(k),
        (Seg::Index(i), JsonValue::Array(items)) => items.get(*i),
        _ => None,
    };
    // The deepest node found: an error about a missing member points at its parent.
    child.map_or(Some(node), |c| locate(c, rest))
}
