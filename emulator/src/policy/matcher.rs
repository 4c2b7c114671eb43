//! Principal matching: how a policy's Principal or NotPrincipal names the caller (globs and
//! ARN patterns in `glob.rs`).

pub use super::glob::{ArnPattern, Glob};
use super::model::{PrincipalBlock, PrincipalEntry, PrincipalEntryKind, PrincipalPattern};
use super::principal::{Principal, PrincipalType};

/// How a resource-based policy's Principal names the caller; the order is
/// strength, because a direct naming skips identity policies in one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    No,
    /// The caller's account (ID or `:root`).
    Account,
    /// The role whose session is calling.
    Role,
    /// The caller itself, `*`, or a service/federated/canonical principal.
    Direct,
}

pub fn match_entry(entry: &PrincipalEntry, p: &Principal) -> PrincipalMatch {
    let hit = |b: bool, m: PrincipalMatch| if b { m } else { PrincipalMatch::No };
    match (&entry.kind, &entry.pattern) {
        (PrincipalEntryKind::Star, _) | (_, PrincipalPattern::Any) => PrincipalMatch::Direct,
        (PrincipalEntryKind::Aws, PrincipalPattern::Account(id)) => hit(
            p.account.as_deref() == Some(id.as_str())
                && !matches!(p.kind, PrincipalType::Service | PrincipalType::Anonymous),
            PrincipalMatch::Account,
        ),
        (PrincipalEntryKind::Aws, PrincipalPattern::Arn(arn)) => {
            if p.arn == *arn && p.kind != PrincipalType::Service {
                PrincipalMatch::Direct
            } else {
                hit(
                    p.role_arn.as_deref() == Some(arn.as_str()),
                    PrincipalMatch::Role,
                )
            }
        }
        (PrincipalEntryKind::Service, PrincipalPattern::Name(n)) => hit(
            p.kind == PrincipalType::Service
                && p.service
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(n)),
            PrincipalMatch::Direct,
        ),
        (PrincipalEntryKind::Federated, PrincipalPattern::Name(n)) => hit(
            p.federated_provider.as_deref() == Some(n.as_str()),
            PrincipalMatch::Direct,
        ),
        (PrincipalEntryKind::CanonicalUser, PrincipalPattern::Name(n)) => hit(
            p.canonical_user.as_deref() == Some(n.as_str()),
            PrincipalMatch::Direct,
        ),
        _ => PrincipalMatch::No,
    }
}

/// Principal matches the strongest entry; NotPrincipal matches (directly)
/// exactly when no entry does.
pub fn match_block(block: &PrincipalBlock, p: &Principal) -> PrincipalMatch {
    let best = block
        .entries
        .iter()
        .map(|e| match_entry(e, p))
        .max()
        .unwrap_or(PrincipalMatch::No);
    if block.negated {
        if best == PrincipalMatch::No {
            PrincipalMatch::Direct
        } else {
            PrincipalMatch::No
        }
    } else {
        best
    }
}

