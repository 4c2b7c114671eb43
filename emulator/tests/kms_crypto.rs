//! The KMS cryptography core, checked against independent verifiers and
//! client-side wrapping done with the RustCrypto crates as a user would.

use std::collections::HashMap;
use std::sync::OnceLock;

use keyhole::services::kms::crypto::*;
use proptest::prelude::*;
use rand_core::OsRng;
use sha2::{Digest, Sha256, Sha384, Sha512};
use time::OffsetDateTime;
use uuid::Uuid;

// ---------------------------------------------------------------- helpers

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs.iter().map(|(k, v)| (*k, *v)).collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// One generated material per asymmetric spec, shared: RSA generation is slow.
fn material(spec: KeySpec) -> &'static KeyMaterial {
    static CACHE: OnceLock<HashMap<KeySpec, KeyMaterial>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        [
            KeySpec::Rsa2048,
            KeySpec::Rsa3072,
            KeySpec::Rsa4096,
            KeySpec::EccNistP256,
            KeySpec::EccNistP384,
            KeySpec::EccNistP521,
            KeySpec::EccSecgP256k1,
        ]
        .into_iter()
        .map(|spec| (spec, KeyMaterial::generate(spec).unwrap()))
        .collect()
    });
    &all[&spec]
}

fn symmetric_key() -> (Uuid, KeyVersions) {
    (
        Uuid::new_v4(),
        KeyVersions::generate(KeySpec::SymmetricDefault).unwrap(),
    )
}

const RSA_SPECS: [KeySpec; 3] = [KeySpec::Rsa2048, KeySpec::Rsa3072, KeySpec::Rsa4096];
const RSA_SIGNING: [SigningAlgorithm; 6] = [
    SigningAlgorithm::RsassaPssSha256,
    SigningAlgorithm::RsassaPssSha384,
    SigningAlgorithm::RsassaPssSha512,
    SigningAlgorithm::RsassaPkcs1V15Sha256,
    SigningAlgorithm::RsassaPkcs1V15Sha384,
    SigningAlgorithm::RsassaPkcs1V15Sha512,
];

fn digest(algorithm: SigningAlgorithm, message: &[u8]) -> Vec<u8> {
    match algorithm.digest_len().unwrap() {
        32 => Sha256::digest(message).to_vec(),
        48 => Sha384::digest(message).to_vec(),
        _ => Sha512::digest(message).to_vec(),
    }
}

// ------------------------------------------------------ symmetric encryption

#[test]
fn symmetric_round_trip_with_context_in_any_order() {
    let (key_id, versions) = symmetric_key();
    let enc = ctx(&[("Department", "10"), ("Purpose", "Test"), ("a", "")]);
    let (blob, material_id) = encrypt(&key_id, &versions, b"secret data", &enc).unwrap();
    assert_eq!(Some(material_id), versions.current().map(|v| v.id));

    let mut shuffled = HashMap::new();
    shuffled.insert("a".to_owned(), String::new());
    shuffled.insert("Purpose".to_owned(), "Test".to_owned());
    shuffled.insert("Department".to_owned(), "10".to_owned());
    let out = decrypt(
        &key_id,
        &versions,
        &blob,
        &EncryptionContext::from(shuffled),
    )
    .unwrap();
    assert_eq!(&*out.plaintext, b"secret data");
    assert_eq!(out.material_id, material_id);
}

#[test]
fn symmetric_empty_plaintext_and_maximum_plaintext() {
    let (key_id, versions) = symmetric_key();
    for len in [0, 1, MAX_SYMMETRIC_PLAINTEXT] {
        let plaintext = vec![0x5a; len];
        let (blob, _) = encrypt(&key_id, &versions, &plaintext, &EncryptionContext::new()).unwrap();
        assert_eq!(blob.len(), BLOB_OVERHEAD + len);
        let out = decrypt(&key_id, &versions, &blob, &EncryptionContext::new()).unwrap();
        assert_eq!(*out.plaintext, plaintext);
    }
}

#[test]
fn symmetric_plaintext_over_4096_bytes_is_a_validation_error() {
    let (key_id, versions) = symmetric_key();
    let err = encrypt(&key_id, &versions, &[0u8; 4097], &EncryptionContext::new()).unwrap_err();
    assert_eq!(
        err,
        CryptoError::Validation(
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: \
             Member must have length less than or equal to 4096"
                .to_owned()
        )
    );
}

#[test]
fn any_change_to_the_context_is_invalid_ciphertext() {
    let (key_id, versions) = symmetric_key();
    let enc = ctx(&[("k1", "v1"), ("k2", "v2")]);
    let (blob, _) = encrypt(&key_id, &versions, b"x", &enc).unwrap();
    let wrong = [
        ctx(&[]),
        ctx(&[("k1", "v1")]),
        ctx(&[("k1", "v1"), ("k2", "v2"), ("k3", "v3")]),
        ctx(&[("k1", "v1"), ("k2", "V2")]),
        ctx(&[("K1", "v1"), ("k2", "v2")]),
        ctx(&[("k1", "v2"), ("k2", "v1")]),
        ctx(&[("k1", "v1 "), ("k2", "v2")]),
    ];
    for context in wrong {
        assert_eq!(
            decrypt(&key_id, &versions, &blob, &context).unwrap_err(),
            CryptoError::InvalidCiphertext,
            "{context:?}"
        );
    }
    // And a blob made without a context does not open with one.
    let (plain_blob, _) = encrypt(&key_id, &versions, b"x", &EncryptionContext::new()).unwrap();
    assert_eq!(
        decrypt(&key_id, &versions, &plain_blob, &ctx(&[("k", "v")])).unwrap_err(),
        CryptoError::InvalidCiphertext
    );
}

#[test]
fn tampering_any_byte_of_the_blob_fails() {
    let (key_id, versions) = symmetric_key();
    let enc = ctx(&[("purpose", "tamper")]);
    let (blob, _) = encrypt(&key_id, &versions, b"tamper-evident plaintext", &enc).unwrap();
    for i in 0..blob.len() {
        let mut bad = blob.clone();
        bad[i] ^= 0x01;
        let err = decrypt(&key_id, &versions, &bad, &enc).unwrap_err();
        // Bytes 4..20 name the key: the blob then names another key.
        let expected = if (4..20).contains(&i) {
            CryptoError::IncorrectKey
        } else {
            CryptoError::InvalidCiphertext
        };
        assert_eq!(err, expected, "byte {i}");
    }
    for len in 0..blob.len() {
        assert!(
            decrypt(&key_id, &versions, &blob[..len], &enc).is_err(),
            "truncated to {len}"
        );
    }
    let mut longer = blob.clone();
    longer.push(0);
    assert_eq!(
        decrypt(&key_id, &versions, &longer, &enc).unwrap_err(),
        CryptoError::InvalidCiphertext
    );
}

