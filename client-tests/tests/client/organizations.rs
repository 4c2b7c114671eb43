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
    let summary = scp.policy().and_then(|p| p.policy_summary());
    let scp_id = summary.and_then(|s| s.id()).expect("policy id").to_owned();
    let scp_arn = summary
        .and_then(|s| s.arn())
        .expect("policy arn")
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
    let expected = format!("User: arn:aws:iam::{member}:root is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{member}:user/x with an explicit deny in a service control policy: {scp_arn}");
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

/// An RCP that keeps a member's KMS keys inside the organization.
const RCP_ORG_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"ORG_ID"}}}]}"#;

#[tokio::test]
async fn an_rcp_deny_keeps_a_members_key_inside_the_organization() {
    use aws_sdk_kms::error::ProvideErrorMetadata as _;
    let emu = common::start().await;
    let orgs = aws_sdk_organizations::Client::new(&emu.sdk_config(MANAGEMENT).await);
    let org = orgs
        .create_organization()
        .send()
        .await
        .expect("CreateOrganization");
    let org_id = org
        .organization()
        .and_then(|o| o.id())
        .expect("org id")
        .to_owned();
    let created = orgs
        .create_account()
        .email("keys@example.com")
        .account_name("keys")
        .send()
        .await
        .expect("CreateAccount");
    let status_id = created
        .create_account_status()
        .and_then(|s| s.id())
        .expect("status id")
        .to_owned();
    let member = orgs
        .describe_create_account_status()
        .create_account_request_id(status_id)
        .send()
        .await
        .expect("DescribeCreateAccountStatus")
        .create_account_status()
        .and_then(|s| s.account_id())
        .expect("account id")
        .to_owned();
    let root = orgs.list_roots().send().await.expect("ListRoots").roots()[0]
        .id()
        .expect("root id")
        .to_owned();
    orgs.enable_policy_type()
        .root_id(&root)
        .policy_type(PolicyType::ResourceControlPolicy)
        .send()
        .await
        .expect("EnablePolicyType");

    // The member's key trusts an outside account (999999999999) in its key policy.
    let key_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{member}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},"Action":"kms:DescribeKey","Resource":"*"}}]}}"#
    );
    let member_kms = aws_sdk_kms::Client::new(&emu.sdk_config(&member).await);
    let key = member_kms
        .create_key()
        .policy(key_policy)
        .send()
        .await
        .expect("CreateKey");
    let key_arn = key
        .key_metadata()
        .and_then(|m| m.arn())
        .expect("arn")
        .to_owned();
    let outsider = aws_sdk_kms::Client::new(&emu.sdk_config("999999999999").await);
    outsider
        .describe_key()
        .key_id(&key_arn)
        .send()
        .await
        .expect("the key policy lets the outsider describe the key");

    let rcp = orgs
        .create_policy()
        .name("org-only-keys")
        .description("")
        .r#type(PolicyType::ResourceControlPolicy)
        .content(RCP_ORG_ONLY.replace("ORG_ID", &org_id))
        .send()
        .await
        .expect("CreatePolicy");
    let rcp_id = rcp
        .policy()
        .and_then(|p| p.policy_summary())
        .and_then(|s| s.id())
        .expect("policy id")
        .to_owned();
    orgs.attach_policy()
        .policy_id(&rcp_id)
        .target_id(&member)
        .send()
        .await
        .expect("AttachPolicy");

    let err = outsider
        .describe_key()
        .key_id(&key_arn)
        .send()
        .await
        .expect_err("the RCP denies principals outside the organization");
    assert_eq!(err.code(), Some("AccessDeniedException"));
    // A caller outside the organization gets no policy ARN (AWS Security Blog, "Enhanced
    // access denied error messages with policy ARNs": same account and organization only).
    let expected = format!("User: arn:aws:iam::999999999999:root is not authorized to perform: kms:DescribeKey on resource: {key_arn} with an explicit deny in a resource control policy");
    assert_eq!(err.message(), Some(expected.as_str()));
    // The member itself is inside the organization and keeps access.
    member_kms
        .describe_key()
        .key_id(&key_arn)
        .send()
        .await
        .expect("the owner is inside the organization");
}
