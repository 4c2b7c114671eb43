//! IAM Access Analyzer's custom policy checks over the wire, against a live keyhole: each
//! check's PASS and FAIL with AWS's result, message and reasons, keyhole's witness beside
//! them, the model's ValidationException with its reason and field list, the errors for a
//! document keyhole cannot read or decide, and authorization through the pipeline (AWS CLI).

use serde_json::{json, Value};

mod support;

use support::{root_authorization, send, start_with_cli, Answer};

const OWNER: &str = "111111111111";

/// POSTs `body` to `path` as the root of `OWNER`, signed for `access-analyzer`.
async fn call(addr: std::net::SocketAddr, path: &str, body: &Value) -> Answer {
    let auth = root_authorization(OWNER, "us-east-1", "access-analyzer");
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Amz-Date", "20240101T000000Z"),
        ("Authorization", auth.as_str()),
    ];
    send(addr, "POST", path, &headers, &body.to_string()).await
}

fn policy(statements: Value) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn kms_identity(actions: &[&str]) -> String {
    policy(json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}]))
}

#[tokio::test]
async fn check_no_new_access_passes_and_fails_with_the_new_statement() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let pass = call(
        emu.addr(),
        "/policy/check-no-new-access",
        &json!({"existingPolicyDocument": kms_identity(&["kms:*"]),
                "newPolicyDocument": kms_identity(&["kms:Decrypt"]),
                "policyType": "IDENTITY_POLICY"}),
    )
    .await;
    assert_eq!(pass.status, 200, "{}", pass.body);
    assert_eq!(
        pass.json(),
        json!({"result": "PASS",
               "message": "The modified permissions do not grant new access compared to your existing policy.",
               "reasons": []})
    );

    let new = policy(json!([
        {"Sid": "Read", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}
    ]));
    let fail = call(
        emu.addr(),
        "/policy/check-no-new-access",
        &json!({"existingPolicyDocument": kms_identity(&["kms:Decrypt"]),
                "newPolicyDocument": new, "policyType": "IDENTITY_POLICY"}),
    )
    .await;
    assert_eq!(fail.status, 200, "{}", fail.body);
    let body = fail.json();
    assert_eq!(body["result"], "FAIL");
    assert_eq!(
        body["message"],
        "The modified permissions grant new access compared to your existing policy."
    );
    assert_eq!(
        body["reasons"],
        json!([{"description": "New access in the statement with index: 1.", "statementIndex": 1}])
    );
    assert_eq!(body["keyholeWitness"]["action"], "kms:Encrypt");
    assert_eq!(
        body["keyholeWitness"]["principal"],
        "arn:aws:iam::111111111111:user/keyhole-user"
    );
}

