//! The fuzz target's contract as a proptest (no nightly here): parsing,
//! validating and evaluating any input never panics.

use keyhole::policy::strategies::*;
use keyhole::policy::validate::{validate, PolicyType};
use keyhole::policy::*;
use proptest::prelude::*;

const TYPES: [PolicyType; 9] = [
    PolicyType::Identity,
    PolicyType::KmsKey,
    PolicyType::BackupVault,
    PolicyType::RoleTrust,
    PolicyType::Scp,
    PolicyType::Rcp,
    PolicyType::Resource,
    PolicyType::TagPolicy,
    PolicyType::BackupPolicy,
];

fn exercise(text: &str) {
    for ty in TYPES {
        let _ = validate(text, ty);
    }
    if let Ok(p) = parse(text) {
        let p = std::sync::Arc::new(p);
        let np = |id: &str, s: PolicySource| NamedPolicy::shared(id, s, p.clone());
        let ids = IdentityLayers {
            identity: vec![np("i", PolicySource::User)],
            boundary: Some(np("b", PolicySource::UserManaged)),
            session: vec![np("s", PolicySource::Session)],
            scp_levels: Some(vec![vec![np("scp", PolicySource::ServiceControl)]]),
        };
        for kind in [
            ResourcePolicyKind::Generic,
            ResourcePolicyKind::KmsKeyPolicy,
            ResourcePolicyKind::BackupVault,
            ResourcePolicyKind::RoleTrust,
        ] {
            let res = ResourceLayers {
                kind,
                resource_policy: Some(np("r", PolicySource::Resource)),
                rcp_levels: Some(vec![vec![np("rcp", PolicySource::ResourceControl)]]),
            };
            for p in [
                Principal::user("111111111111", "alice"),
                Principal::assumed_role("222222222222", "Dev", "s"),
                Principal::service("backup.amazonaws.com"),
            ] {
                let req =
                    Request::builder(p, "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k")
                        .key("aws:SourceIp", "10.0.0.1")
                        .build();
                let d = evaluate(&Authorization {
                    request: &req,
                    principal_side: &ids,
                    resource_side: &res,
                    grants: &[],
                });
                let _ = d.access_denied_message();
                let _ = d.explain();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(s in any::<String>()) {
        exercise(&s);
    }

    #[test]
    fn json_like_text(s in r#"[{}\[\]":,a-zA-Z0-9*?$ \\/-]{0,200}"#) {
        exercise(&s);
    }

    #[test]
    fn mutated_policies(doc in policy_json(true), cut in any::<prop::sample::Index>(), insert in "[\"{}\\[\\],:*$]{0,3}") {
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let at = cut.index(text.len() + 1);
        let at = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        exercise(&format!("{}{}{}", &text[..at], insert, &text[at..]));
        exercise(&text[..at]);
    }

    #[test]
    fn weird_conditions(op in "(ForAllValues:|ForAnyValue:)?(String|Numeric|Date|Bool|Binary|Ip|Arn|Null)[A-Za-z]{0,12}", v in "[a-z0-9:/.*?${}' ,-]{0,20}") {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": ["*", v.clone()], "Condition": {op: {"aws:SourceIp": [v.clone()], "aws:username": v}}}]});
        exercise(&doc.to_string());
    }
}
