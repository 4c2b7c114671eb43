//! `GET /_keyhole/who-can` and `keyhole policy who-can` over a real world: two accounts of
//! one organization, a key of the management account whose policy lets a role of the member
//! account decrypt, and an SCP that denies one member user. Every principal's decision is
//! the one its own request would get, with the service's AccessDenied message to the letter.

use std::process::Command;

use serde_json::{json, Value};

mod support;

const MGMT: &str = "111111111111";
const MEMBER: &str = "222222222222";

async fn orgs(emu: &keyhole::Emulator, account: &str, op: &str, body: Value) -> Value {
    let target = format!("AWSOrganizationsV20161128.{op}");
    let answer = support::aws_json(emu.addr(), account, "organizations", &target, &body).await;
    assert_eq!(answer.status, 200, "{op}: {}", answer.body);
    answer.json()
}

async fn kms(emu: &keyhole::Emulator, account: &str, op: &str, body: Value) -> Value {
    let target = format!("TrentService.{op}");
    let answer = support::aws_json(emu.addr(), account, "kms", &target, &body).await;
    assert_eq!(answer.status, 200, "{op}: {}", answer.body);
    answer.json()
}

/// The world; returns the key's ARN, a key nobody may decrypt with, and the SCP's ARN.
async fn world(emu: &keyhole::Emulator) -> (String, String, String) {
    let decrypt = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]});
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{MEMBER}:root")}, "Action": "sts:AssumeRole"}]});
    let decrypt_arn = format!("arn:aws:iam::{MEMBER}:policy/DecryptAny");
    emu.seed(&json!({"accounts": {
    MGMT: {"users": [{"name": "admin"}]},
    MEMBER: {
        "policies": [{"name": "DecryptAny", "document": decrypt}],
        "users": [{"name": "alice", "managedPolicies": [decrypt_arn]},
                  {"name": "bob", "managedPolicies": [decrypt_arn]}],
        "roles": [{"name": "Decrypter", "trustPolicy": trust, "managedPolicies": [decrypt_arn]}]
    }}}))
    .expect("seeded");

    orgs(
        emu,
        MGMT,
        "CreateOrganization",
        json!({"FeatureSet": "ALL"}),
    )
    .await;
    let invite = orgs(
        emu,
        MGMT,
        "InviteAccountToOrganization",
        json!({"Target": {"Type": "ACCOUNT", "Id": MEMBER}}),
    )
    .await;
    let handshake = support::s(&invite, "/Handshake/Id").to_owned();
    orgs(
        emu,
        MEMBER,
        "AcceptHandshake",
        json!({"HandshakeId": handshake}),
    )
    .await;
    let roots = orgs(emu, MGMT, "ListRoots", json!({})).await;
    let root = support::s(&roots, "/Roots/0/Id").to_owned();
    orgs(
        emu,
        MGMT,
        "EnablePolicyType",
        json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    )
    .await;
    let no_bob = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
        "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": format!("arn:aws:iam::{MEMBER}:user/bob")}}}]});
    let scp = orgs(
        emu,
        MGMT,
        "CreatePolicy",
        json!({"Type": "SERVICE_CONTROL_POLICY", "Name": "NoBob", "Description": "d",
               "Content": no_bob.to_string()}),
    )
    .await;
    let scp_id = support::s(&scp, "/Policy/PolicySummary/Id").to_owned();
    let scp_arn = support::s(&scp, "/Policy/PolicySummary/Arn").to_owned();
    orgs(
        emu,
        MGMT,
        "AttachPolicy",
        json!({"PolicyId": scp_id, "TargetId": MEMBER}),
    )
    .await;

    let key_policy = format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{"Sid": "Owner", "Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{MGMT}:root"}},
      "Action": "kms:*", "Resource": "*"}},
    {{"Sid": "PartnerDecrypt", "Effect": "Allow",
      "Principal": {{"AWS": ["arn:aws:iam::{MEMBER}:role/Decrypter", "arn:aws:iam::{MEMBER}:user/bob"]}},
      "Action": "kms:Decrypt", "Resource": "*"}},
    {{"Sid": "Logs", "Effect": "Allow", "Principal": {{"Service": "logs.amazonaws.com"}},
      "Action": "kms:Decrypt", "Resource": "*"}}
  ]
}}"#
    );
    let key = kms(emu, MGMT, "CreateKey", json!({"Policy": key_policy})).await;
    let locked_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{MGMT}:root")},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "NoDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]});
    let locked = kms(
        emu,
        MGMT,
        "CreateKey",
        json!({"Policy": locked_policy.to_string()}),
    )
    .await;
    (
        support::s(&key, "/KeyMetadata/Arn").to_owned(),
        support::s(&locked, "/KeyMetadata/Arn").to_owned(),
        scp_arn,
    )
}

