//! Timing of the reads a personal data export makes.

use async_trait::async_trait;

use super::Instrumented;
use crate::domain::{AuditEntry, Consent, ConsultantId, UserId};
use crate::store::{PrivacyStore, StoreResult};

#[async_trait]
impl PrivacyStore for Instrumented {
    async fn consents_of(&self, user: UserId) -> StoreResult<Vec<Consent>> {
        timed!(self, "consents_of", self.inner.consents_of(user))
    }

    async fn audit_about(
        &self,
        user: UserId,
        consultant: Option<ConsultantId>,
    ) -> StoreResult<Vec<AuditEntry>> {
        timed!(
            self,
            "audit_about",
            self.inner.audit_about(user, consultant)
        )
    }
}
