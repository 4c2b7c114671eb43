//! The walk over the classes: action first (it decides which statements can still match),
//! then the principal, then each condition key the live statements read, then the
//! resource; at each leaf one request is built and the goal, which asks the evaluator,
//! judges it. A statement ruled out on one part of the request stops shaping the classes of
//! the parts after it, which keeps the number of leaves close to the number of ways the
//! policies can really decide.

use std::collections::{BTreeSet, HashMap};

use crate::policy::condition;
use crate::policy::context::Context;
use crate::policy::model::Condition;
use crate::policy::principal::Principal;
use crate::policy::request::{arn_account, Request};

use super::literals::{collect, Literals, Undecidable, DERIVED_KEYS};
use super::space::{KeyValue, Scope, Space};
use super::subject::Subject;

/// The answer to "is there a request such that …".
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Yes: this request, after evaluating `classes` representatives.
    Found {
        witness: Box<Request>,
        classes: usize,
    },
    /// No request in any class.
    None { classes: usize },
    /// Outside the fragment keyhole decides exactly.
    Undecidable(Undecidable),
}

impl Outcome {
    pub fn classes(&self) -> usize {
        match self {
            Outcome::Found { classes, .. } | Outcome::None { classes } => *classes,
            Outcome::Undecidable(_) => 0,
        }
    }
}

struct Walk<'a> {
    space: Space<'a>,
    goal: &'a mut dyn FnMut(&Request) -> bool,
    classes: usize,
    key_cache: HashMap<(String, Vec<usize>), Vec<KeyValue>>,
    resource_cache: HashMap<(Vec<usize>, Option<String>), Vec<String>>,
}

/// Searches the classes of requests that `subjects` (and `scope`) tell apart for one that
/// `goal` accepts. `goal` sees one representative request per class.
pub fn find(
    subjects: &[Subject],
    scope: &Scope,
    goal: &mut dyn FnMut(&Request) -> bool,
) -> Outcome {
    let literals = match collect(subjects) {
        Ok(l) => l,
        Err(e) => return Outcome::Undecidable(e),
    };
    let mut walk = Walk {
        space: Space {
            literals: &literals,
            scope,
        },
        goal,
        classes: 0,
        key_cache: HashMap::new(),
        resource_cache: HashMap::new(),
    };
    match walk.run() {
        Ok(Some(witness)) => Outcome::Found {
            witness: Box::new(witness),
            classes: walk.classes,
        },
        Ok(None) => Outcome::None {
            classes: walk.classes,
        },
        Err(e) => Outcome::Undecidable(e),
    }
}

fn action_matches(literals: &Literals, i: usize, action: &str) -> bool {
    match &literals.statements[i].actions {
        None => false,
        Some((negated, patterns)) => patterns.iter().any(|p| p.matches(action)) != *negated,
    }
}

impl<'a> Walk<'a> {
    fn run(&mut self) -> Result<Option<Request>, Undecidable> {
        let actions = self.space.actions()?;
        let principals = self.space.principals()?;
        let all = self.space.literals.statements.len();
        for action in &actions {
            // Patterns are lower-cased; the action may be spelled as a policy spells it.
            let lower = action.to_ascii_lowercase();
            let live: Vec<usize> = (0..all)
                .filter(|&i| action_matches(self.space.literals, i, &lower))
                .collect();
            let keys = self.keys(&live);
            for principal in &principals {
                let mut chosen = Vec::new();
                if let Some(found) =
                    self.keys_then_resource(action, principal, &live, &keys, &mut chosen)?
                {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    /// The free condition keys the live statements read, and those the question reads.
    fn keys(&self, live: &[usize]) -> Vec<String> {
        let mut keys: BTreeSet<String> = live
            .iter()
            .flat_map(|&i| self.space.literals.statements[i].conditions.keys().cloned())
            .filter(|k| !DERIVED_KEYS.contains(&k.as_str()))
            .collect();
        keys.extend(self.space.scope.keys.iter().map(|(k, _)| k.clone()));
        keys.into_iter().collect()
    }

    fn conditions(&self, live: &[usize], key: &str) -> Vec<(usize, &'a Condition)> {
        let literals: &'a Literals = self.space.literals;
        live.iter()
            .flat_map(|&i| {
                literals.statements[i]
                    .conditions
                    .get(key)
                    .into_iter()
                    .flatten()
                    .map(move |c| (i, c))
            })
            .collect()
    }

    fn keys_then_resource(
        &mut self,
        action: &str,
        principal: &Principal,
        live: &[usize],
        keys: &[String],
        chosen: &mut Vec<(String, KeyValue)>,
    ) -> Result<Option<Request>, Undecidable> {
        let Some((key, rest)) = keys.split_first() else {
            return self.leaf(action, principal, live, chosen);
        };
        let conds = self.conditions(live, key);
        let cache_key = (
            key.clone(),
            conds.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        );
        let values = match self.key_cache.get(&cache_key) {
            Some(v) => v.clone(),
            None => {
                let refs: Vec<&Condition> = conds.iter().map(|(_, c)| *c).collect();
                let v = self.space.key_values(key, &refs)?;
                self.key_cache.insert(cache_key, v.clone());
                v
            }
        };
        for value in values {
            // A statement whose condition on this key fails can no longer match.
            let mut ctx = Context::default();
            match &value {
                KeyValue::Absent => {}
                KeyValue::One(v) => ctx.set(key, v.clone()),
                KeyValue::Many(vs) => ctx.set_multi(key, vs.clone()),
            }
            let dead: BTreeSet<usize> = conds
                .iter()
                .filter(|(_, c)| !condition::evaluate(c, &ctx, &mut |_| {}))
                .map(|(i, _)| *i)
                .collect();
            let still: Vec<usize> = live.iter().copied().filter(|i| !dead.contains(i)).collect();
            // The key as the policy spells it, for the witness.
            let name = conds.first().map_or(key.clone(), |(_, c)| c.key.clone());
            chosen.push((name, value));
            let found = self.keys_then_resource(action, principal, &still, rest, chosen)?;
            chosen.pop();
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    fn leaf(
        &mut self,
        action: &str,
        principal: &Principal,
        live: &[usize],
        chosen: &[(String, KeyValue)],
    ) -> Result<Option<Request>, Undecidable> {
        let cache_key = (live.to_vec(), principal.account.clone());
        let resources = match self.resource_cache.get(&cache_key) {
            Some(r) => r.clone(),
            None => {
                let r = self.space.resources(live, principal.account.as_deref())?;
                self.resource_cache.insert(cache_key, r.clone());
                r
            }
        };
        for resource in &resources {
            let owner = arn_account(resource).unwrap_or(&self.space.scope.owner);
            let mut b =
                Request::builder(principal.clone(), action, resource).resource_account(owner);
            for (key, value) in chosen {
                b = match value {
                    KeyValue::Absent => b,
                    KeyValue::One(v) => b.key(key, v.clone()),
                    KeyValue::Many(vs) => b.key_multi(key, vs.clone()),
                };
            }
            let request = b.build();
            self.classes += 1;
            if (self.goal)(&request) {
                return Ok(Some(request));
            }
        }
        Ok(None)
    }
}
