//! Bookings: no double booking, closed bookings, listing and paging.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, read};
use crate::store_tests;

store_tests!(
    overlapping_bookings_are_refused_and_cancelling_frees_the_slots,
    fifty_concurrent_requests_for_one_slot_make_one_booking,
    rescheduling_keeps_own_slots_and_refuses_taken_ones,
    rescheduling_a_confirmed_booking_needs_a_new_confirmation,
    cancelled_and_past_bookings_are_closed,
    bookings_are_listed_by_start_and_paged_with_a_cursor,
    list_filters_by_status_and_time,
    list_rejects_bad_parameters,
);

async fn overlapping_bookings_are_refused_and_cancelling_frees_the_slots(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (alice, _) = app.customer().await;
    let (bob, _) = app.customer().await;
    // Alice holds 10:00–11:30.
    let (status, body) = read(alice.book(&consultant, &app.at(3, 10, 0), 90).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let alice_booking = body["booking"]["id"].as_str().unwrap().to_owned();

    for (start, minutes) in [
        ((10, 0), 30),
        ((11, 0), 30),
        ((9, 30), 60),
        ((9, 0), 90),
        ((11, 0), 60),
    ] {
        let response = bob
            .book(&consultant, &app.at(3, start.0, start.1), minutes)
            .await;
        let error = assert_error(response, StatusCode::CONFLICT, "slot_unavailable").await;
        assert_eq!(error["field"], "startsAt");
    }
    // Right before and right after are free.
    for start in [(9, 30), (11, 30)] {
        let (status, _) = read(
            bob.book(&consultant, &app.at(3, start.0, start.1), 30)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    // Another consultant's 10:00 is independent.
    let (other, _) = app.consultant().await;
    assert_eq!(
        bob.book(&other, &app.at(3, 10, 0), 30).await.status(),
        StatusCode::CREATED
    );

    alice
        .post_empty(&format!("/api/bookings/{alice_booking}/cancel"))
        .await;
    let (status, body) = read(bob.book(&consultant, &app.at(3, 10, 30), 60).await).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "cancelled slots are free again: {body}"
    );
}

async fn fifty_concurrent_requests_for_one_slot_make_one_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let mut customers = Vec::new();
    for _ in 0..5 {
        customers.push(app.customer().await.0);
    }
    let starts_at = app.at(4, 15, 0);
    let requests = (0..50).map(|i| {
        let client = customers[i % customers.len()].clone();
        // Half the requests overlap through a longer booking starting earlier.
        let (start, minutes) = if i % 2 == 0 {
            (starts_at.clone(), 30)
        } else {
            (app.at(4, 14, 30), 60)
        };
        let consultant = consultant.clone();
        tokio::spawn(async move { client.book(&consultant, &start, minutes).await.status() })
    });
    let statuses = futures_util::future::join_all(requests).await;
    let created = statuses
        .iter()
        .filter(|s| *s.as_ref().unwrap() == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| *s.as_ref().unwrap() == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 49), "{statuses:?}");

    let mut all = Vec::new();
    for customer in &customers {
        let (_, list) = read(customer.get("/api/bookings").await).await;
        all.extend(list["bookings"].as_array().unwrap().clone());
    }
    assert_eq!(all.len(), 1);
}

