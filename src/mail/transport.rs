//! Where mail goes: an SMTP relay (`SMTP_URL`), or, in development without
//! one, `.eml` files under `MAIL_DIR`.

use std::path::PathBuf;

use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

/// Why a mail could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The SMTP server refused or could not be reached.
    #[error("SMTP delivery failed")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// The file could not be written.
    #[error("writing the mail file failed")]
    File(#[from] lettre::transport::file::Error),
}

/// A configured way out.
#[derive(Clone)]
pub enum Transport {
    /// An SMTP relay.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in a directory (development only).
    Files {
        /// The directory.
        directory: PathBuf,
        /// Writes the files.
        transport: AsyncFileTransport<Tokio1Executor>,
    },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Transport::Smtp"),
            Self::Files { directory, .. } => write!(f, "Transport::Files({})", directory.display()),
        }
    }
}

impl Transport {
    /// The relay at `url` (`smtp://host:port`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`).
    pub fn smtp(url: &SecretString) -> Result<Self, TransportError> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())?;
        Ok(Self::Smtp(
            builder
                .timeout(Some(std::time::Duration::from_secs(30)))
                .build(),
        ))
    }

    /// Files under `directory` (created if missing, readable by the
    /// service's user only: mails hold personal data).
    pub fn files(directory: PathBuf) -> std::io::Result<Self> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&directory)?;
        std::fs::set_permissions(&directory, std::fs::Permissions::from_mode(0o700))?;
        let transport = AsyncFileTransport::new(&directory);
        Ok(Self::Files {
            directory,
            transport,
        })
    }

    /// Hands `message` over; for files, the path written.
    pub async fn send(&self, message: Message) -> Result<Option<PathBuf>, TransportError> {
        match self {
            Self::Smtp(transport) => {
                transport.send(message).await?;
                Ok(None)
            }
            Self::Files {
                directory,
                transport,
            } => {
                let id = transport.send(message).await?;
                Ok(Some(directory.join(format!("{id}.eml"))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_mail_directory_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let mail = dir.path().join("data").join("mail");
        Transport::files(mail.clone()).unwrap();
        let mode = std::fs::metadata(&mail).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
