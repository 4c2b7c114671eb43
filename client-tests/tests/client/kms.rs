//! KMS through aws-sdk-kms (and the AWS CLI for the cross-account cases): every one of the
//! 54 operations of botocore's model answers with a parsed response, the seeds'
//! cross-account key policy, AWS's exact errors, grants, and a property test that the
//! SDK's answer agrees with `keyhole::policy::simulate`.
//!
//! Every operation is named in a [`check`] call; `every_modeled_operation_has_a_test`
//! compares those names with `emulator/models/kms.json`.

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    AlgorithmSpec, DataKeyPairSpec, DataKeySpec, ExpirationModelType, GrantOperation,
    KeyAgreementAlgorithmSpec, KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec,
    MultiRegionKeyType, OriginType, SigningAlgorithmSpec, Tag, WrappingKeySpec,
};
use aws_sdk_kms::Client;

use crate::common;

const A: &str = "111111111111";
const B: &str = "222222222222";

/// One operation's assertion: `operation` is the model's name, so the list of tested
/// operations can be read off this file.
fn check(operation: &str, ok: bool, detail: impl std::fmt::Debug) {
    assert!(ok, "{operation}: {detail:?}");
}

async fn client(emu: &keyhole::Emulator, account: &str) -> Client {
    Client::new(&emu.sdk_config(account).await)
}

async fn new_key(kms: &Client) -> (String, String) {
    let m = kms
        .create_key()
        .send()
        .await
        .expect("CreateKey")
        .key_metadata
        .expect("metadata");
    (m.key_id, m.arn.expect("arn"))
}

fn root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

