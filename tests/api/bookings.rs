//! Bookings: the customer journey, validation, and who may see what.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, booking_body, read};
use crate::store_tests;

store_tests!(
    a_customer_books_reschedules_cancels_and_logs_out,
    every_validation_rule_rejects_with_its_code,
    unknown_or_malformed_consultants_are_404,
    other_customers_never_see_a_booking,
    consultants_see_and_confirm_only_their_own_bookings,
    only_the_customer_changes_a_booking,
);

async fn a_customer_books_reschedules_cancels_and_logs_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, user) = app.customer().await;

    let response = customer.book(&consultant, &app.at(2, 10, 0), 60).await;
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let booking = body["booking"].clone();
    let id = booking["id"].as_str().unwrap().to_owned();
    assert_eq!(location, Some(format!("/api/bookings/{id}")));
    assert_eq!(
        booking,
        json!({
            "id": id,
            "customerId": user["id"],
            "consultantId": consultant.id.to_string(),
            "startsAt": app.at(2, 10, 0),
            "endsAt": app.at(2, 11, 0),
            "durationMinutes": 60,
            "mode": "video",
            "destination": "Azores",
            "travelers": 2,
            "notes": "Whale watching, please",
            "status": "pending",
            "cancellationReason": null,
            "createdAt": booking["createdAt"],
            "updatedAt": booking["createdAt"],
        })
    );

    let (status, list) = read(customer.get("/api/bookings").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!({"bookings": [booking], "nextCursor": null}));
    let (_, one) = read(customer.get(&format!("/api/bookings/{id}")).await).await;
    assert_eq!(one["booking"], booking);

    let patch = json!({"startsAt": app.at(2, 14, 30), "durationMinutes": 90, "travelers": 4, "mode": "in_person"});
    let (status, body) = read(customer.patch(&format!("/api/bookings/{id}"), &patch).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let moved = &body["booking"];
    assert_eq!(
        (moved["startsAt"].as_str(), moved["endsAt"].as_str()),
        (Some(&*app.at(2, 14, 30)), Some(&*app.at(2, 16, 0)))
    );
    assert_eq!(
        (moved["travelers"].as_i64(), moved["mode"].as_str()),
        (Some(4), Some("in_person"))
    );
    assert_eq!(moved["destination"], "Azores");

    let (status, body) = read(
        customer
            .post(
                &format!("/api/bookings/{id}/cancel"),
                &json!({"reason": "Found a cheaper cruise"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["booking"]["status"], "cancelled");
    assert_eq!(
        body["booking"]["cancellationReason"],
        "Found a cheaper cruise"
    );

    assert_eq!(
        customer.post_empty("/api/users/logout").await.status(),
        StatusCode::OK
    );
    assert_error(
        customer.get("/api/bookings").await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

async fn every_validation_rule_rejects_with_its_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let valid = booking_body(&consultant, &app.at(2, 10, 0), 30);
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    let cases = [
        (
            with("startsAt", json!("next tuesday")),
            400,
            "invalid_starts_at",
            "startsAt",
        ),
        (
            with("startsAt", json!(1_800_000_000)),
            400,
            "invalid_type",
            "startsAt",
        ),
        (
            with("durationMinutes", json!(45)),
            400,
            "invalid_duration",
            "durationMinutes",
        ),
        (
            with("durationMinutes", json!(120)),
            400,
            "invalid_duration",
            "durationMinutes",
        ),
        (
            with("durationMinutes", json!("30")),
            400,
            "invalid_type",
            "durationMinutes",
        ),
        (
            with("mode", json!("carrier pigeon")),
            400,
            "invalid_mode",
            "mode",
        ),
        (
            with("travelers", json!(0)),
            400,
            "invalid_travelers",
            "travelers",
        ),
        (
            with("travelers", json!(21)),
            400,
            "invalid_travelers",
            "travelers",
        ),
        (
            with("travelers", json!(2.5)),
            400,
            "invalid_type",
            "travelers",
        ),
        (
            with("destination", json!("  ")),
            400,
            "invalid_destination",
            "destination",
        ),
        (
            with("destination", json!("d".repeat(121))),
            400,
            "invalid_destination",
            "destination",
        ),
        (
            with("notes", json!("n".repeat(2001))),
            400,
            "invalid_notes",
            "notes",
        ),
        (
            with("consultantId", json!({"$ne": null})),
            400,
            "invalid_type",
            "consultantId",
        ),
        (
            with("status", json!("confirmed")),
            400,
            "unknown_field",
            "status",
        ),
        (without("destination"), 400, "missing_field", "destination"),
        (
            with("startsAt", json!(app.at(2, 10, 15))),
            422,
            "not_on_slot_boundary",
            "startsAt",
        ),
        (
            with("startsAt", json!(app.at(-1, 10, 0))),
            422,
            "starts_in_past",
            "startsAt",
        ),
        (
            with("startsAt", json!(app.at(2, 7, 30))),
            422,
            "outside_working_hours",
            "startsAt",
        ),
        (
            with("startsAt", json!(app.at(2, 20, 0))),
            422,
            "outside_working_hours",
            "startsAt",
        ),
        (
            json!({"startsAt": app.at(2, 19, 30), "durationMinutes": 60, "consultantId": consultant.id.to_string(),
                "mode": "phone", "destination": "Oslo", "travelers": 1}),
            422,
            "outside_working_hours",
            "startsAt",
        ),
    ];
    for (body, status, code, field) in cases {
        let response = customer.post("/api/bookings", &body).await;
        let error = assert_error(response, StatusCode::from_u16(status).unwrap(), code).await;
        assert_eq!(error["field"], field, "{body}");
    }
    let (_, list) = read(customer.get("/api/bookings").await).await;
    assert_eq!(
        list["bookings"],
        json!([]),
        "no rejected request created anything"
    );

    // Notes are optional; times with an offset are read as the instant they name.
    let mut minimal = without("notes");
    minimal["startsAt"] = json!(app.at(2, 10, 0).replace('Z', "+00:00"));
    let (status, body) = read(customer.post("/api/bookings", &minimal).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["booking"]["notes"], "");
    assert_eq!(body["booking"]["startsAt"], app.at(2, 10, 0));
}

async fn unknown_or_malformed_consultants_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (customer, _) = app.customer().await;
    for id in ["6b03ed4bb8702cb5d37340e4", "nope"] {
        let mut body = booking_body(&consultant, &app.at(2, 10, 0), 30);
        body["consultantId"] = json!(id);
        let error = assert_error(
            customer.post("/api/bookings", &body).await,
            StatusCode::NOT_FOUND,
            "consultant_not_found",
        )
        .await;
        assert_eq!(error["field"], "consultantId");
    }
}

async fn other_customers_never_see_a_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    let (alice, _) = app.customer().await;
    let (mallory, _) = app.customer().await;
    let (_, body) = read(alice.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let id = body["booking"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/bookings/{id}");

    assert_error(
        mallory.get(&path).await,
        StatusCode::NOT_FOUND,
        "booking_not_found",
    )
    .await;
    let response = mallory.patch(&path, &json!({"travelers": 9})).await;
    assert_error(response, StatusCode::NOT_FOUND, "booking_not_found").await;
    let response = mallory.post_empty(&format!("{path}/cancel")).await;
    assert_error(response, StatusCode::NOT_FOUND, "booking_not_found").await;
    let response = mallory.post_empty(&format!("{path}/confirm")).await;
    assert_error(response, StatusCode::NOT_FOUND, "booking_not_found").await;
    let (_, list) = read(mallory.get("/api/bookings").await).await;
    assert_eq!(list["bookings"], json!([]));
    // Malformed ids behave like unknown ones.
    assert_error(
        mallory.get("/api/bookings/%7B%22$gt%22:%22%22%7D").await,
        StatusCode::NOT_FOUND,
        "booking_not_found",
    )
    .await;

    // Nothing Mallory tried changed Alice's booking.
    let (_, mine) = read(alice.get(&path).await).await;
    assert_eq!(
        (
            mine["booking"]["status"].as_str(),
            mine["booking"]["travelers"].as_i64()
        ),
        (Some("pending"), Some(2))
    );
}

async fn consultants_see_and_confirm_only_their_own_bookings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (connie, connie_client) = app.consultant().await;
    let (other, other_client) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let (_, with_connie) = read(customer.book(&connie, &app.at(2, 10, 0), 30).await).await;
    let (_, with_other) = read(customer.book(&other, &app.at(2, 10, 0), 30).await).await;
    let connie_booking = with_connie["booking"]["id"].as_str().unwrap().to_owned();
    let other_booking = with_other["booking"]["id"].as_str().unwrap().to_owned();

    let (_, list) = read(connie_client.get("/api/bookings").await).await;
    let ids: Vec<_> = list["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [connie_booking.as_str()]);

    let confirm = |id: &str| format!("/api/bookings/{id}/confirm");
    assert_error(
        customer.post_empty(&confirm(&connie_booking)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_error(
        other_client.post_empty(&confirm(&connie_booking)).await,
        StatusCode::NOT_FOUND,
        "booking_not_found",
    )
    .await;
    let (status, body) = read(connie_client.post_empty(&confirm(&connie_booking)).await).await;
    assert_eq!(
        (status, body["booking"]["status"].as_str()),
        (StatusCode::OK, Some("confirmed"))
    );
    // Confirming again is harmless.
    let (status, again) = read(connie_client.post_empty(&confirm(&connie_booking)).await).await;
    assert_eq!(
        (status, &again["booking"]),
        (StatusCode::OK, &body["booking"])
    );
    assert_error(
        connie_client.post_empty(&confirm(&other_booking)).await,
        StatusCode::NOT_FOUND,
        "booking_not_found",
    )
    .await;

    // The customer sees the confirmation; the consultant can cancel too.
    let (_, seen) = read(
        customer
            .get(&format!("/api/bookings/{connie_booking}"))
            .await,
    )
    .await;
    assert_eq!(seen["booking"]["status"], "confirmed");
    let (status, cancelled) = read(
        connie_client
            .post_empty(&format!("/api/bookings/{connie_booking}/cancel"))
            .await,
    )
    .await;
    assert_eq!(
        (status, cancelled["booking"]["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    assert_error(
        connie_client.post_empty(&confirm(&connie_booking)).await,
        StatusCode::CONFLICT,
        "booking_closed",
    )
    .await;
}

async fn only_the_customer_changes_a_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, consultant_client) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let (_, body) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    let path = format!("/api/bookings/{}", body["booking"]["id"].as_str().unwrap());
    let response = consultant_client
        .patch(&path, &json!({"notes": "changed by the consultant"}))
        .await;
    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let (_, unchanged) = read(customer.get(&path).await).await;
    assert_eq!(unchanged["booking"]["notes"], "Whale watching, please");
    assert_error(
        customer.patch(&path, &json!({})).await,
        StatusCode::BAD_REQUEST,
        "empty_patch",
    )
    .await;
    let response = customer.patch(&path, &json!({"travelers": 0})).await;
    assert_error(response, StatusCode::BAD_REQUEST, "invalid_travelers").await;
}
