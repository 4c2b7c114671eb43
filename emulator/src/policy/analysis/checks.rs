//! The checks, as IAM Access Analyzer names them (CheckNoNewAccess, CheckAccessNotGranted,
//! CheckNoPublicAccess) and the questions around them (external access by zone, equivalence,
//! implication). Each is one search: the goal says which request breaks the rule, and a
//! failing check carries that request as its witness, with each policy's decision about it.

use crate::policy::decision::{Decision, MatchedStatement};
use crate::policy::model::{Condition, ConditionValue};
use crate::policy::principal::{Principal, PrincipalType};
use crate::policy::request::Request;
use crate::policy::validate::PolicyType;

use super::automaton::Nfa;
use super::literals::value_nfa;
use super::search::{find, Outcome};
use super::space::Scope;
use super::standalone::{allows, decide};
use super::subject::Subject;

/// AWS's access check results, plus keyhole's answer outside the fragment it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Outside what keyhole decides exactly: it says so instead of guessing.
    Undecidable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Undecidable => "UNDECIDABLE",
        }
    }
}

/// A request that breaks the rule, and what each policy decided about it.
#[derive(Debug, Clone)]
pub struct Witness {
    pub request: Request,
    pub decisions: Vec<(Subject, Decision)>,
}

impl Witness {
    /// The statements of `subject`'s own document that its decision names.
    pub fn statements<'w>(&'w self, subject: &Subject) -> Vec<&'w MatchedStatement> {
        self.decisions
            .iter()
            .filter(|(s, _)| s.name == subject.name)
            .flat_map(|(s, d)| d.matched.iter().filter(move |m| *m.policy_id == *s.name))
            .collect()
    }
}

/// One check's answer.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// `check-no-new-access`, …: the CLI's name.
    pub check: &'static str,
    pub verdict: Verdict,
    /// AWS's message for the result; for `Undecidable`, the reason.
    pub message: String,
    pub witness: Option<Witness>,
    /// Representative requests evaluated.
    pub classes: usize,
}

fn answer(
    check: &'static str,
    outcome: Outcome,
    subjects: &[Subject],
    pass: &str,
    fail: &str,
) -> CheckResult {
    let classes = outcome.classes();
    match outcome {
        Outcome::None { .. } => CheckResult {
            check,
            verdict: Verdict::Pass,
            message: pass.into(),
            witness: None,
            classes,
        },
        Outcome::Found { witness, .. } => {
            let decisions = subjects
                .iter()
                .map(|s| (s.clone(), decide(s, &witness)))
                .collect();
            CheckResult {
                check,
                verdict: Verdict::Fail,
                message: fail.into(),
                witness: Some(Witness {
                    request: *witness,
                    decisions,
                }),
                classes,
            }
        }
        Outcome::Undecidable(u) => CheckResult {
            check,
            verdict: Verdict::Undecidable,
            message: format!("keyhole cannot decide this exactly: {}.", u.0),
            witness: None,
            classes,
        },
    }
}

