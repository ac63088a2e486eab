//! The [`Store`] operations as MongoDB commands.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::Collection;
use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use super::documents::{
    booking_from, claim_from, consultant_document, consultant_from, date, idempotency_document,
    idempotency_from, idempotency_id, idempotency_state, object_id, password_hash_from,
    session_document, session_from, user_document, user_from,
};
use super::{MongoStore, classify, is_duplicate_key, unique_violation};
use crate::domain::{
    Booking, BookingId, BookingQuery, Consultant, ConsultantId, Email, IdempotencyRecord,
    PasswordHash, Session, SessionId, SessionStatus, Slot, TokenHash, User, UserId,
};
use crate::store::{Credentials, Store, StoreError, StoreResult};

const VALID: &str = "valid";

/// Runs a find and converts every document.
async fn find_all<T>(
    collection: &Collection<Document>,
    filter: Document,
    options: FindOptions,
    convert: impl Fn(&Document) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut cursor = collection
        .find(filter)
        .with_options(options)
        .await
        .map_err(classify)?;
    let mut items = Vec::new();
    while cursor.advance().await.map_err(classify)? {
        items.push(convert(&cursor.deserialize_current().map_err(classify)?)?);
    }
    Ok(items)
}

impl MongoStore {
    pub(super) async fn find_booking_document(
        &self,
        id: BookingId,
    ) -> StoreResult<Option<Booking>> {
        let found = self
            .bookings
            .find_one(doc! {"_id": object_id(id.bytes())})
            .await
            .map_err(classify)?;
        found.as_ref().map(booking_from).transpose()
    }

    /// Expires sessions. `purgeAt` stays as set at creation (the end of the
    /// session's lifetime plus the retention period).
    fn expire_update() -> Document {
        doc! {"$set": {"status": SessionStatus::Expired.as_str()}}
    }
}

#[async_trait]
impl Store for MongoStore {
    async fn ping(&self) -> StoreResult<()> {
        self.database
            .run_command(doc! {"ping": 1})
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
    ) -> StoreResult<()> {
        self.users
            .insert_one(user_document(user, password_hash))
            .await
            .map_err(unique_violation(StoreError::EmailTaken))?;
        if let Some(session) = first_session
            && let Err(error) = self.insert_session(session).await
        {
            // Without its session the registration failed: undo it so the
            // client can simply retry.
            self.users
                .delete_one(doc! {"_id": object_id(user.id.bytes())})
                .await
                .ok();
            return Err(error);
        }
        Ok(())
    }

    async fn find_credentials(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        let found = self
            .users
            .find_one(doc! {"email": email.as_str()})
            .await
            .map_err(classify)?;
        found
            .map(|document| {
                Ok(Credentials {
                    user: user_from(&document)?,
                    password_hash: password_hash_from(&document)?,
                })
            })
            .transpose()
    }