#[tokio::test]
async fn check_access_not_granted_names_the_statement_by_its_sid() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let document = policy(json!([{"Sid": "ReadObjects", "Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]));
    let ask = |actions: Value| {
        json!({"policyDocument": document, "policyType": "IDENTITY_POLICY",
               "access": [{"actions": actions}]})
    };
    let pass = call(
        emu.addr(),
        "/policy/check-access-not-granted",
        &ask(json!(["s3:PutObject"])),
    )
    .await;
    assert_eq!(
        pass.json(),
        json!({"result": "PASS",
               "message": "The policy document does not grant access to perform the listed actions or resources.",
               "reasons": []})
    );
    let fail = call(
        emu.addr(),
        "/policy/check-access-not-granted",
        &ask(json!(["s3:GetObject", "s3:PutObject"])),
    )
    .await;
    let body = fail.json();
    assert_eq!(body["result"], "FAIL", "{}", fail.body);
    assert_eq!(
        body["message"],
        "The policy document grants access to perform one or more of the listed actions or resources."
    );
    assert_eq!(
        body["reasons"],
        json!([{"description": "One or more of the listed actions or resources in the statement with sid: ReadObjects.",
                "statementIndex": 0, "statementId": "ReadObjects"}])
    );
    assert_eq!(body["keyholeWitness"]["action"], "s3:GetObject");

    let nothing = call(
        emu.addr(),
        "/policy/check-access-not-granted",
        &ask(json!([])),
    )
    .await;
    assert_eq!(nothing.status, 400);
    assert_eq!(
        nothing.json(),
        json!({"message": "The access list names no action and no resource, so there is nothing to check. \
                           Give at least one action (\"s3:GetObject\") or resource ARN in access[0]."})
    );
}

#[tokio::test]
async fn check_no_public_access_reads_a_key_policy_as_kms_does() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let key_policy = |principal: Value| {
        policy(
            json!([{"Sid": "Use", "Effect": "Allow", "Principal": principal,
            "Action": "kms:Decrypt", "Resource": "*"}]),
        )
    };
    let ask =
        |document: String| json!({"policyDocument": document, "resourceType": "AWS::KMS::Key"});
    let pass = call(
        emu.addr(),
        "/policy/check-no-public-access",
        &ask(key_policy(json!({"AWS": "arn:aws:iam::111111111111:root"}))),
    )
    .await;
    assert_eq!(
        pass.json(),
        json!({"result": "PASS",
               "message": "The resource policy does not grant public access for the given resource type.",
               "reasons": []})
    );
    let fail = call(
        emu.addr(),
        "/policy/check-no-public-access",
        &ask(key_policy(json!("*"))),
    )
    .await;
    let body = fail.json();
    assert_eq!(body["result"], "FAIL", "{}", fail.body);
    assert_eq!(
        body["message"],
        "The resource policy grants public access for the given resource type."
    );
    assert_eq!(
        body["reasons"],
        json!([{"description": "Public access granted in the following statement with sid: Use.",
                "statementIndex": 0, "statementId": "Use"}])
    );
    assert_eq!(body["keyholeWitness"]["action"], "kms:Decrypt");
    assert_eq!(
        body["keyholeWitness"]["resource"],
        "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    );
}

/// A generic resource policy (a queue's) that names only its own account: a stranger
/// reaches no resource of the owner, whatever they may do to their own.
#[tokio::test]
async fn a_queue_policy_for_its_own_account_is_not_public() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let own = policy(
        json!([{"Effect": "Allow", "Principal": {"AWS": "111111111111"},
        "Action": "sqs:SendMessage", "Resource": "*"}]),
    );
    let answer = call(
        emu.addr(),
        "/policy/check-no-public-access",
        &json!({"policyDocument": own, "resourceType": "AWS::SQS::Queue"}),
    )
    .await;
    assert_eq!(answer.json()["result"], "PASS", "{}", answer.body);
}

#[tokio::test]
async fn the_model_rejects_input_with_its_validation_exception() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let missing = call(
        emu.addr(),
        "/policy/check-no-new-access",
        &json!({"existingPolicyDocument": kms_identity(&["kms:*"]),
                "newPolicyDocument": kms_identity(&["kms:*"])}),
    )
    .await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.json(),
        json!({"message": "1 validation error detected: Value null at 'policyType' failed to satisfy constraint: Member must not be null",
               "reason": "fieldValidationFailed",
               "fieldList": [{"name": "policyType", "message": "Member must not be null"}]})
    );
    assert!(
        missing.status_line.contains("400"),
        "{}",
        missing.status_line
    );

    let wrong = call(
        emu.addr(),
        "/policy/check-no-public-access",
        &json!({"policyDocument": kms_identity(&["kms:*"]), "resourceType": "AWS::EC2::Instance"}),
    )
    .await;
    assert_eq!(wrong.status, 400);
    let types = "AWS::DynamoDB::Table, AWS::DynamoDB::Stream, AWS::EFS::FileSystem, \
        AWS::OpenSearchService::Domain, AWS::Kinesis::Stream, AWS::Kinesis::StreamConsumer, \
        AWS::KMS::Key, AWS::Lambda::Function, AWS::S3::Bucket, AWS::S3::AccessPoint, \
        AWS::S3Express::DirectoryBucket, AWS::S3::Glacier, AWS::S3Outposts::Bucket, \
        AWS::S3Outposts::AccessPoint, AWS::SecretsManager::Secret, AWS::SNS::Topic, \
        AWS::SQS::Queue, AWS::IAM::AssumeRolePolicyDocument, AWS::S3Tables::TableBucket, \
        AWS::ApiGateway::RestApi, AWS::CodeArtifact::Domain, AWS::Backup::BackupVault, \
        AWS::CloudTrail::Dashboard, AWS::CloudTrail::EventDataStore, AWS::S3Tables::Table, \
        AWS::S3Express::AccessPoint";
    let constraint = format!("Member must satisfy enum value set: [{types}]");
    assert_eq!(
        wrong.json(),
        json!({"message": format!("1 validation error detected: Value 'AWS::EC2::Instance' at 'resourceType' failed to satisfy constraint: {constraint}"),
               "reason": "fieldValidationFailed",
               "fieldList": [{"name": "resourceType", "message": constraint}]})
    );

    let two = call(
        emu.addr(),
        "/policy/check-access-not-granted",
        &json!({"policyDocument": kms_identity(&["kms:*"]), "policyType": "IDENTITY_POLICY",
                "access": [{"actions": ["kms:Decrypt"]}, {"actions": ["kms:Encrypt"]}]}),
    )
    .await;
    assert_eq!(
        two.json()["message"],
        "1 validation error detected: Value '[{\"actions\":[\"kms:Decrypt\"]}, {\"actions\":[\"kms:Encrypt\"]}]' at 'access' failed to satisfy constraint: Member must have length less than or equal to 1"
    );
    assert_eq!(
        two.json()["fieldList"],
        json!([{"name": "access", "message": "Member must have length less than or equal to 1"}])
    );
}

