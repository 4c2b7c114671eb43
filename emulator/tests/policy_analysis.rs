//! The decision procedure against brute force: small generated policies over a tiny
//! alphabet, every request of a finite universe evaluated one by one, and the procedure's
//! answer compared with the exhaustive one (they must agree every time). Then a differential
//! run: random requests from outside the universe that break the rule must be found too.

use keyhole::policy::analysis::{
    allows, check_no_new_access, decide, find, scope_for, Outcome, Subject, Verdict,
};
use keyhole::policy::{parse, ContextValue, PolicyType, Principal, Request};
use proptest::prelude::*;
use serde_json::{json, Value};

mod analysis_universe;
use analysis_universe::*;

fn action_pattern() -> impl Strategy<Value = Value> {
    prop::sample::select(ACTIONS.to_vec()).prop_map(|s| json!(s))
}

fn resource_pattern() -> impl Strategy<Value = Value> {
    prop::sample::select(RESOURCES.to_vec()).prop_map(|s| json!(s))
}

fn condition() -> impl Strategy<Value = Value> {
    let text = prop::sample::select(TEXTS.to_vec());
    let op = prop::sample::select(STRING_OPS.to_vec());
    let num_op = prop::sample::select(NUMERIC_OPS.to_vec());
    prop_oneof![
        (op, prop::collection::vec(text, 1..3)).prop_map(|(op, vs)| json!({op: {"k:x": vs}})),
        (num_op, 0u8..4).prop_map(|(op, n)| json!({op: {"k:n": n.to_string()}})),
        prop::bool::ANY.prop_map(|b| json!({"Null": {"k:x": b.to_string()}})),
    ]
}

fn statement() -> impl Strategy<Value = Value> {
    (
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.15),
        prop::collection::vec(action_pattern(), 1..3),
        prop::bool::weighted(0.1),
        prop::collection::vec(resource_pattern(), 1..3),
        prop::option::weighted(0.5, condition()),
    )
        .prop_map(
            |(allow, not_action, actions, not_resource, resources, cond)| {
                let mut st = json!({"Effect": if allow { "Allow" } else { "Deny" }});
                st[if not_action { "NotAction" } else { "Action" }] = json!(actions);
                st[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(resources);
                if let Some(c) = cond {
                    st["Condition"] = c;
                }
                st
            },
        )
}

fn policy() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 1..4)
        .prop_map(|sts| json!({"Version": "2012-10-17", "Statement": sts}).to_string())
}

