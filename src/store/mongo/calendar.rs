//! Consultants' schedules, feed secrets and time off in MongoDB, all on the
//! consultant document (`calendarFeedHash`; `timeOff`, rewritten whole under
//! a version number: `$push` of documents is not portable to the compatible
//! server the tests run on, which stores them as text).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::doc;

use super::documents::{
    Fields, consultant_document, consultant_from, object_id, time_off_document,
};
use super::{MongoStore, classify};
use crate::domain::{
    AuditEntry, Consultant, ConsultantId, Effects, FeedSecret, Schedule, TimeOff, TimeOffId,
    TokenHash, format_timestamp,
};
use crate::store::{CalendarStore, ConsultantStore, StoreError, StoreResult};

const FEED: &str = "calendarFeedHash";
const FEED_SINCE: &str = "calendarFeedCreatedAt";
const VERSION: &str = "timeOffVersion";

#[async_trait]
impl CalendarStore for MongoStore {
    async fn update_schedule(
        &self,
        consultant: ConsultantId,
        schedule: &Schedule,
        effects: &Effects,
    ) -> StoreResult<Option<Consultant>> {
        let Some(current) = self.find_consultant(consultant).await? else {
            return Ok(None);
        };
        let updated = current.with_schedule(*schedule);
        let mut fields = consultant_document(&updated);
        for key in [
            "_id",
            "name",
            "specialties",
            "languages",
            "timeOff",
            "modes",
            "bio",
            "active",
            VERSION,
        ] {
            fields.remove(key);
        }
        self.update_with_audit(
            &self.consultants,
            doc! {"_id": object_id(consultant.bytes())},
            doc! {"$set": fields},
            &effects.audit,
        )
        .await?;
        Ok(Some(updated))
    }

    async fn set_calendar_feed(
        &self,
        consultant: ConsultantId,
        secret: Option<&FeedSecret>,
        effects: &Effects,
    ) -> StoreResult<()> {
        // `$set` writes strings only (the test server stores a date as a
        // string): the time goes in as RFC 3339 text.
        let update = match secret {
            Some(secret) => doc! {"$set": {
                FEED: secret.token_hash.as_str(),
                FEED_SINCE: format_timestamp(secret.created_at),
            }},
            None => doc! {"$unset": {FEED: "", FEED_SINCE: ""}},
        };
        let filter = doc! {"_id": object_id(consultant.bytes())};
        self.update_with_audit(&self.consultants, filter, update, &effects.audit)
            .await?;
        Ok(())
    }

    async fn calendar_feed_since(
        &self,
        consultant: ConsultantId,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let found = self
            .consultants
            .find_one(doc! {"_id": object_id(consultant.bytes()), FEED: {"$exists": true}})
            .projection(doc! {FEED_SINCE: 1})
            .await
            .map_err(classify)?;
        let Some(document) = found else {
            return Ok(None);
        };
        let fields = Fields {
            document: &document,
            collection: "consultants",
        };
        // Feeds made before the time was kept show the epoch.
        match fields.optional_string(FEED_SINCE)? {
            None => Ok(Some(DateTime::UNIX_EPOCH)),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|at| Some(at.to_utc()))
                .map_err(|_| fields.corrupt(FEED_SINCE)),
        }
    }

    async fn find_consultant_by_feed(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<Consultant>> {
        let found = self
            .consultants
            .find_one(doc! {FEED: token_hash.as_str()})
            .await
            .map_err(classify)?;
        found.as_ref().map(consultant_from).transpose()
    }

    async fn insert_time_off(
        &self,
        time_off: &TimeOff,
        now: DateTime<Utc>,
        effects: &Effects,
    ) -> StoreResult<TimeOff> {
        self.add_time_off(time_off, now, &effects.audit).await
    }

    async fn delete_time_off(
        &self,
        consultant: ConsultantId,
        id: TimeOffId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let removed = self
            .change_time_off(
                consultant,
                move |all| {
                    let before = all.len();
                    all.retain(|off| off.id != id);
                    all.len() < before
                },
                |removed| removed.then(|| effects.audit.clone()).unwrap_or_default(),
            )
            .await?;
        Ok(removed.unwrap_or(false))
    }
}

impl MongoStore {
    /// Rewrites the time off of `consultant` with `change`: read, change,
    /// and write back conditioned on `timeOffVersion`, retried when another
    /// change came between (so none is lost), with the audit entries
    /// `record` makes of its result. What `change` returned; `None` if
    /// there is no such consultant.
    pub(super) async fn change_time_off<T>(
        &self,
        consultant: ConsultantId,
        change: impl Fn(&mut Vec<TimeOff>) -> T + Send + Sync,
        record: impl Fn(&T) -> Vec<AuditEntry> + Send + Sync,
    ) -> StoreResult<Option<T>> {
        let id = doc! {"_id": object_id(consultant.bytes())};
        for _ in 0..8 {
            let Some(document) = self
                .consultants
                .find_one(id.clone())
                .await
                .map_err(classify)?
            else {
                return Ok(None);
            };
            let mut time_off = consultant_from(&document)?.time_off;
            let result = change(&mut time_off);
            time_off.sort_by_key(|off| (off.starts_at, off.id));
            let mut unchanged = id.clone();
            let version = match document.get(VERSION) {
                Some(version) => {
                    unchanged.insert(VERSION, version.clone());
                    version
                        .as_i64()
                        .or(version.as_i32().map(i64::from))
                        .unwrap_or(0)
                }
                None => {
                    unchanged.insert(VERSION, doc! {"$exists": false});
                    0
                }
            };
            let entries: Vec<_> = time_off.iter().map(time_off_document).collect();
            let update = doc! {"$set": {"timeOff": entries, VERSION: version + 1}};
            let audit = record(&result);
            if self
                .update_with_audit(&self.consultants, unchanged, update, &audit)
                .await?
            {
                return Ok(Some(result));
            }
        }
        Err(StoreError::Conflict)
    }
}
