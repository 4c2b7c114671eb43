//! The tiny alphabet of generated identity policies and the finite universe of requests
//! that covers every class of it: shared by the brute-force property tests
//! (tests/policy_analysis.rs) and the differential fuzz target (fuzz/, via fuzz_entry).
#![allow(dead_code)]

use keyhole::policy::request::arn_account;
use keyhole::policy::{ContextValue, Principal, Request};

pub const OWNER: &str = "111111111111";
pub const OTHER: &str = "222222222222";

pub const ACTIONS: [&str; 8] = ["s:a", "s:b", "s:a*", "s:*", "*", "s:?", "s:*b", "t:a"];
pub const RESOURCES: [&str; 5] = [
    "*",
    "arn:aws:s:r:111111111111:x/a",
    "arn:aws:s:r:111111111111:x/*",
    "arn:aws:s:r:*:x/b*",
    "arn:aws:s:*:222222222222:*",
];
pub const TEXTS: [&str; 5] = ["a", "b", "a*", "?", "ab"];
pub const STRING_OPS: [&str; 7] = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "ForAnyValue:StringLike",
    "StringLikeIfExists",
];
pub const NUMERIC_OPS: [&str; 4] = [
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "NumericEquals",
    "NumericNotEquals",
];

fn words(alphabet: &str, max: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut frontier = vec![String::new()];
    for _ in 0..max {
        let next: Vec<String> = frontier
            .iter()
            .flat_map(|w| alphabet.chars().map(move |c| format!("{w}{c}")))
            .collect();
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

/// The finite universe: every action `s:`/`t:` + a word of up to 2 letters, resources in
/// two accounts, `k:x` absent or a word (or a pair of words, for ForAnyValue), `k:n` absent
/// or a number around the literals.
fn universe() -> Vec<(Request, bool)> {
    // The policies' patterns are fixed, so these cover every class of them.
    let mut actions: Vec<String> = words("abz", 2)
        .into_iter()
        .filter(|w| !w.is_empty())
        .map(|w| format!("s:{w}"))
        .collect();
    actions.extend(["t:a".into(), "t:z".into()]);
    let mut resources = vec!["*".to_string()];
    for account in [OWNER, OTHER] {
        for w in ["a", "b", "z", "ab", "ba", ""] {
            resources.push(format!("arn:aws:s:r:{account}:x/{w}"));
        }
        resources.push(format!("arn:aws:s:q:{account}:y"));
    }
    // No account at all (S3's form), and an account no pattern names.
    for account in ["", "333333333333"] {
        for w in ["a", "b", "z"] {
            resources.push(format!("arn:aws:s:r:{account}:x/{w}"));
        }
    }
    // Condition values are where literals with `*` and `?` in them matter.
    let mut xs: Vec<Option<Vec<String>>> = vec![None];
    xs.extend(words("abA*?", 2).into_iter().map(|w| Some(vec![w])));
    xs.push(Some(vec!["a".into(), "z".into()]));
    xs.push(Some(vec!["ab".into(), "b".into()]));
    xs.push(Some(vec!["a*".into(), "?".into()]));
    let ns: Vec<Option<f64>> = std::iter::once(None)
        .chain([-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0].map(Some))
        .collect();
    let principal = Principal::user(OWNER, "keyhole-user");
    let mut out = Vec::new();
    for a in &actions {
        for r in &resources {
            for x in &xs {
                for n in &ns {
                    let owner = arn_account(r).unwrap_or(OWNER);
                    let mut b = Request::builder(principal.clone(), a, r).resource_account(owner);
                    if let Some(x) = x {
                        let vals = x.iter().map(|s| ContextValue::from(s.as_str())).collect();
                        b = b.key_multi("k:x", vals);
                    }
                    if let Some(n) = n {
                        b = b.key("k:n", ContextValue::Number(*n));
                    }
                    out.push((b.build(), x.as_ref().is_some_and(|x| x.len() > 1)));
                }
            }
        }
    }
    out
}

/// The universe for these policies: several values for `k:x` only where a policy reads it
/// as a multivalued key (`ForAnyValue:`), as AWS sends one value for a single-valued key.
pub fn universe_for(texts: &[&str]) -> impl Iterator<Item = &'static Request> {
    static U: std::sync::OnceLock<Vec<(Request, bool)>> = std::sync::OnceLock::new();
    let multi = texts.iter().any(|t| t.contains("ForAnyValue"));
    U.get_or_init(universe)
        .iter()
        .filter(move |(_, pair)| multi || !pair)
        .map(|(r, _)| r)
}
