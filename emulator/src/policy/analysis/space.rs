//! The request space of a question, cut into classes: for each part of a request (action,
//! principal, each condition key, resource), one representative value per combination of
//! the literals that part is compared against. Strings go through the automaton; numbers,
//! dates and IP addresses through the end points of the intervals the policies name.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::policy::context::ContextValue;
use crate::policy::evaluate::KMS_CROSS_ACCOUNT_ACTIONS;
use crate::policy::model::{Condition, ConditionValue};
use crate::policy::operators::Family;
use crate::policy::principal::Principal;

use super::automaton::{classes, Class, Nfa, StringClass};
use super::literals::{value_nfa, Literals, Undecidable, MULTIVALUED_KEYS};

/// What the question fixes about requests.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The account that owns the policy, its principal (identity policies) or its resource.
    pub owner: String,
    /// Only principals of the owner account (identity policies and SCPs).
    pub owner_principals_only: bool,
    /// Whether service principals (`backup.amazonaws.com`) can be callers.
    pub services: bool,
    /// The resource every request names (a key policy's key), when fixed.
    pub resource: Option<String>,
    /// When not empty: only these actions (lower-cased globs).
    pub actions: Vec<String>,
    /// When not empty: only these resources (ARN patterns).
    pub resources: Vec<String>,
    /// Keys the question itself reads, with the values it compares them with (an
    /// organization ID for `--zone organization`), so the classes tell them apart.
    pub keys: Vec<(String, Vec<String>)>,
    /// Product states one automaton walk may visit.
    pub limit: usize,
}

/// A value chosen for a condition key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    Absent,
    One(ContextValue),
    Many(Vec<ContextValue>),
}

/// Keys the request builder always sets: "absent" is not a request AWS sends.
const ALWAYS_PRESENT: [&str; 2] = ["aws:viaawsservice", "aws:userid"];

/// How many single values a multivalued key may have before its subsets are too many.
const MAX_SET_CLASSES: usize = 6;

fn too_many(what: &str) -> impl Fn(super::automaton::TooManyStates) -> Undecidable + '_ {
    move |e| {
        Undecidable(format!(
            "the patterns on {what} form more than {} automaton states",
            e.0
        ))
    }
}

/// The first of `nicer` that falls in the same class as `class`, else its own example.
fn nicest(class: &StringClass, nfas: &[(&Nfa, &str)], nicer: &[String]) -> String {
    nicer
        .iter()
        .find(|n| {
            nfas.iter()
                .map(|(nfa, prefix)| nfa.matches(&format!("{prefix}{n}")))
                .eq(class.matches.iter().copied())
        })
        .cloned()
        .unwrap_or_else(|| class.example.clone())
}

/// Classes of `nfas` (each read after its own prefix) whose first `shape` entries all hold.
fn examples(
    nfas: &[(&Nfa, &str)],
    shape: usize,
    nicer: &[String],
    limit: usize,
    what: &str,
) -> Result<Vec<String>, Undecidable> {
    let found = classes(nfas, limit).map_err(too_many(what))?;
    Ok(found
        .iter()
        .filter(|c| c.matches[..shape].iter().all(|m| *m))
        .map(|c| nicest(c, nfas, nicer))
        .collect())
}

pub struct Space<'a> {
    pub literals: &'a Literals,
    pub scope: &'a Scope,
}

