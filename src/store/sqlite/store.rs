//! The [`Store`] operations in SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::rows::{
    self, BOOKING_COLUMNS, CONSULTANT_COLUMNS, IDEMPOTENCY_COLUMNS, SESSION_COLUMNS, USER_COLUMNS,
    millis,
};
use super::{SqliteStore, unique_violation};
use crate::domain::{
    Booking, BookingId, BookingQuery, Consultant, ConsultantId, Email, IdempotencyRecord,
    PasswordHash, Session, SessionId, Slot, TokenHash, User, UserId,
};
use crate::store::{Credentials, Store, StoreError, StoreResult};

const EXPIRED: &str = "expired";
const VALID: &str = "valid";

fn insert_user_row(tx: &Transaction<'_>, user: &User, hash: &PasswordHash) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO users (id, email, name, consultant_id, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.id.to_string(),
            user.email.as_str(),
            user.name.as_str(),
            user.role.consultant_id().map(|id| id.to_string()),
            hash.as_str(),
            millis(user.created_at),
        ],
    )
    .map_err(unique_violation(StoreError::EmailTaken))?;
    Ok(())
}

fn insert_session_row(tx: &Transaction<'_>, session: &Session) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, status, user_agent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            session.id.to_string(),
            session.token_hash.as_str(),
            session.user_id.to_string(),
            millis(session.created_at),
            millis(session.last_seen_at),
            millis(session.expires_at),
            session.status.as_str(),
            session.user_agent.as_ref().map(|agent| agent.as_str()),
        ],
    )?;
    Ok(())
}

