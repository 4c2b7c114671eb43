//! Properties of evaluation.md §5, over generated scenarios
//! (`keyhole::policy::strategies`).

use keyhole::policy::condition;
use keyhole::policy::matcher::{match_block, ArnPattern, Glob, PrincipalMatch};
use keyhole::policy::strategies::*;
use keyhole::policy::validate::{kms_lockout_error, validate, PolicyType};
use keyhole::policy::*;
use proptest::prelude::*;
use serde_json::{json, Value};

fn decide(s: &Scenario) -> Decision {
    let req = s.request();
    let (i, r) = s.layers();
    evaluate(&Authorization {
        request: &req,
        principal_side: &i,
        resource_side: &r,
        grants: &[],
    })
}

fn full() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}
fn rcp_full() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})
}
fn deny_all(principal: bool) -> Value {
    let mut s = json!({"Effect": "Deny", "Action": "*", "Resource": "*"});
    if principal {
        s["Principal"] = json!("*");
    }
    json!({"Version": "2012-10-17", "Statement": [s]})
}

fn statements_mut(doc: &mut Value) -> &mut Vec<Value> {
    doc["Statement"].as_array_mut().unwrap()
}

/// Applies `f` to every document of every layer.
fn each_doc(s: &mut Scenario, f: &mut dyn FnMut(&mut Value)) {
    s.identity.iter_mut().for_each(&mut *f);
    s.session.iter_mut().for_each(&mut *f);
    s.boundary.iter_mut().for_each(&mut *f);
    s.resource_policy.iter_mut().for_each(&mut *f);
    for lv in s.scp_levels.iter_mut().chain(s.rcp_levels.iter_mut()) {
        lv.iter_mut().flatten().for_each(&mut *f);
    }
}

fn scp_applies(s: &Scenario) -> bool {
    !s.principal.service_linked_role && !s.principal.management_account
}