#[test]
fn blob_names_its_key_and_other_keys_get_incorrect_key() {
    let (key_id, versions) = symmetric_key();
    let (other_id, other_versions) = symmetric_key();
    let (blob, material_id) = encrypt(&key_id, &versions, b"x", &EncryptionContext::new()).unwrap();
    let header = parse_blob(&blob).unwrap();
    assert_eq!(header.key_id, key_id);
    assert_eq!(header.material_id, material_id);
    assert_eq!(
        decrypt(&other_id, &other_versions, &blob, &EncryptionContext::new()).unwrap_err(),
        CryptoError::IncorrectKey
    );
    assert_eq!(CryptoError::IncorrectKey.to_string(), INCORRECT_KEY_MESSAGE);
    assert_eq!(
        CryptoError::IncorrectKey.aws_code(),
        "IncorrectKeyException"
    );
    assert_eq!(CryptoError::InvalidCiphertext.to_string(), "");
    // The right id with other material (a forged header) is still refused.
    assert_eq!(
        decrypt(&key_id, &other_versions, &blob, &EncryptionContext::new()).unwrap_err(),
        CryptoError::InvalidCiphertext
    );
}

#[test]
fn rotation_keeps_old_blobs_decryptable() {
    let (key_id, mut versions) = symmetric_key();
    let (old_blob, old_id) =
        encrypt(&key_id, &versions, b"before", &EncryptionContext::new()).unwrap();
    let new_id = versions.rotate().unwrap();
    assert_ne!(old_id, new_id);
    assert_eq!(versions.len(), 2);
    let (new_blob, used) =
        encrypt(&key_id, &versions, b"after", &EncryptionContext::new()).unwrap();
    assert_eq!(used, new_id);
    assert_eq!(parse_blob(&new_blob).unwrap().material_id, new_id);

    let old = decrypt(&key_id, &versions, &old_blob, &EncryptionContext::new()).unwrap();
    assert_eq!(
        (old.plaintext.as_slice(), old.material_id),
        (&b"before"[..], old_id)
    );
    let new = decrypt(&key_id, &versions, &new_blob, &EncryptionContext::new()).unwrap();
    assert_eq!(
        (new.plaintext.as_slice(), new.material_id),
        (&b"after"[..], new_id)
    );

    // Deleting a version makes its blobs undecryptable.
    versions.remove(&old_id).unwrap();
    assert_eq!(
        decrypt(&key_id, &versions, &old_blob, &EncryptionContext::new()).unwrap_err(),
        CryptoError::InvalidCiphertext
    );
}

#[test]
fn key_versions_survive_a_serde_round_trip() {
    let (key_id, mut versions) = symmetric_key();
    let (old_blob, _) =
        encrypt(&key_id, &versions, b"persisted", &EncryptionContext::new()).unwrap();
    versions.rotate().unwrap();
    let json = serde_json::to_string(&versions).unwrap();
    let reloaded: KeyVersions = serde_json::from_str(&json).unwrap();
    assert_eq!(reloaded.len(), 2);
    assert_eq!(
        reloaded.current().unwrap().id,
        versions.current().unwrap().id
    );
    let out = decrypt(&key_id, &reloaded, &old_blob, &EncryptionContext::new()).unwrap();
    assert_eq!(&*out.plaintext, b"persisted");
}

#[test]
fn every_supported_spec_serializes_and_reloads_the_same_material() {
    let mut all: Vec<KeyMaterial> = RSA_SPECS.iter().map(|s| material(*s).clone()).collect();
    for spec in [
        KeySpec::EccNistP256,
        KeySpec::EccNistP384,
        KeySpec::EccNistP521,
        KeySpec::EccSecgP256k1,
    ] {
        all.push(material(spec).clone());
    }
    for spec in [
        KeySpec::SymmetricDefault,
        KeySpec::Hmac224,
        KeySpec::Hmac256,
        KeySpec::Hmac384,
        KeySpec::Hmac512,
    ] {
        all.push(KeyMaterial::generate(spec).unwrap());
    }
    for m in all {
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["spec"], m.spec().as_str());
        let back: KeyMaterial = serde_json::from_value(json).unwrap();
        assert_eq!(back.spec(), m.spec());
        assert!(back.same_material(&m), "{}", m.spec());
        assert_eq!(*back.to_bytes().unwrap(), *m.to_bytes().unwrap());
    }
}

#[test]
fn generated_material_has_the_spec_sizes() {
    let sizes = [
        (KeySpec::SymmetricDefault, 32),
        (KeySpec::Hmac224, 28),
        (KeySpec::Hmac256, 32),
        (KeySpec::Hmac384, 48),
        (KeySpec::Hmac512, 64),
    ];
    for (spec, len) in sizes {
        let a = KeyMaterial::generate(spec).unwrap();
        let b = KeyMaterial::generate(spec).unwrap();
        assert_eq!(a.to_bytes().unwrap().len(), len, "{spec}");
        assert!(!a.same_material(&b), "{spec} material must be random");
    }
    for spec in RSA_SPECS {
        let public =
            rsa::RsaPublicKey::from_public_key_der(&material(spec).public_key_der().unwrap())
                .unwrap();
        use rsa::traits::PublicKeyParts;
        assert_eq!(Some(public.size() * 8), spec.rsa_bits());
    }
}

#[test]
fn debug_output_does_not_show_key_bytes() {
    let m = KeyMaterial::from_bytes(KeySpec::SymmetricDefault, &[0xab; 32]).unwrap();
    let shown = format!("{m:?}");
    assert!(shown.contains("SYMMETRIC_DEFAULT") || shown.contains("SymmetricDefault"));
    assert!(!shown.contains("171") && !shown.to_lowercase().contains("abab"));
}

#[test]
fn unsupported_specs_are_reported() {
    for spec in [
        KeySpec::Sm2,
        KeySpec::MlDsa44,
        KeySpec::MlDsa65,
        KeySpec::MlDsa87,
        KeySpec::EccNistEdwards25519,
    ] {
        assert!(!spec.is_supported());
        match KeyMaterial::generate(spec).unwrap_err() {
            CryptoError::Unsupported(what) => assert!(what.contains(spec.as_str())),
            other => panic!("{spec}: {other:?}"),
        }
    }
    for spec in KeySpec::ALL
        .iter()
        .filter(|s| s.is_supported() && !s.is_rsa())
    {
        KeyMaterial::generate(*spec).unwrap();
    }
}

#[test]
fn enums_parse_their_wire_names() {
    for spec in KeySpec::ALL {
        assert_eq!(spec.as_str().parse::<KeySpec>().unwrap(), *spec);
        assert_eq!(
            serde_json::to_string(spec).unwrap(),
            format!("\"{}\"", spec.as_str())
        );
    }
    for alg in SigningAlgorithm::ALL {
        assert_eq!(alg.as_str().parse::<SigningAlgorithm>().unwrap(), *alg);
    }
    assert_eq!(
        "RSAES_OAEP_SHA_256".parse::<EncryptionAlgorithm>().unwrap(),
        EncryptionAlgorithm::RsaesOaepSha256
    );
    assert_eq!(
        "RSA_AES_KEY_WRAP_SHA_1"
            .parse::<WrappingAlgorithm>()
            .unwrap(),
        WrappingAlgorithm::RsaAesKeyWrapSha1
    );
    let err = "RANDOM".parse::<KeyUsage>().unwrap_err();
    assert_eq!(err.value, "RANDOM");
    assert_eq!(
        KeySpec::EccNistP384.signing_algorithms(KeyUsage::SignVerify),
        &[SigningAlgorithm::EcdsaSha384]
    );
    assert_eq!(
        KeySpec::Rsa2048.encryption_algorithms(KeyUsage::EncryptDecrypt),
        &[
            EncryptionAlgorithm::RsaesOaepSha1,
            EncryptionAlgorithm::RsaesOaepSha256
        ]
    );
    assert!(KeySpec::Rsa2048
        .encryption_algorithms(KeyUsage::SignVerify)
        .is_empty());
}

