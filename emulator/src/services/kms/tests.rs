//! In-process tests through the whole pipeline (decode, validate, handle, encode), so the
//! wire shape of answers and errors is checked along with the behaviour. Denials come from
//! the real policy engine through `crate::authz`.

use base64::Engine as _;
use serde_json::{json, Value};

use super::integration::{
    check_key_policy_use, check_service_key_use, resolve_key_arn, ServiceKeyUse,
};
use crate::testing::local_harness;
use crate::world::Caller;

const A: &str = "111111111111";
const B: &str = "222222222222";
const REGION: &str = "us-east-1";

local_harness!();

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text.as_str().unwrap_or_default())
        .unwrap()
}

impl Env {
    fn call(&self, account: &str, op: &str, body: Value) -> (u16, Value) {
        self.call_in(account, REGION, op, body)
    }

    fn call_in(&self, account: &str, region: &str, op: &str, body: Value) -> (u16, Value) {
        let r = self.0.call(account, region, &format!("kms:{op}"), &body);
        (r.status, r.body)
    }

    fn ok(&self, account: &str, op: &str, body: Value) -> Value {
        let (status, value) = self.call(account, op, body);
        assert_eq!(status, 200, "{op}: {value}");
        value
    }

    /// `(code, message)` of a failed call (message `None` when the body has none).
    fn err(&self, account: &str, op: &str, body: Value) -> (String, Option<String>) {
        let (status, value) = self.call(account, op, body);
        assert_eq!(status, 400, "{op} should fail: {value}");
        let message = value
            .get("message")
            .or_else(|| value.get("Message"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        (
            value["__type"].as_str().unwrap_or_default().to_owned(),
            message,
        )
    }

    /// An IAM call (`("Action", ..)` first, then its parameters) that must succeed.
    fn iam(&self, account: &str, params: &[(&str, &str)]) {
        let (action, rest) = params.split_first().expect("an Action");
        let input: serde_json::Map<String, Value> = rest
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        let r = self
            .0
            .call(account, REGION, &format!("iam:{}", action.1), &input.into());
        assert_eq!(r.status, 200, "IAM {params:?}: {}", r.text);
    }

    fn create_role(&self, account: &str, name: &str) {
        let trust = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{account}:root")},"Action":"sts:AssumeRole"}]});
        self.iam(
            account,
            &[
                ("Action", "CreateRole"),
                ("RoleName", name),
                ("AssumeRolePolicyDocument", &trust.to_string()),
            ],
        );
    }

    fn advance(&self, seconds: f64) {
        self.advance_clock(seconds);
    }

    /// A new key; returns (key id, key ARN).
    fn key(&self, account: &str, body: Value) -> (String, String) {
        let out = self.ok(account, "CreateKey", body);
        (
            out["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned(),
            out["KeyMetadata"]["Arn"].as_str().unwrap().to_owned(),
        )
    }

    fn encrypt(&self, account: &str, key: &str, plaintext: &[u8], context: Value) -> String {
        let out = self.ok(
            account,
            "Encrypt",
            json!({"KeyId": key, "Plaintext": b64(plaintext), "EncryptionContext": context}),
        );
        out["CiphertextBlob"].as_str().unwrap().to_owned()
    }
}

fn arn_of(account: &str, id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{account}:key/{id}")
}

#[test]
fn create_key_describes_like_aws_and_gets_the_default_policy() {
    let env = Env::new();
    let out = env.ok(
        A,
        "CreateKey",
        json!({"Description": "d", "Tags": [{"TagKey": "team", "TagValue": "x"}]}),
    );
    let m = &out["KeyMetadata"];
    let id = m["KeyId"].as_str().unwrap();
    assert_eq!(m["Arn"], json!(arn_of(A, id)));
    assert_eq!(m["AWSAccountId"], json!(A));
    assert_eq!(m["KeyState"], json!("Enabled"));
    assert_eq!(m["Enabled"], json!(true));
    assert_eq!(m["KeyManager"], json!("CUSTOMER"));
    assert_eq!(m["Origin"], json!("AWS_KMS"));
    assert_eq!(m["KeySpec"], json!("SYMMETRIC_DEFAULT"));
    assert_eq!(m["CustomerMasterKeySpec"], json!("SYMMETRIC_DEFAULT"));
    assert_eq!(m["KeyUsage"], json!("ENCRYPT_DECRYPT"));
    assert_eq!(m["EncryptionAlgorithms"], json!(["SYMMETRIC_DEFAULT"]));
    assert_eq!(m["MultiRegion"], json!(false));
    assert!(m["CreationDate"].is_number());
    assert!(m.get("SigningAlgorithms").is_none());
    let described = env.ok(A, "DescribeKey", json!({"KeyId": id}));
    assert_eq!(described["KeyMetadata"]["Description"], json!("d"));
    let policy = env.ok(A, "GetKeyPolicy", json!({"KeyId": id}));
    assert_eq!(policy["PolicyName"], json!("default"));
    assert_eq!(
        policy["Policy"].as_str().unwrap(),
        format!("{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {{\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"arn:aws:iam::{A}:root\"\n    }},\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}")
    );
    let names = env.ok(A, "ListKeyPolicies", json!({"KeyId": id}));
    assert_eq!(names["PolicyNames"], json!(["default"]));
    let keys = env.ok(A, "ListKeys", json!({}));
    assert_eq!(
        keys["Keys"],
        json!([{"KeyId": id, "KeyArn": arn_of(A, id)}])
    );
    let tags = env.ok(A, "ListResourceTags", json!({"KeyId": id}));
    assert_eq!(tags["Tags"], json!([{"TagKey": "team", "TagValue": "x"}]));
}

/// The model check answers before the handler, and never echoes the plaintext: AWS's text,
/// verbatim in getmoto/moto tests/test_kms/test_kms_encrypt.py (aws_verified).
#[test]
fn oversized_plaintext_is_rejected_without_echoing_it() {
    let env = Env::new();
    let (id, _) = env.key(A, json!({}));
    let (code, message) = env.err(
        A,
        "Encrypt",
        json!({"KeyId": id, "Plaintext": b64(&[b'x'; 4097])}),
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message.as_deref(),
        Some("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
    );
}

/// ListKeys answers in key id order and ListAliases in alias name order (AWS documents
/// none; keyhole's state is ordered by those), the same on every call and after the state
/// is saved and restored.
#[test]
fn list_keys_and_aliases_keep_one_order_across_calls_and_restores() {
    let env = Env::new();
    let mut ids: Vec<String> = (0..6).map(|_| env.key(A, json!({})).0).collect();
    let names = [
        "alias/f", "alias/b", "alias/d", "alias/a", "alias/e", "alias/c",
    ];
    for (name, id) in names.iter().zip(&ids) {
        env.ok(
            A,
            "CreateAlias",
            json!({"AliasName": name, "TargetKeyId": id}),
        );
    }
    let listed = |env: &Env| {
        let field = |list: &Value, key: &str| -> Vec<String> {
            let items = list.as_array().cloned().unwrap_or_default();
            items
                .iter()
                .map(|v| v[key].as_str().unwrap().to_owned())
                .collect()
        };
        (
            field(&env.ok(A, "ListKeys", json!({}))["Keys"], "KeyId"),
            field(&env.ok(A, "ListAliases", json!({}))["Aliases"], "AliasName"),
        )
    };
    ids.sort();
    let mut sorted_names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    sorted_names.sort();
    let expected = (ids, sorted_names);
    assert_eq!(listed(&env), expected);
    assert_eq!(listed(&env), expected);
    let restored = Env::with(env.restored());
    assert_eq!(listed(&restored), expected);
}

#[test]
fn encrypt_decrypt_round_trip_binds_the_encryption_context() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({}));
    let blob = env.encrypt(A, &id, b"secret", json!({"purpose": "test"}));
    // Without KeyId: the blob names its key.
    let out = env.ok(
        A,
        "Decrypt",
        json!({"CiphertextBlob": blob, "EncryptionContext": {"purpose": "test"}}),
    );
    assert_eq!(unb64(&out["Plaintext"]), b"secret");
    assert_eq!(out["KeyId"], json!(arn));
    assert_eq!(out["EncryptionAlgorithm"], json!("SYMMETRIC_DEFAULT"));
    // With KeyId (ARN form).
    let out = env.ok(
        A,
        "Decrypt",
        json!({"CiphertextBlob": blob, "KeyId": arn, "EncryptionContext": {"purpose": "test"}}),
    );
    assert_eq!(unb64(&out["Plaintext"]), b"secret");
    // Wrong or missing context: InvalidCiphertextException with no message at all.
    let (status, body) = env.call(
        A,
        "Decrypt",
        json!({"CiphertextBlob": blob, "EncryptionContext": {"purpose": "other"}}),
    );
    assert_eq!(status, 400);
    assert_eq!(body, json!({"__type": "InvalidCiphertextException"}));
    let (code, message) = env.err(A, "Decrypt", json!({"CiphertextBlob": blob}));
    assert_eq!(
        (code.as_str(), message),
        ("InvalidCiphertextException", None)
    );
    // Tampered blob.
    let mut bytes = unb64(&json!(blob));
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let (code, message) = env.err(
        A,
        "Decrypt",
        json!({"CiphertextBlob": b64(&bytes), "EncryptionContext": {"purpose": "test"}}),
    );
    assert_eq!(
        (code.as_str(), message),
        ("InvalidCiphertextException", None)
    );
}

#[test]
fn decrypt_with_another_key_id_is_incorrect_key() {
    let env = Env::new();
    let (k1, _) = env.key(A, json!({}));
    let (k2, _) = env.key(A, json!({}));
    let blob = env.encrypt(A, &k1, b"x", json!({}));
    let (code, message) = env.err(A, "Decrypt", json!({"CiphertextBlob": blob, "KeyId": k2}));
    assert_eq!(code, "IncorrectKeyException");
    assert_eq!(
        message.as_deref(),
        Some("The key ID in the request does not identify a CMK that can perform this operation.")
    );
}

#[test]
fn key_lookup_errors_have_aws_texts() {
    let env = Env::new();
    let missing = "11111111-2222-3333-4444-555555555555";
    let (code, message) = env.err(A, "DescribeKey", json!({"KeyId": missing}));
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        message.unwrap(),
        format!("Key '{}' does not exist", arn_of(A, missing))
    );
    let (_, message) = env.err(A, "DescribeKey", json!({"KeyId": "fake-key-id"}));
    assert_eq!(message.unwrap(), "Invalid keyId 'fake-key-id'");
    let (code, message) = env.err(
        A,
        "DescribeKey",
        json!({"KeyId": format!("arn:aws:kms:us-west-2:{A}:key/{missing}")}),
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(message.unwrap(), "Invalid arn us-west-2");
    let (code, message) = env.err(
        A,
        "Encrypt",
        json!({"KeyId": "alias/nope", "Plaintext": b64(b"x")}),
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        message.unwrap(),
        format!("Alias arn:aws:kms:{REGION}:{A}:alias/nope is not found.")
    );
}

#[test]
fn a_key_arn_of_another_account_names_that_accounts_key() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({}));
    // B naming the bare id looks in B's account.
    let (code, message) = env.err(B, "DescribeKey", json!({"KeyId": id}));
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        message.unwrap(),
        format!("Key '{}' does not exist", arn_of(B, &id))
    );
    // With the ARN it is A's key; whether B may use it is the key policy's decision.
    let (status, _) = env.call(B, "DescribeKey", json!({"KeyId": arn}));
    assert!(status == 200 || status == 400);
}

