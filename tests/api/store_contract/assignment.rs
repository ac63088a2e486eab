//! The facts "any consultant" assignment ranks by.

use std::sync::Arc;

use chrono::Duration;
use tripdesk::domain::{
    AssignmentReason, BookingChanges, BookingRules, ConsultantId, ConsultantLoad, Party,
    load_window,
};
use tripdesk::store::{EffectsOf, SharedStore};

use super::*;
use crate::helpers::Backend;
use crate::store_tests;

store_tests!(loads_follow_every_booking_change);

/// Each consultant's (live bookings in the window, last booked), in `ids` order.
async fn loads(
    store: &SharedStore,
    ids: &[ConsultantId],
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Vec<(u64, Option<DateTime<Utc>>)> {
    let found = store
        .consultant_loads(ids, window.0, window.1)
        .await
        .unwrap();
    let of = |id: &ConsultantId| -> &ConsultantLoad {
        found.iter().find(|load| load.consultant_id == *id).unwrap()
    };
    assert_eq!(found.len(), ids.len());
    ids.iter()
        .map(|id| (of(id).live_nearby, of(id).last_booked_at))
        .collect()
}

/// Read before and after each change, so that a store keeping the facts
/// anywhere but in its bookings must keep them up to date.
async fn loads_follow_every_booking_change(backend: Backend) {
    let (_app, store, now) = setup(backend).await;
    let (connie, kenji) = (consultant(), consultant());
    for someone in [&connie, &kenji] {
        store
            .insert_consultant(someone, None, &Effects::default())
            .await
            .unwrap();
    }
    let user = customer(now);
    store
        .insert_user(&user, &hash("x"), None, &Effects::default())
        .await
        .unwrap();
    let ids = [connie.id, kenji.id];
    let start = day(now, 5) + Duration::hours(10);
    let window = load_window(start);
    assert_eq!(loads(&store, &ids, window).await, [(0, None), (0, None)]);
    assert_eq!(store.latest_consultant_of(user.id).await.unwrap(), None);

    let named = booking(&user, &connie, start, 60, now);
    store
        .insert_booking(&named, &roomy(now), &Effects::default())
        .await
        .unwrap();
    let created = Some(named.created_at);
    assert_eq!(loads(&store, &ids, window).await, [(1, created), (0, None)]);

    let later = now + Duration::minutes(1);
    let candidates = [&connie, &kenji]
        .map(|someone| {
            booking(&user, someone, start, 30, later).assigned(AssignmentReason::LeastBusy)
        })
        .to_vec();
    let effects_of: EffectsOf = Arc::new(|_| Effects::default());
    let assigned = store
        .insert_first_free(candidates, effects_of, &roomy(later))
        .await
        .unwrap();
    assert_eq!(assigned.consultant_id, kenji.id, "connie is taken then");
    let kenji_booked = Some(assigned.created_at);
    assert_eq!(
        loads(&store, &ids, window).await,
        [(1, created), (1, kenji_booked)]
    );
    assert_eq!(
        store.latest_consultant_of(user.id).await.unwrap(),
        Some(kenji.id)
    );
    // Outside the window: counted in another one only.
    let far = booking(&user, &connie, start + Duration::days(10), 30, later);
    store
        .insert_booking(&far, &roomy(later), &Effects::default())
        .await
        .unwrap();
    let connie_booked = Some(far.created_at);
    assert_eq!(
        loads(&store, &ids, window).await,
        [(1, connie_booked), (1, kenji_booked)]
    );
    assert_eq!(
        loads(&store, &ids, load_window(far.appointment.start())).await,
        [(1, connie_booked), (0, kenji_booked)]
    );

    // Moved out of the window, cancelled, reassigned: each counts where it is.
    let away = BookingChanges {
        starts_at: Some(start + Duration::days(9)),
        ..Default::default()
    };
    let moved = named.change(Party::Agency, away, &connie, later).unwrap();
    store
        .update_booking(&named, &moved, &Effects::default())
        .await
        .unwrap();
    assert_eq!(
        loads(&store, &ids, window).await,
        [(0, connie_booked), (1, kenji_booked)]
    );
    let cancelled = assigned
        .cancel(Party::Agency, &BookingRules::DEFAULT, None, later)
        .unwrap();
    store
        .update_booking(&assigned, &cancelled, &Effects::default())
        .await
        .unwrap();
    assert_eq!(
        loads(&store, &ids, window).await,
        [(0, connie_booked), (0, kenji_booked)]
    );
    let handed_over = far.reassign(&kenji, later).unwrap();
    store
        .update_booking(&far, &handed_over, &Effects::default())
        .await
        .unwrap();
    assert_eq!(
        loads(&store, &ids, load_window(far.appointment.start())).await,
        [(1, Some(moved.created_at)), (1, connie_booked)],
        "the reassigned booking counts for kenji, and was created last"
    );
}