// ------------------------------------------------------------- RSA encryption

use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};

#[test]
fn rsa_encryption_round_trip_at_aws_plaintext_limits() {
    let limits = [
        (KeySpec::Rsa2048, 214, 190),
        (KeySpec::Rsa3072, 342, 318),
        (KeySpec::Rsa4096, 470, 446),
    ];
    for (spec, sha1_max, sha256_max) in limits {
        let m = material(spec);
        for (algorithm, max) in [
            (EncryptionAlgorithm::RsaesOaepSha1, sha1_max),
            (EncryptionAlgorithm::RsaesOaepSha256, sha256_max),
        ] {
            let plaintext = vec![7u8; max];
            let ciphertext = m.rsa_encrypt(algorithm, &plaintext).unwrap();
            assert_eq!(
                ciphertext.len() * 8,
                spec.rsa_bits().unwrap(),
                "raw RSA output"
            );
            assert_eq!(*m.rsa_decrypt(algorithm, &ciphertext).unwrap(), plaintext);
            match m.rsa_encrypt(algorithm, &vec![7u8; max + 1]).unwrap_err() {
                CryptoError::Validation(msg) => assert!(msg.contains(&max.to_string()), "{msg}"),
                other => panic!("{other:?}"),
            }
            // The other OAEP hash does not decrypt it.
            let other = if algorithm == EncryptionAlgorithm::RsaesOaepSha1 {
                EncryptionAlgorithm::RsaesOaepSha256
            } else {
                EncryptionAlgorithm::RsaesOaepSha1
            };
            assert_eq!(
                m.rsa_decrypt(other, &ciphertext).unwrap_err(),
                CryptoError::InvalidCiphertext
            );
        }
    }
}

#[test]
fn rsa_ciphertext_from_an_independent_encryptor_decrypts() {
    let m = material(KeySpec::Rsa2048);
    let public = rsa::RsaPublicKey::from_public_key_der(&m.public_key_der().unwrap()).unwrap();
    let ct = public
        .encrypt(&mut OsRng, rsa::Oaep::new::<Sha256>(), b"from a client")
        .unwrap();
    assert_eq!(
        &*m.rsa_decrypt(EncryptionAlgorithm::RsaesOaepSha256, &ct)
            .unwrap(),
        b"from a client"
    );
    let ct = public
        .encrypt(&mut OsRng, rsa::Oaep::new::<sha1::Sha1>(), b"sha1")
        .unwrap();
    assert_eq!(
        &*m.rsa_decrypt(EncryptionAlgorithm::RsaesOaepSha1, &ct)
            .unwrap(),
        b"sha1"
    );
    let mut bad = ct.clone();
    bad[10] ^= 1;
    assert_eq!(
        m.rsa_decrypt(EncryptionAlgorithm::RsaesOaepSha1, &bad)
            .unwrap_err(),
        CryptoError::InvalidCiphertext
    );
    assert_eq!(
        m.rsa_decrypt(EncryptionAlgorithm::RsaesOaepSha1, &ct[1..])
            .unwrap_err(),
        CryptoError::InvalidCiphertext
    );
}

#[test]
fn algorithms_that_do_not_fit_the_key_are_invalid_key_usage() {
    let rsa_key = material(KeySpec::Rsa2048);
    let ec_key = material(KeySpec::EccNistP256);
    let sym = KeyMaterial::generate(KeySpec::SymmetricDefault).unwrap();
    let hmac = KeyMaterial::generate(KeySpec::Hmac256).unwrap();
    let usage = |r: Result<_, CryptoError>| matches!(r, Err(CryptoError::InvalidKeyUsage(_)));
    assert!(usage(
        rsa_key
            .rsa_encrypt(EncryptionAlgorithm::SymmetricDefault, b"x")
            .map(|_| ())
    ));
    assert!(usage(
        ec_key
            .rsa_encrypt(EncryptionAlgorithm::RsaesOaepSha256, b"x")
            .map(|_| ())
    ));
    assert!(usage(
        sym.rsa_encrypt(EncryptionAlgorithm::RsaesOaepSha256, b"x")
            .map(|_| ())
    ));
    assert!(usage(
        rsa_key
            .sign(SigningAlgorithm::EcdsaSha256, MessageType::Raw, b"x")
            .map(|_| ())
    ));
    assert!(usage(
        ec_key
            .sign(SigningAlgorithm::RsassaPssSha256, MessageType::Raw, b"x")
            .map(|_| ())
    ));
    assert!(usage(
        material(KeySpec::EccNistP384)
            .sign(SigningAlgorithm::EcdsaSha256, MessageType::Raw, b"x")
            .map(|_| ())
    ));
    assert!(usage(
        sym.sign(SigningAlgorithm::EcdsaSha256, MessageType::Raw, b"x")
            .map(|_| ())
    ));
    assert!(usage(
        hmac.generate_mac(MacAlgorithm::HmacSha384, b"x")
            .map(|_| ())
    ));
    assert!(usage(
        rsa_key
            .generate_mac(MacAlgorithm::HmacSha256, b"x")
            .map(|_| ())
    ));
    assert!(usage(sym.public_key_der().map(|_| ())));
    // A symmetric blob needs SYMMETRIC_DEFAULT material.
    let mut versions = KeyVersions::empty();
    versions.add_current(MaterialVersion {
        id: KeyMaterialId::random().unwrap(),
        material: rsa_key.clone(),
    });
    assert!(usage(
        encrypt(&Uuid::new_v4(), &versions, b"x", &EncryptionContext::new()).map(|_| ())
    ));
}

// ---------------------------------------------------------------- signatures

#[test]
fn rsa_signatures_verify_with_the_rsa_crate_from_the_spki() {
    use rsa::signature::hazmat::PrehashVerifier;
    use rsa::signature::Verifier;
    let message = b"message to sign";
    for spec in [KeySpec::Rsa2048, KeySpec::Rsa3072] {
        let m = material(spec);
        let public = rsa::RsaPublicKey::from_public_key_der(&m.public_key_der().unwrap()).unwrap();
        for algorithm in RSA_SIGNING {
            for message_type in [MessageType::Raw, MessageType::Digest] {
                let input = match message_type {
                    MessageType::Raw => message.to_vec(),
                    _ => digest(algorithm, message),
                };
                let sig = m.sign(algorithm, message_type, &input).unwrap();
                m.verify(algorithm, message_type, &input, &sig).unwrap();
                // RAW and DIGEST of the same message give interchangeable signatures.
                m.verify(
                    algorithm,
                    MessageType::Digest,
                    &digest(algorithm, message),
                    &sig,
                )
                .unwrap();

                let independent = match algorithm {
                    SigningAlgorithm::RsassaPssSha256 => {
                        rsa::pss::VerifyingKey::<Sha256>::new(public.clone())
                            .verify(message, &rsa::pss::Signature::try_from(&sig[..]).unwrap())
                    }
                    SigningAlgorithm::RsassaPssSha384 => {
                        rsa::pss::VerifyingKey::<Sha384>::new(public.clone())
                            .verify(message, &rsa::pss::Signature::try_from(&sig[..]).unwrap())
                    }
                    SigningAlgorithm::RsassaPssSha512 => {
                        rsa::pss::VerifyingKey::<Sha512>::new(public.clone()).verify_prehash(
                            &digest(algorithm, message),
                            &rsa::pss::Signature::try_from(&sig[..]).unwrap(),
                        )
                    }
                    SigningAlgorithm::RsassaPkcs1V15Sha256 => {
                        rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public.clone()).verify(
                            message,
                            &rsa::pkcs1v15::Signature::try_from(&sig[..]).unwrap(),
                        )
                    }
                    SigningAlgorithm::RsassaPkcs1V15Sha384 => {
                        rsa::pkcs1v15::VerifyingKey::<Sha384>::new(public.clone()).verify(
                            message,
                            &rsa::pkcs1v15::Signature::try_from(&sig[..]).unwrap(),
                        )
                    }
                    SigningAlgorithm::RsassaPkcs1V15Sha512 => {
                        rsa::pkcs1v15::VerifyingKey::<Sha512>::new(public.clone()).verify(
                            message,
                            &rsa::pkcs1v15::Signature::try_from(&sig[..]).unwrap(),
                        )
                    }
                    _ => unreachable!(),
                };
                independent.unwrap_or_else(|e| panic!("{spec} {algorithm} {message_type}: {e}"));

                assert_eq!(
                    m.verify(algorithm, MessageType::Raw, b"message to sigN", &sig)
                        .unwrap_err(),
                    CryptoError::InvalidSignature
                );
                let mut bad = sig.clone();
                bad[0] ^= 0x80;
                assert_eq!(
                    m.verify(algorithm, MessageType::Raw, message, &bad)
                        .unwrap_err(),
                    CryptoError::InvalidSignature
                );
            }
        }
    }
}