/// The request space a policy of this type is asked about, for the owner `account`.
pub fn scope_for(policy_type: PolicyType, account: &str, resource: Option<&str>) -> Scope {
    let fixed = resource.map(str::to_string).or_else(|| {
        Some(match policy_type {
            PolicyType::KmsKey => {
                format!("arn:aws:kms:us-east-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
            }
            PolicyType::BackupVault => {
                format!("arn:aws:backup:us-east-1:{account}:backup-vault:keyhole-vault")
            }
            PolicyType::RoleTrust => format!("arn:aws:iam::{account}:role/keyhole-role"),
            _ => return None,
        })
    });
    let inward = matches!(
        policy_type,
        PolicyType::Identity | PolicyType::Scp | PolicyType::TagPolicy | PolicyType::BackupPolicy
    );
    Scope {
        owner: account.to_string(),
        owner_principals_only: inward,
        services: !inward,
        resource: fixed,
        limit: 200_000,
        ..Scope::default()
    }
}

// Wording: the messages AWS's checks answer with, as AWS's custom-policy-check samples and
// the CLI's examples print them. The FAIL wording of CheckNoNewAccess is also quoted by the
// Huawei Cloud clone of the API (`support.huaweicloud.com/intl/en-us/api-iam5/CheckNoNewAccess.html`).
const NO_NEW_ACCESS_PASS: &str =
    "The modified permissions do not grant new access compared to your existing policy.";
const NO_NEW_ACCESS_FAIL: &str =
    "The modified permissions grant new access compared to your existing policy.";
const NOT_GRANTED_PASS: &str =
    "The policy document does not grant access to perform the listed actions or resources.";
const NOT_GRANTED_FAIL: &str =
    "The policy document grants access to perform one or more of the listed actions or resources.";
const NO_PUBLIC_PASS: &str =
    "The resource policy does not grant public access for the given resource type.";
const NO_PUBLIC_FAIL: &str =
    "The resource policy grants public access for the given resource type.";

/// CheckNoNewAccess: does `new` allow any request `existing` does not?
pub fn check_no_new_access(existing: &Subject, new: &Subject, scope: &Scope) -> CheckResult {
    let subjects = [existing.clone(), new.clone()];
    let outcome = find(&subjects, scope, &mut |r| {
        allows(new, &decide(new, r)) && !allows(existing, &decide(existing, r))
    });
    answer(
        "check-no-new-access",
        outcome,
        &subjects,
        NO_NEW_ACCESS_PASS,
        NO_NEW_ACCESS_FAIL,
    )
}

/// AWS's limits on CheckAccessNotGranted's access list, so results port to AWS.
pub const MAX_ACCESS_ACTIONS: usize = 100;
pub const MAX_ACCESS_RESOURCES: usize = 100;

/// CheckAccessNotGranted: does the policy allow any of `actions` (on any of `resources`)?
pub fn check_access_not_granted(
    subject: &Subject,
    actions: &[String],
    resources: &[String],
    scope: &Scope,
) -> CheckResult {
    let mut scope = scope.clone();
    scope.actions = actions.iter().map(|a| a.to_lowercase()).collect();
    scope.resources = resources.to_vec();
    let subjects = [subject.clone()];
    let outcome = find(&subjects, &scope, &mut |r| {
        allows(subject, &decide(subject, r))
    });
    answer(
        "check-access-not-granted",
        outcome,
        &subjects,
        NOT_GRANTED_PASS,
        NOT_GRANTED_FAIL,
    )
}

/// Keys that tie a caller to an account, an organization or a network: a stranger's
/// request carries none of the values a policy names for them.
const IDENTIFYING_KEYS: [&str; 12] = [
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:userid",
    "aws:sourceowner",
];

/// What the policies name: the owner, accounts, and values of identifying keys.
struct Named {
    owner: String,
    accounts: Vec<Nfa>,
    keys: Vec<(String, Vec<Nfa>, Vec<ipnet::IpNet>)>,
}

impl Named {
    fn of(subjects: &[Subject], owner: &str) -> Named {
        let mut accounts = Vec::new();
        let mut keys: Vec<(String, Vec<Nfa>, Vec<ipnet::IpNet>)> = Vec::new();
        let conditions = subjects
            .iter()
            .flat_map(|s| s.policy.statements.iter())
            .flat_map(|st| st.conditions.iter());
        for st in subjects.iter().flat_map(|s| s.policy.statements.iter()) {
            for e in st.principal.iter().flat_map(|b| b.entries.iter()) {
                if let Some(id) = account_named_by(&e.value) {
                    accounts.push(Nfa::glob(&id));
                }
            }
        }
        for c in conditions {
            let key = c.key_lc.as_str();
            if matches!(key, "aws:principalaccount" | "kms:calleraccount") {
                accounts.extend(named_values(c));
            } else if key == "aws:principalarn" {
                for v in &c.values {
                    if let Some(id) = text_of(v).and_then(|t| account_named_by(&t)) {
                        accounts.push(Nfa::glob(&id));
                    }
                }
            } else if IDENTIFYING_KEYS.contains(&key) {
                let nets = c
                    .values
                    .iter()
                    .filter_map(|v| match v {
                        ConditionValue::Cidr(n) => Some(*n),
                        _ => None,
                    })
                    .collect();
                keys.push((key.to_string(), named_values(c), nets));
            }
        }
        Named {
            owner: owner.to_string(),
            accounts: accounts.into_iter().filter(Nfa::names_something).collect(),
            keys,
        }
    }

    /// A principal of an account the policies do not name, carrying no identifying value
    /// they name: anyone at all.
    fn stranger(&self, r: &Request) -> bool {
        let p = &r.principal;
        let Some(account) = p.account.as_deref() else {
            return false;
        };
        if account == self.owner || self.accounts.iter().any(|n| n.matches(account)) {
            return false;
        }
        self.keys.iter().all(|(key, nfas, nets)| {
            r.context.get(key).is_none_or(|e| {
                e.values.iter().all(|v| {
                    let text = v.text();
                    !nfas.iter().any(|n| n.matches(&text))
                        && !v
                            .ip()
                            .is_some_and(|ip| nets.iter().any(|n| n.contains(&ip)))
                })
            })
        })
    }
}

fn text_of(v: &ConditionValue) -> Option<String> {
    match v {
        ConditionValue::Text(t) => Some(t.clone()),
        ConditionValue::Glob(g) => Some(g.text.clone()),
        ConditionValue::Arn(a) => Some(a.text().to_string()),
        _ => None,
    }
}

/// The values a condition names (wildcard-only patterns name nobody).
fn named_values(c: &Condition) -> Vec<Nfa> {
    c.values
        .iter()
        .filter_map(|v| value_nfa(c.operator, v))
        .filter(Nfa::names_something)
        .collect()
}

/// The account segment of a principal value: an ID, or the account of an ARN.
fn account_named_by(value: &str) -> Option<String> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.to_string());
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    (parts.len() == 6).then(|| parts[4].to_string())
}

