//! Asymmetric operations on one version of key material: RSA encryption,
//! Sign/Verify, DeriveSharedSecret.

use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier, RandomizedPrehashSigner};
use rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::DecodePublicKey;
use zeroize::Zeroizing;

use super::error::{too_long, CryptoError};
use super::material::{Inner, KeyMaterial};
use super::spec::{
    EncryptionAlgorithm, KeyAgreementAlgorithm, KeyUsage, MessageType, SigningAlgorithm,
};

/// Largest RAW message Sign/Verify accept.
pub const MAX_SIGN_MESSAGE: usize = 4096;

/// Largest plaintext for RSAES-OAEP with a `modulus_bytes` key and a hash of
/// `hash_len` bytes (RFC 8017: k - 2hLen - 2); these are the limits AWS lists
/// (RSA_2048: 214 / 190 bytes, RSA_3072: 342 / 318, RSA_4096: 470 / 446).
pub fn rsa_oaep_max_plaintext(
    modulus_bytes: usize,
    algorithm: EncryptionAlgorithm,
) -> Option<usize> {
    let hash_len = match algorithm {
        EncryptionAlgorithm::RsaesOaepSha1 => 20,
        EncryptionAlgorithm::RsaesOaepSha256 => 32,
        _ => return None,
    };
    modulus_bytes.checked_sub(2 * hash_len + 2)
}

fn oaep(algorithm: EncryptionAlgorithm) -> Option<Oaep> {
    match algorithm {
        // AWS uses the same hash for OAEP and MGF1.
        EncryptionAlgorithm::RsaesOaepSha1 => Some(Oaep::new::<sha1::Sha1>()),
        EncryptionAlgorithm::RsaesOaepSha256 => Some(Oaep::new::<Sha256>()),
        _ => None,
    }
}

fn hash_for(algorithm: SigningAlgorithm, message: &[u8]) -> Option<Vec<u8>> {
    match algorithm.digest_len()? {
        32 => Some(Sha256::digest(message).to_vec()),
        48 => Some(Sha384::digest(message).to_vec()),
        64 => Some(Sha512::digest(message).to_vec()),
        _ => None,
    }
}

impl KeyMaterial {
    fn rsa_key(
        &self,
        algorithm: EncryptionAlgorithm,
    ) -> Result<(&RsaPrivateKey, Oaep), CryptoError> {
        match (&self.inner, oaep(algorithm)) {
            (Inner::Rsa(_, key), Some(padding)) => Ok((key, padding)),
            _ => Err(CryptoError::incompatible(algorithm, self.spec())),
        }
    }

    /// Encrypt with an RSA key (RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256). The
    /// ciphertext is the bare RSA output, as AWS returns it; Decrypt then
    /// needs the KeyId and algorithm.
    pub fn rsa_encrypt(
        &self,
        algorithm: EncryptionAlgorithm,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let (key, padding) = self.rsa_key(algorithm)?;
        let max = rsa_oaep_max_plaintext(key.size(), algorithm).unwrap_or(0);
        if plaintext.len() > max {
            return Err(CryptoError::Validation(format!(
                "Plaintext of {} bytes is too long for {algorithm} with {}: the maximum is {max} bytes.",
                plaintext.len(),
                self.spec()
            )));
        }
        key.to_public_key()
            .encrypt(&mut OsRng, padding, plaintext)
            .map_err(CryptoError::internal)
    }

    /// Decrypt an RSA ciphertext. Any failure is `InvalidCiphertext`.
    pub fn rsa_decrypt(
        &self,
        algorithm: EncryptionAlgorithm,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (key, padding) = self.rsa_key(algorithm)?;
        // Blinded, to blunt timing attacks on the private key.
        key.decrypt_blinded(&mut OsRng, padding, ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::InvalidCiphertext)
    }