#[test]
fn rsa_4096_signs() {
    let m = material(KeySpec::Rsa4096);
    let sig = m
        .sign(SigningAlgorithm::RsassaPssSha512, MessageType::Raw, b"big")
        .unwrap();
    assert_eq!(sig.len(), 512);
    m.verify(
        SigningAlgorithm::RsassaPssSha512,
        MessageType::Raw,
        b"big",
        &sig,
    )
    .unwrap();
}

#[test]
fn pkcs1_v1_5_signatures_are_deterministic_and_pss_ones_are_not() {
    let m = material(KeySpec::Rsa2048);
    let a = m
        .sign(
            SigningAlgorithm::RsassaPkcs1V15Sha256,
            MessageType::Raw,
            b"m",
        )
        .unwrap();
    let b = m
        .sign(
            SigningAlgorithm::RsassaPkcs1V15Sha256,
            MessageType::Raw,
            b"m",
        )
        .unwrap();
    assert_eq!(a, b);
    let a = m
        .sign(SigningAlgorithm::RsassaPssSha256, MessageType::Raw, b"m")
        .unwrap();
    let b = m
        .sign(SigningAlgorithm::RsassaPssSha256, MessageType::Raw, b"m")
        .unwrap();
    assert_ne!(a, b);
}

#[test]
fn ecdsa_signatures_are_der_and_verify_with_the_curve_crates() {
    use ecdsa::signature::hazmat::PrehashVerifier;
    use ecdsa::signature::Verifier;
    let message = b"ecdsa message";
    let cases = [
        (KeySpec::EccNistP256, SigningAlgorithm::EcdsaSha256),
        (KeySpec::EccNistP384, SigningAlgorithm::EcdsaSha384),
        (KeySpec::EccNistP521, SigningAlgorithm::EcdsaSha512),
        (KeySpec::EccSecgP256k1, SigningAlgorithm::EcdsaSha256),
    ];
    for (spec, algorithm) in cases {
        let m = material(spec);
        let spki = m.public_key_der().unwrap();
        for message_type in [MessageType::Raw, MessageType::Digest] {
            let input = match message_type {
                MessageType::Raw => message.to_vec(),
                _ => digest(algorithm, message),
            };
            let sig = m.sign(algorithm, message_type, &input).unwrap();
            assert_eq!(sig[0], 0x30, "DER SEQUENCE");
            m.verify(algorithm, message_type, &input, &sig).unwrap();
            let independent = match spec {
                KeySpec::EccNistP256 => p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
                    .unwrap()
                    .verify(
                        message,
                        &p256::ecdsa::DerSignature::try_from(&sig[..]).unwrap(),
                    ),
                KeySpec::EccNistP384 => p384::ecdsa::VerifyingKey::from_public_key_der(&spki)
                    .unwrap()
                    .verify(
                        message,
                        &p384::ecdsa::DerSignature::try_from(&sig[..]).unwrap(),
                    ),
                KeySpec::EccNistP521 => {
                    let public = p521::PublicKey::from_public_key_der(&spki).unwrap();
                    p521::ecdsa::VerifyingKey::from_affine(*public.as_affine())
                        .unwrap()
                        .verify(message, &p521::ecdsa::Signature::from_der(&sig).unwrap())
                }
                _ => k256::ecdsa::VerifyingKey::from_public_key_der(&spki)
                    .unwrap()
                    .verify_prehash(
                        &Sha256::digest(message),
                        &k256::ecdsa::Signature::from_der(&sig).unwrap(),
                    ),
            };
            independent.unwrap_or_else(|e| panic!("{spec} {message_type}: {e}"));
            assert_eq!(
                m.verify(algorithm, MessageType::Raw, b"ecdsa messagE", &sig)
                    .unwrap_err(),
                CryptoError::InvalidSignature
            );
            assert_eq!(
                m.verify(algorithm, MessageType::Raw, message, b"not der")
                    .unwrap_err(),
                CryptoError::InvalidSignature
            );
        }
        // The other ECC key does not verify it.
        let other = KeyMaterial::generate(spec).unwrap();
        let sig = m.sign(algorithm, MessageType::Raw, message).unwrap();
        assert_eq!(
            other
                .verify(algorithm, MessageType::Raw, message, &sig)
                .unwrap_err(),
            CryptoError::InvalidSignature
        );
    }
}

#[test]
fn digest_messages_must_have_the_digest_length() {
    let m = material(KeySpec::EccNistP256);
    let err = m
        .sign(
            SigningAlgorithm::EcdsaSha256,
            MessageType::Digest,
            &[0u8; 31],
        )
        .unwrap_err();
    assert_eq!(
        err,
        CryptoError::Validation("Digest is invalid length for algorithm ECDSA_SHA_256.".to_owned())
    );
    let r = material(KeySpec::Rsa2048);
    assert!(matches!(
        r.sign(
            SigningAlgorithm::RsassaPssSha384,
            MessageType::Digest,
            &[0u8; 32]
        ),
        Err(CryptoError::Validation(_))
    ));
    assert!(matches!(
        r.verify(
            SigningAlgorithm::RsassaPssSha384,
            MessageType::Digest,
            &[0u8; 64],
            b"sig"
        ),
        Err(CryptoError::Validation(_))
    ));
    assert!(matches!(
        m.sign(
            SigningAlgorithm::EcdsaSha256,
            MessageType::ExternalMu,
            &[0u8; 64]
        ),
        Err(CryptoError::Validation(_))
    ));
}

#[test]
fn raw_messages_are_limited_to_4096_bytes() {
    let m = material(KeySpec::EccNistP256);
    m.sign(
        SigningAlgorithm::EcdsaSha256,
        MessageType::Raw,
        &[1u8; 4096],
    )
    .unwrap();
    m.sign(SigningAlgorithm::EcdsaSha256, MessageType::Raw, b"")
        .unwrap();
    assert_eq!(
        m.sign(
            SigningAlgorithm::EcdsaSha256,
            MessageType::Raw,
            &[1u8; 4097]
        )
        .unwrap_err(),
        CryptoError::Validation(
            "1 validation error detected: Value at 'message' failed to satisfy constraint: \
             Member must have length less than or equal to 4096"
                .to_owned()
        )
    );
}

