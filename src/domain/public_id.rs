//! Public ids of members and roles: 9 random base62 characters (`NBq0Nvg34`), the short ids
//! admins paste into sheets. Internal row ids never leave the service.

use rand::Rng;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const LEN: usize = 9;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicId(String);

impl PublicId {
    /// A new random id: 62^9 ≈ 1.3e16 values. Uniqueness is still enforced by the database;
    /// inserts retry on the rare collision.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        Self((0..LEN).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect())
    }

    /// `None` when the text cannot be an id: callers treat that as "not found".
    pub fn parse(input: &str) -> Option<Self> {
        let id = input.trim();
        (id.len() == LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| Self(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_and_differ() {
        let a = PublicId::generate();
        let b = PublicId::generate();
        assert_eq!(a.as_str().len(), 9);
        assert_eq!(PublicId::parse(a.as_str()), Some(a.clone()));
        assert_ne!(a, b);
    }

    #[test]
    fn parse_refuses_other_shapes() {
        for bad in ["", "NBq0Nvg3", "NBq0Nvg345", "NBq0Nvg3!", "NBq0 vg34"] {
            assert_eq!(PublicId::parse(bad), None, "{bad:?}");
        }
        assert!(PublicId::parse(" NBq0Nvg34 ").is_some());
    }
}
