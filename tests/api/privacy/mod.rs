//! Privacy: the personal data export, the consent kept from registration,
//! erasure and retention.

mod erasure;
mod erasure_paths;
mod export;
mod retention;

use tripdesk::domain::{AuditAction, ConsultantId, UserId};

use crate::helpers::TestApp;

/// Waits until the log holds `count` sent mails about `user`'s account or
/// bookings.
pub(super) async fn mails_recorded(
    app: &TestApp,
    user: UserId,
    consultant: Option<ConsultantId>,
    count: usize,
) {
    for _ in 0..200 {
        let entries = app.store.audit_about(user, consultant).await.unwrap();
        let sent = entries
            .iter()
            .filter(|entry| entry.action == AuditAction::MailSent);
        if sent.count() >= count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{count} mails were never recorded for {user}");
}
