//! The demo frontend is served from the binary, locked down, and not an API.

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn the_demo_page_and_its_files_are_served_with_a_strict_policy() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = app.client();
    for (path, content_type, marker) in [
        ("/", "text/html", "<script src=\"app.js\" defer></script>"),
        // The pages mailed links open: the same page (it reads the token).
        ("/reset-password?token=00", "text/html", "id=\"reset-form\""),
        ("/verify-email?token=00", "text/html", "id=\"verify-note\""),
        (
            "/set-password?token=00",
            "text/html",
            "id=\"reset-heading\"",
        ),
        ("/app.js", "text/javascript", "async function api("),
        (
            "/calendar.js",
            "text/javascript",
            "async function loadCalendar(",
        ),
        ("/admin.js", "text/javascript", "async function loadAdmin("),
        (
            "/webhooks.js",
            "text/javascript",
            "async function loadWebhooks(",
        ),
        ("/finding.js", "text/javascript", "function wireFinding("),
        ("/privacy.js", "text/javascript", "function wirePrivacy("),
        ("/profile.js", "text/javascript", "function wireProfile("),
        ("/mfa.js", "text/javascript", "function wireMfa("),
        (
            "/vendor/qrcode-generator.js",
            "text/javascript",
            "var qrcode = function",
        ),
        ("/app.css", "text/css", ".booking"),
    ] {
        let response = client.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{path}"
        );
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(response.text().await.unwrap().contains(marker), "{path}");
    }
}

#[tokio::test]
async fn the_demo_page_refuses_other_methods_and_loads_no_third_party_code() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = app.client();
    let response = client.post_empty("/").await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
    let page = client.get("/").await.text().await.unwrap();
    // Works offline: every script and stylesheet is the service's own.
    assert!(!page.contains("http://") && !page.contains("https://"));
}

/// Issue: `/?api=https://attacker.example` made the genuine page send the
/// login form to the attacker. The page now ignores its URL for this, and
/// the policy forbids connections to any other origin anyway.
#[tokio::test]
async fn the_demo_page_talks_to_its_own_origin_only() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let client = app.client();
    let response = client.get("/?api=https://attacker.example").await;
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let connect = policy
        .split(';')
        .map(str::trim)
        .find(|directive| directive.starts_with("connect-src"))
        .unwrap();
    assert_eq!(connect, "connect-src 'self'", "{policy}");
    let script = client.get("/app.js").await.text().await.unwrap();
    assert!(script.contains("const API = \"\";"));
    // The only thing it reads from its URL is a mailed link's token.
    assert_eq!(script.matches("location.search").count(), 1);
    assert_eq!(script.matches("URLSearchParams").count(), 1);
    assert!(
        script.contains("new URLSearchParams(location.search).get(\"token\")"),
        "the page must not take its API origin from the URL"
    );
}
