//! Decisions per second: the seeds' three-statement cross-account key policy
//! (with its Bool condition) and a 50-statement identity policy.
//! `cargo bench -p keyhole --bench policy -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use keyhole::policy::validate::{validate, PolicyType};
use keyhole::policy::*;

const SRC: &str = "111111111111";
const DST: &str = "222222222222";

fn key_policy() -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"cab-kms-key","Statement":[
{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{SRC}:root"}},"Action":"kms:*","Resource":"*"}},
{{"Sid":"Allow use of the key","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{SRC}:root","arn:aws:iam::{DST}:root"]}},"Action":["kms:DescribeKey","kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*"],"Resource":"*"}},
{{"Sid":"Allow attachment of persistent resources","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{SRC}:root","arn:aws:iam::{DST}:root"]}},"Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*","Condition":{{"Bool":{{"kms:GrantIsForAWSResource":"true"}}}}}}]}}"#
    )
}

fn fifty_statements() -> String {
    let services = [
        "s3", "ec2", "kms", "dynamodb", "sqs", "sns", "lambda", "iam", "backup", "logs",
    ];
    let st: Vec<String> = (0..50)
        .map(|i| {
            let svc = services[i % services.len()];
            format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Action":["{svc}:Get*","{svc}:List{i}*"],"Resource":"arn:aws:{svc}:us-east-1:{DST}:thing/{i}/*","Condition":{{"StringEquals":{{"aws:RequestedRegion":"us-east-1"}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        st.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let kms_key = format!("arn:aws:kms:us-east-1:{SRC}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let kp = validate(&key_policy(), PolicyType::KmsKey).unwrap();
    let idp = validate(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#, PolicyType::Identity).unwrap();
    let ids = IdentityLayers {
        identity: vec![NamedPolicy::new("KmsUse", PolicySource::UserManaged, idp)],
        ..Default::default()
    };
    let res = ResourceLayers {
        kind: ResourcePolicyKind::KmsKeyPolicy,
        resource_policy: Some(NamedPolicy::new("key-policy", PolicySource::Resource, kp)),
        rcp_levels: None,
    };
    let caller = Principal::user(DST, "copier");
    let grant_req = Request::builder(caller.clone(), "kms:CreateGrant", &kms_key)
        .key("kms:GrantIsForAWSResource", true)
        .build();
    let decrypt_req = Request::builder(caller, "kms:Decrypt", &kms_key).build();

    let mut g = c.benchmark_group("policy");
    g.throughput(Throughput::Elements(1));
    g.bench_function("seed_key_policy_cross_account_create_grant", |b| {
        let auth = Authorization {
            request: &grant_req,
            principal_side: &ids,
            resource_side: &res,
            grants: &[],
        };
        b.iter(|| black_box(evaluate(black_box(&auth))))
    });
    g.bench_function("seed_key_policy_cross_account_decrypt", |b| {
        let auth = Authorization {
            request: &decrypt_req,
            principal_side: &ids,
            resource_side: &res,
            grants: &[],
        };
        b.iter(|| black_box(evaluate(black_box(&auth))))
    });

    // Over the 6,144-character managed-policy quota: parse only.
    let big = parse(&fifty_statements()).unwrap();
    let ids50 = IdentityLayers {
        identity: vec![NamedPolicy::new("Fifty", PolicySource::UserManaged, big)],
        ..Default::default()
    };
    let none = ResourceLayers::default();
    let last = Request::builder(
        Principal::user(DST, "u"),
        "logs:GetLogEvents",
        &format!("arn:aws:logs:us-east-1:{DST}:thing/49/x"),
    )
    .key("aws:RequestedRegion", "us-east-1")
    .build();
    let miss = Request::builder(
        Principal::user(DST, "u"),
        "rds:DeleteDBInstance",
        "arn:aws:rds:us-east-1:222222222222:db:x",
    )
    .build();
    g.bench_function("fifty_statements_match_last", |b| {
        let auth = Authorization {
            request: &last,
            principal_side: &ids50,
            resource_side: &none,
            grants: &[],
        };
        b.iter(|| black_box(evaluate(black_box(&auth))))
    });
    g.bench_function("fifty_statements_no_match", |b| {
        let auth = Authorization {
            request: &miss,
            principal_side: &ids50,
            resource_side: &none,
            grants: &[],
        };
        b.iter(|| black_box(evaluate(black_box(&auth))))
    });
    g.bench_function("parse_and_validate_seed_key_policy", |b| {
        let text = key_policy();
        b.iter(|| black_box(validate(black_box(&text), PolicyType::KmsKey)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
