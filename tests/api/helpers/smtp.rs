//! A real SMTP server for the mail tests: aiosmtpd (PyPI) on 127.0.0.1,
//! storing what it receives in a Maildir. `scripts/test` installs it and
//! names its Python in `TRIPDESK_TEST_SMTP_PYTHON`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use super::process::free_port;

/// One received mail, parsed as MIME.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The raw message.
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    /// The parsed message.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message")
    }
}

/// A running SMTP server (stopped when dropped); its mailbox outlives
/// restarts.
pub struct SmtpServer {
    pub port: u16,
    mailbox: TempDir,
    child: Option<Child>,
}

impl SmtpServer {
    /// A server on a free port.
    pub async fn start() -> Self {
        let mut server = Self::stopped();
        server.restart().await;
        server
    }

    /// A port and mailbox with no server yet (mail sent there fails).
    pub fn stopped() -> Self {
        Self {
            port: free_port(),
            mailbox: TempDir::new().unwrap(),
            child: None,
        }
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on its port.
    pub async fn restart(&mut self) {
        self.stop();
        let python =
            std::env::var("TRIPDESK_TEST_SMTP_PYTHON").unwrap_or_else(|_| "python3".into());
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.mailbox.path().join("maildir"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start aiosmtpd with {python} ({error}): run `scripts/test`, which \
                     installs it, or set TRIPDESK_TEST_SMTP_PYTHON"
                )
            });
        self.child = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("aiosmtpd did not start on port {}", self.port);
    }

    /// Stops the server; mail sent now fails.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every mail received so far.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .filter_map(|folder| {
                std::fs::read_dir(self.mailbox.path().join("maildir").join(folder)).ok()
            })
            .flatten()
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        // Maildir names start `<seconds>.M<microseconds>…`, the microseconds
        // not zero-padded: order by the numbers, not the text.
        files.sort_by_key(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let mut parts = name.split('.');
            let seconds: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let micros: u64 = parts
                .next()
                .and_then(|part| part.strip_prefix('M'))
                .and_then(|digits| {
                    let end = digits
                        .find(|c: char| !c.is_ascii_digit())
                        .unwrap_or(digits.len());
                    digits[..end].parse().ok()
                })
                .unwrap_or(0);
            (seconds, micros, name.into_owned())
        });
        files
            .into_iter()
            .filter_map(|path| std::fs::read(path).ok())
            .map(|raw| ReceivedMail { raw })
            .collect()
    }

    /// Waits until at least `count` mails arrived; all of them.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        for _ in 0..400 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} mails, got {}", self.received().len());
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