#[tokio::test]
async fn a_document_keyhole_cannot_read_or_decide_is_said_so() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let broken = call(
        emu.addr(),
        "/policy/check-no-public-access",
        &json!({"policyDocument": "{\"Version\": \"2012-10-17\"", "resourceType": "AWS::SQS::Queue"}),
    )
    .await;
    assert_eq!(broken.status, 400, "{}", broken.body);
    let message = broken.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.starts_with("The policyDocument is not a valid resource policy: "),
        "{message}"
    );
    assert!(message.ends_with(
        " Fix the document (ValidatePolicy lists each problem with its location), then run the check again."
    ));

    let variable = policy(
        json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}}]),
    );
    let undecided = call(
        emu.addr(),
        "/policy/check-no-new-access",
        &json!({"existingPolicyDocument": kms_identity(&["kms:Encrypt"]),
                "newPolicyDocument": variable, "policyType": "IDENTITY_POLICY"}),
    )
    .await;
    assert_eq!(undecided.status, 422, "{}", undecided.body);
    assert_eq!(
        undecided.json(),
        json!({"message": "keyhole cannot decide this exactly: the condition StringEquals on aws:ResourceTag/owner \
                           uses the policy variable \"${aws:username}\", which ties two values of the request \
                           together. Rewrite the statement without that construct, or run this check against \
                           AWS IAM Access Analyzer."})
    );
}

/// The checks go through the pipeline's authorization like every call: a user whose
/// policies do not allow `access-analyzer:CheckNoPublicAccess` is refused, and allowed once
/// they do. Uses the AWS CLI, which also proves it parses keyhole's answers.
#[tokio::test]
async fn the_cli_is_authorized_by_the_callers_policies() {
    let Some((_emu, cli)) = start_with_cli().await else {
        return;
    };
    let root = support::root(OWNER);
    cli.ok(root, &["iam", "create-user", "--user-name", "ci"])
        .await;
    let key = cli
        .ok(root, &["iam", "create-access-key", "--user-name", "ci"])
        .await;
    let user = (
        support::s(&key, "/AccessKey/AccessKeyId").to_owned(),
        support::s(&key, "/AccessKey/SecretAccessKey").to_owned(),
    );
    let user = (user.0.as_str(), user.1.as_str(), None);
    let check = [
        "accessanalyzer",
        "check-no-public-access",
        "--policy-document",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}]}"#,
        "--resource-type",
        "AWS::SQS::Queue",
    ];
    let denied = cli.fails(user, &check).await;
    assert!(
        denied.contains("An error occurred (AccessDeniedException) when calling the CheckNoPublicAccess operation: User: arn:aws:iam::111111111111:user/ci is not authorized to perform: access-analyzer:CheckNoPublicAccess"),
        "{denied}"
    );
    cli.ok(
        root,
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "ci",
            "--policy-name",
            "checks",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"access-analyzer:Check*","Resource":"*"}]}"#,
        ],
    )
    .await;
    let answer = cli.ok(user, &check).await;
    assert_eq!(answer["result"], "FAIL");
    assert_eq!(
        answer["reasons"],
        json!([{"description": "Public access granted in the following statement with index: 0.",
                "statementIndex": 0}])
    );
}

