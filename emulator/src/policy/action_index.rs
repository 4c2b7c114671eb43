//! Which statements of a policy can match an action, found by the action's service prefix
//! (`kms` of `kms:Decrypt`), so that a decision on a long policy costs the statements that
//! name the request's service, not all of them. Built once at parse time.
//!
//! A statement is filed under a service when every one of its Action patterns fixes the
//! service's text (`kms:Get*`); a statement with NotAction, or a pattern whose service part has
//! a wildcard (`*`, `k*:Get`), is a candidate for every request. Skipped statements are exactly
//! those whose Action cannot match, which the evaluator would pass over anyway.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use super::glob::Glob;

/// Below this many statements a plain scan is as fast as a lookup.
const INDEXED_FROM: usize = 8;

#[derive(Debug, Clone, Default)]
pub struct ActionIndex {
    /// `None`: the policy is short; scan every statement.
    by_service: Option<HashMap<Box<str>, Vec<u32>, FixedState>>,
    /// Statements that may match any service, in document order.
    any_service: Vec<u32>,
}

impl ActionIndex {
    /// `actions`: each statement's Action block in document order, as (NotAction?, patterns);
    /// `None` for a statement that never matches (no Action, or inert), filed nowhere.
    pub fn build<'a>(actions: impl ExactSizeIterator<Item = Option<(bool, &'a [Glob])>>) -> Self {
        if actions.len() < INDEXED_FROM {
            return ActionIndex::default();
        }
        let mut by_service: HashMap<Box<str>, Vec<u32>, FixedState> = HashMap::default();
        let mut any_service = Vec::new();
        for (at, action) in actions.enumerate() {
            let at = at as u32;
            let Some((negated, patterns)) = action else {
                continue;
            };
            let heads: Option<Vec<&str>> = (!negated)
                .then(|| patterns.iter().map(|g| g.literal_head(':')).collect())
                .flatten();
            match heads {
                Some(mut heads) => {
                    heads.dedup();
                    for head in heads {
                        let list = by_service.entry(head.into()).or_default();
                        if list.last() != Some(&at) {
                            list.push(at);
                        }
                    }
                }
                None => any_service.push(at),
            }
        }
        ActionIndex {
            by_service: Some(by_service),
            any_service,
        }
    }

    /// The positions of the statements (of `count`) that can match the lower-cased `action`,
    /// in document order; every position when the policy is too short to be indexed.
    pub fn candidates<'a>(
        &'a self,
        count: usize,
        action_lc: &str,
    ) -> impl Iterator<Item = usize> + 'a {
        let (named, any): (&[u32], &[u32]) = match &self.by_service {
            None => (&[], &[]),
            Some(map) => {
                let service = action_lc.split(':').next().unwrap_or(action_lc);
                let named = map.get(service).map_or(&[][..], Vec::as_slice);
                (named, self.any_service.as_slice())
            }
        };
        let all = self.by_service.is_none().then_some(0..count);
        all.into_iter()
            .flatten()
            .chain(Merged { a: named, b: any }.map(|at| at as usize))
    }
}

/// Two ascending lists of positions merged into one ascending list.
struct Merged<'a> {
    a: &'a [u32],
    b: &'a [u32],
}

impl Iterator for Merged<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(a), Some(b)) => a < b,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let list = if take_a { &mut self.a } else { &mut self.b };
        let (first, rest) = list.split_first()?;
        *list = rest;
        Some(*first)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::policy::parse;

    fn candidates(policy: &str, action: &str) -> Vec<usize> {
        let policy = parse(policy).unwrap();
        policy.candidates(action).map(|st| st.index).collect()
    }

    fn doc(actions: &[&str]) -> String {
        let statements: Vec<String> = actions
            .iter()
            .map(|a| format!(r#"{{"Effect":"Allow",{a},"Resource":"*"}}"#))
            .collect();
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            statements.join(",")
        )
    }

    #[test]
    fn statements_are_found_by_service_and_wildcards_stay_everywhere_in_order() {
        let policy = doc(&[
            r#""Action":"kms:Decrypt""#,
            r#""Action":"s3:*""#,
            r#""Action":"*""#,
            r#""Action":["kms:Get*","s3:Get*"]"#,
            r#""NotAction":"kms:*""#,
            r#""Action":"k*:Decrypt""#,
            r#""Action":"kms*""#,
            r#""Action":"backup:StartCopyJob""#,
        ]);
        assert_eq!(candidates(&policy, "kms:decrypt"), [0, 2, 3, 4, 5, 6]);
        assert_eq!(candidates(&policy, "s3:getobject"), [1, 2, 3, 4, 5, 6]);
        assert_eq!(candidates(&policy, "backup:startcopyjob"), [2, 4, 5, 6, 7]);
        assert_eq!(candidates(&policy, "iam:passrole"), [2, 4, 5, 6]);
        // No colon: the `kms` statements are candidates too; a superset is safe, the
        // evaluator still matches each pattern.
        assert_eq!(candidates(&policy, "kms"), [0, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn short_policies_are_scanned_whole() {
        let policy = doc(&[r#""Action":"kms:Decrypt""#, r#""Action":"s3:*""#]);
        assert_eq!(candidates(&policy, "iam:passrole"), [0, 1]);
    }

    fn pattern() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[ks*?]{0,3}(:[ad*?]{0,2})?").unwrap()
    }

    proptest! {
        /// Every statement whose Action (or NotAction) matches the action is a candidate:
        /// the index only ever skips statements that could not match.
        #[test]
        fn no_statement_that_matches_is_skipped(
            blocks in prop::collection::vec(
                (any::<bool>(), prop::collection::vec(pattern(), 1..3)), 8..14),
            action in "[ks]{0,3}(:[ad]{0,2})?",
        ) {
            let members: Vec<String> = blocks
                .iter()
                .map(|(negated, patterns)| {
                    let name = if *negated { "NotAction" } else { "Action" };
                    format!("\"{name}\":{}", serde_json::to_string(patterns).unwrap())
                })
                .collect();
            let members: Vec<&str> = members.iter().map(String::as_str).collect();
            let policy = parse(&doc(&members)).unwrap();
            let found: Vec<usize> = policy.candidates(&action).map(|st| st.index).collect();
            prop_assert!(found.windows(2).all(|w| w[0] < w[1]), "{found:?}");
            for st in &policy.statements {
                let block = st.action.as_ref().unwrap();
                let hit = block.patterns.iter().any(|g| g.matches(&action)) != block.negated;
                prop_assert!(!hit || found.contains(&st.index), "{} {action} {found:?}", st.index);
            }
        }
    }
}
