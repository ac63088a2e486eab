//! What the service holds about a person, as their export gathers it.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{AuditEntry, Consent, ConsultantId, UserId};

/// The records of a person that no other part of the store lists for
/// them.
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
}
