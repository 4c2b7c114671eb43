//! SCPs take effect in every service: an explicit deny in a service control policy shows in
//! AccessDenied messages, and the management account is exempt.

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};

use crate::common;

const MANAGEMENT: &str = "111111111111";
const DENY_CREATE_USER: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#;

#[tokio::test]
async fn an_scp_deny_reaches_iam_and_spares_the_management_account() {
    let emu = common::start().await;
    let orgs = aws_sdk_organizations::Client::new(&emu.sdk_config(MANAGEMENT).await);
    orgs.create_organization()
        .send()
        .await
        .expect("CreateOrganization");
    let created = orgs
        .create_account()
        .email("member@example.com")
        .account_name("member")
        .send()
        .await
        .expect("CreateAccount");
    let status_id = created
        .create_account_status()
        .and_then(|s| s.id())
        .expect("status id")
        .to_owned();
    let status = orgs
        .describe_create_account_status()
        .create_account_request_id(status_id)
        .send()
        .await
        .expect("DescribeCreateAccountStatus");
    let member = status
        .create_account_status()
        .and_then(|s| s.account_id())
        .expect("account id")
        .to_owned();
    let roots = orgs.list_roots().send().await.expect("ListRoots");
    let root = roots.roots()[0].id().expect("root id").to_owned();
    let enabled = orgs
        .enable_policy_type()
        .root_id(&root)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .expect("EnablePolicyType");
    assert!(enabled
        .root()
        .expect("root")
        .policy_types()
        .iter()
        .any(|t| {
            t.r#type() == Some(&PolicyType::ServiceControlPolicy)
                && t.status() == Some(&PolicyTypeStatus::Enabled)
        }));
    let scp = orgs
        .create_policy()
        .name("no-users")
        .description("")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(DENY_CREATE_USER)
        .send()
        .await
        .expect("CreatePolicy");
    let scp_id = scp
        .policy()
        .and_then(|p| p.policy_summary())
        .and_then(|s| s.id())
        .expect("policy id")
        .to_owned();
    for target in [member.as_str(), MANAGEMENT] {
        orgs.attach_policy()
            .policy_id(&scp_id)
            .target_id(target)
            .send()
            .await
            .expect("AttachPolicy");
    }

    let member_iam = aws_sdk_iam::Client::new(&emu.sdk_config(&member).await);
    let err = member_iam
        .create_user()
        .user_name("x")
        .send()
        .await
        .expect_err("the SCP denies it");
    assert_eq!(err.code(), Some("AccessDenied"));
    let expected = format!("User: arn:aws:iam::{member}:root is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{member}:user/x with an explicit deny in a service control policy");
    assert_eq!(err.message(), Some(expected.as_str()));

    // SCPs never apply to the management account.
    let management_iam = aws_sdk_iam::Client::new(&emu.sdk_config(MANAGEMENT).await);
    management_iam
        .create_user()
        .user_name("x")
        .send()
        .await
        .expect("the management account is exempt");

    // Detaching the deny restores access.
    orgs.detach_policy()
        .policy_id(&scp_id)
        .target_id(&member)
        .send()
        .await
        .expect("DetachPolicy");
    member_iam
        .create_user()
        .user_name("x")
        .send()
        .await
        .expect("allowed once the SCP is gone");
}
