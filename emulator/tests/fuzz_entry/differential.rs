//! The differential target: two small identity policies over the alphabet of
//! tests/policy_analysis.rs, drawn from the input's bytes; the decision procedure's answer
//! to "does B allow anything A does not?" against the evaluator run on every request of the
//! finite universe (the brute-force reference those tests use). They must agree, and a
//! witness must be a real counterexample for the evaluator.

use keyhole::policy::analysis::{allows, check_no_new_access, decide, scope_for, Subject, Verdict};
use keyhole::policy::{parse, PolicyType};
use serde_json::{json, Value};

#[path = "../analysis_universe/mod.rs"]
mod analysis_universe;
use analysis_universe::*;

use super::Choices;

fn condition(c: &mut Choices) -> Value {
    match c.range(0, 2) {
        0 => {
            let op = *c.pick(&STRING_OPS);
            let values: Vec<&str> = (0..c.range(1, 2)).map(|_| *c.pick(&TEXTS)).collect();
            json!({op: {"k:x": values}})
        }
        1 => {
            let op = *c.pick(&NUMERIC_OPS);
            json!({op: {"k:n": c.range(0, 3).to_string()}})
        }
        _ => json!({"Null": {"k:x": c.flag().to_string()}}),
    }
}

fn statement(c: &mut Choices) -> Value {
    let allow = c.byte() < 180;
    let mut st = json!({"Effect": if allow { "Allow" } else { "Deny" }});
    let actions: Vec<&str> = (0..c.range(1, 2)).map(|_| *c.pick(&ACTIONS)).collect();
    st[if c.byte() < 40 { "NotAction" } else { "Action" }] = json!(actions);
    let resources: Vec<&str> = (0..c.range(1, 2)).map(|_| *c.pick(&RESOURCES)).collect();
    st[if c.byte() < 26 {
        "NotResource"
    } else {
        "Resource"
    }] = json!(resources);
    if c.flag() {
        st["Condition"] = condition(c);
    }
    st
}

fn policy(c: &mut Choices) -> String {
    let statements: Vec<Value> = (0..c.range(1, 3)).map(|_| statement(c)).collect();
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

pub fn policy_differential(data: &[u8]) {
    let mut c = Choices::new(data);
    let (a_text, b_text) = (policy(&mut c), policy(&mut c));
    let subject = |name: &str, text: &str| {
        Subject::new(
            name,
            PolicyType::Identity,
            parse(text).expect("generated policies parse"),
        )
    };
    let (a, b) = (subject("a", &a_text), subject("b", &b_text));
    let scope = scope_for(PolicyType::Identity, OWNER, None);
    let result = check_no_new_access(&a, &b, &scope);
    assert_ne!(result.verdict, Verdict::Undecidable, "{}", result.message);
    let brute = universe_for(&[&a_text, &b_text])
        .find(|r| allows(&b, &decide(&b, r)) && !allows(&a, &decide(&a, r)));
    assert_eq!(
        result.verdict == Verdict::Fail,
        brute.is_some(),
        "A = {a_text}\nB = {b_text}\nprocedure {:?}, brute force {:?}",
        result.verdict,
        brute.map(|r| (&r.action, &r.resource, &r.context)),
    );
    if let Some(w) = &result.witness {
        assert!(
            allows(&b, &decide(&b, &w.request)),
            "witness {:?}",
            w.request
        );
        assert!(
            !allows(&a, &decide(&a, &w.request)),
            "witness {:?}",
            w.request
        );
    }
}
