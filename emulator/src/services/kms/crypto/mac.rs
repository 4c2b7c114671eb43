//! GenerateMac / VerifyMac with HMAC keys.

use hmac::{Hmac, Mac};
use sha2::{Sha224, Sha256, Sha384, Sha512};

use super::error::{too_long, CryptoError};
use super::material::{Inner, KeyMaterial};
use super::spec::MacAlgorithm;

/// Largest message GenerateMac/VerifyMac accept.
pub const MAX_MAC_MESSAGE: usize = 4096;

macro_rules! hmac_with {
    ($algorithm:expr, $key:expr, |$mac:ident| $body:expr) => {
        match $algorithm {
            MacAlgorithm::HmacSha224 => {
                let mut $mac =
                    <Hmac<Sha224> as Mac>::new_from_slice($key).map_err(CryptoError::internal)?;
                $body
            }
            MacAlgorithm::HmacSha256 => {
                let mut $mac =
                    <Hmac<Sha256> as Mac>::new_from_slice($key).map_err(CryptoError::internal)?;
                $body
            }
            MacAlgorithm::HmacSha384 => {
                let mut $mac =
                    <Hmac<Sha384> as Mac>::new_from_slice($key).map_err(CryptoError::internal)?;
                $body
            }
            MacAlgorithm::HmacSha512 => {
                let mut $mac =
                    <Hmac<Sha512> as Mac>::new_from_slice($key).map_err(CryptoError::internal)?;
                $body
            }
        }
    };
}

impl KeyMaterial {
    fn hmac_key(&self, algorithm: MacAlgorithm, message: &[u8]) -> Result<&[u8], CryptoError> {
        match &self.inner {
            Inner::Hmac(spec, key) if spec.mac_algorithm() == Some(algorithm) => {
                if message.len() > MAX_MAC_MESSAGE {
                    return Err(too_long("message", MAX_MAC_MESSAGE));
                }
                Ok(key)
            }
            _ => Err(CryptoError::incompatible(algorithm, self.spec())),
        }
    }

    /// GenerateMac: HMAC of `message` with the algorithm of the key's spec.
    pub fn generate_mac(
        &self,
        algorithm: MacAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let key = self.hmac_key(algorithm, message)?;
        hmac_with!(algorithm, key, |mac| {
            mac.update(message);
            Ok(mac.finalize().into_bytes().to_vec())
        })
    }

    /// VerifyMac, in constant time; a mismatch is `InvalidMac`.
    pub fn verify_mac(
        &self,
        algorithm: MacAlgorithm,
        message: &[u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        let key = self.hmac_key(algorithm, message)?;
        hmac_with!(algorithm, key, |mac| {
            mac.update(message);
            mac.verify_slice(tag).map_err(|_| CryptoError::InvalidMac)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::kms::crypto::spec::KeySpec;
    use zeroize::Zeroizing;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 4231 test case 2. Its 4-byte key is below what ImportKeyMaterial
    /// accepts, so the material is built directly.
    #[test]
    fn rfc4231_test_case_2() {
        let cases = [
            (KeySpec::Hmac224, MacAlgorithm::HmacSha224, "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44"),
            (KeySpec::Hmac256, MacAlgorithm::HmacSha256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (KeySpec::Hmac384, MacAlgorithm::HmacSha384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"),
            (KeySpec::Hmac512, MacAlgorithm::HmacSha512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
        ];
        for (spec, algorithm, expected) in cases {
            let material = KeyMaterial {
                inner: Inner::Hmac(spec, Zeroizing::new(b"Jefe".to_vec())),
            };
            let message = b"what do ya want for nothing?";
            let tag = material.generate_mac(algorithm, message).unwrap();
            assert_eq!(tag, hex(expected), "{spec}");
            material.verify_mac(algorithm, message, &tag).unwrap();
        }
    }
}
