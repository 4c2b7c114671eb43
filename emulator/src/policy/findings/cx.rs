//! The walk's state and the helpers every check uses to place and record a finding.

use super::super::json::JsonNode;
use super::codes;
use super::types::{
    Finding, Location, PathElement, Position, Span, ValidatePolicyResourceType, ValidatePolicyType,
};

/// The walk's state: the document, what it is validated as, the findings so far.
pub(crate) struct Cx<'a> {
    pub text: &'a str,
    pub ty: ValidatePolicyType,
    pub resource_type: Option<ValidatePolicyResourceType>,
    pub findings: Vec<Finding>,
    /// Byte offset of each line's start, for byte → (line, column) lookups.
    line_starts: Vec<usize>,
}

impl<'a> Cx<'a> {
    pub(super) fn new(
        text: &'a str,
        ty: ValidatePolicyType,
        resource_type: Option<ValidatePolicyResourceType>,
    ) -> Cx<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Cx {
            text,
            ty,
            resource_type,
            findings: Vec::new(),
            line_starts,
        }
    }

    pub fn is_trust_policy(&self) -> bool {
        self.resource_type == Some(ValidatePolicyResourceType::AssumeRolePolicyDocument)
    }

    /// The model's position of byte offset `byte`.
    pub fn position(&self, byte: usize) -> Position {
        let byte = self.boundary(byte);
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let start = self.line_starts[line];
        let column = self.text.get(start..byte).map_or(0, |s| s.chars().count());
        let offset = self.text.get(..byte).map_or(0, |s| s.chars().count());
        Position {
            line: line as u32 + 1,
            column: column as u32,
            offset: offset as u32,
        }
    }

    /// `byte`, moved back onto the start of the character it falls in (the JSON reader can
    /// stop inside one).
    pub fn boundary(&self, byte: usize) -> usize {
        let mut b = byte.min(self.text.len());
        while !self.text.is_char_boundary(b) {
            b -= 1;
        }
        b
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        Span {
            start: self.position(start),
            end: self.position(end),
        }
    }

    pub fn node_span(&self, node: &JsonNode) -> Span {
        self.span(node.start, node.end)
    }

    /// The span of the key whose value is `value` (its quoted text): the reader keeps value
    /// offsets only, so this walks back over `:` and the key's quotes.
    pub fn key_span(&self, value: &JsonNode) -> Span {
        let b = self.text.as_bytes();
        let mut i = value.start;
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        if i > 0 && b[i - 1] == b':' {
            i -= 1;
        }
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        let end = i;
        // The key's closing quote is at end - 1; its opening quote is the previous quote
        // that no backslash escapes.
        let mut j = end.saturating_sub(1);
        while j > 0 {
            j -= 1;
            if b[j] == b'"' {
                let slashes = b[..j].iter().rev().take_while(|&&c| c == b'\\').count();
                if slashes % 2 == 0 {
                    break;
                }
            }
        }
        self.span(j, end)
    }

    /// Records a finding of check `code` with `details` at `locations`.
    pub fn report(&mut self, code: &str, details: String, locations: Vec<Location>) {
        let check = codes::check(code);
        self.findings.push(Finding {
            finding_details: details,
            finding_type: check.finding_type,
            issue_code: check.code.to_string(),
            learn_more_link: check.learn_more_link(),
            locations,
        });
    }

    /// Records check `code`, its template filled with `values`, at one location.
    pub fn add(&mut self, code: &str, values: &[(&str, &str)], path: Vec<PathElement>, span: Span) {
        let details = codes::fill(codes::check(code).details, values);
        self.report(code, details, vec![Location { path, span }]);
    }
}

/// `path` followed by `more`.
pub(crate) fn join(path: &[PathElement], more: PathElement) -> Vec<PathElement> {
    let mut p = path.to_vec();
    p.push(more);
    p
}
