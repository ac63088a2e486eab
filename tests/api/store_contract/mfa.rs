//! Second factors on both stores: one pending secret that confirming turns
//! on with its codes, steps and codes used once even by racing calls,
//! challenges that count failures and are used up once.

use chrono::Duration;
use futures_util::future::join_all;
use tripdesk::domain::{
    Effects, Email, MfaChallenge, RecoveryCode, SessionStatus, ThrottleKey, TokenHash,
};

use super::{customer, hash, session, setup};
use crate::helpers::Backend;
use crate::store_tests;

store_tests!(
    a_pending_secret_is_confirmed_once_with_its_codes,
    steps_and_recovery_codes_are_used_once_even_racing,
    challenges_count_failures_and_are_used_up_once,
);

async fn a_pending_secret_is_confirmed_once_with_its_codes(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    let (kept, other) = (session(&user, now), session(&user, now));
    store
        .insert_user(&user, &hash("a"), Some(&kept), &Effects::default())
        .await
        .unwrap();
    store
        .insert_session(&other, &Effects::default())
        .await
        .unwrap();
    assert!(store.find_totp(user.id).await.unwrap().is_none());

    assert!(store.put_pending_totp(user.id, b"first").await.unwrap());
    assert!(
        store.put_pending_totp(user.id, b"second").await.unwrap(),
        "a pending one is replaced"
    );
    let pending = store.find_totp(user.id).await.unwrap().unwrap();
    assert_eq!(
        (pending.sealed_secret.as_slice(), pending.confirmed),
        (&b"second"[..], false)
    );
    assert!(!store.find_user(user.id).await.unwrap().unwrap().totp);

    let codes: Vec<TokenHash> = RecoveryCode::generate_set()
        .iter()
        .map(RecoveryCode::hash)
        .collect();
    assert!(
        store
            .confirm_totp(user.id, 42, &codes, kept.id, &Effects::default())
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_totp(user.id, 43, &codes, kept.id, &Effects::default())
            .await
            .unwrap()
    );
    let confirmed = store.find_totp(user.id).await.unwrap().unwrap();
    assert_eq!((confirmed.confirmed, confirmed.last_step), (true, Some(42)));
    assert!(store.find_user(user.id).await.unwrap().unwrap().totp);
    assert_eq!(store.recovery_codes_left(user.id).await.unwrap(), 10);
    assert!(
        !store.put_pending_totp(user.id, b"third").await.unwrap(),
        "not over a confirmed one"
    );
    // Every other session ended; the kept one stays.
    let status = |token| {
        let store = store.clone();
        async move { store.find_session(&token).await.unwrap().unwrap().0.status }
    };
    assert_eq!(status(kept.token_hash.clone()).await, SessionStatus::Valid);
    assert_eq!(
        status(other.token_hash.clone()).await,
        SessionStatus::Expired
    );

    assert!(
        store
            .remove_totp(user.id, kept.id, &Effects::default())
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_totp(user.id, kept.id, &Effects::default())
            .await
            .unwrap()
    );
    assert!(store.find_totp(user.id).await.unwrap().is_none());
    assert!(!store.find_user(user.id).await.unwrap().unwrap().totp);
    assert_eq!(store.recovery_codes_left(user.id).await.unwrap(), 0);
}

async fn steps_and_recovery_codes_are_used_once_even_racing(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    let kept = session(&user, now);
    store
        .insert_user(&user, &hash("a"), Some(&kept), &Effects::default())
        .await
        .unwrap();
    assert!(
        !store.use_totp_step(user.id, 10).await.unwrap(),
        "nothing confirmed"
    );
    store.put_pending_totp(user.id, b"sealed").await.unwrap();
    let codes = RecoveryCode::generate_set();
    let hashes: Vec<TokenHash> = codes.iter().map(RecoveryCode::hash).collect();
    store
        .confirm_totp(user.id, 10, &hashes, kept.id, &Effects::default())
        .await
        .unwrap();

    assert!(
        !store.use_totp_step(user.id, 10).await.unwrap(),
        "the confirming step"
    );
    assert!(
        !store.use_totp_step(user.id, 9).await.unwrap(),
        "an earlier step"
    );
    let racing = join_all((0..8).map(|_| store.use_totp_step(user.id, 11))).await;
    assert_eq!(
        racing.iter().filter(|used| *used.as_ref().unwrap()).count(),
        1
    );
    assert!(store.use_totp_step(user.id, 13).await.unwrap());

    let racing = join_all((0..8).map(|_| store.use_recovery_code(user.id, &hashes[0]))).await;
    assert_eq!(
        racing.iter().filter(|used| *used.as_ref().unwrap()).count(),
        1
    );
    assert_eq!(store.recovery_codes_left(user.id).await.unwrap(), 9);
    let stranger = customer(now);
    assert!(
        !store
            .use_recovery_code(stranger.id, &hashes[1])
            .await
            .unwrap(),
        "another account's"
    );
}

async fn challenges_count_failures_and_are_used_up_once(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    store
        .insert_user(&user, &hash("a"), None, &Effects::default())
        .await
        .unwrap();
    let key = ThrottleKey::account(&Email::parse("ada@example.com").unwrap());
    let (_, challenge) = MfaChallenge::issue(user.id, key.clone(), true, now);
    store.insert_challenge(&challenge).await.unwrap();
    let found = store
        .find_challenge(&challenge.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, challenge);
    assert_eq!(found.expires_at, now + Duration::minutes(5));

    for failures in 1..MfaChallenge::MAX_FAILURES {
        store.fail_challenge(&challenge.token_hash).await.unwrap();
        let found = store
            .find_challenge(&challenge.token_hash)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.failures, failures);
    }
    store.fail_challenge(&challenge.token_hash).await.unwrap();
    assert!(
        store
            .find_challenge(&challenge.token_hash)
            .await
            .unwrap()
            .is_none(),
        "the fifth ends it"
    );

    let (_, another) = MfaChallenge::issue(user.id, key, false, now);
    store.insert_challenge(&another).await.unwrap();
    let racing = join_all((0..8).map(|_| store.consume_challenge(&another.token_hash))).await;
    assert_eq!(
        racing.iter().filter(|used| *used.as_ref().unwrap()).count(),
        1
    );
    assert!(
        store
            .find_challenge(&another.token_hash)
            .await
            .unwrap()
            .is_none()
    );
}
