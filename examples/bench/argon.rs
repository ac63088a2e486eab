//! The physical limit on logins: Argon2id verifications per second with the
//! service's parameters, one thread per core, no server involved.

use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tripdesk::auth::{ITERATIONS, MEMORY_KIB, PARALLELISM};

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verifications per second over `duration`, on every core.
pub fn raw_rate(duration: Duration) -> f64 {
    let password = b"correct horse battery staple";
    let salt = SaltString::generate(&mut OsRng);
    let phc = argon2()
        .hash_password(password, &salt)
        .expect("hashing works")
        .to_string();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let started = Instant::now();
    let deadline = started + duration;
    let verified: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                let phc = phc.as_str();
                scope.spawn(move || {
                    let parsed = PasswordHash::new(phc).expect("own hash parses");
                    let hasher = argon2();
                    let mut count = 0u64;
                    while Instant::now() < deadline {
                        hasher
                            .verify_password(password, &parsed)
                            .expect("the password matches");
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("no panic"))
            .sum()
    });
    verified as f64 / started.elapsed().as_secs_f64()
}
