//! The README's receivers, run as they are printed: its Python and its
//! JavaScript `verify`, each in a real HTTP server (Python's `http.server`,
//! Node's `node:http`), accept what tripdesk sends and refuse a forgery.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::helpers::{Backend, TestApp, free_port, read};

/// The README block after "### Webhooks" that starts with "```{language}".
fn readme_block(language: &str) -> String {
    let readme = include_str!("../../../README.md");
    let section = &readme[readme.find("### Webhooks").expect("a Webhooks section")..];
    let fence = format!("```{language}\n");
    let start = section.find(&fence).expect("the block") + fence.len();
    let end = start + section[start..].find("```").expect("its end");
    section[start..end].to_owned()
}

const PYTHON_SERVER: &str = r#"
import http.server, json, sys

PORT, SECRET = int(sys.argv[1]), sys.argv[2]

class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = verify(SECRET, self.headers["Tripdesk-Signature"], body)
        event = self.headers["Tripdesk-Event-Id"]
        print(json.dumps({"ok": ok, "event": event}), flush=True)
        self.send_response(200 if ok else 401)
        self.end_headers()

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", PORT), Receiver)
print("listening", flush=True)
server.serve_forever()
"#;

const NODE_SERVER: &str = r#"
import { createServer } from "node:http";

const [port, secret] = process.argv.slice(2);
createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const ok = verify(secret, request.headers["tripdesk-signature"], Buffer.concat(chunks));
    console.log(JSON.stringify({ ok, event: request.headers["tripdesk-event-id"] }));
    response.writeHead(ok ? 200 : 401).end();
  });
}).listen(Number(port), "127.0.0.1", () => console.log("listening"));
"#;

/// A receiver process and what it prints, one line per request.
struct Verifier {
    _child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Verifier {
    async fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the interpreter starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(
            lines.next_line().await.unwrap().as_deref(),
            Some("listening")
        );
        Self {
            _child: child,
            lines,
        }
    }

    /// The next request's verdict: `{"ok","event"}`.
    async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(15), self.lines.next_line())
            .await
            .expect("a request within 15 s")
            .unwrap()
            .expect("a line");
        serde_json::from_str(&line).unwrap()
    }
}

#[tokio::test]
async fn the_readme_receivers_accept_deliveries_and_refuse_forgeries() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")],
    )
    .await;
    let (staff, _) = app.admin().await;
    let dir = TempDir::new().unwrap();
    let mut verifiers = Vec::new();
    for language in ["python", "js"] {
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}/hooks");
        let body = json!({"url": url, "events": ["booking.created"]});
        let (status, created) = read(staff.post("/api/admin/webhooks", &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["secret"].as_str().unwrap().to_owned();
        let command = if language == "python" {
            let script = dir.path().join("receiver.py");
            std::fs::write(&script, readme_block("python") + PYTHON_SERVER).unwrap();
            let mut command = Command::new("python3");
            command.arg(script);
            command
        } else {
            let script = dir.path().join("receiver.mjs");
            std::fs::write(&script, readme_block("js") + NODE_SERVER).unwrap();
            let mut command = Command::new("node");
            command.arg(script);
            command
        };
        let mut command = command;
        command.args([port.to_string(), secret]);
        verifiers.push((url, Verifier::start(command).await));
    }

    let (customer, _) = app.customer().await;
    let (consultant, _) = app.consultant().await;
    let (status, _) = read(customer.book(&consultant, &app.at(2, 10, 0), 30).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let http = reqwest::Client::new();
    for (url, verifier) in &mut verifiers {
        let verdict = verifier.next().await;
        assert_eq!(verdict["ok"], true, "{verdict}");
        // The same body signed with another secret is refused.
        let now = chrono::Utc::now().timestamp();
        let forged = http
            .post(url.as_str())
            .header("tripdesk-event-id", "evt_forged")
            .header(
                "tripdesk-signature",
                format!("t={now},v1={}", "ab".repeat(32)),
            )
            .body(r#"{"type":"booking.created"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            verifier.next().await,
            json!({"ok": false, "event": "evt_forged"})
        );
    }
}
