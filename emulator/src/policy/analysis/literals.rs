//! What the policies under analysis mention, statement by statement: the patterns each one
//! compares the action, the resource and the principal against, and the conditions it reads,
//! grouped by key. The request space is cut along exactly these literals; anything they do
//! not cover is outside the fragment keyhole decides, and is said so (`Undecidable`).

use std::collections::BTreeMap;

use crate::policy::model::{
    Condition, ConditionValue, PrincipalEntryKind, PrincipalPattern, ResourcePattern, Statement,
};

use crate::policy::operators::{Family, Operator};

use super::automaton::Nfa;
use super::subject::Subject;

/// Condition keys whose value follows from the principal or the resource: the walk chooses
/// the principal and the resource, and the request builder derives these from them.
pub const DERIVED_KEYS: [&str; 8] = [
    "aws:principalarn",
    "aws:principalaccount",
    "kms:calleraccount",
    "aws:principaltype",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:resourceaccount",
];

/// Keys that carry several values on AWS (compared with `ForAnyValue`/`ForAllValues`).
pub const MULTIVALUED_KEYS: [&str; 6] = [
    "aws:principalorgpaths",
    "aws:calledvia",
    "aws:tagkeys",
    "aws:resourceorgpaths",
    "aws:sourceorgpaths",
    "kms:grantoperations",
];

/// Why a question is outside what keyhole decides exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecidable(pub String);

/// One statement's literals, compiled for the walk.
#[derive(Debug, Clone)]
pub struct StatementLiterals {
    /// Index into the subjects, and the statement's own index.
    pub subject: usize,
    pub index: usize,
    /// `None`: the statement never matches (no Action, or inert).
    pub actions: Option<(bool, Vec<Nfa>)>,
    /// `None`: no Resource element; `Some((negated, patterns))`, `*` as `Nfa::glob("*")`.
    pub resources: Option<(bool, Vec<Nfa>)>,
    /// Conditions by lower-cased key.
    pub conditions: BTreeMap<String, Vec<Condition>>,
}

/// Everything the policies say about principals, across all statements.
#[derive(Debug, Clone, Default)]
pub struct PrincipalLiterals {
    /// Account IDs in Principal entries, and account segments of ARN patterns compared
    /// against principals (`aws:PrincipalArn`, Principal ARNs), as globs.
    pub accounts: Vec<Nfa>,
    /// ARN patterns compared against a principal's ARN (users, roots) or role ARN (sessions).
    pub arns: Vec<Nfa>,
    /// Principal entries naming a role session: (role name, session name).
    pub sessions: Vec<(String, String)>,
    /// `aws:username` patterns, on the last component of a user's path and name.
    pub user_names: Vec<Nfa>,
    /// Service principal names and `aws:PrincipalServiceName` patterns.
    pub services: Vec<Nfa>,
    /// Partitions named by principal ARNs; a wildcard partition adds `None`.
    pub partitions: Vec<Option<String>>,
    /// `aws:ResourceAccount` values, compared against the resource's account.
    pub resource_accounts: Vec<Nfa>,
}

pub struct Literals {
    pub statements: Vec<StatementLiterals>,
    pub principals: PrincipalLiterals,
    /// The documents' text, to print an action as the policy spells it (`kms:Decrypt`).
    pub texts: Vec<std::sync::Arc<str>>,
}

impl Literals {
    /// `action` as a document spells it between quotes, if one does.
    pub fn spelled(&self, action: &str) -> Option<String> {
        let quoted = format!("\"{action}\"");
        self.texts.iter().find_map(|t| {
            let lower = t.to_ascii_lowercase();
            let at = lower.find(&quoted)?;
            t.get(at + 1..at + quoted.len() - 1).map(str::to_string)
        })
    }
}

/// The NFA of one string-like condition value, as its operator compares it.
pub fn value_nfa(op: Operator, v: &ConditionValue) -> Option<Nfa> {
    Some(match (op.family(), v) {
        (Family::Str, ConditionValue::Text(t)) => Nfa::literal(t),
        (Family::StrIgnoreCase | Family::Bool, ConditionValue::Text(t)) => Nfa::literal_folded(t),
        (_, ConditionValue::Glob(g)) => Nfa::glob(&g.text),
        (_, ConditionValue::Arn(a)) => Nfa::arn(a.text()),
        _ => return None,
    })
}

fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// The segments of an ARN-shaped pattern, as `ArnPattern` splits them.
fn arn_segments(text: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    (parts.len() == 6).then_some(parts)
}

impl PrincipalLiterals {
    /// A pattern compared against a principal's ARN.
    fn add_arn_pattern(&mut self, text: &str, nfa: Option<Nfa>) -> Result<(), Undecidable> {
        match arn_segments(text) {
            Some(segs) => {
                self.accounts.push(Nfa::glob(segs[4]));
                let partition = segs[1];
                let named = match partition {
                    "*" => None,
                    p if has_wildcard(p) => {
                        return Err(Undecidable(format!(
                            "the partition \"{p}\" of \"{text}\" is a partial wildcard"
                        )))
                    }
                    p => Some(p.to_string()),
                };
                if !self.partitions.contains(&named) {
                    self.partitions.push(named);
                }
            }
            None if text == "*" || !has_wildcard(text) => {}
            None => {
                return Err(Undecidable(format!(
                    "the pattern \"{text}\" is compared with principal ARNs but is not ARN-shaped: \
                     its wildcards may span the account and the name"
                )))
            }
        }
        self.arns.extend(nfa);
        Ok(())
    }
}

