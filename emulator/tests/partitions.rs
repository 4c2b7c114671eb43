//! ARNs carry the partition of the region they are built in (botocore's partitions:
//! aws-cn for cn-*, aws-us-gov for us-gov-*, ...), and keyhole reads ARNs of any partition.

use http::Method;
use keyhole::pipeline::Shared;
use keyhole::Settings;
use serde_json::{json, Value};

mod support;

const ACCOUNT: &str = "111111111111";

fn call(
    shared: &Shared,
    region: &str,
    service: &str,
    method: Method,
    path: &str,
    headers: &[(&'static str, &str)],
    body: &Value,
) -> (u16, Value) {
    let resp = support::in_process(
        shared,
        ACCOUNT,
        region,
        service,
        method,
        path,
        headers,
        body.to_string(),
    );
    let value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    (resp.status, value)
}

fn kms(shared: &Shared, region: &str, operation: &str, body: Value) -> Value {
    let target = format!("TrentService.{operation}");
    let (status, out) = call(
        shared,
        region,
        "kms",
        Method::POST,
        "/",
        &[
            ("x-amz-target", &target),
            ("content-type", "application/x-amz-json-1.1"),
        ],
        &body,
    );
    assert_eq!(status, 200, "{operation}: {out}");
    out
}

#[test]
fn a_kms_key_in_cn_north_1_has_an_aws_cn_arn_and_is_found_by_it() {
    let shared = Shared::new(Settings::default());
    let region = "cn-north-1";
    let created = kms(&shared, region, "CreateKey", json!({}));
    let id = created["KeyMetadata"]["KeyId"].as_str().unwrap();
    let arn = format!("arn:aws-cn:kms:{region}:{ACCOUNT}:key/{id}");
    assert_eq!(created["KeyMetadata"]["Arn"], json!(arn));
    // Found by its own ARN; an alias ARN in the same partition.
    kms(&shared, region, "DescribeKey", json!({"KeyId": arn}));
    kms(
        &shared,
        region,
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": arn}),
    );
    let listed = kms(&shared, region, "ListAliases", json!({}));
    assert_eq!(
        listed["Aliases"][0]["AliasArn"],
        json!(format!("arn:aws-cn:kms:{region}:{ACCOUNT}:alias/app"))
    );
    let out = kms(
        &shared,
        region,
        "Encrypt",
        json!({"KeyId": format!("arn:aws-cn:kms:{region}:{ACCOUNT}:alias/app"), "Plaintext": "eA=="}),
    );
    assert_eq!(out["KeyId"], json!(arn));
    // A GovCloud key likewise.
    let gov = kms(&shared, "us-gov-west-1", "CreateKey", json!({}));
    let gov_id = gov["KeyMetadata"]["KeyId"].as_str().unwrap();
    assert_eq!(
        gov["KeyMetadata"]["Arn"],
        json!(format!(
            "arn:aws-us-gov:kms:us-gov-west-1:{ACCOUNT}:key/{gov_id}"
        ))
    );
}

#[test]
fn a_backup_vault_in_cn_northwest_1_has_an_aws_cn_arn() {
    let shared = Shared::new(Settings::default());
    let region = "cn-northwest-1";
    let (status, out) = call(
        &shared,
        region,
        "backup",
        Method::PUT,
        "/backup-vaults/vault",
        &[("content-type", "application/json")],
        &json!({}),
    );
    assert_eq!(status, 200, "{out}");
    let arn = format!("arn:aws-cn:backup:{region}:{ACCOUNT}:backup-vault:vault");
    assert_eq!(out["BackupVaultArn"], json!(arn));
    // The vault is found again by that ARN.
    let (status, policy) = call(
        &shared,
        region,
        "backup",
        Method::PUT,
        "/backup-vaults/vault/access-policy",
        &[("content-type", "application/json")],
        &json!({"Policy": json!({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":arn}]}).to_string()}),
    );
    assert_eq!(status, 200, "{policy}");
}