impl Space<'_> {
    /// One action per class: the statements' patterns, the action lists KMS and Backup
    /// treat apart, and the scope's own list.
    pub fn actions(&self) -> Result<Vec<String>, Undecidable> {
        let shape = Nfa::action_shape();
        let scope: Vec<Nfa> = self.scope.actions.iter().map(|a| Nfa::glob(a)).collect();
        let mut rules: Vec<Nfa> = KMS_CROSS_ACCOUNT_ACTIONS
            .iter()
            .chain(&["backup:copyintobackupvault", "kms:retiregrant"])
            .map(|a| Nfa::literal(a))
            .collect();
        rules.push(Nfa::glob("kms:*"));
        let patterns = self
            .literals
            .statements
            .iter()
            .filter_map(|s| s.actions.as_ref())
            .flat_map(|(_, p)| p);
        let mut nfas: Vec<(&Nfa, &str)> = vec![(&shape, "")];
        nfas.extend(scope.iter().map(|n| (n, "")));
        nfas.extend(rules.iter().chain(patterns).map(|n| (n, "")));
        let found = classes(&nfas, self.scope.limit).map_err(too_many("actions"))?;
        let in_scope =
            |c: &StringClass| scope.is_empty() || c.matches[1..=scope.len()].contains(&true);
        Ok(found
            .iter()
            .filter(|c| c.matches[0] && in_scope(c))
            .map(|c| {
                self.literals
                    .spelled(&c.example)
                    .unwrap_or_else(|| c.example.clone())
            })
            .collect())
    }

    /// One principal per class: accounts, partitions, then the names each ARN pattern reads.
    pub fn principals(&self) -> Result<Vec<Principal>, Undecidable> {
        let lits = &self.literals.principals;
        let accounts = if self.scope.owner_principals_only {
            vec![self.scope.owner.clone()]
        } else {
            let digits = Nfa::repeat(Class::Digit, 12);
            let owner = Nfa::literal(&self.scope.owner);
            let mut nfas: Vec<(&Nfa, &str)> = vec![(&digits, ""), (&owner, "")];
            nfas.extend(lits.accounts.iter().map(|n| (n, "")));
            nfas.extend(lits.resource_accounts.iter().map(|n| (n, "")));
            examples(&nfas, 1, &[], self.scope.limit, "account IDs")?
        };
        let mut partitions = vec!["aws".to_string()];
        for p in &lits.partitions {
            let p = p.clone().unwrap_or_else(|| "aws-keyhole".into());
            if !partitions.contains(&p) {
                partitions.push(p);
            }
        }
        let shape = Nfa::name_shape();
        let mut out = Vec::new();
        for partition in &partitions {
            for account in &accounts {
                out.push(Principal::root_in(partition, account));
                let user_prefix = format!("arn:{partition}:iam::{account}:user/");
                let mut nfas: Vec<(&Nfa, &str)> = vec![(&shape, "")];
                nfas.extend(lits.arns.iter().map(|n| (n, user_prefix.as_str())));
                nfas.extend(lits.user_names.iter().map(|n| (n, "")));
                let nicer = ["keyhole-user".to_string()];
                for name in examples(&nfas, 1, &nicer, self.scope.limit, "user names")? {
                    out.push(Principal::user_in(partition, account, &name));
                }
                let role_prefix = format!("arn:{partition}:iam::{account}:role/");
                let session_roles: Vec<Nfa> = lits
                    .sessions
                    .iter()
                    .map(|(role, _)| {
                        Nfa::last_component(&role.chars().map(|c| (c, true)).collect::<Vec<_>>())
                    })
                    .collect();
                let mut nfas: Vec<(&Nfa, &str)> = vec![(&shape, "")];
                nfas.extend(lits.arns.iter().map(|n| (n, role_prefix.as_str())));
                nfas.extend(session_roles.iter().map(|n| (n, "")));
                let nicer = ["keyhole-role".to_string()];
                for role in examples(&nfas, 1, &nicer, self.scope.limit, "role names")? {
                    let last = role.rsplit('/').next().unwrap_or(&role);
                    let mut sessions = vec!["keyhole-session".to_string()];
                    for (r, s) in &lits.sessions {
                        if r == last && !sessions.contains(s) {
                            sessions.push(s.clone());
                        }
                    }
                    for session in sessions {
                        out.push(Principal::assumed_role_in(
                            partition, account, &role, &session,
                        ));
                    }
                }
            }
        }
        if self.scope.services {
            let mut nfas: Vec<(&Nfa, &str)> = vec![(&shape, "")];
            nfas.extend(lits.services.iter().map(|n| (n, "")));
            let nicer = ["keyhole.amazonaws.com".to_string()];
            for name in examples(&nfas, 1, &nicer, self.scope.limit, "service principals")? {
                out.push(Principal::service(&name));
            }
        }
        Ok(out)
    }

    /// One resource per class, for a principal of `account`: the live statements' patterns,
    /// the accounts the decision compares the resource's account with, and the scope's list.
    pub fn resources(
        &self,
        live: &[usize],
        account: Option<&str>,
    ) -> Result<Vec<String>, Undecidable> {
        if let Some(fixed) = &self.scope.resource {
            return Ok(vec![fixed.clone()]);
        }
        let shape = Nfa::arn("arn:*:*:*:*:*");
        let scope: Vec<Nfa> = self.scope.resources.iter().map(|r| Nfa::arn(r)).collect();
        let digits = Nfa::arn_account(&Nfa::repeat(Class::Digit, 12));
        let mut accounts: Vec<Nfa> = vec![Nfa::arn_account(&Nfa::literal(&self.scope.owner))];
        accounts.extend(account.map(|a| Nfa::arn_account(&Nfa::literal(a))));
        accounts.extend(
            self.literals
                .principals
                .resource_accounts
                .iter()
                .map(Nfa::arn_account),
        );
        let patterns = live
            .iter()
            .filter_map(|&i| self.literals.statements[i].resources.as_ref())
            .flat_map(|(_, p)| p);
        let mut nfas: Vec<(&Nfa, &str)> = vec![(&shape, "")];
        nfas.extend(scope.iter().map(|n| (n, "")));
        nfas.extend(
            std::iter::once(&digits)
                .chain(&accounts)
                .chain(patterns)
                .map(|n| (n, "")),
        );
        let found = classes(&nfas, self.scope.limit).map_err(too_many("resources"))?;
        let in_scope = |s: &str| scope.is_empty() || scope.iter().any(|n| n.matches(s));
        let mut out: Vec<String> = found
            .iter()
            .filter(|c| {
                c.matches[0] && (scope.is_empty() || c.matches[1..=scope.len()].contains(&true))
            })
            .map(|c| prettier_arn(c, &nfas, account.unwrap_or(&self.scope.owner)))
            .collect();
        // Actions without a resource are asked about `*`.
        if in_scope("*") {
            out.push("*".into());
        }
        Ok(out)
    }

    /// One value per class for `key`, given the conditions that read it; `Absent` first.
    pub fn key_values(
        &self,
        key: &str,
        conds: &[&Condition],
    ) -> Result<Vec<KeyValue>, Undecidable> {
        let mut families: Vec<Family> = conds
            .iter()
            .map(|c| c.operator.family())
            .filter(|f| *f != Family::Null)
            .collect();
        for (k, _) in self.scope.keys.iter().filter(|(k, _)| k == key) {
            let _ = k;
            families.push(Family::Str);
        }
        families.sort_by_key(|f| *f as u8);
        families.dedup();
        let stringy = |f: &Family| {
            matches!(
                f,
                Family::Str | Family::StrIgnoreCase | Family::StrLike | Family::Arn | Family::Bool
            )
        };
        let singles: Vec<ContextValue> = if families.iter().all(stringy) {
            self.string_values(key, conds)?
        } else if families.len() == 1 {
            let values = || conds.iter().flat_map(|c| c.values.iter());
            match families[0] {
                Family::Num => numbers(values()),
                Family::Date => dates(values()),
                Family::Ip => addresses(values()),
                _ => binaries(values()),
            }
        } else {
            return Err(Undecidable(format!(
                "the key {key} is compared as more than one type of value"
            )));
        };
        let multi = MULTIVALUED_KEYS.contains(&key) || conds.iter().any(|c| c.set.is_some());
        let mut out = Vec::new();
        if !ALWAYS_PRESENT.contains(&key) {
            out.push(KeyValue::Absent);
        }
        if !multi {
            out.extend(singles.into_iter().map(KeyValue::One));
            return Ok(out);
        }
        if singles.len() > MAX_SET_CLASSES {
            return Err(Undecidable(format!(
                "the multivalued key {key} has {} classes of values; keyhole enumerates the \
                 subsets of at most {MAX_SET_CLASSES}",
                singles.len()
            )));
        }
        for mask in 1u32..(1 << singles.len()) {
            let set = singles
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, v)| v.clone())
                .collect();
            out.push(KeyValue::Many(set));
        }
        Ok(out)
    }

    fn string_values(
        &self,
        key: &str,
        conds: &[&Condition],
    ) -> Result<Vec<ContextValue>, Undecidable> {
        let owned: Vec<Nfa> = conds
            .iter()
            .flat_map(|c| c.values.iter().filter_map(|v| value_nfa(c.operator, v)))
            .chain(
                self.scope
                    .keys
                    .iter()
                    .filter(|(k, _)| k == key)
                    .flat_map(|(_, vs)| vs.iter().map(|v| Nfa::literal(v))),
            )
            .collect();
        let nfas: Vec<(&Nfa, &str)> = owned.iter().map(|n| (n, "")).collect();
        let found = classes(&nfas, self.scope.limit).map_err(too_many(key))?;
        Ok(found
            .into_iter()
            .map(|c| ContextValue::String(c.example))
            .collect())
    }
}

