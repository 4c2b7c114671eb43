//! AWS Organizations end to end: a real keyhole server on a socket, driven with hand-written
//! awsJson1.1 requests (keyhole does not check signatures for 12-digit access keys) and,
//! when it is installed, the AWS CLI, whose botocore parser is strict about shapes.

use std::process::Command;

use serde_json::{json, Value};

mod support;

const MGMT: &str = "111111111111";
const INVITED: &str = "222222222222";
const OUTSIDER: &str = "999999999999";

/// POSTs one Organizations call as `account`'s root; returns (status, JSON body).
async fn call(emu: &keyhole::Emulator, account: &str, op: &str, body: Value) -> (u16, Value) {
    let target = format!("AWSOrganizationsV20161128.{op}");
    let answer = support::aws_json(emu.addr(), account, "organizations", &target, &body).await;
    (answer.status, answer.json())
}

async fn ok(emu: &keyhole::Emulator, account: &str, op: &str, body: Value) -> Value {
    let (status, value) = call(emu, account, op, body).await;
    assert_eq!(status, 200, "{op}: {value}");
    value
}

fn s(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_lifecycle_over_http() {
    let emu = keyhole::Emulator::start().await.expect("emulator");

    // Outside any organization.
    let (status, body) = call(&emu, OUTSIDER, "DescribeOrganization", json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"__type": "AWSOrganizationsNotInUseException",
               "Message": "Your account is not a member of an organization."})
    );

    let org = ok(
        &emu,
        MGMT,
        "CreateOrganization",
        json!({"FeatureSet": "ALL"}),
    )
    .await;
    let org_id = s(&org["Organization"]["Id"]);
    let root = s(&ok(&emu, MGMT, "ListRoots", json!({})).await["Roots"][0]["Id"]);

    // Create an account (asynchronous status) and an OU; move the account into it.
    let created = ok(
        &emu,
        MGMT,
        "CreateAccount",
        json!({"AccountName": "workload", "Email": "workload@example.org"}),
    )
    .await;
    assert_eq!(created["CreateAccountStatus"]["State"], "IN_PROGRESS");
    let status = ok(
        &emu,
        MGMT,
        "DescribeCreateAccountStatus",
        json!({"CreateAccountRequestId": created["CreateAccountStatus"]["Id"]}),
    )
    .await;
    assert_eq!(status["CreateAccountStatus"]["State"], "SUCCEEDED");
    let account = s(&status["CreateAccountStatus"]["AccountId"]);
    let ou = s(&ok(
        &emu,
        MGMT,
        "CreateOrganizationalUnit",
        json!({"ParentId": root, "Name": "Workloads"}),
    )
    .await["OrganizationalUnit"]["Id"]);
    ok(
        &emu,
        MGMT,
        "MoveAccount",
        json!({"AccountId": account, "SourceParentId": root, "DestinationParentId": ou}),
    )
    .await;

    // SCPs: enable, create, attach, list for the target.
    ok(
        &emu,
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    )
    .await;
    let scp = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}]});
    let policy = s(&ok(
        &emu,
        MGMT,
        "CreatePolicy",
        json!({"Type": "SERVICE_CONTROL_POLICY", "Name": "no-decrypt",
               "Description": "deny kms:Decrypt", "Content": scp.to_string()}),
    )
    .await["Policy"]["PolicySummary"]["Id"]);
    ok(
        &emu,
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": policy, "TargetId": ou}),
    )
    .await;
    let listed = ok(
        &emu,
        MGMT,
        "ListPoliciesForTarget",
        json!({"TargetId": ou, "Filter": "SERVICE_CONTROL_POLICY"}),
    )
    .await;
    let names: Vec<String> = listed["Policies"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| s(&p["Name"]))
        .collect();
    assert_eq!(
        names,
        vec!["FullAWSAccess".to_owned(), "no-decrypt".to_owned()]
    );

    // Tag policy inherited from the root, extended at the OU, effective for the account.
    ok(
        &emu,
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "TAG_POLICY"}),
    )
    .await;
    for (name, target, content) in [
        (
            "root-tags",
            root.clone(),
            json!({"tags": {"CostCenter": {"tag_key": {"@@assign": "CostCenter"},
                "tag_value": {"@@assign": ["100"]}}}}),
        ),
        (
            "ou-tags",
            ou.clone(),
            json!({"tags": {"costcenter": {"tag_value": {"@@append": ["200"]}}}}),
        ),
    ] {
        let id = s(&ok(
            &emu,
            MGMT,
            "CreatePolicy",
            json!({"Type": "TAG_POLICY", "Name": name, "Description": "", "Content": content.to_string()}),
        )
        .await["Policy"]["PolicySummary"]["Id"]);
        ok(
            &emu,
            MGMT,
            "AttachPolicy",
            json!({"PolicyId": id, "TargetId": target}),
        )
        .await;
    }
    let effective = ok(
        &emu,
        &account,
        "DescribeEffectivePolicy",
        json!({"PolicyType": "TAG_POLICY"}),
    )
    .await;
    let content: Value =
        serde_json::from_str(&s(&effective["EffectivePolicy"]["PolicyContent"])).expect("JSON");
    assert_eq!(
        content,
        json!({"tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "200"]}}})
    );

    // A member account can't list accounts or attach policies.
    let denied = json!({"__type": "AccessDeniedException",
                        "Message": "You don't have permissions to access this resource."});
    let (status, body) = call(&emu, &account, "ListAccounts", json!({})).await;
    assert_eq!((status, body), (400, denied.clone()));
    let (_, body) = call(
        &emu,
        &account,
        "AttachPolicy",
        json!({"PolicyId": policy, "TargetId": account}),
    )
    .await;
    assert_eq!(body, denied);

    // Invitation and acceptance.
    let invite = ok(
        &emu,
        MGMT,
        "InviteAccountToOrganization",
        json!({"Target": {"Type": "ACCOUNT", "Id": INVITED}}),
    )
    .await;
    let accepted = ok(
        &emu,
        INVITED,
        "AcceptHandshake",
        json!({"HandshakeId": invite["Handshake"]["Id"]}),
    )
    .await;
    assert_eq!(accepted["Handshake"]["State"], "ACCEPTED");
    let joined = ok(&emu, INVITED, "DescribeOrganization", json!({})).await;
    assert_eq!(joined["Organization"]["Id"], json!(org_id));

    // Deleting the organization needs it empty.
    let (_, body) = call(&emu, MGMT, "DeleteOrganization", json!({})).await;
    assert_eq!(body["__type"], "OrganizationNotEmptyException");
    ok(&emu, INVITED, "LeaveOrganization", json!({})).await;
    ok(
        &emu,
        MGMT,
        "RemoveAccountFromOrganization",
        json!({"AccountId": account}),
    )
    .await;
    ok(&emu, MGMT, "DeleteOrganization", json!({})).await;
    let (_, body) = call(&emu, MGMT, "ListRoots", json!({})).await;
    assert_eq!(body["__type"], "AWSOrganizationsNotInUseException");
    emu.stop().await;
}

/// Runs `aws organizations <args>` as `account`; returns (exit code, stdout, stderr).
fn aws(endpoint: &str, account: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::new("aws")
        .arg("organizations")
        .args(args)
        .args(["--endpoint-url", endpoint, "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", account)
        .env("AWS_SECRET_ACCESS_KEY", "keyhole")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .expect("run aws");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn aws_ok(endpoint: &str, account: &str, args: &[&str]) -> Value {
    let (code, out, err) = aws(endpoint, account, args);
    assert_eq!(code, 0, "aws {args:?}: {err}");
    if out.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&out).expect("CLI prints JSON")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_parses_organizations_answers() {
    if !support::aws_available() {
        eprintln!("SKIPPED: the AWS CLI (`aws`) is not on PATH");
        return;
    }
    let emu = keyhole::Emulator::start().await.expect("emulator");
    let endpoint = emu.endpoint_url();
    let result = tokio::task::spawn_blocking(move || {
        let e = endpoint.as_str();
        let org = aws_ok(e, MGMT, &["create-organization", "--feature-set", "ALL"]);
        assert_eq!(org["Organization"]["MasterAccountId"], MGMT);
        let roots = aws_ok(e, MGMT, &["list-roots"]);
        let root = s(&roots["Roots"][0]["Id"]);
        let ou = aws_ok(
            e,
            MGMT,
            &["create-organizational-unit", "--parent-id", &root, "--name", "Dev"],
        );
        let ou_id = s(&ou["OrganizationalUnit"]["Id"]);
        let created = aws_ok(
            e,
            MGMT,
            &["create-account", "--account-name", "dev", "--email", "dev@example.org"],
        );
        let request = s(&created["CreateAccountStatus"]["Id"]);
        let status = aws_ok(
            e,
            MGMT,
            &["describe-create-account-status", "--create-account-request-id", &request],
        );
        let account = s(&status["CreateAccountStatus"]["AccountId"]);
        aws_ok(
            e,
            MGMT,
            &["move-account", "--account-id", &account, "--source-parent-id", &root,
              "--destination-parent-id", &ou_id],
        );
        let accounts = aws_ok(e, MGMT, &["list-accounts"]);
        assert_eq!(accounts["Accounts"].as_array().map(Vec::len), Some(2));
        aws_ok(
            e,
            MGMT,
            &["enable-policy-type", "--root-id", &root, "--policy-type", "TAG_POLICY"],
        );
        let tag = r#"{"tags":{"Team":{"tag_key":{"@@assign":"Team"},"tag_value":{"@@assign":["a","b"]}}}}"#;
        let policy = aws_ok(
            e,
            MGMT,
            &["create-policy", "--type", "TAG_POLICY", "--name", "team", "--description", "t",
              "--content", tag],
        );
        let policy_id = s(&policy["Policy"]["PolicySummary"]["Id"]);
        aws_ok(e, MGMT, &["attach-policy", "--policy-id", &policy_id, "--target-id", &root]);
        let effective = aws_ok(
            e,
            &account,
            &["describe-effective-policy", "--policy-type", "TAG_POLICY"],
        );
        // CLI v1 prints timestamps as received (epoch seconds), v2 as ISO 8601.
        let updated = &effective["EffectivePolicy"]["LastUpdatedTimestamp"];
        assert!(updated.is_number() || updated.is_string(), "{updated}");
        let content: Value =
            serde_json::from_str(&s(&effective["EffectivePolicy"]["PolicyContent"])).expect("JSON");
        assert_eq!(content["tags"]["team"]["tag_value"], json!(["a", "b"]));
        aws_ok(e, MGMT, &["list-children", "--parent-id", &ou_id, "--child-type", "ACCOUNT"]);
        aws_ok(e, MGMT, &["list-parents", "--child-id", &account]);
        aws_ok(e, MGMT, &["list-handshakes-for-organization"]);
        aws_ok(e, MGMT, &["describe-organization"]);
        let (code, _, err) = aws(e, &account, &["list-accounts"]);
        assert_ne!(code, 0);
        assert!(
            err.contains("An error occurred (AccessDeniedException) when calling the ListAccounts operation: You don't have permissions to access this resource."),
            "{err}"
        );
        let (code, _, err) = aws(e, OUTSIDER, &["describe-organization"]);
        assert_ne!(code, 0);
        assert!(
            err.contains("(AWSOrganizationsNotInUseException) when calling the DescribeOrganization operation: Your account is not a member of an organization."),
            "{err}"
        );
    })
    .await;
    emu.stop().await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic.into_panic());
    }
}
