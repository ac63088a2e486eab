//! The physical limit on logins: Argon2id verifications per second with the
//! service's parameters, one thread per core, no server involved.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use tripdesk::hashing::{ITERATIONS, MEMORY_KIB, PARALLELISM};

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verifications per second over `duration`, on every core.
///
/// Each thread computes the hash into one buffer it keeps, as fast as the
/// CPU allows: a fresh 19 MiB allocation per verification (what
/// `verify_password` does) makes the rate depend on the allocator's mood
/// (56 to 111 per second between runs on this machine), which is a bad
/// yardstick and not the physical limit.
pub fn raw_rate(duration: Duration) -> f64 {
    let password = b"correct horse battery staple";
    let salt = b"bench-salt-16byt";
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let blocks = MEMORY_KIB as usize;
    let started = Instant::now();
    let deadline = started + duration;
    let verified: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(move || {
                    let hasher = argon2();
                    let mut memory = vec![Block::default(); blocks];
                    let mut output = [0u8; 32];
                    let mut count = 0u64;
                    while Instant::now() < deadline {
                        hasher
                            .hash_password_into_with_memory(
                                password,
                                salt,
                                &mut output,
                                &mut memory,
                            )
                            .expect("valid input");
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