/// Who-can over the socket, as curl asks it.
async fn over_http(emu: &keyhole::Emulator, action: &str, resource: &str) -> (u16, Value) {
    let query = format!("/_keyhole/who-can?action={action}&resource={resource}");
    let answer = support::send(emu.addr(), "GET", &query, &[], "").await;
    (answer.status, answer.json())
}

fn principals(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["principal"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn who_can_decrypt_lists_every_principal_with_its_decision() {
    let emu = keyhole::Emulator::start().await.unwrap();
    let (key, _, scp_arn) = world(&emu).await;
    let (status, answer) = over_http(&emu, "kms:Decrypt", &key).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["action"], "kms:Decrypt");
    assert_eq!(answer["resource"], key.as_str());

    assert_eq!(
        principals(&answer["allowed"]),
        [
            format!("arn:aws:iam::{MGMT}:root"),
            format!("arn:aws:sts::{MEMBER}:assumed-role/Decrypter/keyhole-who-can"),
            "logs.amazonaws.com".to_owned(),
        ]
    );
    // The role of the other account: its identity policy and the key policy both allow.
    let role = &answer["allowed"][1];
    assert_eq!(role["layer"], "identity-based policy", "{role}");
    assert_eq!(
        role["statements"],
        json!([
            {"policy": "resource-policy", "sid": "PartnerDecrypt", "index": 1, "line": 6, "column": 5},
            {"policy": format!("arn:aws:iam::{MEMBER}:policy/DecryptAny"), "sid": null, "index": 0, "line": 1, "column": 38},
        ]),
        "{role}"
    );
    assert!(
        role["explanation"].as_str().unwrap().starts_with(&format!(
            "allowed kms:Decrypt on {key} by arn:aws:sts::{MEMBER}:assumed-role/Decrypter/keyhole-who-can (cross-account)\n"
        )),
        "{role}"
    );
    // The service principal the key policy names: the key policy alone decides.
    assert_eq!(
        answer["allowed"][2]["statements"],
        json!([{"policy": "resource-policy", "sid": "Logs", "index": 2, "line": 9, "column": 5}])
    );

    let not_named = |who: &str| {
        format!("User: {who} is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")
    };
    assert_eq!(
        answer["denied"],
        json!([
            {"principal": format!("arn:aws:iam::{MGMT}:user/admin"), "decision": "implicitDeny",
             "layer": "identity-based policy",
             "message": format!("User: arn:aws:iam::{MGMT}:user/admin is not authorized to perform: kms:Decrypt on resource: {key} because no identity-based policy allows the kms:Decrypt action")},
            {"principal": format!("arn:aws:iam::{MEMBER}:root"), "decision": "implicitDeny",
             "layer": "resource-based policy",
             "message": not_named(&format!("arn:aws:iam::{MEMBER}:root"))},
            {"principal": format!("arn:aws:iam::{MEMBER}:user/alice"), "decision": "implicitDeny",
             "layer": "resource-based policy",
             "message": not_named(&format!("arn:aws:iam::{MEMBER}:user/alice"))},
            {"principal": format!("arn:aws:iam::{MEMBER}:user/bob"), "decision": "explicitDeny",
             "layer": "service control policy",
             "message": format!("User: arn:aws:iam::{MEMBER}:user/bob is not authorized to perform: kms:Decrypt on resource: {key} with an explicit deny in a service control policy: {scp_arn}")},
        ])
    );

    // A real request of the member account's root gets the message who-can shows for it.
    let sealed = kms(
        &emu,
        MGMT,
        "Encrypt",
        json!({"KeyId": key, "Plaintext": "aGk="}),
    )
    .await;
    let real = support::aws_json(
        emu.addr(),
        MEMBER,
        "kms",
        "TrentService.Decrypt",
        &json!({"KeyId": key, "CiphertextBlob": sealed["CiphertextBlob"]}),
    )
    .await;
    assert_eq!(real.status, 400, "{}", real.body);
    assert_eq!(real.json()["Message"], answer["denied"][1]["message"]);

    // In process, the same answer.
    assert_eq!(emu.who_can("kms:Decrypt", &key).unwrap(), answer);
    emu.stop().await;
}

#[tokio::test]
async fn who_can_refuses_what_it_cannot_answer() {
    let emu = keyhole::Emulator::start().await.unwrap();
    let missing = format!("arn:aws:kms:us-east-1:{MGMT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let (status, body) = over_http(&emu, "kms:Decrypt", &missing).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"error": format!("no KMS key, backup vault or IAM role of this world has the ARN {missing}: who-can answers for a key (its key ARN or an alias ARN), a vault or a role that exists; GET /_keyhole/state lists them")})
    );
    let refused = emu.who_can("kms:Decrypt", &missing).unwrap_err();
    assert_eq!(refused.status, 404);
    let (status, body) = over_http(&emu, "Decrypt", &missing).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "`Decrypt` is not an action: write it as SERVICE:Operation, e.g. kms:Decrypt"})
        )
    );
    let answer = support::send(
        emu.addr(),
        "GET",
        "/_keyhole/who-can?action=kms:Decrypt&resource=x&principal=y",
        &[],
        "",
    )
    .await;
    assert_eq!(
        (answer.status, answer.json()),
        (
            400,
            json!({"error": "unknown query parameter `principal`, expected `action` and `resource`"})
        )
    );
    let answer = support::send(
        emu.addr(),
        "GET",
        "/_keyhole/who-can?action=kms:Decrypt",
        &[],
        "",
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"error": "who-can needs ?action=SERVICE:Operation&resource=ARN, e.g. ?action=kms:Decrypt&resource=arn:aws:kms:us-east-1:111111111111:key/KEY-ID"})
    );
    emu.stop().await;
}