// ---------------------------------------------------------------------- HMAC

fn import_raw(spec: KeySpec, bytes: &[u8]) -> KeyMaterial {
    KeyMaterial::from_bytes(spec, bytes).unwrap()
}

#[test]
fn hmac_known_answers_through_imported_key_bytes() {
    // Expected values from Python's hmac module (an independent implementation).
    let key: Vec<u8> = (0u8..64).collect();
    let message = b"The quick brown fox jumps over the lazy dog";
    let cases = [
        (KeySpec::Hmac224, MacAlgorithm::HmacSha224, "532f45f2faab2bed757bc761fdbeb8c395c681d8fb4e027eb17b180b"),
        (KeySpec::Hmac256, MacAlgorithm::HmacSha256, "4903b1fc9f41bc1abe3ff7119c4e523b91288b11c03dab1e975816150df38144"),
        (KeySpec::Hmac384, MacAlgorithm::HmacSha384, "1d3a484ce437baef159d5eddb3a9db1d73fdc0e652c504e47c5a8651f82e866a47b8e8a4c755944b656b7ba81cc2365b"),
        (KeySpec::Hmac512, MacAlgorithm::HmacSha512, "8ef6fa91d810afa6546adf7bc2428273c116e0cb5578620462606659f08f78e9e27f2dee70c0ddb1a890c2c1b6f9c02766388e1fdb7d9b90fd9f46ede1fd8390"),
    ];
    for (spec, algorithm, expected) in cases {
        let m = import_raw(spec, &key);
        let tag = m.generate_mac(algorithm, message).unwrap();
        assert_eq!(tag, hex(expected), "{spec}");
        assert_eq!(tag.len(), algorithm.mac_len());
        m.verify_mac(algorithm, message, &tag).unwrap();
        let mut bad = tag.clone();
        bad[5] ^= 1;
        assert_eq!(
            m.verify_mac(algorithm, message, &bad).unwrap_err(),
            CryptoError::InvalidMac
        );
        assert_eq!(
            m.verify_mac(algorithm, message, &tag[..tag.len() - 1])
                .unwrap_err(),
            CryptoError::InvalidMac
        );
        assert_eq!(
            m.verify_mac(algorithm, b"other", &tag).unwrap_err(),
            CryptoError::InvalidMac
        );
    }
}

#[test]
fn hmac_message_limit_and_import_lengths() {
    let m = KeyMaterial::generate(KeySpec::Hmac256).unwrap();
    m.generate_mac(MacAlgorithm::HmacSha256, &[0u8; 4096])
        .unwrap();
    assert!(matches!(
        m.generate_mac(MacAlgorithm::HmacSha256, &[0u8; 4097]),
        Err(CryptoError::Validation(_))
    ));
    for (spec, min, max) in [
        (KeySpec::Hmac224, 28, 64),
        (KeySpec::Hmac256, 32, 64),
        (KeySpec::Hmac384, 48, 128),
        (KeySpec::Hmac512, 64, 128),
    ] {
        KeyMaterial::from_bytes(spec, &vec![1; min]).unwrap();
        KeyMaterial::from_bytes(spec, &vec![1; max]).unwrap();
        for bad in [min - 1, max + 1] {
            assert!(matches!(
                KeyMaterial::from_bytes(spec, &vec![1; bad]),
                Err(CryptoError::IncorrectKeyMaterial(_))
            ));
        }
    }
}

// ----------------------------------------------------------------- data keys

#[test]
fn data_keys_have_the_requested_length_and_decrypt() {
    let (key_id, versions) = symmetric_key();
    let enc = ctx(&[("use", "data key")]);
    for (length, len) in [
        (DataKeyLength::Spec(DataKeySpec::Aes128), 16),
        (DataKeyLength::Spec(DataKeySpec::Aes256), 32),
        (DataKeyLength::NumberOfBytes(1), 1),
        (DataKeyLength::NumberOfBytes(64), 64),
        (DataKeyLength::NumberOfBytes(1024), 1024),
    ] {
        let key = generate_data_key(&key_id, &versions, length, &enc).unwrap();
        assert_eq!(key.plaintext.len(), len);
        assert_eq!(Some(key.material_id), versions.current().map(|v| v.id));
        let out = decrypt(&key_id, &versions, &key.ciphertext_blob, &enc).unwrap();
        assert_eq!(out.plaintext, key.plaintext);
        assert_eq!(
            decrypt(
                &key_id,
                &versions,
                &key.ciphertext_blob,
                &EncryptionContext::new()
            )
            .unwrap_err(),
            CryptoError::InvalidCiphertext
        );
    }
    let a = generate_data_key(
        &key_id,
        &versions,
        DataKeyLength::Spec(DataKeySpec::Aes256),
        &enc,
    )
    .unwrap();
    let b = generate_data_key(
        &key_id,
        &versions,
        DataKeyLength::Spec(DataKeySpec::Aes256),
        &enc,
    )
    .unwrap();
    assert_ne!(a.plaintext, b.plaintext);
    assert_eq!(
        generate_data_key(&key_id, &versions, DataKeyLength::NumberOfBytes(1025), &enc).unwrap_err(),
        CryptoError::Validation(
            "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: \
             Member must have value less than or equal to 1024"
                .to_owned()
        )
    );
    assert_eq!(
        generate_data_key(&key_id, &versions, DataKeyLength::NumberOfBytes(0), &enc).unwrap_err(),
        CryptoError::Validation(
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: \
             Member must have value greater than or equal to 1"
                .to_owned()
        )
    );
}

#[test]
fn data_key_pairs_match_and_their_private_key_decrypts() {
    let (key_id, versions) = symmetric_key();
    let enc = ctx(&[("pair", "yes")]);
    for spec in [
        DataKeyPairSpec::Rsa2048,
        DataKeyPairSpec::EccNistP256,
        DataKeyPairSpec::EccNistP384,
        DataKeyPairSpec::EccNistP521,
        DataKeyPairSpec::EccSecgP256k1,
    ] {
        let pair = generate_data_key_pair(&key_id, &versions, spec, &enc).unwrap();
        let opened = decrypt(&key_id, &versions, &pair.private_key_ciphertext_blob, &enc).unwrap();
        assert_eq!(opened.plaintext, pair.private_key_plaintext);
        // The PKCS#8 private key parses with the crates and derives the SPKI returned.
        let derived_spki = match spec {
            DataKeyPairSpec::Rsa2048 => {
                use rsa::pkcs8::EncodePublicKey;
                rsa::RsaPrivateKey::from_pkcs8_der(&pair.private_key_plaintext)
                    .unwrap()
                    .to_public_key()
                    .to_public_key_der()
                    .unwrap()
                    .into_vec()
            }
            DataKeyPairSpec::EccNistP256 => {
                use p256::pkcs8::EncodePublicKey;
                p256::SecretKey::from_pkcs8_der(&pair.private_key_plaintext)
                    .unwrap()
                    .public_key()
                    .to_public_key_der()
                    .unwrap()
                    .into_vec()
            }
            DataKeyPairSpec::EccNistP384 => {
                use p384::pkcs8::EncodePublicKey;
                p384::SecretKey::from_pkcs8_der(&pair.private_key_plaintext)
                    .unwrap()
                    .public_key()
                    .to_public_key_der()
                    .unwrap()
                    .into_vec()
            }
            DataKeyPairSpec::EccNistP521 => {
                use p521::pkcs8::EncodePublicKey;
                p521::SecretKey::from_pkcs8_der(&pair.private_key_plaintext)
                    .unwrap()
                    .public_key()
                    .to_public_key_der()
                    .unwrap()
                    .into_vec()
            }
            _ => {
                use k256::pkcs8::EncodePublicKey;
                k256::SecretKey::from_pkcs8_der(&pair.private_key_plaintext)
                    .unwrap()
                    .public_key()
                    .to_public_key_der()
                    .unwrap()
                    .into_vec()
            }
        };
        assert_eq!(derived_spki, pair.public_key, "{spec}");
        // And a signature by the private key verifies with the public key.
        let private =
            KeyMaterial::from_bytes(spec.key_spec(), &pair.private_key_plaintext).unwrap();
        let algorithm = spec.key_spec().signing_algorithms(KeyUsage::SignVerify)[0];
        let sig = private.sign(algorithm, MessageType::Raw, b"pair").unwrap();
        private
            .verify(algorithm, MessageType::Raw, b"pair", &sig)
            .unwrap();
    }
    assert!(matches!(
        generate_data_key_pair(&key_id, &versions, DataKeyPairSpec::Sm2, &enc),
        Err(CryptoError::Unsupported(_))
    ));
}