async fn rescheduling_keeps_own_slots_and_refuses_taken_ones(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (alice, _) = app.customer().await;
    let (bob, _) = app.customer().await;
    let (_, body) = read(alice.book(&consultant, &app.at(3, 10, 0), 30).await).await;
    let path = format!("/api/bookings/{}", body["booking"]["id"].as_str().unwrap());
    read(bob.book(&consultant, &app.at(3, 11, 0), 30).await).await;

    // Growing over its own slot is fine.
    let (status, body) = read(alice.patch(&path, &json!({"durationMinutes": 60})).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Growing into Bob's slot is not, and changes nothing.
    let response = alice
        .patch(&path, &json!({"durationMinutes": 90, "notes": "longer"}))
        .await;
    assert_error(response, StatusCode::CONFLICT, "slot_unavailable").await;
    let (_, current) = read(alice.get(&path).await).await;
    assert_eq!(
        (
            current["booking"]["durationMinutes"].as_i64(),
            current["booking"]["notes"].as_str()
        ),
        (Some(60), Some("Whale watching, please"))
    );
    // Its old slot is still held; moving elsewhere releases it.
    assert_eq!(
        bob.book(&consultant, &app.at(3, 10, 30), 30).await.status(),
        StatusCode::CONFLICT
    );
    let (status, _) = read(
        alice
            .patch(&path, &json!({"startsAt": app.at(3, 16, 0)}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        bob.book(&consultant, &app.at(3, 10, 0), 60).await.status(),
        StatusCode::CREATED
    );
    // Rescheduling follows the same rules as booking.
    let response = alice
        .patch(&path, &json!({"startsAt": app.at(3, 16, 10)}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_on_slot_boundary",
    )
    .await;
    let response = alice
        .patch(&path, &json!({"startsAt": app.at(3, 19, 30)}))
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_working_hours",
    )
    .await;
}

async fn rescheduling_a_confirmed_booking_needs_a_new_confirmation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, consultant_client) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let (_, body) = read(customer.book(&consultant, &app.at(3, 10, 0), 30).await).await;
    let path = format!("/api/bookings/{}", body["booking"]["id"].as_str().unwrap());
    consultant_client
        .post_empty(&format!("{path}/confirm"))
        .await;

    let (_, body) = read(
        customer
            .patch(&path, &json!({"notes": "bring brochures"}))
            .await,
    )
    .await;
    assert_eq!(
        body["booking"]["status"], "confirmed",
        "details only: still confirmed"
    );
    let (_, body) = read(
        customer
            .patch(&path, &json!({"startsAt": app.at(3, 13, 0)}))
            .await,
    )
    .await;
    assert_eq!(
        body["booking"]["status"], "pending",
        "new time: needs confirming again"
    );
}

async fn cancelled_and_past_bookings_are_closed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, consultant_client) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let (_, first) = read(customer.book(&consultant, &app.at(1, 10, 0), 30).await).await;
    let (_, second) = read(customer.book(&consultant, &app.at(1, 11, 0), 30).await).await;
    let first = format!("/api/bookings/{}", first["booking"]["id"].as_str().unwrap());
    let second = format!(
        "/api/bookings/{}",
        second["booking"]["id"].as_str().unwrap()
    );

    assert_eq!(
        customer
            .post_empty(&format!("{first}/cancel"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_error(
        customer.post_empty(&format!("{first}/cancel")).await,
        StatusCode::CONFLICT,
        "booking_closed",
    )
    .await;
    let response = customer.patch(&first, &json!({"notes": "too late"})).await;
    assert_error(response, StatusCode::CONFLICT, "booking_closed").await;

    // Two days on, the second booking is in the past.
    app.clock.advance(Duration::days(2));
    let response = customer
        .patch(&second, &json!({"startsAt": app.at(1, 10, 0)}))
        .await;
    assert_error(response, StatusCode::CONFLICT, "booking_closed").await;
    assert_error(
        customer.post_empty(&format!("{second}/cancel")).await,
        StatusCode::CONFLICT,
        "booking_closed",
    )
    .await;
    let response = consultant_client
        .post_empty(&format!("{second}/confirm"))
        .await;
    assert_error(response, StatusCode::CONFLICT, "booking_closed").await;
    // A cancel body must still be well-formed.
    let response = customer
        .post(
            &format!("{second}/cancel"),
            &json!({"why": "unknown field"}),
        )
        .await;
    assert_error(response, StatusCode::BAD_REQUEST, "unknown_field").await;
}

fn ids(list: &Value) -> Vec<String> {
    list["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["startsAt"].as_str().unwrap().to_owned())
        .collect()
}

async fn bookings_are_listed_by_start_and_paged_with_a_cursor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    // Booked out of order.
    let starts = [(3, 12), (1, 9), (2, 15), (1, 17), (3, 8)];
    for (day, hour) in starts {
        assert_eq!(
            customer
                .book(&consultant, &app.at(day, hour, 0), 30)
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let mut expected: Vec<_> = starts
        .iter()
        .map(|(day, hour)| app.at(*day, *hour, 0))
        .collect();
    expected.sort();

    let mut seen = Vec::new();
    let mut path = "/api/bookings?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let (status, page) = read(customer.get(&path).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        assert!(page["bookings"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/api/bookings?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!((pages, seen), (3, expected));
}

async fn list_filters_by_status_and_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, consultant_client) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let mut paths = Vec::new();
    for hour in [9, 10, 11] {
        let (_, body) = read(customer.book(&consultant, &app.at(2, hour, 0), 30).await).await;
        paths.push(format!(
            "/api/bookings/{}",
            body["booking"]["id"].as_str().unwrap()
        ));
    }
    customer.post_empty(&format!("{}/cancel", paths[0])).await;
    consultant_client
        .post_empty(&format!("{}/confirm", paths[1]))
        .await;

    let query = |q: String| {
        let customer = customer.clone();
        async move {
            read(customer.get(&format!("/api/bookings?{q}")).await)
                .await
                .1
        }
    };
    assert_eq!(
        ids(&query("status=cancelled".into()).await),
        [app.at(2, 9, 0)]
    );
    assert_eq!(
        ids(&query("status=confirmed".into()).await),
        [app.at(2, 10, 0)]
    );
    assert_eq!(
        ids(&query("status=pending".into()).await),
        [app.at(2, 11, 0)]
    );
    let window = format!("from={}&to={}", app.at(2, 10, 0), app.at(2, 11, 0));
    assert_eq!(
        ids(&query(window).await),
        [app.at(2, 10, 0)],
        "from inclusive, to exclusive"
    );
    assert_eq!(
        ids(&query(format!("from={}", app.at(2, 10, 30))).await),
        [app.at(2, 11, 0)]
    );
}

async fn list_rejects_bad_parameters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (customer, _) = app.customer().await;
    for (query, code) in [
        ("status=done", "invalid_status"),
        ("from=yesterday", "invalid_from"),
        ("to=2027-13-01T00:00:00Z", "invalid_to"),
        (
            "from=2027-03-05T00:00:00Z&to=2027-03-04T00:00:00Z",
            "invalid_to",
        ),
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("limit=ten", "invalid_limit"),
        ("cursor=bm90LWEtY3Vyc29y", "invalid_cursor"),
        ("status=pending&status=cancelled", "invalid_query"),
    ] {
        let response = customer.get(&format!("/api/bookings?{query}")).await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
    }
}
