//! What the service holds about a person: what their export gathers, and
//! erasing it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{
    AuditEntry, Consent, ConsultantId, Effects, Erasure, PasswordHash, User, UserId,
};

/// The records of a person that no other part of the store lists for
/// them, and their erasure: a durable first step that makes the account
/// no one's, then a second that removes what is left, safe to repeat
/// (resumed after a crash between the two).
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// The consents `user` gave, oldest first.
    async fn consents_of(&self, user: UserId) -> StoreResult<Vec<Consent>>;

    /// Every audit entry by `user` or about their account or one of their
    /// bookings (made by them, or with `consultant`, the profile their
    /// account speaks for), oldest first.
    async fn audit_about(
        &self,
        user: UserId,
        consultant: Option<ConsultantId>,
    ) -> StoreResult<Vec<AuditEntry>>;

    /// The first step of `erasure`, all or nothing: `account` (as
    /// [`Erasure::erased_account`] made it) with `password_hash` replaces the
    /// person's, marked as being erased (by `erasure`), every session of it
    /// ends, and `effects` are written. Whether the account existed and was
    /// not being erased already.
    async fn begin_erasure(
        &self,
        account: &User,
        password_hash: &PasswordHash,
        erasure: &Erasure,
        effects: &Effects,
    ) -> StoreResult<bool>;

    /// Erasures begun and not finished.
    async fn unfinished_erasures(&self) -> StoreResult<Vec<Erasure>>;

    /// The second step: every booking of the person anonymised (and the
    /// snapshots of them mail waits with), mail to them not sent yet
    /// dropped, the audit entries about them and the webhook payloads
    /// naming them scrubbed, their sessions, devices, tokens, idempotency
    /// records, consents and throttle entries deleted; then the erasure
    /// marked finished. Repeating it changes nothing more.
    async fn finish_erasure(&self, erasure: &Erasure) -> StoreResult<()>;

    /// Customers (not erased, not being erased) who neither registered,
    /// logged in, made a booking nor had one take place since `since`:
    /// those `RETENTION_DAYS` lets go.
    async fn dormant_customers(&self, since: DateTime<Utc>) -> StoreResult<Vec<User>>;
}
