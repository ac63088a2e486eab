//! The audit log: entries land with their change, and only with it.

use chrono::Duration;
use tripdesk::domain::{
    AuditAction, AuditContext, AuditEntry, AuditQuery, BookingChange, BookingRules, Effects, Party,
    RawAuditQuery,
};
use tripdesk::store::StoreError;

use super::*;
use crate::helpers::Backend;
use crate::store_tests;

store_tests!(
    entries_land_with_their_change_and_only_with_it,
    consultants_are_deactivated_with_their_account,
);

fn context(now: chrono::DateTime<chrono::Utc>) -> AuditContext {
    AuditContext {
        actor: None,
        request_id: Some("req-contract".into()),
        at: now,
    }
}

async fn entries_about(store: &SharedStore, target: impl ToString) -> Vec<AuditEntry> {
    let query = AuditQuery::history_of(target);
    let rows = store.list_audit(&query).await.unwrap();
    query.paginate(rows).0
}

async fn entries_land_with_their_change_and_only_with_it(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    store
        .insert_consultant(&connie, None, &Effects::default())
        .await
        .unwrap();
    let user = customer(now);
    let registered = AuditEntry::account_created(&context(now), &user, false);
    store
        .insert_user(
            &user,
            &hash("x"),
            None,
            &Effects::audit([registered.clone()]),
        )
        .await
        .unwrap();
    // The same address again: refused, and its entry with it.
    let mut twin = customer(now);
    twin.email = user.email.clone();
    let twin_entry = AuditEntry::account_created(&context(now), &twin, false);
    assert!(matches!(
        store
            .insert_user(&twin, &hash("x"), None, &Effects::audit([twin_entry]))
            .await,
        Err(StoreError::EmailTaken)
    ));
    assert_eq!(entries_about(&store, user.id).await, [registered]);
    assert!(entries_about(&store, twin.id).await.is_empty());

    let start = day(now, 2) + Duration::hours(10);
    let first = booking(&user, &connie, start, 60, now);
    let effects = |booking: &_| {
        Effects::of_booking(&context(now), BookingChange::Created, None, booking, false)
    };
    store
        .insert_booking(&first, &roomy(now), &effects(&first))
        .await
        .unwrap();
    let clash = booking(&user, &connie, start + Duration::minutes(30), 30, now);
    assert!(matches!(
        store
            .insert_booking(&clash, &roomy(now), &effects(&clash))
            .await,
        Err(StoreError::SlotTaken)
    ));
    let created = entries_about(&store, first.id).await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].action, AuditAction::BookingCreated);
    assert_eq!(created[0].request_id.as_deref(), Some("req-contract"));
    assert!(entries_about(&store, clash.id).await.is_empty());

    // A stale update writes nothing; the current one writes its entry.
    let cancelled = first
        .cancel(Party::Agency, &BookingRules::DEFAULT, None, now)
        .unwrap();
    let change = BookingChange::Cancelled {
        by: tripdesk::domain::ChangedBy::Customer,
    };
    let cancel_effects =
        Effects::of_booking(&context(now), change, Some(&first), &cancelled, false);
    let mut stale = first.clone();
    stale.version += 1;
    assert!(matches!(
        store
            .update_booking(&stale, &cancelled, &cancel_effects)
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(entries_about(&store, first.id).await.len(), 1);
    store
        .update_booking(&first, &cancelled, &cancel_effects)
        .await
        .unwrap();
    let story: Vec<_> = entries_about(&store, first.id)
        .await
        .iter()
        .map(|entry| entry.action)
        .collect();
    assert_eq!(
        story,
        [AuditAction::BookingCreated, AuditAction::BookingCancelled]
    );

    // Appended ones are found by the admin's filters too.
    let raw = RawAuditQuery {
        action: Some("booking.cancelled".into()),
        ..RawAuditQuery::default()
    };
    let query = AuditQuery::parse(&raw).unwrap();
    let found = store.list_audit(&query).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].target_id, first.id.to_string());
}

async fn consultants_are_deactivated_with_their_account(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let connie = consultant();
    let account = tripdesk::domain::User::new_consultant(
        connie.id,
        (
            tripdesk::domain::Email::parse(&crate::helpers::unique_email("connie")).unwrap(),
            connie.name.clone(),
        ),
        true,
        now,
    );
    store
        .insert_consultant(&connie, Some((&account, &hash("c"))), &Effects::default())
        .await
        .unwrap();
    let live = session(&account, now);
    store
        .insert_session(&live, &Effects::default())
        .await
        .unwrap();
    let entry = AuditEntry::consultant_state(&context(now), connie.id, false, Some("leave"));
    assert!(
        store
            .set_consultant_active(connie.id, false, &Effects::audit([entry]))
            .await
            .unwrap()
    );
    let stored = store.find_consultant(connie.id).await.unwrap().unwrap();
    assert!(!stored.active);
    let (session, user) = store.find_session(&live.token_hash).await.unwrap().unwrap();
    assert!(!user.active);
    assert_eq!(session.status, tripdesk::domain::SessionStatus::Expired);
    assert_eq!(entries_about(&store, connie.id).await.len(), 1);

    // A booking written now is refused: the consultant is inactive.
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, &Effects::default())
        .await
        .unwrap();
    let late = booking(&user, &connie, day(now, 2) + Duration::hours(9), 30, now);
    assert!(matches!(
        store
            .insert_booking(&late, &roomy(now), &Effects::default())
            .await,
        Err(StoreError::ConsultantInactive)
    ));
    assert_eq!(store.find_booking(late.id).await.unwrap(), None);

    store
        .set_consultant_active(connie.id, true, &Effects::default())
        .await
        .unwrap();
    store
        .insert_booking(&late, &roomy(now), &Effects::default())
        .await
        .unwrap();
    let user_now = store.find_user(account.id).await.unwrap().unwrap();
    assert!(user_now.active);
    assert!(
        !store
            .set_consultant_active(
                tripdesk::domain::ConsultantId::generate(),
                false,
                &Effects::default()
            )
            .await
            .unwrap()
    );
}