/// `keyhole policy who-can ARGS`: exit status and everything printed.
fn keyhole(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyhole"))
        .arg("policy")
        .arg("who-can")
        .args(args)
        .env_remove("KEYHOLE_ENDPOINT")
        .output()
        .expect("keyhole runs");
    let text = String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap();
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_asks_a_saved_world_or_a_running_one() {
    let emu = keyhole::Emulator::start().await.unwrap();
    let (key, locked, scp_arn) = world(&emu).await;
    let live = emu.who_can("kms:Decrypt", &key).unwrap();
    let state = std::env::temp_dir().join(format!("keyhole-who-can-{}.json", std::process::id()));
    std::fs::write(&state, emu.state().unwrap().to_string()).unwrap();
    let state_file = state.clone();
    let state = state.to_str().unwrap().to_owned();

    // A saved world answers as the running one does.
    let (code, out) = keyhole(&["kms:Decrypt", &key, "--state", &state, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), live);

    // Nobody may decrypt with the locked key: exit status 1.
    let (code, out) = keyhole(&["kms:Decrypt", &locked, "--state", &state]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.ends_with("No principal of this world may do this (exit status 1).\n"),
        "{out}"
    );

    // Against the running keyhole, for a person.
    let endpoint = emu.endpoint_url();
    let (code, out) = tokio::task::spawn_blocking(move || {
        keyhole(&["kms:Decrypt", &key, "--endpoint", &endpoint])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    let key = live["resource"].as_str().unwrap();
    let not_named = |who: &str| {
        format!("User: {who} is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")
    };
    assert_eq!(
        out,
        format!(
            "who can kms:Decrypt on {key}
allowed (3):
  arn:aws:iam::{MGMT}:root
    by the resource-based policy
      statement #0 Sid \"Owner\" at line 4 column 5 of resource-policy
  arn:aws:sts::{MEMBER}:assumed-role/Decrypter/keyhole-who-can
    by the identity-based policy
      statement #1 Sid \"PartnerDecrypt\" at line 6 column 5 of resource-policy
      statement #0 at line 1 column 38 of arn:aws:iam::{MEMBER}:policy/DecryptAny
  logs.amazonaws.com
    by the resource-based policy
      statement #2 Sid \"Logs\" at line 9 column 5 of resource-policy
denied (4):
  arn:aws:iam::{MGMT}:user/admin (implicitDeny by the identity-based policy)
    User: arn:aws:iam::{MGMT}:user/admin is not authorized to perform: kms:Decrypt on resource: {key} because no identity-based policy allows the kms:Decrypt action
  arn:aws:iam::{MEMBER}:root (implicitDeny by the resource-based policy)
    {}
  arn:aws:iam::{MEMBER}:user/alice (implicitDeny by the resource-based policy)
    {}
  arn:aws:iam::{MEMBER}:user/bob (explicitDeny by the service control policy)
    User: arn:aws:iam::{MEMBER}:user/bob is not authorized to perform: kms:Decrypt on resource: {key} with an explicit deny in a service control policy: {scp_arn}
",
            not_named(&format!("arn:aws:iam::{MEMBER}:root")),
            not_named(&format!("arn:aws:iam::{MEMBER}:user/alice")),
        )
    );

    // A resource the world does not have, and a keyhole that is not there: exit status 2.
    let missing = format!("arn:aws:kms:us-east-1:{MGMT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let (code, out) = keyhole(&["kms:Decrypt", &missing, "--state", &state]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(out, format!("keyhole: no KMS key, backup vault or IAM role of this world has the ARN {missing}: who-can answers for a key (its key ARN or an alias ARN), a vault or a role that exists; GET /_keyhole/state lists them\n"));
    let _ = std::fs::remove_file(state_file);
    emu.stop().await;
}

#[tokio::test]
async fn who_can_assume_a_role_and_use_a_vault() {
    let emu = keyhole::Emulator::start().await.unwrap();
    world(&emu).await;
    let role = format!("arn:aws:iam::{MEMBER}:role/Decrypter");
    let (status, answer) = over_http(&emu, "sts:AssumeRole", &role).await;
    assert_eq!(status, 200, "{answer}");
    // The trust policy names the member account: its root, and whoever it lets assume.
    assert_eq!(
        principals(&answer["allowed"]),
        [format!("arn:aws:iam::{MEMBER}:root")]
    );
    assert_eq!(answer["allowed"][0]["layer"], "role trust policy");
    assert_eq!(
        answer["denied"][0],
        json!({"principal": format!("arn:aws:iam::{MGMT}:root"), "decision": "implicitDeny",
               "layer": "role trust policy",
               "message": format!("User: arn:aws:iam::{MGMT}:root is not authorized to perform: sts:AssumeRole on resource: {role} because no role trust policy allows the sts:AssumeRole action")})
    );
    assert_eq!(
        answer["denied"][2],
        json!({"principal": format!("arn:aws:iam::{MEMBER}:user/alice"), "decision": "implicitDeny",
               "layer": "identity-based policy",
               "message": format!("User: arn:aws:iam::{MEMBER}:user/alice is not authorized to perform: sts:AssumeRole on resource: {role} because no identity-based policy allows the sts:AssumeRole action")})
    );
    let vault = support::send(
        emu.addr(),
        "PUT",
        "/backup-vaults/v1",
        &[
            ("Content-Type", "application/json"),
            (
                "Authorization",
                &support::root_authorization(MGMT, "us-east-1", "backup"),
            ),
            ("X-Amz-Date", "20240101T000000Z"),
        ],
        "{}",
    )
    .await;
    assert_eq!(vault.status, 200, "{}", vault.body);
    let arn = format!("arn:aws:backup:us-east-1:{MGMT}:backup-vault:v1");
    let (status, answer) = over_http(&emu, "backup:DescribeBackupVault", &arn).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        principals(&answer["allowed"]),
        [format!("arn:aws:iam::{MGMT}:root")]
    );
    // Creating the vault made Backup's service-linked role: a principal of the world too.
    assert_eq!(
        principals(&answer["denied"]),
        [
            format!("arn:aws:iam::{MGMT}:user/admin"),
            format!("arn:aws:sts::{MGMT}:assumed-role/AWSServiceRoleForBackup/keyhole-who-can"),
            format!("arn:aws:iam::{MEMBER}:root"),
            format!("arn:aws:iam::{MEMBER}:user/alice"),
            format!("arn:aws:iam::{MEMBER}:user/bob"),
            format!("arn:aws:sts::{MEMBER}:assumed-role/Decrypter/keyhole-who-can"),
        ]
    );
    assert_eq!(
        answer["denied"][2]["message"],
        format!("User: arn:aws:iam::{MEMBER}:root is not authorized to perform: backup:DescribeBackupVault on resource: {arn} because no resource-based policy allows the backup:DescribeBackupVault action")
    );
    emu.stop().await;
}

/// A grant allows on its own; an alias ARN names its key.
#[tokio::test]
async fn a_grant_allows_and_an_alias_names_its_key() {
    let emu = keyhole::Emulator::start().await.unwrap();
    let (key, _, _) = world(&emu).await;
    let admin = format!("arn:aws:iam::{MGMT}:user/admin");
    let grant = kms(
        &emu,
        MGMT,
        "CreateGrant",
        json!({"KeyId": key, "GranteePrincipal": admin, "Operations": ["Decrypt"]}),
    )
    .await;
    kms(
        &emu,
        MGMT,
        "CreateAlias",
        json!({"AliasName": "alias/shared", "TargetKeyId": key}),
    )
    .await;
    let alias = format!("arn:aws:kms:us-east-1:{MGMT}:alias/shared");
    let answer = emu.who_can("kms:Decrypt", &alias).unwrap();
    assert_eq!(answer["resource"], key.as_str());
    let by_grant = answer["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["principal"] == admin.as_str())
        .unwrap_or_else(|| panic!("{answer:#}"));
    assert_eq!(by_grant["layer"], "KMS grant");
    assert_eq!(by_grant["grantId"], grant["GrantId"]);
    assert_eq!(by_grant["statements"], json!([]));
    // Other actions than the grant's stay denied to the admin.
    let encrypt = emu.who_can("kms:Encrypt", &alias).unwrap();
    assert!(
        principals(&encrypt["denied"]).contains(&admin.as_str()),
        "{encrypt:#}"
    );
    emu.stop().await;
}