#[test]
fn cross_account_use_needs_the_key_policy_and_grants_allow_it() {
    let env = Env::new();
    let (_, arn) = env.key(A, json!({}));
    // The default policy names only A's root.
    let (code, _) = env.err(B, "DescribeKey", json!({"KeyId": arn}));
    assert_eq!(code, "AccessDeniedException");
    // A role in B, allowed by a grant (and its own IAM policy), may then encrypt.
    env.create_role(B, "user");
    let policy = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]});
    env.iam(
        B,
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", "user"),
            ("PolicyName", "kms"),
            ("PolicyDocument", &policy.to_string()),
        ],
    );
    let grant = env.ok(A, "CreateGrant", json!({"KeyId": arn, "GranteePrincipal": format!("arn:aws:iam::{B}:role/user"), "Operations": ["Encrypt", "Decrypt"]}));
    assert!(grant["GrantId"].is_string());
    let revoked = env.ok(
        A,
        "RevokeGrant",
        json!({"KeyId": arn, "GrantId": grant["GrantId"]}),
    );
    assert_eq!(revoked, json!({}));
}

#[test]
fn disabled_and_enabled_keys() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({}));
    env.ok(A, "DisableKey", json!({"KeyId": id}));
    let (code, message) = env.err(A, "Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}));
    assert_eq!(code, "DisabledException");
    assert_eq!(message.unwrap(), format!("{arn} is disabled."));
    let (code, message) = env.err(A, "EnableKeyRotation", json!({"KeyId": id}));
    assert_eq!(
        (code.as_str(), message.unwrap()),
        ("DisabledException", format!("{arn} is disabled."))
    );
    assert_eq!(
        env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"]["KeyState"],
        json!("Disabled")
    );
    env.ok(A, "EnableKey", json!({"KeyId": id}));
    env.encrypt(A, &id, b"x", json!({}));
}

#[test]
fn scheduled_deletion_happens_on_keyholes_clock() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({}));
    env.ok(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/doomed", "TargetKeyId": id}),
    );
    let blob = env.encrypt(A, &id, b"x", json!({}));
    let (code, message) = env.err(
        A,
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 6}),
    );
    assert_eq!(code, "ValidationException");
    assert!(message.unwrap().contains("greater than or equal to 7"));
    let out = env.ok(
        A,
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    );
    assert_eq!(out["KeyState"], json!("PendingDeletion"));
    assert_eq!(out["PendingWindowInDays"], json!(7));
    assert_eq!(out["KeyId"], json!(arn));
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    // The window shows only while a primary waits for its replicas.
    assert_eq!(m.get("PendingDeletionWindowInDays"), None);
    assert!(m["DeletionDate"].is_number());
    let (code, message) = env.err(A, "Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}));
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(message.unwrap(), format!("{arn} is pending deletion."));
    let (code, message) = env.err(A, "ScheduleKeyDeletion", json!({"KeyId": id}));
    assert_eq!(
        (code.as_str(), message.unwrap()),
        (
            "KMSInvalidStateException",
            format!("{arn} is pending deletion.")
        )
    );
    // Cancel: back to Disabled.
    env.ok(A, "CancelKeyDeletion", json!({"KeyId": id}));
    assert_eq!(
        env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"]["KeyState"],
        json!("Disabled")
    );
    let (code, message) = env.err(A, "CancelKeyDeletion", json!({"KeyId": id}));
    assert_eq!(
        (code.as_str(), message.unwrap()),
        (
            "KMSInvalidStateException",
            format!("{arn} is not pending deletion.")
        )
    );
    env.ok(
        A,
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    );
    env.advance(6.0 * 86_400.0);
    env.ok(A, "DescribeKey", json!({"KeyId": id}));
    env.advance(86_400.0 + 1.0);
    let (code, message) = env.err(A, "DescribeKey", json!({"KeyId": id}));
    assert_eq!(code, "NotFoundException");
    assert_eq!(message.unwrap(), format!("Key '{arn}' does not exist"));
    // Its alias went with it, and its ciphertexts refer to nothing.
    let (_, message) = env.err(A, "DescribeKey", json!({"KeyId": "alias/doomed"}));
    assert_eq!(
        message.unwrap(),
        format!("Alias arn:aws:kms:{REGION}:{A}:alias/doomed is not found.")
    );
    let (code, message) = env.err(A, "Decrypt", json!({"CiphertextBlob": blob}));
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(message.unwrap(), "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.");
    assert_eq!(env.ok(A, "ListKeys", json!({}))["Keys"], json!([]));
}

