//! IAM decided by the policy engine: a user's own policies limit what it can do in IAM, and
//! the simulator answers what the services would decide.

use aws_sdk_iam::error::ProvideErrorMetadata;

use crate::common;

const READ_ONLY_IAM: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}"#;

/// Creates user `name` in `account` with an inline policy and an access key; returns its SDK config.
async fn user_with_policy(
    emu: &keyhole::Emulator,
    account: &str,
    name: &str,
    policy: &str,
) -> aws_config::SdkConfig {
    let root = aws_sdk_iam::Client::new(&emu.sdk_config(account).await);
    root.create_user()
        .user_name(name)
        .send()
        .await
        .expect("CreateUser");
    root.put_user_policy()
        .user_name(name)
        .policy_name("inline")
        .policy_document(policy)
        .send()
        .await
        .expect("PutUserPolicy");
    let key = root
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("CreateAccessKey");
    let key = key.access_key().expect("key");
    emu.sdk_config_with_keys(key.access_key_id(), key.secret_access_key(), None)
        .await
}

#[tokio::test]
async fn a_user_without_iam_create_role_cannot_create_roles() {
    let emu = common::start().await;
    let config = user_with_policy(&emu, "222222222222", "reader", READ_ONLY_IAM).await;
    let iam = aws_sdk_iam::Client::new(&config);
    iam.list_users().send().await.expect("ListUsers is allowed");
    let err = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .expect_err("no iam:CreateRole");
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(
        err.message(),
        Some("User: arn:aws:iam::222222222222:user/reader is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::222222222222:role/r because no identity-based policy allows the iam:CreateRole action")
    );
}

#[tokio::test]
async fn cli_simulate_principal_policy_answers_allowed_and_implicit_deny() {
    let emu = common::start().await;
    let _ = user_with_policy(&emu, "222222222222", "reader", READ_ONLY_IAM).await;
    let out = common::aws(
        &emu,
        "222222222222",
        &[
            "iam",
            "simulate-principal-policy",
            "--policy-source-arn",
            "arn:aws:iam::222222222222:user/reader",
            "--action-names",
            "iam:ListUsers",
            "iam:CreateRole",
        ],
    )
    .await;
    let result = common::stdout_json(&out);
    let results = result["EvaluationResults"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["EvalActionName"], "iam:ListUsers");
    assert_eq!(results[0]["EvalDecision"], "allowed");
    assert_eq!(results[1]["EvalActionName"], "iam:CreateRole");
    assert_eq!(results[1]["EvalDecision"], "implicitDeny");
}

#[tokio::test]
async fn cli_simulate_custom_policy_reports_explicit_deny() {
    let emu = common::start().await;
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Sid":"NoDelete","Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}"#;
    let out = common::aws(
        &emu,
        "111111111111",
        &[
            "iam",
            "simulate-custom-policy",
            "--policy-input-list",
            deny,
            "--action-names",
            "kms:Decrypt",
            "kms:ScheduleKeyDeletion",
        ],
    )
    .await;
    let result = common::stdout_json(&out);
    assert_eq!(result["EvaluationResults"][0]["EvalDecision"], "allowed");
    assert_eq!(
        result["EvaluationResults"][1]["EvalDecision"],
        "explicitDeny"
    );
}

#[tokio::test]
async fn sdk_attached_managed_policy_drives_simulate_principal_policy() {
    let emu = common::start().await;
    let iam = aws_sdk_iam::Client::new(&emu.sdk_config("222222222222").await);
    iam.create_user()
        .user_name("auditor")
        .send()
        .await
        .expect("CreateUser");
    iam.attach_user_policy()
        .user_name("auditor")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("AttachUserPolicy");
    let answer = iam
        .simulate_principal_policy()
        .policy_source_arn("arn:aws:iam::222222222222:user/auditor")
        .action_names("iam:GetRole")
        .action_names("iam:DeleteRole")
        .send()
        .await
        .expect("SimulatePrincipalPolicy");
    let decisions: Vec<(String, String)> = answer
        .evaluation_results()
        .iter()
        .map(|r| {
            (
                r.eval_action_name().to_owned(),
                r.eval_decision().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        decisions,
        vec![
            ("iam:GetRole".to_owned(), "allowed".to_owned()),
            ("iam:DeleteRole".to_owned(), "implicitDeny".to_owned()),
        ]
    );
}
