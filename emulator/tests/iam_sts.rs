//! IAM and STS through the AWS CLI against an in-process keyhole: users, roles, policies,
//! access keys that sign as their user, cross-account AssumeRole, expiry on keyhole's clock,
//! AWS's error texts, pagination, seeds. Skipped (with a notice) when `aws` is not on PATH.

use serde_json::{json, Value};

mod support;

use support::*;

const ACCOUNT_B: (&str, &str, Option<&str>) = ("222222222222", "x", None);

const TRUST_FROM_A: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}"#;
const KMS_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_through_the_aws_cli() {
    let Some((emu, cli)) = start_with_cli().await else {
        return;
    };

    // A user and a role in account 222222222222; names are unique.
    let user = cli
        .ok(ACCOUNT_B, &["iam", "create-user", "--user-name", "alice"])
        .await;
    assert_eq!(
        s(&user, "/User/Arn"),
        "arn:aws:iam::222222222222:user/alice"
    );
    assert_eq!(
        cli.fails(ACCOUNT_B, &["iam", "create-user", "--user-name", "alice"]).await,
        "An error occurred (EntityAlreadyExists) when calling the CreateUser operation: User with name alice already exists."
    );
    cli.ok(
        ACCOUNT_B,
        &[
            "iam",
            "create-role",
            "--role-name",
            "Admin",
            "--assume-role-policy-document",
            TRUST_FROM_A,
        ],
    )
    .await;
    assert_eq!(
        cli.fails(ACCOUNT_B, &["iam", "create-role", "--role-name", "Admin", "--assume-role-policy-document", TRUST_FROM_A]).await,
        "An error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name Admin already exists."
    );
    // The CLI decodes IAM's URL-encoded trust policy back into JSON.
    let role = cli
        .ok(ACCOUNT_B, &["iam", "get-role", "--role-name", "Admin"])
        .await;
    assert_eq!(
        role["Role"]["AssumeRolePolicyDocument"],
        serde_json::from_str::<Value>(TRUST_FROM_A).unwrap_or_default()
    );

    // A managed policy attached to the role blocks its deletion.
    let policy = cli
        .ok(
            ACCOUNT_B,
            &[
                "iam",
                "create-policy",
                "--policy-name",
                "kms-use",
                "--policy-document",
                KMS_POLICY,
            ],
        )
        .await;
    let policy_arn = s(&policy, "/Policy/Arn").to_owned();
    assert_eq!(policy_arn, "arn:aws:iam::222222222222:policy/kms-use");
    cli.ok(
        ACCOUNT_B,
        &[
            "iam",
            "attach-role-policy",
            "--role-name",
            "Admin",
            "--policy-arn",
            &policy_arn,
        ],
    )
    .await;
    assert_eq!(
        cli.fails(ACCOUNT_B, &["iam", "delete-role", "--role-name", "Admin"]).await,
        "An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must detach all policies first."
    );
    let attached = cli
        .ok(
            ACCOUNT_B,
            &["iam", "list-attached-role-policies", "--role-name", "Admin"],
        )
        .await;
    assert_eq!(s(&attached, "/AttachedPolicies/0/PolicyName"), "kms-use");

    // An access key signs as its user.
    let key = cli
        .ok(
            ACCOUNT_B,
            &["iam", "create-access-key", "--user-name", "alice"],
        )
        .await;
    let (id, secret) = (
        s(&key, "/AccessKey/AccessKeyId").to_owned(),
        s(&key, "/AccessKey/SecretAccessKey").to_owned(),
    );
    let me = cli
        .ok((&id, &secret, None), &["sts", "get-caller-identity"])
        .await;
    assert_eq!(s(&me, "/Arn"), "arn:aws:iam::222222222222:user/alice");
    assert_eq!(s(&me, "/Account"), "222222222222");

    // Account 111111111111 assumes the role and works as the session.
    let assumed = cli
        .ok(
            ACCOUNT_A,
            &[
                "sts",
                "assume-role",
                "--role-arn",
                "arn:aws:iam::222222222222:role/Admin",
                "--role-session-name",
                "ops",
            ],
        )
        .await;
    assert_eq!(
        s(&assumed, "/AssumedRoleUser/Arn"),
        "arn:aws:sts::222222222222:assumed-role/Admin/ops"
    );
    let session = (
        s(&assumed, "/Credentials/AccessKeyId").to_owned(),
        s(&assumed, "/Credentials/SecretAccessKey").to_owned(),
        s(&assumed, "/Credentials/SessionToken").to_owned(),
    );
    assert!(session.0.starts_with("ASIA"));
    let keys = (
        session.0.as_str(),
        session.1.as_str(),
        Some(session.2.as_str()),
    );
    let me = cli.ok(keys, &["sts", "get-caller-identity"]).await;
    assert_eq!(
        s(&me, "/Arn"),
        "arn:aws:sts::222222222222:assumed-role/Admin/ops"
    );
    assert!(s(&me, "/UserId").starts_with("AROA") && s(&me, "/UserId").ends_with(":ops"));
    assert_eq!(
        cli.fails(ACCOUNT_A, &["sts", "assume-role", "--role-arn", "arn:aws:iam::222222222222:role/Admin", "--role-session-name", "ops", "--duration-seconds", "7200"]).await,
        "An error occurred (ValidationError) when calling the AssumeRole operation: The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    );

    // Pagination: the CLI follows IAM's Marker page by page.
    for name in ["bob", "carol", "dave"] {
        cli.ok(ACCOUNT_B, &["iam", "create-user", "--user-name", name])
            .await;
    }
    let all = cli
        .ok(ACCOUNT_B, &["iam", "list-users", "--page-size", "1"])
        .await;
    let names: Vec<&str> = all["Users"]
        .as_array()
        .map(|u| u.iter().filter_map(|u| u["UserName"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["alice", "bob", "carol", "dave"]);
    let first = cli
        .ok(ACCOUNT_B, &["iam", "list-users", "--max-items", "2"])
        .await;
    assert_eq!(first["Users"].as_array().map(Vec::len), Some(2));
    let token = s(&first, "/NextToken").to_owned();
    assert!(!token.is_empty());
    let rest = cli
        .ok(
            ACCOUNT_B,
            &[
                "iam",
                "list-users",
                "--max-items",
                "2",
                "--starting-token",
                &token,
            ],
        )
        .await;
    assert_eq!(s(&rest, "/Users/0/UserName"), "carol");

    // A seed's keys sign at once.
    let seed = json!({"accounts": {"333333333333": {"users": [{"name": "svc", "accessKeys": [{"accessKeyId": "AKIASEEDSVC000000001", "secretAccessKey": "svc-secret"}]}]}}});
    let (status, body) = admin_post(emu.addr(), "/_keyhole/seed", &seed).await;
    assert!(status.contains("200"), "{status} {body}");
    let me = cli
        .ok(
            ("AKIASEEDSVC000000001", "svc-secret", None),
            &["sts", "get-caller-identity"],
        )
        .await;
    assert_eq!(s(&me, "/Arn"), "arn:aws:iam::333333333333:user/svc");

    // Session credentials expire on keyhole's clock; long-term keys do not.
    let (status, _) = admin_post(
        emu.addr(),
        "/_keyhole/clock/advance",
        &json!({"seconds": 3700}),
    )
    .await;
    assert!(status.contains("200"));
    assert_eq!(
        cli.fails(keys, &["sts", "get-caller-identity"]).await,
        "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired"
    );
    cli.ok((&id, &secret, None), &["sts", "get-caller-identity"])
        .await;
    emu.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_refused() {
    let Some((emu, cli)) = start_with_cli().await else {
        return;
    };
    cli.ok(ACCOUNT_B, &["iam", "create-user", "--user-name", "alice"])
        .await;
    let key = cli
        .ok(
            ACCOUNT_B,
            &["iam", "create-access-key", "--user-name", "alice"],
        )
        .await;
    let id = s(&key, "/AccessKey/AccessKeyId").to_owned();
    let message = cli
        .fails(
            (&id, "not-the-secret", None),
            &["sts", "get-caller-identity"],
        )
        .await;
    assert_eq!(
        message,
        "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );
    emu.stop().await;
}
