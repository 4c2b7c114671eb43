//! IAM Access Analyzer through the AWS SDK for Rust and boto3: each custom policy check's
//! PASS and FAIL as the SDKs parse them (result, message, reasons), ValidatePolicy's
//! findings through the SDKs' paginators, and the model's
//! ValidationException with its reason and field list; keyhole's extra `keyholeWitness`
//! member must not break either client.

use aws_sdk_accessanalyzer::error::ProvideErrorMetadata;
use aws_sdk_accessanalyzer::operation::check_no_new_access::CheckNoNewAccessError;
use aws_sdk_accessanalyzer::types::{
    Access, AccessCheckPolicyType, AccessCheckResourceType, ReasonSummary,
    ValidationExceptionReason,
};
use keyhole::Emulator;
use serde_json::json;

use crate::common;

const OWNER: &str = "111111111111";

async fn client(emu: &Emulator) -> aws_sdk_accessanalyzer::Client {
    aws_sdk_accessanalyzer::Client::new(&emu.sdk_config(OWNER).await)
}

fn policy(statements: serde_json::Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn allow(action: &str) -> String {
    policy(json!([{"Effect": "Allow", "Action": action, "Resource": "*"}]))
}

/// (description, index, sid) of each reason.
fn reasons(list: &[ReasonSummary]) -> Vec<(String, i32, Option<String>)> {
    list.iter()
        .map(|r| {
            (
                r.description().unwrap_or_default().to_owned(),
                r.statement_index().unwrap_or(-1),
                r.statement_id().map(str::to_owned),
            )
        })
        .collect()
}

#[tokio::test]
async fn rust_sdk_check_no_new_access() {
    let emu = common::start().await;
    let aa = client(&emu).await;
    let pass = aa
        .check_no_new_access()
        .existing_policy_document(allow("kms:*"))
        .new_policy_document(allow("kms:Decrypt"))
        .policy_type(AccessCheckPolicyType::IdentityPolicy)
        .send()
        .await
        .expect("CheckNoNewAccess");
    assert_eq!(pass.result().map(|r| r.as_str()), Some("PASS"));
    assert_eq!(
        pass.message(),
        Some("The modified permissions do not grant new access compared to your existing policy.")
    );
    assert!(pass.reasons().is_empty());

    let fail = aa
        .check_no_new_access()
        .existing_policy_document(allow("kms:Decrypt"))
        .new_policy_document(allow("kms:*"))
        .policy_type(AccessCheckPolicyType::IdentityPolicy)
        .send()
        .await
        .expect("CheckNoNewAccess");
    assert_eq!(fail.result().map(|r| r.as_str()), Some("FAIL"));
    assert_eq!(
        fail.message(),
        Some("The modified permissions grant new access compared to your existing policy.")
    );
    assert_eq!(
        reasons(fail.reasons()),
        [(
            "New access in the statement with index: 0.".to_owned(),
            0,
            None
        )]
    );
}

#[tokio::test]
async fn rust_sdk_check_access_not_granted() {
    let emu = common::start().await;
    let aa = client(&emu).await;
    let document = policy(json!([{"Sid": "ReadObjects", "Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]));
    let ask = |action: &str| {
        aa.check_access_not_granted()
            .policy_document(document.clone())
            .policy_type(AccessCheckPolicyType::IdentityPolicy)
            .access(Access::builder().actions(action).build())
    };
    let pass = ask("s3:PutObject")
        .send()
        .await
        .expect("CheckAccessNotGranted");
    assert_eq!(pass.result().map(|r| r.as_str()), Some("PASS"));
    assert_eq!(
        pass.message(),
        Some(
            "The policy document does not grant access to perform the listed actions or resources."
        )
    );
    let fail = ask("s3:GetObject")
        .send()
        .await
        .expect("CheckAccessNotGranted");
    assert_eq!(fail.result().map(|r| r.as_str()), Some("FAIL"));
    assert_eq!(
        fail.message(),
        Some("The policy document grants access to perform one or more of the listed actions or resources.")
    );
    assert_eq!(
        reasons(fail.reasons()),
        [(
            "One or more of the listed actions or resources in the statement with sid: ReadObjects."
                .to_owned(),
            0,
            Some("ReadObjects".to_owned())
        )]
    );
}

#[tokio::test]
async fn rust_sdk_check_no_public_access() {
    let emu = common::start().await;
    let aa = client(&emu).await;
    let vault_policy = |principal: serde_json::Value| {
        policy(json!([{"Effect": "Allow", "Principal": principal,
            "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]))
    };
    let ask = |document: String| {
        aa.check_no_public_access()
            .policy_document(document)
            .resource_type(AccessCheckResourceType::BackupVault)
    };
    let pass = ask(vault_policy(
        json!({"AWS": "arn:aws:iam::111111111111:root"}),
    ))
    .send()
    .await
    .expect("CheckNoPublicAccess");
    assert_eq!(pass.result().map(|r| r.as_str()), Some("PASS"));
    assert_eq!(
        pass.message(),
        Some("The resource policy does not grant public access for the given resource type.")
    );
    let fail = ask(vault_policy(json!("*")))
        .send()
        .await
        .expect("CheckNoPublicAccess");
    assert_eq!(fail.result().map(|r| r.as_str()), Some("FAIL"));
    assert_eq!(
        fail.message(),
        Some("The resource policy grants public access for the given resource type.")
    );
    assert_eq!(
        reasons(fail.reasons()),
        [(
            "Public access granted in the following statement with index: 0.".to_owned(),
            0,
            None
        )]
    );
}

/// An enum value the model does not list reaches keyhole (the SDK sends unknown variants)
/// and comes back as the modeled ValidationException, reason and field list parsed.
#[tokio::test]
async fn rust_sdk_sees_the_validation_exception() {
    let emu = common::start().await;
    let aa = client(&emu).await;
    let err = aa
        .check_no_new_access()
        .existing_policy_document(allow("kms:*"))
        .new_policy_document(allow("kms:*"))
        .policy_type(AccessCheckPolicyType::from("SERVICE_CONTROL_POLICY"))
        .send()
        .await
        .expect_err("an unknown policy type")
        .into_service_error();
    let CheckNoNewAccessError::ValidationException(e) = &err else {
        panic!("not a ValidationException: {err:?}");
    };
    assert_eq!(
        e.message(),
        "1 validation error detected: Value 'SERVICE_CONTROL_POLICY' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY]"
    );
    assert_eq!(
        e.reason(),
        &ValidationExceptionReason::FieldValidationFailed
    );
    let fields: Vec<(&str, &str)> = e
        .field_list()
        .iter()
        .map(|f| (f.name(), f.message()))
        .collect();
    assert_eq!(
        fields,
        [(
            "policyType",
            "Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY]"
        )]
    );
    assert_eq!(err.code(), Some("ValidationException"));
}

/// A document keyhole cannot decide exactly is refused with UnprocessableEntityException,
/// never answered PASS or FAIL.
#[tokio::test]
async fn rust_sdk_sees_an_undecidable_check_as_unprocessable() {
    let emu = common::start().await;
    let aa = client(&emu).await;
    let variable = policy(
        json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}}]),
    );
    let err = aa
        .check_no_new_access()
        .existing_policy_document(allow("kms:Encrypt"))
        .new_policy_document(variable)
        .policy_type(AccessCheckPolicyType::IdentityPolicy)
        .send()
        .await
        .expect_err("undecidable")
        .into_service_error();
    assert!(
        matches!(err, CheckNoNewAccessError::UnprocessableEntityException(_)),
        "{err:?}"
    );
    assert!(err
        .message()
        .unwrap_or_default()
        .starts_with("keyhole cannot decide this exactly: the condition StringEquals on aws:ResourceTag/owner uses the policy variable"));
}

/// ValidatePolicy through the SDK's paginator, one finding a page: every finding arrives,
/// in order, with its type, details and location.
#[tokio::test]
async fn rust_sdk_pages_validate_policy() {
    let emu = common::start().await;
    let aa = client(&emu).await;
    let clean = aa
        .validate_policy()
        .policy_document(policy(json!([{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::reports/*"}])))
        .policy_type(aws_sdk_accessanalyzer::types::PolicyType::IdentityPolicy)
        .send()
        .await
        .expect("ValidatePolicy");
    assert!(clean.findings().is_empty());

    let risky =
        r#"{"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#;
    let findings: Vec<_> = aa
        .validate_policy()
        .policy_document(risky)
        .policy_type(aws_sdk_accessanalyzer::types::PolicyType::IdentityPolicy)
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("every page");
    let codes: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.issue_code(), f.finding_type().as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("MISSING_VERSION", "WARNING"),
            ("PASS_ROLE_WITH_STAR_IN_RESOURCE", "SECURITY_WARNING")
        ]
    );
    assert_eq!(
        findings[0].finding_details(),
        "We recommend that you specify the Version element to help you with debugging permission issues."
    );
    let start = findings[1].locations()[0]
        .span()
        .and_then(|s| s.start())
        .expect("a located finding");
    assert_eq!((start.line(), start.column()), (1, 45));
}

#[tokio::test]
async fn boto3_runs_the_checks_and_validate_policy() {
    let emu = common::start().await;
    let out = common::boto3(&emu, "access_analyzer.py").await;
    let result = common::stdout_json(&out);
    assert_eq!(
        result["no_new_access_pass"],
        json!({"result": "PASS",
               "message": "The modified permissions do not grant new access compared to your existing policy.",
               "reasons": []})
    );
    assert_eq!(
        result["no_new_access_fail"],
        json!({"result": "FAIL",
               "message": "The modified permissions grant new access compared to your existing policy.",
               "reasons": [{"description": "New access in the statement with sid: Wide.",
                            "statementIndex": 0, "statementId": "Wide"}]})
    );
    assert_eq!(
        result["not_granted_pass"],
        json!({"result": "PASS",
               "message": "The policy document does not grant access to perform the listed actions or resources.",
               "reasons": []})
    );
    assert_eq!(
        result["not_granted_fail"],
        json!({"result": "FAIL",
               "message": "The policy document grants access to perform one or more of the listed actions or resources.",
               "reasons": [{"description": "One or more of the listed actions or resources in the statement with index: 1.",
                            "statementIndex": 1}]})
    );
    assert_eq!(
        result["public_pass"],
        json!({"result": "PASS",
               "message": "The resource policy does not grant public access for the given resource type.",
               "reasons": []})
    );
    assert_eq!(
        result["public_fail"],
        json!({"result": "FAIL",
               "message": "The resource policy grants public access for the given resource type.",
               "reasons": [{"description": "Public access granted in the following statement with index: 0.",
                            "statementIndex": 0}]})
    );
    assert_eq!(result["validate_clean"], json!([]));
    assert_eq!(
        result["validate_paged"],
        json!(["MISSING_VERSION", "PASS_ROLE_WITH_STAR_IN_RESOURCE"])
    );
    assert_eq!(
        result["validation"],
        json!({"Code": "ValidationException",
               "Message": "1 validation error detected: Value null at 'policyType' failed to satisfy constraint: Member must not be null",
               "reason": "fieldValidationFailed",
               "fieldList": [{"name": "policyType", "message": "Member must not be null"}]})
    );
}
