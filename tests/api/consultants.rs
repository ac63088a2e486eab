//! Consultants, demo data, and availability.

use reqwest::StatusCode;
use serde_json::json;
use tripdesk::domain::Clock;
use tripdesk::hashing::PasswordHasher;
use tripdesk::seed::seed_demo_data;

use crate::helpers::{Backend, TestApp, assert_error, read};
use crate::store_tests;

store_tests!(
    demo_data_is_seeded_once_and_its_accounts_log_in,
    consultants_are_public_and_well_formed,
    unknown_or_malformed_consultant_ids_are_404,
    availability_lists_future_free_slots_only,
    availability_follows_the_consultants_time_zone,
    availability_rejects_bad_parameters,
);

async fn demo_data_is_seeded_once_and_its_accounts_log_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let hasher = PasswordHasher::new(2).unwrap();
    let accounts = seed_demo_data(app.store.as_ref(), &hasher, app.clock.now())
        .await
        .unwrap();
    assert_eq!(accounts.len(), 6, "five consultants and one admin");
    assert!(
        seed_demo_data(app.store.as_ref(), &hasher, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );

    let (status, body) = read(app.client().get("/api/consultants").await).await;
    assert_eq!(status, StatusCode::OK);
    let consultants = body["consultants"].as_array().unwrap();
    assert_eq!(consultants.len(), 5);
    let zones: std::collections::HashSet<_> = consultants
        .iter()
        .map(|c| c["timezone"].as_str().unwrap())
        .collect();
    assert_eq!(zones.len(), 5, "varied time zones");

    let client = app.client();
    let (status, body) = read(
        client
            .login(&accounts[0].email, &accounts[0].password)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["role"], "consultant");
    let admin = &accounts[5];
    let staff = app.client();
    let (status, body) = read(staff.login(&admin.email, &admin.password).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["emailVerified"], true);
    let (status, _) = read(staff.get("/api/admin/consultants").await).await;
    assert_eq!(status, StatusCode::OK);

    // Realistic rules, and one holiday coming up.
    let profiles = app.store.list_consultants().await.unwrap();
    assert!(profiles.iter().any(|c| c.rules.buffer().minutes() > 0));
    let notices: std::collections::HashSet<_> = profiles
        .iter()
        .map(|c| c.rules.minimum_notice_minutes())
        .collect();
    assert!(notices.len() > 1, "varied notice");
    let holidays: Vec<_> = profiles.iter().flat_map(|c| &c.time_off).collect();
    assert_eq!(holidays.len(), 1);
    assert!(holidays[0].starts_at > app.clock.now());
    let (_, schedule) = read(client.get("/api/consultants/me/schedule").await).await;
    assert!(schedule["schedule"]["minimumNoticeMinutes"].is_u64());
}

async fn consultants_are_public_and_well_formed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app
        .consultant_with("Asia/Tokyo", "mon-fri=10:00-18:00,sat=10:00-14:00")
        .await;
    let (status, body) = read(
        app.client()
            .get(&format!("/api/consultants/{}", consultant.id))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"consultant": {
            "id": consultant.id.to_string(),
            "name": "Connie Consultant",
            "specialties": ["Island hopping"],
            "languages": ["en"],
            "timezone": "Asia/Tokyo",
            "workingHours": {
                "mon": ["10:00", "18:00"], "tue": ["10:00", "18:00"], "wed": ["10:00", "18:00"],
                "thu": ["10:00", "18:00"], "fri": ["10:00", "18:00"], "sat": ["10:00", "14:00"],
            },
            "modes": ["video", "phone", "in_person"],
            "bio": "",
            "cancellationNoticeMinutes": 0,
        }})
    );
    let (_, list) = read(app.client().get("/api/consultants").await).await;
    assert_eq!(list["consultants"][0], body["consultant"]);
}

