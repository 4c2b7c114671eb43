//! Policy documents at, and one past, every documented size limit, each call answered as AWS
//! answers it. Sources:
//! - KMS key policy, 32 KiB (32,768 bytes): the KMS model's PutKeyPolicy/CreateKey `Policy`
//!   documentation ("If the key policy exceeds the length constraint, KMS returns a
//!   LimitExceededException") and the KMS API reference ("The policy size limit is 32 KiB").
//! - SCP, 5,120 characters: Organizations quotas; ConstraintViolationException with Reason
//!   POLICY_CONTENT_LIMIT_EXCEEDED ("larger than the maximum size", the model's Reason list).
//! - IAM inline policies per entity (role 10,240, user 2,048, group 5,120) and managed
//!   policies (6,144) count characters without whitespace (IAM quotas page); LimitExceeded,
//!   HTTP 409 as IAM's model declares it.
//! - Backup vault access policy: neither the Backup quotas page nor the model (`IAMPolicy`
//!   has no max) documents a limit, so a large policy is accepted.

use keyhole::instance::Instance;
use keyhole::pipeline::ConnectionInfo;
use keyhole::protocol::{HttpResponse, ServiceId};
use serde_json::{json, Map, Value};

use crate::requests::request;
use crate::wire::{check, Case, Expect, Shape};

fn call(instance: &Instance, service: ServiceId, op: &str, input: Value) -> HttpResponse {
    let Value::Object(input) = input else {
        panic!("an input is an object");
    };
    let req = request(service, op, &input).expect("a request");
    keyhole::server::handle(instance, &req, ConnectionInfo::default())
}

