//! Bearer secrets (admin API tokens, invitation tokens): 256 random bits from the OS CSPRNG,
//! base64url, with a short prefix that says what the secret is (so a leaked one is easy to
//! recognise in a scanner). Only the SHA-256 of a secret is stored: a database leak gives no
//! usable token, and the digest can be looked up by an index.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{TryRngCore, rngs::OsRng};
use sha2::{Digest, Sha256};

pub struct SecretToken {
    value: String,
}

impl SecretToken {
    pub fn generate(prefix: &str) -> Self {
        let mut bytes = [0u8; 32];
        OsRng.try_fill_bytes(&mut bytes).expect("the operating system's random source failed");
        Self { value: format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)) }
    }

    /// The secret itself: give it to its owner once, never log it.
    pub fn reveal(&self) -> &str {
        &self.value
    }

    pub fn hash(&self) -> String {
        Self::hash_of(&self.value)
    }

    /// Hex SHA-256 of a presented secret, for lookup.
    pub fn hash_of(presented: &str) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let digest = Sha256::digest(presented.as_bytes());
        let mut hex = String::with_capacity(64);
        for byte in digest {
            hex.push(DIGITS[usize::from(byte >> 4)] as char);
            hex.push(DIGITS[usize::from(byte & 0xf)] as char);
        }
        hex
    }
}

impl std::fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretToken(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = SecretToken::generate("mst_");
        let b = SecretToken::generate("mst_");
        assert!(a.reveal().starts_with("mst_"));
        assert_eq!(a.reveal().len(), 4 + 43);
        assert_ne!(a.reveal(), b.reveal());
        assert_eq!(a.hash().len(), 64);
        assert_eq!(a.hash(), SecretToken::hash_of(a.reveal()));
        assert!(!format!("{a:?}").contains(&a.reveal()[4..]));
    }

    #[test]
    fn hashes_are_lower_case_hex_sha256() {
        assert_eq!(SecretToken::hash_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