/// Fills empty partition, service, region and account segments with plausible values when
/// that keeps the class: `arn:aws:kms:us-east-1:111122223333:key/x` reads better than `arn::::…`.
fn prettier_arn(class: &StringClass, nfas: &[(&Nfa, &str)], account: &str) -> String {
    let same = |candidate: &str| {
        nfas.iter()
            .map(|(n, p)| n.matches(&format!("{p}{candidate}")))
            .eq(class.matches.iter().copied())
    };
    let mut best = class.example.clone();
    // A resource ID after a trailing `/` or `:` (`key/`), when that keeps the class.
    if best.ends_with(['/', ':']) && same(&format!("{best}example")) {
        best.push_str("example");
    }
    let fillers = [(1, "aws"), (2, "keyhole"), (3, "us-east-1"), (4, account)];
    for (seg, filler) in fillers {
        let parts: Vec<&str> = best.splitn(6, ':').collect();
        if parts.len() != 6 || !parts[seg].is_empty() {
            continue;
        }
        let mut next: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        next[seg] = filler.to_string();
        let candidate = next.join(":");
        if same(&candidate) {
            best = candidate;
        }
    }
    best
}

fn numbers<'a>(values: impl Iterator<Item = &'a ConditionValue>) -> Vec<ContextValue> {
    let mut points: Vec<f64> = values
        .filter_map(|v| match v {
            ConditionValue::Number(n) => Some(*n),
            _ => None,
        })
        .collect();
    points.sort_by(f64::total_cmp);
    points.dedup();
    interval_points(
        &points,
        |a, b| Some((a + b) / 2.0),
        |a| a - 1.0,
        |b| b + 1.0,
        0.0,
    )
    .into_iter()
    .map(ContextValue::Number)
    .collect()
}

