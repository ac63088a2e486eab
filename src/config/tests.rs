use std::collections::HashMap;
use std::path::PathBuf;

use super::*;

fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let mut vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // Production needs a mail relay and an https frontend; tests of other
    // settings give it both.
    if vars.get("APP_ENV").is_some_and(|env| env == "production") {
        vars.entry("SMTP_URL".into())
            .or_insert_with(|| "smtp://relay.example.com:25".into());
        vars.entry("PUBLIC_BASE_URL".into())
            .or_insert_with(|| "https://app.example.com".into());
        vars.entry("MFA_ENCRYPTION_KEY".into())
            .or_insert_with(|| "ab".repeat(32));
    }
    Settings::from_lookup(|name| vars.get(name).cloned())
}

#[test]
fn defaults_suit_a_laptop() {
    let settings = settings(&[]).unwrap();
    assert_eq!(settings.environment, Environment::Development);
    assert_eq!((settings.host.as_str(), settings.port), ("127.0.0.1", 8080));
    assert!(
        matches!(&settings.store, StoreSettings::Sqlite { path, .. } if path == &PathBuf::from("./data/tripdesk.db"))
    );
    assert_eq!(settings.cookie.name, "token");
    assert!(!settings.cookie.secure);
    assert_eq!(settings.cookie.same_site, SameSite::Strict);
    assert_eq!(settings.cookie.max_age, TimeDelta::seconds(1_209_600));
    assert_eq!(settings.session.ttl, TimeDelta::days(14));
    assert_eq!(settings.session.idle_timeout, TimeDelta::days(7));
    assert!(settings.seed_demo_data);
    assert_eq!(settings.log_format, LogFormat::Text);
    assert!(settings.allowed_origins.is_empty());
    assert_eq!(settings.auth_rate_limit_per_minute, 30);
    assert_eq!(settings.api_key_rate_limit_per_minute, 600);
    assert_eq!(settings.client_address, ClientAddressSource::Peer);
    assert_eq!(settings.hsts_max_age, None);
    assert_eq!(settings.max_live_bookings_per_customer, 10);
    assert_eq!(settings.shutdown_timeout, Duration::from_secs(30));
    assert_eq!(settings.metrics_address.as_deref(), Some("127.0.0.1:9464"));
}