async fn unknown_or_malformed_consultant_ids_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for id in ["6b03ed4bb8702cb5d37340e4", "not-an-id", "%24where", "0"] {
        for suffix in ["", "/availability"] {
            let response = app
                .client()
                .get(&format!("/api/consultants/{id}{suffix}"))
                .await;
            assert_error(response, StatusCode::NOT_FOUND, "consultant_not_found").await;
        }
    }
}

async fn availability_lists_future_free_slots_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant_with("UTC", "mon-sun=09:00-12:00").await;
    let (customer, _) = app.customer().await;
    let tomorrow = app.at(1, 0, 0)[..10].to_owned();
    let path = format!(
        "/api/consultants/{}/availability?from={tomorrow}&days=1",
        consultant.id
    );

    let (status, body) = read(app.client().get(&path).await).await;
    assert_eq!(status, StatusCode::OK);
    let starts: Vec<_> = body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["startsAt"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(starts.len(), 6);
    assert_eq!(starts[0], app.at(1, 9, 0));
    assert_eq!(body["slots"][0]["endsAt"], app.at(1, 9, 30));

    // A 60-minute booking takes two slots away; cancelling gives them
    // back, and booking again takes them again.
    let (status, booked) = read(customer.book(&consultant, &app.at(1, 10, 0), 60).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, body) = read(app.client().get(&path).await).await;
    assert_eq!(body["slots"].as_array().unwrap().len(), 4);
    let cancel = format!(
        "/api/bookings/{}/cancel",
        booked["booking"]["id"].as_str().unwrap()
    );
    assert_eq!(customer.post_empty(&cancel).await.status(), StatusCode::OK);
    let (_, body) = read(app.client().get(&path).await).await;
    assert_eq!(body["slots"].as_array().unwrap().len(), 6);
    let (status, _) = read(customer.book(&consultant, &app.at(1, 10, 0), 60).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, body) = read(app.client().get(&path).await).await;
    let starts: Vec<_> = body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["startsAt"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        starts,
        [
            app.at(1, 9, 0),
            app.at(1, 9, 30),
            app.at(1, 11, 0),
            app.at(1, 11, 30)
        ]
    );

    // At 09:15 that day, the slots that have started are gone too, and so
    // are those within the default two hours' notice.
    let later = chrono::DateTime::parse_from_rfc3339(&app.at(1, 9, 15))
        .unwrap()
        .to_utc();
    app.clock.advance(later - app.clock.now());
    let (_, body) = read(app.client().get(&path).await).await;
    let starts: Vec<_> = body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["startsAt"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(starts, [app.at(0, 11, 30)]);
}

async fn availability_follows_the_consultants_time_zone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // 09:00–10:00 in Kathmandu (UTC+05:45) is 03:15–04:15 UTC: one grid slot.
    let (consultant, _) = app
        .consultant_with("Asia/Kathmandu", "mon-sun=09:00-10:00")
        .await;
    let day = app.at(3, 0, 0)[..10].to_owned();
    let path = format!(
        "/api/consultants/{}/availability?from={day}&days=2",
        consultant.id
    );
    let (_, body) = read(app.client().get(&path).await).await;
    let starts: Vec<_> = body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["startsAt"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(starts, [app.at(3, 3, 30), app.at(4, 3, 30)]);
}

async fn availability_rejects_bad_parameters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, _) = app.consultant().await;
    for (query, code) in [
        ("from=tomorrow", "invalid_from"),
        ("from=2027-02-30", "invalid_from"),
        ("days=0", "invalid_days"),
        ("days=32", "invalid_days"),
        ("days=1.5", "invalid_days"),
    ] {
        let response = app
            .client()
            .get(&format!(
                "/api/consultants/{}/availability?{query}",
                consultant.id
            ))
            .await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
    }
    let (status, body) = read(
        app.client()
            .get(&format!("/api/consultants/{}/availability", consultant.id))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Default: 7 days of 08:00–20:00, minus whatever of today has passed.
    let slots = body["slots"].as_array().unwrap().len();
    assert!((6 * 24..=7 * 24).contains(&slots), "{slots}");
}