#[tokio::test]
async fn sdk_key_lifecycle_policies_and_tags() {
    let emu = common::start().await;
    let kms = client(&emu, A).await;

    let created = kms
        .create_key()
        .description("lifecycle")
        .tags(
            Tag::builder()
                .tag_key("team")
                .tag_value("a")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("CreateKey");
    let m = created.key_metadata().expect("metadata");
    let id = m.key_id().to_owned();
    let arn = m.arn().unwrap().to_owned();
    check(
        "CreateKey",
        arn == format!("arn:aws:kms:us-east-1:{A}:key/{id}")
            && m.key_state() == Some(&KeyState::Enabled)
            && m.key_spec() == Some(&KeySpec::SymmetricDefault)
            && m.aws_account_id() == Some(A),
        m,
    );

    let d = kms.describe_key().key_id(&id).send().await.unwrap();
    let m = d.key_metadata().unwrap();
    check(
        "DescribeKey",
        m.description() == Some("lifecycle") && m.arn() == Some(arn.as_str()),
        m,
    );

    let listed = kms.list_keys().send().await.unwrap();
    check(
        "ListKeys",
        listed
            .keys()
            .iter()
            .any(|k| k.key_arn() == Some(arn.as_str())),
        &listed,
    );

    kms.update_key_description()
        .key_id(&id)
        .description("renamed")
        .send()
        .await
        .unwrap();
    let d = kms.describe_key().key_id(&id).send().await.unwrap();
    check(
        "UpdateKeyDescription",
        d.key_metadata().unwrap().description() == Some("renamed"),
        &d,
    );

    kms.disable_key().key_id(&id).send().await.unwrap();
    let d = kms.describe_key().key_id(&id).send().await.unwrap();
    check(
        "DisableKey",
        d.key_metadata().unwrap().key_state() == Some(&KeyState::Disabled)
            && !d.key_metadata().unwrap().enabled(),
        &d,
    );
    kms.enable_key().key_id(&id).send().await.unwrap();
    let d = kms.describe_key().key_id(&id).send().await.unwrap();
    check(
        "EnableKey",
        d.key_metadata().unwrap().key_state() == Some(&KeyState::Enabled),
        &d,
    );

    let policies = kms.list_key_policies().key_id(&id).send().await.unwrap();
    check(
        "ListKeyPolicies",
        policies.policy_names() == ["default"],
        &policies,
    );
    let policy = kms.get_key_policy().key_id(&id).send().await.unwrap();
    check(
        "GetKeyPolicy",
        policy.policy_name() == Some("default")
            && policy
                .policy()
                .unwrap()
                .contains("\"Sid\" : \"Enable IAM User Permissions\""),
        &policy,
    );
    let new_policy = format!(
        r#"{{"Version":"2012-10-17","Id":"put","Statement":[{{"Sid":"Root","Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"kms:*","Resource":"*"}}]}}"#,
        root(A)
    );
    kms.put_key_policy()
        .key_id(&id)
        .policy(&new_policy)
        .send()
        .await
        .unwrap();
    let policy = kms.get_key_policy().key_id(&id).send().await.unwrap();
    check(
        "PutKeyPolicy",
        policy.policy().unwrap().contains("\"Id\":\"put\"")
            || policy.policy().unwrap().contains("\"Id\" : \"put\""),
        &policy,
    );

    kms.tag_resource()
        .key_id(&id)
        .tags(
            Tag::builder()
                .tag_key("env")
                .tag_value("test")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let tags = kms.list_resource_tags().key_id(&id).send().await.unwrap();
    let pairs: Vec<(&str, &str)> = tags
        .tags()
        .iter()
        .map(|t| (t.tag_key(), t.tag_value()))
        .collect();
    check(
        "TagResource",
        pairs.contains(&("env", "test")) && pairs.contains(&("team", "a")),
        &pairs,
    );
    kms.untag_resource()
        .key_id(&id)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = kms.list_resource_tags().key_id(&id).send().await.unwrap();
    let keys: Vec<&str> = tags.tags().iter().map(|t| t.tag_key()).collect();
    check("UntagResource", keys == ["env"], &keys);
    check(
        "ListResourceTags",
        tags.tags()[0].tag_value() == "test",
        &tags,
    );

    let scheduled = kms
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    check(
        "ScheduleKeyDeletion",
        scheduled.key_state() == Some(&KeyState::PendingDeletion)
            && scheduled.pending_window_in_days() == Some(7)
            && scheduled.deletion_date().is_some()
            && scheduled.key_id() == Some(arn.as_str()),
        &scheduled,
    );
    let cancelled = kms.cancel_key_deletion().key_id(&id).send().await.unwrap();
    let d = kms.describe_key().key_id(&id).send().await.unwrap();
    check(
        "CancelKeyDeletion",
        cancelled.key_id() == Some(arn.as_str())
            && d.key_metadata().unwrap().key_state() == Some(&KeyState::Disabled),
        (&cancelled, &d),
    );
}

#[tokio::test]
async fn sdk_aliases() {
    let emu = common::start().await;
    let kms = client(&emu, A).await;
    let (first, first_arn) = new_key(&kms).await;
    let (second, _) = new_key(&kms).await;
    kms.create_alias()
        .alias_name("alias/app")
        .target_key_id(&first)
        .send()
        .await
        .unwrap();
    let d = kms.describe_key().key_id("alias/app").send().await.unwrap();
    check(
        "CreateAlias",
        d.key_metadata().unwrap().arn() == Some(first_arn.as_str()),
        &d,
    );
    kms.update_alias()
        .alias_name("alias/app")
        .target_key_id(&second)
        .send()
        .await
        .unwrap();
    let listed = kms.list_aliases().key_id(&second).send().await.unwrap();
    check(
        "UpdateAlias",
        listed.aliases().len() == 1 && listed.aliases()[0].target_key_id() == Some(&*second),
        &listed,
    );
    check(
        "ListAliases",
        listed.aliases()[0].alias_arn() == Some(&*format!("arn:aws:kms:us-east-1:{A}:alias/app")),
        &listed,
    );
    kms.delete_alias()
        .alias_name("alias/app")
        .send()
        .await
        .unwrap();
    let err = kms
        .describe_key()
        .key_id("alias/app")
        .send()
        .await
        .expect_err("alias deleted");
    check(
        "DeleteAlias",
        err.code() == Some("NotFoundException")
            && err.message()
                == Some(&*format!(
                    "Alias arn:aws:kms:us-east-1:{A}:alias/app is not found."
                )),
        &err,
    );
}

#[tokio::test]
async fn sdk_rotation() {
    let emu = common::start().await;
    let kms = client(&emu, A).await;
    let (id, arn) = new_key(&kms).await;
    kms.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(180)
        .send()
        .await
        .unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    check(
        "EnableKeyRotation",
        status.key_rotation_enabled() && status.rotation_period_in_days() == Some(180),
        &status,
    );
    check(
        "GetKeyRotationStatus",
        status.key_id() == Some(arn.as_str()) && status.next_rotation_date().is_some(),
        &status,
    );
    let before = kms
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("old"))
        .send()
        .await
        .unwrap();
    let rotated = kms.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    check(
        "RotateKeyOnDemand",
        rotated.key_id() == Some(arn.as_str()),
        &rotated,
    );
    let rotations = kms.list_key_rotations().key_id(&id).send().await.unwrap();
    check(
        "ListKeyRotations",
        rotations.rotations().len() == 1
            && rotations.rotations()[0].rotation_type()
                == Some(&aws_sdk_kms::types::RotationType::OnDemand),
        &rotations,
    );
    // Old material still decrypts.
    let old = kms
        .decrypt()
        .ciphertext_blob(before.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(old.plaintext().unwrap().as_ref(), b"old");
    kms.disable_key_rotation().key_id(&id).send().await.unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    check(
        "DisableKeyRotation",
        !status.key_rotation_enabled(),
        &status,
    );
}

#[tokio::test]
async fn sdk_symmetric_cryptography() {
    let emu = common::start().await;
    let kms = client(&emu, A).await;
    let (id, arn) = new_key(&kms).await;
    let (other, other_arn) = new_key(&kms).await;

    let enc = kms
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("secret"))
        .encryption_context("purpose", "test")
        .send()
        .await
        .unwrap();
    let blob = enc.ciphertext_blob().unwrap().clone();
    check(
        "Encrypt",
        enc.key_id() == Some(arn.as_str())
            && enc.encryption_algorithm()
                == Some(&aws_sdk_kms::types::EncryptionAlgorithmSpec::SymmetricDefault)
            && blob.as_ref().len() > 6,
        &enc,
    );
    let dec = kms
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "test")
        .send()
        .await
        .unwrap();
    check(
        "Decrypt",
        dec.plaintext().unwrap().as_ref() == b"secret" && dec.key_id() == Some(arn.as_str()),
        dec.key_id(),
    );

    let re = kms
        .re_encrypt()
        .ciphertext_blob(blob)
        .source_encryption_context("purpose", "test")
        .destination_key_id(&other)
        .send()
        .await
        .unwrap();
    let moved = kms
        .decrypt()
        .ciphertext_blob(re.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    check(
        "ReEncrypt",
        re.source_key_id() == Some(arn.as_str())
            && re.key_id() == Some(other_arn.as_str())
            && moved.plaintext().unwrap().as_ref() == b"secret",
        &re,
    );

    let dk = kms
        .generate_data_key()
        .key_id(&id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    let unwrapped = kms
        .decrypt()
        .ciphertext_blob(dk.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    check(
        "GenerateDataKey",
        dk.plaintext().unwrap().as_ref().len() == 32
            && unwrapped.plaintext().unwrap().as_ref() == dk.plaintext().unwrap().as_ref(),
        dk.key_id(),
    );
    let dk = kms
        .generate_data_key_without_plaintext()
        .key_id(&id)
        .number_of_bytes(16)
        .send()
        .await
        .unwrap();
    let unwrapped = kms
        .decrypt()
        .ciphertext_blob(dk.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    check(
        "GenerateDataKeyWithoutPlaintext",
        dk.key_id() == Some(arn.as_str()) && unwrapped.plaintext().unwrap().as_ref().len() == 16,
        &dk,
    );

    let random = kms
        .generate_random()
        .number_of_bytes(48)
        .send()
        .await
        .unwrap();
    check(
        "GenerateRandom",
        random.plaintext().unwrap().as_ref().len() == 48,
        random.plaintext().map(|p| p.as_ref().len()),
    );

    let usage = kms.get_key_last_usage().key_id(&id).send().await.unwrap();
    let last = usage.key_last_usage();
    check(
        "GetKeyLastUsage",
        usage.key_id() == Some(arn.as_str())
            && last.and_then(|l| l.operation()).map(|o| o.as_str()) == Some("Decrypt")
            && last.and_then(|l| l.timestamp()).is_some(),
        &usage,
    );
}

#[tokio::test]
async fn sdk_asymmetric_and_hmac_cryptography() {
    let emu = common::start().await;
    let kms = client(&emu, A).await;
    let (sym, sym_arn) = new_key(&kms).await;

    let pair = kms
        .generate_data_key_pair()
        .key_id(&sym)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .send()
        .await
        .unwrap();
    let private = kms
        .decrypt()
        .ciphertext_blob(pair.private_key_ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    check(
        "GenerateDataKeyPair",
        pair.key_pair_spec() == Some(&DataKeyPairSpec::EccNistP256)
            && pair.key_id() == Some(sym_arn.as_str())
            && !pair.public_key().unwrap().as_ref().is_empty()
            && private.plaintext().unwrap().as_ref()
                == pair.private_key_plaintext().unwrap().as_ref(),
        pair.key_id(),
    );
    let pair = kms
        .generate_data_key_pair_without_plaintext()
        .key_id(&sym)
        .key_pair_spec(DataKeyPairSpec::EccNistP384)
        .send()
        .await
        .unwrap();
    check(
        "GenerateDataKeyPairWithoutPlaintext",
        pair.key_pair_spec() == Some(&DataKeyPairSpec::EccNistP384)
            && pair.public_key().is_some()
            && pair.private_key_ciphertext_blob().is_some(),
        &pair,
    );

    let signer = kms
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let signed = kms
        .sign()
        .key_id(&signer.key_id)
        .message(Blob::new("message"))
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    check(
        "Sign",
        signed.signing_algorithm() == Some(&SigningAlgorithmSpec::EcdsaSha256)
            && signed.key_id() == signer.arn.as_deref()
            && signed.signature().is_some(),
        &signed,
    );
    let verified = kms
        .verify()
        .key_id(&signer.key_id)
        .message(Blob::new("message"))
        .signature(signed.signature().unwrap().clone())
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    check("Verify", verified.signature_valid(), &verified);
    let public = kms
        .get_public_key()
        .key_id(&signer.key_id)
        .send()
        .await
        .unwrap();
    check(
        "GetPublicKey",
        public.key_spec() == Some(&KeySpec::EccNistP256)
            && public.key_usage() == Some(&KeyUsageType::SignVerify)
            && public.signing_algorithms() == [SigningAlgorithmSpec::EcdsaSha256]
            && public.public_key().unwrap().as_ref().len() == 91,
        &public,
    );

    // Two key-agreement keys derive the same secret from each other's public keys.
    let mut agreement = Vec::new();
    for _ in 0..2 {
        let m = kms
            .create_key()
            .key_spec(KeySpec::EccNistP256)
            .key_usage(KeyUsageType::KeyAgreement)
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap();
        let public = kms.get_public_key().key_id(&m.key_id).send().await.unwrap();
        agreement.push((m.key_id, public.public_key.unwrap()));
    }
    let mut secrets = Vec::new();
    for (mine, theirs) in [(0, 1), (1, 0)] {
        let out = kms
            .derive_shared_secret()
            .key_id(&agreement[mine].0)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(agreement[theirs].1.clone())
            .send()
            .await
            .unwrap();
        secrets.push(out.shared_secret().unwrap().as_ref().to_vec());
    }
    check(
        "DeriveSharedSecret",
        secrets[0] == secrets[1] && secrets[0].len() == 32,
        secrets.len(),
    );

    let mac_key = kms
        .create_key()
        .key_spec(KeySpec::Hmac256)
        .key_usage(KeyUsageType::GenerateVerifyMac)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let mac = kms
        .generate_mac()
        .key_id(&mac_key.key_id)
        .message(Blob::new("message"))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    check(
        "GenerateMac",
        mac.mac().unwrap().as_ref().len() == 32
            && mac.mac_algorithm() == Some(&MacAlgorithmSpec::HmacSha256),
        &mac,
    );
    let valid = kms
        .verify_mac()
        .key_id(&mac_key.key_id)
        .message(Blob::new("message"))
        .mac(mac.mac().unwrap().clone())
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    check("VerifyMac", valid.mac_valid(), &valid);
}

#[tokio::test]
async fn sdk_grants() {
    let emu = common::start().await;
    let kms = client(&emu, A).await;
    let (id, arn) = new_key(&kms).await;
    let grant = kms
        .create_grant()
        .key_id(&id)
        .grantee_principal(root(B))
        .retiring_principal(root(A))
        .operations(GrantOperation::Decrypt)
        .operations(GrantOperation::DescribeKey)
        .name("g1")
        .send()
        .await
        .unwrap();
    let grant_id = grant.grant_id().unwrap().to_owned();
    check(
        "CreateGrant",
        grant_id.len() == 64 && grant.grant_token().is_some_and(|t| !t.is_empty()),
        &grant,
    );
    let listed = kms.list_grants().key_id(&id).send().await.unwrap();
    check(
        "ListGrants",
        listed.grants().len() == 1
            && listed.grants()[0].grant_id() == Some(grant_id.as_str())
            && listed.grants()[0].grantee_principal() == Some(&*root(B))
            && listed.grants()[0].key_id() == Some(arn.as_str()),
        &listed,
    );
    let retirable = kms
        .list_retirable_grants()
        .retiring_principal(root(A))
        .send()
        .await
        .unwrap();
    check(
        "ListRetirableGrants",
        retirable.grants().len() == 1 && retirable.grants()[0].name() == Some("g1"),
        &retirable,
    );
    kms.retire_grant()
        .key_id(&arn)
        .grant_id(&grant_id)
        .send()
        .await
        .unwrap();
    let listed = kms.list_grants().key_id(&id).send().await.unwrap();
    check("RetireGrant", listed.grants().is_empty(), &listed);

    let second = kms
        .create_grant()
        .key_id(&id)
        .grantee_principal(root(B))
        .operations(GrantOperation::Encrypt)
        .send()
        .await
        .unwrap();
    kms.revoke_grant()
        .key_id(&id)
        .grant_id(second.grant_id().unwrap())
        .send()
        .await
        .unwrap();
    let listed = kms.list_grants().key_id(&id).send().await.unwrap();
    check("RevokeGrant", listed.grants().is_empty(), &listed);
}

#[tokio::test]
async fn sdk_imported_key_material() {
    use rsa::pkcs8::DecodePublicKey;
    let emu = common::start().await;
    let kms = client(&emu, A).await;
    let m = kms
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(m.key_state(), Some(&KeyState::PendingImport));
    let params = kms
        .get_parameters_for_import()
        .key_id(&m.key_id)
        .wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256)
        .wrapping_key_spec(WrappingKeySpec::Rsa2048)
        .send()
        .await
        .unwrap();
    let public = rsa::RsaPublicKey::from_public_key_der(params.public_key().unwrap().as_ref());
    check(
        "GetParametersForImport",
        public.is_ok()
            && params.import_token().is_some()
            && params.parameters_valid_to().is_some()
            && params.key_id() == m.arn.as_deref(),
        params.key_id(),
    );
    let wrapped = public
        .unwrap()
        .encrypt(
            &mut rand_core::OsRng,
            rsa::Oaep::new::<sha2::Sha256>(),
            &[7u8; 32],
        )
        .unwrap();
    let imported = kms
        .import_key_material()
        .key_id(&m.key_id)
        .import_token(params.import_token().unwrap().clone())
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .unwrap();
    let d = kms.describe_key().key_id(&m.key_id).send().await.unwrap();
    check(
        "ImportKeyMaterial",
        imported.key_material_id().is_some_and(|id| id.len() == 64)
            && d.key_metadata().unwrap().key_state() == Some(&KeyState::Enabled),
        &imported,
    );
    let enc = kms
        .encrypt()
        .key_id(&m.key_id)
        .plaintext(Blob::new("imported"))
        .send()
        .await
        .unwrap();
    assert!(enc.ciphertext_blob().is_some());
    kms.delete_imported_key_material()
        .key_id(&m.key_id)
        .send()
        .await
        .unwrap();
    let d = kms.describe_key().key_id(&m.key_id).send().await.unwrap();
    check(
        "DeleteImportedKeyMaterial",
        d.key_metadata().unwrap().key_state() == Some(&KeyState::PendingImport),
        &d,
    );
}

#[tokio::test]
async fn sdk_multi_region_keys() {
    let emu = common::start().await;
    let kms = client(&emu, A).await;
    let m = kms
        .create_key()
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let arn = m.arn.clone().unwrap();
    let replica = kms
        .replicate_key()
        .key_id(&m.key_id)
        .replica_region("eu-west-1")
        .description("replica")
        .send()
        .await
        .unwrap();
    let rm = replica.replica_key_metadata().unwrap();
    check(
        "ReplicateKey",
        rm.arn() == Some(&*format!("arn:aws:kms:eu-west-1:{A}:key/{}", m.key_id))
            && rm
                .multi_region_configuration()
                .unwrap()
                .multi_region_key_type()
                == Some(&MultiRegionKeyType::Replica)
            && replica.replica_policy().is_some(),
        rm,
    );
    kms.update_primary_region()
        .key_id(&arn)
        .primary_region("eu-west-1")
        .send()
        .await
        .unwrap();
    let d = kms.describe_key().key_id(&m.key_id).send().await.unwrap();
    let mr = d
        .key_metadata()
        .unwrap()
        .multi_region_configuration()
        .unwrap();
    check(
        "UpdatePrimaryRegion",
        mr.multi_region_key_type() == Some(&MultiRegionKeyType::Replica)
            && mr.primary_key().and_then(|p| p.region()) == Some("eu-west-1"),
        mr,
    );
}

#[tokio::test]
async fn sdk_custom_key_stores() {
    use aws_sdk_kms::types::ConnectionStateType;
    let emu = common::start().await;
    let kms = client(&emu, A).await;
    let created = kms
        .create_custom_key_store()
        .custom_key_store_name("hsm")
        .cloud_hsm_cluster_id("cluster-234567abcdef")
        .trust_anchor_certificate("cert")
        .key_store_password("password")
        .send()
        .await
        .unwrap();
    let store = created.custom_key_store_id().unwrap().to_owned();
    check(
        "CreateCustomKeyStore",
        store.starts_with("cks-") && store.len() == 21,
        &created,
    );
    let described = kms
        .describe_custom_key_stores()
        .custom_key_store_id(&store)
        .send()
        .await
        .unwrap();
    let entry = &described.custom_key_stores()[0];
    check(
        "DescribeCustomKeyStores",
        entry.custom_key_store_name() == Some("hsm")
            && entry.cloud_hsm_cluster_id() == Some("cluster-234567abcdef")
            && entry.connection_state() == Some(&ConnectionStateType::Disconnected),
        entry,
    );
    kms.connect_custom_key_store()
        .custom_key_store_id(&store)
        .send()
        .await
        .unwrap();
    let state =
        |d: aws_sdk_kms::operation::describe_custom_key_stores::DescribeCustomKeyStoresOutput| {
            d.custom_key_stores()[0].connection_state().cloned()
        };
    let now = state(
        kms.describe_custom_key_stores()
            .custom_key_store_id(&store)
            .send()
            .await
            .unwrap(),
    );
    check(
        "ConnectCustomKeyStore",
        now == Some(ConnectionStateType::Connected),
        &now,
    );
    kms.disconnect_custom_key_store()
        .custom_key_store_id(&store)
        .send()
        .await
        .unwrap();
    let now = state(
        kms.describe_custom_key_stores()
            .custom_key_store_id(&store)
            .send()
            .await
            .unwrap(),
    );
    check(
        "DisconnectCustomKeyStore",
        now == Some(ConnectionStateType::Disconnected),
        &now,
    );
    // The store must be disconnected to be updated.
    kms.update_custom_key_store()
        .custom_key_store_id(&store)
        .new_custom_key_store_name("hsm2")
        .send()
        .await
        .unwrap();
    let d = kms.describe_custom_key_stores().send().await.unwrap();
    check(
        "UpdateCustomKeyStore",
        d.custom_key_stores()[0].custom_key_store_name() == Some("hsm2"),
        &d,
    );
    kms.delete_custom_key_store()
        .custom_key_store_id(&store)
        .send()
        .await
        .unwrap();
    let err = kms
        .describe_custom_key_stores()
        .custom_key_store_id(&store)
        .send()
        .await
        .expect_err("deleted");
    check(
        "DeleteCustomKeyStore",
        err.code() == Some("CustomKeyStoreNotFoundException"),
        &err,
    );
}

/// The operations named in `check("...")` calls in this file equal the model's 54.
#[test]
fn every_modeled_operation_has_a_test() {
    let model: serde_json::Value =
        serde_json::from_str(include_str!("../../../emulator/models/kms.json")).expect("model");
    let modeled: std::collections::BTreeSet<String> = model["operations"]
        .as_object()
        .expect("operations")
        .keys()
        .cloned()
        .collect();
    assert_eq!(modeled.len(), 54);
    let source = include_str!("kms.rs");
    let needle = concat!("check", "(");
    let mut tested = std::collections::BTreeSet::new();
    for (i, _) in source.match_indices(needle) {
        let rest = source[i + needle.len()..].trim_start();
        if let Some(rest) = rest.strip_prefix('"') {
            let name = &rest[..rest.find('"').expect("closing quote")];
            if name.chars().all(|c| c.is_ascii_alphabetic()) {
                tested.insert(name.to_owned());
            }
        }
    }
    assert_eq!(tested, modeled);
}

// ---------------------------------------------------------------------------------------
// Cross-account: the seeds' key policy, AWS's exact errors, grants.

/// The seeds' 3-statement key policy: the source account's root administers the key; the
/// destination account's root may use it, and attach grants for AWS resources.
fn seeds_policy() -> String {
    serde_json::json!({"Version":"2012-10-17","Statement":[
        {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":root(A)},"Action":"kms:*","Resource":"*"},
        {"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":root(B)},
         "Action":["kms:DescribeKey","kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*"],"Resource":"*"},
        {"Sid":"Allow attachment of persistent resources","Effect":"Allow","Principal":{"AWS":root(B)},
         "Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*",
         "Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]})
    .to_string()
}

/// AWS's message when the key policy does not let another account's root in.
fn cross_account_denied(account: &str, action: &str) -> String {
    cross_account_sentence(&root(account), action)
}

/// KMS's sentence for a caller of another account denied by the key's side, which names
/// neither the key nor the policy.
fn cross_account_sentence(principal_arn: &str, action: &str) -> String {
    format!("User: {principal_arn} is not authorized to perform: {action} on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")
}

const CIPHERTEXT_DENIED: &str = "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";
const INCORRECT_KEY: &str =
    "The key ID in the request does not identify a CMK that can perform this operation.";

/// A key of account A (with `policy`, or the default one) and a ciphertext under it.
async fn shared_key(kms_a: &Client, policy: Option<String>) -> (String, Blob) {
    let arn = kms_a
        .create_key()
        .set_policy(policy)
        .send()
        .await
        .expect("CreateKey")
        .key_metadata
        .and_then(|m| m.arn)
        .expect("arn");
    let blob = kms_a
        .encrypt()
        .key_id(&arn)
        .plaintext(Blob::new("cross-account"))
        .encryption_context("purpose", "copy")
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob
        .expect("blob");
    (arn, blob)
}

fn assert_error<E: ProvideErrorMetadata + std::fmt::Debug>(
    err: &E,
    code: &str,
    message: Option<&str>,
) {
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert_eq!(err.message().filter(|m| !m.is_empty()), message, "{err:?}");
}

#[tokio::test]
async fn sdk_seeds_cross_account_key_policy() {
    use keyhole::services::kms::integration::{check_service_key_use, ServiceKeyUse};
    let emu = common::start().await;
    let kms_a = client(&emu, A).await;
    let kms_b = client(&emu, B).await;
    let (arn, blob) = shared_key(&kms_a, Some(seeds_policy())).await;

    let d = kms_b.describe_key().key_id(&arn).send().await.unwrap();
    assert_eq!(d.key_metadata().unwrap().aws_account_id(), Some(A));
    let dec = kms_b
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "copy")
        .send()
        .await
        .unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref(), b"cross-account");
    assert_eq!(dec.key_id(), Some(arn.as_str()));
    // A plain SDK call is not an AWS service: kms:GrantIsForAWSResource is false.
    let err = kms_b
        .create_grant()
        .key_id(&arn)
        .grantee_principal(root(B))
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .expect_err("not for an AWS resource");
    assert_error(
        &err,
        "AccessDeniedException",
        Some(&cross_account_denied(B, "kms:CreateGrant")),
    );
    // When AWS Backup calls on B's behalf, the same policy allows all three.
    let allowed = check_service_key_use(
        &emu.instance().world(),
        &ServiceKeyUse {
            caller: &keyhole::world::Caller::root(B, B),
            key_arn: &arn,
            operations: &["DescribeKey", "Decrypt", "CreateGrant"],
            via_service: "backup",
            region: "us-east-1",
            now: emu.instance().clock.now(),
            grant_is_for_aws_resource: true,
        },
    );
    assert_eq!(allowed, Ok(()));

    // Without account B in the policy, every one of those calls is denied.
    let (other, other_blob) = shared_key(&kms_a, None).await;
    let err = kms_b
        .describe_key()
        .key_id(&other)
        .send()
        .await
        .expect_err("denied");
    assert_error(
        &err,
        "AccessDeniedException",
        Some(&cross_account_denied(B, "kms:DescribeKey")),
    );
    let err = kms_b
        .decrypt()
        .ciphertext_blob(other_blob.clone())
        .encryption_context("purpose", "copy")
        .send()
        .await
        .expect_err("denied");
    assert_error(&err, "AccessDeniedException", Some(CIPHERTEXT_DENIED));
    let err = kms_b
        .create_grant()
        .key_id(&other)
        .grantee_principal(root(B))
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .expect_err("denied");
    assert_error(
        &err,
        "AccessDeniedException",
        Some(&cross_account_denied(B, "kms:CreateGrant")),
    );
    let denied = check_service_key_use(
        &emu.instance().world(),
        &ServiceKeyUse {
            caller: &keyhole::world::Caller::root(B, B),
            key_arn: &other,
            operations: &["Decrypt"],
            via_service: "backup",
            region: "us-east-1",
            now: emu.instance().clock.now(),
            grant_is_for_aws_resource: true,
        },
    )
    .expect_err("denied through Backup too");
    assert_eq!(denied.code, "AccessDeniedException");
    assert_eq!(
        denied.message.as_deref(),
        Some(cross_account_denied(B, "kms:Decrypt").as_str())
    );
}

#[tokio::test]
async fn sdk_key_states_and_ciphertext_errors_across_accounts() {
    let emu = common::start().await;
    let kms_a = client(&emu, A).await;
    let kms_b = client(&emu, B).await;
    let (arn, blob) = shared_key(&kms_a, Some(seeds_policy())).await;

    // Wrong encryption context: InvalidCiphertextException without a message.
    let err = kms_b
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "other")
        .send()
        .await
        .expect_err("wrong context");
    assert_error(&err, "InvalidCiphertextException", None);
    // A tampered blob: the same.
    let mut bytes = blob.as_ref().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let err = kms_b
        .decrypt()
        .ciphertext_blob(Blob::new(bytes))
        .encryption_context("purpose", "copy")
        .send()
        .await
        .expect_err("tampered");
    assert_error(&err, "InvalidCiphertextException", None);
    // Another key named in the request.
    let (mine, _) = new_key(&kms_b).await;
    let err = kms_b
        .decrypt()
        .ciphertext_blob(blob.clone())
        .key_id(&mine)
        .encryption_context("purpose", "copy")
        .send()
        .await
        .expect_err("incorrect key");
    assert_error(&err, "IncorrectKeyException", Some(INCORRECT_KEY));

    // Disabled.
    kms_a.disable_key().key_id(&arn).send().await.unwrap();
    let err = kms_b
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "copy")
        .send()
        .await
        .expect_err("disabled");
    assert_error(
        &err,
        "DisabledException",
        Some(&format!("{arn} is disabled.")),
    );
    kms_a.enable_key().key_id(&arn).send().await.unwrap();

    // Pending deletion.
    kms_a
        .schedule_key_deletion()
        .key_id(&arn)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let err = kms_b
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "copy")
        .send()
        .await
        .expect_err("pending deletion");
    assert_error(
        &err,
        "KMSInvalidStateException",
        Some(&format!("{arn} is pending deletion.")),
    );
}

#[tokio::test]
async fn sdk_grants_allow_until_revoked() {
    let emu = common::start().await;
    let kms_a = client(&emu, A).await;
    let kms_b = client(&emu, B).await;
    let (arn, blob) = shared_key(&kms_a, None).await;
    let decrypt = || {
        kms_b
            .decrypt()
            .ciphertext_blob(blob.clone())
            .encryption_context("purpose", "copy")
            .send()
    };
    let err = decrypt().await.expect_err("no grant yet");
    assert_error(&err, "AccessDeniedException", Some(CIPHERTEXT_DENIED));

    let grant = kms_a
        .create_grant()
        .key_id(&arn)
        .grantee_principal(root(B))
        .operations(GrantOperation::Decrypt)
        .operations(GrantOperation::DescribeKey)
        .send()
        .await
        .unwrap();
    let ok = decrypt().await.expect("the grant allows Decrypt");
    assert_eq!(ok.plaintext().unwrap().as_ref(), b"cross-account");
    let d = kms_b.describe_key().key_id(&arn).send().await.unwrap();
    assert_eq!(d.key_metadata().unwrap().arn(), Some(arn.as_str()));
    // The grant names Decrypt and DescribeKey only.
    let err = kms_b
        .encrypt()
        .key_id(&arn)
        .plaintext(Blob::new("x"))
        .send()
        .await
        .expect_err("Encrypt is not granted");
    assert_error(
        &err,
        "AccessDeniedException",
        Some(&cross_account_denied(B, "kms:Encrypt")),
    );

    kms_a
        .revoke_grant()
        .key_id(&arn)
        .grant_id(grant.grant_id().unwrap())
        .send()
        .await
        .unwrap();
    let err = decrypt().await.expect_err("revoked");
    assert_error(&err, "AccessDeniedException", Some(CIPHERTEXT_DENIED));
    let err = kms_b
        .describe_key()
        .key_id(&arn)
        .send()
        .await
        .expect_err("revoked");
    assert_error(
        &err,
        "AccessDeniedException",
        Some(&cross_account_denied(B, "kms:DescribeKey")),
    );
}

/// The CLI's one-line error.
fn cli_error(code: &str, op: &str, message: &str) -> String {
    format!("An error occurred ({code}) when calling the {op} operation: {message}")
}

fn stderr(out: &std::process::Output) -> String {
    assert!(
        !out.status.success(),
        "should have failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).trim().to_owned()
}

/// A blob in a file, for the CLI's `fileb://`.
fn blob_file(name: &str, bytes: &[u8]) -> (std::path::PathBuf, String) {
    let path =
        std::env::temp_dir().join(format!("keyhole-kmsclient-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write blob");
    let arg = format!("fileb://{}", path.display());
    (path, arg)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_cross_account_policy_states_and_grants() {
    let emu = common::start().await;
    let kms_a = client(&emu, A).await;
    let (arn, blob) = shared_key(&kms_a, Some(seeds_policy())).await;
    let (blob_path, blob_arg) = blob_file("seeds", blob.as_ref());

    let d = common::stdout_json(
        &common::aws(&emu, B, &["kms", "describe-key", "--key-id", &arn]).await,
    );
    assert_eq!(d["KeyMetadata"]["Arn"], arn.as_str());
    let dec = common::stdout_json(
        &common::aws(
            &emu,
            B,
            &[
                "kms",
                "decrypt",
                "--ciphertext-blob",
                &blob_arg,
                "--encryption-context",
                "purpose=copy",
            ],
        )
        .await,
    );
    assert_eq!(dec["Plaintext"], "Y3Jvc3MtYWNjb3VudA==");
    assert_eq!(dec["KeyId"], arn.as_str());
    let grant_args = |key: &str| {
        vec![
            "kms".to_owned(),
            "create-grant".into(),
            "--key-id".into(),
            key.to_owned(),
            "--grantee-principal".into(),
            root(B),
            "--operations".into(),
            "Decrypt".into(),
        ]
    };
    let args = grant_args(&arn);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        stderr(&common::aws(&emu, B, &args).await),
        cli_error(
            "AccessDeniedException",
            "CreateGrant",
            &cross_account_denied(B, "kms:CreateGrant")
        )
    );

    // Wrong context and a tampered blob.
    assert_eq!(
        stderr(
            &common::aws(
                &emu,
                B,
                &[
                    "kms",
                    "decrypt",
                    "--ciphertext-blob",
                    &blob_arg,
                    "--encryption-context",
                    "purpose=other"
                ],
            )
            .await
        ),
        "An error occurred (InvalidCiphertextException) when calling the Decrypt operation:"
    );
    let mut tampered = blob.as_ref().to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    let (tampered_path, tampered_arg) = blob_file("tampered", &tampered);
    assert_eq!(
        stderr(
            &common::aws(
                &emu,
                B,
                &[
                    "kms",
                    "decrypt",
                    "--ciphertext-blob",
                    &tampered_arg,
                    "--encryption-context",
                    "purpose=copy"
                ],
            )
            .await
        ),
        "An error occurred (InvalidCiphertextException) when calling the Decrypt operation:"
    );

    // Disabled, then pending deletion.
    kms_a.disable_key().key_id(&arn).send().await.unwrap();
    assert_eq!(
        stderr(
            &common::aws(
                &emu,
                B,
                &[
                    "kms",
                    "decrypt",
                    "--ciphertext-blob",
                    &blob_arg,
                    "--encryption-context",
                    "purpose=copy"
                ]
            )
            .await
        ),
        cli_error(
            "DisabledException",
            "Decrypt",
            &format!("{arn} is disabled.")
        )
    );
    kms_a.enable_key().key_id(&arn).send().await.unwrap();
    kms_a
        .schedule_key_deletion()
        .key_id(&arn)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stderr(
            &common::aws(
                &emu,
                B,
                &[
                    "kms",
                    "decrypt",
                    "--ciphertext-blob",
                    &blob_arg,
                    "--encryption-context",
                    "purpose=copy"
                ]
            )
            .await
        ),
        cli_error(
            "KMSInvalidStateException",
            "Decrypt",
            &format!("{arn} is pending deletion.")
        )
    );

    // Without B in the key policy: every call denied; then a grant allows, revoked, not.
    let (other, other_blob) = shared_key(&kms_a, None).await;
    let (other_path, other_arg) = blob_file("other", other_blob.as_ref());
    assert_eq!(
        stderr(&common::aws(&emu, B, &["kms", "describe-key", "--key-id", &other]).await),
        cli_error(
            "AccessDeniedException",
            "DescribeKey",
            &cross_account_denied(B, "kms:DescribeKey")
        )
    );
    let decrypt_other = [
        "kms",
        "decrypt",
        "--ciphertext-blob",
        &other_arg,
        "--encryption-context",
        "purpose=copy",
    ];
    assert_eq!(
        stderr(&common::aws(&emu, B, &decrypt_other).await),
        cli_error("AccessDeniedException", "Decrypt", CIPHERTEXT_DENIED)
    );
    let args = grant_args(&other);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(
        stderr(&common::aws(&emu, B, &args).await),
        cli_error(
            "AccessDeniedException",
            "CreateGrant",
            &cross_account_denied(B, "kms:CreateGrant")
        )
    );
    let grant = common::stdout_json(
        &common::aws(
            &emu,
            A,
            &[
                "kms",
                "create-grant",
                "--key-id",
                &other,
                "--grantee-principal",
                &root(B),
                "--operations",
                "Decrypt",
            ],
        )
        .await,
    );
    let grant_id = grant["GrantId"].as_str().expect("GrantId").to_owned();
    let dec = common::stdout_json(&common::aws(&emu, B, &decrypt_other).await);
    assert_eq!(dec["KeyId"], other.as_str());
    let revoked = common::aws(
        &emu,
        A,
        &[
            "kms",
            "revoke-grant",
            "--key-id",
            &other,
            "--grant-id",
            &grant_id,
        ],
    )
    .await;
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert_eq!(
        stderr(&common::aws(&emu, B, &decrypt_other).await),
        cli_error("AccessDeniedException", "Decrypt", CIPHERTEXT_DENIED)
    );
    for path in [blob_path, tampered_path, other_path] {
        let _ = std::fs::remove_file(path);
    }
}

// ---------------------------------------------------------------------------------------
// Property: for random key policies, the SDK's answer agrees with the policy simulator.

/// One statement of a generated key policy.
#[derive(Debug, Clone)]
struct GenStatement {
    allow: bool,
    principal: usize,
    actions: usize,
    condition: usize,
}

const ROLE: &str = "KmsUser";

fn gen_principal(i: usize) -> String {
    match i {
        0 => root(A),                                 // the key's account
        1 => root(B),                                 // the caller's account
        2 => format!("arn:aws:iam::{B}:role/{ROLE}"), // a specific role
        _ => "*".into(),
    }
}

const GEN_ACTIONS: &[&[&str]] = &[
    &["kms:Decrypt"],
    &["kms:DescribeKey"],
    &["kms:*"],
    &["kms:Decrypt", "kms:DescribeKey"],
    &["kms:Describe*"],
    &["kms:Encrypt", "kms:GenerateDataKey*"],
];

fn gen_condition(i: usize) -> serde_json::Value {
    match i {
        1 => serde_json::json!({"StringEquals": {"kms:CallerAccount": B}}),
        2 => serde_json::json!({"StringEquals": {"kms:CallerAccount": A}}),
        // Absent on a direct call.
        3 => {
            serde_json::json!({"StringEquals": {"kms:ViaService": "backup.us-east-1.amazonaws.com"}})
        }
        4 => serde_json::json!({"StringNotEquals": {"kms:CallerAccount": A}}),
        _ => serde_json::Value::Null,
    }
}

fn gen_policy(statements: &[GenStatement]) -> String {
    let statements: Vec<serde_json::Value> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut st = serde_json::json!({
                "Sid": format!("S{i}"),
                "Effect": if s.allow { "Allow" } else { "Deny" },
                "Principal": {"AWS": gen_principal(s.principal)},
                "Action": GEN_ACTIONS[s.actions],
                "Resource": "*",
            });
            let c = gen_condition(s.condition);
            if !c.is_null() {
                st["Condition"] = c;
            }
            st
        })
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn statement_strategy() -> impl proptest::strategy::Strategy<Value = GenStatement> {
    use proptest::prelude::*;
    (
        proptest::bool::weighted(0.75),
        0..4usize,
        0..GEN_ACTIONS.len(),
        0..5usize,
    )
        .prop_map(|(allow, principal, actions, condition)| GenStatement {
            allow,
            principal,
            actions,
            condition,
        })
}

/// The role session's identity policy: it may use any key.
const ROLE_IDENTITY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"*"}]}"#;

