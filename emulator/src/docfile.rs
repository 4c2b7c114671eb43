//! Files people write (scenarios, labs' texts, seed files): what is wrong with one, and
//! where. A problem is a [`DocError`], printed `FILE:LINE:COLUMN: reason`; [`DocError::at`]
//! finds the line and column of a path into the document ([`Seg`]s), and [`read`] parses a
//! document both with positions and as its serde format.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::policy::json::{self as positioned, JsonNode, JsonValue};

/// What is wrong with a file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    pub reason: String,
}

impl fmt::Display for DocError {
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

impl std::error::Error for DocError {}

impl DocError {
    /// An error about the node at `at` in `tree` (parsed from `text`, read from `file`); a
    /// missing member points at its parent.
    pub fn at(
        file: &Path,
        text: &str,
        tree: &JsonNode,
        at: &[Seg],
        reason: impl Into<String>,
    ) -> DocError {
        let offset = locate(tree, at).map_or(0, |n| n.start);
        let (line, column) = positioned::line_column(text, offset);
        DocError {
            file: file.to_owned(),
            line,
            column,
            reason: reason.into(),
        }
    }
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Parses a document as JSON (with positions) and as the format `T`; `file` names it in
/// errors.
pub fn read<T: serde::de::DeserializeOwned>(
    file: &Path,
    text: &str,
) -> Result<(T, JsonNode), DocError> {
    let tree = positioned::parse(text).map_err(|e| {
        let (line, column) = positioned::line_column(text, e.offset);
        DocError {
            file: file.to_owned(),
            line,
            column,
            reason: format!("not JSON: {}", e.reason),
        }
    })?;
    let document: T = serde_json::from_str(text).map_err(|e| DocError {
        file: file.to_owned(),
        line: e.line() as u32,
        column: e.column() as u32,
        reason: serde_reason(&e),
    })?;
    Ok((document, tree))
}

/// serde_json's message without its " at line L column C" tail (the error carries both).
fn serde_reason(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

/// A file that could not be read: no line or column to point at.
pub fn io_error(path: &Path, e: &std::io::Error) -> DocError {
    DocError {
        file: path.to_owned(),
        line: 0,
        column: 0,
        reason: format!("cannot read: {e}"),
    }
}
