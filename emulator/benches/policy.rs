//! Decisions per second: the seeds' three-statement cross-account key policy
//! (with its Bool condition) and a 50-statement identity policy; then cost against statement
//! count (indexed by action, beside the plain scan it replaced: the same policy with its
//! index emptied) and against condition count. `tools/bench_policy_plot.py` draws the last two.
//! `cargo bench -p keyhole --bench policy -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use keyhole::policy::action_index::ActionIndex;
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

/// `n` statements over ten services; the last one allows `logs:GetLogEvents` on thing/LAST
/// when it carries `conditions` StringEquals conditions (one key each), all satisfied.
fn statements(n: usize, conditions: usize) -> String {
    let services = [
        "s3", "ec2", "kms", "dynamodb", "sqs", "sns", "lambda", "iam", "backup", "logs",
    ];
    let st: Vec<String> = (0..n)
        .map(|i| {
            let last = i + 1 == n;
            let svc = if last { "logs" } else { services[i % services.len()] };
            let tag = if last { "LAST".to_string() } else { i.to_string() };
            let keys: Vec<String> = (0..if last { conditions } else { 1 })
                .map(|k| format!(r#""aws:PrincipalTag/t{k}":"v{k}""#))
                .collect();
            format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Action":["{svc}:Get*","{svc}:List{i}*"],"Resource":"arn:aws:{svc}:us-east-1:{DST}:thing/{tag}/*","Condition":{{"StringEquals":{{{}}}}}}}"#,
                keys.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        st.join(",")
    )
}

fn one_identity(policy: Policy) -> IdentityLayers {
    IdentityLayers {
        identity: vec![NamedPolicy::new("P", PolicySource::UserManaged, policy)],
        ..Default::default()
    }
}

fn scaling(c: &mut Criterion) {
    let request = |conditions: usize| {
        let mut b = Request::builder(
            Principal::user(DST, "u"),
            "logs:GetLogEvents",
            &format!("arn:aws:logs:us-east-1:{DST}:thing/LAST/x"),
        );
        for k in 0..conditions.max(1) {
            b = b.key(&format!("aws:PrincipalTag/t{k}"), format!("v{k}").as_str());
        }
        b.build()
    };
    let none = ResourceLayers::default();
    let mut g = c.benchmark_group("policy_statements");
    g.throughput(Throughput::Elements(1));
    let req = request(1);
    for n in [1, 5, 10, 20, 50, 100, 200] {
        let indexed = parse(&statements(n, 1)).unwrap();
        let mut scanned = indexed.clone();
        scanned.action_index = ActionIndex::default();
        for (name, policy) in [("indexed", indexed), ("scan", scanned)] {
            let ids = one_identity(policy);
            let auth = Authorization {
                request: &req,
                principal_side: &ids,
                resource_side: &none,
                grants: &[],
            };
            assert!(evaluate(&auth).is_allowed(), "{n} statements");
            g.bench_function(format!("{name}/{n}"), |b| {
                b.iter(|| black_box(evaluate(black_box(&auth))))
            });
        }
    }
    g.finish();
    let mut g = c.benchmark_group("policy_conditions");
    g.throughput(Throughput::Elements(1));
    for conditions in [1, 2, 5, 10, 20] {
        let req = request(conditions);
        let ids = one_identity(parse(&statements(50, conditions)).unwrap());
        let auth = Authorization {
            request: &req,
            principal_side: &ids,
            resource_side: &none,
            grants: &[],
        };
        assert!(evaluate(&auth).is_allowed(), "{conditions} conditions");
        g.bench_function(format!("50 statements/{conditions}"), |b| {
            b.iter(|| black_box(evaluate(black_box(&auth))))
        });
    }
    g.finish();
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

criterion_group!(benches, bench, scaling);
criterion_main!(benches);