/// Claims every slot of a live booking; a slot already claimed fails the
/// whole transaction with [`StoreError::SlotTaken`].
fn claim_slots(tx: &Transaction<'_>, booking: &Booking) -> StoreResult<()> {
    if !booking.status.is_live() {
        return Ok(());
    }
    let mut claim = tx.prepare_cached(
        "INSERT INTO booking_slots (consultant_id, slot_start, booking_id) VALUES (?1, ?2, ?3)",
    )?;
    let (consultant, id) = (booking.consultant_id.to_string(), booking.id.to_string());
    for slot in booking.appointment.slots() {
        claim
            .execute(params![consultant, millis(slot.start()), id])
            .map_err(unique_violation(StoreError::SlotTaken))?;
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.read(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?))
            .await
    }

    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
    ) -> StoreResult<()> {
        let (user, hash, session) = (user.clone(), password_hash.clone(), first_session.cloned());
        self.write(move |tx| {
            insert_user_row(tx, &user, &hash)?;
            session.map_or(Ok(()), |session| insert_session_row(tx, &session))
        })
        .await
    }

    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        let email = email.as_str().to_owned();
        self.read(move |conn| {
            let sql =
                format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = ?1");
            Ok(conn
                .query_row(&sql, [email], |row| {
                    Ok(Credentials {
                        user: rows::user(row, 0)?,
                        password_hash: PasswordHash::from_phc(row.get(5)?),
                    })
                })
                .optional()?)
        })
        .await
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<PasswordHash>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT password_hash FROM users WHERE id = ?1",
                    [user_id.to_string()],
                    |row| Ok(PasswordHash::from_phc(row.get(0)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: &PasswordHash,
        new_session: &Session,
    ) -> StoreResult<u64> {
        let (hash, session) = (password_hash.clone(), new_session.clone());
        self.write(move |tx| {
            let id = user_id.to_string();
            tx.execute(
                "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                params![hash.as_str(), id],
            )?;
            let expired = tx.execute(
                "UPDATE sessions SET status = ?1 WHERE user_id = ?2 AND status = ?3",
                params![EXPIRED, id, VALID],
            )?;
            insert_session_row(tx, &session)?;
            Ok(expired as u64)
        })
        .await
    }

    async fn record_login_failure(
        &self,
        email: &Email,
        at: DateTime<Utc>,
        forget_after: DateTime<Utc>,
    ) -> StoreResult<()> {
        let email = email.as_str().to_owned();
        self.write(move |tx| {
            // Keep the table small: drop what no window can count any more.
            tx.execute(
                "DELETE FROM login_failures WHERE email = ?1 AND forget_at < ?2",
                params![email, millis(at)],
            )?;
            tx.execute(
                "INSERT INTO login_failures (email, at, forget_at) VALUES (?1, ?2, ?3)",
                params![email, millis(at), millis(forget_after)],
            )?;
            Ok(())
        })
        .await
    }

    async fn login_failures_since(
        &self,
        email: &Email,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        let email = email.as_str().to_owned();
        self.read(move |conn| {
            let mut statement =
                conn.prepare_cached("SELECT at FROM login_failures WHERE email = ?1 AND at > ?2")?;
            let times = statement
                .query_map(params![email, millis(since)], |row| row.get::<_, i64>(0))?
                .map(|at| {
                    let at = at?;
                    DateTime::from_timestamp_millis(at).ok_or_else(|| {
                        StoreError::Internal(format!("corrupt login failure time {at}").into())
                    })
                })
                .collect::<StoreResult<_>>()?;
            Ok(times)
        })
        .await
    }

    async fn clear_login_failures(&self, email: &Email) -> StoreResult<()> {
        let email = email.as_str().to_owned();
        self.write(move |tx| {
            tx.execute("DELETE FROM login_failures WHERE email = ?1", [email])?;
            Ok(())
        })
        .await
    }

    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        let session = session.clone();
        self.write(move |tx| insert_session_row(tx, &session)).await
    }

    async fn find_session(&self, token_hash: &TokenHash) -> StoreResult<Option<(Session, User)>> {
        let token_hash = token_hash.as_str().to_owned();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {SESSION_COLUMNS}, {USER_COLUMNS}
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            Ok(statement
                .query_row([token_hash], |row| {
                    Ok((rows::session(row, 0)?, rows::user(row, 8)?))
                })
                .optional()?)
        })
        .await
    }

    async fn touch_session(
        &self,
        session: &Session,
        seen_at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()> {
        let id = session.id;
        self.write(move |tx| {
            tx.execute(
                "UPDATE sessions SET last_seen_at = ?1 WHERE id = ?2 AND status = ?3 AND last_seen_at < ?4",
                params![millis(seen_at), id.to_string(), VALID, millis(stale_before)],
            )?;
            Ok(())
        })
        .await
    }

    async fn expire_session_by_token(&self, token_hash: &TokenHash) -> StoreResult<bool> {
        let token_hash = token_hash.as_str().to_owned();
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE sessions SET status = ?1 WHERE token_hash = ?2 AND status = ?3",
                params![EXPIRED, token_hash, VALID],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn expire_session(&self, user_id: UserId, id: SessionId) -> StoreResult<bool> {
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE sessions SET status = ?1 WHERE id = ?2 AND user_id = ?3 AND status = ?4",
                params![EXPIRED, id.to_string(), user_id.to_string(), VALID],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn expire_other_sessions(&self, user_id: UserId, keep: SessionId) -> StoreResult<u64> {
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE sessions SET status = ?1 WHERE user_id = ?2 AND id <> ?3 AND status = ?4",
                params![EXPIRED, user_id.to_string(), keep.to_string(), VALID],
            )?;
            Ok(changed as u64)
        })
        .await
    }

    async fn list_sessions(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {SESSION_COLUMNS} FROM sessions s
                 WHERE s.user_id = ?1 AND s.status = ?2 AND s.expires_at > ?3
                 ORDER BY s.created_at DESC, s.id DESC"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let sessions = statement
                .query_map(params![user_id.to_string(), VALID, millis(now)], |row| {
                    rows::session(row, 0)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(sessions)
        })
        .await
    }

    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
    ) -> StoreResult<()> {
        let consultant = consultant.clone();
        let account = account.map(|(user, hash)| (user.clone(), hash.clone()));
        self.write(move |tx| {
            let to_json = |items: &[String]| {
                serde_json::to_string(items).map_err(|error| StoreError::Internal(error.into()))
            };
            tx.execute(
                "INSERT INTO consultants (id, name, specialties, languages, timezone, working_hours)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    consultant.id.to_string(),
                    consultant.name.as_str(),
                    to_json(&consultant.specialties)?,
                    to_json(&consultant.languages)?,
                    consultant.timezone.name(),
                    consultant.working_hours.to_string(),
                ],
            )?;
            account.map_or(Ok(()), |(user, hash)| insert_user_row(tx, &user, &hash))
        })
        .await
    }

    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>> {
        self.read(|conn| {
            let sql =
                format!("SELECT {CONSULTANT_COLUMNS} FROM consultants c ORDER BY c.name, c.id");
            let mut statement = conn.prepare_cached(&sql)?;
            let consultants = statement
                .query_map([], |row| rows::consultant(row, 0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(consultants)
        })
        .await
    }

    async fn find_consultant(&self, id: ConsultantId) -> StoreResult<Option<Consultant>> {
        self.read(move |conn| {
            let sql = format!("SELECT {CONSULTANT_COLUMNS} FROM consultants c WHERE c.id = ?1");
            let mut statement = conn.prepare_cached(&sql)?;
            Ok(statement
                .query_row([id.to_string()], |row| rows::consultant(row, 0))
                .optional()?)
        })
        .await
    }

    async fn insert_booking(&self, booking: &Booking) -> StoreResult<()> {
        let booking = booking.clone();
        self.write(move |tx| {
            let details = &booking.details;
            tx.execute(
                "INSERT INTO bookings (id, customer_id, consultant_id, starts_at, duration_minutes, mode,
                     destination, travelers, notes, status, cancellation_reason, version, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    booking.id.to_string(),
                    booking.customer_id.to_string(),
                    booking.consultant_id.to_string(),
                    millis(booking.appointment.start()),
                    booking.appointment.duration().minutes(),
                    details.mode.as_str(),
                    details.destination.as_str(),
                    details.travelers.get(),
                    details.notes.as_str(),
                    booking.status.as_str(),
                    booking.cancellation_reason.as_ref().map(|reason| reason.as_str()),
                    booking.version,
                    millis(booking.created_at),
                    millis(booking.updated_at),
                ],
            )?;
            claim_slots(tx, &booking)
        })
        .await
    }

    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>> {
        self.read(move |conn| {
            let sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings b WHERE b.id = ?1");
            let mut statement = conn.prepare_cached(&sql)?;
            Ok(statement
                .query_row([id.to_string()], |row| rows::booking(row, 0))
                .optional()?)
        })
        .await
    }

    async fn update_booking(&self, previous: &Booking, updated: &Booking) -> StoreResult<()> {
        let (booking, previous_version) = (updated.clone(), previous.version);
        self.write(move |tx| {
            let details = &booking.details;
            let changed = tx.execute(
                "UPDATE bookings SET starts_at = ?1, duration_minutes = ?2, mode = ?3, destination = ?4,
                     travelers = ?5, notes = ?6, status = ?7, cancellation_reason = ?8, version = ?9,
                     updated_at = ?10
                 WHERE id = ?11 AND version = ?12",
                params![
                    millis(booking.appointment.start()),
                    booking.appointment.duration().minutes(),
                    details.mode.as_str(),
                    details.destination.as_str(),
                    details.travelers.get(),
                    details.notes.as_str(),
                    booking.status.as_str(),
                    booking.cancellation_reason.as_ref().map(|reason| reason.as_str()),
                    booking.version,
                    millis(booking.updated_at),
                    booking.id.to_string(),
                    previous_version,
                ],
            )?;
            if changed == 0 {
                return Err(StoreError::Conflict);
            }
            tx.execute("DELETE FROM booking_slots WHERE booking_id = ?1", [booking.id.to_string()])?;
            claim_slots(tx, &booking)
        })
        .await
    }

    async fn list_bookings(&self, query: &BookingQuery) -> StoreResult<Vec<Booking>> {
        let query = query.clone();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {BOOKING_COLUMNS} FROM bookings b
                 WHERE (b.customer_id = ?1 OR b.consultant_id = ?2)
                   AND (?3 IS NULL OR b.status = ?3)
                   AND (?4 IS NULL OR b.starts_at >= ?4)
                   AND (?5 IS NULL OR b.starts_at < ?5)
                   AND (?6 IS NULL OR (b.starts_at, b.id) > (?6, ?7))
                 ORDER BY b.starts_at, b.id
                 LIMIT ?8"
            );
            let mut statement = conn.prepare_cached(&sql)?;
            let bookings = statement
                .query_map(
                    params![
                        query.customer_id.to_string(),
                        query.consultant_id.map(|id| id.to_string()),
                        query.status.map(|status| status.as_str()),
                        query.from.map(millis),
                        query.to.map(millis),
                        query.after.map(|after| millis(after.starts_at)),
                        query.after.map(|after| after.id.to_string()),
                        query.fetch_limit() as i64,
                    ],
                    |row| rows::booking(row, 0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            Ok(bookings)
        })
        .await
    }

    async fn insert_idempotency_record(
        &self,
        record: &IdempotencyRecord,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let record = record.clone();
        self.write(move |tx| {
            let (user, key) = (record.user_id.to_string(), record.key.as_str().to_owned());
            tx.execute(
                "DELETE FROM idempotency_keys WHERE expires_at < ?1",
                [millis(record.created_at)],
            )?;
            let inserted = tx.execute(
                "INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, key) DO NOTHING",
                params![user, key, record.fingerprint.as_str(), millis(record.created_at), millis(record.expires_at())],
            )?;
            if inserted > 0 {
                return Ok(None);
            }
            let sql = format!("SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency_keys k WHERE k.user_id = ?1 AND k.key = ?2");
            Ok(Some(tx.query_row(&sql, params![user, key], |row| rows::idempotency_record(row, 0))?))
        })
        .await
    }

    async fn replace_idempotency_record(
        &self,
        existing: &IdempotencyRecord,
        record: &IdempotencyRecord,
    ) -> StoreResult<bool> {
        let (existing, record) = (existing.clone(), record.clone());
        self.write(move |tx| {
            let response = record.response.as_ref();
            let replaced = tx.execute(
                "UPDATE idempotency_keys
                 SET fingerprint = ?1, created_at = ?2, expires_at = ?3,
                     response_status = ?4, response_body = ?5, response_location = ?6
                 WHERE user_id = ?7 AND key = ?8 AND created_at = ?9 AND (response_status IS NULL) = ?10",
                params![
                    record.fingerprint.as_str(),
                    millis(record.created_at),
                    millis(record.expires_at()),
                    response.map(|response| response.status),
                    response.map(|response| response.body.as_str()),
                    response.and_then(|response| response.location.as_deref()),
                    existing.user_id.to_string(),
                    existing.key.as_str(),
                    millis(existing.created_at),
                    existing.response.is_none(),
                ],
            )?;
            Ok(replaced > 0)
        })
        .await
    }

    async fn delete_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        let record = record.clone();
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_at = ?3",
                params![
                    record.user_id.to_string(),
                    record.key.as_str(),
                    millis(record.created_at)
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn occupied_slots(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Slot>> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT slot_start FROM booking_slots
                 WHERE consultant_id = ?1 AND slot_start >= ?2 AND slot_start < ?3
                 ORDER BY slot_start",
            )?;
            let slots = statement
                .query_map(
                    params![consultant.to_string(), millis(from), millis(to)],
                    |row| row.get::<_, i64>(0),
                )?
                .map(|start| {
                    let start = start?;
                    DateTime::from_timestamp_millis(start)
                        .and_then(Slot::starting_at)
                        .ok_or_else(|| {
                            StoreError::Internal(format!("corrupt slot start {start}").into())
                        })
                })
                .collect::<StoreResult<_>>()?;
            Ok(slots)
        })
        .await
    }
}