const PASS_ROLE_DETAILS: &str = "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.";

/// ValidatePolicy: no findings for a clean document; AWS's finding, located, for a risky
/// one; and the findings a page at a time, the query string's `maxResults` and `nextToken`.
#[tokio::test]
async fn validate_policy_pages_its_findings() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let clean = policy(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::reports/*"}]));
    let none = call(
        emu.addr(),
        "/policy/validation",
        &json!({"policyDocument": clean, "policyType": "IDENTITY_POLICY"}),
    )
    .await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.json(), json!({"findings": []}));

    // No Version (a WARNING at the document) and iam:PassRole on "*" (a SECURITY_WARNING).
    let risky =
        r#"{"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#;
    let ask = json!({"policyDocument": risky, "policyType": "IDENTITY_POLICY"});
    let all = call(emu.addr(), "/policy/validation", &ask).await.json();
    let codes: Vec<&str> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["issueCode"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["MISSING_VERSION", "PASS_ROLE_WITH_STAR_IN_RESOURCE"]
    );
    assert_eq!(all["findings"][1]["findingType"], "SECURITY_WARNING");
    assert_eq!(all["findings"][1]["findingDetails"], PASS_ROLE_DETAILS);
    assert_eq!(
        all["findings"][1]["locations"][0]["path"],
        json!([{"value": "Statement"}, {"index": 0}, {"value": "Action"}])
    );
    assert!(all.get("nextToken").is_none());

    let first = call(emu.addr(), "/policy/validation?maxResults=1", &ask)
        .await
        .json();
    assert_eq!(first["findings"], json!([all["findings"][0]]));
    let token = first["nextToken"].as_str().expect("a next page");
    let second = call(
        emu.addr(),
        &format!("/policy/validation?maxResults=1&nextToken={token}"),
        &ask,
    )
    .await
    .json();
    assert_eq!(second, json!({"findings": [all["findings"][1]]}));

    let zero = call(emu.addr(), "/policy/validation?maxResults=0", &ask).await;
    assert_eq!(zero.status, 400);
    assert_eq!(
        zero.json(),
        json!({"message": "1 validation error detected: Value 0 at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
               "reason": "fieldValidationFailed",
               "fieldList": [{"name": "maxResults", "message": "Member must have value greater than or equal to 1"}]})
    );
}

/// The witness shows the condition keys the policies read, with the value that breaks the
/// rule: the new policy lets team "b" decrypt, the existing one only team "a".
#[tokio::test]
async fn the_witness_shows_the_condition_values_that_break_the_rule() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let for_teams = |teams: Value| {
        policy(
            json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": teams}}}]),
        )
    };
    let fail = call(
        emu.addr(),
        "/policy/check-no-new-access",
        &json!({"existingPolicyDocument": for_teams(json!("a")),
                "newPolicyDocument": for_teams(json!(["a", "b"])),
                "policyType": "IDENTITY_POLICY"}),
    )
    .await;
    let witness = &fail.json()["keyholeWitness"];
    assert_eq!(witness["action"], "kms:Decrypt", "{}", fail.body);
    assert_eq!(witness["context"], json!({"aws:PrincipalTag/team": ["b"]}));
}

/// An access entry of resources alone asks whether any action is allowed on them.
#[tokio::test]
async fn check_access_not_granted_with_resources_only() {
    let emu = keyhole::Emulator::start().await.expect("start");
    let logs =
        policy(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::logs/*"}]));
    let ask = |resource: &str| {
        json!({"policyDocument": logs, "policyType": "IDENTITY_POLICY",
               "access": [{"resources": [resource]}]})
    };
    let on_logs = call(
        emu.addr(),
        "/policy/check-access-not-granted",
        &ask("arn:aws:s3:::logs/app.log"),
    )
    .await
    .json();
    assert_eq!(on_logs["result"], "FAIL");
    assert_eq!(
        on_logs["keyholeWitness"]["resource"],
        "arn:aws:s3:::logs/app.log"
    );
    let elsewhere = call(
        emu.addr(),
        "/policy/check-access-not-granted",
        &ask("arn:aws:s3:::other/app.log"),
    )
    .await
    .json();
    assert_eq!(elsewhere["result"], "PASS");
}
