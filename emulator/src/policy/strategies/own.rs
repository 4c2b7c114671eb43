//! Requests drawn from your own policies: one request per class the policies tell apart
//! (every principal, action, resource and condition value they name, plus one fresh value
//! for "anything else"), so that every way the policies can decide is reachable, mixed with
//! requests whose parts are fresh random values. The classes come from the same cut the
//! exact checks use (`policy::analysis`).

use proptest::prelude::*;

use crate::policy::analysis::literals::DERIVED_KEYS;
use crate::policy::analysis::{find, Outcome, Scope, Subject, Undecidable};
use crate::policy::context::{Context, ContextValue};
use crate::policy::principal::Principal;
use crate::policy::request::Request;

/// The representatives of every class, in the order the walk visits them (simple ones first,
/// which is also where proptest shrinks to).
pub fn class_representatives(
    subjects: &[Subject],
    scope: &Scope,
    at_most: usize,
) -> Result<Vec<Request>, Undecidable> {
    let mut all = Vec::new();
    let outcome = find(subjects, scope, &mut |r| {
        all.push(r.clone());
        all.len() >= at_most
    });
    match outcome {
        Outcome::Undecidable(u) => Err(u),
        _ => Ok(all),
    }
}

/// Requests for property tests of `subjects`: mostly class representatives, sometimes one
/// of them with a part replaced by a fresh random value (another account, an unnamed action,
/// a random condition value).
pub fn requests_from(
    subjects: &[Subject],
    scope: &Scope,
) -> Result<BoxedStrategy<Request>, Undecidable> {
    let reps = class_representatives(subjects, scope, 100_000)?;
    let pick = prop::sample::select(reps);
    let fresh = (pick.clone(), 0..3u8, "[a-z]{1,10}", "[0-9]{12}")
        .prop_map(|(r, part, word, account)| fresh_part(&r, part, &word, &account));
    Ok(prop_oneof![4 => pick, 1 => fresh].boxed())
}

fn fresh_part(r: &Request, part: u8, word: &str, account: &str) -> Request {
    let mut principal = r.principal.clone();
    let mut action = r.action.clone();
    // Keys the builder derives from the principal and resource are derived again.
    let mut context = Context::default();
    for e in r.context.iter() {
        let lc = e.name.to_ascii_lowercase();
        if !DERIVED_KEYS.contains(&lc.as_str()) && lc != "aws:viaawsservice" {
            context.insert(&e.name, e.values.clone(), e.multi);
        }
    }
    match part {
        0 => {
            let service = action.split(':').next().unwrap_or("svc").to_string();
            action = format!("{service}:{word}");
        }
        1 => principal = Principal::user(account, word),
        _ => {
            let keys: Vec<String> = context.iter().map(|e| e.name.clone()).collect();
            if let Some(k) = keys.first() {
                context.set(k, ContextValue::from(word));
            }
        }
    }
    let mut b = Request::builder(principal, &action, &r.resource).context(context);
    if let Some(a) = &r.resource_account {
        b = b.resource_account(a);
    }
    b.build()
}
