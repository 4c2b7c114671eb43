//! KMS through the AWS CLI against an in-process keyhole: keys, encryption with a
//! context, aliases, key states, deletion on keyhole's clock, key policy principals,
//! signing keys, grants. Skipped (with a notice) when `aws` is not on PATH.

use serde_json::json;

mod support;

use support::*;

const A: &str = "111111111111";

/// Writes a base64 blob from an answer to a file, for `fileb://` (CLI v1 would send the
/// base64 text itself as the blob's bytes).
fn blob_file(name: &str, base64_text: &str) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_text)
        .expect("base64");
    let path = std::env::temp_dir().join(format!("keyhole-kms-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write blob");
    format!("fileb://{}", path.display())
}

/// The AWS CLI's error line for KMS's `op`.
fn cli_error(code: &str, op: &str, message: &str) -> String {
    format!("An error occurred ({code}) when calling the {op} operation: {message}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_through_the_aws_cli() {
    let Some((emu, cli)) = start_with_cli().await else {
        return;
    };

    // Create a key; DescribeKey and the default key policy.
    let created = cli
        .ok(
            ACCOUNT_A,
            &["kms", "create-key", "--description", "cli key"],
        )
        .await;
    let key_id = s(&created, "/KeyMetadata/KeyId").to_owned();
    let arn = s(&created, "/KeyMetadata/Arn").to_owned();
    assert_eq!(arn, format!("arn:aws:kms:us-east-1:{A}:key/{key_id}"));
    let described = cli
        .ok(ACCOUNT_A, &["kms", "describe-key", "--key-id", &key_id])
        .await;
    assert_eq!(s(&described, "/KeyMetadata/KeyState"), "Enabled");
    assert_eq!(s(&described, "/KeyMetadata/Description"), "cli key");
    let policy = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "get-key-policy",
                "--key-id",
                &key_id,
                "--policy-name",
                "default",
            ],
        )
        .await;
    assert!(s(&policy, "/Policy").contains("\"Sid\" : \"Enable IAM User Permissions\""));

    // Encrypt/decrypt round trip with an encryption context; Decrypt needs no KeyId.
    let encrypted = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "encrypt",
                "--key-id",
                &key_id,
                "--plaintext",
                "aGVsbG8=",
                "--encryption-context",
                "purpose=test",
            ],
        )
        .await;
    let blob = blob_file("ciphertext", s(&encrypted, "/CiphertextBlob"));
    let decrypted = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "decrypt",
                "--ciphertext-blob",
                &blob,
                "--encryption-context",
                "purpose=test",
            ],
        )
        .await;
    // The CLI sent the text "aGVsbG8=" as the plaintext bytes; output blobs are base64.
    assert_eq!(s(&decrypted, "/Plaintext"), "YUdWc2JHOD0=");
    assert_eq!(s(&decrypted, "/KeyId"), arn);
    // A wrong context: InvalidCiphertextException, no message.
    let stderr = cli
        .fails(
            ACCOUNT_A,
            &[
                "kms",
                "decrypt",
                "--ciphertext-blob",
                &blob,
                "--encryption-context",
                "purpose=other",
            ],
        )
        .await;
    assert!(
        stderr.contains(
            "An error occurred (InvalidCiphertextException) when calling the Decrypt operation"
        ),
        "{stderr}"
    );

    // Aliases.
    cli.ok(
        ACCOUNT_A,
        &[
            "kms",
            "create-alias",
            "--alias-name",
            "alias/cli",
            "--target-key-id",
            &key_id,
        ],
    )
    .await;
    assert_eq!(
        cli.fails(
            ACCOUNT_A,
            &[
                "kms",
                "create-alias",
                "--alias-name",
                "alias/cli",
                "--target-key-id",
                &key_id
            ]
        )
        .await,
        cli_error(
            "AlreadyExistsException",
            "CreateAlias",
            &format!("An alias with the name arn:aws:kms:us-east-1:{A}:alias/cli already exists")
        )
    );
    let via_alias = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "encrypt",
                "--key-id",
                "alias/cli",
                "--plaintext",
                "aGVsbG8=",
            ],
        )
        .await;
    assert_eq!(s(&via_alias, "/KeyId"), arn);
    assert_eq!(
        cli.fails(
            ACCOUNT_A,
            &["kms", "describe-key", "--key-id", "alias/none"]
        )
        .await,
        cli_error(
            "NotFoundException",
            "DescribeKey",
            &format!("Alias arn:aws:kms:us-east-1:{A}:alias/none is not found.")
        )
    );

    // A disabled key.
    cli.ok(ACCOUNT_A, &["kms", "disable-key", "--key-id", &key_id])
        .await;
    assert_eq!(
        cli.fails(
            ACCOUNT_A,
            &[
                "kms",
                "encrypt",
                "--key-id",
                &key_id,
                "--plaintext",
                "aGVsbG8="
            ]
        )
        .await,
        cli_error(
            "DisabledException",
            "Encrypt",
            &format!("{arn} is disabled.")
        )
    );
    cli.ok(ACCOUNT_A, &["kms", "enable-key", "--key-id", &key_id])
        .await;

    // A key policy naming a role that does not exist.
    let bad_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"}},"Action":"kms:Decrypt","Resource":"*"}}]}}"#
    );
    assert_eq!(
        cli.fails(
            ACCOUNT_A,
            &[
                "kms",
                "put-key-policy",
                "--key-id",
                &key_id,
                "--policy-name",
                "default",
                "--policy",
                &bad_policy
            ]
        )
        .await,
        cli_error(
            "MalformedPolicyDocumentException",
            "PutKeyPolicy",
            "Policy contains a statement with one or more invalid principals."
        )
    );

    // Scheduled deletion happens on keyhole's clock.
    let scheduled = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "schedule-key-deletion",
                "--key-id",
                &key_id,
                "--pending-window-in-days",
                "7",
            ],
        )
        .await;
    assert_eq!(s(&scheduled, "/KeyState"), "PendingDeletion");
    assert_eq!(
        cli.fails(
            ACCOUNT_A,
            &[
                "kms",
                "encrypt",
                "--key-id",
                &key_id,
                "--plaintext",
                "aGVsbG8="
            ]
        )
        .await,
        cli_error(
            "KMSInvalidStateException",
            "Encrypt",
            &format!("{arn} is pending deletion.")
        )
    );
    let (status, _) = admin_post(
        emu.addr(),
        "/_keyhole/clock/advance",
        &json!({"seconds": 7 * 86_400 + 1}),
    )
    .await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(
        cli.fails(ACCOUNT_A, &["kms", "describe-key", "--key-id", &key_id])
            .await,
        cli_error(
            "NotFoundException",
            "DescribeKey",
            &format!("Key '{arn}' does not exist")
        )
    );

    // Signing keys refuse Encrypt.
    let signer = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "create-key",
                "--key-spec",
                "ECC_NIST_P256",
                "--key-usage",
                "SIGN_VERIFY",
            ],
        )
        .await;
    let signer_arn = s(&signer, "/KeyMetadata/Arn").to_owned();
    assert_eq!(
        cli.fails(
            ACCOUNT_A,
            &[
                "kms",
                "encrypt",
                "--key-id",
                &signer_arn,
                "--plaintext",
                "aGVsbG8="
            ]
        )
        .await,
        cli_error(
            "InvalidKeyUsageException",
            "Encrypt",
            &format!("{signer_arn} key usage is SIGN_VERIFY which is not valid for Encrypt.")
        )
    );
    let signed = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "sign",
                "--key-id",
                &signer_arn,
                "--message",
                "aGVsbG8=",
                "--signing-algorithm",
                "ECDSA_SHA_256",
            ],
        )
        .await;
    let verified = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "verify",
                "--key-id",
                &signer_arn,
                "--message",
                "aGVsbG8=",
                "--signing-algorithm",
                "ECDSA_SHA_256",
                "--signature",
                &blob_file("signature", s(&signed, "/Signature")),
            ],
        )
        .await;
    assert_eq!(verified["SignatureValid"], json!(true));

    // Grants.
    let grant = cli
        .ok(
            ACCOUNT_A,
            &[
                "kms",
                "create-grant",
                "--key-id",
                &signer_arn,
                "--grantee-principal",
                &format!("arn:aws:iam::{A}:root"),
                "--operations",
                "Sign",
                "Verify",
            ],
        )
        .await;
    let grants = cli
        .ok(ACCOUNT_A, &["kms", "list-grants", "--key-id", &signer_arn])
        .await;
    assert_eq!(s(&grants, "/Grants/0/GrantId"), s(&grant, "/GrantId"));
    cli.ok(
        ACCOUNT_A,
        &[
            "kms",
            "revoke-grant",
            "--key-id",
            &signer_arn,
            "--grant-id",
            s(&grant, "/GrantId"),
        ],
    )
    .await;
    for name in ["ciphertext", "signature"] {
        let _ = std::fs::remove_file(
            std::env::temp_dir().join(format!("keyhole-kms-{}-{name}", std::process::id())),
        );
    }
}
