//! Consultants run their own calendar: schedule, time off, buffer, notice,
//! horizon, and the calendar feed.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use futures_util::future::join_all;
use icalendar::{Calendar, Component};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tripdesk::domain::{Clock, Consultant};

use crate::helpers::{Backend, TestApp, TestClient, assert_error, read};
use crate::store_tests;

store_tests!(
    the_schedule_has_the_contract_defaults_and_a_put_replaces_it,
    bad_schedules_are_refused_and_change_nothing,
    only_consultants_manage_a_calendar,
    time_off_across_midnight_and_a_month_blocks_bookings_until_removed,
    time_off_over_live_bookings_is_refused_with_their_count,
    notice_and_horizon_bound_bookings_moves_and_availability,
    the_buffer_keeps_bookings_apart,
    racing_bookings_of_adjacent_slots_respect_the_buffer,
    a_dst_day_in_the_consultants_zone,
    the_calendar_feed_serves_live_bookings_to_its_current_secret_only,
);

const BASE_URL: &str = "https://app.tripdesk.example";

async fn put_schedule(client: &TestClient, schedule: &Value) -> reqwest::Response {
    client
        .send_json(Method::PUT, "/api/consultants/me/schedule", schedule)
        .await
}

/// Sets the schedule (every day 00:00–23:30 in `timezone`, and these
/// rules) and checks it was taken.
async fn set_rules(client: &TestClient, timezone: &str, buffer: i64, notice: i64, horizon: i64) {
    let every_day: serde_json::Map<String, Value> =
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|day| (day.to_string(), json!(["00:00", "23:30"])))
            .collect();
    let schedule = json!({
        "timezone": timezone, "workingHours": every_day, "bufferMinutes": buffer,
        "minimumNoticeMinutes": notice, "bookingHorizonDays": horizon,
    });
    let (status, body) = read(put_schedule(client, &schedule).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// `startsAt` of the free slots of `consultant` on `day` (YYYY-MM-DD).
async fn free_on(app: &TestApp, consultant: &Consultant, day: &str) -> Vec<String> {
    let path = format!(
        "/api/consultants/{}/availability?from={day}&days=1",
        consultant.id
    );
    let (status, body) = read(app.client().get(&path).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| slot["startsAt"].as_str().unwrap().to_owned())
        .collect()
}

async fn add_time_off(client: &TestClient, from: &str, to: &str) -> reqwest::Response {
    client
        .post(
            "/api/consultants/me/time-off",
            &json!({"startsAt": from, "endsAt": to, "reason": "Holiday"}),
        )
        .await
}

async fn the_schedule_has_the_contract_defaults_and_a_put_replaces_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, client) = app.consultant_with("UTC", "mon-fri=09:00-17:00").await;
    let (status, body) = read(client.get("/api/consultants/me/schedule").await).await;
    assert_eq!(status, StatusCode::OK);
    let weekday = json!(["09:00", "17:00"]);
    assert_eq!(
        body["schedule"],
        json!({"timezone": "UTC", "workingHours": {"mon": weekday, "tue": weekday,
            "wed": weekday, "thu": weekday, "fri": weekday},
            "bufferMinutes": 0, "minimumNoticeMinutes": 120, "bookingHorizonDays": 90,
            "cancellationNoticeMinutes": 0})
    );

    // A booking made before the change is kept, even outside the new hours.
    let (customer, _) = app.customer().await;
    let day = next(&app, Weekday::Wed);
    let starts_at = format!("{day}T10:00:00Z");
    let (status, booked) = read(customer.book(&consultant, &starts_at, 60).await).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");

    let new = json!({"timezone": "America/New_York",
        "workingHours": {"sat": ["10:00", "14:30"]}, "bufferMinutes": 60,
        "minimumNoticeMinutes": 0, "bookingHorizonDays": 365, "cancellationNoticeMinutes": 120});
    let (status, body) = read(put_schedule(&client, &new).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["schedule"], new);
    let (_, body) = read(client.get("/api/consultants/me/schedule").await).await;
    assert_eq!(body["schedule"], new);
    let (_, public) = read(
        app.client()
            .get(&format!("/api/consultants/{}", consultant.id))
            .await,
    )
    .await;
    assert_eq!(public["consultant"]["timezone"], "America/New_York");
    assert_eq!(
        public["consultant"]["workingHours"],
        json!({"sat": ["10:00", "14:30"]})
    );
    let id = booked["booking"]["id"].as_str().unwrap();
    let (_, kept) = read(customer.get(&format!("/api/bookings/{id}")).await).await;
    assert_eq!(kept["booking"], booked["booking"]);

    // The rules may be left out: the defaults apply.
    let short = json!({"timezone": "UTC", "workingHours": {"mon": ["09:00", "17:00"]}});
    let (_, body) = read(put_schedule(&client, &short).await).await;
    assert_eq!(body["schedule"]["minimumNoticeMinutes"], 120);
    assert_eq!(body["schedule"]["bookingHorizonDays"], 90);
    assert_eq!(body["schedule"]["bufferMinutes"], 0);
}