/// CheckNoPublicAccess: does the policy allow anyone at all (an account it does not name)?
pub fn check_no_public_access(subject: &Subject, scope: &Scope) -> CheckResult {
    let subjects = [subject.clone()];
    let named = Named::of(&subjects, &scope.owner);
    // A stranger's request on a resource of their own account is not public access: the
    // search also builds those (an ARN pattern with a wildcard account matches them).
    let outcome = find(&subjects, scope, &mut |r| {
        r.is_cross_account() && named.stranger(r) && allows(subject, &decide(subject, r))
    });
    answer(
        "check-no-public-access",
        outcome,
        &subjects,
        NO_PUBLIC_PASS,
        NO_PUBLIC_FAIL,
    )
}

/// Who counts as inside for `check-no-external-access`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// The owner account.
    Account,
    /// The owner's organization: its ID, and the member accounts known.
    Organization { id: String, accounts: Vec<String> },
}

fn outside(zone: &Zone, owner: &str, r: &Request) -> bool {
    let p: &Principal = &r.principal;
    // Service principals act for a customer, not as another account.
    if p.kind == PrincipalType::Service {
        return false;
    }
    let Some(account) = p.account.as_deref() else {
        return true;
    };
    match zone {
        Zone::Account => account != owner,
        Zone::Organization { id, accounts } => {
            let member = account == owner || accounts.iter().any(|a| a == account);
            let org = r
                .context
                .get("aws:principalorgid")
                .and_then(|e| e.values.first())
                .map(|v| v.text().into_owned());
            !member && org.as_deref() != Some(id.as_str())
        }
    }
}

/// Is anyone outside the zone allowed?
pub fn check_no_external_access(subject: &Subject, zone: &Zone, scope: &Scope) -> CheckResult {
    let mut scope = scope.clone();
    if let Zone::Organization { id, .. } = zone {
        scope
            .keys
            .push(("aws:principalorgid".into(), vec![id.clone()]));
    }
    let subjects = [subject.clone()];
    let owner = scope.owner.clone();
    let outcome = find(&subjects, &scope, &mut |r| {
        outside(zone, &owner, r) && allows(subject, &decide(subject, r))
    });
    let (pass, fail) = match zone {
        Zone::Account => (
            "The policy does not grant access to any principal outside the account.",
            "The policy grants access to a principal outside the account.",
        ),
        Zone::Organization { .. } => (
            "The policy does not grant access to any principal outside the organization.",
            "The policy grants access to a principal outside the organization.",
        ),
    };
    answer("check-no-external-access", outcome, &subjects, pass, fail)
}

/// `implies A B`: everything A allows, B allows too.
pub fn implies(a: &Subject, b: &Subject, scope: &Scope) -> CheckResult {
    let subjects = [a.clone(), b.clone()];
    let outcome = find(&subjects, scope, &mut |r| {
        allows(a, &decide(a, r)) && !allows(b, &decide(b, r))
    });
    let pass = format!("Every request {} allows, {} allows too.", a.name, b.name);
    let fail = format!("{} allows a request that {} does not.", a.name, b.name);
    answer("implies", outcome, &subjects, &pass, &fail)
}

/// `equivalent A B`: the two allow exactly the same requests.
pub fn equivalent(a: &Subject, b: &Subject, scope: &Scope) -> CheckResult {
    let subjects = [a.clone(), b.clone()];
    let outcome = find(&subjects, scope, &mut |r| {
        allows(a, &decide(a, r)) != allows(b, &decide(b, r))
    });
    let pass = format!("{} and {} allow exactly the same requests.", a.name, b.name);
    let fail = format!("{} and {} decide one request differently.", a.name, b.name);
    answer("equivalent", outcome, &subjects, &pass, &fail)
}
