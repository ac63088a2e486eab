//! Passkeys on both stores: a credential registered once across accounts,
//! counted on its account; ceremonies finished once and only in time;
//! logins recorded only against the credential they read; removal by the
//! owner only, ending the other sessions.

use chrono::Duration;
use futures_util::future::join_all;
use tripdesk::domain::{
    CeremonyKey, Effects, PasskeyCeremony, PasskeyId, PasskeyName, SessionStatus, StoredPasskey,
    TokenHash, User,
};

use super::{customer, hash, session, setup};
use crate::helpers::Backend;
use crate::store_tests;

store_tests!(
    a_credential_is_registered_once_and_counted,
    a_ceremony_is_finished_once_and_only_in_time,
    a_login_is_recorded_only_against_the_credential_it_read,
);

fn passkey(user: &User, credential_id: &str, now: chrono::DateTime<chrono::Utc>) -> StoredPasskey {
    StoredPasskey {
        id: PasskeyId::generate(),
        user_id: user.id,
        name: PasskeyName::parse("Phone").unwrap(),
        credential_id: credential_id.to_owned(),
        credential: r#"{"counter":0}"#.to_owned(),
        created_at: now,
        last_used_at: None,
    }
}

async fn a_credential_is_registered_once_and_counted(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let (ada, bob) = (customer(now), customer(now));
    let (kept, other) = (session(&ada, now), session(&ada, now));
    let none = Effects::default();
    store
        .insert_user(&ada, &hash("a"), Some(&kept), &none)
        .await
        .unwrap();
    store
        .insert_user(&bob, &hash("b"), None, &none)
        .await
        .unwrap();
    store.insert_session(&other, &none).await.unwrap();

    let first = passkey(&ada, "c0ffee", now);
    assert!(store.insert_passkey(&first, kept.id, &none).await.unwrap());
    let again = passkey(&bob, "c0ffee", now);
    assert!(
        !store.insert_passkey(&again, kept.id, &none).await.unwrap(),
        "one credential, one account"
    );
    let second = passkey(&ada, "beef", now + Duration::seconds(1));
    assert!(store.insert_passkey(&second, kept.id, &none).await.unwrap());
    assert_eq!(store.find_user(ada.id).await.unwrap().unwrap().passkeys, 2);
    assert_eq!(store.find_user(bob.id).await.unwrap().unwrap().passkeys, 0);
    let listed = store.passkeys_of(ada.id).await.unwrap();
    assert_eq!(listed, vec![first.clone(), second.clone()]);
    assert_eq!(
        store.find_passkey("c0ffee").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.find_passkey("0000").await.unwrap(), None);
    let status = |token: TokenHash| {
        let store = store.clone();
        async move { store.find_session(&token).await.unwrap().unwrap().0.status }
    };
    assert_eq!(status(kept.token_hash.clone()).await, SessionStatus::Valid);
    assert_eq!(
        status(other.token_hash.clone()).await,
        SessionStatus::Expired
    );

    assert!(
        !store
            .remove_passkey(bob.id, first.id, kept.id, &none)
            .await
            .unwrap(),
        "only its owner removes it"
    );
    assert!(
        store
            .remove_passkey(ada.id, first.id, kept.id, &none)
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_passkey(ada.id, first.id, kept.id, &none)
            .await
            .unwrap()
    );
    assert_eq!(store.find_user(ada.id).await.unwrap().unwrap().passkeys, 1);
    assert_eq!(store.passkeys_of(ada.id).await.unwrap(), vec![second]);
    assert_eq!(store.find_passkey("c0ffee").await.unwrap(), None);
}

async fn a_ceremony_is_finished_once_and_only_in_time(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let ada = customer(now);
    store
        .insert_user(&ada, &hash("a"), None, &Effects::default())
        .await
        .unwrap();
    let key = CeremonyKey::Registration(ada.id);
    let first = PasskeyCeremony::begin(key.clone(), "first".into(), now);
    store.put_passkey_ceremony(&first).await.unwrap();
    let second = PasskeyCeremony::begin(key.clone(), "second".into(), now);
    store.put_passkey_ceremony(&second).await.unwrap();

    let takers = (0..8).map(|_| store.take_passkey_ceremony(&key, now));
    let taken: Vec<_> = join_all(takers)
        .await
        .into_iter()
        .filter_map(|taken| taken.unwrap())
        .collect();
    assert_eq!(taken, vec![second], "the newest, to one taker");

    let login = CeremonyKey::Login(TokenHash::from_hex("ab".repeat(32)));
    let late = PasskeyCeremony::begin(login.clone(), "state".into(), now);
    store.put_passkey_ceremony(&late).await.unwrap();
    let after = now + PasskeyCeremony::LIFETIME;
    assert_eq!(
        store.take_passkey_ceremony(&login, after).await.unwrap(),
        None
    );
    assert_eq!(
        store.take_passkey_ceremony(&login, now).await.unwrap(),
        None,
        "gone"
    );
}

async fn a_login_is_recorded_only_against_the_credential_it_read(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let ada = customer(now);
    let kept = session(&ada, now);
    let none = Effects::default();
    store
        .insert_user(&ada, &hash("a"), Some(&kept), &none)
        .await
        .unwrap();
    let read = passkey(&ada, "c0ffee", now);
    assert!(store.insert_passkey(&read, kept.id, &none).await.unwrap());

    // Two logins read counter 0 and move it: one records.
    let later = now + Duration::minutes(1);
    let racing = (0..6).map(|n| {
        let (store, read) = (store.clone(), read.clone());
        async move {
            let moved = format!(r#"{{"counter":{}}}"#, n + 1);
            store
                .record_passkey_use(&read, Some(&moved), later)
                .await
                .unwrap()
        }
    });
    let recorded = join_all(racing)
        .await
        .into_iter()
        .filter(|won| *won)
        .count();
    assert_eq!(recorded, 1);
    let stored = store.find_passkey("c0ffee").await.unwrap().unwrap();
    assert_ne!(stored.credential, read.credential);
    assert_eq!(
        stored.last_used_at.map(|at| at.timestamp_millis()),
        Some(later.timestamp_millis())
    );
    // A login that moved nothing records its time against what it read.
    let last = now + Duration::minutes(2);
    assert!(store.record_passkey_use(&stored, None, last).await.unwrap());
    assert!(!store.record_passkey_use(&read, None, last).await.unwrap());
}