async fn bad_schedules_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, client) = app.consultant().await;
    let (_, before) = read(client.get("/api/consultants/me/schedule").await).await;
    let good = || json!({"timezone": "UTC", "workingHours": {"mon": ["09:00", "17:00"]}});
    let with = |key: &str, value: Value| {
        let mut body = good();
        body[key] = value;
        body
    };
    for (body, code) in [
        (with("timezone", json!("Mars/Olympus")), "invalid_timezone"),
        (
            with("workingHours", json!({"mon": ["17:00", "09:00"]})),
            "invalid_working_hours",
        ),
        (
            with("workingHours", json!({"mon": ["09:15", "17:00"]})),
            "invalid_working_hours",
        ),
        (
            with("workingHours", json!({"funday": ["09:00", "17:00"]})),
            "invalid_working_hours",
        ),
        (
            with("workingHours", json!({"mon": ["9am", "5pm"]})),
            "invalid_working_hours",
        ),
        (with("bufferMinutes", json!(45)), "invalid_buffer"),
        (
            with("minimumNoticeMinutes", json!(10_081)),
            "invalid_notice",
        ),
        (with("minimumNoticeMinutes", json!(-1)), "invalid_notice"),
        (with("bookingHorizonDays", json!(0)), "invalid_horizon"),
        (with("bookingHorizonDays", json!(366)), "invalid_horizon"),
        (with("colour", json!("blue")), "unknown_field"),
    ] {
        let response = put_schedule(&client, &body).await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
    }
    let (_, after) = read(client.get("/api/consultants/me/schedule").await).await;
    assert_eq!(before, after);
}

async fn only_consultants_manage_a_calendar(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (customer, _) = app.customer().await;
    let anonymous = app.client();
    let schedule = json!({"timezone": "UTC", "workingHours": {}});
    let time_off = json!({"startsAt": "2099-01-01T00:00:00Z", "endsAt": "2099-01-02T00:00:00Z"});
    for (method, path, body) in [
        (Method::GET, "/api/consultants/me/schedule", None),
        (Method::PUT, "/api/consultants/me/schedule", Some(&schedule)),
        (Method::GET, "/api/consultants/me/time-off", None),
        (
            Method::POST,
            "/api/consultants/me/time-off",
            Some(&time_off),
        ),
        (
            Method::DELETE,
            "/api/consultants/me/time-off/6b03ed4bb8702cb5d37340e4",
            None,
        ),
        (Method::POST, "/api/consultants/me/calendar-feed", None),
        (Method::DELETE, "/api/consultants/me/calendar-feed", None),
    ] {
        for (client, status, code) in [
            (&customer, StatusCode::FORBIDDEN, "forbidden"),
            (&anonymous, StatusCode::UNAUTHORIZED, "unauthenticated"),
        ] {
            let response = match body {
                Some(body) => client.send_json(method.clone(), path, body).await,
                None => client.request(method.clone(), path).send().await.unwrap(),
            };
            assert_error(response, status, code).await;
        }
    }
}

/// The next `weekday` after tomorrow, as YYYY-MM-DD (clear of any notice).
fn next(app: &TestApp, weekday: Weekday) -> NaiveDate {
    let mut day = app.clock.now().date_naive() + Duration::days(2);
    while day.weekday() != weekday {
        day += Duration::days(1);
    }
    day
}

/// The last day of a month at least two days ahead.
fn month_end(app: &TestApp) -> NaiveDate {
    let mut day = app.clock.now().date_naive() + Duration::days(2);
    while (day + Duration::days(1)).day() != 1 {
        day += Duration::days(1);
    }
    day
}