fn dates<'a>(values: impl Iterator<Item = &'a ConditionValue>) -> Vec<ContextValue> {
    let mut points: Vec<i128> = values
        .filter_map(|v| match v {
            ConditionValue::Date(d) => Some(*d),
            _ => None,
        })
        .collect();
    points.sort_unstable();
    points.dedup();
    let between = |a: i128, b: i128| (b - a >= 2).then(|| a + (b - a) / 2);
    interval_points(&points, between, |a| a - 1, |b| b + 1, 0)
        .into_iter()
        .map(ContextValue::Date)
        .collect()
}

/// Each end point, one value inside each gap, one below and one above: every interval
/// the points cut the line into has a representative.
fn interval_points<T: Copy>(
    points: &[T],
    between: impl Fn(T, T) -> Option<T>,
    below: impl Fn(T) -> T,
    above: impl Fn(T) -> T,
    none: T,
) -> Vec<T> {
    let (Some(&first), Some(&last)) = (points.first(), points.last()) else {
        return vec![none];
    };
    let mut out = vec![below(first)];
    for w in points.windows(2) {
        out.push(w[0]);
        out.extend(between(w[0], w[1]));
    }
    out.push(last);
    out.push(above(last));
    out
}

fn addresses<'a>(values: impl Iterator<Item = &'a ConditionValue>) -> Vec<ContextValue> {
    let nets: Vec<IpNet> = values
        .filter_map(|v| match v {
            ConditionValue::Cidr(n) => Some(*n),
            _ => None,
        })
        .collect();
    let mut out: Vec<IpAddr> = vec!["192.0.2.1".parse().expect("an address")];
    for n in &nets {
        let (lo, hi) = (n.network(), n.broadcast());
        out.extend([lo, hi]);
        out.extend(step(lo, -1));
        out.extend(step(hi, 1));
    }
    out.sort();
    out.dedup();
    out.into_iter().map(ContextValue::Ip).collect()
}

/// The address next to `ip`, if there is one.
fn step(ip: IpAddr, by: i8) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(a) => {
            let n = u32::from(a);
            let m = if by < 0 {
                n.checked_sub(1)?
            } else {
                n.checked_add(1)?
            };
            Some(IpAddr::V4(m.into()))
        }
        IpAddr::V6(a) => {
            let n = u128::from(a);
            let m = if by < 0 {
                n.checked_sub(1)?
            } else {
                n.checked_add(1)?
            };
            Some(IpAddr::V6(m.into()))
        }
    }
}

fn binaries<'a>(values: impl Iterator<Item = &'a ConditionValue>) -> Vec<ContextValue> {
    let mut out: Vec<Vec<u8>> = vec![b"keyhole".to_vec()];
    for v in values {
        if let ConditionValue::Binary(b) = v {
            if !out.contains(b) {
                out.push(b.clone());
            }
        }
    }
    out.into_iter().map(ContextValue::Binary).collect()
}
