//! What the service holds about a person, in SQL: their consents, and the
//! audit entries by or about them.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::audit::{AUDIT_COLUMNS, entry};
use super::rows::{self, USER_COLUMNS, millis};
use super::{SqliteStore, erasure};
use crate::domain::{
    AuditAction, AuditEntry, Consent, ConsultantId, Effects, Erasure, PasswordHash, TermsVersion,
    User, UserId,
};
use crate::store::{PrivacyStore, StoreError, StoreResult};

/// Keeps `consent` (written with the account it belongs to).
pub(super) fn insert_consent(tx: &Transaction<'_>, consent: &Consent) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO consents (user_id, terms_version, accepted_at, client_address)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        consent.user_id.to_string(),
        consent.terms_version.as_str(),
        millis(consent.accepted_at),
        consent.client_address.map(|address| address.to_string()),
    ])?;
    Ok(())
}

#[async_trait]
impl PrivacyStore for SqliteStore {
    async fn consents_of(&self, user: UserId) -> StoreResult<Vec<Consent>> {
        self.read(move |conn| {
            let mut query = conn.prepare_cached(
                "SELECT terms_version, accepted_at, client_address FROM consents
                 WHERE user_id = ?1 ORDER BY accepted_at",
            )?;
            let mut rows = query.query([user.to_string()])?;
            let mut consents = Vec::new();
            while let Some(row) = rows.next()? {
                let corrupt = || StoreError::Internal("corrupt consent".into());
                let version: String = row.get(0)?;
                let address: Option<String> = row.get(2)?;
                consents.push(Consent {
                    user_id: user,
                    terms_version: TermsVersion::parse(&version).map_err(|_| corrupt())?,
                    accepted_at: chrono::DateTime::from_timestamp_millis(row.get(1)?)
                        .ok_or_else(corrupt)?,
                    client_address: address
                        .map(|text| text.parse().map_err(|_| corrupt()))
                        .transpose()?,
                });
            }
            Ok(consents)
        })
        .await
    }

    async fn audit_about(
        &self,
        user: UserId,
        consultant: Option<ConsultantId>,
    ) -> StoreResult<Vec<AuditEntry>> {
        let consultant = consultant.map(|id| id.to_string());
        self.read(move |conn| {
            // Each part is answered by the log's actor or target index
            // (the actor index leaves out a customer's acts on bookings,
            // which the last part finds through their bookings).
            let mut query = conn.prepare_cached(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE actor_id = ?1
                     AND (actor_role IS NOT 'customer' OR target_type <> 'booking')
                 UNION
                 SELECT {AUDIT_COLUMNS} FROM audit_log WHERE target_id = ?1
                 UNION
                 SELECT {AUDIT_COLUMNS} FROM audit_log WHERE target_id IN (
                     SELECT id FROM bookings WHERE customer_id = ?1
                     UNION ALL
                     SELECT id FROM bookings WHERE consultant_id = ?2)
                 ORDER BY at, id"
            ))?;
            let mut rows = query.query(params![user.to_string(), consultant])?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next()? {
                entries.push(entry(row)?);
            }
            Ok(entries)
        })
        .await
    }

    async fn begin_erasure(
        &self,
        account: &User,
        password_hash: &PasswordHash,
        erasure: &Erasure,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let (account, hash) = (account.clone(), password_hash.clone());
        let (erasure, effects) = (erasure.clone(), effects.clone());
        let (cache, user) = (Arc::clone(&self.sessions), account.id);
        self.write_then(
            move |tx| erasure::begin(tx, &account, &hash, &erasure, &effects),
            move |_| cache.expired_sessions_of(user, None),
        )
        .await
    }

    async fn unfinished_erasures(&self) -> StoreResult<Vec<Erasure>> {
        self.read(erasure::unfinished).await
    }

    async fn finish_erasure(&self, erasure: &Erasure) -> StoreResult<()> {
        let erasure = erasure.clone();
        let (cache, user) = (Arc::clone(&self.sessions), erasure.user_id);
        self.write_then(
            move |tx| erasure::finish(tx, &erasure),
            move |_| cache.expired_sessions_of(user, None),
        )
        .await
    }

    async fn dormant_customers(&self, since: DateTime<Utc>) -> StoreResult<Vec<User>> {
        let login = AuditAction::UserLogin.as_str();
        self.read(move |conn| {
            // Logins are in the log (sessions are purged sooner); each
            // test is an index lookup per customer.
            let mut query = conn.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users u
                 WHERE u.consultant_id IS NULL AND u.admin = 0 AND u.active = 1
                   AND u.erasure IS NULL AND u.created_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM audit_log a
                       WHERE a.target_id = u.id AND a.action = ?2 AND a.at >= ?1)
                   AND NOT EXISTS (SELECT 1 FROM bookings b
                       WHERE b.customer_id = u.id AND (b.created_at >= ?1 OR b.starts_at >= ?1))"
            ))?;
            let dormant = query
                .query_map(params![millis(since), login], |row| rows::user(row, 0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(dormant)
        })
        .await
    }
}