async fn time_off_across_midnight_and_a_month_blocks_bookings_until_removed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, client) = app.consultant_with("UTC", "mon-sun=20:00-23:30").await;
    let (customer, _) = app.customer().await;
    let last = month_end(&app);
    let first = last + Duration::days(1);
    let (from, to) = (format!("{last}T22:00:00Z"), format!("{first}T21:00:00Z"));
    let (status, body) = read(add_time_off(&client, &from, &to).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["timeOff"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        body["timeOff"],
        json!({"id": id, "startsAt": from, "endsAt": to, "reason": "Holiday"})
    );
    let (_, listed) = read(client.get("/api/consultants/me/time-off").await).await;
    assert_eq!(listed["timeOff"], json!([body["timeOff"]]));

    let slots = |day: NaiveDate, times: &[&str]| -> Vec<String> {
        times
            .iter()
            .map(|time| format!("{day}T{time}:00Z"))
            .collect()
    };
    assert_eq!(
        free_on(&app, &consultant, &last.to_string()).await,
        slots(last, &["20:00", "20:30", "21:00", "21:30"])
    );
    assert_eq!(
        free_on(&app, &consultant, &first.to_string()).await,
        slots(first, &["21:00", "21:30", "22:00", "22:30", "23:00"])
    );
    let inside = format!("{first}T20:30:00Z");
    let refused = customer.book(&consultant, &inside, 30).await;
    assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "consultant_unavailable",
    )
    .await;
    let straddling = format!("{last}T21:30:00Z");
    let refused = customer.book(&consultant, &straddling, 60).await;
    assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "consultant_unavailable",
    )
    .await;

    let path = format!("/api/consultants/me/time-off/{id}");
    assert_eq!(client.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_error(
        client.delete(&path).await,
        StatusCode::NOT_FOUND,
        "time_off_not_found",
    )
    .await;
    let (_, listed) = read(client.get("/api/consultants/me/time-off").await).await;
    assert_eq!(listed["timeOff"], json!([]));
    let (status, _) = read(customer.book(&consultant, &inside, 30).await).await;
    assert_eq!(status, StatusCode::CREATED);

    // Bad ranges are refused.
    for (from, to, code) in [
        (&to, &from, "invalid_time_off"),
        (
            &"2001-01-01T00:00:00Z".to_owned(),
            &"2001-01-02T00:00:00Z".to_owned(),
            "invalid_time_off",
        ),
        (&"soon".to_owned(), &to, "invalid_starts_at"),
    ] {
        let response = add_time_off(&client, from, to).await;
        assert_error(response, StatusCode::BAD_REQUEST, code).await;
    }
}

async fn time_off_over_live_bookings_is_refused_with_their_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, client) = app.consultant().await;
    let (customer, _) = app.customer().await;
    let mut ids = Vec::new();
    for hour in [10, 14] {
        let (status, body) = read(customer.book(&consultant, &app.at(3, hour, 0), 60).await).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["booking"]["id"].as_str().unwrap().to_owned());
    }
    // Touching the end of one booking and the start of the other is fine.
    let (from, to) = (app.at(3, 11, 0), app.at(3, 14, 0));
    assert_eq!(
        add_time_off(&client, &from, &to).await.status(),
        StatusCode::CREATED
    );
    let (from, to) = (app.at(3, 0, 0), app.at(4, 0, 0));
    let refused = assert_error(
        add_time_off(&client, &from, &to).await,
        StatusCode::CONFLICT,
        "bookings_in_time_off",
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .starts_with("2 live booking"),
        "{refused}"
    );
    for id in &ids {
        let response = client
            .post_empty(&format!("/api/bookings/{id}/cancel"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(
        add_time_off(&client, &from, &to).await.status(),
        StatusCode::CREATED
    );
}

async fn notice_and_horizon_bound_bookings_moves_and_availability(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, client) = app.consultant_with("UTC", "mon-sun=00:00-23:30").await;
    set_rules(&client, "UTC", 0, 180, 7).await;
    let (customer, _) = app.customer().await;
    let now = app.clock.now();
    let soon = now + Duration::hours(2);
    let slot = |at: DateTime<Utc>| {
        let start = at.timestamp() - at.timestamp().rem_euclid(1800) + 1800;
        tripdesk::domain::format_timestamp(DateTime::from_timestamp(start, 0).unwrap())
    };
    let refused = customer.book(&consultant, &slot(soon), 30).await;
    assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_short_notice",
    )
    .await;
    let far = now + Duration::days(7) + Duration::hours(1);
    let refused = customer.book(&consultant, &slot(far), 30).await;
    assert_error(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "beyond_booking_horizon",
    )
    .await;
    // Four hours ahead, but not in the half hour the day's hours leave out.
    let mut fine = slot(now + Duration::hours(4));
    if fine.contains("T23:30") {
        fine = slot(now + Duration::hours(4) + Duration::minutes(30));
    }
    let (status, body) = read(customer.book(&consultant, &fine, 30).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["booking"]["id"].as_str().unwrap();
    let moved = customer
        .patch(
            &format!("/api/bookings/{id}"),
            &json!({"startsAt": slot(soon)}),
        )
        .await;
    assert_error(moved, StatusCode::UNPROCESSABLE_ENTITY, "too_short_notice").await;

    // Availability offers exactly what could be booked.
    let path = format!("/api/consultants/{}/availability?days=31", consultant.id);
    let (_, body) = read(app.client().get(&path).await).await;
    let starts: Vec<DateTime<Utc>> = body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|slot| instant(slot["startsAt"].as_str().unwrap()))
        .collect();
    assert!(
        starts
            .iter()
            .all(|start| *start >= now + Duration::hours(3))
    );
    assert!(starts.iter().all(|start| *start <= now + Duration::days(7)));
    assert!(starts.first().unwrap() < &(now + Duration::hours(4)));
    assert!(starts.last().unwrap() > &(now + Duration::days(7) - Duration::hours(1)));
}