    async fn password_hash(&self, user_id: UserId) -> StoreResult<Option<PasswordHash>> {
        let found = self
            .users
            .find_one(doc! {"_id": object_id(user_id.bytes())})
            .projection(doc! {"passwordHash": 1})
            .await
            .map_err(classify)?;
        found.as_ref().map(password_hash_from).transpose()
    }

    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: &PasswordHash,
        new_session: &Session,
    ) -> StoreResult<u64> {
        // Order matters if a step fails: new hash, then every session out,
        // then the new session in. A failure part-way logs the user out
        // everywhere, never leaves an old session valid.
        self.users
            .update_one(
                doc! {"_id": object_id(user_id.bytes())},
                doc! {"$set": {"passwordHash": password_hash.as_str()}},
            )
            .await
            .map_err(classify)?;
        let expired = self
            .sessions
            .update_many(
                doc! {"userId": user_id.to_string(), "status": VALID},
                Self::expire_update(),
            )
            .await
            .map_err(classify)?;
        self.insert_session(new_session).await?;
        Ok(expired.modified_count)
    }

    async fn record_login_failure(
        &self,
        email: &Email,
        at: DateTime<Utc>,
        forget_after: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.login_attempts
            .insert_one(
                doc! {"email": email.as_str(), "at": date(at), "forgetAt": date(forget_after)},
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn login_failures_since(
        &self,
        email: &Email,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        let filter = doc! {"email": email.as_str(), "at": {"$gt": date(since)}};
        find_all(
            &self.login_attempts,
            filter,
            FindOptions::default(),
            |document| {
                document
                    .get_datetime("at")
                    .ok()
                    .and_then(|at| DateTime::from_timestamp_millis(at.timestamp_millis()))
                    .ok_or_else(|| {
                        StoreError::Internal("corrupt document in login_attempts: field at".into())
                    })
            },
        )
        .await
    }

    async fn clear_login_failures(&self, email: &Email) -> StoreResult<()> {
        self.login_attempts
            .delete_many(doc! {"email": email.as_str()})
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        self.sessions
            .insert_one(session_document(session, self.session_retention))
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn find_session(&self, token_hash: &TokenHash) -> StoreResult<Option<(Session, User)>> {
        let Some(document) = self
            .sessions
            .find_one(doc! {"tokenHash": token_hash.as_str()})
            .await
            .map_err(classify)?
        else {
            return Ok(None);
        };
        let session = session_from(&document)?;
        let user = self
            .users
            .find_one(doc! {"_id": object_id(session.user_id.bytes())})
            .projection(doc! {"passwordHash": 0})
            .await
            .map_err(classify)?;
        user.map(|user| Ok((session, user_from(&user)?)))
            .transpose()
    }

    async fn touch_session(
        &self,
        session: &Session,
        seen_at: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()> {
        // A conditional replace rather than `$set`: one atomic write either
        // way, and the replacement keeps `lastSeenAt` a BSON date on every
        // server (see the module documentation).
        let touched = Session {
            last_seen_at: seen_at,
            ..session.clone()
        };
        self.sessions
            .replace_one(
                doc! {
                    "_id": object_id(session.id.bytes()),
                    "status": VALID,
                    "lastSeenAt": {"$lt": date(stale_before)},
                },
                session_document(&touched, self.session_retention),
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn expire_session_by_token(&self, token_hash: &TokenHash) -> StoreResult<bool> {
        let result = self
            .sessions
            .update_one(
                doc! {"tokenHash": token_hash.as_str(), "status": VALID},
                Self::expire_update(),
            )
            .await
            .map_err(classify)?;
        Ok(result.modified_count > 0)
    }

    async fn expire_session(&self, user_id: UserId, id: SessionId) -> StoreResult<bool> {
        let result = self
            .sessions
            .update_one(
                doc! {"_id": object_id(id.bytes()), "userId": user_id.to_string(), "status": VALID},
                Self::expire_update(),
            )
            .await
            .map_err(classify)?;
        Ok(result.modified_count > 0)
    }

    async fn expire_other_sessions(&self, user_id: UserId, keep: SessionId) -> StoreResult<u64> {
        let result = self
            .sessions
            .update_many(
                doc! {"userId": user_id.to_string(), "status": VALID, "_id": {"$ne": object_id(keep.bytes())}},
                Self::expire_update(),
            )
            .await
            .map_err(classify)?;
        Ok(result.modified_count)
    }

    async fn list_sessions(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Session>> {
        let filter =
            doc! {"userId": user_id.to_string(), "status": VALID, "expiresAt": {"$gt": date(now)}};
        let options = FindOptions::builder()
            .sort(doc! {"createdAt": -1, "_id": -1})
            .build();
        find_all(&self.sessions, filter, options, session_from).await
    }

    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
    ) -> StoreResult<()> {
        self.consultants
            .insert_one(consultant_document(consultant))
            .await
            .map_err(classify)?;
        if let Some((user, hash)) = account
            && let Err(error) = self.insert_user(user, hash, None).await
        {
            self.consultants
                .delete_one(doc! {"_id": object_id(consultant.id.bytes())})
                .await
                .ok();
            return Err(error);
        }
        Ok(())
    }

    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>> {
        let options = FindOptions::builder()
            .sort(doc! {"name": 1, "_id": 1})
            .build();
        find_all(&self.consultants, doc! {}, options, consultant_from).await
    }

    async fn find_consultant(&self, id: ConsultantId) -> StoreResult<Option<Consultant>> {
        let found = self
            .consultants
            .find_one(doc! {"_id": object_id(id.bytes())})
            .await
            .map_err(classify)?;
        found.as_ref().map(consultant_from).transpose()
    }

    async fn insert_booking(&self, booking: &Booking) -> StoreResult<()> {
        self.write_new_booking(booking).await
    }

    async fn find_booking(&self, id: BookingId) -> StoreResult<Option<Booking>> {
        self.find_booking_document(id).await
    }

    async fn update_booking(&self, previous: &Booking, updated: &Booking) -> StoreResult<()> {
        self.write_changed_booking(previous, updated).await
    }

    async fn list_bookings(&self, query: &BookingQuery) -> StoreResult<Vec<Booking>> {
        let mut parties = vec![doc! {"customerId": query.customer_id.to_string()}];
        if let Some(consultant) = query.consultant_id {
            parties.push(doc! {"consultantId": consultant.to_string()});
        }
        let mut clauses = vec![doc! {"$or": parties}];
        if let Some(status) = query.status {
            clauses.push(doc! {"status": status.as_str()});
        }
        let mut starts = Document::new();
        if let Some(from) = query.from {
            starts.insert("$gte", date(from));
        }
        if let Some(to) = query.to {
            starts.insert("$lt", date(to));
        }
        if !starts.is_empty() {
            clauses.push(doc! {"startsAt": starts});
        }
        if let Some(after) = query.after {
            clauses.push(doc! {"$or": [
                {"startsAt": {"$gt": date(after.starts_at)}},
                {"startsAt": date(after.starts_at), "_id": {"$gt": object_id(after.id.bytes())}},
            ]});
        }
        let options = FindOptions::builder()
            .sort(doc! {"startsAt": 1, "_id": 1})
            .limit(i64::try_from(query.fetch_limit()).unwrap_or(i64::MAX))
            .build();
        find_all(
            &self.bookings,
            doc! {"$and": clauses},
            options,
            booking_from,
        )
        .await
    }

    async fn insert_idempotency_record(
        &self,
        record: &IdempotencyRecord,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        // Twice at most: the existing record may vanish (TTL purge, deletion
        // after a failure) between the refused insert and the read.
        for _ in 0..2 {
            match self
                .idempotency_keys
                .insert_one(idempotency_document(record))
                .await
            {
                Ok(_) => return Ok(None),
                Err(error) if is_duplicate_key(&error) => {
                    let existing = self
                        .idempotency_keys
                        .find_one(doc! {"_id": idempotency_id(record)})
                        .await
                        .map_err(classify)?;
                    if let Some(existing) = existing {
                        return idempotency_from(&existing).map(Some);
                    }
                }
                Err(error) => return Err(classify(error)),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn replace_idempotency_record(
        &self,
        existing: &IdempotencyRecord,
        record: &IdempotencyRecord,
    ) -> StoreResult<bool> {
        let filter = doc! {
            "_id": idempotency_id(existing),
            "createdAt": date(existing.created_at),
            "state": idempotency_state(existing),
        };
        let replaced = self
            .idempotency_keys
            .replace_one(filter, idempotency_document(record))
            .await
            .map_err(classify)?;
        Ok(replaced.matched_count > 0)
    }

    async fn delete_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        self.idempotency_keys
            .delete_one(doc! {"_id": idempotency_id(record), "createdAt": date(record.created_at)})
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn occupied_slots(
        &self,
        consultant: ConsultantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Slot>> {
        let filter = doc! {
            "consultantId": consultant.to_string(),
            "slotStart": {"$gte": date(from), "$lt": date(to)},
        };
        let options = FindOptions::builder().sort(doc! {"slotStart": 1}).build();
        find_all(&self.claims, filter, options, |document| {
            Ok(claim_from(document)?.slot)
        })
        .await
    }
}