fn ok(instance: &Instance, service: ServiceId, op: &str, input: Value) -> Value {
    let answer = call(instance, service, op, input);
    let body = String::from_utf8_lossy(&answer.body).into_owned();
    assert!(answer.status < 300, "{op}: {} {body}", answer.status);
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// `answer` is `expect`, in the service's error shape.
fn refused(name: &str, service: ServiceId, answer: &HttpResponse, expect: Expect) {
    let case = Case {
        name: name.to_owned(),
        service: Some(service),
        shape: Shape::Api(service.protocol()),
        request: crate::wire::admin(http::Method::GET, "/", ""),
        expect,
    };
    if let Err(e) = check(&case, answer) {
        panic!("{e}");
    }
}

/// `template` with its `PAD` Sid grown until `size(document) == target`.
fn sized(template: &str, target: usize, size: impl Fn(&str) -> usize) -> String {
    let base = size(&template.replace("PAD", ""));
    assert!(base < target, "the template alone is {base}");
    let document = template.replace("PAD", &"S".repeat(target - base));
    assert_eq!(size(&document), target);
    document
}

fn bytes(text: &str) -> usize {
    text.len()
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

fn without_whitespace(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

const KMS_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "PAD", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"}]}"#;

#[test]
fn kms_key_policies_at_and_past_32_kib() {
    let instance = Instance::new(keyhole::Settings::default());
    let kms = ServiceId::Kms;
    let at_limit = sized(KMS_POLICY, 32_768, bytes);
    let past = sized(KMS_POLICY, 32_769, bytes);
    let too_large = || {
        Expect::new(
            400,
            "LimitExceededException",
            "Policy exceeds the maximum allowed size of 32768 bytes.",
        )
    };
    let key = ok(&instance, kms, "CreateKey", json!({"Policy": at_limit}));
    let key_id = key["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("a key id")
        .to_owned();
    let answer = call(&instance, kms, "CreateKey", json!({"Policy": past}));
    refused("CreateKey 32,769 bytes", kms, &answer, too_large());
    ok(
        &instance,
        kms,
        "PutKeyPolicy",
        json!({"KeyId": key_id, "Policy": at_limit}),
    );
    let answer = call(
        &instance,
        kms,
        "PutKeyPolicy",
        json!({"KeyId": key_id, "Policy": past}),
    );
    refused("PutKeyPolicy 32,769 bytes", kms, &answer, too_large());
    // The policy kept is the last one accepted.
    let kept = ok(
        &instance,
        kms,
        "GetKeyPolicy",
        json!({"KeyId": key_id, "PolicyName": "default"}),
    );
    assert_eq!(kept["Policy"].as_str().map(str::len), Some(32_768));
    // Whitespace counts: KMS limits bytes, not characters of policy grammar.
    let spaced = at_limit.replacen("{", "{ ", 1);
    let answer = call(
        &instance,
        kms,
        "PutKeyPolicy",
        json!({"KeyId": key_id, "Policy": spaced}),
    );
    refused(
        "PutKeyPolicy 32,768 bytes and a space",
        kms,
        &answer,
        too_large(),
    );
}

const SCP: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"PAD","Effect":"Allow","Action":"*","Resource":"*"}]}"#;

#[test]
fn service_control_policies_at_and_past_5120_characters() {
    let instance = Instance::new(keyhole::Settings::default());
    let orgs = ServiceId::Organizations;
    ok(
        &instance,
        orgs,
        "CreateOrganization",
        json!({"FeatureSet": "ALL"}),
    );
    let at_limit = sized(SCP, 5_120, chars);
    let past = sized(SCP, 5_121, chars);
    let too_large = || {
        Expect::new(
            400,
            "ConstraintViolationException",
            "You have exceeded the maximum policy size.",
        )
        .field("Reason", "POLICY_CONTENT_LIMIT_EXCEEDED")
    };
    let create = |name: &str, content: &str| json!({"Name": name, "Description": "d", "Type": "SERVICE_CONTROL_POLICY", "Content": content});
    let policy = ok(
        &instance,
        orgs,
        "CreatePolicy",
        create("at-limit", &at_limit),
    );
    let policy_id = policy["Policy"]["PolicySummary"]["Id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let answer = call(&instance, orgs, "CreatePolicy", create("past", &past));
    refused("CreatePolicy 5,121 characters", orgs, &answer, too_large());
    ok(
        &instance,
        orgs,
        "UpdatePolicy",
        json!({"PolicyId": policy_id, "Content": at_limit}),
    );
    let answer = call(
        &instance,
        orgs,
        "UpdatePolicy",
        json!({"PolicyId": policy_id, "Content": past}),
    );
    refused("UpdatePolicy 5,121 characters", orgs, &answer, too_large());
    // Characters, not bytes: 5,120 two-byte characters fit.
    let wide = SCP.replace("PAD", &"é".repeat(5_120 - chars(&SCP.replace("PAD", ""))));
    assert_eq!((chars(&wide), wide.len() > 5_120), (5_120, true));
    ok(
        &instance,
        orgs,
        "UpdatePolicy",
        json!({"PolicyId": policy_id, "Content": wide}),
    );
}

#[test]
fn backup_vault_policies_have_no_documented_limit() {
    let instance = Instance::new(keyhole::Settings::default());
    let backup = ServiceId::Backup;
    ok(
        &instance,
        backup,
        "CreateBackupVault",
        json!({"BackupVaultName": "big-policy"}),
    );
    let template = r#"{"Version":"2012-10-17","Statement":[{"Sid":"PAD","Effect":"Deny","Principal":{"AWS":"*"},"Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}"#;
    for size in [32_768, 32_769, 1_000_000] {
        let policy = sized(template, size, bytes);
        let input = json!({"BackupVaultName": "big-policy", "Policy": policy});
        let answer = call(&instance, backup, "PutBackupVaultAccessPolicy", input);
        assert_eq!(
            answer.status,
            200,
            "{size}: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }
    let kept = ok(
        &instance,
        backup,
        "GetBackupVaultAccessPolicy",
        json!({"BackupVaultName": "big-policy"}),
    );
    assert_eq!(kept["Policy"].as_str().map(str::len), Some(1_000_000));
}

/// An IAM policy with `pad` characters of Sid, pretty-printed: whitespace IAM does not count.
const IAM_POLICY: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"PAD\",\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"*\"\n    }\n  ]\n}";

fn iam_limit(message: &str) -> Expect {
    Expect::new(409, "LimitExceeded", message)
}

#[test]
fn iam_inline_and_managed_policies_at_and_past_their_quotas() {
    let instance = Instance::new(keyhole::Settings::default());
    let iam = ServiceId::Iam;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    ok(
        &instance,
        iam,
        "CreateRole",
        json!({"RoleName": "r", "AssumeRolePolicyDocument": trust}),
    );
    ok(&instance, iam, "CreateUser", json!({"UserName": "u"}));
    ok(&instance, iam, "CreateGroup", json!({"GroupName": "g"}));
    for (op, entity_member, name, entity, quota) in [
        ("PutRolePolicy", "RoleName", "r", "role", 10_240),
        ("PutUserPolicy", "UserName", "u", "user", 2_048),
        ("PutGroupPolicy", "GroupName", "g", "group", 5_120),
    ] {
        let at_limit = sized(IAM_POLICY, quota, without_whitespace);
        assert!(
            at_limit.len() > quota,
            "the document carries whitespace IAM does not count"
        );
        let mut input = Map::new();
        input.insert(entity_member.into(), json!(name));
        input.insert("PolicyName".into(), json!("p"));
        input.insert("PolicyDocument".into(), json!(at_limit));
        ok(&instance, iam, op, Value::Object(input.clone()));
        input.insert(
            "PolicyDocument".into(),
            json!(sized(IAM_POLICY, quota + 1, without_whitespace)),
        );
        let answer = call(&instance, iam, op, Value::Object(input));
        let message = format!("Maximum policy size of {quota} bytes exceeded for {entity} {name}");
        refused(
            &format!("{op} {} characters", quota + 1),
            iam,
            &answer,
            iam_limit(&message),
        );
    }
    let at_limit = sized(IAM_POLICY, 6_144, without_whitespace);
    ok(
        &instance,
        iam,
        "CreatePolicy",
        json!({"PolicyName": "at-limit", "PolicyDocument": at_limit}),
    );
    let past = sized(IAM_POLICY, 6_145, without_whitespace);
    let answer = call(
        &instance,
        iam,
        "CreatePolicy",
        json!({"PolicyName": "past", "PolicyDocument": past}),
    );
    refused(
        "CreatePolicy 6,145 characters",
        iam,
        &answer,
        iam_limit("Cannot exceed quota for PolicySize: 6144"),
    );
    let arn = "arn:aws:iam::111111111111:policy/at-limit";
    let answer = call(
        &instance,
        iam,
        "CreatePolicyVersion",
        json!({"PolicyArn": arn, "PolicyDocument": past}),
    );
    refused(
        "CreatePolicyVersion 6,145 characters",
        iam,
        &answer,
        iam_limit("Cannot exceed quota for PolicySize: 6144"),
    );
}
