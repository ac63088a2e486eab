//! Every booking in staff's hands: listed and filtered, booked for a
//! customer, run through the usual routes, handed to another consultant.

use futures_util::future::join;
use icalendar::Component;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::audit;
use crate::helpers::{Backend, SmtpServer, TestApp, assert_error, booking_body, read};
use crate::mail::{event, new_mails};
use crate::store_tests;

store_tests!(
    staff_list_and_filter_every_booking,
    the_front_desk_books_for_an_existing_customer,
    staff_run_any_booking_through_the_usual_routes,
    reassignment_moves_the_booking_and_tells_all_three,
    a_reassignment_racing_a_booking_of_the_same_time_has_one_winner,
);

fn ids(page: &Value) -> Vec<String> {
    page["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|booking| booking["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn staff_list_and_filter_every_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (connie, _) = app.consultant().await;
    let (other, _) = app.consultant().await;
    let (ada, ada_user) = app.customer().await;
    let (bob, _) = app.customer().await;
    let mut made = Vec::new();
    for (client, consultant, day, hour) in [
        (&ada, &connie, 2, 9),
        (&bob, &connie, 2, 10),
        (&ada, &other, 3, 9),
        (&bob, &other, 40, 9),
    ] {
        let (status, body) = read(client.book(consultant, &app.at(day, hour, 0), 30).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        made.push(body["booking"]["id"].as_str().unwrap().to_owned());
    }
    let (_, all) = read(staff.get("/api/admin/bookings").await).await;
    assert_eq!(ids(&all), made, "every booking, by start");
    let (_, theirs) = read(
        staff
            .get(&format!("/api/admin/bookings?consultantId={}", connie.id))
            .await,
    )
    .await;
    assert_eq!(ids(&theirs), made[..2]);
    let email = ada_user["email"].as_str().unwrap().to_uppercase();
    let (_, hers) = read(
        staff
            .get(&format!("/api/admin/bookings?customerEmail={email}"))
            .await,
    )
    .await;
    assert_eq!(ids(&hers), [made[0].clone(), made[2].clone()]);
    let (to, from) = (app.at(4, 0, 0), app.at(3, 0, 0));
    let window = format!(
        "/api/admin/bookings?consultantId={}&from={from}&to={to}",
        other.id
    );
    let (_, in_window) = read(staff.get(&window).await).await;
    assert_eq!(ids(&in_window), [made[2].clone()]);
    let (_, nobody) = read(
        staff
            .get("/api/admin/bookings?customerEmail=nobody@example.com")
            .await,
    )
    .await;
    assert_eq!(nobody, json!({"bookings": [], "nextCursor": null}));
    // Page by page, in the same order.
    let (_, first) = read(staff.get("/api/admin/bookings?limit=3").await).await;
    let cursor = first["nextCursor"].as_str().unwrap();
    let (_, second) = read(
        staff
            .get(&format!("/api/admin/bookings?limit=3&cursor={cursor}"))
            .await,
    )
    .await;
    assert_eq!([ids(&first), ids(&second)].concat(), made);
    assert_eq!(second["nextCursor"], Value::Null);
    // Staff also see them all through /api/bookings.
    let (_, usual) = read(staff.get("/api/bookings").await).await;
    assert_eq!(ids(&usual), made);

    for (query, code) in [
        ("consultantId=nope", "invalid_consultant_id"),
        ("customerEmail=not-an-address", "invalid_email"),
        ("status=done", "invalid_status"),
        ("limit=0", "invalid_limit"),
        ("cursor=junk", "invalid_cursor"),
    ] {
        let response = staff.get(&format!("/api/admin/bookings?{query}")).await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
    }
}

async fn the_front_desk_books_for_an_existing_customer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, staff_user) = app.admin().await;
    let (connie, own) = app.consultant().await;
    let (ada, ada_user) = app.customer().await;
    let with_customer = |email: &str, starts_at: &str| {
        let mut body = booking_body(&connie, starts_at, 60);
        body["customerEmail"] = json!(email);
        body
    };
    let email = ada_user["email"].as_str().unwrap();
    let (status, booked) = read(
        staff
            .post(
                "/api/admin/bookings",
                &with_customer(email, &app.at(2, 10, 0)),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["booking"]["customerId"], ada_user["id"]);
    assert_eq!(booked["booking"]["status"], "pending");
    let id = booked["booking"]["id"].as_str().unwrap();
    // The customer has it; the log says staff made it.
    let (status, _) = read(ada.get(&format!("/api/bookings/{id}")).await).await;
    assert_eq!(status, StatusCode::OK);
    let created = audit(&staff, &format!("targetId={id}&action=booking.created")).await;
    assert_eq!(created[0]["actor"]["id"], staff_user["id"]);
    assert_eq!(created[0]["actor"]["role"], "admin");

    // Same rules as for the customer; nothing is made when refused.
    let taken = staff
        .post(
            "/api/admin/bookings",
            &with_customer(email, &app.at(2, 10, 30)),
        )
        .await;
    assert_error(taken, StatusCode::CONFLICT, "slot_unavailable").await;
    let late = staff
        .post(
            "/api/admin/bookings",
            &with_customer(email, &app.at(2, 21, 0)),
        )
        .await;
    assert_error(
        late,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_working_hours",
    )
    .await;
    let unknown = staff
        .post(
            "/api/admin/bookings",
            &with_customer("nobody@example.com", &app.at(2, 14, 0)),
        )
        .await;
    assert_error(unknown, StatusCode::NOT_FOUND, "customer_not_found").await;
    let (_, consultant_me) = read(own.get("/api/users/me").await).await;
    let consultant_email = consultant_me["user"]["email"].as_str().unwrap();
    let not_a_customer = staff
        .post(
            "/api/admin/bookings",
            &with_customer(consultant_email, &app.at(2, 14, 0)),
        )
        .await;
    assert_error(not_a_customer, StatusCode::NOT_FOUND, "customer_not_found").await;
    let bad = staff
        .post(
            "/api/admin/bookings",
            &with_customer("not an address", &app.at(2, 14, 0)),
        )
        .await;
    let error = assert_error(bad, StatusCode::BAD_REQUEST, "invalid_email").await;
    assert_eq!(error["field"], "customerEmail");
    let (_, listed) = read(staff.get("/api/admin/bookings").await).await;
    assert_eq!(ids(&listed), [id.to_owned()]);
}

async fn staff_run_any_booking_through_the_usual_routes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (connie, _) = app.consultant().await;
    let (ada, _) = app.customer().await;
    let (_, booked) = read(ada.book(&connie, &app.at(2, 10, 0), 30).await).await;
    let id = booked["booking"]["id"].as_str().unwrap();
    let path = format!("/api/bookings/{id}");
    let (status, seen) = read(staff.get(&path).await).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let (status, confirmed) = read(staff.post_empty(&format!("{path}/confirm")).await).await;
    assert_eq!(
        (status, confirmed["booking"]["status"].as_str()),
        (StatusCode::OK, Some("confirmed"))
    );
    let moved_to = app.at(2, 12, 0);
    let (status, moved) = read(staff.patch(&path, &json!({"startsAt": moved_to})).await).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["booking"]["startsAt"], moved_to);
    let (status, _) = read(
        staff
            .post(
                &format!("{path}/cancel"),
                &json!({"reason": "Customer phoned"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let history = read(staff.get(&format!("{path}/history")).await).await.1;
    let actions: Vec<&str> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "booking.created",
            "booking.confirmed",
            "booking.rescheduled",
            "booking.cancelled"
        ]
    );
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(
        entries[2]["details"]["fromStartsAt"],
        booked["booking"]["startsAt"]
    );
    assert_eq!(entries[2]["details"]["toStartsAt"], moved_to);
    assert_eq!(entries[3]["details"]["reason"], "Customer phoned");
    assert_eq!(entries[3]["details"]["by"], "agency");
}

async fn reassignment_moves_the_booking_and_tells_all_three(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(
        backend,
        &[
            ("SMTP_URL", &smtp.url()),
            ("PUBLIC_BASE_URL", "https://app.tripdesk.example"),
        ],
    )
    .await;
    let (staff, _) = app.admin().await;
    let (connie, connie_client) = app.consultant().await;
    let (kenji, kenji_client) = app.consultant().await;
    let (ada, ada_user) = app.verified_customer("Ada Traveller").await;
    let (_, booked) = read(ada.book(&connie, &app.at(3, 10, 0), 60).await).await;
    let id = booked["booking"]["id"].as_str().unwrap().to_owned();
    new_mails(&smtp, 0, 2).await;

    let reassign = format!("/api/admin/bookings/{id}/reassign");
    let (status, body) = read(
        staff
            .post(&reassign, &json!({"consultantId": kenji.id.to_string()}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["booking"]["consultantId"], kenji.id.to_string());
    assert_eq!(body["booking"]["startsAt"], booked["booking"]["startsAt"]);

    let email_of = |user: &Value| user["email"].as_str().unwrap().to_owned();
    let connie_email = email_of(&read(connie_client.get("/api/users/me").await).await.1["user"]);
    let kenji_email = email_of(&read(kenji_client.get("/api/users/me").await).await.1["user"]);
    let mails = new_mails(&smtp, 2, 3).await;
    let to = |email: &str| mails.iter().find(|mail| mail.to == email).unwrap();
    let uid = format!("{id}@app.tripdesk.example");
    let former = to(&connie_email);
    assert_eq!(former.method, "CANCEL");
    assert_eq!(event(former).property_value("STATUS"), Some("CANCELLED"));
    for mail in [to(&kenji_email), to(&email_of(&ada_user))] {
        assert_eq!(mail.method, "REQUEST", "{}", mail.to);
    }
    for mail in &mails {
        assert_eq!(event(mail).get_uid(), Some(uid.as_str()));
        assert_eq!(
            event(mail).get_sequence(),
            Some(2),
            "higher than the first invite's 1"
        );
    }

    // The new consultant runs it; the former one no longer sees it.
    let path = format!("/api/bookings/{id}");
    assert_eq!(kenji_client.get(&path).await.status(), StatusCode::OK);
    assert_eq!(
        connie_client.get(&path).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, history) = read(kenji_client.get(&format!("{path}/history")).await).await;
    let last = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|entry| entry["action"] == "booking.reassigned")
        .unwrap();
    assert_eq!(last["details"]["fromConsultantId"], connie.id.to_string());
    assert_eq!(last["details"]["toConsultantId"], kenji.id.to_string());
    // The customer sees the booking but not its history.
    assert_error(
        ada.get(&format!("{path}/history")).await,
        StatusCode::NOT_FOUND,
        "booking_not_found",
    )
    .await;

    // Refusals change nothing.
    let (_, taken) = read(ada.book(&connie, &app.at(4, 10, 0), 30).await).await;
    let other_id = taken["booking"]["id"].as_str().unwrap();
    let (_, _) = read(ada.book(&kenji, &app.at(4, 10, 0), 30).await).await;
    let busy = staff
        .post(
            &format!("/api/admin/bookings/{other_id}/reassign"),
            &json!({"consultantId": kenji.id.to_string()}),
        )
        .await;
    assert_error(busy, StatusCode::CONFLICT, "slot_unavailable").await;
    let unknown = staff
        .post(
            &reassign,
            &json!({"consultantId": "0123456789abcdef01234567"}),
        )
        .await;
    assert_error(unknown, StatusCode::NOT_FOUND, "consultant_not_found").await;
    let no_booking = staff
        .post(
            "/api/admin/bookings/0123456789abcdef01234567/reassign",
            &json!({"consultantId": kenji.id.to_string()}),
        )
        .await;
    assert_error(no_booking, StatusCode::NOT_FOUND, "booking_not_found").await;
    assert_eq!(
        ada.post(&format!("{path}/cancel"), &json!({}))
            .await
            .status(),
        StatusCode::OK
    );
    let closed = staff
        .post(&reassign, &json!({"consultantId": connie.id.to_string()}))
        .await;
    assert_error(closed, StatusCode::CONFLICT, "booking_closed").await;
    let (_, still) = read(staff.get(&format!("/api/bookings/{other_id}")).await).await;
    assert_eq!(still["booking"]["consultantId"], connie.id.to_string());
}

async fn a_reassignment_racing_a_booking_of_the_same_time_has_one_winner(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("MAX_LIVE_BOOKINGS_PER_CUSTOMER", "100")]).await;
    let (staff, _) = app.admin().await;
    let (connie, _) = app.consultant().await;
    let (kenji, _) = app.consultant().await;
    let (ada, _) = app.customer().await;
    let (bob, _) = app.customer().await;
    for day in 2..14 {
        let starts_at = app.at(day, 10, 0);
        let (_, booked) = read(ada.book(&connie, &starts_at, 60).await).await;
        let id = booked["booking"]["id"].as_str().unwrap().to_owned();
        let reassign = format!("/api/admin/bookings/{id}/reassign");
        let body = json!({"consultantId": kenji.id.to_string()});
        let (moved, booked) = join(
            staff.post(&reassign, &body),
            bob.book(&kenji, &starts_at, 30),
        )
        .await;
        let outcomes = (moved.status(), booked.status());
        assert!(
            outcomes == (StatusCode::OK, StatusCode::CONFLICT)
                || outcomes == (StatusCode::CONFLICT, StatusCode::CREATED),
            "day {day}: {outcomes:?}"
        );
        // What was answered is what stands: Kenji holds exactly one live
        // booking that day, and Ada's is where the answer said.
        let day_query = format!(
            "/api/admin/bookings?consultantId={}&from={}&to={}",
            kenji.id,
            app.at(day, 0, 0),
            app.at(day + 1, 0, 0)
        );
        let (_, kenjis) = read(staff.get(&day_query).await).await;
        let live: Vec<&Value> = kenjis["bookings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|booking| booking["status"] != "cancelled")
            .collect();
        assert_eq!(live.len(), 1, "day {day}: {kenjis}");
        let (_, adas) = read(staff.get(&format!("/api/bookings/{id}")).await).await;
        let expected = if outcomes.0 == StatusCode::OK {
            kenji.id
        } else {
            connie.id
        };
        assert_eq!(
            adas["booking"]["consultantId"],
            expected.to_string(),
            "day {day}"
        );
    }
}