async fn the_buffer_keeps_bookings_apart(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, client) = app.consultant().await;
    set_rules(&client, "UTC", 60, 0, 90).await;
    let (customer, _) = app.customer().await;
    let (status, _) = read(customer.book(&consultant, &app.at(3, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    for (hour, minute) in [(10, 30), (11, 0), (9, 0), (9, 30)] {
        let response = customer
            .book(&consultant, &app.at(3, hour, minute), 30)
            .await;
        assert_error(response, StatusCode::CONFLICT, "slot_unavailable").await;
    }
    let day = &app.at(3, 0, 0)[..10];
    let free = free_on(&app, &consultant, day).await;
    let near: Vec<&str> = free
        .iter()
        .map(|start| &start[11..16])
        .filter(|time| ("08:00".."12:30").contains(time))
        .collect();
    assert_eq!(near, ["08:00", "08:30", "11:30", "12:00"]);
    for (hour, minute) in [(11, 30), (8, 30)] {
        let (status, body) = read(
            customer
                .book(&consultant, &app.at(3, hour, minute), 30)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

async fn racing_bookings_of_adjacent_slots_respect_the_buffer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, client) = app.consultant().await;
    set_rules(&client, "UTC", 30, 0, 90).await;
    let mut customers = Vec::new();
    for _ in 0..12 {
        customers.push(app.customer().await.0);
    }
    let starts: Vec<String> = (0..12)
        .map(|n| app.at(4, 9 + n / 2, if n % 2 == 0 { 0 } else { 30 }))
        .collect();
    let responses = join_all(
        customers
            .iter()
            .zip(&starts)
            .map(|(customer, start)| customer.book(&consultant, start, 30)),
    )
    .await;
    let mut booked = Vec::new();
    for (response, start) in responses.into_iter().zip(&starts) {
        let (status, body) = read(response).await;
        match status {
            StatusCode::CREATED => booked.push(instant(start)),
            StatusCode::CONFLICT => assert_eq!(body["errors"][0]["code"], "slot_unavailable"),
            other => panic!("{other}: {body}"),
        }
    }
    booked.sort();
    // No two closer than the buffer (each lasts 30 minutes, then 30 free)…
    assert!(
        booked
            .windows(2)
            .all(|pair| pair[1] - pair[0] >= Duration::hours(1)),
        "{booked:?}"
    );
    // …and every refused slot is next to one that was booked.
    for start in starts.iter().map(|start| instant(start)) {
        let near = booked
            .iter()
            .any(|taken| (*taken - start).num_minutes().abs() <= 30);
        assert!(
            near,
            "{start} was refused with no booking next to it: {booked:?}"
        );
    }
    assert!(booked.len() >= 4, "{booked:?}");
}

/// The next day Lisbon's clocks go forward (last Sunday of March, 01:00
/// UTC), at least two days ahead: within a 365-day horizon.
fn next_lisbon_spring_forward(now: DateTime<Utc>) -> NaiveDate {
    (now.year()..=now.year() + 1)
        .map(|year| {
            let mut day = NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
            while day.weekday() != Weekday::Sun {
                day -= Duration::days(1);
            }
            day
        })
        .find(|day| *day > now.date_naive() + Duration::days(1))
        .unwrap()
}

async fn a_dst_day_in_the_consultants_zone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (consultant, client) = app.consultant().await;
    let hours = json!({"sun": ["09:00", "11:00"], "sat": ["09:00", "11:00"]});
    let schedule = json!({"timezone": "Europe/Lisbon", "workingHours": hours,
        "minimumNoticeMinutes": 0, "bookingHorizonDays": 365});
    assert_eq!(
        put_schedule(&client, &schedule).await.status(),
        StatusCode::OK
    );
    let sunday = next_lisbon_spring_forward(app.clock.now());
    let saturday = sunday - Duration::days(1);
    let lisbon = chrono_tz::Europe::Lisbon;
    assert_eq!(
        lisbon
            .from_local_datetime(&sunday.and_hms_opt(9, 0, 0).unwrap())
            .unwrap()
            .to_utc(),
        instant(&format!("{sunday}T08:00:00Z")),
        "summer time that Sunday"
    );
    let utc_slots = |day: NaiveDate, times: &[&str]| -> Vec<String> {
        times
            .iter()
            .map(|time| format!("{day}T{time}:00Z"))
            .collect()
    };
    assert_eq!(
        free_on(&app, &consultant, &saturday.to_string()).await,
        utc_slots(saturday, &["09:00", "09:30", "10:00", "10:30"])
    );
    let (from, to) = (format!("{sunday}T08:30:00Z"), format!("{sunday}T09:00:00Z"));
    assert_eq!(
        add_time_off(&client, &from, &to).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        free_on(&app, &consultant, &sunday.to_string()).await,
        utc_slots(sunday, &["08:00", "09:00", "09:30"])
    );
    let (customer, _) = app.customer().await;
    let late = customer
        .book(&consultant, &format!("{sunday}T10:00:00Z"), 30)
        .await;
    assert_error(
        late,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_working_hours",
    )
    .await;
    let (status, _) = read(
        customer
            .book(&consultant, &format!("{sunday}T09:30:00Z"), 30)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn the_calendar_feed_serves_live_bookings_to_its_current_secret_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("PUBLIC_BASE_URL", BASE_URL)]).await;
    let (consultant, client) = app.consultant().await;
    let (customer, _) = app.verified_customer("Ada Traveller").await;
    let mut ids = Vec::new();
    for hour in [10, 12, 14] {
        let (_, body) = read(customer.book(&consultant, &app.at(2, hour, 0), 30).await).await;
        ids.push(body["booking"]["id"].as_str().unwrap().to_owned());
    }
    let cancel = format!("/api/bookings/{}/cancel", ids[2]);
    assert_eq!(customer.post_empty(&cancel).await.status(), StatusCode::OK);

    let (status, body) = read(client.post_empty("/api/consultants/me/calendar-feed").await).await;
    assert_eq!(status, StatusCode::CREATED);
    let url = body["url"].as_str().unwrap().to_owned();
    let prefix = format!("{BASE_URL}/calendar/");
    assert!(url.starts_with(&prefix) && url.ends_with(".ics"), "{url}");
    let path = url.trim_start_matches(BASE_URL).to_owned();

    let feed = app.client().get(&path).await;
    assert_eq!(feed.status(), StatusCode::OK);
    assert_eq!(feed.headers()["cache-control"], "private, max-age=300");
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let calendar: Calendar = feed.text().await.unwrap().parse().expect("a valid feed");
    let mut uids: Vec<String> = calendar
        .events()
        .map(|event| event.get_uid().unwrap().to_owned())
        .collect();
    uids.sort();
    let mut expected: Vec<String> = ids[..2]
        .iter()
        .map(|id| format!("{id}@app.tripdesk.example"))
        .collect();
    expected.sort();
    assert_eq!(uids, expected, "the live bookings, with the invites' UIDs");
    let invite = customer
        .get(&format!("/api/bookings/{}/calendar.ics", ids[0]))
        .await;
    let invite: Calendar = invite.text().await.unwrap().parse().unwrap();
    assert!(
        uids.contains(
            &invite
                .events()
                .next()
                .unwrap()
                .get_uid()
                .unwrap()
                .to_owned()
        )
    );

    // A new secret replaces the old; turning the feed off ends it.
    let (_, rotated) = read(client.post_empty("/api/consultants/me/calendar-feed").await).await;
    let new_path = rotated["url"]
        .as_str()
        .unwrap()
        .trim_start_matches(BASE_URL)
        .to_owned();
    assert_ne!(new_path, path);
    let old = app.client().get(&path).await;
    assert_error(old, StatusCode::NOT_FOUND, "calendar_not_found").await;
    assert_eq!(app.client().get(&new_path).await.status(), StatusCode::OK);
    assert_eq!(
        client
            .delete("/api/consultants/me/calendar-feed")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let gone = app.client().get(&new_path).await;
    assert_error(gone, StatusCode::NOT_FOUND, "calendar_not_found").await;
    for junk in [
        "/calendar/abc.ics",
        &format!("/calendar/{}.ics", "0".repeat(64)),
    ] {
        assert_error(
            app.client().get(junk).await,
            StatusCode::NOT_FOUND,
            "calendar_not_found",
        )
        .await;
    }
}
