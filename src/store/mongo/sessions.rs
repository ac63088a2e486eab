//! Sessions in MongoDB.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use super::audit::with_audit;
use super::documents::{date, object_id, session_document, session_from, user_from};
use super::{MongoStore, classify, find_all};
use crate::domain::{Effects, Session, SessionId, SessionStatus, TokenHash, User, UserId};
use crate::store::{SessionStore, StoreResult, UserStore};

pub(super) const VALID: &str = "valid";

/// Expires sessions. `purgeAt` stays as set at creation (the end of the
/// session's lifetime plus the retention period).
pub(super) fn expire_update() -> Document {
    doc! {"$set": {"status": SessionStatus::Expired.as_str()}}
}

#[async_trait]
impl SessionStore for MongoStore {
    async fn insert_session(&self, session: &Session, effects: &Effects) -> StoreResult<()> {
        let document = session_document(session, self.session_retention);
        self.sessions
            .insert_one(with_audit(document, &effects.audit))
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
                expire_update(),
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
                expire_update(),
            )
            .await
            .map_err(classify)?;
        Ok(result.modified_count > 0)
    }

    async fn expire_other_sessions(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<u64> {
        if let Some(user) = self.find_user(user_id).await? {
            self.turn_off_feed_of(&user, effects).await?;
        }
        self.record_on(
            &self.users,
            doc! {"_id": object_id(user_id.bytes())},
            &effects.audit,
        )
        .await?;
        let result = self
            .sessions
            .update_many(
                doc! {"userId": user_id.to_string(), "status": VALID, "_id": {"$ne": object_id(keep.bytes())}},
                expire_update(),
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
}