fn subject(name: &str, text: &str) -> Subject {
    Subject::new(
        name,
        PolicyType::Identity,
        parse(text).expect("generated policies parse"),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// "Does the policy allow anything?" and "does B allow anything A does not?": the
    /// procedure and exhaustive evaluation over the universe agree, every case.
    #[test]
    fn agrees_with_brute_force(a in policy(), b in policy()) {
        let texts = [a.as_str(), b.as_str()];
        let (a, b) = (subject("a", &a), subject("b", &b));
        let scope = scope_for(PolicyType::Identity, OWNER, None);
        let brute = universe_for(&texts)
            .find(|r| allows(&b, &decide(&b, r)) && !allows(&a, &decide(&a, r)));
        let result = check_no_new_access(&a, &b, &scope);
        prop_assert_ne!(result.verdict, Verdict::Undecidable, "{}", result.message);
        prop_assert_eq!(
            result.verdict == Verdict::Fail,
            brute.is_some(),
            "procedure {:?} (witness {:?}), brute force {:?}",
            result.verdict,
            result.witness.as_ref().map(|w| (&w.request.action, &w.request.resource, &w.request.context)),
            brute.map(|r| (&r.action, &r.resource, &r.context)),
        );
        if let Some(w) = &result.witness {
            // The witness is a real counterexample: the evaluator says so.
            prop_assert!(allows(&b, &decide(&b, &w.request)));
            prop_assert!(!allows(&a, &decide(&a, &w.request)));
        }
    }

    /// Random requests beyond the universe: whenever one allows, the procedure finds one.
    #[test]
    fn finds_what_random_requests_find(
        p in policy(),
        action in "[st]:[abz]{1,5}",
        tail in "[abz/]{0,6}",
        account in prop::sample::select(vec![OWNER, OTHER, "333333333333"]),
        x in prop::option::of("[abzA]{0,4}"),
        n in prop::option::of(-2.0f64..6.0),
    ) {
        let s = subject("p", &p);
        let resource = format!("arn:aws:s:r:{account}:x/{tail}");
        let mut b = Request::builder(Principal::user(OWNER, "keyhole-user"), &action, &resource)
            .resource_account(account);
        if let Some(x) = &x {
            b = b.key("k:x", x.as_str());
        }
        if let Some(n) = n {
            b = b.key("k:n", ContextValue::Number(n));
        }
        let request = b.build();
        let scope = scope_for(PolicyType::Identity, OWNER, None);
        let outcome = find(std::slice::from_ref(&s), &scope, &mut |r| allows(&s, &decide(&s, r)));
        if allows(&s, &decide(&s, &request)) {
            prop_assert!(matches!(outcome, Outcome::Found { .. }), "missed {:?} for {}", request, p);
        }
    }
}

mod resource_policies {
    //! The same agreement for key policies, where the principal is what varies: Principal
    //! and NotPrincipal entries, `aws:PrincipalArn` patterns, account and organization keys.
    use super::*;
    use keyhole::policy::analysis::check_no_public_access;

    const KEY: &str = "arn:aws:kms:us-east-1:111111111111:key/k";

    fn principal_entry() -> impl Strategy<Value = Value> {
        prop::sample::select(vec![
            json!("*"),
            json!({"AWS": OWNER}),
            json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}),
            json!({"AWS": format!("arn:aws:iam::{OTHER}:role/r")}),
            json!({"AWS": format!("arn:aws:iam::{OWNER}:user/admin-x")}),
            json!({"Service": "backup.amazonaws.com"}),
        ])
    }

    fn condition() -> impl Strategy<Value = Value> {
        prop::sample::select(vec![
            json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}),
            json!({"ArnNotLike": {"aws:PrincipalArn": format!("arn:aws:iam::{OTHER}:*")}}),
            json!({"StringEquals": {"aws:PrincipalAccount": OTHER}}),
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-a"}}),
            json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-a"}}),
            json!({"StringLike": {"aws:username": "admin-*"}}),
            json!({"Bool": {"aws:PrincipalIsAWSService": "true"}}),
        ])
    }

    fn statement() -> impl Strategy<Value = Value> {
        (
            prop::bool::weighted(0.75),
            prop::bool::weighted(0.15),
            principal_entry(),
            prop::sample::subsequence(
                vec!["kms:Decrypt", "kms:Encrypt", "kms:Put*", "kms:*"],
                1..3,
            ),
            prop::option::weighted(0.5, condition()),
        )
            .prop_map(|(allow, not_principal, principal, actions, cond)| {
                let mut st = json!({
                    "Effect": if allow { "Allow" } else { "Deny" },
                    "Action": actions,
                    "Resource": "*",
                });
                let negate = not_principal && !allow && principal != json!("*");
                st[if negate { "NotPrincipal" } else { "Principal" }] = principal;
                if let Some(c) = cond {
                    st["Condition"] = c;
                }
                st
            })
    }

    fn policy() -> impl Strategy<Value = String> {
        prop::collection::vec(statement(), 1..4)
            .prop_map(|sts| json!({"Version": "2012-10-17", "Statement": sts}).to_string())
    }

    fn key_policy(name: &str, text: &str) -> Subject {
        Subject::new(
            name,
            PolicyType::KmsKey,
            parse(text).expect("generated policies parse"),
        )
    }

    /// Every principal kind, in named and unnamed accounts, with names around the patterns.
    fn universe() -> Vec<Request> {
        let mut principals = vec![
            Principal::service("backup.amazonaws.com"),
            Principal::service("other.amazonaws.com"),
        ];
        for account in [OWNER, OTHER, "333333333333"] {
            principals.push(Principal::root(account));
            for name in ["admin-x", "admin-", "z"] {
                principals.push(Principal::user(account, name));
            }
            for role in ["r", "admin-x", "z"] {
                principals.push(Principal::assumed_role(account, role, "s"));
            }
        }
        let mut out = Vec::new();
        for p in &principals {
            // Named actions, a cross-account one no pattern names (kms:Sign), one that
            // never works across accounts (kms:CreateKey), and a Put* one.
            for action in [
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:PutKeyPolicy",
                "kms:CreateKey",
                "kms:Sign",
            ] {
                for org in [None, Some("o-a"), Some("o-z")] {
                    let mut b = Request::builder(p.clone(), action, KEY).resource_account(OWNER);
                    if let Some(org) = org {
                        b = b.key("aws:PrincipalOrgID", org);
                    }
                    out.push(b.build());
                }
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn agrees_with_brute_force(a in policy(), b in policy()) {
            let (a, b) = (key_policy("a", &a), key_policy("b", &b));
            let scope = scope_for(PolicyType::KmsKey, OWNER, Some(KEY));
            let universe = universe();
            let brute = universe
                .iter()
                .find(|r| allows(&b, &decide(&b, r)) && !allows(&a, &decide(&a, r)));
            let result = check_no_new_access(&a, &b, &scope);
            prop_assert_ne!(result.verdict, Verdict::Undecidable, "{}", result.message);
            prop_assert_eq!(
                result.verdict == Verdict::Fail,
                brute.is_some(),
                "procedure {:?} witness {:?}; brute force {:?}",
                result.verdict,
                result.witness.as_ref().map(|w| (&w.request.principal.arn, &w.request.action, &w.request.context)),
                brute.map(|r| (&r.principal.arn, &r.action)),
            );
        }

        /// Public access is a stranger (an account no policy names, no organization it
        /// names) being allowed: brute force over the unnamed account 333333333333.
        #[test]
        fn public_access_agrees_with_brute_force(p in policy()) {
            let s = key_policy("p", &p);
            let scope = scope_for(PolicyType::KmsKey, OWNER, Some(KEY));
            let strangers = universe().into_iter().filter(|r| {
                r.principal.account.as_deref() == Some("333333333333")
                    && r.context.get("aws:principalorgid").is_none_or(|e| e.values[0].text() == "o-z")
            });
            let brute = strangers.into_iter().any(|r| allows(&s, &decide(&s, &r)));
            let result = check_no_public_access(&s, &scope);
            prop_assert_eq!(result.verdict == Verdict::Fail, brute, "{} for {}", result.message, p);
        }
    }
}
