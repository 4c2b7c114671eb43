//! What one copy check answers: pass (with its decision record note), not applicable, or
//! the failure the job shows. Apart from the table in `mod.rs`, so the checks and the facts
//! they read name these types without importing the table that names them.

use super::super::state::MessageCategory;

/// What a check found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Passed: the decision record's note.
    Pass(String),
    /// The check does not apply to this copy (same-account checks); no record line.
    NotApplicable,
    /// Failed: the job fails with this.
    Fail(Failure),
}

/// A failed copy: why (for the decision record), and what the job shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub why: String,
    pub message: String,
    pub category: MessageCategory,
}
