//! Timing of the personal data export's reads and of erasures.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Instrumented;
use crate::domain::{
    AuditEntry, Consent, ConsultantId, Effects, Erasure, PasswordHash, User, UserId,
};
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

    async fn begin_erasure(
        &self,
        account: &User,
        password_hash: &PasswordHash,
        erasure: &Erasure,
        effects: &Effects,
    ) -> StoreResult<bool> {
        timed!(
            self,
            "begin_erasure",
            self.inner
                .begin_erasure(account, password_hash, erasure, effects)
        )
    }

    async fn unfinished_erasures(&self) -> StoreResult<Vec<Erasure>> {
        timed!(
            self,
            "unfinished_erasures",
            self.inner.unfinished_erasures()
        )
    }

    async fn finish_erasure(&self, erasure: &Erasure) -> StoreResult<()> {
        timed!(self, "finish_erasure", self.inner.finish_erasure(erasure))
    }

    async fn dormant_customers(&self, since: DateTime<Utc>) -> StoreResult<Vec<User>> {
        timed!(
            self,
            "dormant_customers",
            self.inner.dormant_customers(since)
        )
    }
}