#[test]
fn production_links_go_out_over_https_only() {
    for url in ["http://app.example.com", ""] {
        let vars: HashMap<&str, &str> = [
            ("APP_ENV", "production"),
            ("SMTP_URL", "smtp://relay.example.com:25"),
            ("PUBLIC_BASE_URL", url),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
        let error = Settings::from_lookup(|name| vars.get(name).map(|v| v.to_string()));
        assert_eq!(error.unwrap_err().variable, "PUBLIC_BASE_URL", "{url:?}");
    }
    let https = settings(&[
        ("APP_ENV", "production"),
        ("PUBLIC_BASE_URL", "https://a.example"),
    ]);
    assert_eq!(https.unwrap().mail.public_base_url, "https://a.example");
    let development = settings(&[("PUBLIC_BASE_URL", "http://localhost:5173")]).unwrap();
    assert_eq!(development.mail.public_base_url, "http://localhost:5173");
}

#[test]
fn metrics_can_move_or_be_turned_off() {
    let off = settings(&[("METRICS_ADDR", "")]).unwrap();
    assert_eq!(off.metrics_address, None);
    let moved = settings(&[("METRICS_ADDR", "0.0.0.0:9100"), ("SHUTDOWN_TIMEOUT", "5")]).unwrap();
    assert_eq!(moved.metrics_address.as_deref(), Some("0.0.0.0:9100"));
    assert_eq!(moved.shutdown_timeout, Duration::from_secs(5));
}

#[test]
fn production_defaults_are_strict() {
    let settings = settings(&[("APP_ENV", "production")]).unwrap();
    assert!(settings.cookie.secure);
    assert!(!settings.seed_demo_data);
    assert_eq!(settings.log_format, LogFormat::Json);
    assert_eq!(settings.hsts_max_age, Some(TimeDelta::days(365)));
}

#[test]
fn hsts_and_proxy_hops_are_configurable() {
    let production = settings(&[("APP_ENV", "production"), ("HSTS_MAX_AGE", "0")]).unwrap();
    assert_eq!(production.hsts_max_age, None);
    let production = settings(&[("APP_ENV", "production"), ("HSTS_MAX_AGE", "1h")]).unwrap();
    assert_eq!(production.hsts_max_age, Some(TimeDelta::hours(1)));
    let behind_two =
        settings(&[("TRUST_PROXY_HEADERS", "true"), ("TRUSTED_PROXY_HOPS", "2")]).unwrap();
    assert_eq!(
        behind_two.client_address,
        ClientAddressSource::Forwarded { hops: 2 }
    );
    let behind_one = settings(&[("TRUST_PROXY_HEADERS", "true")]).unwrap();
    assert_eq!(
        behind_one.client_address,
        ClientAddressSource::Forwarded { hops: 1 }
    );
}

#[test]
fn production_refuses_an_insecure_cookie_unless_acknowledged() {
    let error = settings(&[("APP_ENV", "production"), ("COOKIE_SECURE", "false")]).unwrap_err();
    assert_eq!(error.variable, "COOKIE_SECURE");
    assert!(error.to_string().contains("ALLOW_INSECURE_COOKIE"));
    let settings = settings(&[
        ("APP_ENV", "production"),
        ("COOKIE_SECURE", "false"),
        ("ALLOW_INSECURE_COOKIE", "true"),
    ])
    .unwrap();
    assert!(!settings.cookie.secure);
}

#[test]
fn values_are_read_and_normalised() {
    let settings = settings(&[
        ("PORT", "0"),
        ("COOKIE_NAME", "sid"),
        ("COOKIE_SECURE", "true"),
        ("COOKIE_SAMESITE", "lax"),
        ("SESSION_TTL", "2h"),
        ("SESSION_IDLE_TIMEOUT", "600"),
        (
            "ALLOWED_ORIGINS",
            " https://App.example.com/ , http://localhost:5173",
        ),
        ("MONGODB_URI", "mongodb://127.0.0.1:27017"),
        ("SEED_DEMO_DATA", "no"),
    ])
    .unwrap();
    assert_eq!(settings.port, 0);
    assert_eq!(settings.cookie.name, "sid");
    assert!(settings.cookie.secure);
    assert_eq!(settings.cookie.same_site, SameSite::Lax);
    assert_eq!(settings.session.ttl, TimeDelta::hours(2));
    assert_eq!(settings.cookie.max_age, TimeDelta::hours(2));
    assert_eq!(settings.session.idle_timeout, TimeDelta::minutes(10));
    assert_eq!(
        settings.allowed_origins,
        ["https://app.example.com", "http://localhost:5173"]
    );
    assert!(
        matches!(&settings.store, StoreSettings::Mongo { database, .. } if database == "tripdesk")
    );
    assert!(!settings.seed_demo_data);
}

#[test]
fn bad_values_name_the_variable() {
    for (name, value) in [
        ("APP_ENV", "staging"),
        ("PORT", "80800"),
        ("PORT", "http"),
        ("COOKIE_NAME", "to ken"),
        ("COOKIE_SECURE", "maybe"),
        ("COOKIE_SAMESITE", "None"),
        ("SESSION_TTL", "0"),
        ("SESSION_TTL", "forever"),
        ("SESSION_IDLE_TIMEOUT", "-5"),
        ("ALLOWED_ORIGINS", "app.example.com"),
        ("ALLOWED_ORIGINS", "https://app.example.com/path"),
        ("SEED_DEMO_DATA", "2"),
        ("WORKERS", "0"),
        ("LOG_FORMAT", "xml"),
        ("AUTH_RATE_LIMIT_PER_MINUTE", "0"),
        ("TRUST_PROXY_HEADERS", "sometimes"),
        ("ALLOW_INSECURE_COOKIE", "perhaps"),
        ("MONGODB_URI", "postgres://user:secret@db"),
        ("TRUSTED_PROXY_HOPS", "0"),
        ("HSTS_MAX_AGE", "forever"),
        ("MAX_LIVE_BOOKINGS_PER_CUSTOMER", "0"),
        ("RETENTION_DAYS", "-1"),
        ("RETENTION_DAYS", "36501"),
        ("TERMS_VERSION", "v 3"),
        ("DEFAULT_LOCALE", "pt"),
        ("METRICS_ADDR", "9464"),
        ("SHUTDOWN_TIMEOUT", "never"),
    ] {
        let error = settings(&[(name, value)]).unwrap_err();
        assert_eq!(error.variable, name, "{name}={value}");
        let message = error.to_string();
        assert!(
            message.starts_with("invalid configuration: ") && !message.contains('\n'),
            "{message}"
        );
    }
}

#[test]
fn the_mongodb_uri_is_never_echoed() {
    let error = settings(&[("MONGODB_URI", "postgres://user:hunter2@db")]).unwrap_err();
    assert!(!error.to_string().contains("hunter2"));
    let settings = settings(&[("MONGODB_URI", "mongodb://user:hunter2@db")]).unwrap();
    assert!(!format!("{settings:?}").contains("hunter2"));
}

#[test]
fn mail_settings_and_production_needs_a_relay() {
    let development = settings(&[("HOST", "0.0.0.0"), ("PORT", "9000")]).unwrap();
    assert!(development.mail.smtp_url.is_none());
    assert_eq!(development.mail.directory, PathBuf::from("./data/mail"));
    assert_eq!(development.mail.public_base_url, "http://0.0.0.0:9000");
    assert_eq!(
        development.mail.from.to_string(),
        "tripdesk <no-reply@tripdesk.localhost>"
    );
    let vars: HashMap<String, String> = [("APP_ENV", "production")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let error = Settings::from_lookup(|name| vars.get(name).cloned()).unwrap_err();
    assert_eq!(error.variable, "SMTP_URL");
    let configured = settings(&[
        ("SMTP_URL", "smtps://user:hunter2@smtp.example.com:465"),
        ("PUBLIC_BASE_URL", "https://App.example.com/"),
        ("MAIL_FROM", "Agency <bookings@agency.example>"),
    ])
    .unwrap();
    assert_eq!(configured.mail.public_base_url, "https://app.example.com");
    assert!(!format!("{configured:?}").contains("hunter2"));
    for (name, value) in [
        ("SMTP_URL", "http://smtp.example.com"),
        ("PUBLIC_BASE_URL", "app.example.com"),
        ("MAIL_FROM", "not an address"),
    ] {
        assert_eq!(settings(&[(name, value)]).unwrap_err().variable, name);
    }
}

#[test]
fn private_webhook_targets_are_for_development_only() {
    assert!(!settings(&[]).unwrap().webhook_allow_private_targets);
    let development = settings(&[("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")]).unwrap();
    assert!(development.webhook_allow_private_targets);
    let refused = settings(&[
        ("APP_ENV", "production"),
        ("PUBLIC_BASE_URL", "https://a.example"),
        ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true"),
    ])
    .unwrap_err();
    assert_eq!(refused.variable, "WEBHOOK_ALLOW_PRIVATE_TARGETS");
}

#[test]
fn video_rooms_are_on_the_configured_service() {
    let rooms = |vars: &[(&str, &str)]| settings(vars).unwrap().video_meetings.new_room();
    assert!(rooms(&[]).as_str().starts_with("https://meet.jit.si/"));
    let own = [("VIDEO_MEETING_BASE_URL", "https://video.agency.example/")];
    assert!(
        rooms(&own)
            .as_str()
            .starts_with("https://video.agency.example/")
    );
    let refused = settings(&[("VIDEO_MEETING_BASE_URL", "meet.jit.si")]).unwrap_err();
    assert_eq!(refused.variable, "VIDEO_MEETING_BASE_URL");
}

#[test]
fn retention_is_off_unless_asked_for() {
    let privacy = |vars: &[(&str, &str)]| settings(vars).unwrap().privacy;
    assert_eq!(privacy(&[]).retention, None);
    assert_eq!(privacy(&[("RETENTION_DAYS", "0")]).retention, None);
    let kept = privacy(&[("RETENTION_DAYS", "730"), ("TERMS_VERSION", "2026-11")]);
    assert_eq!(kept.retention, Some(chrono::TimeDelta::days(730)));
    assert_eq!(kept.terms_version.as_str(), "2026-11");
}

#[test]
fn second_factors_need_a_key_in_production_and_are_required_of_admins() {
    let development = settings(&[]).unwrap();
    assert!(
        development.mfa.encryption_key.is_none(),
        "kept beside the database"
    );
    assert!(development.mfa.admin_require_mfa);
    let error = Settings::from_lookup(|name| {
        [
            ("APP_ENV", "production"),
            ("SMTP_URL", "smtp://relay.example.com:25"),
            ("PUBLIC_BASE_URL", "https://app.example.com"),
        ]
        .into_iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
    })
    .unwrap_err();
    assert_eq!(error.variable, "MFA_ENCRYPTION_KEY");
    let error = settings(&[("MFA_ENCRYPTION_KEY", "abc")]).unwrap_err();
    assert_eq!(error.variable, "MFA_ENCRYPTION_KEY");
    let relaxed = settings(&[("ADMIN_REQUIRE_MFA", "false")]).unwrap();
    assert!(!relaxed.mfa.admin_require_mfa);
}
