//! Argon2id password hashing, off the async workers.
//!
//! One hash costs ~19 MiB and tens of milliseconds of CPU. Running it on an
//! async worker would stall every request that worker serves, so each hash
//! runs on a blocking thread, and a semaphore bounds how many run at once
//! (bounding memory, and leaving CPU for cheap requests when logins spike).

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::domain::{Password, PasswordHash};

/// Memory cost in KiB: the OWASP minimum for Argon2id (19 MiB).
pub const MEMORY_KIB: u32 = 19_456;
/// Passes over memory.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// Hashing failed: a bug or exhausted resources, never a wrong password.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The Argon2 implementation refused.
    #[error("password hashing failed: {0}")]
    Argon2(password_hash::Error),
    /// The blocking task panicked or was cancelled.
    #[error("password hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Hashes and verifies passwords on blocking threads, a bounded number at once.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the email is
    /// unknown so that a login takes as long whether the account exists or not.
    dummy: PasswordHash,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &Password) -> Result<PasswordHash, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    let phc = argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .map_err(HashError::Argon2)?;
    Ok(PasswordHash::from_phc(phc.to_string()))
}

fn verify_now(password: &Password, hash: &PasswordHash) -> Result<bool, HashError> {
    let parsed = password_hash::PasswordHash::new(hash.as_str()).map_err(HashError::Argon2)?;
    // The parameters come from the stored PHC string, so hashes made with
    // older parameters still verify.
    match argon2().verify_password(password.expose().as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        Err(error) => Err(HashError::Argon2(error)),
    }
}

impl PasswordHasher {
    /// A hasher running at most `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> Result<Self, HashError> {
        let random = Password::parse_new(
            crate::domain::SessionToken::generate().expose().to_owned(),
            "password",
        )
        .expect("a 32-character token is a valid password");
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: hash_now(&random)?,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .expect("the hashing semaphore is never closed");
        let result = tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await?;
        Ok(result)
    }

    /// Hashes a new password with a fresh random salt.
    pub async fn hash(&self, password: Password) -> Result<PasswordHash, HashError> {
        self.run(move || hash_now(&password)).await?
    }

    /// Checks `password` against `hash`. With no hash (unknown account) it
    /// verifies against a dummy hash and answers `false`, taking the same time.
    pub async fn verify(
        &self,
        password: Password,
        hash: Option<PasswordHash>,
    ) -> Result<bool, HashError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy.clone());
        let matches = self.run(move || verify_now(&password, &hash)).await??;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse_new(text.to_owned(), "password").unwrap()
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::new(2).unwrap();
        let hash = hasher.hash(password("correct horse")).await.unwrap();
        assert!(
            hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_str()
        );
        assert!(
            hasher
                .verify(password("correct horse"), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(password("wrong horse!"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn salts_differ_between_hashes_of_one_password() {
        let hasher = PasswordHasher::new(1).unwrap();
        let first = hasher.hash(password("same password")).await.unwrap();
        let second = hasher.hash(password("same password")).await.unwrap();
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let hasher = PasswordHasher::new(1).unwrap();
        assert!(
            !hasher
                .verify(password("anything at all"), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn malformed_stored_hashes_are_errors_not_mismatches() {
        let hasher = PasswordHasher::new(1).unwrap();
        let broken = PasswordHash::from_phc("not a phc string".into());
        assert!(
            hasher
                .verify(password("anything at all"), Some(broken))
                .await
                .is_err()
        );
    }
}