    /// The digest Sign/Verify work on, after checking the algorithm fits the
    /// key and the message fits the message type.
    fn signing_digest(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        if !self
            .spec()
            .signing_algorithms(KeyUsage::SignVerify)
            .contains(&algorithm)
        {
            return Err(CryptoError::incompatible(algorithm, self.spec()));
        }
        let digest_len = algorithm
            .digest_len()
            .ok_or_else(|| CryptoError::incompatible(algorithm, self.spec()))?;
        match message_type {
            MessageType::Raw => {
                if message.len() > MAX_SIGN_MESSAGE {
                    return Err(too_long("message", MAX_SIGN_MESSAGE));
                }
                hash_for(algorithm, message)
                    .ok_or_else(|| CryptoError::incompatible(algorithm, self.spec()))
            }
            MessageType::Digest => {
                if message.len() != digest_len {
                    return Err(CryptoError::Validation(format!(
                        "Digest is invalid length for algorithm {algorithm}."
                    )));
                }
                Ok(message.to_vec())
            }
            MessageType::ExternalMu => Err(CryptoError::Validation(format!(
                "MessageType EXTERNAL_MU is not valid for algorithm {algorithm}."
            ))),
        }
    }

    /// Sign. RSA signatures are the bare RSA output (PSS with a salt as long
    /// as the digest); ECDSA signatures are DER `Ecdsa-Sig-Value`, as AWS
    /// returns them.
    pub fn sign(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        use SigningAlgorithm::*;
        let digest = self.signing_digest(algorithm, message_type, message)?;
        let signature = match &self.inner {
            Inner::Rsa(_, key) => match algorithm {
                RsassaPssSha256 => key.sign_with_rng(&mut OsRng, Pss::new::<Sha256>(), &digest),
                RsassaPssSha384 => key.sign_with_rng(&mut OsRng, Pss::new::<Sha384>(), &digest),
                RsassaPssSha512 => key.sign_with_rng(&mut OsRng, Pss::new::<Sha512>(), &digest),
                RsassaPkcs1V15Sha256 => {
                    key.sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha256>(), &digest)
                }
                RsassaPkcs1V15Sha384 => {
                    key.sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha384>(), &digest)
                }
                RsassaPkcs1V15Sha512 => {
                    key.sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha512>(), &digest)
                }
                _ => return Err(CryptoError::incompatible(algorithm, self.spec())),
            }
            .map_err(CryptoError::internal)?,
            Inner::P256(key) => {
                let sig: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(key)
                    .sign_prehash(&digest)
                    .map_err(CryptoError::internal)?;
                sig.to_der().as_bytes().to_vec()
            }
            Inner::P384(key) => {
                let sig: p384::ecdsa::Signature = p384::ecdsa::SigningKey::from(key)
                    .sign_prehash(&digest)
                    .map_err(CryptoError::internal)?;
                sig.to_der().as_bytes().to_vec()
            }
            Inner::P521(key) => {
                // p521 0.13 has no RFC 6979 path: randomized nonces.
                let signer =
                    p521::ecdsa::SigningKey::from(ecdsa::SigningKey::<p521::NistP521>::from(key));
                let sig: p521::ecdsa::Signature = signer
                    .sign_prehash_with_rng(&mut OsRng, &digest)
                    .map_err(CryptoError::internal)?;
                sig.to_der().as_bytes().to_vec()
            }
            Inner::K256(key) => {
                let sig: k256::ecdsa::Signature = k256::ecdsa::SigningKey::from(key)
                    .sign_prehash(&digest)
                    .map_err(CryptoError::internal)?;
                sig.to_der().as_bytes().to_vec()
            }
            Inner::Symmetric(_) | Inner::Hmac(..) => {
                return Err(CryptoError::incompatible(algorithm, self.spec()))
            }
        };
        Ok(signature)
    }

    /// Verify. A signature that does not verify, or cannot be parsed, is
    /// `InvalidSignature` (AWS: KMSInvalidSignatureException).
    pub fn verify(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        use SigningAlgorithm::*;
        let digest = self.signing_digest(algorithm, message_type, message)?;
        let bad = |_| CryptoError::InvalidSignature;
        match &self.inner {
            Inner::Rsa(_, key) => {
                let public = key.to_public_key();
                match algorithm {
                    RsassaPssSha256 => public.verify(Pss::new::<Sha256>(), &digest, signature),
                    RsassaPssSha384 => public.verify(Pss::new::<Sha384>(), &digest, signature),
                    RsassaPssSha512 => public.verify(Pss::new::<Sha512>(), &digest, signature),
                    RsassaPkcs1V15Sha256 => {
                        public.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
                    }
                    RsassaPkcs1V15Sha384 => {
                        public.verify(Pkcs1v15Sign::new::<Sha384>(), &digest, signature)
                    }
                    RsassaPkcs1V15Sha512 => {
                        public.verify(Pkcs1v15Sign::new::<Sha512>(), &digest, signature)
                    }
                    _ => return Err(CryptoError::incompatible(algorithm, self.spec())),
                }
                .map_err(|_| CryptoError::InvalidSignature)
            }
            Inner::P256(key) => {
                let sig = p256::ecdsa::Signature::from_der(signature).map_err(bad)?;
                p256::ecdsa::VerifyingKey::from(key.public_key())
                    .verify_prehash(&digest, &sig)
                    .map_err(bad)
            }
            Inner::P384(key) => {
                let sig = p384::ecdsa::Signature::from_der(signature).map_err(bad)?;
                p384::ecdsa::VerifyingKey::from(key.public_key())
                    .verify_prehash(&digest, &sig)
                    .map_err(bad)
            }
            Inner::P521(key) => {
                let sig = p521::ecdsa::Signature::from_der(signature).map_err(bad)?;
                let verifier = p521::ecdsa::VerifyingKey::from(
                    ecdsa::VerifyingKey::<p521::NistP521>::from(key.public_key()),
                );
                verifier.verify_prehash(&digest, &sig).map_err(bad)
            }
            Inner::K256(key) => {
                let sig = k256::ecdsa::Signature::from_der(signature).map_err(bad)?;
                // k256 verifies only low-S; other signers may emit high-S.
                let sig = sig.normalize_s().unwrap_or(sig);
                k256::ecdsa::VerifyingKey::from(key.public_key())
                    .verify_prehash(&digest, &sig)
                    .map_err(bad)
            }
            Inner::Symmetric(_) | Inner::Hmac(..) => {
                Err(CryptoError::incompatible(algorithm, self.spec()))
            }
        }
    }

    /// DeriveSharedSecret: ECDH between this NIST-curve private key and the
    /// peer's public key (DER SubjectPublicKeyInfo on the same curve).
    /// Returns the raw shared secret (the x coordinate), as AWS does.
    pub fn derive_shared_secret(
        &self,
        algorithm: KeyAgreementAlgorithm,
        peer_public_key_der: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let KeyAgreementAlgorithm::Ecdh = algorithm;
        let bad_peer = |_| {
            CryptoError::Validation(format!(
                "The public key is not a valid DER-encoded SubjectPublicKeyInfo of an {} key.",
                self.spec()
            ))
        };
        let secret = match &self.inner {
            Inner::P256(key) => {
                let peer =
                    p256::PublicKey::from_public_key_der(peer_public_key_der).map_err(bad_peer)?;
                p256::ecdh::diffie_hellman(key.to_nonzero_scalar(), peer.as_affine())
                    .raw_secret_bytes()
                    .to_vec()
            }
            Inner::P384(key) => {
                let peer =
                    p384::PublicKey::from_public_key_der(peer_public_key_der).map_err(bad_peer)?;
                p384::ecdh::diffie_hellman(key.to_nonzero_scalar(), peer.as_affine())
                    .raw_secret_bytes()
                    .to_vec()
            }
            Inner::P521(key) => {
                let peer =
                    p521::PublicKey::from_public_key_der(peer_public_key_der).map_err(bad_peer)?;
                p521::ecdh::diffie_hellman(key.to_nonzero_scalar(), peer.as_affine())
                    .raw_secret_bytes()
                    .to_vec()
            }
            // AWS allows KEY_AGREEMENT only on the NIST curves (and SM2).
            Inner::K256(_) | Inner::Rsa(..) | Inner::Symmetric(_) | Inner::Hmac(..) => {
                return Err(CryptoError::incompatible(algorithm, self.spec()))
            }
        };
        Ok(Zeroizing::new(secret))
    }
}
