//! No secret reaches a log line (ASVS 7.1.1, 7.1.2): a full register / login
//! / book / password change / logout / password reset / verification /
//! calendar feed run is logged at TRACE level, every level, and the captured
//! text is searched for every password, token, token hash and password hash
//! involved (mailed tokens and the feed's secret included, also where they
//! travelled in a URL).
//!
//! A test binary of its own, because it installs the process-wide log
//! subscriber. The test's own HTTP client libraries are filtered out: they
//! are not the service.

#[allow(dead_code, unused_imports)]
#[path = "api/helpers/mod.rs"]
mod helpers;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};
use tripdesk::config::LogFormat;
use tripdesk::domain::Email;

use crate::helpers::{Backend, SmtpServer, TestApp, TestClient, read, unique_email};

/// Everything logged by the process so far.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tripdesk::telemetry::subscriber(
            LogFormat::Json,
            "trace,hyper=off,hyper_util=off,reqwest=off,h2=off",
            false,
            move || writer.clone(),
        );
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        captured
    })
}

crate::store_tests!(no_secret_is_ever_logged);

/// The token of the first mailed link to `page` (waits for the mail).
async fn mailed_token(smtp: &SmtpServer, page: &str) -> String {
    let marker = format!("{page}?token=");
    for _ in 0..200 {
        for mail in smtp.received() {
            let text = mail.parsed().body_text(0).unwrap_or_default().into_owned();
            if let Some(at) = text.find(&marker) {
                return text[at + marker.len()..][..64].to_owned();
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail with a {page} link");
}

/// Opens the page a mailed link points to, then uses its token as the page
/// would; returns the token.
async fn follow_mailed_link(client: &TestClient, smtp: &SmtpServer, page: &str) -> String {
    let token = mailed_token(smtp, page).await;
    let opened = client.get(&format!("{page}?token={token}")).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let response = match page {
        "/reset-password" => {
            let body = json!({"token": token, "newPassword": "third secret passphrase"});
            client
                .post("/api/users/password-reset/confirm", &body)
                .await
        }
        _ => {
            client
                .post("/api/users/verify-email", &json!({"token": token}))
                .await
        }
    };
    assert_eq!(response.status(), StatusCode::OK);
    token
}

/// GETs `path` exactly as written; the status line.
async fn raw_get(base: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    text.lines().next().unwrap_or_default().to_owned()
}

async fn no_secret_is_ever_logged(backend: Backend) {
    let logs = captured();
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(backend, &[("SMTP_URL", &smtp.url())]).await;
    let (consultant, consultant_client) = app.consultant().await;
    let email = unique_email("logged");
    let (password, new_password) = ("first secret passphrase", "second secret passphrase");
    let client = app.client();
    let mut tokens = Vec::new();

    assert_eq!(
        client.register(&email, password, "Log Ged").await.status(),
        StatusCode::CREATED
    );
    tokens.push(client.token().unwrap());
    assert_eq!(
        client.login(&email, "a wrong passphrase").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        client.login(&email, password).await.status(),
        StatusCode::OK
    );
    tokens.push(client.token().unwrap());
    let (status, _) = read(client.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let bearer = reqwest::Client::new()
        .get(format!("{}/api/users/me", app.base))
        .bearer_auth(&tokens[1])
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), StatusCode::OK);
    let change = json!({"currentPassword": password, "newPassword": new_password});
    assert_eq!(
        client
            .send_json(Method::PUT, "/api/users/me/password", &change)
            .await
            .status(),
        StatusCode::OK
    );
    tokens.push(client.token().unwrap());
    // A stale token presented again, a malformed one, then logout.
    let stale = client
        .request(Method::GET, "/api/users/me")
        .header("cookie", format!("token={}", tokens[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        client.post_empty("/api/users/logout").await.status(),
        StatusCode::OK
    );
    // The registration's verification link, then a password reset.
    tokens.push(follow_mailed_link(&client, &smtp, "/verify-email").await);
    let reset = client
        .post("/api/users/password-reset", &json!({"email": email}))
        .await;
    assert_eq!(reset.status(), StatusCode::ACCEPTED);
    tokens.push(follow_mailed_link(&client, &smtp, "/reset-password").await);
    // A calendar feed: its secret is in the path.
    let (status, feed) = read(
        consultant_client
            .post_empty("/api/consultants/me/calendar-feed")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let feed_url = feed["url"].as_str().unwrap();
    let feed_token = feed_url
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics");
    let path = format!("/calendar/{feed_token}.ics");
    assert_eq!(app.client().get(&path).await.status(), StatusCode::OK);
    tokens.push(feed_token.to_owned());
    // The same secret in paths spelled otherwise, served or not, sent as
    // written (an HTTP client would normalise `/./`).
    let encoded: String = feed_token.bytes().map(|b| format!("%{b:02x}")).collect();
    for (spelling, served) in [
        (format!("/%63alendar/{feed_token}.ics"), true),
        (format!("//calendar/{feed_token}.ics"), false),
        (format!("/./calendar/{feed_token}.ics"), false),
        (format!("/calendar/{encoded}.ics"), true),
        (format!("/nothing/{encoded}"), false),
    ] {
        let status = raw_get(&app.base, &spelling).await;
        assert_eq!(
            status.starts_with("HTTP/1.1 200"),
            served,
            "{spelling}: {status}"
        );
    }

    let hash = app
        .store
        .find_credentials(&Email::parse(&email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    let mut secrets: Vec<String> = vec![
        password.into(),
        new_password.into(),
        "a wrong passphrase".into(),
        "third secret passphrase".into(),
        hash.as_str().into(),
    ];
    // The PHC string's salt and digest parts on their own, too.
    secrets.extend(hash.as_str().rsplit('$').take(2).map(str::to_owned));
    for token in &tokens {
        secrets.push(token.clone());
        secrets.push(hex::encode(Sha256::digest(token.as_bytes())));
    }

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("\"message\":\"request\"") && text.contains("/api/users/login"),
        "the logs were captured"
    );
    assert!(text.lines().count() > 20);
    assert!(
        text.contains("\"path\":\"/reset-password\""),
        "the mailed link's page was logged, by its path alone"
    );
    assert!(text.contains("\"path\":\"/calendar/{token}.ics\""));
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret was logged: {secret}"
        );
    }
    for header in [
        "Cookie",
        "cookie:",
        "Authorization",
        "authorization:",
        "Set-Cookie",
        "set-cookie:",
    ] {
        assert!(
            !text.contains(header),
            "a credential header name was logged: {header}"
        );
    }
}