#[test]
fn generate_random_lengths_and_bounds() {
    assert_eq!(generate_random(1).unwrap().len(), 1);
    assert_eq!(generate_random(1024).unwrap().len(), 1024);
    assert_ne!(generate_random(32).unwrap(), generate_random(32).unwrap());
    assert!(matches!(
        generate_random(0),
        Err(CryptoError::Validation(_))
    ));
    assert!(matches!(
        generate_random(1025),
        Err(CryptoError::Validation(_))
    ));
    assert!(matches!(
        generate_random(-1),
        Err(CryptoError::Validation(_))
    ));
}

#[test]
fn re_encrypt_between_symmetric_and_rsa_keys() {
    let (a_id, a) = symmetric_key();
    let (b_id, b) = symmetric_key();
    let ctx_a = ctx(&[("from", "a")]);
    let ctx_b = ctx(&[("to", "b")]);
    let (blob, a_material) = encrypt(&a_id, &a, b"moving data", &ctx_a).unwrap();

    let source = CipherKey::Symmetric {
        key_id: &a_id,
        versions: &a,
        context: &ctx_a,
    };
    let dest = CipherKey::Symmetric {
        key_id: &b_id,
        versions: &b,
        context: &ctx_b,
    };
    let moved = re_encrypt(source, &blob, dest).unwrap();
    assert_eq!(moved.source_material_id, Some(a_material));
    assert_eq!(moved.destination_material_id, b.current().map(|v| v.id));
    assert_eq!(parse_blob(&moved.ciphertext_blob).unwrap().key_id, b_id);
    assert_eq!(
        &*decrypt(&b_id, &b, &moved.ciphertext_blob, &ctx_b)
            .unwrap()
            .plaintext,
        b"moving data"
    );

    // Wrong source context: nothing is re-encrypted.
    let wrong = ctx(&[("from", "A")]);
    let bad_source = CipherKey::Symmetric {
        key_id: &a_id,
        versions: &a,
        context: &wrong,
    };
    assert_eq!(
        re_encrypt(bad_source, &blob, dest).unwrap_err(),
        CryptoError::InvalidCiphertext
    );

    // Symmetric -> RSA -> symmetric.
    let rsa_key = CipherKey::Rsa {
        material: material(KeySpec::Rsa2048),
        algorithm: EncryptionAlgorithm::RsaesOaepSha256,
    };
    let to_rsa = re_encrypt(source, &blob, rsa_key).unwrap();
    assert_eq!(to_rsa.destination_material_id, None);
    assert_eq!(to_rsa.ciphertext_blob.len(), 256);
    let back = re_encrypt(rsa_key, &to_rsa.ciphertext_blob, dest).unwrap();
    let (plaintext, _) = decrypt_with(dest, &back.ciphertext_blob).unwrap();
    assert_eq!(&*plaintext, b"moving data");
}

// ----------------------------------------------------------------------- ECDH

#[test]
fn ecdh_both_sides_derive_the_same_secret() {
    use p256::pkcs8::EncodePublicKey as _;
    // KMS key and a local peer, per curve.
    let kms = material(KeySpec::EccNistP256);
    let peer = p256::SecretKey::random(&mut OsRng);
    let peer_spki = peer.public_key().to_public_key_der().unwrap();
    let ours = kms
        .derive_shared_secret(KeyAgreementAlgorithm::Ecdh, peer_spki.as_bytes())
        .unwrap();
    let kms_public = p256::PublicKey::from_public_key_der(&kms.public_key_der().unwrap()).unwrap();
    let theirs = p256::ecdh::diffie_hellman(peer.to_nonzero_scalar(), kms_public.as_affine());
    assert_eq!(&*ours, theirs.raw_secret_bytes().as_slice());
    assert_eq!(ours.len(), 32);

    {
        use p384::pkcs8::EncodePublicKey as _;
        let kms = material(KeySpec::EccNistP384);
        let peer = p384::SecretKey::random(&mut OsRng);
        let ours = kms
            .derive_shared_secret(
                KeyAgreementAlgorithm::Ecdh,
                peer.public_key().to_public_key_der().unwrap().as_bytes(),
            )
            .unwrap();
        let kms_public =
            p384::PublicKey::from_public_key_der(&kms.public_key_der().unwrap()).unwrap();
        let theirs = p384::ecdh::diffie_hellman(peer.to_nonzero_scalar(), kms_public.as_affine());
        assert_eq!(&*ours, theirs.raw_secret_bytes().as_slice());
    }

    // Two KMS keys (P-521) agree with each other.
    let a = material(KeySpec::EccNistP521);
    let b = KeyMaterial::generate(KeySpec::EccNistP521).unwrap();
    let ab = a
        .derive_shared_secret(KeyAgreementAlgorithm::Ecdh, &b.public_key_der().unwrap())
        .unwrap();
    let ba = b
        .derive_shared_secret(KeyAgreementAlgorithm::Ecdh, &a.public_key_der().unwrap())
        .unwrap();
    assert_eq!(ab, ba);
    assert_eq!(ab.len(), 66);

    // Another curve, garbage, an RSA key: refused.
    assert!(matches!(
        kms.derive_shared_secret(KeyAgreementAlgorithm::Ecdh, &a.public_key_der().unwrap()),
        Err(CryptoError::Validation(_))
    ));
    assert!(matches!(
        kms.derive_shared_secret(KeyAgreementAlgorithm::Ecdh, b"junk"),
        Err(CryptoError::Validation(_))
    ));
    assert!(matches!(
        kms.derive_shared_secret(
            KeyAgreementAlgorithm::Ecdh,
            &material(KeySpec::Rsa2048).public_key_der().unwrap()
        ),
        Err(CryptoError::Validation(_))
    ));
    assert!(matches!(
        material(KeySpec::EccSecgP256k1)
            .derive_shared_secret(KeyAgreementAlgorithm::Ecdh, peer_spki.as_bytes()),
        Err(CryptoError::InvalidKeyUsage(_))
    ));
}

