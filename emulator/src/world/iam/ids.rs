//! Identifiers and secrets in AWS's formats: unique ids with their type prefix (AIDA users,
//! AROA roles, AGPA groups, ANPA policies, AKIA long-term keys, ASIA temporary keys),
//! 40-character secret keys and session tokens. Randomness comes from UUIDv4.

/// AWS's unique-id alphabet (upper-case base32).
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Characters of secret access keys.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_bytes(count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(count + 16);
    while out.len() < count {
        out.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    out.truncate(count);
    out
}

fn random_string(alphabet: &[u8], len: usize) -> String {
    random_bytes(len)
        .into_iter()
        .map(|b| char::from(alphabet[usize::from(b) % alphabet.len()]))
        .collect()
}

/// `prefix` + 17 characters: `AIDA...` (21 characters, as AWS's unique ids).
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}{}", random_string(ID_ALPHABET, 17))
}

/// `AKIA`/`ASIA` + 16 characters.
pub fn access_key_id(prefix: &str) -> String {
    format!("{prefix}{}", random_string(ID_ALPHABET, 16))
}

pub fn secret_access_key() -> String {
    random_string(SECRET_ALPHABET, 40)
}

/// An opaque session token, about the length of AWS's.
pub fn session_token() -> String {
    format!("IQoJb3JpZ2luX2VjE{}", random_string(SECRET_ALPHABET, 300))
}

/// A stable id for a fixed name (AWS-managed policies have fixed ids).
pub fn stable_id(prefix: &str, name: &str) -> String {
    // FNV-1a, extended: enough to spread 17 characters deterministically.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::from(prefix);
    for round in 0..17u64 {
        for b in name.bytes().chain(round.to_le_bytes()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        out.push(char::from(ID_ALPHABET[(hash % 32) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_aws() {
        let id = unique_id("AIDA");
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AIDA"));
        let key = access_key_id("AKIA");
        assert_eq!(key.len(), 20);
        assert!(key[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(secret_access_key().len(), 40);
        assert_ne!(access_key_id("ASIA"), access_key_id("ASIA"));
        assert_eq!(stable_id("ANPA", "X"), stable_id("ANPA", "X"));
    }
}
