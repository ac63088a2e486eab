//! The binary itself: start-up errors, `tripdesk consultant add` and
//! `tripdesk admin add`.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use tempfile::TempDir;

use crate::helpers::{Backend, TestApp, read};
use crate::store_tests;

store_tests!(
    consultant_add_creates_a_consultant_who_can_log_in,
    admin_add_creates_the_first_admin,
);

/// The binary, in an empty directory, with nothing but `vars` configured.
fn tripdesk(dir: &TempDir, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tripdesk"));
    command
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_PATH", dir.path().join("tripdesk.db"))
        .env("SEED_DEMO_DATA", "false")
        .env("METRICS_ADDR", "")
        .envs(vars.iter().copied());
    command
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let data = TempDir::new().unwrap();
    for (name, value) in [
        ("PORT", "eighty"),
        ("SESSION_TTL", "forever"),
        ("COOKIE_SAMESITE", "None"),
    ] {
        let output = tripdesk(&data, &[(name, value)]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(name) && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

async fn consultant_add_creates_a_consultant_who_can_log_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = TempDir::new().unwrap();
    // The command writes to the same store the running app uses.
    let store_vars = store_vars(&app);
    let cli = || tripdesk(&dir, &store_vars);
    let mut child = cli()
        .args([
            "consultant",
            "add",
            "--email",
            "Mei@Agency.example",
            "--name",
            "Mei Lin",
        ])
        .args([
            "--timezone",
            "Asia/Singapore",
            "--hours",
            "mon-fri=09:00-17:00",
            "--specialty",
            "Southeast Asia",
        ])
        .args(["--buffer-minutes", "30", "--minimum-notice-minutes", "60"])
        .args(["--booking-horizon-days", "14"])
        .args(["--language", "en", "--language", "zh", "--password-stdin"])
        .args(["--locale", "ja"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a consultant's passphrase\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("mei@agency.example") && !stdout.contains("passphrase"),
        "{stdout}"
    );

    // Generated passwords are printed once.
    let generated = cli()
        .args([
            "consultant",
            "add",
            "--email",
            "ravi@agency.example",
            "--name",
            "Ravi",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&generated.stdout).contains("Password (shown once): "));
    // Bad input is refused with a message, and the email stays unique.
    for args in [
        ["--email", "nope", "--name", "X", "--timezone", "UTC"],
        [
            "--email",
            "x@agency.example",
            "--name",
            "X",
            "--timezone",
            "Mars/Olympus",
        ],
        [
            "--email",
            "MEI@agency.example",
            "--name",
            "X",
            "--timezone",
            "UTC",
        ],
        [
            "--email",
            "y@agency.example",
            "--name",
            "Y",
            "--buffer-minutes",
            "45",
        ],
        [
            "--email",
            "z@agency.example",
            "--name",
            "Z",
            "--hours",
            "mon=09:15-17:00",
        ],
        [
            "--email",
            "w@agency.example",
            "--name",
            "W",
            "--locale",
            "pt",
        ],
    ] {
        let output = cli()
            .args(["consultant", "add"])
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(!String::from_utf8_lossy(&output.stderr).trim().is_empty());
    }

    let client = app.client();
    let (status, body) = read(
        client
            .login("mei@agency.example", "a consultant's passphrase")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["role"], "consultant");
    assert_eq!(
        body["user"]["locale"], "ja",
        "mail in the language asked for"
    );
    let (_, consultants) = read(client.get("/api/consultants").await).await;
    let mei = &consultants["consultants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Mei Lin")
        .unwrap();
    assert_eq!(mei["timezone"], "Asia/Singapore");
    assert_eq!(mei["languages"], serde_json::json!(["en", "zh"]));
    // The schedule options, as the consultant sees them.
    let (_, schedule) = read(client.get("/api/consultants/me/schedule").await).await;
    assert_eq!(
        schedule["schedule"],
        serde_json::json!({
            "timezone": "Asia/Singapore",
            "workingHours": {"mon": ["09:00", "17:00"], "tue": ["09:00", "17:00"],
                "wed": ["09:00", "17:00"], "thu": ["09:00", "17:00"], "fri": ["09:00", "17:00"]},
            "bufferMinutes": 30, "minimumNoticeMinutes": 60, "bookingHorizonDays": 14,
            "cancellationNoticeMinutes": 0,
        })
    );
}

/// The store variables of `app`, for a command to write where it reads.
fn store_vars(app: &TestApp) -> Vec<(&'static str, &str)> {
    ["DATABASE_PATH", "MONGODB_URI", "MONGODB_DB"]
        .into_iter()
        .filter_map(|name| app.var(name).map(|value| (name, value)))
        .collect()
}

async fn admin_add_creates_the_first_admin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = TempDir::new().unwrap();
    let vars = store_vars(&app);
    // Without --locale, the agency's DEFAULT_LOCALE.
    let output = tripdesk(&dir, &vars)
        .env("DEFAULT_LOCALE", "de")
        .args(["admin", "add", "--email", "Boss@Agency.example"])
        .args(["--name", "Sam Boss"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("boss@agency.example"), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Password (shown once): "))
        .expect("the generated password is printed")
        .to_owned();

    let staff = app.client();
    let (status, body) = read(staff.login("boss@agency.example", &password).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["emailVerified"], true);
    assert_eq!(body["user"]["locale"], "de");
    let (status, _) = read(staff.get("/api/admin/audit?action=user.created").await).await;
    assert_eq!(status, StatusCode::OK);

    // A taken email, a bad one and a short typed password are refused.
    for (args, stdin) in [
        (["--email", "boss@agency.example", "--name", "Twin"], None),
        (["--email", "not an address", "--name", "X"], None),
        (
            ["--email", "short@agency.example", "--name", "X"],
            Some("short\n"),
        ),
    ] {
        let mut command = tripdesk(&dir, &vars);
        command.args(["admin", "add"]).args(args);
        if stdin.is_some() {
            command.arg("--password-stdin").stdin(Stdio::piped());
        }
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        let output = child.wait_with_output().unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(!String::from_utf8_lossy(&output.stderr).trim().is_empty());
    }
}

/// The access log is written by its own thread; a clean stop (SIGTERM, as
/// from `docker stop` or systemd) must still write every line of every
/// request served.
#[tokio::test]
async fn every_request_is_logged_to_stdout_up_to_a_clean_stop() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::Duration;

    let data = TempDir::new().unwrap();
    let mut child = tripdesk(&data, &[("PORT", "0"), ("LOG_FORMAT", "json")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, received) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let port = loop {
        let line = received
            .recv_timeout(Duration::from_secs(60))
            .expect("the service announces its port");
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
        if entry["fields"]["message"] == "listening" {
            break entry["fields"]["port"].as_u64().unwrap();
        }
    };

    let client = reqwest::Client::new();
    let ids: Vec<String> = (0..200).map(|n| format!("log-check-{n}")).collect();
    for id in &ids {
        let response = client
            .get(format!("http://127.0.0.1:{port}/health"))
            .header("x-request-id", id)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // SAFETY: plain syscall on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert!(child.wait().unwrap().success());

    let logged: Vec<serde_json::Value> = received
        .iter()
        .map(|line| serde_json::from_str(&line).unwrap())
        .filter(|entry: &serde_json::Value| entry["fields"]["message"] == "request")
        .collect();
    for id in &ids {
        assert!(
            logged
                .iter()
                .any(|entry| entry["span"]["request_id"] == id.as_str()),
            "no access log line for {id}"
        );
    }
}
