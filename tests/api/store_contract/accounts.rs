//! Accounts, sessions and consultants.

use chrono::Duration;
use futures_util::future::join;
use tripdesk::domain::{
    Email, IssuedToken, Role, Session, SessionStatus, SessionToken, TOUCH_INTERVAL, TokenPurpose,
    User, UserId,
};
use tripdesk::store::{SharedStore, StoreError};

use super::*;
use crate::helpers::Backend;
use crate::store_tests;

store_tests!(
    users_round_trip_and_emails_are_unique,
    sessions_round_trip_and_expire,
    touching_is_conditional,
    password_change_replaces_hash_and_sessions,
    consultants_round_trip,
    account_tokens_are_used_once_and_superseded_by_purpose,
);

async fn users_round_trip_and_emails_are_unique(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    store
        .insert_user(&user, &hash("first"), None, &Effects::default())
        .await
        .unwrap();
    let found = store.find_credentials(&user.email).await.unwrap().unwrap();
    assert_eq!(found.user, user);
    assert_eq!(found.password_hash, hash("first"));
    assert_eq!(
        store.password_hash(user.id).await.unwrap(),
        Some(hash("first"))
    );

    let twin = User {
        id: tripdesk::domain::UserId::generate(),
        ..user.clone()
    };
    assert!(matches!(
        store
            .insert_user(&twin, &hash("second"), None, &Effects::default())
            .await,
        Err(StoreError::EmailTaken)
    ));
    assert_eq!(
        store
            .find_credentials(&user.email)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        hash("first")
    );
    let unknown = Email::parse("nobody@example.com").unwrap();
    assert!(store.find_credentials(&unknown).await.unwrap().is_none());
}

async fn sessions_round_trip_and_expire(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    let first = session(&user, now);
    store
        .insert_user(&user, &hash("x"), Some(&first), &Effects::default())
        .await
        .unwrap();
    let second = session(&user, now + Duration::seconds(1));
    let third = session(&user, now + Duration::seconds(2));
    store
        .insert_session(&second, &Effects::default())
        .await
        .unwrap();
    store
        .insert_session(&third, &Effects::default())
        .await
        .unwrap();

    let (found, owner) = store
        .find_session(&first.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found, owner), (first.clone(), user.clone()));
    assert!(
        store
            .find_session(&SessionToken::generate().hash())
            .await
            .unwrap()
            .is_none()
    );

    let ids = |sessions: Vec<Session>| sessions.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let listed = store.list_sessions(user.id, now).await.unwrap();
    assert_eq!(ids(listed), [third.id, second.id, first.id], "newest first");
    // Sessions past their absolute expiry are not listed.
    assert_eq!(
        ids(store
            .list_sessions(user.id, second.expires_at)
            .await
            .unwrap()),
        [third.id]
    );
    assert!(
        store
            .list_sessions(user.id, third.expires_at)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(store.expire_session(user.id, second.id).await.unwrap());
    assert!(
        !store.expire_session(user.id, second.id).await.unwrap(),
        "already expired"
    );
    let stranger = customer(now);
    assert!(
        !store.expire_session(stranger.id, first.id).await.unwrap(),
        "not theirs"
    );
    assert_eq!(
        store
            .find_session(&second.token_hash)
            .await
            .unwrap()
            .unwrap()
            .0
            .status,
        SessionStatus::Expired
    );

    assert_eq!(
        store
            .expire_other_sessions(user.id, third.id, &Effects::default())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        ids(store.list_sessions(user.id, now).await.unwrap()),
        [third.id]
    );
    assert!(
        store
            .expire_session_by_token(&third.token_hash)
            .await
            .unwrap()
    );
    assert!(
        !store
            .expire_session_by_token(&third.token_hash)
            .await
            .unwrap()
    );
    assert!(store.list_sessions(user.id, now).await.unwrap().is_empty());
}

async fn touching_is_conditional(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    let live = session(&user, now);
    store
        .insert_user(&user, &hash("x"), Some(&live), &Effects::default())
        .await
        .unwrap();
    let last_seen = |store: SharedStore, session: Session| async move {
        store
            .find_session(&session.token_hash)
            .await
            .unwrap()
            .unwrap()
            .0
            .last_seen_at
    };

    // Not stale yet: nothing written.
    let soon = now + Duration::seconds(30);
    store
        .touch_session(&live, soon, soon - TOUCH_INTERVAL)
        .await
        .unwrap();
    assert_eq!(last_seen(store.clone(), live.clone()).await, now);
    // Stale: written.
    let later = now + Duration::minutes(5);
    store
        .touch_session(&live, later, later - TOUCH_INTERVAL)
        .await
        .unwrap();
    assert_eq!(last_seen(store.clone(), live.clone()).await, later);
    // A late writer with an older time cannot move it back.
    let earlier = now + Duration::minutes(2);
    store
        .touch_session(&live, earlier, earlier - TOUCH_INTERVAL)
        .await
        .unwrap();
    assert_eq!(last_seen(store.clone(), live.clone()).await, later);
    // An expired session stays expired.
    store.expire_session(user.id, live.id).await.unwrap();
    let much_later = now + Duration::hours(1);
    store
        .touch_session(&live, much_later, much_later - TOUCH_INTERVAL)
        .await
        .unwrap();
    let (after, _) = store.find_session(&live.token_hash).await.unwrap().unwrap();
    assert_eq!(
        (after.status, after.last_seen_at),
        (SessionStatus::Expired, later)
    );
}