#[test]
fn alias_flows() {
    let env = Env::new();
    let (k1, a1) = env.key(A, json!({}));
    let (k2, a2) = env.key(A, json!({}));
    let (code, message) = env.err(
        A,
        "CreateAlias",
        json!({"AliasName": "mine", "TargetKeyId": k1}),
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(message.unwrap(), "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
    env.ok(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/mine", "TargetKeyId": k1}),
    );
    let (code, message) = env.err(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/mine", "TargetKeyId": k2}),
    );
    assert_eq!(code, "AlreadyExistsException");
    assert_eq!(
        message.unwrap(),
        format!("An alias with the name arn:aws:kms:{REGION}:{A}:alias/mine already exists")
    );
    let (code, _) = env.err(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/aws/mine", "TargetKeyId": k2}),
    );
    assert_eq!(code, "NotAuthorizedException");
    let out = env.ok(
        A,
        "Encrypt",
        json!({"KeyId": "alias/mine", "Plaintext": b64(b"x")}),
    );
    assert_eq!(out["KeyId"], json!(a1));
    let alias_arn = format!("arn:aws:kms:{REGION}:{A}:alias/mine");
    let out = env.ok(A, "DescribeKey", json!({"KeyId": alias_arn}));
    assert_eq!(out["KeyMetadata"]["Arn"], json!(a1));
    env.ok(
        A,
        "UpdateAlias",
        json!({"AliasName": "alias/mine", "TargetKeyId": k2}),
    );
    let out = env.ok(A, "DescribeKey", json!({"KeyId": "alias/mine"}));
    assert_eq!(out["KeyMetadata"]["Arn"], json!(a2));
    let list = env.ok(A, "ListAliases", json!({}));
    assert_eq!(list["Aliases"][0]["AliasName"], json!("alias/mine"));
    assert_eq!(list["Aliases"][0]["AliasArn"], json!(alias_arn));
    assert_eq!(list["Aliases"][0]["TargetKeyId"], json!(k2));
    let list = env.ok(A, "ListAliases", json!({"KeyId": k1}));
    assert_eq!(list["Aliases"], json!([]));
    env.ok(A, "DeleteAlias", json!({"AliasName": "alias/mine"}));
    let (code, message) = env.err(A, "DeleteAlias", json!({"AliasName": "alias/mine"}));
    assert_eq!(code, "NotFoundException");
    assert_eq!(message.unwrap(), format!("Alias {alias_arn} is not found."));
}

#[test]
fn key_policies_must_name_principals_that_exist() {
    let env = Env::new();
    let policy = |principal: &str| {
        json!({"Version":"2012-10-17","Statement":[
            {"Sid":"root","Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{A}:root")},"Action":"kms:*","Resource":"*"},
            {"Sid":"use","Effect":"Allow","Principal":{"AWS":principal},"Action":"kms:Decrypt","Resource":"*"}]})
        .to_string()
    };
    let invalid = "Policy contains a statement with one or more invalid principals.";
    let backup_role = format!(
        "arn:aws:iam::{B}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    );
    let (code, message) = env.err(A, "CreateKey", json!({"Policy": policy(&backup_role)}));
    assert_eq!(
        (code.as_str(), message.unwrap().as_str()),
        ("MalformedPolicyDocumentException", invalid)
    );
    let role = format!("arn:aws:iam::{A}:role/app");
    let (code, message) = env.err(A, "CreateKey", json!({"Policy": policy(&role)}));
    assert_eq!(
        (code.as_str(), message.unwrap().as_str()),
        ("MalformedPolicyDocumentException", invalid)
    );
    env.create_role(A, "app");
    let (id, _) = env.key(A, json!({"Policy": policy(&role)}));
    // Account roots of any account exist.
    env.ok(
        A,
        "PutKeyPolicy",
        json!({"KeyId": id, "Policy": policy(&format!("arn:aws:iam::{B}:root"))}),
    );
    let (code, message) = env.err(
        A,
        "PutKeyPolicy",
        json!({"KeyId": id, "Policy": policy(&format!("arn:aws:iam::{B}:user/ghost"))}),
    );
    assert_eq!(
        (code.as_str(), message.unwrap().as_str()),
        ("MalformedPolicyDocumentException", invalid)
    );
    let got = env.ok(
        A,
        "GetKeyPolicy",
        json!({"KeyId": id, "PolicyName": "default"}),
    );
    assert_eq!(
        got["Policy"],
        json!(policy(&format!("arn:aws:iam::{B}:root")))
    );
    let (code, _) = env.err(
        A,
        "PutKeyPolicy",
        json!({"KeyId": id, "Policy": "{not json"}),
    );
    assert_eq!(code, "MalformedPolicyDocumentException");
}

#[test]
fn lockout_safety_check() {
    let env = Env::new();
    env.create_role(A, "app");
    let policy = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{A}:role/app")},"Action":"kms:Decrypt","Resource":"*"}]})
    .to_string();
    let (code, message) = env.err(A, "CreateKey", json!({"Policy": policy}));
    assert_eq!(code, "MalformedPolicyDocumentException");
    assert_eq!(
        message.unwrap(),
        "The new key policy will not allow you to update the key policy in the future."
    );
    env.ok(
        A,
        "CreateKey",
        json!({"Policy": policy, "BypassPolicyLockoutSafetyCheck": true}),
    );
    let (id, _) = env.key(A, json!({}));
    let (code, message) = env.err(A, "PutKeyPolicy", json!({"KeyId": id, "Policy": policy}));
    assert_eq!(code, "MalformedPolicyDocumentException");
    assert_eq!(
        message.unwrap(),
        "The new key policy will not allow you to update the key policy in the future."
    );
}

#[test]
fn tag_rules() {
    let env = Env::new();
    let (id, _) = env.key(A, json!({}));
    let tag = |k: &str| json!({"TagKey": k, "TagValue": "v"});
    let (code, message) = env.err(
        A,
        "TagResource",
        json!({"KeyId": id, "Tags": [tag("aws:x")]}),
    );
    assert_eq!(
        (code.as_str(), message.unwrap().as_str()),
        ("TagException", "Tags beginning with aws: are reserved")
    );
    let (_, message) = env.err(
        A,
        "TagResource",
        json!({"KeyId": id, "Tags": [tag("a"), tag("a")]}),
    );
    assert_eq!(message.unwrap(), "Duplicate tag keys");
    let many: Vec<Value> = (0..50).map(|i| tag(&format!("k{i}"))).collect();
    env.ok(A, "TagResource", json!({"KeyId": id, "Tags": many}));
    let (_, message) = env.err(
        A,
        "TagResource",
        json!({"KeyId": id, "Tags": [tag("one-more")]}),
    );
    assert_eq!(message.unwrap(), "Too many tags");
    env.ok(A, "UntagResource", json!({"KeyId": id, "TagKeys": ["k0"]}));
    env.ok(
        A,
        "TagResource",
        json!({"KeyId": id, "Tags": [tag("one-more")]}),
    );
    let tags = env.ok(A, "ListResourceTags", json!({"KeyId": id, "Limit": 10}));
    assert_eq!(tags["Tags"].as_array().unwrap().len(), 10);
    assert_eq!(tags["Truncated"], json!(true));
    let (code, _) = env.err(A, "CreateKey", json!({"Tags": [tag("aws:reserved")]}));
    assert_eq!(code, "TagException");
}

#[test]
fn signing_keys_sign_and_verify_and_refuse_encrypt() {
    let env = Env::new();
    let (id, arn) = env.key(
        A,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    );
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(m["SigningAlgorithms"], json!(["ECDSA_SHA_256"]));
    let (code, message) = env.err(A, "Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}));
    assert_eq!(code, "InvalidKeyUsageException");
    assert_eq!(
        message.unwrap(),
        format!("{arn} key usage is SIGN_VERIFY which is not valid for Encrypt.")
    );
    let msg = b64(b"hello");
    let sig = env.ok(
        A,
        "Sign",
        json!({"KeyId": id, "Message": msg, "SigningAlgorithm": "ECDSA_SHA_256"}),
    );
    let ok = env.ok(A, "Verify", json!({"KeyId": id, "Message": msg, "Signature": sig["Signature"], "SigningAlgorithm": "ECDSA_SHA_256"}));
    assert_eq!(ok["SignatureValid"], json!(true));
    let (code, _) = env.err(A, "Verify", json!({"KeyId": id, "Message": b64(b"other"), "Signature": sig["Signature"], "SigningAlgorithm": "ECDSA_SHA_256"}));
    assert_eq!(code, "KMSInvalidSignatureException");
    let public = env.ok(A, "GetPublicKey", json!({"KeyId": id}));
    assert!(!unb64(&public["PublicKey"]).is_empty());
    assert_eq!(public["KeyUsage"], json!("SIGN_VERIFY"));
    let (sym, _) = env.key(A, json!({}));
    let (code, _) = env.err(A, "GetPublicKey", json!({"KeyId": sym}));
    assert_eq!(code, "UnsupportedOperationException");
}

#[test]
fn rsa_encryption_and_hmac_and_key_agreement() {
    let env = Env::new();
    let (rsa, _) = env.key(A, json!({"KeySpec": "RSA_2048"}));
    let out = env.ok(
        A,
        "Encrypt",
        json!({"KeyId": rsa, "Plaintext": b64(b"hi"), "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}),
    );
    let back = env.ok(A, "Decrypt", json!({"KeyId": rsa, "CiphertextBlob": out["CiphertextBlob"], "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}));
    assert_eq!(unb64(&back["Plaintext"]), b"hi");
    let (mac_key, _) = env.key(
        A,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    );
    let mac = env.ok(
        A,
        "GenerateMac",
        json!({"KeyId": mac_key, "Message": b64(b"m"), "MacAlgorithm": "HMAC_SHA_256"}),
    );
    let ok = env.ok(A, "VerifyMac", json!({"KeyId": mac_key, "Message": b64(b"m"), "Mac": mac["Mac"], "MacAlgorithm": "HMAC_SHA_256"}));
    assert_eq!(ok["MacValid"], json!(true));
    let (code, _) = env.err(A, "VerifyMac", json!({"KeyId": mac_key, "Message": b64(b"n"), "Mac": mac["Mac"], "MacAlgorithm": "HMAC_SHA_256"}));
    assert_eq!(code, "KMSInvalidMacException");
    let (ka, _) = env.key(
        A,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"}),
    );
    let (peer, _) = env.key(
        A,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"}),
    );
    let peer_public = env.ok(A, "GetPublicKey", json!({"KeyId": peer}))["PublicKey"].clone();
    let ka_public = env.ok(A, "GetPublicKey", json!({"KeyId": ka}))["PublicKey"].clone();
    let s1 = env.ok(
        A,
        "DeriveSharedSecret",
        json!({"KeyId": ka, "KeyAgreementAlgorithm": "ECDH", "PublicKey": peer_public}),
    );
    let s2 = env.ok(
        A,
        "DeriveSharedSecret",
        json!({"KeyId": peer, "KeyAgreementAlgorithm": "ECDH", "PublicKey": ka_public}),
    );
    assert_eq!(s1["SharedSecret"], s2["SharedSecret"]);
}

#[test]
fn data_keys_re_encrypt_random_and_dry_run() {
    let env = Env::new();
    let (k1, _) = env.key(A, json!({}));
    let (k2, a2) = env.key(A, json!({}));
    let dk = env.ok(
        A,
        "GenerateDataKey",
        json!({"KeyId": k1, "KeySpec": "AES_256", "EncryptionContext": {"a": "b"}}),
    );
    assert_eq!(unb64(&dk["Plaintext"]).len(), 32);
    let back = env.ok(
        A,
        "Decrypt",
        json!({"CiphertextBlob": dk["CiphertextBlob"], "EncryptionContext": {"a": "b"}}),
    );
    assert_eq!(back["Plaintext"], dk["Plaintext"]);
    let no_pt = env.ok(
        A,
        "GenerateDataKeyWithoutPlaintext",
        json!({"KeyId": k1, "NumberOfBytes": 16}),
    );
    assert!(no_pt.get("Plaintext").is_none());
    let (code, _) = env.err(A, "GenerateDataKey", json!({"KeyId": k1}));
    assert_eq!(code, "ValidationException");
    let pair = env.ok(
        A,
        "GenerateDataKeyPair",
        json!({"KeyId": k1, "KeyPairSpec": "ECC_NIST_P256"}),
    );
    assert!(pair["PrivateKeyPlaintext"].is_string() && pair["PublicKey"].is_string());
    let pair = env.ok(
        A,
        "GenerateDataKeyPairWithoutPlaintext",
        json!({"KeyId": k1, "KeyPairSpec": "ECC_NIST_P256"}),
    );
    assert!(pair.get("PrivateKeyPlaintext").is_none());
    let re = env.ok(A, "ReEncrypt", json!({"CiphertextBlob": dk["CiphertextBlob"], "SourceEncryptionContext": {"a": "b"}, "DestinationKeyId": k2}));
    assert_eq!(re["KeyId"], json!(a2));
    let back = env.ok(
        A,
        "Decrypt",
        json!({"CiphertextBlob": re["CiphertextBlob"]}),
    );
    assert_eq!(back["Plaintext"], dk["Plaintext"]);
    let random = env.ok(A, "GenerateRandom", json!({"NumberOfBytes": 24}));
    assert_eq!(unb64(&random["Plaintext"]).len(), 24);
    let (code, message) = env.err(
        A,
        "Encrypt",
        json!({"KeyId": k1, "Plaintext": b64(b"x"), "DryRun": true}),
    );
    assert_eq!(code, "DryRunOperationException");
    assert_eq!(
        message.unwrap(),
        "The request would have succeeded, but the DryRun option is set."
    );
}

/// ListGrants pages by cursor: the marker names the next page's first grant, so revoking a
/// grant already shown does not hide the next one (an offset would skip it); a marker that
/// names no grant is InvalidMarkerException.
#[test]
fn revoking_a_listed_grant_does_not_shift_the_next_page() {
    let env = Env::new();
    let (id, _) = env.key(A, json!({}));
    env.create_role(A, "worker");
    let grantee = format!("arn:aws:iam::{A}:role/worker");
    let grants: Vec<String> = ["g1", "g2", "g3"]
        .iter()
        .map(|name| {
            let body = json!({"KeyId": id, "GranteePrincipal": grantee,
                "Operations": ["Encrypt"], "Name": name});
            env.ok(A, "CreateGrant", body)["GrantId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let shown = |page: &Value| -> Vec<String> {
        page["Grants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["GrantId"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = env.ok(A, "ListGrants", json!({"KeyId": id, "Limit": 2}));
    assert_eq!(shown(&first), grants[..2]);
    assert_eq!(first["Truncated"], json!(true));
    let marker = first["NextMarker"].as_str().unwrap().to_owned();
    env.ok(A, "RevokeGrant", json!({"KeyId": id, "GrantId": grants[0]}));
    let second = env.ok(
        A,
        "ListGrants",
        json!({"KeyId": id, "Limit": 2, "Marker": marker}),
    );
    assert_eq!(shown(&second), grants[2..]);
    assert_eq!(second["Truncated"], json!(false));
    assert_eq!(
        env.err(A, "ListGrants", json!({"KeyId": id, "Marker": "2"})),
        (
            "InvalidMarkerException".to_owned(),
            Some("Invalid marker".to_owned())
        )
    );
}

#[test]
fn grants_create_list_retire_revoke() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({}));
    env.create_role(A, "worker");
    let grantee = format!("arn:aws:iam::{A}:role/worker");
    let body = json!({"KeyId": id, "GranteePrincipal": grantee, "RetiringPrincipal": format!("arn:aws:iam::{A}:root"),
        "Operations": ["Encrypt", "Decrypt"], "Name": "g1", "Constraints": {"EncryptionContextSubset": {"dept": "x"}}});
    let g1 = env.ok(A, "CreateGrant", body.clone());
    assert_eq!(g1["GrantId"].as_str().unwrap().len(), 64);
    assert!(g1["GrantToken"].is_string());
    // Same name and parameters: the same grant.
    let again = env.ok(A, "CreateGrant", body);
    assert_eq!(again["GrantId"], g1["GrantId"]);
    let list = env.ok(A, "ListGrants", json!({"KeyId": id}));
    let grants = list["Grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["KeyId"], json!(arn));
    assert_eq!(grants[0]["Operations"], json!(["Encrypt", "Decrypt"]));
    assert_eq!(
        grants[0]["Constraints"],
        json!({"EncryptionContextSubset": {"dept": "x"}})
    );
    assert_eq!(
        grants[0]["IssuingAccount"],
        json!(format!("arn:aws:iam::{A}:root"))
    );
    let retirable = env.ok(
        A,
        "ListRetirableGrants",
        json!({"RetiringPrincipal": format!("arn:aws:iam::{A}:root")}),
    );
    assert_eq!(retirable["Grants"].as_array().unwrap().len(), 1);
    env.ok(A, "RetireGrant", json!({"GrantToken": g1["GrantToken"]}));
    assert_eq!(
        env.ok(A, "ListGrants", json!({"KeyId": id}))["Grants"],
        json!([])
    );
    let g2 = env.ok(
        A,
        "CreateGrant",
        json!({"KeyId": id, "GranteePrincipal": grantee, "Operations": ["Decrypt"]}),
    );
    env.ok(
        A,
        "RevokeGrant",
        json!({"KeyId": id, "GrantId": g2["GrantId"]}),
    );
    let (code, _) = env.err(
        A,
        "RevokeGrant",
        json!({"KeyId": id, "GrantId": g2["GrantId"]}),
    );
    assert_eq!(code, "NotFoundException");
    // Key-state table: a disabled key takes no new grants.
    env.ok(A, "DisableKey", json!({"KeyId": id}));
    let (code, message) = env.err(
        A,
        "CreateGrant",
        json!({"KeyId": id, "GranteePrincipal": grantee, "Operations": ["Decrypt"]}),
    );
    assert_eq!(
        (code.as_str(), message.unwrap()),
        ("DisabledException", format!("{arn} is disabled."))
    );
}

#[test]
fn grants_allow_only_operations_the_key_type_supports() {
    let env = Env::new();
    env.create_role(A, "worker");
    let grantee = format!("arn:aws:iam::{A}:role/worker");
    let grant = |key: &str, operations: Value, extra: Value| {
        let mut body = json!({"KeyId": key, "GranteePrincipal": grantee, "Operations": operations});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        env.call(A, "CreateGrant", body)
    };
    let (symmetric, symmetric_arn) = env.key(A, json!({}));
    let (signing, signing_arn) = env.key(
        A,
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    );
    let (mac, _) = env.key(
        A,
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    );
    // Each key type takes its own operations and the three every key takes.
    for (key, operations) in [
        (
            &symmetric,
            json!([
                "Encrypt",
                "GenerateDataKeyPair",
                "DescribeKey",
                "RetireGrant"
            ]),
        ),
        (
            &signing,
            json!(["Sign", "Verify", "GetPublicKey", "CreateGrant"]),
        ),
        (&mac, json!(["GenerateMac", "VerifyMac"])),
    ] {
        let (status, body) = grant(key, operations, json!({}));
        assert_eq!(status, 200, "{body}");
    }
    let refused = |key: &str, operations: Value, extra: Value| {
        let (status, body) = grant(key, operations, extra);
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["__type"], json!("ValidationException"));
        body["message"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(
        refused(&symmetric, json!(["Decrypt", "Sign", "GetPublicKey"]), json!({})),
        format!("Grant operations [Sign, GetPublicKey] are not supported on {symmetric_arn}, a SYMMETRIC_DEFAULT key with KeyUsage ENCRYPT_DECRYPT.")
    );
    assert_eq!(
        refused(&signing, json!(["GenerateDataKey"]), json!({})),
        format!("Grant operations [GenerateDataKey] are not supported on {signing_arn}, a ECC_NIST_P256 key with KeyUsage SIGN_VERIFY.")
    );
    assert!(refused(&mac, json!(["Decrypt"]), json!({})).starts_with("Grant operations [Decrypt]"));
    assert_eq!(
        refused(&symmetric, json!(["CreateGrant"]), json!({})),
        "Grants must not contain only the CreateGrant operation."
    );
    assert_eq!(
        refused(&signing, json!(["Sign"]), json!({"Constraints": {"EncryptionContextSubset": {"a": "b"}}})),
        format!("Encryption context grant constraints are not supported on {signing_arn}: operations with ECC_NIST_P256 keys take no encryption context.")
    );
    // Nothing refused was stored.
    let listed = env.ok(A, "ListGrants", json!({"KeyId": signing}));
    assert_eq!(listed["Grants"].as_array().map(Vec::len), Some(1));
}

#[test]
fn rotation_keeps_old_material_for_decrypting() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({}));
    let old = env.encrypt(A, &id, b"old", json!({}));
    let status = env.ok(A, "GetKeyRotationStatus", json!({"KeyId": id}));
    assert_eq!(status, json!({"KeyId": arn, "KeyRotationEnabled": false}));
    let (code, _) = env.err(
        A,
        "EnableKeyRotation",
        json!({"KeyId": id, "RotationPeriodInDays": 89}),
    );
    assert_eq!(code, "ValidationException");
    env.ok(
        A,
        "EnableKeyRotation",
        json!({"KeyId": id, "RotationPeriodInDays": 90}),
    );
    let status = env.ok(A, "GetKeyRotationStatus", json!({"KeyId": id}));
    assert_eq!(status["KeyRotationEnabled"], json!(true));
    assert_eq!(status["RotationPeriodInDays"], json!(90));
    assert!(status["NextRotationDate"].is_number());
    env.ok(A, "RotateKeyOnDemand", json!({"KeyId": id}));
    env.advance(91.0 * 86_400.0);
    let rotations = env.ok(A, "ListKeyRotations", json!({"KeyId": id}));
    let types: Vec<&Value> = rotations["Rotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["RotationType"])
        .collect();
    assert_eq!(types, vec![&json!("ON_DEMAND"), &json!("AUTOMATIC")]);
    let out = env.ok(A, "Decrypt", json!({"CiphertextBlob": old}));
    assert_eq!(unb64(&out["Plaintext"]), b"old");
    let new = env.encrypt(A, &id, b"new", json!({}));
    assert_ne!(unb64(&json!(new))[20..52], unb64(&json!(old))[20..52]);
    env.ok(A, "DisableKeyRotation", json!({"KeyId": id}));
    let (rsa, _) = env.key(A, json!({"KeySpec": "RSA_2048"}));
    let (code, _) = env.err(A, "EnableKeyRotation", json!({"KeyId": rsa}));
    assert_eq!(code, "UnsupportedOperationException");
}

#[test]
fn aws_managed_keys_are_created_on_first_use() {
    let env = Env::new();
    // Naming the alias creates the key; its policy lets the account read its metadata.
    let m = env.ok(A, "DescribeKey", json!({"KeyId": "alias/aws/ebs"}))["KeyMetadata"].clone();
    assert_eq!(m["KeyManager"], json!("AWS"));
    assert_eq!(m["KeyState"], json!("Enabled"));
    let arn = m["Arn"].as_str().unwrap().to_owned();
    let again = env.ok(
        A,
        "DescribeKey",
        json!({"KeyId": format!("arn:aws:kms:{REGION}:{A}:alias/aws/ebs")}),
    );
    assert_eq!(again["KeyMetadata"]["Arn"], json!(arn));
    let aliases = env.ok(A, "ListAliases", json!({"KeyId": arn}));
    assert_eq!(aliases["Aliases"][0]["AliasName"], json!("alias/aws/ebs"));
    let policy = env.ok(A, "GetKeyPolicy", json!({"KeyId": arn}))["Policy"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("\"Sid\" : \"Allow access through EBS for all principals in the account that are authorized to use EBS\""));
    assert!(policy.contains(&format!(
        "\"kms:ViaService\" : \"ec2.{REGION}.amazonaws.com\""
    )));
    assert!(policy.contains(&format!("\"kms:CallerAccount\" : \"{A}\"")));
    assert!(crate::policy::validate(&policy, crate::policy::PolicyType::KmsKey).is_ok());
    // The policy cannot be changed nor the key deleted (under the engine the managed
    // policy already denies these: AccessDeniedException).
    let (code, _) = env.err(A, "PutKeyPolicy", json!({"KeyId": arn, "Policy": policy}));
    assert!(code == "UnsupportedOperationException" || code == "AccessDeniedException");
    let (code, _) = env.err(A, "ScheduleKeyDeletion", json!({"KeyId": arn}));
    assert!(code == "UnsupportedOperationException" || code == "AccessDeniedException");
    let mut world = env.instance.world();
    let backup = super::managed::ensure_aws_managed_key(&mut world, A, REGION, "backup", 0.0);
    assert_eq!(
        super::managed::ensure_aws_managed_key(&mut world, A, REGION, "backup", 0.0),
        backup
    );
    assert_eq!(
        resolve_key_arn(&world, A, REGION, "alias/aws/backup"),
        Some(backup.clone())
    );
    assert_eq!(
        resolve_key_arn(
            &world,
            A,
            REGION,
            &format!("arn:aws:kms:{REGION}:{A}:alias/aws/backup")
        ),
        Some(backup)
    );
    assert_eq!(resolve_key_arn(&world, A, REGION, "alias/missing"), None);
}

#[test]
fn service_key_use_checks_key_states() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({}));
    let caller = Caller::root(A, A);
    let check = |world: &crate::world::World| {
        check_service_key_use(
            world,
            &ServiceKeyUse {
                caller: &caller,
                key_arn: &arn,
                operations: &["Decrypt", "CreateGrant", "GenerateDataKey", "DescribeKey"],
                via_service: "backup",
                region: REGION,
                now: 0.0,
                grant_is_for_aws_resource: true,
            },
        )
    };
    assert_eq!(check(&env.instance.world()), Ok(()));
    env.ok(A, "DisableKey", json!({"KeyId": id}));
    let e = check(&env.instance.world()).unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.clone().unwrap()),
        ("DisabledException", format!("{arn} is disabled."))
    );
    env.ok(A, "EnableKey", json!({"KeyId": id}));
    env.ok(A, "ScheduleKeyDeletion", json!({"KeyId": id}));
    let e = check(&env.instance.world()).unwrap_err();
    assert_eq!(e.code, "KMSInvalidStateException");
    let missing = arn_of(A, "11111111-2222-3333-4444-555555555555");
    let e = check_service_key_use(
        &env.instance.world(),
        &ServiceKeyUse {
            caller: &caller,
            key_arn: &missing,
            operations: &["Decrypt"],
            via_service: "backup",
            region: REGION,
            now: 0.0,
            grant_is_for_aws_resource: false,
        },
    )
    .unwrap_err();
    assert_eq!(
        e.message.clone().unwrap(),
        format!("Key '{missing}' does not exist")
    );
}

#[test]
fn imported_key_material() {
    use rsa::pkcs8::DecodePublicKey;
    let env = Env::new();
    let (id, arn) = env.key(A, json!({"Origin": "EXTERNAL"}));
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(m["KeyState"], json!("PendingImport"));
    let (code, message) = env.err(A, "Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}));
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(message.unwrap(), format!("{arn} is pending import."));
    let (aws_kms, aws_arn) = env.key(A, json!({}));
    let (code, message) = env.err(A, "GetParametersForImport", json!({"KeyId": aws_kms, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}));
    assert_eq!(code, "UnsupportedOperationException");
    assert_eq!(
        message.unwrap(),
        format!("{aws_arn} origin is AWS_KMS which is not valid for this operation.")
    );
    let params = env.ok(A, "GetParametersForImport", json!({"KeyId": id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}));
    let public = rsa::RsaPublicKey::from_public_key_der(&unb64(&params["PublicKey"])).unwrap();
    let material = [7u8; 32];
    let wrapped = public
        .encrypt(
            &mut rand_core::OsRng,
            rsa::Oaep::new::<sha2::Sha256>(),
            &material,
        )
        .unwrap();
    let out = env.ok(A, "ImportKeyMaterial", json!({"KeyId": id, "ImportToken": params["ImportToken"], "EncryptedKeyMaterial": b64(&wrapped), "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}));
    assert_eq!(out["KeyMaterialId"].as_str().unwrap().len(), 64);
    let blob = env.encrypt(A, &id, b"imported", json!({}));
    env.ok(A, "DeleteImportedKeyMaterial", json!({"KeyId": id}));
    let (code, _) = env.err(A, "Decrypt", json!({"CiphertextBlob": blob}));
    assert_eq!(code, "KMSInvalidStateException");
}

#[test]
fn every_modeled_operation_is_served() {
    let env = Env::new();
    let model = crate::protocol::ServiceId::Kms.model();
    assert_eq!(model.operations.len(), 54);
    for name in model.operations.keys() {
        let (_, body) = env.call(A, name, json!({}));
        assert_ne!(body["__type"], json!("NotImplemented"), "{name}");
    }
}

#[test]
fn multi_region_keys_replicate_and_change_primary() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({"MultiRegion": true}));
    assert!(id.starts_with("mrk-"));
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(m["MultiRegion"], json!(true));
    assert_eq!(
        m["MultiRegionConfiguration"]["MultiRegionKeyType"],
        json!("PRIMARY")
    );
    let blob = env.encrypt(A, &id, b"everywhere", json!({}));
    let out = env.ok(
        A,
        "ReplicateKey",
        json!({"KeyId": id, "ReplicaRegion": "eu-west-1", "Description": "replica"}),
    );
    let replica_arn = format!("arn:aws:kms:eu-west-1:{A}:key/{id}");
    assert_eq!(out["ReplicaKeyMetadata"]["Arn"], json!(replica_arn));
    assert_eq!(
        out["ReplicaKeyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"],
        json!("REPLICA")
    );
    let (code, _) = env.err(
        A,
        "ReplicateKey",
        json!({"KeyId": id, "ReplicaRegion": "eu-west-1"}),
    );
    assert_eq!(code, "AlreadyExistsException");
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(
        m["MultiRegionConfiguration"]["ReplicaKeys"],
        json!([{"Arn": replica_arn, "Region": "eu-west-1"}])
    );
    // The replica shares the material: its region can decrypt the primary's ciphertext.
    let world = env.instance.world();
    let replica = &world.accounts[A].regions["eu-west-1"].kms.keys[&id];
    let primary = &world.accounts[A].regions[REGION].kms.keys[&id];
    assert_eq!(replica.material, primary.material);
    let blob = unb64(&json!(blob));
    assert!(super::crypto::decrypt(
        &super::lookup::key_uuid(&id),
        &replica.material,
        &blob,
        &super::crypto::EncryptionContext::new()
    )
    .is_ok());
    drop(world);
    env.ok(
        A,
        "UpdatePrimaryRegion",
        json!({"KeyId": arn, "PrimaryRegion": "eu-west-1"}),
    );
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(
        m["MultiRegionConfiguration"]["MultiRegionKeyType"],
        json!("REPLICA")
    );
    assert_eq!(
        m["MultiRegionConfiguration"]["PrimaryKey"]["Region"],
        json!("eu-west-1")
    );
    let (single, _) = env.key(A, json!({}));
    let (code, _) = env.err(
        A,
        "ReplicateKey",
        json!({"KeyId": single, "ReplicaRegion": "eu-west-1"}),
    );
    assert_eq!(code, "UnsupportedOperationException");
}

/// A multi-Region primary key in REGION with a replica in eu-west-1; (key id, key ARN).
fn primary_with_replica(env: &Env) -> (String, String) {
    let (id, arn) = env.key(A, json!({"MultiRegion": true}));
    env.ok(
        A,
        "ReplicateKey",
        json!({"KeyId": id, "ReplicaRegion": "eu-west-1"}),
    );
    (id, arn)
}

#[test]
fn a_primary_with_replicas_waits_for_them_before_its_waiting_period() {
    let env = Env::new();
    let (id, arn) = primary_with_replica(&env);
    let out = env.ok(
        A,
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    );
    assert_eq!(
        out,
        json!({"KeyId": arn, "KeyState": "PendingReplicaDeletion", "PendingWindowInDays": 7})
    );
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(m["KeyState"], json!("PendingReplicaDeletion"));
    assert_eq!(m["PendingDeletionWindowInDays"], json!(7));
    assert_eq!(m.get("DeletionDate"), None);
    let (code, message) = env.err(A, "Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}));
    assert_eq!(
        (code.as_str(), message.unwrap()),
        (
            "KMSInvalidStateException",
            format!("{arn} is pending replica deletion.")
        )
    );
    // However long the clock runs, the primary stays while its replica exists.
    env.advance(60.0 * 86_400.0);
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(m["KeyState"], json!("PendingReplicaDeletion"));
    // The replica is deleted after its own window; then the primary's 7 days start.
    let (status, body) = env.call_in(
        A,
        "eu-west-1",
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    );
    assert_eq!(
        (status, &body["KeyState"]),
        (200, &json!("PendingDeletion")),
        "{body}"
    );
    env.advance(7.0 * 86_400.0 + 1.0);
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(m["KeyState"], json!("PendingDeletion"));
    assert!(m["DeletionDate"].is_number());
    env.advance(7.0 * 86_400.0 + 1.0);
    let (code, _) = env.err(A, "DescribeKey", json!({"KeyId": id}));
    assert_eq!(code, "NotFoundException");
}

#[test]
fn cancelling_a_primarys_deletion_while_it_waits_for_replicas() {
    let env = Env::new();
    let (id, _) = primary_with_replica(&env);
    env.ok(A, "ScheduleKeyDeletion", json!({"KeyId": id}));
    env.ok(A, "CancelKeyDeletion", json!({"KeyId": id}));
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(m["KeyState"], json!("Disabled"));
    assert_eq!(m.get("PendingDeletionWindowInDays"), None);
}

#[test]
fn custom_key_stores_are_records_with_connection_states() {
    let env = Env::new();
    let (code, _) = env.err(
        A,
        "CreateCustomKeyStore",
        json!({"CustomKeyStoreName": "hsm"}),
    );
    assert_eq!(code, "ValidationException");
    let created = env.ok(A, "CreateCustomKeyStore", json!({"CustomKeyStoreName": "hsm", "CloudHsmClusterId": "cluster-234567abcdef", "TrustAnchorCertificate": "cert", "KeyStorePassword": "password"}));
    let store = created["CustomKeyStoreId"].as_str().unwrap().to_owned();
    let (code, _) = env.err(A, "CreateCustomKeyStore", json!({"CustomKeyStoreName": "hsm", "CloudHsmClusterId": "cluster-234567abcdef", "TrustAnchorCertificate": "cert", "KeyStorePassword": "password"}));
    assert_eq!(code, "CustomKeyStoreNameInUseException");
    let listed = env.ok(
        A,
        "DescribeCustomKeyStores",
        json!({"CustomKeyStoreId": store}),
    );
    assert_eq!(
        listed["CustomKeyStores"][0]["ConnectionState"],
        json!("DISCONNECTED")
    );
    let (code, _) = env.err(
        A,
        "CreateKey",
        json!({"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": store}),
    );
    assert_eq!(code, "CustomKeyStoreInvalidStateException");
    env.ok(
        A,
        "ConnectCustomKeyStore",
        json!({"CustomKeyStoreId": store}),
    );
    let (id, arn) = env.key(
        A,
        json!({"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": store}),
    );
    let m = env.ok(A, "DescribeKey", json!({"KeyId": id}))["KeyMetadata"].clone();
    assert_eq!(m["CustomKeyStoreId"], json!(store));
    env.encrypt(A, &id, b"x", json!({}));
    env.ok(
        A,
        "DisconnectCustomKeyStore",
        json!({"CustomKeyStoreId": store}),
    );
    let (code, message) = env.err(A, "Encrypt", json!({"KeyId": id, "Plaintext": b64(b"x")}));
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(message.unwrap(), format!("{arn} is unavailable."));
    let (code, _) = env.err(
        A,
        "DeleteCustomKeyStore",
        json!({"CustomKeyStoreId": store}),
    );
    assert_eq!(code, "CustomKeyStoreHasCMKsException");
    env.ok(
        A,
        "UpdateCustomKeyStore",
        json!({"CustomKeyStoreId": store, "NewCustomKeyStoreName": "hsm2"}),
    );
    let listed = env.ok(A, "DescribeCustomKeyStores", json!({}));
    assert_eq!(
        listed["CustomKeyStores"][0]["CustomKeyStoreName"],
        json!("hsm2")
    );
    let (code, _) = env.err(
        A,
        "DescribeCustomKeyStores",
        json!({"CustomKeyStoreId": "cks-00000000000000000"}),
    );
    assert_eq!(code, "CustomKeyStoreNotFoundException");
}

#[test]
fn key_last_usage_records_cryptographic_operations() {
    let env = Env::new();
    let (id, arn) = env.key(A, json!({}));
    let out = env.ok(A, "GetKeyLastUsage", json!({"KeyId": id}));
    assert_eq!(out["KeyId"], json!(arn));
    assert!(out.get("KeyLastUsage").is_none());
    env.encrypt(A, &id, b"x", json!({}));
    let out = env.ok(A, "GetKeyLastUsage", json!({"KeyId": id}));
    assert_eq!(out["KeyLastUsage"]["Operation"], json!("Encrypt"));
}

#[test]
fn aws_managed_keys_work_only_through_their_service_in_their_account() {
    let env = Env::new();
    let arn = {
        let mut world = env.instance.world();
        super::managed::ensure_aws_managed_key(&mut world, A, REGION, "backup", 0.0)
    };
    let use_as = |caller: &Caller, world: &crate::world::World| {
        check_service_key_use(
            world,
            &ServiceKeyUse {
                caller,
                key_arn: &arn,
                operations: &["GenerateDataKey", "Decrypt", "DescribeKey"],
                via_service: "backup",
                region: REGION,
                now: 0.0,
                grant_is_for_aws_resource: true,
            },
        )
    };
    assert_eq!(use_as(&Caller::root(A, A), &env.instance.world()), Ok(()));
    let e = use_as(&Caller::root(B, B), &env.instance.world()).unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
    // Directly, not through Backup: denied by the managed key's policy.
    let (code, _) = env.err(
        A,
        "Encrypt",
        json!({"KeyId": "alias/aws/backup", "Plaintext": b64(b"x")}),
    );
    assert_eq!(code, "AccessDeniedException");
}

#[test]
fn a_cross_account_key_policy_lets_the_other_account_use_the_key() {
    let env = Env::new();
    let policy = json!({"Version":"2012-10-17","Statement":[
        {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{A}:root")},"Action":"kms:*","Resource":"*"},
        {"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{B}:root")},
         "Action":["kms:DescribeKey","kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*"],"Resource":"*"},
        {"Sid":"Allow attachment of persistent resources","Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{B}:root")},
         "Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]})
    .to_string();
    let (_, arn) = env.key(A, json!({"Policy": policy}));
    env.ok(B, "DescribeKey", json!({"KeyId": arn}));
    let blob = env.encrypt(A, &arn, b"x", json!({}));
    env.ok(B, "Decrypt", json!({"CiphertextBlob": blob}));
    // Called directly, CreateGrant is not for an AWS resource; through Backup it is.
    let (code, _) = env.err(B, "CreateGrant", json!({"KeyId": arn, "GranteePrincipal": format!("arn:aws:iam::{B}:root"), "Operations": ["Decrypt"]}));
    assert_eq!(code, "AccessDeniedException");
    let ok = check_service_key_use(
        &env.instance.world(),
        &ServiceKeyUse {
            caller: &Caller::root(B, B),
            key_arn: &arn,
            operations: &["DescribeKey", "Decrypt", "CreateGrant"],
            via_service: "backup",
            region: REGION,
            now: 0.0,
            grant_is_for_aws_resource: true,
        },
    );
    assert_eq!(ok, Ok(()));
    // Without account B in the policy, every one of those is denied.
    let (_, other) = env.key(A, json!({}));
    let (code, _) = env.err(B, "DescribeKey", json!({"KeyId": other}));
    assert_eq!(code, "AccessDeniedException");
    let blob = env.encrypt(A, &other, b"x", json!({}));
    let (code, message) = env.err(B, "Decrypt", json!({"CiphertextBlob": blob}));
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(message.unwrap(), "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.");
}

#[test]
fn kms_state_round_trips_through_json() {
    let env = Env::new();
    let (id, _) = env.key(A, json!({"Description": "kept"}));
    let blob = env.encrypt(A, &id, b"persisted", json!({"k": "v"}));
    env.key(A, json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}));
    env.ok(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/kept", "TargetKeyId": id}),
    );
    env.ok(A, "RotateKeyOnDemand", json!({"KeyId": id}));
    let (ext, _) = env.key(A, json!({"Origin": "EXTERNAL"}));
    env.ok(A, "GetParametersForImport", json!({"KeyId": ext, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}));
    let world = env.instance.world().clone();
    let text = serde_json::to_string(&world).unwrap();
    let back: crate::world::World = serde_json::from_str(&text).unwrap();
    assert!(back == world);
    // The restored world still decrypts what the old one encrypted.
    let restored = Env::new();
    *restored.instance.world() = back;
    let out = restored.ok(
        A,
        "Decrypt",
        json!({"CiphertextBlob": blob, "EncryptionContext": {"k": "v"}}),
    );
    assert_eq!(unb64(&out["Plaintext"]), b"persisted");
}

/// AWS Backup's own data path (a fully managed copy): the key policy and grants decide,
/// not the caller's identity policy; an explicit Deny still denies, and
/// kms:GrantIsForAWSResource is only present on the grant operations.
#[test]
fn a_key_policy_alone_decides_a_service_data_path() {
    let env = Env::new();
    let slr = {
        let mut world = env.instance.world();
        crate::services::iam::roles::create_service_linked(
            &mut world,
            "aws",
            B,
            "backup.amazonaws.com",
            None,
            None,
            0.0,
        )
        .unwrap();
        crate::services::backup::roles::service_role_caller(&world, "aws", B)
    };
    let role = format!(
        "arn:aws:iam::{B}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    );
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{A}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": role}, "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": role}, "Action": ["kms:CreateGrant", "kms:Encrypt"], "Resource": "*",
         "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
        {"Effect": "Deny", "Principal": {"AWS": role}, "Action": "kms:GenerateDataKey", "Resource": "*"}]})
    .to_string();
    let (_, arn) = env.key(
        A,
        json!({"Policy": policy, "BypassPolicyLockoutSafetyCheck": true}),
    );
    let world = env.instance.world();
    let use_for = |operations: &'static [&'static str]| ServiceKeyUse {
        caller: &slr,
        key_arn: &arn,
        operations,
        via_service: "backup",
        region: REGION,
        now: 0.0,
        grant_is_for_aws_resource: true,
    };
    let denied = |r: Result<(), crate::protocol::ApiError>| r.unwrap_err().message.clone().unwrap();
    let user = format!("arn:aws:sts::{B}:assumed-role/AWSServiceRoleForBackup/AWSBackup");
    // AWSBackupServiceLinkedRolePolicyForBackup allows no kms:Decrypt through backup.
    assert_eq!(
        denied(check_service_key_use(&world, &use_for(&["Decrypt"]))),
        format!("User: {user} is not authorized to perform: kms:Decrypt on resource: {arn} because no identity-based policy allows the kms:Decrypt action")
    );
    assert_eq!(
        check_key_policy_use(&world, &use_for(&["Decrypt", "CreateGrant"])),
        Ok(())
    );
    assert_eq!(
        denied(check_key_policy_use(&world, &use_for(&["GenerateDataKey"]))),
        cross_account_denied_as(&user, "kms:GenerateDataKey")
    );
    // Encrypt does not carry kms:GrantIsForAWSResource, so that statement does not apply.
    assert_eq!(
        denied(check_key_policy_use(&world, &use_for(&["Encrypt"]))),
        cross_account_denied_as(&user, "kms:Encrypt")
    );
}

/// KMS's sentence for a caller of another account denied by the key's side.
fn cross_account_denied(account: &str, action: &str) -> String {
    cross_account_denied_as(&format!("arn:aws:iam::{account}:root"), action)
}

fn cross_account_denied_as(principal: &str, action: &str) -> String {
    format!("User: {principal} is not authorized to perform: {action} on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")
}

#[test]
fn cross_account_denials_and_missing_keys_get_kms_cross_account_text() {
    let env = Env::new();
    let (_, arn) = env.key(A, json!({}));
    let denied = |op: &str, body: Value, action: &str| {
        let (code, message) = env.err(B, op, body);
        assert_eq!(
            (code.as_str(), message.unwrap()),
            ("AccessDeniedException", cross_account_denied(B, action))
        );
    };
    // No key policy statement for B (the default policy names only A's root).
    denied("DescribeKey", json!({"KeyId": arn}), "kms:DescribeKey");
    denied(
        "Encrypt",
        json!({"KeyId": arn, "Plaintext": b64(b"x")}),
        "kms:Encrypt",
    );
    denied(
        "CreateGrant",
        json!({"KeyId": arn, "GranteePrincipal": format!("arn:aws:iam::{B}:root"), "Operations": ["Decrypt"]}),
        "kms:CreateGrant",
    );
    // A key of A that does not exist: denied, not "does not exist".
    let missing = arn_of(A, "11111111-2222-3333-4444-555555555555");
    denied(
        "Encrypt",
        json!({"KeyId": missing, "Plaintext": b64(b"x")}),
        "kms:Encrypt",
    );
    denied("DescribeKey", json!({"KeyId": missing}), "kms:DescribeKey");
    denied(
        "GetKeyPolicy",
        json!({"KeyId": missing}),
        "kms:GetKeyPolicy",
    );
    // A Deny for B in the key policy.
    let policy = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{A}:root")},"Action":"kms:*","Resource":"*"},
        {"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{B}:root")},"Action":"kms:*","Resource":"*"},
        {"Effect":"Deny","Principal":{"AWS":format!("arn:aws:iam::{B}:root")},"Action":"kms:Encrypt","Resource":"*"}]})
    .to_string();
    let (_, denying) = env.key(A, json!({"Policy": policy}));
    env.ok(B, "DescribeKey", json!({"KeyId": denying}));
    denied(
        "Encrypt",
        json!({"KeyId": denying, "Plaintext": b64(b"x")}),
        "kms:Encrypt",
    );
    // Through AWS Backup, the same sentence.
    let e = check_service_key_use(
        &env.instance.world(),
        &ServiceKeyUse {
            caller: &Caller::root(B, B),
            key_arn: &arn,
            operations: &["CreateGrant"],
            via_service: "backup",
            region: REGION,
            now: 0.0,
            grant_is_for_aws_resource: true,
        },
    )
    .unwrap_err();
    assert_eq!(
        e.message.as_deref(),
        Some(cross_account_denied(B, "kms:CreateGrant").as_str())
    );
    // In its own account the caller still hears NotFound, and the same-account form.
    let own_missing = arn_of(B, "11111111-2222-3333-4444-555555555555");
    let (code, message) = env.err(B, "DescribeKey", json!({"KeyId": own_missing}));
    assert_eq!(
        (code.as_str(), message.unwrap()),
        (
            "NotFoundException",
            format!("Key '{own_missing}' does not exist")
        )
    );
    let alone = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{A}:root")},"Action":"kms:DescribeKey","Resource":"*"}]})
    .to_string();
    let (_, own) = env.key(
        A,
        json!({"Policy": alone, "BypassPolicyLockoutSafetyCheck": true}),
    );
    let (code, message) = env.err(A, "Encrypt", json!({"KeyId": own, "Plaintext": b64(b"x")}));
    assert_eq!(
        (code.as_str(), message.unwrap()),
        (
            "AccessDeniedException",
            format!("User: arn:aws:iam::{A}:root is not authorized to perform: kms:Encrypt on resource: {own} because no resource-based policy allows the kms:Encrypt action")
        )
    );
}

