//! The key that keeps TOTP secrets unreadable at rest: AES-256-GCM
//! (`aes-gcm`), a fresh nonce per seal, the account's id as associated
//! data (a sealed secret copied to another account does not open).

use std::fmt;
use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};

use crate::domain::{TotpSecret, UserId};

const NONCE_BYTES: usize = 12;

/// A 256-bit key (`MFA_ENCRYPTION_KEY`, 64 hex). Debug output is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaKey([u8; 32]);

impl fmt::Debug for MfaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaKey([redacted])")
    }
}

impl MfaKey {
    /// The key written as 64 hex characters, if it is.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// The development key kept at `path`: read, or generated and written
    /// there (readable by its owner only) the first time.
    pub fn kept_at(path: &Path) -> std::io::Result<Self> {
        if let Ok(text) = std::fs::read_to_string(path) {
            return Self::from_hex(&text).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "not 64 hex characters")
            });
        }
        let key = Aes256Gcm::generate_key(OsRng);
        if let Some(directory) = path.parent() {
            std::fs::create_dir_all(directory)?;
        }
        write_private(path, &hex::encode(key))?;
        Ok(Self(key.into()))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// A sealed secret that does not open: another key, another account, or
/// altered bytes.
#[derive(Debug, thiserror::Error)]
#[error("a sealed TOTP secret did not open with this key")]
pub struct Unsealable;

/// Seals and opens TOTP secrets.
#[derive(Clone)]
pub struct SecretCipher(Aes256Gcm);

impl fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretCipher([redacted])")
    }
}

impl SecretCipher {
    /// A cipher under `key`.
    pub fn new(key: &MfaKey) -> Self {
        Self(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key.0)))
    }

    /// `secret` of account `owner`, sealed: nonce then ciphertext.
    pub fn seal(&self, secret: &TotpSecret, owner: UserId) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = owner.to_string();
        let payload = Payload {
            msg: secret.expose(),
            aad: aad.as_bytes(),
        };
        let ciphertext = self
            .0
            .encrypt(&nonce, payload)
            .expect("AES-GCM seals any secret of 20 bytes");
        [nonce.as_slice(), &ciphertext].concat()
    }

    /// The secret `sealed` holds for account `owner`.
    pub fn open(&self, sealed: &[u8], owner: UserId) -> Result<TotpSecret, Unsealable> {
        if sealed.len() <= NONCE_BYTES {
            return Err(Unsealable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let aad = owner.to_string();
        let payload = Payload {
            msg: ciphertext,
            aad: aad.as_bytes(),
        };
        let bytes = self
            .0
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| Unsealable)?;
        TotpSecret::from_bytes(bytes).ok_or(Unsealable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MfaKey {
        MfaKey::from_hex(&hex::encode([byte; 32])).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_for_its_account() {
        let cipher = SecretCipher::new(&key(7));
        let (owner, other) = (UserId::generate(), UserId::generate());
        let secret = TotpSecret::generate();
        let sealed = cipher.seal(&secret, owner);
        assert!(!sealed.windows(20).any(|window| window == secret.expose()));
        assert_ne!(
            sealed,
            cipher.seal(&secret, owner),
            "a fresh nonce each time"
        );
        assert_eq!(cipher.open(&sealed, owner).unwrap(), secret);
        assert!(cipher.open(&sealed, other).is_err());
        assert!(SecretCipher::new(&key(8)).open(&sealed, owner).is_err());
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(cipher.open(&altered, owner).is_err());
        assert!(cipher.open(&sealed[..12], owner).is_err());
    }

    #[test]
    fn keys_are_64_hex_and_never_printed() {
        assert!(MfaKey::from_hex(&"ab".repeat(32)).is_some());
        assert!(MfaKey::from_hex(&"ab".repeat(31)).is_none());
        assert!(MfaKey::from_hex(&"zz".repeat(32)).is_none());
        assert_eq!(format!("{:?}", key(1)), "MfaKey([redacted])");
    }

    #[test]
    fn the_development_key_is_made_once_and_kept_private() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("keys").join("mfa.key");
        let first = MfaKey::kept_at(&path).unwrap();
        assert_eq!(MfaKey::kept_at(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
