//! Who am I: GetCallerIdentity through the Rust SDK and the AWS CLI.

use crate::common;

#[tokio::test]
async fn sdk_twelve_digit_key_is_that_accounts_root() {
    let emu = common::start().await;
    let sts = aws_sdk_sts::Client::new(&emu.sdk_config("111111111111").await);
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(me.account(), Some("111111111111"));
    assert_eq!(me.arn(), Some("arn:aws:iam::111111111111:root"));
    assert_eq!(me.user_id(), Some("111111111111"));
}

#[tokio::test]
async fn sdk_unknown_key_is_the_default_accounts_root() {
    let emu = common::start().await;
    let config = emu
        .sdk_config_with_keys("AKIAEXAMPLEEXAMPLE01", "whatever", None)
        .await;
    let me = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(me.account(), Some("000000000000"));
}

#[tokio::test]
async fn cli_get_caller_identity_prints_the_account() {
    let emu = common::start().await;
    let out = common::aws(&emu, "111111111111", &["sts", "get-caller-identity"]).await;
    let me = common::stdout_json(&out);
    assert_eq!(me["Account"], "111111111111");
    assert_eq!(me["Arn"], "arn:aws:iam::111111111111:root");
}

const TRUST_111: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test]
async fn sdk_assume_role_across_accounts_follows_the_trust_policy() {
    let emu = common::start().await;
    let iam_b = aws_sdk_iam::Client::new(&emu.sdk_config("222222222222").await);
    iam_b
        .create_role()
        .role_name("Admin")
        .assume_role_policy_document(TRUST_111)
        .send()
        .await
        .expect("CreateRole");
    let sts_a = aws_sdk_sts::Client::new(&emu.sdk_config("111111111111").await);
    let assumed = sts_a
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/Admin")
        .role_session_name("s1")
        .send()
        .await
        .expect("AssumeRole");
    let creds = assumed.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    let session = emu
        .sdk_config_with_keys(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_owned()),
        )
        .await;
    let me = aws_sdk_sts::Client::new(&session)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::222222222222:assumed-role/Admin/s1")
    );

    // Account 333333333333 is not in the trust policy.
    let err = aws_sdk_sts::Client::new(&emu.sdk_config("333333333333").await)
        .assume_role()
        .role_arn("arn:aws:iam::222222222222:role/Admin")
        .role_session_name("s1")
        .send()
        .await
        .expect_err("not trusted");
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
        Some("AccessDenied")
    );
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::message(&err),
        Some("User: arn:aws:iam::333333333333:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/Admin because no role trust policy allows the sts:AssumeRole action")
    );
}

#[tokio::test]
async fn sdk_wrong_secret_for_an_issued_key_is_an_invalid_signature() {
    let emu = common::start().await;
    let iam = aws_sdk_iam::Client::new(&emu.sdk_config("222222222222").await);
    iam.create_user()
        .user_name("alice")
        .send()
        .await
        .expect("CreateUser");
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .expect("CreateAccessKey");
    let id = key.access_key().expect("key").access_key_id().to_owned();
    let wrong = emu.sdk_config_with_keys(&id, "not-the-secret", None).await;
    let err = aws_sdk_kms::Client::new(&wrong)
        .list_keys()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(
        aws_sdk_kms::error::ProvideErrorMetadata::code(&err),
        Some("InvalidSignatureException")
    );
    assert_eq!(
        aws_sdk_kms::error::ProvideErrorMetadata::message(&err),
        Some("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
    );
}