struct Caller {
    kms: Client,
    arn: String,
    identity: Vec<String>,
}

fn simulate(policy: &str, caller: &Caller, action: &str, key_arn: &str) -> (bool, Option<String>) {
    use keyhole::policy::simulate::{ContextEntryInput, SimulationRequest};
    let req = SimulationRequest {
        policy_input_list: caller.identity.clone(),
        resource_policy: Some(policy.to_owned()),
        caller_arn: Some(caller.arn.clone()),
        action_names: vec![action.to_owned()],
        resource_arns: vec![key_arn.to_owned()],
        context_entries: vec![ContextEntryInput {
            context_key_name: "kms:CallerAccount".into(),
            context_key_values: vec![B.into()],
            context_key_type: "string".into(),
        }],
        ..SimulationRequest::default()
    };
    let out = keyhole::policy::simulate::simulate(&req).expect("simulation runs");
    let r = &out.evaluation_results[0];
    (
        r.eval_decision == "allowed",
        r.access_denied_message.clone(),
    )
}

#[test]
fn prop_sdk_agrees_with_the_simulator_on_random_key_policies() {
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (emu, kms_a, callers) = rt.block_on(async {
        let emu = common::start().await;
        let kms_a = client(&emu, A).await;
        let iam_b = aws_sdk_iam::Client::new(&emu.sdk_config(B).await);
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole"}}]}}"#,
            root(B)
        );
        iam_b
            .create_role()
            .role_name(ROLE)
            .assume_role_policy_document(trust)
            .send()
            .await
            .expect("CreateRole");
        iam_b
            .put_role_policy()
            .role_name(ROLE)
            .policy_name("use-keys")
            .policy_document(ROLE_IDENTITY)
            .send()
            .await
            .expect("PutRolePolicy");
        let creds = aws_sdk_sts::Client::new(&emu.sdk_config(B).await)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{B}:role/{ROLE}"))
            .role_session_name("prop")
            .send()
            .await
            .expect("AssumeRole")
            .credentials
            .expect("credentials");
        let session = emu
            .sdk_config_with_keys(
                creds.access_key_id(),
                creds.secret_access_key(),
                Some(creds.session_token().to_owned()),
            )
            .await;
        let callers = vec![
            Caller {
                kms: client(&emu, B).await,
                arn: root(B),
                identity: Vec::new(),
            },
            Caller {
                kms: Client::new(&session),
                arn: format!("arn:aws:sts::{B}:assumed-role/{ROLE}/prop"),
                identity: vec![ROLE_IDENTITY.to_owned()],
            },
        ];
        (emu, kms_a, callers)
    });

    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = proptest::collection::vec(statement_strategy(), 1..4);
    let agreed = std::cell::Cell::new(0usize);
    runner
        .run(&strategy, |statements| {
            let policy = gen_policy(&statements);
            rt.block_on(async {
                let (arn, blob) = shared_key(&kms_a, None).await;
                kms_a
                    .put_key_policy()
                    .key_id(&arn)
                    .policy(&policy)
                    .bypass_policy_lockout_safety_check(true)
                    .send()
                    .await
                    .map_err(|e| TestCaseError::fail(format!("PutKeyPolicy {policy}: {e:?}")))?;
                for caller in &callers {
                    let described = caller.kms.describe_key().key_id(&arn).send().await;
                    let (allowed, message) = simulate(&policy, caller, "kms:DescribeKey", &arn);
                    // Every caller is in B: KMS words a denial by the key policy its own way.
                    let message = message.map(|m| {
                        if m.contains("resource-based policy") {
                            cross_account_sentence(&caller.arn, "kms:DescribeKey")
                        } else {
                            m
                        }
                    });
                    match &described {
                        Ok(_) if allowed => {}
                        Err(e) if !allowed && e.code() == Some("AccessDeniedException") => {
                            if e.message() != message.as_deref() {
                                return Err(TestCaseError::fail(format!(
                                    "{policy}\n{}: SDK {:?}, simulator {message:?}",
                                    caller.arn,
                                    e.message()
                                )));
                            }
                        }
                        other => {
                            return Err(TestCaseError::fail(format!(
                            "{policy}\n{}: DescribeKey SDK {other:?}, simulator allowed={allowed}",
                            caller.arn
                        )))
                        }
                    }
                    let decrypted = caller
                        .kms
                        .decrypt()
                        .ciphertext_blob(blob.clone())
                        .encryption_context("purpose", "copy")
                        .send()
                        .await;
                    let (allowed, _) = simulate(&policy, caller, "kms:Decrypt", &arn);
                    match &decrypted {
                        Ok(_) if allowed => {}
                        Err(e) if !allowed && e.code() == Some("AccessDeniedException") => {}
                        other => {
                            return Err(TestCaseError::fail(format!(
                                "{policy}\n{}: Decrypt SDK {other:?}, simulator allowed={allowed}",
                                caller.arn
                            )))
                        }
                    }
                    agreed.set(agreed.get() + 1);
                }
                Ok(())
            })
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(agreed.get(), 32);
    drop(emu);
}