/// Whether a `"Effect": "Deny"` statement's NotPrincipal spares the caller (IAM UG
/// `reference_policies_elements_notprincipal`, "Specifying NotPrincipal with Deny"): AWS may
/// check the account first, then the role, then the assumed-role session, so the list must
/// name the caller's account (ID or `:root`) and the caller itself: the user's (or federated
/// user's) ARN, or for a role session its session ARN or its role's ARN ("include both the
/// ARN for a role and the ARN for the account containing that role"). Listing the account
/// alone spares only its root user. Principals without an account (services, identity
/// providers, canonical users) are spared by naming them. A permissions boundary is the
/// caller's business: see `evaluate`.
pub fn not_principal_spares(block: &PrincipalBlock, p: &Principal) -> bool {
    let entries = &block.entries;
    if entries
        .iter()
        .any(|e| e.kind == PrincipalEntryKind::Star || e.pattern == PrincipalPattern::Any)
    {
        return true;
    }
    let arn_listed = |arn: &str| {
        entries.iter().any(|e| {
            e.kind == PrincipalEntryKind::Aws
                && matches!(&e.pattern, PrincipalPattern::Arn(a) if a == arn)
        })
    };
    let account_listed = || {
        p.account.as_deref().is_some_and(|id| {
            entries.iter().any(|e| {
                e.kind == PrincipalEntryKind::Aws
                    && matches!(&e.pattern, PrincipalPattern::Account(a) if a == id)
            })
        })
    };
    let role_listed = || p.role_arn.as_deref().is_some_and(arn_listed);
    match p.kind {
        PrincipalType::Root => account_listed(),
        PrincipalType::User | PrincipalType::FederatedUser => {
            account_listed() && arn_listed(&p.arn)
        }
        PrincipalType::Role => account_listed() && role_listed(),
        PrincipalType::AssumedRole => account_listed() && (arn_listed(&p.arn) || role_listed()),
        PrincipalType::Service | PrincipalType::WebIdentity | PrincipalType::Anonymous => entries
            .iter()
            .any(|e| match_entry(e, p) == PrincipalMatch::Direct),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = Glob::new("kms:re*crypt?");
        assert!(g.matches("kms:reencrypt1"));
        assert!(!g.matches("kms:reencrypt"));
        assert!(Glob::new("a*b*c").matches("aXbYbZc"));
        assert!(!Glob::new("a*b*c").matches("aXbYbZ"));
        assert!(Glob::new("?é").matches("xé"));
        assert!(Glob::new("").matches(""));
        assert!(!Glob::new("").matches("a"));
        let lit = Glob::from_marked([('a', false), ('*', true)]);
        assert!(lit.matches("a*"));
        assert!(!lit.matches("ab"));
    }

    /// IAM UG `reference_policies_elements_notprincipal`: account plus user; account plus
    /// session or role; the account alone spares only its root.
    #[test]
    fn not_principal_with_deny_needs_the_account_and_the_caller() {
        let block = |entries: &[&str]| {
            let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": entries}, "Action": "*", "Resource": "*"}]});
            super::super::parse(&doc.to_string()).unwrap().statements[0]
                .principal
                .clone()
                .unwrap()
        };
        let user = Principal::user("111111111111", "alice");
        let session = Principal::assumed_role("111111111111", "Dev", "s1");
        let root = Principal::root("111111111111");
        let (acct, user_arn, role_arn, session_arn) = (
            "arn:aws:iam::111111111111:root",
            "arn:aws:iam::111111111111:user/alice",
            "arn:aws:iam::111111111111:role/Dev",
            "arn:aws:sts::111111111111:assumed-role/Dev/s1",
        );
        assert!(not_principal_spares(&block(&[user_arn, acct]), &user));
        assert!(not_principal_spares(
            &block(&[user_arn, "111111111111"]),
            &user
        ));
        assert!(!not_principal_spares(&block(&[user_arn]), &user));
        assert!(!not_principal_spares(&block(&[acct]), &user));
        assert!(not_principal_spares(&block(&[acct]), &root));
        assert!(not_principal_spares(&block(&[role_arn, acct]), &session));
        assert!(not_principal_spares(&block(&[session_arn, acct]), &session));
        assert!(!not_principal_spares(&block(&[role_arn]), &session));
        assert!(!not_principal_spares(&block(&[session_arn]), &session));
        assert!(!not_principal_spares(&block(&[acct]), &session));
        assert!(!not_principal_spares(&block(&[user_arn, acct]), &session));
    }

    #[test]
    fn arn_segments() {
        let p = ArnPattern::new("arn:aws:kms:*:111122223333:key/*");
        assert!(p.matches("arn:aws:kms:us-east-1:111122223333:key/abc"));
        assert!(!p.matches("arn:aws:kms:us-east-1:444455556666:key/abc"));
        // A `*` in one segment never spans a colon into the next.
        let q = ArnPattern::new("arn:aws:s3:*:*:x");
        assert!(!q.matches("arn:aws:s3:a:b:c:x"));
        let r = ArnPattern::new("arn:aws:logs:*:*:log-group:*");
        assert!(r.matches("arn:aws:logs:r:1:log-group:a:b/c"));
        assert!(ArnPattern::new("*").matches("anything"));
        assert!(!p.matches("not-an-arn"));
    }
}
