//! Keys and secrets: API key generation and hashing, and AES-256-GCM encryption of linked-account
//! credentials under the master key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand::distributions::Alphanumeric;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;
use subtle::ConstantTimeEq;

/// The environment an API key or a linked account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Real provider accounts (`sk_live_…` keys).
    Live,
    /// Sandbox accounts (`sk_test_…` keys).
    Test,
}

impl Environment {
    /// `live` or `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Live => "live",
            Environment::Test => "test",
        }
    }

    /// Parses `live` / `test`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "live" => Some(Environment::Live),
            "test" => Some(Environment::Test),
            _ => None,
        }
    }

    /// The prefix of this environment's API keys.
    pub fn key_prefix(self) -> &'static str {
        match self {
            Environment::Live => "sk_live_",
            Environment::Test => "sk_test_",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A new random API key of `env` (`sk_live_` / `sk_test_` + 40 alphanumeric characters).
pub fn generate_api_key(env: Environment) -> String {
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    format!("{}{random}", env.key_prefix())
}

/// A random opaque token (sandbox account credentials).
pub fn random_token(prefix: &str) -> String {
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect();
    format!("{prefix}{random}")
}

/// SHA-256 of an API key, hex encoded: the only form in which keys are stored.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Constant-time equality of two key hashes.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The environment a presented key claims by its prefix.
pub fn key_environment(key: &str) -> Option<Environment> {
    if key.starts_with("sk_live_") {
        Some(Environment::Live)
    } else if key.starts_with("sk_test_") {
        Some(Environment::Test)
    } else {
        None
    }
}

/// Why a master key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// `UNICRM_MASTER_KEY` (or the key file) is not base64 of 32 bytes.
    #[error("master key: {0}")]
    Invalid(String),
    /// Reading or writing the key file failed.
    #[error("master key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// Decryption failed (wrong master key or tampered data).
    #[error("cannot decrypt stored credentials: wrong master key or corrupted data")]
    Decrypt,
}

/// The 32-byte AES-256-GCM key linked-account credentials are encrypted with. `Debug` redacts it.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        MasterKey(k)
    }

    /// Decodes base64 of exactly 32 bytes.
    pub fn from_base64(s: &str) -> Result<Self, KeyError> {
        let bytes = B64
            .decode(s.trim())
            .map_err(|e| KeyError::Invalid(format!("not valid base64: {e}")))?;
        let arr: [u8; 32] = bytes.try_into().map_err(|v: Vec<u8>| {
            KeyError::Invalid(format!("expected 32 bytes, got {}", v.len()))
        })?;
        Ok(MasterKey(arr))
    }

    /// The key as base64.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// Reads the key file at `path`, or creates it (mode 0600) with a new random key.
    /// Returns the key and whether it was created.
    pub fn load_or_create_file(path: &Path) -> Result<(Self, bool), KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(s) => Ok((Self::from_base64(&s)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                write_private(path, key.to_base64().as_bytes()).map_err(io)?;
                Ok((key, true))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Encrypts `plaintext`, bound to `aad` (the account id): `base64(nonce ‖ ciphertext)`.
    pub fn encrypt(&self, plaintext: &[u8], aad: &str) -> Result<String, KeyError> {
        let cipher = Aes256Gcm::new((&self.0).into());
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Invalid("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(B64.encode(out))
    }

    /// Decrypts what [`MasterKey::encrypt`] produced with the same `aad`.
    pub fn decrypt(&self, sealed: &str, aad: &str) -> Result<Vec<u8>, KeyError> {
        let bytes = B64.decode(sealed).map_err(|_| KeyError::Decrypt)?;
        if bytes.len() < 12 {
            return Err(KeyError::Decrypt);
        }
        let (nonce, ct) = bytes.split_at(12);
        Aes256Gcm::new((&self.0).into())
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Decrypt)
    }
}

/// What the key verifier seals: a constant, so any key that opens it is the store's key.
const VERIFIER_TEXT: &[u8] = b"unicrm master key verifier v1";
const VERIFIER_AAD: &str = "unicrm:key-verifier";

impl MasterKey {
    /// A new verifier of this key: the AES-GCM seal of a constant (random nonce), stored once per
    /// store. It tells whether a key is the store's without decrypting any secret.
    pub fn verifier(&self) -> Result<String, KeyError> {
        self.encrypt(VERIFIER_TEXT, VERIFIER_AAD)
    }

    /// Whether `verifier` (from [`MasterKey::verifier`]) was made with this key.
    pub fn verifies(&self, verifier: &str) -> bool {
        self.decrypt(verifier, VERIFIER_AAD)
            .is_ok_and(|p| bool::from(p.as_slice().ct_eq(VERIFIER_TEXT)))
    }

    /// Writes the key as base64 to `path` (mode 0600), replacing no existing file.
    pub fn write_new_file(&self, path: &Path) -> Result<(), KeyError> {
        write_private(path, self.to_base64().as_bytes()).map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_round_trip_and_aad_binding() {
        let k = MasterKey::generate();
        let sealed = k.encrypt(b"secret", "acc_1").unwrap();
        assert!(!sealed.contains("secret"));
        assert_eq!(k.decrypt(&sealed, "acc_1").unwrap(), b"secret");
        assert!(k.decrypt(&sealed, "acc_2").is_err());
        assert!(MasterKey::generate().decrypt(&sealed, "acc_1").is_err());
    }

    #[test]
    fn verifier_tells_the_key() {
        let k = MasterKey::generate();
        let v = k.verifier().unwrap();
        assert!(k.verifies(&v));
        assert!(!MasterKey::generate().verifies(&v));
        assert!(!k.verifies("garbage"));
        // A credential sealed with the key is not a verifier.
        assert!(!k.verifies(
            &k.encrypt(b"unicrm master key verifier v1", "acc_1")
                .unwrap()
        ));
    }

    #[test]
    fn keys_have_prefix_and_hash() {
        let live = generate_api_key(Environment::Live);
        assert!(live.starts_with("sk_live_") && live.len() == 48);
        assert_eq!(key_environment(&live), Some(Environment::Live));
        assert_eq!(hash_key(&live).len(), 64);
        assert!(hashes_equal(&hash_key(&live), &hash_key(&live)));
        assert!(!hashes_equal(&hash_key(&live), &hash_key("x")));
    }

    #[test]
    fn master_key_base64() {
        let k = MasterKey::generate();
        assert!(MasterKey::from_base64(&k.to_base64()).is_ok());
        assert!(MasterKey::from_base64("AAAA").is_err());
        assert_eq!(format!("{k:?}"), "MasterKey([redacted])");
    }

    #[test]
    fn key_file_is_private() {
        let dir = std::env::temp_dir().join(format!("unicrm-key-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("k");
        let (a, created) = MasterKey::load_or_create_file(&p).unwrap();
        assert!(created);
        let (b, created) = MasterKey::load_or_create_file(&p).unwrap();
        assert!(!created);
        assert_eq!(a.to_base64(), b.to_base64());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
