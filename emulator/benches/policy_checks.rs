//! The exact checks on 20-statement policies (issue 18: each under 50 ms), beside the cost
//! of one decision on the same policy in the same run, and the number of request classes
//! each check evaluates.
//! `cargo bench -p keyhole --bench policy_checks -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use keyhole::policy::analysis::{
    check_access_not_granted, check_no_external_access, check_no_new_access,
    check_no_public_access, decide, scope_for, Subject, Zone,
};
use keyhole::policy::{validate, PolicyType, Principal, Request};

const OWNER: &str = "111122223333";

/// Twenty statements over ten services, with resource patterns and conditions on region,
/// organization and tags, the shape of a real developer role.
fn identity(statements: usize) -> String {
    let services = [
        "s3",
        "ec2",
        "kms",
        "dynamodb",
        "sqs",
        "sns",
        "lambda",
        "secretsmanager",
        "backup",
        "logs",
    ];
    let st: Vec<String> = (0..statements)
        .map(|i| {
            let svc = services[i % services.len()];
            let cond = match i % 4 {
                0 => r#","Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}"#.to_string(),
                1 => format!(r#","Condition":{{"StringLike":{{"aws:ResourceTag/team":"team-{i}*"}}}}"#),
                2 => r#","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}"#.to_string(),
                _ => String::new(),
            };
            let effect = if i % 7 == 6 { "Deny" } else { "Allow" };
            format!(
                r#"{{"Sid":"S{i}","Effect":"{effect}","Action":["{svc}:Get*","{svc}:List{i}*","{svc}:Describe*"],"Resource":"arn:aws:{svc}:*:{OWNER}:thing/{i}/*"{cond}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        st.join(",")
    )
}

/// Twenty statements: admins, per-account users of the key, service principals, and
/// organization-wide use with conditions.
fn key_policy() -> String {
    let mut st = vec![format!(
        r#"{{"Sid":"Admins","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{OWNER}:root"}},"Action":"kms:*","Resource":"*"}}"#
    )];
    for i in 0..16 {
        st.push(format!(
            r#"{{"Sid":"Use{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{:012}:role/app-{i}"}},"Action":["kms:Decrypt","kms:Encrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{{"StringEquals":{{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}}}}"#,
            200000000000u64 + i
        ));
    }
    st.push(r#"{"Sid":"Org","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#.to_string());
    st.push(r#"{"Sid":"Backup","Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":["kms:CreateGrant","kms:DescribeKey"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}"#.to_string());
    st.push(r#"{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"kms:ScheduleKeyDeletion","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/KeyAdmin"}}}"#.to_string());
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        st.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let id = Subject::new(
        "id",
        PolicyType::Identity,
        validate(&identity(20), PolicyType::Identity).unwrap(),
    );
    // Statement 20 is a Deny (every seventh is); statement 21 allows ec2:List21* anew.
    let id_more = Subject::new(
        "id2",
        PolicyType::Identity,
        validate(&identity(22), PolicyType::Identity).unwrap(),
    );
    let key = Subject::new(
        "key",
        PolicyType::KmsKey,
        validate(&key_policy(), PolicyType::KmsKey).unwrap(),
    );
    let id_scope = scope_for(PolicyType::Identity, OWNER, None);
    let key_scope = scope_for(PolicyType::KmsKey, OWNER, None);
    let org = Zone::Organization {
        id: "o-abc123".into(),
        accounts: vec![],
    };
    let actions: Vec<String> = [
        "iam:CreateUser",
        "kms:ScheduleKeyDeletion",
        "s3:DeleteBucket",
    ]
    .map(String::from)
    .to_vec();

    // The number of classes each check evaluates, for BENCHMARKS.md.
    let report = [
        (
            "check-no-new-access, identity, 20 vs 20 (PASS)",
            check_no_new_access(&id, &id, &id_scope),
        ),
        (
            "check-no-new-access, identity, 20 vs 22 (FAIL)",
            check_no_new_access(&id, &id_more, &id_scope),
        ),
        (
            "check-access-not-granted, identity, 3 actions",
            check_access_not_granted(&id, &actions, &[], &id_scope),
        ),
        (
            "check-no-public-access, key policy",
            check_no_public_access(&key, &key_scope),
        ),
        (
            "check-no-external-access --zone organization, key policy",
            check_no_external_access(&key, &org, &key_scope),
        ),
    ];
    for (name, r) in &report {
        eprintln!("{name}: {} after {} classes", r.verdict.as_str(), r.classes);
    }

    let mut g = c.benchmark_group("policy_checks");
    let request = Request::builder(
        Principal::user(OWNER, "dev"),
        "s3:GetObject",
        &format!("arn:aws:s3:*:{OWNER}:thing/19/x"),
    )
    .key("aws:RequestedRegion", "us-east-1")
    .build();
    g.bench_function(
        "baseline: one decision on the 20-statement identity policy",
        |b| b.iter(|| decide(black_box(&id), black_box(&request))),
    );
    g.bench_function(
        "check-no-new-access identity 20 vs 20 (PASS, exhaustive)",
        |b| b.iter(|| check_no_new_access(black_box(&id), black_box(&id), &id_scope)),
    );
    g.bench_function("check-no-new-access identity 20 vs 22 (FAIL)", |b| {
        b.iter(|| check_no_new_access(black_box(&id), black_box(&id_more), &id_scope))
    });
    g.bench_function("check-access-not-granted identity 20, 3 actions", |b| {
        b.iter(|| check_access_not_granted(black_box(&id), &actions, &[], &id_scope))
    });
    g.bench_function("check-no-public-access key policy 20", |b| {
        b.iter(|| check_no_public_access(black_box(&key), &key_scope))
    });
    g.bench_function("check-no-external-access org, key policy 20", |b| {
        b.iter(|| check_no_external_access(black_box(&key), &org, &key_scope))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
