//! What a decision names of the statement that decided: its effect and where it sits in the
//! document's text. Apart from `model.rs` (which re-exports them), so a decision names them
//! without importing the parsed policy, whose conditions read the request context.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// 1-based line and column, as IAM's simulator reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Where a statement's JSON object starts (its `{`) and ends (after its `}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start_byte: usize,
    pub end_byte: usize,
    pub start: Position,
    pub end: Position,
}