async fn password_change_replaces_hash_and_sessions(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    let old = session(&user, now);
    store
        .insert_user(&user, &hash("old"), Some(&old), &Effects::default())
        .await
        .unwrap();
    store
        .insert_session(&session(&user, now), &Effects::default())
        .await
        .unwrap();
    let other = customer(now);
    let bystander = session(&other, now);
    store
        .insert_user(&other, &hash("x"), Some(&bystander), &Effects::default())
        .await
        .unwrap();

    let new = session(&user, now + Duration::seconds(1));
    assert_eq!(
        store
            .change_password(
                user.id,
                &hash("new"),
                new.credentials_stamp,
                Some(&new),
                &Effects::default()
            )
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store.password_hash(user.id).await.unwrap(),
        Some(hash("new"))
    );
    let listed: Vec<_> = store
        .list_sessions(user.id, now)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, [new.id]);
    assert_eq!(
        store.list_sessions(other.id, now).await.unwrap().len(),
        1,
        "other users untouched"
    );
}

async fn consultants_round_trip(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let first = consultant_in("Pacific/Auckland", "mon-fri=09:00-17:30,sat=10:00-12:00");
    let account = User {
        role: Role::Consultant(first.id),
        ..customer(now)
    };
    store
        .insert_consultant(&first, Some((&account, &hash("c"))), &Effects::default())
        .await
        .unwrap();
    assert_eq!(
        store.find_consultant(first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store
            .find_credentials(&account.email)
            .await
            .unwrap()
            .unwrap()
            .user
            .role,
        Role::Consultant(first.id)
    );

    // An account whose email is taken fails the whole consultant.
    let second = consultant_in("America/Sao_Paulo", "sun=08:00-09:00");
    let clash = User {
        role: Role::Consultant(second.id),
        id: tripdesk::domain::UserId::generate(),
        ..account
    };
    assert!(matches!(
        store
            .insert_consultant(&second, Some((&clash, &hash("c"))), &Effects::default())
            .await,
        Err(StoreError::EmailTaken)
    ));
    assert_eq!(store.find_consultant(second.id).await.unwrap(), None);
    assert_eq!(store.list_consultants().await.unwrap(), [first]);
}

async fn account_tokens_are_used_once_and_superseded_by_purpose(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, &Effects::default())
        .await
        .unwrap();
    let (reset, verification) = (TokenPurpose::PasswordReset, TokenPurpose::EmailVerification);
    let issue = |purpose| IssuedToken::issue(&user, purpose, now).1;
    let consume = |token: &IssuedToken, purpose, at| {
        let (store, hash) = (store.clone(), token.token_hash.clone());
        async move {
            store
                .consume_account_token(&hash, purpose, at)
                .await
                .unwrap()
        }
    };

    // Used once, for its purpose, before it expires.
    let first = issue(reset);
    store.insert_account_token(&first).await.unwrap();
    assert_eq!(consume(&first, verification, now).await, None);
    assert_eq!(consume(&first, reset, first.expires_at).await, None);
    assert_eq!(
        consume(&first, reset, now).await,
        Some(first.clone()),
        "the whole record comes back, its credentials stamp included"
    );
    assert_eq!(consume(&first, reset, now).await, None, "used up");

    // A newer reset token supersedes the older; verification tokens do not.
    let (older, newer) = (issue(reset), issue(reset));
    store.insert_account_token(&older).await.unwrap();
    store.insert_account_token(&newer).await.unwrap();
    assert_eq!(consume(&older, reset, now).await, None, "superseded");
    let (one, two) = (issue(verification), issue(verification));
    store.insert_account_token(&one).await.unwrap();
    store.insert_account_token(&two).await.unwrap();
    assert_eq!(consume(&one, verification, now).await, Some(one.clone()));
    assert_eq!(consume(&two, verification, now).await, Some(two.clone()));
    assert_eq!(
        consume(&newer, reset, now).await,
        Some(newer.clone()),
        "verification tokens leave reset tokens alone"
    );

    // Two concurrent uses: one wins.
    let raced = issue(reset);
    store.insert_account_token(&raced).await.unwrap();
    let (a, b) = join(consume(&raced, reset, now), consume(&raced, reset, now)).await;
    assert_eq!(
        [&a, &b].iter().filter(|used| used.is_some()).count(),
        1,
        "{a:?} {b:?}"
    );

    // Verifying an address shows in the account at once.
    let verified = store.mark_email_verified(user.id).await.unwrap().unwrap();
    assert!(verified.email_verified);
    assert!(
        store
            .find_user(user.id)
            .await
            .unwrap()
            .unwrap()
            .email_verified
    );
    let nobody = store.mark_email_verified(UserId::generate()).await.unwrap();
    assert_eq!(nobody, None);
}
