//! The CLI functions behind `keyhole policy validate` and `keyhole policy simulate`.

use keyhole::policy::cli::{simulate_line, simulate_text, validate_text};
use serde_json::{json, Value};

fn run_validate(ty: &str, text: &str) -> (i32, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = validate_text(ty, text, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap(),
    )
}

#[test]
fn validate_prints_aws_message_and_exits_1() {
    let (code, out) = run_validate(
        "identity",
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "MalformedPolicyDocument: Policy document must be version 2012-10-17 or greater.\n"
    );
    let (code, out) = run_validate(
        "kms-key",
        r#"{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "MalformedPolicyDocumentException: Policy contains a statement with no principal\n"
    );
    let (code, _) = run_validate(
        "backup-vault",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"backup:CopyIntoBackupVault","Resource":"*"}]}"#,
    );
    assert_eq!(code, 0);
    assert_eq!(run_validate("nope", "{}").0, 2);
}

fn seed_request(dest: bool) -> Value {
    let mut principals = vec!["arn:aws:iam::111111111111:root"];
    if dest {
        principals.push("arn:aws:iam::222222222222:root");
    }
    let kp = json!({"Version": "2012-10-17", "Id": "cab-kms-key", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": principals}, "Action": ["kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "Resource": "*"},
        {"Sid": "Allow attachment of persistent resources", "Effect": "Allow", "Principal": {"AWS": principals}, "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}]});
    json!({
        "PolicyInputList": [json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}).to_string()],
        "ResourcePolicy": serde_json::to_string_pretty(&kp).unwrap(),
        "CallerArn": "arn:aws:iam::222222222222:user/copier",
        "ActionNames": ["kms:Decrypt", "kms:CreateGrant"],
        "ResourceArns": ["arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
        "ContextEntries": [{"ContextKeyName": "kms:GrantIsForAWSResource", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"}]
    })
}

#[test]
fn simulate_answers_the_seed_cases() {
    let mut out = Vec::new();
    assert_eq!(
        simulate_text(
            "request.json",
            &seed_request(true).to_string(),
            false,
            &mut out
        ),
        0
    );
    let v: Value = serde_json::from_slice(&out).unwrap();
    let results = v["EvaluationResults"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r["EvalDecision"] == "allowed"));
    assert_eq!(
        results[0]["MatchedStatements"][0]["SourcePolicyId"],
        "ResourcePolicy"
    );
    assert_eq!(
        results[0]["MatchedStatements"][0]["SourcePolicyType"],
        "resource"
    );
    assert_eq!(
        results[0]["MatchedStatements"][0]["StartPosition"],
        json!({"Line": 14, "Column": 5})
    );

    let mut out = Vec::new();
    assert_eq!(
        simulate_line(
            "standard input",
            1,
            &seed_request(false).to_string(),
            false,
            &mut out
        ),
        0
    );
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 1);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["EvaluationResults"][0]["EvalDecision"], "implicitDeny");
    assert_eq!(
        v["EvaluationResults"][0]["AccessDeniedMessage"],
        "User: arn:aws:iam::222222222222:user/copier is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:Decrypt action"
    );
    assert_eq!(
        v["EvaluationResults"][0]["EvalDecisionDetails"],
        json!({"IAM Policy": "allowed", "Resource Policy": "implicitDeny"})
    );
}

#[test]
fn simulate_explain_names_the_statement() {
    let mut out = Vec::new();
    assert_eq!(
        simulate_text(
            "request.json",
            &seed_request(true).to_string(),
            true,
            &mut out
        ),
        0
    );
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Allow statement #1 Sid \"Allow use of the key\" at line 14 column 5 of resource-based policy \"ResourcePolicy\""), "{text}");
}

#[test]
fn simulate_reports_bad_input() {
    let mut out = Vec::new();
    assert_eq!(
        simulate_line(
            "standard input",
            1,
            r#"{"ActionNames":["s3:GetObject"],"PolicyInputList":["{"]}"#,
            false,
            &mut out
        ),
        1
    );
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        json!({"Error": {"Code": "MalformedPolicyDocument", "Message": "Syntax errors in policy."}})
    );
}

/// A misspelt field is an error naming the file, the line, the field and the accepted ones.
#[test]
fn simulate_refuses_unknown_fields() {
    let mut out = Vec::new();
    let request =
        "{\n  \"ActionNames\": [\"s3:GetObject\"],\n  \"OrganisationPolicyLevels\": []\n}\n";
    assert_eq!(simulate_text("request.json", request, false, &mut out), 1);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        json!({"Error": {"Code": "InvalidInput", "Message": "The request is not a SimulateCustomPolicy document: request.json, line 3, column 28: unknown field `OrganisationPolicyLevels`, expected one of `PolicyInputList`, `PermissionsBoundaryPolicyInputList`, `ResourcePolicy`, `ResourceOwner`, `CallerArn`, `ActionNames`, `ResourceArns`, `ContextEntries`, `OrganizationPolicyLevels`, `ResourceControlPolicyLevels`, `SessionPolicy`, `Grants`"}})
    );
    // Nested shapes too, with the line of the batch input.
    let mut out = Vec::new();
    let line = r#"{"ActionNames":["s3:GetObject"],"ContextEntries":[{"ContextKeyName":"aws:username","ContextKeyValue":["a"]}]}"#;
    assert_eq!(simulate_line("batch.jsonl", 4, line, false, &mut out), 1);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["Error"]["Message"],
        "The request is not a SimulateCustomPolicy document: batch.jsonl, line 4, column 100: unknown field `ContextKeyValue`, expected one of `ContextKeyName`, `ContextKeyValues`, `ContextKeyType`"
    );
    let mut out = Vec::new();
    let line = r#"{"Grants":[{"GrantId":"g","Constraints":{"EncryptionContextEqual":{}}}]}"#;
    assert_eq!(simulate_line("batch.jsonl", 1, line, false, &mut out), 1);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["Error"]["Message"],
        "The request is not a SimulateCustomPolicy document: batch.jsonl, line 1, column 65: unknown field `EncryptionContextEqual`, expected `EncryptionContextEquals` or `EncryptionContextSubset`"
    );
}
