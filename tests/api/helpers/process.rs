//! The service as its own process (the binary), for what only a process
//! shows: several instances on one store, signals, crashes, the command line.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::TestClient;

/// A running `tripdesk` process; killed when dropped.
pub struct ServiceProcess {
    pub base: String,
    child: Child,
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary with a clean environment: only `vars`, in `dir`.
pub fn tripdesk_command(dir: &Path, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tripdesk"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SEED_DEMO_DATA", "false")
        .env("METRICS_ADDR", "")
        .env("AUTH_RATE_LIMIT_PER_MINUTE", "100000")
        // As the in-process apps: one key for all, staff by password.
        .env("MFA_ENCRYPTION_KEY", super::TEST_MFA_KEY)
        .env("ADMIN_REQUIRE_MFA", "false")
        .env("RUST_LOG", "warn")
        .envs(vars.iter().copied());
    command
}

impl ServiceProcess {
    /// Starts the binary in `dir` with `vars` and waits until it is ready.
    pub async fn start(dir: &Path, vars: &[(&str, &str)]) -> Self {
        let port = free_port().to_string();
        let child = tripdesk_command(dir, vars)
            .env("HOST", "127.0.0.1")
            .env("PORT", &port)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let service = Self {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        service.wait_until_ready().await;
        service
    }

    async fn wait_until_ready(&self) {
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = http.get(format!("{}/ready", self.base)).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("tripdesk at {} did not become ready", self.base);
    }

    /// A client with its own cookie jar, talking to this process.
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base, Default::default())
    }

    /// Sends `signal` (SIGTERM, SIGKILL) to the process.
    pub fn signal(&self, signal: i32) {
        // SAFETY: a plain syscall on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Waits for the process to end; its exit status.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("waited for the process")
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