/// The literal text of a condition value, or why it is outside the fragment.
fn condition_text(c: &Condition, v: &ConditionValue) -> Result<Option<String>, Undecidable> {
    Ok(match v {
        ConditionValue::Text(t) => Some(t.clone()),
        ConditionValue::Glob(g) => Some(g.text.clone()),
        ConditionValue::Arn(a) => Some(a.text().to_string()),
        ConditionValue::Template(t) => {
            return Err(Undecidable(format!(
                "the condition {} on {} uses the policy variable \"{}\", which ties two values of \
                 the request together",
                c.operator_text, c.key, t.text
            )))
        }
        _ => None,
    })
}

pub fn collect(subjects: &[Subject]) -> Result<Literals, Undecidable> {
    let mut principals = PrincipalLiterals::default();
    let mut statements = Vec::new();
    for (si, subject) in subjects.iter().enumerate() {
        for st in &subject.policy.statements {
            statements.push(statement(si, st, &mut principals)?);
        }
    }
    Ok(Literals {
        statements,
        principals,
        texts: subjects.iter().map(|s| s.policy.text.clone()).collect(),
    })
}

fn statement(
    subject: usize,
    st: &Statement,
    principals: &mut PrincipalLiterals,
) -> Result<StatementLiterals, Undecidable> {
    let actions = match (&st.action, st.inert) {
        (Some(block), false) => Some((
            block.negated,
            block.patterns.iter().map(|g| Nfa::glob(&g.text)).collect(),
        )),
        _ => None,
    };
    let resources = match &st.resource {
        None => None,
        Some(block) => {
            let mut out = Vec::new();
            for p in &block.patterns {
                out.push(match p {
                    ResourcePattern::Any => Nfa::glob("*"),
                    ResourcePattern::Arn(a) => Nfa::arn(a.text()),
                    ResourcePattern::Template(t) => {
                        return Err(Undecidable(format!(
                        "the resource \"{}\" uses a policy variable, which ties the resource to \
                             another value of the request",
                        t.text
                    )))
                    }
                });
            }
            Some((block.negated, out))
        }
    };
    if let Some(block) = &st.principal {
        for e in &block.entries {
            match (&e.kind, &e.pattern) {
                (PrincipalEntryKind::Star, _) | (_, PrincipalPattern::Any) => {}
                (PrincipalEntryKind::Aws, PrincipalPattern::Account(id)) => {
                    principals.accounts.push(Nfa::literal(id))
                }
                (PrincipalEntryKind::Aws, PrincipalPattern::Arn(arn)) => {
                    principals.add_arn_pattern(arn, Some(Nfa::literal(arn)))?;
                    if let Some(segs) = arn_segments(arn) {
                        if let Some(rest) = segs[5].strip_prefix("assumed-role/") {
                            if let Some((role, session)) = rest.split_once('/') {
                                principals.sessions.push((role.into(), session.into()));
                            }
                        }
                    }
                }
                (PrincipalEntryKind::Service, PrincipalPattern::Name(n)) => principals
                    .services
                    .push(Nfa::literal_folded(&n.to_lowercase())),
                (PrincipalEntryKind::Federated | PrincipalEntryKind::CanonicalUser, _) => {
                    return Err(Undecidable(format!(
                        "the principal \"{}\" is a federated or canonical user, which the \
                         analysis does not model",
                        e.value
                    )))
                }
                _ => {}
            }
        }
    }
    let mut conditions: BTreeMap<String, Vec<Condition>> = BTreeMap::new();
    for c in &st.conditions {
        for v in &c.values {
            let Some(text) = condition_text(c, v)? else {
                continue;
            };
            let nfa = value_nfa(c.operator, v);
            match c.key_lc.as_str() {
                "aws:principalarn" => principals.add_arn_pattern(&text, nfa)?,
                "aws:principalaccount" | "kms:calleraccount" => principals.accounts.extend(nfa),
                "aws:username" => {
                    let literal = matches!(v, ConditionValue::Text(_));
                    let marked: Vec<(char, bool)> = text.chars().map(|ch| (ch, literal)).collect();
                    principals.user_names.push(Nfa::last_component(&marked));
                }
                "aws:principalservicename" => principals.services.extend(nfa),
                "aws:resourceaccount" => principals.resource_accounts.extend(nfa),
                _ => {}
            }
        }
        conditions
            .entry(c.key_lc.clone())
            .or_default()
            .push(c.clone());
    }
    Ok(StatementLiterals {
        subject,
        index: st.index,
        actions,
        resources,
        conditions,
    })
}
