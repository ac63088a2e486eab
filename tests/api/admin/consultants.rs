//! A consultant's life as staff run it: invited, edited, deactivated with
//! their bookings, reactivated; staff invite staff.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::audit;
use crate::helpers::{
    Backend, SmtpServer, TestApp, TestClient, assert_error, mails_to, read, token_in, unique_email,
};
use crate::store_tests;

store_tests!(
    an_invited_consultant_sets_a_password_and_logs_in,
    staff_invite_staff,
    staff_edit_profiles_and_schedules,
    deactivation_hides_the_consultant_and_cancels_or_keeps_their_bookings,
);

const BASE_URL: &str = "https://app.tripdesk.example";

async fn mailing_app(backend: Backend, smtp: &SmtpServer) -> TestApp {
    TestApp::spawn_with(
        backend,
        &[("SMTP_URL", &smtp.url()), ("PUBLIC_BASE_URL", BASE_URL)],
    )
    .await
}

async fn create_consultant(staff: &TestClient, email: &str) -> Value {
    let body = json!({
        "email": email, "name": "Lucía Fernández",
        "specialties": ["Mediterranean cruises"], "languages": ["es", "en"],
        "modes": ["video", "in_person"], "bio": "Twenty years at sea.",
        "schedule": {"timezone": "Europe/Madrid", "workingHours": {"mon": ["09:00", "15:00"]},
            "bufferMinutes": 30, "minimumNoticeMinutes": 60, "bookingHorizonDays": 120},
    });
    let (status, created) = read(staff.post("/api/admin/consultants", &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["consultant"].clone()
}

async fn set_password(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.client()
        .post(
            "/api/users/set-password",
            &json!({"token": token, "password": password}),
        )
        .await
}

async fn an_invited_consultant_sets_a_password_and_logs_in(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = mailing_app(backend, &smtp).await;
    let (staff, _) = app.admin().await;
    let email = unique_email("lucia");
    let created = create_consultant(&staff, &email).await;
    assert_eq!(created["email"], email);
    assert_eq!(created["active"], true);
    assert_eq!(created["modes"], json!(["video", "in_person"]));
    assert_eq!(created["bio"], "Twenty years at sea.");
    assert_eq!(created["schedule"]["bufferMinutes"], 30);
    assert_eq!(created["workingHours"], json!({"mon": ["09:00", "15:00"]}));

    // Customers see the profile at once, without staff fields.
    let id = created["id"].as_str().unwrap();
    let (_, public) = read(app.client().get(&format!("/api/consultants/{id}")).await).await;
    assert_eq!(public["consultant"]["modes"], json!(["video", "in_person"]));
    assert!(public["consultant"].get("email").is_none());
    assert!(public["consultant"].get("active").is_none());

    // Nobody knows a password yet.
    let (status, _) = read(app.client().login(&email, "correct horse battery").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let texts = mails_to(&smtp, &email, "You are invited to tripdesk", 1).await;
    assert!(texts[0].contains("72 hours"), "{}", texts[0]);
    let token = token_in(&texts[0], &format!("{BASE_URL}/set-password"));

    // Too short a password keeps the token; then it works, once.
    let short = set_password(&app, &token, "short").await;
    assert_error(short, StatusCode::BAD_REQUEST, "invalid_password").await;
    let (status, body) = read(set_password(&app, &token, "a brand new passphrase").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reused = set_password(&app, &token, "another passphrase").await;
    assert_error(reused, StatusCode::BAD_REQUEST, "invalid_invitation_token").await;
    let junk = set_password(&app, "abc", "another passphrase").await;
    assert_error(junk, StatusCode::BAD_REQUEST, "invalid_invitation_token").await;

    let consultant = app.client();
    let (status, me) = read(consultant.login(&email, "a brand new passphrase").await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["role"], "consultant");
    assert_eq!(me["user"]["emailVerified"], true);
    let (_, schedule) = read(consultant.get("/api/consultants/me/schedule").await).await;
    assert_eq!(schedule["schedule"]["timezone"], "Europe/Madrid");

    let created_entries = audit(&staff, &format!("targetId={id}&action=consultant.created")).await;
    assert_eq!(created_entries.len(), 1);
    let user_id = me["user"]["id"].as_str().unwrap();
    let set = audit(
        &staff,
        &format!("targetId={user_id}&action=user.password_set"),
    )
    .await;
    assert_eq!(set.len(), 1);

    // A taken address, and bad fields, change nothing.
    let before = read(staff.get("/api/admin/consultants").await).await.1;
    let taken = staff
        .post(
            "/api/admin/consultants",
            &json!({"email": email.to_uppercase(), "name": "Twin", "specialties": [], "languages": []}),
        )
        .await;
    assert_error(taken, StatusCode::CONFLICT, "email_taken").await;
    for (body, code) in [
        (
            json!({"email": "x@agency.example", "name": "X", "specialties": [], "languages": [], "modes": []}),
            "invalid_modes",
        ),
        (
            json!({"email": "x@agency.example", "name": "X", "specialties": [], "languages": [], "modes": ["fax"]}),
            "invalid_modes",
        ),
        (
            json!({"email": "x@agency.example", "name": "X", "specialties": [], "languages": [], "bio": "x".repeat(1001)}),
            "invalid_bio",
        ),
        (
            json!({"email": "x@agency.example", "name": "X", "specialties": [], "languages": [], "extra": 1}),
            "unknown_field",
        ),
        (
            json!({"email": "nope", "name": "X", "specialties": [], "languages": []}),
            "invalid_email",
        ),
    ] {
        let response = staff.post("/api/admin/consultants", &body).await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
    }
    let after = read(staff.get("/api/admin/consultants").await).await.1;
    assert_eq!(before, after);
}

async fn staff_invite_staff(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = mailing_app(backend, &smtp).await;
    let (staff, _) = app.admin().await;
    let email = unique_email("new-staff");
    let invite = json!({"email": email, "name": "Noor Desk", "role": "admin"});
    let (status, created) = read(staff.post("/api/admin/users", &invite).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["user"]["role"], "admin");
    assert_eq!(created["user"]["emailVerified"], false);
    let again = staff.post("/api/admin/users", &invite).await;
    assert_error(again, StatusCode::CONFLICT, "email_taken").await;
    let customer_role = json!({"email": unique_email("x"), "name": "X", "role": "customer"});
    let refused = staff.post("/api/admin/users", &customer_role).await;
    assert_error(refused, StatusCode::BAD_REQUEST, "invalid_role").await;

    // The link lives 72 hours.
    let texts = mails_to(&smtp, &email, "You are invited to tripdesk", 1).await;
    let token = token_in(&texts[0], &format!("{BASE_URL}/set-password"));
    app.clock.advance(Duration::hours(73));
    let expired = set_password(&app, &token, "a staff passphrase").await;
    assert_error(expired, StatusCode::BAD_REQUEST, "invalid_invitation_token").await;
    let (status, _) = read(app.client().login(&email, "a staff passphrase").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn staff_edit_profiles_and_schedules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (staff, _) = app.admin().await;
    let (consultant, own) = app.consultant().await;
    let path = format!("/api/admin/consultants/{}", consultant.id);
    let changes = json!({
        "name": "Constance Consultant", "languages": ["fr"], "modes": ["phone"],
        "bio": "Islands, mostly.",
        "schedule": {"timezone": "UTC", "workingHours": {"tue": ["10:00", "12:00"]}},
    });
    let (status, body) = read(staff.patch(&path, &changes).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let edited = &body["consultant"];
    assert_eq!(edited["name"], "Constance Consultant");
    assert_eq!(edited["languages"], json!(["fr"]));
    assert_eq!(edited["specialties"], json!(["Island hopping"]), "kept");
    assert_eq!(edited["modes"], json!(["phone"]));
    assert_eq!(edited["workingHours"], json!({"tue": ["10:00", "12:00"]}));
    // The consultant sees it; the account shows the new name.
    let (_, schedule) = read(own.get("/api/consultants/me/schedule").await).await;
    assert_eq!(
        schedule["schedule"]["workingHours"],
        json!({"tue": ["10:00", "12:00"]})
    );
    let (_, me) = read(own.get("/api/users/me").await).await;
    assert_eq!(me["user"]["name"], "Constance Consultant");
    // A mode no longer offered cannot be booked.
    let (customer, _) = app.customer().await;
    let tuesday = (2..9)
        .map(|days| app.at(days, 10, 0))
        .find(|at| {
            chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .format("%a")
                .to_string()
                == "Tue"
        })
        .unwrap();
    let video = customer.book(&consultant, &tuesday, 30).await;
    assert_error(video, StatusCode::UNPROCESSABLE_ENTITY, "mode_not_offered").await;

    let updated = super::audit(
        &staff,
        &format!("targetId={}&action=consultant.updated", consultant.id),
    )
    .await;
    assert_eq!(
        updated[0]["details"]["fields"],
        json!(["name", "languages", "modes", "bio"])
    );
    let scheduled = super::audit(
        &staff,
        &format!("targetId={}&action=schedule.changed", consultant.id),
    )
    .await;
    assert_eq!(scheduled.len(), 1);

    for (body, code) in [
        (json!({"modes": []}), "invalid_modes"),
        (json!({"languages": ["x".repeat(61)]}), "invalid_consultant"),
        (
            json!({"schedule": {"timezone": "Mars/Base", "workingHours": {}}}),
            "invalid_timezone",
        ),
        (json!({"email": "new@agency.example"}), "unknown_field"),
    ] {
        assert_error(
            staff.patch(&path, &body).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }
    let unknown = staff
        .patch(
            "/api/admin/consultants/0123456789abcdef01234567",
            &json!({"bio": ""}),
        )
        .await;
    assert_error(unknown, StatusCode::NOT_FOUND, "consultant_not_found").await;
    let (_, still) = read(staff.get(&path).await).await;
    assert_eq!(still["consultant"]["modes"], json!(["phone"]));
}

async fn deactivation_hides_the_consultant_and_cancels_or_keeps_their_bookings(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = mailing_app(backend, &smtp).await;
    let (staff, _) = app.admin().await;
    let (consultant, own) = app.consultant().await;
    let (customer, user) = app.verified_customer("Ada Traveller").await;
    let customer_email = user["email"].as_str().unwrap().to_owned();
    let (status, booked) = read(customer.book(&consultant, &app.at(3, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let booking = booked["booking"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/admin/consultants/{}", consultant.id);

    let keep = json!({"cancelFutureBookings": false});
    let refused = staff.post(&format!("{path}/deactivate"), &keep).await;
    let error = assert_error(refused, StatusCode::CONFLICT, "consultant_has_bookings").await;
    assert!(
        error["detail"].as_str().unwrap().starts_with("1 "),
        "{error}"
    );
    assert_eq!(
        own.get("/api/users/me").await.status(),
        StatusCode::OK,
        "nothing changed"
    );

    let cancel = json!({"cancelFutureBookings": true, "reason": "Long-term leave"});
    let (status, body) = read(staff.post(&format!("{path}/deactivate"), &cancel).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["consultant"]["active"], false);
    let (_, cancelled) = read(customer.get(&format!("/api/bookings/{booking}")).await).await;
    assert_eq!(cancelled["booking"]["status"], "cancelled");
    assert_eq!(
        cancelled["booking"]["cancellationReason"],
        "Long-term leave"
    );
    let texts = mails_to(&smtp, &customer_email, "Booking cancelled: Azores", 1).await;
    assert!(texts[0].contains("Long-term leave"), "{}", texts[0]);

    // Hidden, logged out, locked out, unbookable.
    assert_eq!(
        own.get("/api/users/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, me) = read(staff.get(&path).await).await;
    let email = me["consultant"]["email"].as_str().unwrap().to_owned();
    let login = app.client().login(&email, crate::helpers::PASSWORD).await;
    assert_error(login, StatusCode::FORBIDDEN, "account_deactivated").await;
    let wrong = app.client().login(&email, "not the password").await;
    assert_error(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let (_, list) = read(app.client().get("/api/consultants").await).await;
    assert!(list["consultants"].as_array().unwrap().is_empty());
    let public = app
        .client()
        .get(&format!("/api/consultants/{}", consultant.id))
        .await;
    assert_error(public, StatusCode::NOT_FOUND, "consultant_not_found").await;
    let slots = app
        .client()
        .get(&format!("/api/consultants/{}/availability", consultant.id))
        .await;
    assert_error(slots, StatusCode::NOT_FOUND, "consultant_not_found").await;
    let booking_again = customer.book(&consultant, &app.at(3, 11, 0), 30).await;
    assert_error(booking_again, StatusCode::NOT_FOUND, "consultant_not_found").await;
    let (_, staff_list) = read(staff.get("/api/admin/consultants").await).await;
    assert_eq!(staff_list["consultants"][0]["active"], false);
    // Deactivating again changes nothing and succeeds.
    let (status, _) = read(staff.post(&format!("{path}/deactivate"), &keep).await).await;
    assert_eq!(status, StatusCode::OK);
    let entries = audit(
        &staff,
        &format!("targetId={}&action=consultant.deactivated", consultant.id),
    )
    .await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["details"]["reason"], "Long-term leave");
    let cancelled_by = audit(
        &staff,
        &format!("targetId={booking}&action=booking.cancelled"),
    )
    .await;
    assert_eq!(cancelled_by[0]["details"]["by"], "agency");
    assert_eq!(cancelled_by[0]["actor"]["role"], "admin");

    // Reactivated: visible, bookable, and the account logs in again.
    let (status, body) = read(staff.post_empty(&format!("{path}/reactivate")).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["consultant"]["active"], true);
    let (status, _) = read(app.client().login(&email, crate::helpers::PASSWORD).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = read(customer.book(&consultant, &app.at(3, 11, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let unknown = staff
        .post_empty("/api/admin/consultants/0123456789abcdef01234567/reactivate")
        .await;
    assert_error(unknown, StatusCode::NOT_FOUND, "consultant_not_found").await;
}