fn verdict(d: &Decision) -> (EvalDecision, Option<Layer>) {
    (d.decision, d.layer)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// §5.1: a matching Deny in any layer that applies → explicitDeny.
    #[test]
    fn deny_trumps_everything(mut s in scenario(), layer in 0..6usize) {
        let applies = match layer {
            0 => { s.identity.push(deny_all(false)); s.principal.kind != PrincipalType::Root }
            1 => { match &mut s.boundary { Some(b) => statements_mut(b).push(deny_all(false)["Statement"][0].clone()), None => s.boundary = Some(deny_all(false)) }; true }
            2 => { s.session.push(deny_all(false)); true }
            3 => { match &mut s.scp_levels { Some(l) => l[0].push(deny_all(false)), None => s.scp_levels = Some(vec![vec![deny_all(false)]]) }; scp_applies(&s) }
            4 => { match &mut s.rcp_levels { Some(l) => l[0].push(deny_all(true)), None => s.rcp_levels = Some(vec![vec![deny_all(true)]]) }; !s.principal.service_linked_role }
            _ => { match &mut s.resource_policy { Some(r) => statements_mut(r).push(deny_all(true)["Statement"][0].clone()), None => s.resource_policy = Some(deny_all(true)) }; true }
        };
        let d = decide(&s);
        if applies {
            prop_assert_eq!(d.decision, EvalDecision::ExplicitDeny, "{}", d.explain());
        }
    }

    /// §5.2 and §5.6: allowed ⇒ an Allow in every required layer; cross-account ⇒ both sides.
    #[test]
    fn allowed_only_if_every_layer_allows(s in scenario()) {
        let d = decide(&s);
        if d.is_allowed() {
            for (l, v) in &d.layer_decisions() {
                prop_assert_ne!(*v, EvalDecision::ExplicitDeny);
                if matches!(l, Layer::ServiceControlPolicy | Layer::ResourceControlPolicy) {
                    prop_assert_eq!(*v, EvalDecision::Allowed, "{}", d.explain());
                }
            }
            let allows = |layer: Layer| d.layer_decisions().iter().any(|(l, v)| *l == layer && *v == EvalDecision::Allowed);
            prop_assert!(allows(Layer::IdentityPolicy) || allows(Layer::ResourcePolicy) || s.principal.kind == PrincipalType::Root, "{}", d.explain());
            if d.cross_account {
                prop_assert!(allows(Layer::ResourcePolicy), "{}", d.explain());
                prop_assert!(allows(Layer::IdentityPolicy) || s.principal.kind == PrincipalType::Root, "{}", d.explain());
            }
        }
    }

    /// §5.3: order, duplicates and splitting policies don't matter.
    #[test]
    fn order_duplicates_and_splitting_are_irrelevant(s in scenario()) {
        order_and_duplicates_do_not_matter(&s)?;
    }

    /// §5.4: adding an Allow never turns allowed into denied; adding a Deny never turns denied into allowed.
    #[test]
    fn monotonic_within_a_layer(s in scenario(), extra in statement(false), rp_extra in statement(true)) {
        let mut allow = rp_extra;
        allow["Effect"] = json!("Allow");
        adding_an_allow_never_removes_access(&s, &allow)?;
        adding_a_deny_never_grants_access(&s, &extra)?;
    }

    /// §5.5: guardrails only subtract; `Allow *` in a guardrail ≡ absent; an empty SCP level denies.
    #[test]
    fn guardrails_only_subtract(s in scenario()) {
        a_guardrail_only_subtracts(&s)?;
        let mut without = s.clone();
        without.scp_levels = None;
        without.rcp_levels = None;
        without.boundary = None;
        if s.principal.kind != PrincipalType::FederatedUser { without.session.clear(); }

        let mut full_guard = without.clone();
        full_guard.scp_levels = Some(vec![vec![full()], vec![full()]]);
        full_guard.rcp_levels = Some(vec![vec![rcp_full()]]);
        full_guard.boundary = Some(full());
        if s.principal.kind != PrincipalType::FederatedUser { full_guard.session = vec![full()]; }
        prop_assert_eq!(verdict(&decide(&without)).0, verdict(&decide(&full_guard)).0);

        let mut empty_level = s.clone();
        empty_level.scp_levels = Some(vec![vec![full()], vec![]]);
        if scp_applies(&s) { prop_assert!(!decide(&empty_level).is_allowed()); }
    }

    /// §5.6: cross-account, dropping the resource policy denies whatever IAM says.
    #[test]
    fn cross_account_needs_the_resource_policy(s in scenario()) {
        cross_account_needs_both_sides(&s)?;
    }

    /// §5.7: KMS without naming the principal or its account, IAM is irrelevant;
    /// with root delegation, the result is the identity decision.
    #[test]
    fn kms_key_policy_rules(mut s in scenario()) {
        s.action = "kms:Decrypt".into();
        s.kind = ResourcePolicyKind::KmsKeyPolicy;
        let acct = s.principal.account.clone().unwrap_or_default();
        let other = ACCOUNTS.iter().find(|a| **a != acct).unwrap().to_string();
        s.resource_policy = Some(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{other}:root")}, "Action": "kms:*", "Resource": "*"}]}));
        s.resource = format!("arn:aws:kms:us-east-1:{other}:key/k");
        s.resource_account = other;
        let mut with_iam = s.clone();
        with_iam.identity.push(full());
        prop_assert!(!decide(&s).is_allowed());
        prop_assert!(!decide(&with_iam).is_allowed());

        let mut same = s.clone();
        same.resource_account = acct.clone();
        same.resource = format!("arn:aws:kms:us-east-1:{acct}:key/k");
        same.resource_policy = Some(json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{acct}:root")}, "Action": "kms:*", "Resource": "*"}]}));
        let mut plain = same.clone();
        plain.kind = ResourcePolicyKind::Generic;
        plain.resource_policy = None;
        prop_assert_eq!(decide(&same).decision, decide(&plain).decision);
    }

    /// §5.8: a key policy accepted without the bypass leaves the caller allowed kms:PutKeyPolicy.
    #[test]
    fn accepted_key_policy_never_locks_out(doc in policy_json(true), p in principal()) {
        let text = doc.to_string();
        if let Ok(policy) = validate(&text, PolicyType::KmsKey) {
            let acct = p.account.clone().unwrap_or_default();
            let req = Request::builder(p, "kms:PutKeyPolicy", &format!("arn:aws:kms:us-east-1:{acct}:key/k")).build();
            let ids = IdentityLayers { identity: vec![NamedPolicy::new("admin", PolicySource::UserManaged, parse(&full().to_string()).unwrap())], ..Default::default() };
            let res = ResourceLayers { kind: ResourcePolicyKind::KmsKeyPolicy, resource_policy: Some(NamedPolicy::new("key", PolicySource::Resource, policy)), rcp_levels: None };
            let d = evaluate(&Authorization { request: &req, principal_side: &ids, resource_side: &res, grants: &[] });
            if kms_lockout_error(d.is_allowed()).is_none() {
                prop_assert!(d.is_allowed());
            }
        }
    }

    /// §5.9: operator algebra.
    #[test]
    fn operator_algebra(
        family in 0..5usize,
        policy_vals in proptest::collection::vec(0..4u8, 1..3),
        req_vals in proptest::collection::vec(0..4u8, 0..3),
        present in any::<bool>(),
    ) {
        let (pos, neg, render): (&str, &str, fn(u8) -> String) = match family {
            0 => ("StringEquals", "StringNotEquals", |v| format!("v{v}")),
            1 => ("StringLike", "StringNotLike", |v| if v == 3 { "v*".into() } else { format!("v{v}") }),
            2 => ("NumericEquals", "NumericNotEquals", |v| v.to_string()),
            3 => ("IpAddress", "NotIpAddress", |v| format!("10.0.0.{v}")),
            _ => ("ArnLike", "ArnNotLike", |v| format!("arn:aws:s3:::b{v}")),
        };
        let pv: Vec<String> = policy_vals.iter().map(|v| render(*v)).collect();
        let rv: Vec<String> = req_vals.iter().map(|v| render(*v % 3)).collect();
        let mut ctx = Context::default();
        if present && !rv.is_empty() {
            ctx.set_multi("x:k", rv.iter().map(|v| ContextValue::String(v.clone())).collect());
        }
        let eval = |op: &str| {
            let p = parse(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {op: {"x:k": pv}}}]}).to_string()).unwrap();
            condition::evaluate(&p.statements[0].conditions[0], &ctx, &mut |_| {})
        };
        let has = present && !rv.is_empty();
        if has {
            prop_assert_eq!(eval(neg), !eval(pos));
        } else {
            prop_assert!(!eval(pos));
            prop_assert!(eval(neg));
            let if_exists = eval(&format!("{pos}IfExists"));
            let for_all = eval(&format!("ForAllValues:{pos}"));
            let for_any = eval(&format!("ForAnyValue:{pos}"));
            prop_assert!(if_exists);
            prop_assert!(for_all);
            prop_assert!(!for_any);
        }
        let null_true = parse(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Null": {"x:k": "true"}}}]}).to_string()).unwrap();
        prop_assert_eq!(condition::evaluate(&null_true.statements[0].conditions[0], &ctx, &mut |_| {}), !has);
        if family == 0 && has {
            let subset = rv.iter().all(|r| pv.contains(r));
            let meets = rv.iter().any(|r| pv.contains(r));
            prop_assert_eq!(eval("ForAllValues:StringEquals"), subset);
            prop_assert_eq!(eval("ForAnyValue:StringEquals"), meets);
        }
    }

    /// §5.10: action case and condition-key case change nothing.
    #[test]
    fn case_of_actions_and_keys_is_irrelevant(s in scenario(), upper in proptest::collection::vec(any::<bool>(), 40)) {
        let before = decide(&s);
        let mut t = s.clone();
        t.action = t.action.chars().zip(upper.iter().cycle()).map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect();
        each_doc(&mut t, &mut |d| {
            for st in statements_mut(d) {
                if let Some(Value::Object(ops)) = st.get_mut("Condition") {
                    for (_, keys) in ops.iter_mut() {
                        if let Value::Object(m) = keys {
                            *m = m.iter().map(|(k, v)| (k.to_uppercase(), v.clone())).collect();
                        }
                    }
                }
            }
        });
        prop_assert_eq!(verdict(&before), verdict(&decide(&t)));
    }

    /// §5.11: ${aws:username} ≡ the substituted literal; literal under 2008; missing key → no match.
    #[test]
    fn username_variable(name in "[a-z]{1,8}", other in "[a-z]{1,8}", session in any::<bool>()) {
        let p = if session { Principal::assumed_role("111111111111", "Dev", &name) } else { Principal::user("111111111111", &name) };
        let run = |pattern: &str, version: &str, resource: &str| {
            let doc = json!({"Version": version, "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern}]});
            let ids = IdentityLayers { identity: vec![NamedPolicy::new("p", PolicySource::User, parse(&doc.to_string()).unwrap())], ..Default::default() };
            let req = Request::builder(p.clone(), "s3:GetObject", resource).resource_account("111111111111").build();
            evaluate(&Authorization { request: &req, principal_side: &ids, resource_side: &ResourceLayers::default(), grants: &[] }).is_allowed()
        };
        for target in [&name, &other] {
            let res = format!("arn:aws:s3:::home/{target}/f");
            let var = run("arn:aws:s3:::home/${aws:username}/*", "2012-10-17", &res);
            if session {
                prop_assert!(!var);
            } else {
                prop_assert_eq!(var, run(&format!("arn:aws:s3:::home/{name}/*"), "2012-10-17", &res));
            }
            let literal = run("arn:aws:s3:::home/${aws:username}/*", "2008-10-17", &res);
            prop_assert!(!literal);
        }
    }

    /// §5.12: NotAction/NotResource/NotPrincipal are exact complements.
    #[test]
    fn not_elements_are_complements(actions in proptest::collection::vec(action_pattern(), 1..3), resources in proptest::collection::vec(resource_pattern(), 1..3),
                                     action in action(), acct in account(), pv in principal_value(), p in principal()) {
        let resource = resource_for(&action, &acct);
        // Each complement is taken with the other dimension at `*`.
        let run = |akey: &str, avals: Value, rkey: &str, rvals: Value| {
            let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", akey: avals, rkey: rvals}]});
            let ids = IdentityLayers { identity: vec![NamedPolicy::new("p", PolicySource::User, parse(&doc.to_string()).unwrap())], ..Default::default() };
            let req = Request::builder(Principal::user(&acct, "alice"), &action, &resource).resource_account(&acct).build();
            evaluate(&Authorization { request: &req, principal_side: &ids, resource_side: &ResourceLayers::default(), grants: &[] }).is_allowed()
        };
        prop_assert_eq!(run("Action", json!(actions), "Resource", json!("*")), !run("NotAction", json!(actions), "Resource", json!("*")));
        prop_assert_eq!(run("Action", json!("*"), "Resource", json!(resources)), !run("Action", json!("*"), "NotResource", json!(resources)));
        let block = |key: &str| {
            let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", key: pv, "Action": "*", "Resource": "*"}]});
            let pol = parse(&doc.to_string()).unwrap();
            match_block(pol.statements[0].principal.as_ref().unwrap(), &p) != PrincipalMatch::No
        };
        prop_assert_eq!(block("Principal"), !block("NotPrincipal"));
    }

    /// §5.13: globbing equals an anchored-regex model, including the per-segment ARN rule.
    #[test]
    fn glob_matches_regex_model(pat in "[ab*?:/]{0,12}", s in "[ab:/]{0,12}") {
        let to_re = |p: &str, star: &str, one: &str| p.chars().map(|c| match c { '*' => star.to_string(), '?' => one.to_string(), c => regex::escape(&c.to_string()) }).collect::<String>();
        let re = regex::Regex::new(&format!("^(?s){}$", to_re(&pat, ".*", "."))).unwrap();
        prop_assert_eq!(Glob::new(&pat).matches(&s), re.is_match(&s));
        let arn_pat = format!("arn:{pat}");
        let arn = format!("arn:{s}");
        let segs: Vec<&str> = arn_pat.splitn(6, ':').collect();
        let model = if segs.len() == 6 {
            let mut r = String::from("^(?s)");
            for (i, seg) in segs.iter().enumerate() {
                if i > 0 { r.push(':'); }
                r.push_str(&if i < 5 { to_re(seg, "[^:]*", "[^:]") } else { to_re(seg, ".*", ".") });
            }
            r.push('$');
            regex::Regex::new(&r).unwrap()
        } else {
            regex::Regex::new(&format!("^(?s){}$", to_re(&arn_pat, ".*", "."))).unwrap()
        };
        prop_assert_eq!(ArnPattern::new(&arn_pat).matches(&arn), model.is_match(&arn));
    }

    /// §5.14: the message matches the decision and names the first failing layer.
    #[test]
    fn messages_match_decisions(s in scenario()) {
        let d = decide(&s);
        let m = d.access_denied_message();
        match d.decision {
            EvalDecision::Allowed => prop_assert!(m.is_none()),
            EvalDecision::ExplicitDeny => {
                let m = m.unwrap();
                prop_assert!(m.contains(" with an explicit deny in "));
                let first = d.layer_decisions().iter().find(|(_, v)| *v == EvalDecision::ExplicitDeny).map(|(l, _)| *l);
                prop_assert_eq!(d.layer, first);
                prop_assert!(m.ends_with(d.layer.unwrap().phrase()));
            }
            EvalDecision::ImplicitDeny => {
                let m = m.unwrap();
                let tail = format!(" because no {} allows the {} action", d.layer.unwrap().phrase(), s.action);
                prop_assert!(m.contains(&tail));
            }
        }
    }

    /// §5.15: JSON shape variants (string vs one-element array, object vs one-element Statement array) are equivalent.
    #[test]
    fn json_shapes_are_equivalent(s in scenario()) {
        let before = decide(&s);
        let mut t = s.clone();
        each_doc(&mut t, &mut |d| {
            for st in statements_mut(d) {
                for k in ["Action", "NotAction", "Resource"] {
                    if let Some(Value::Array(a)) = st.get(k).cloned() {
                        if a.len() == 1 { st[k] = a[0].clone(); }
                    }
                }
            }
            if d["Statement"].as_array().unwrap().len() == 1 {
                d["Statement"] = d["Statement"][0].clone();
            }
        });
        prop_assert_eq!(verdict(&before), verdict(&decide(&t)));
    }
}

/// §5.10, the other half: resource and StringEquals value case can matter.
#[test]
fn resource_case_matters() {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::Bucket/*"}]});
    let ids = IdentityLayers {
        identity: vec![NamedPolicy::new(
            "p",
            PolicySource::User,
            parse(&doc.to_string()).unwrap(),
        )],
        ..Default::default()
    };
    let run = |res: &str| {
        let req =
            Request::builder(Principal::user("111111111111", "a"), "s3:GetObject", res).build();
        evaluate(&Authorization {
            request: &req,
            principal_side: &ids,
            resource_side: &ResourceLayers::default(),
            grants: &[],
        })
        .is_allowed()
    };
    assert!(run("arn:aws:s3:::Bucket/x"));
    assert!(!run("arn:aws:s3:::bucket/x"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whole generated worlds keep the evaluation's properties for every principal and
    /// every key or vault: guardrails read along the account's path only subtract, order
    /// does not matter, and across accounts both sides must allow.
    #[test]
    fn worlds_keep_the_properties(w in world(), extra in statement(false)) {
        for account in &w.accounts {
            let path = w.path(account);
            prop_assert_eq!(path.first(), Some(&Node::Root));
            prop_assert_eq!(path.last(), Some(&Node::Account(account.clone())));
            let principal = Principal::user(account, "alice");
            for resource in w.keys.iter().chain(&w.vaults) {
                let action = if resource.arn.contains(":kms:") { "kms:Decrypt" } else { "backup:CopyIntoBackupVault" };
                let s = w.scenario(&principal, action, resource);
                a_guardrail_only_subtracts(&s)?;
                order_and_duplicates_do_not_matter(&s)?;
                cross_account_needs_both_sides(&s)?;
                adding_a_deny_never_grants_access(&s, &extra)?;
            }
        }
    }
}
