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
