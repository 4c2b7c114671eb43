//! Errors reach clients in a shape they parse: code and message, per protocol.

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::types::KeyUsageType;

use crate::common;

#[tokio::test]
async fn sdk_parses_unknown_operation() {
    let emu = common::start().await;
    let kms = aws_sdk_kms::Client::new(&emu.sdk_config("111111111111").await);
    let err = kms
        .describe_key()
        .key_id("alias/any")
        .customize()
        .mutate_request(|req| {
            req.headers_mut()
                .insert("x-amz-target", "TrentService.NoSuchOperation");
        })
        .send()
        .await
        .expect_err("unknown operation");
    assert_eq!(err.code(), Some("UnknownOperationException"));
}

#[tokio::test]
async fn sdk_parses_serialization_exception_for_a_malformed_body() {
    let emu = common::start().await;
    let kms = aws_sdk_kms::Client::new(&emu.sdk_config("111111111111").await);
    let err = kms
        .describe_key()
        .key_id("alias/any")
        .customize()
        .mutate_request(|req| {
            let broken = "{\"KeyId\": ";
            *req.body_mut() = aws_smithy_types::body::SdkBody::from(broken);
            req.headers_mut()
                .insert("content-length", broken.len().to_string());
        })
        .send()
        .await
        .expect_err("malformed body");
    assert_eq!(err.code(), Some("SerializationException"));
}

#[tokio::test]
async fn sdk_parses_validation_exception_with_aws_wording() {
    let emu = common::start().await;
    let kms = aws_sdk_kms::Client::new(&emu.sdk_config("111111111111").await);
    let err = kms
        .create_key()
        .key_usage(KeyUsageType::from("RANDOM"))
        .send()
        .await
        .expect_err("bad enum");
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some("1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT]")
    );
}

#[tokio::test]
async fn strict_auth_rejects_unknown_keys_in_each_protocol() {
    let emu = common::start_strict().await;
    let config = emu
        .sdk_config_with_keys("AKIAEXAMPLEEXAMPLE01", "whatever", None)
        .await;
    let err = aws_sdk_kms::Client::new(&config)
        .list_keys()
        .send()
        .await
        .expect_err("strict auth");
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is invalid.")
    );
    let err = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .expect_err("strict auth");
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
        Some("InvalidClientTokenId")
    );
    // 12-digit keys keep working under strict auth.
    let ok = aws_sdk_sts::Client::new(&emu.sdk_config("333333333333").await)
        .get_caller_identity()
        .send()
        .await
        .expect("12-digit key");
    assert_eq!(ok.account(), Some("333333333333"));
}

#[tokio::test]
async fn boto3_parses_unknown_operation_and_malformed_body() {
    let emu = common::start().await;
    let out = common::boto3(&emu, "kms_errors.py").await;
    let result = common::stdout_json(&out);
    assert_eq!(
        result["unknown_operation"]["Code"],
        "UnknownOperationException"
    );
    assert_eq!(result["malformed_body"]["Code"], "SerializationException");
    assert_eq!(result["validation"]["Code"], "ValidationException");
    assert_eq!(
        result["validation"]["Message"],
        "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
}

/// The Rust SDK sees Organizations' InvalidInputException, Reason included, for a value the
/// model's pattern rejects (the SDK does not check patterns itself).
#[tokio::test]
async fn sdk_parses_organizations_invalid_input_with_its_reason() {
    use aws_sdk_organizations::operation::create_organizational_unit::CreateOrganizationalUnitError;
    use aws_sdk_organizations::types::InvalidInputExceptionReason;
    let emu = common::start().await;
    let orgs = aws_sdk_organizations::Client::new(&emu.sdk_config("111111111111").await);
    let err = orgs
        .create_organizational_unit()
        .parent_id("bad")
        .name("x")
        .send()
        .await
        .expect_err("bad parent id")
        .into_service_error();
    let CreateOrganizationalUnitError::InvalidInputException(e) = err else {
        panic!("not InvalidInputException: {err:?}");
    };
    assert_eq!(
        e.reason(),
        Some(&InvalidInputExceptionReason::InvalidPattern)
    );
    assert_eq!(
        e.message(),
        Some("You provided a value that does not match the required pattern.")
    );
}

/// Each service reports a model violation in its own shape, as boto3 parses it: Organizations
/// as InvalidInputException with a Reason, KMS and STS without the sensitive value.
#[tokio::test]
async fn boto3_sees_each_services_validation_shape() {
    let emu = common::start().await;
    let out = common::boto3(&emu, "validation_errors.py").await;
    let result = common::stdout_json(&out);
    assert_eq!(
        result["org_pattern"],
        serde_json::json!({"Code": "InvalidInputException",
            "Message": "You provided a value that does not match the required pattern.",
            "Reason": "INVALID_PATTERN"})
    );
    assert_eq!(
        result["org_enum"],
        serde_json::json!({"Code": "InvalidInputException",
            "Message": "You specified an invalid value.", "Reason": "INVALID_ENUM"})
    );
    assert_eq!(
        result["kms_plaintext"],
        serde_json::json!({"Code": "ValidationException",
            "Message": "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"})
    );
    assert_eq!(
        result["sts_token"],
        serde_json::json!({"Code": "ValidationError", "Type": "Sender",
            "Message": "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4"})
    );
}

#[tokio::test]
async fn cli_shows_query_protocol_errors() {
    let emu = common::start().await;
    let out = common::aws(
        &emu,
        "111111111111",
        &["iam", "create-user", "--user-name", "a/b"],
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("An error occurred (ValidationError) when calling the CreateUser operation: 1 validation error detected: Value 'a/b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"),
        "{stderr}"
    );
}