// ------------------------------------------------------------------- import

/// What a user does with GetParametersForImport's public key.
fn client_wrap(public_key_der: &[u8], algorithm: WrappingAlgorithm, material: &[u8]) -> Vec<u8> {
    let public = rsa::RsaPublicKey::from_public_key_der(public_key_der).unwrap();
    match algorithm {
        WrappingAlgorithm::RsaesOaepSha1 => public
            .encrypt(&mut OsRng, rsa::Oaep::new::<sha1::Sha1>(), material)
            .unwrap(),
        WrappingAlgorithm::RsaesOaepSha256 => public
            .encrypt(&mut OsRng, rsa::Oaep::new::<Sha256>(), material)
            .unwrap(),
        WrappingAlgorithm::RsaAesKeyWrapSha1 | WrappingAlgorithm::RsaAesKeyWrapSha256 => {
            let aes_key: [u8; 32] = rand_core::RngCore::next_u64(&mut OsRng)
                .to_be_bytes()
                .repeat(4)
                .try_into()
                .unwrap();
            let wrapped_key = if algorithm == WrappingAlgorithm::RsaAesKeyWrapSha1 {
                public
                    .encrypt(&mut OsRng, rsa::Oaep::new::<sha1::Sha1>(), &aes_key)
                    .unwrap()
            } else {
                public
                    .encrypt(&mut OsRng, rsa::Oaep::new::<Sha256>(), &aes_key)
                    .unwrap()
            };
            let wrapped_material = aes_kw::KekAes256::from(aes_key)
                .wrap_with_padding_vec(material)
                .unwrap();
            [wrapped_key, wrapped_material].concat()
        }
        _ => unreachable!(),
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
}

#[test]
fn import_symmetric_material_with_each_wrapping_algorithm() {
    let sealer = ImportTokenSealer::new().unwrap();
    let key_id = Uuid::new_v4();
    let raw = [0x42u8; 32];
    for algorithm in [
        WrappingAlgorithm::RsaesOaepSha1,
        WrappingAlgorithm::RsaesOaepSha256,
        WrappingAlgorithm::RsaAesKeyWrapSha1,
        WrappingAlgorithm::RsaAesKeyWrapSha256,
    ] {
        let params =
            get_parameters_for_import(&sealer, &key_id, algorithm, WrappingKeySpec::Rsa2048, now())
                .unwrap();
        assert_eq!(
            params.parameters_valid_to,
            now() + time::Duration::hours(24)
        );
        let wrapped = client_wrap(&params.public_key, algorithm, &raw);
        let m = import_key_material(
            &sealer,
            &key_id,
            KeySpec::SymmetricDefault,
            &params.import_token,
            &wrapped,
            now(),
        )
        .unwrap();
        assert_eq!(*m.to_bytes().unwrap(), raw.to_vec(), "{algorithm}");

        // The imported material encrypts; the id is stable across re-imports.
        let id = KeyMaterialId::for_imported(&key_id, &m).unwrap();
        assert_eq!(
            id,
            KeyMaterialId::for_imported(&key_id, &import_raw(KeySpec::SymmetricDefault, &raw))
                .unwrap()
        );
        assert_ne!(
            id,
            KeyMaterialId::for_imported(&Uuid::new_v4(), &m).unwrap()
        );
        assert_eq!(id.to_hex().len(), 64);
        let mut versions = KeyVersions::empty();
        versions.add_current(MaterialVersion { id, material: m });
        let (blob, _) =
            encrypt(&key_id, &versions, b"imported", &EncryptionContext::new()).unwrap();
        assert_eq!(
            &*decrypt(&key_id, &versions, &blob, &EncryptionContext::new())
                .unwrap()
                .plaintext,
            b"imported"
        );
    }
}

#[test]
fn import_asymmetric_and_hmac_material() {
    let sealer = ImportTokenSealer::new().unwrap();
    let key_id = Uuid::new_v4();
    // RSA private keys need RSA_AES wrapping (too big for OAEP alone).
    let rsa_material = material(KeySpec::Rsa2048);
    let params = get_parameters_for_import(
        &sealer,
        &key_id,
        WrappingAlgorithm::RsaAesKeyWrapSha256,
        WrappingKeySpec::Rsa3072,
        now(),
    )
    .unwrap();
    let wrapped = client_wrap(
        &params.public_key,
        WrappingAlgorithm::RsaAesKeyWrapSha256,
        &rsa_material.to_bytes().unwrap(),
    );
    let imported = import_key_material(
        &sealer,
        &key_id,
        KeySpec::Rsa2048,
        &params.import_token,
        &wrapped,
        now(),
    )
    .unwrap();
    assert_eq!(
        imported.public_key_der().unwrap(),
        rsa_material.public_key_der().unwrap()
    );
    // The same material under the wrong spec is incorrect material.
    let params = get_parameters_for_import(
        &sealer,
        &key_id,
        WrappingAlgorithm::RsaAesKeyWrapSha1,
        WrappingKeySpec::Rsa2048,
        now(),
    )
    .unwrap();
    let wrapped = client_wrap(
        &params.public_key,
        WrappingAlgorithm::RsaAesKeyWrapSha1,
        &rsa_material.to_bytes().unwrap(),
    );
    assert!(matches!(
        import_key_material(
            &sealer,
            &key_id,
            KeySpec::Rsa3072,
            &params.import_token,
            &wrapped,
            now()
        ),
        Err(CryptoError::IncorrectKeyMaterial(_))
    ));

    // An ECC key fits RSAES_OAEP_SHA_256 with RSA_4096.
    let ec = material(KeySpec::EccNistP256);
    let params = get_parameters_for_import(
        &sealer,
        &key_id,
        WrappingAlgorithm::RsaesOaepSha256,
        WrappingKeySpec::Rsa4096,
        now(),
    )
    .unwrap();
    let wrapped = client_wrap(
        &params.public_key,
        WrappingAlgorithm::RsaesOaepSha256,
        &ec.to_bytes().unwrap(),
    );
    let imported = import_key_material(
        &sealer,
        &key_id,
        KeySpec::EccNistP256,
        &params.import_token,
        &wrapped,
        now(),
    )
    .unwrap();
    let sig = imported
        .sign(SigningAlgorithm::EcdsaSha256, MessageType::Raw, b"imported")
        .unwrap();
    ec.verify(
        SigningAlgorithm::EcdsaSha256,
        MessageType::Raw,
        b"imported",
        &sig,
    )
    .unwrap();

    // HMAC material.
    let params = get_parameters_for_import(
        &sealer,
        &key_id,
        WrappingAlgorithm::RsaesOaepSha1,
        WrappingKeySpec::Rsa2048,
        now(),
    )
    .unwrap();
    let key: Vec<u8> = (0u8..64).collect();
    let wrapped = client_wrap(&params.public_key, WrappingAlgorithm::RsaesOaepSha1, &key);
    let imported = import_key_material(
        &sealer,
        &key_id,
        KeySpec::Hmac256,
        &params.import_token,
        &wrapped,
        now(),
    )
    .unwrap();
    assert_eq!(
        imported
            .generate_mac(
                MacAlgorithm::HmacSha256,
                b"The quick brown fox jumps over the lazy dog"
            )
            .unwrap(),
        hex("4903b1fc9f41bc1abe3ff7119c4e523b91288b11c03dab1e975816150df38144")
    );
}

#[test]
fn import_rejects_bad_tokens_lengths_and_ciphertexts() {
    let sealer = ImportTokenSealer::new().unwrap();
    let key_id = Uuid::new_v4();
    let alg = WrappingAlgorithm::RsaesOaepSha256;
    let params =
        get_parameters_for_import(&sealer, &key_id, alg, WrappingKeySpec::Rsa2048, now()).unwrap();
    let wrapped = client_wrap(&params.public_key, alg, &[1u8; 32]);
    let import =
        |sealer: &ImportTokenSealer, key: &Uuid, spec, token: &[u8], material: &[u8], at| {
            import_key_material(sealer, key, spec, token, material, at)
        };
    let sym = KeySpec::SymmetricDefault;

    // Another key's token.
    assert!(matches!(
        import(
            &sealer,
            &Uuid::new_v4(),
            sym,
            &params.import_token,
            &wrapped,
            now()
        ),
        Err(CryptoError::InvalidImportToken(_))
    ));
    // Tampered token, foreign token, another emulator's token.
    let mut bad = params.import_token.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(matches!(
        import(&sealer, &key_id, sym, &bad, &wrapped, now()),
        Err(CryptoError::InvalidImportToken(_))
    ));
    assert!(matches!(
        import(&sealer, &key_id, sym, b"token", &wrapped, now()),
        Err(CryptoError::InvalidImportToken(_))
    ));
    let other = ImportTokenSealer::new().unwrap();
    assert!(matches!(
        import(&other, &key_id, sym, &params.import_token, &wrapped, now()),
        Err(CryptoError::InvalidImportToken(_))
    ));
    // Expired: valid through 24 hours, not after.
    let day = time::Duration::hours(24);
    assert!(import(
        &sealer,
        &key_id,
        sym,
        &params.import_token,
        &wrapped,
        now() + day
    )
    .is_ok());
    assert!(matches!(
        import(
            &sealer,
            &key_id,
            sym,
            &params.import_token,
            &wrapped,
            now() + day + time::Duration::seconds(1)
        ),
        Err(CryptoError::ExpiredImportToken(_))
    ));
    // The token survives a serde round trip of the sealer (persisted state).
    let reloaded: ImportTokenSealer =
        serde_json::from_str(&serde_json::to_string(&sealer).unwrap()).unwrap();
    assert!(import(
        &reloaded,
        &key_id,
        sym,
        &params.import_token,
        &wrapped,
        now()
    )
    .is_ok());
    // Corrupt wrapped material, and material wrapped for another public key.
    let mut corrupt = wrapped.clone();
    corrupt[3] ^= 1;
    assert_eq!(
        import(&sealer, &key_id, sym, &params.import_token, &corrupt, now()).unwrap_err(),
        CryptoError::InvalidCiphertext
    );
    let params2 =
        get_parameters_for_import(&sealer, &key_id, alg, WrappingKeySpec::Rsa2048, now()).unwrap();
    assert_eq!(
        import(
            &sealer,
            &key_id,
            sym,
            &params2.import_token,
            &wrapped,
            now()
        )
        .unwrap_err(),
        CryptoError::InvalidCiphertext
    );
    // Symmetric material must be 32 bytes.
    for len in [16, 31, 33] {
        let wrapped = client_wrap(&params.public_key, alg, &vec![1u8; len]);
        assert!(matches!(
            import(&sealer, &key_id, sym, &params.import_token, &wrapped, now()),
            Err(CryptoError::IncorrectKeyMaterial(_))
        ));
    }
    // RSA_AES key wrap: corrupt the AES-wrapped part.
    let kw = WrappingAlgorithm::RsaAesKeyWrapSha256;
    let params =
        get_parameters_for_import(&sealer, &key_id, kw, WrappingKeySpec::Rsa2048, now()).unwrap();
    let mut wrapped = client_wrap(&params.public_key, kw, &[1u8; 32]);
    let last = wrapped.len() - 1;
    wrapped[last] ^= 1;
    assert_eq!(
        import(&sealer, &key_id, sym, &params.import_token, &wrapped, now()).unwrap_err(),
        CryptoError::InvalidCiphertext
    );
    assert_eq!(
        import(
            &sealer,
            &key_id,
            sym,
            &params.import_token,
            &wrapped[..256],
            now()
        )
        .unwrap_err(),
        CryptoError::InvalidCiphertext
    );
    // Withdrawn and China-only algorithms.
    assert!(matches!(
        get_parameters_for_import(
            &sealer,
            &key_id,
            WrappingAlgorithm::RsaesPkcs1V15,
            WrappingKeySpec::Rsa2048,
            now()
        ),
        Err(CryptoError::Validation(_))
    ));
    assert!(matches!(
        get_parameters_for_import(
            &sealer,
            &key_id,
            WrappingAlgorithm::RsaesOaepSha256,
            WrappingKeySpec::Sm2,
            now()
        ),
        Err(CryptoError::Unsupported(_))
    ));
}

// ------------------------------------------------------------------ proptest

fn shared_key() -> &'static (Uuid, KeyVersions) {
    static KEY: OnceLock<(Uuid, KeyVersions)> = OnceLock::new();
    KEY.get_or_init(symmetric_key)
}

