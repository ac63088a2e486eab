//! Argon2id password hashing, off the async workers.
//!
//! One hash costs ~19 MiB and tens of milliseconds of CPU. Running it on an
//! async worker would stall every request that worker serves, so hashes run
//! on a fixed pool of low-priority threads (see [`pool`]), which also
//! bounds how many run at once and how much memory they hold. Below both
//! `auth` and the application state, which hold a hasher.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{self, Output, ParamsString, SaltString};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};

mod pool;

use crate::domain::{Password, PasswordHash};
pub(crate) use pool::lower_priority;
use pool::{HashingPool, PoolStopped};

/// Memory cost in KiB: the OWASP minimum for Argon2id (19 MiB).
pub const MEMORY_KIB: u32 = 19_456;
/// Passes over memory.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// Hashing failed: a bug or exhausted resources, never a wrong password.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The Argon2 implementation refused, or a stored hash is malformed.
    #[error("password hashing failed: {0}")]
    Argon2(#[from] password_hash::Error),
    /// The hashing threads could not be started or have stopped.
    #[error("password hashing threads unavailable: {0}")]
    Pool(String),
}

impl From<argon2::Error> for HashError {
    fn from(error: argon2::Error) -> Self {
        Self::Argon2(error.into())
    }
}

impl From<PoolStopped> for HashError {
    fn from(error: PoolStopped) -> Self {
        Self::Pool(error.to_string())
    }
}

/// Hashes and verifies passwords on the hashing threads.
#[derive(Clone)]
pub struct PasswordHasher {
    pool: HashingPool,
    /// An unmatchable hash, verified against when the email is unknown so
    /// that a login takes as long whether the account exists or not.
    dummy: PasswordHash,
}

fn params() -> Params {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("constant Argon2 parameters are valid")
}

/// `memory` grown (once, and only for hashes made with a larger memory cost
/// than today's) to what `params` needs.
fn blocks_for<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    &mut memory[..params.block_count()]
}

fn hash_now(memory: &mut Vec<Block>, password: &Password) -> Result<PasswordHash, HashError> {
    let params = params();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.expose().as_bytes(),
            salt_bytes,
            &mut output,
            blocks_for(memory, &params),
        )?;
    phc(&params, &salt, &output)
}

/// The PHC string of an Argon2id hash with today's parameters.
fn phc(params: &Params, salt: &SaltString, output: &[u8]) -> Result<PasswordHash, HashError> {
    let phc = password_hash::PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(output)?),
    };
    Ok(PasswordHash::from_phc(phc.to_string()))
}

/// A well-formed hash with today's parameters that no password matches: its
/// output is drawn at random rather than computed. Verifying against it costs
/// exactly what a real verification costs, and making it costs nothing (no
/// Argon2 run, no 19 MiB buffer at start-up).
fn unmatchable_hash() -> Result<PasswordHash, HashError> {
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    OsRng.fill_bytes(&mut output);
    phc(&params(), &SaltString::generate(&mut OsRng), &output)
}

fn verify_now(
    memory: &mut Vec<Block>,
    password: &Password,
    hash: &PasswordHash,
) -> Result<bool, HashError> {
    let parsed = password_hash::PasswordHash::new(hash.as_str())?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(password_hash::Error::PhcStringField.into());
    };
    // The parameters come from the stored PHC string, so hashes made with
    // older parameters still verify.
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&parsed)?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut output = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password.expose().as_bytes(),
        salt_bytes,
        &mut output,
        blocks_for(memory, &params),
    )?;
    // `Output` compares in constant time.
    Ok(Output::new(&output)? == expected)
}

impl PasswordHasher {
    /// A hasher with `threads` hashing threads: at most that many hashes run
    /// at once, each thread holding one Argon2 buffer.
    pub fn new(threads: usize) -> Result<Self, HashError> {
        let pool = HashingPool::start(threads, params().block_count())
            .map_err(|error| HashError::Pool(error.to_string()))?;
        Ok(Self {
            pool,
            dummy: unmatchable_hash()?,
        })
    }

    /// Hashes a new password with a fresh random salt.
    pub async fn hash(&self, password: Password) -> Result<PasswordHash, HashError> {
        self.pool
            .run(move |memory| hash_now(memory, &password))
            .await?
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
        let matches = self
            .pool
            .run(move |memory| verify_now(memory, &password, &hash))
            .await??;
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
        // The stand-in costs what a real hash with today's parameters costs.
        let parsed = password_hash::PasswordHash::new(hasher.dummy.as_str()).unwrap();
        let stand_in = Params::try_from(&parsed).unwrap();
        let costs = |p: &Params| (p.m_cost(), p.t_cost(), p.p_cost());
        assert_eq!(costs(&stand_in), costs(&params()));
        assert_eq!(parsed.hash.unwrap().len(), Params::DEFAULT_OUTPUT_LEN);
        assert_eq!(parsed.algorithm, ARGON2ID_IDENT);
        assert_ne!(hasher.dummy, PasswordHasher::new(1).unwrap().dummy);
        assert!(
            !hasher
                .verify(password("anything at all"), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn hashes_from_the_argon2_crate_and_older_parameters_verify() {
        use argon2::password_hash::PasswordHasher as _;
        let hasher = PasswordHasher::new(1).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        for params in [params(), Params::new(8192, 1, 1, None).unwrap()] {
            let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"correct horse", &salt)
                .unwrap()
                .to_string();
            let stored = PasswordHash::from_phc(phc);
            assert!(
                hasher
                    .verify(password("correct horse"), Some(stored.clone()))
                    .await
                    .unwrap()
            );
            assert!(
                !hasher
                    .verify(password("correct horsE"), Some(stored))
                    .await
                    .unwrap()
            );
        }
    }

    #[tokio::test]
    async fn own_hashes_verify_with_the_argon2_crate() {
        use argon2::password_hash::PasswordVerifier as _;
        let hasher = PasswordHasher::new(1).unwrap();
        let hash = hasher.hash(password("correct horse")).await.unwrap();
        let parsed = password_hash::PasswordHash::new(hash.as_str()).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
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
