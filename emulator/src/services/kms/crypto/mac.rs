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