fn context_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    // Distinct keys, as in a JSON map.
    proptest::collection::btree_map("[a-zA-Z0-9:/_-]{0,12}", "\\PC{0,16}", 0..6)
        .prop_map(|map| map.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn prop_round_trip(plaintext in proptest::collection::vec(any::<u8>(), 0..=4096), pairs in context_strategy()) {
        let (key_id, versions) = shared_key();
        let context: EncryptionContext = pairs.iter().cloned().collect();
        let reversed: EncryptionContext = pairs.iter().rev().cloned().collect();
        let (blob, _) = encrypt(key_id, versions, &plaintext, &context).unwrap();
        let out = decrypt(key_id, versions, &blob, &reversed).unwrap();
        prop_assert_eq!(&*out.plaintext, &plaintext[..]);
    }

    #[test]
    fn prop_any_bit_flip_fails(plaintext in proptest::collection::vec(any::<u8>(), 0..512), pairs in context_strategy(), bit in any::<prop::sample::Index>()) {
        let (key_id, versions) = shared_key();
        let context: EncryptionContext = pairs.into_iter().collect();
        let (mut blob, _) = encrypt(key_id, versions, &plaintext, &context).unwrap();
        let bit = bit.index(blob.len() * 8);
        blob[bit / 8] ^= 1 << (bit % 8);
        let err = decrypt(key_id, versions, &blob, &context).unwrap_err();
        prop_assert!(matches!(err, CryptoError::InvalidCiphertext | CryptoError::IncorrectKey));
    }

    #[test]
    fn prop_changed_context_fails(plaintext in proptest::collection::vec(any::<u8>(), 0..64), pairs in context_strategy(), extra in "[a-z]{1,8}") {
        let (key_id, versions) = shared_key();
        let context: EncryptionContext = pairs.iter().cloned().collect();
        let (blob, _) = encrypt(key_id, versions, &plaintext, &context).unwrap();
        let mut changed = context.clone();
        let previous = changed.insert(extra.clone(), "x");
        prop_assume!(previous.as_deref() != Some("x"));
        prop_assert_eq!(decrypt(key_id, versions, &blob, &changed).unwrap_err(), CryptoError::InvalidCiphertext);
    }
}