/// Every operation whose KeyId the API reference documents as "the key ID or key ARN",
/// with the other members it requires.
fn key_only_operations() -> Vec<(&'static str, Value)> {
    vec![
        ("CancelKeyDeletion", json!({})),
        (
            "CreateGrant",
            json!({"GranteePrincipal": format!("arn:aws:iam::{A}:root"), "Operations": ["Decrypt"]}),
        ),
        ("DeleteImportedKeyMaterial", json!({})),
        ("DisableKey", json!({})),
        ("DisableKeyRotation", json!({})),
        ("EnableKey", json!({})),
        ("EnableKeyRotation", json!({})),
        ("GetKeyLastUsage", json!({})),
        ("GetKeyPolicy", json!({})),
        ("GetKeyRotationStatus", json!({})),
        (
            "GetParametersForImport",
            json!({"WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
        ),
        (
            "ImportKeyMaterial",
            json!({"ImportToken": b64(b"t"), "EncryptedKeyMaterial": b64(b"m")}),
        ),
        ("ListAliases", json!({})),
        ("ListGrants", json!({})),
        ("ListKeyPolicies", json!({})),
        ("ListKeyRotations", json!({})),
        ("ListResourceTags", json!({})),
        ("PutKeyPolicy", json!({"Policy": "{}"})),
        ("ReplicateKey", json!({"ReplicaRegion": "us-west-2"})),
        ("RetireGrant", json!({"GrantId": "0".repeat(64)})),
        ("RevokeGrant", json!({"GrantId": "0".repeat(64)})),
        ("RotateKeyOnDemand", json!({})),
        ("ScheduleKeyDeletion", json!({})),
        (
            "TagResource",
            json!({"Tags": [{"TagKey": "k", "TagValue": "v"}]}),
        ),
        ("UntagResource", json!({"TagKeys": ["k"]})),
        ("UpdateKeyDescription", json!({"Description": "d"})),
        ("UpdatePrimaryRegion", json!({"PrimaryRegion": "us-west-2"})),
    ]
}

#[test]
fn operations_that_take_only_a_key_id_or_arn_refuse_aliases() {
    let env = Env::new();
    let (id, _) = env.key(A, json!({}));
    env.ok(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/app", "TargetKeyId": id}),
    );
    let alias_arn = format!("arn:aws:kms:{REGION}:{A}:alias/app");
    for (op, body) in key_only_operations() {
        for alias in ["alias/app", alias_arn.as_str()] {
            let mut body = body.clone();
            body["KeyId"] = json!(alias);
            let (code, message) = env.err(A, op, body);
            assert_eq!(
                (code.as_str(), message.as_deref()),
                (
                    "NotFoundException",
                    Some(format!("Invalid keyId '{alias}'").as_str())
                ),
                "{op} {alias}"
            );
        }
    }
    // The key itself is untouched, and still takes aliases where KMS does.
    let m = env.ok(A, "DescribeKey", json!({"KeyId": "alias/app"}))["KeyMetadata"].clone();
    assert_eq!(m["KeyState"], json!("Enabled"));
    env.encrypt(A, &alias_arn, b"x", json!({}));
    // Alias targets: keys, not aliases.
    let (other, _) = env.key(A, json!({}));
    env.ok(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/other", "TargetKeyId": other}),
    );
    for (op, name) in [("CreateAlias", "alias/new"), ("UpdateAlias", "alias/other")] {
        for target in ["alias/app", alias_arn.as_str()] {
            let (code, message) = env.err(A, op, json!({"AliasName": name, "TargetKeyId": target}));
            assert_eq!(
                (code.as_str(), message.as_deref()),
                (
                    "ValidationException",
                    Some("Aliases must refer to keys. Not aliases")
                ),
                "{op} {target}"
            );
        }
    }
}

#[test]
fn alias_names_with_characters_kms_forbids_are_refused() {
    let env = Env::new();
    let (id, _) = env.key(A, json!({}));
    // ':' passes the model's pattern; KMS refuses it itself.
    let (code, message) = env.err(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/Service:Test", "TargetKeyId": id}),
    );
    assert_eq!(
        (code.as_str(), message.as_deref()),
        (
            "ValidationException",
            Some("alias/Service:Test contains invalid characters for an alias")
        )
    );
    // Characters outside the pattern: the model's validation message.
    let (code, message) = env.err(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/Service.Test", "TargetKeyId": id}),
    );
    assert_eq!(
        (code.as_str(), message.as_deref()),
        (
            "ValidationException",
            Some("1 validation error detected: Value 'alias/Service.Test' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
        )
    );
    // What KMS allows.
    env.ok(
        A,
        "CreateAlias",
        json!({"AliasName": "alias/my-alias_/x", "TargetKeyId": id}),
    );
}

#[test]
fn a_cross_account_denial_by_the_callers_own_policies_keeps_the_usual_form() {
    let env = Env::new();
    let policy = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{A}:root")},"Action":"kms:*","Resource":"*"},
        {"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{B}:root")},"Action":"kms:*","Resource":"*"}]})
    .to_string();
    let (_, arn) = env.key(A, json!({"Policy": policy}));
    // B's user has no identity policy: the key's side allows, B's own side does not.
    env.iam(B, &[("Action", "CreateUser"), ("UserName", "u")]);
    let user = Caller {
        account: B.into(),
        kind: crate::world::CallerKind::User {
            name: "u".into(),
            path: "/".into(),
        },
        user_id: "AIDAEXAMPLE".into(),
        access_key_id: "AKIAEXAMPLE".into(),
        partition: crate::arn::default_caller_partition(),
    };
    let world = env.instance.world();
    let k = super::lookup::key(
        &world,
        &super::lookup::resolve(&world, B, REGION, &arn, 0.0).unwrap(),
    )
    .unwrap()
    .clone();
    let env_ = crate::authz::Environment {
        region: REGION.into(),
        now: 0.0,
        called_via: Vec::new(),
    };
    let decision = crate::authz::decide(
        &world,
        &user,
        &env_,
        &super::authorize::key_access("kms:Encrypt", &k, B),
    );
    assert!(decision.cross_account);
    let e = super::errors::access_denied(&decision);
    assert_eq!(
        (e.code.as_str(), e.message.as_deref()),
        (
            "AccessDeniedException",
            Some(format!("User: arn:aws:iam::{B}:user/u is not authorized to perform: kms:Encrypt on resource: {arn} because no identity-based policy allows the kms:Encrypt action").as_str())
        )
    );
}
