//! Secrets muster must be able to read back — SSO client secrets, which the code exchange
//! sends to the provider — are stored encrypted (AES-256-GCM, with `MUSTER_SECRET_KEY`), bound
//! to the row they belong to: a database dump alone reveals none, and a value copied to another
//! row does not open there.
//!
//! The key is 32 random bytes, base64. On the embedded default (a SQLite file) an unset key is
//! generated once into `muster.key` beside the database, readable by its owner only; anywhere
//! else an unset key means muster stores no secret, and says so.

use std::{fmt, path::PathBuf, str::FromStr};

use base64::{Engine, engine::general_purpose::STANDARD};
use ring::{
    aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey},
    rand::{SecureRandom, SystemRandom},
};

/// What a sealed value starts with (and what a value stored in plain never does).
const SEALED: &str = "enc:v1:";
/// The key file on the embedded default.
pub const KEY_FILE: &str = "muster.key";

/// `MUSTER_SECRET_KEY`: 32 bytes. Never printed, not even in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl FromStr for SecretKey {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim()))
            .map_err(|_| "MUSTER_SECRET_KEY is not base64; make one with `openssl rand -base64 32`".to_owned())?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "MUSTER_SECRET_KEY must be 32 bytes; make one with `openssl rand -base64 32`".to_owned())?;
        Ok(Self(key))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        SystemRandom::new().fill(&mut key).expect("the operating system's random source");
        Self(key)
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the stored secret does not open with this MUSTER_SECRET_KEY (another key, or not muster's)")]
    DoesNotOpen,
}

/// Seals and opens secrets with one key.
pub struct SecretBox {
    key: LessSafeKey,
    random: SystemRandom,
}

impl SecretBox {
    pub fn new(key: &SecretKey) -> Self {
        let key = UnboundKey::new(&AES_256_GCM, &key.0).expect("a 32-byte AES-256 key");
        Self { key: LessSafeKey::new(key), random: SystemRandom::new() }
    }

    /// `plain`, encrypted for the row `context` names (`sso_provider:NBq0Nvg34`).
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut nonce).expect("the operating system's random source");
        let mut sealed = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context), &mut sealed)
            .expect("sealing a short secret");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{SEALED}{}", STANDARD.encode(out))
    }

    /// A value [`seal`](Self::seal) made for `context`.
    pub fn open(&self, stored: &str, context: &str) -> Result<String, SecretError> {
        let bytes =
            stored.strip_prefix(SEALED).and_then(|b64| STANDARD.decode(b64).ok()).ok_or(SecretError::DoesNotOpen)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::DoesNotOpen);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::DoesNotOpen)?;
        let mut sealed = sealed.to_vec();
        let plain =
            self.key.open_in_place(nonce, Aad::from(context), &mut sealed).map_err(|_| SecretError::DoesNotOpen)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::DoesNotOpen)
    }
}

/// Whether a stored value is sealed (rather than kept in plain by an older muster).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

/// The key to use: `MUSTER_SECRET_KEY`; else, on a SQLite file, `muster.key` beside it (made
/// the first time, mode 0600); else none.
pub fn key_for(configured: Option<&SecretKey>, database_url: &str) -> anyhow::Result<Option<SecretKey>> {
    if let Some(key) = configured {
        return Ok(Some(key.clone()));
    }
    let Some(path) = key_file_beside(database_url) else { return Ok(None) };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.parse().map_err(|err: String| anyhow::anyhow!("{}: {err}", path.display()))?)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key = SecretKey::generate();
            write_private(&path, &key.to_base64())?;
            tracing::info!(path = %path.display(), "generated the key that encrypts stored secrets");
            Ok(Some(key))
        }
        Err(err) => Err(anyhow::anyhow!("cannot read {}: {err}", path.display())),
    }
}

/// `muster.key` in the directory of a SQLite database file.
fn key_file_beside(database_url: &str) -> Option<PathBuf> {
    let path = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    let parent = std::path::Path::new(path).parent().map(PathBuf::from).unwrap_or_default();
    Some(parent.join(KEY_FILE))
}

fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|err| anyhow::anyhow!("cannot create {}: {err}", path.display()))?;
    file.write_all(format!("{text}\n").as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_for_the_same_row_only() {
        let secrets = SecretBox::new(&SecretKey::generate());
        let sealed = secrets.seal("muster-secret", "sso_provider:A");
        assert!(is_sealed(&sealed) && !sealed.contains("muster-secret"));
        assert_ne!(sealed, secrets.seal("muster-secret", "sso_provider:A"), "a fresh nonce each time");
        assert_eq!(secrets.open(&sealed, "sso_provider:A").unwrap(), "muster-secret");
        assert!(secrets.open(&sealed, "sso_provider:B").is_err(), "bound to its row");
        assert!(SecretBox::new(&SecretKey::generate()).open(&sealed, "sso_provider:A").is_err(), "another key");
        assert!(secrets.open("muster-secret", "sso_provider:A").is_err());
    }

    #[test]
    fn keys_parse_from_base64_and_never_print() {
        let key = SecretKey::generate();
        assert_eq!(key.to_base64().parse::<SecretKey>().unwrap(), key);
        assert!("c2hvcnQ=".parse::<SecretKey>().is_err());
        assert!(!format!("{key:?}").contains(&key.to_base64()[..8]));
    }

    #[test]
    fn the_embedded_default_keeps_its_key_beside_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("muster.db").display());
        let first = key_for(None, &url).unwrap().unwrap();
        assert_eq!(key_for(None, &url).unwrap().unwrap(), first, "made once, then read");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(key_for(None, "postgres://u@h/db").unwrap(), None);
        assert_eq!(key_for(None, "sqlite::memory:").unwrap(), None);
    }
}
