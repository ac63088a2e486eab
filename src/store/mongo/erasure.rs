//! Erasing a person in MongoDB: the first step is one replace of the user
//! document (the account made no one's, marked as being erased, its
//! consents gone with the old document); the second visits every
//! collection holding something of the person, each write safe to repeat,
//! and clears the mark last, so a crash in between is resumed.

use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use super::audit::{entry_document, entry_from, with_effects};
use super::documents::{Fields, booking_from, date, object_id, user_document};
use super::outbox::{EMBEDDED, PENDING_FLAG};
use super::{MongoStore, classify, find_all};
use crate::domain::{
    Effects, Email, Erasure, PasswordHash, User, UserId, anonymised, scrubbed_entry,
    scrubbed_event_body,
};
use crate::store::{StoreError, StoreResult, snapshot};

/// The user document's field marking an erasure under way.
const MARK: &str = "erasure";

fn mark(erasure: &Erasure) -> Document {
    doc! {"formerEmail": erasure.former_email.as_str(), "at": date(erasure.at)}
}

fn erasure_from(document: &Document) -> StoreResult<Erasure> {
    let user = Fields {
        document,
        collection: "users",
    };
    let marked = document
        .get_document(MARK)
        .map_err(|_| user.corrupt(MARK))?;
    let fields = Fields {
        document: marked,
        collection: "users",
    };
    Ok(Erasure {
        user_id: UserId::from_bytes(user.object_id()?),
        former_email: Email::parse(fields.string("formerEmail")?)
            .map_err(|_| fields.corrupt("formerEmail"))?,
        at: fields.instant("at")?,
    })
}

impl MongoStore {
    /// The durable first step (see `PrivacyStore::begin_erasure`).
    pub(super) async fn begin(
        &self,
        account: &User,
        password_hash: &PasswordHash,
        erasure: &Erasure,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let mut replacement = user_document(account, password_hash);
        replacement.insert(MARK, mark(erasure));
        let filter = doc! {
            "_id": object_id(account.id.bytes()),
            "email": erasure.former_email.as_str(),
            MARK: {"$exists": false},
        };
        let replaced = self
            .users
            .replace_one(filter, with_effects(replacement, effects))
            .await
            .map_err(classify)?;
        if replaced.matched_count == 0 {
            return Ok(false);
        }
        self.sessions
            .delete_many(doc! {"userId": account.id.to_string()})
            .await
            .map_err(classify)?;
        Ok(true)
    }

    pub(super) async fn unfinished(&self) -> StoreResult<Vec<Erasure>> {
        let options = FindOptions::builder().projection(doc! {MARK: 1}).build();
        find_all(
            &self.users,
            doc! {MARK: {"$exists": true}},
            options,
            erasure_from,
        )
        .await
    }

    /// The second step (see `PrivacyStore::finish_erasure`).
    pub(super) async fn finish(&self, erasure: &Erasure) -> StoreResult<()> {
        // Nothing of the person may wait inside a document to be copied
        // out after the scrub: entries and events go to their collections.
        self.move_pending_audit().await?;
        let user = erasure.user_id.to_string();
        let mut targets = self.anonymise_bookings(&user).await?;
        targets.push(user.clone());
        self.scrub_audit(erasure, &targets).await?;
        targets.push(erasure.former_email.as_str().to_owned());
        self.scrub_deliveries(erasure.user_id, &targets).await?;
        let theirs = doc! {"userId": &user};
        for collection in [
            &self.sessions,
            &self.trusted_devices,
            &self.account_tokens,
            &self.idempotency_keys,
            &self.recovery_codes,
            &self.mfa_challenges,
            &self.passkeys,
        ] {
            collection
                .delete_many(theirs.clone())
                .await
                .map_err(classify)?;
        }
        let addressed = doc! {
            "kind": {"$exists": true},
            "account": {"$in": [&user, erasure.former_email.as_str()]},
        };
        self.outbox.delete_many(addressed).await.map_err(classify)?;
        self.users
            .update_one(
                doc! {"_id": object_id(erasure.user_id.bytes())},
                doc! {"$unset": {MARK: ""}},
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Anonymises every booking of `customer` and the snapshots its mails
    /// keep; their ids.
    async fn anonymise_bookings(&self, customer: &str) -> StoreResult<Vec<String>> {
        let all = FindOptions::builder().build();
        let documents = find_all(
            &self.bookings,
            doc! {"customerId": customer},
            all,
            |document| Ok(document.clone()),
        )
        .await?;
        let mut ids = Vec::new();
        for mut document in documents {
            self.insert_embedded(&document).await?;
            let booking = booking_from(&document)?;
            let clean = anonymised(&booking);
            document.remove(EMBEDDED);
            document.remove(PENDING_FLAG);
            document.insert("destination", clean.details.destination.as_str());
            document.insert("notes", clean.details.notes.as_str());
            document.insert("cancellationReason", mongodb::bson::Bson::Null);
            let same_version = doc! {
                "_id": object_id(booking.id.bytes()),
                "version": i64::from(booking.version),
            };
            let replaced = self
                .bookings
                .replace_one(same_version, document)
                .await
                .map_err(classify)?;
            if replaced.matched_count == 0 {
                // Changed meanwhile: the erasure is resumed later.
                return Err(StoreError::Conflict);
            }
            self.scrub_snapshots(&booking.id.to_string()).await?;
            ids.push(booking.id.to_string());
        }
        Ok(ids)
    }

    async fn scrub_snapshots(&self, booking: &str) -> StoreResult<()> {
        let options = FindOptions::builder()
            .projection(doc! {"snapshot": 1})
            .build();
        let filter = doc! {"bookingId": booking, "snapshot": {"$exists": true}};
        let snapshots = find_all(&self.outbox, filter, options, |document| {
            Ok((
                document.get("_id").cloned(),
                document.get_str("snapshot").map(str::to_owned).ok(),
            ))
        })
        .await?;
        for (id, stored) in snapshots {
            let (Some(id), Some(stored)) = (id, stored) else {
                continue;
            };
            let clean = snapshot::to_json(&anonymised(&snapshot::from_json(&stored)?));
            self.outbox
                .update_one(doc! {"_id": id}, doc! {"$set": {"snapshot": clean}})
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    async fn scrub_audit(&self, erasure: &Erasure, targets: &[String]) -> StoreResult<()> {
        let former = erasure.former_email.as_str();
        let filter = doc! {"$or": [
            {"actorId": erasure.user_id.to_string()},
            {"targetId": {"$in": targets.iter().map(String::as_str).chain([former]).collect::<Vec<_>>()}},
        ]};
        let entries = find_all(&self.audit, filter, FindOptions::default(), entry_from).await?;
        for entry in entries {
            let clean = scrubbed_entry(&entry, erasure);
            self.audit
                .replace_one(doc! {"_id": entry.id.to_string()}, entry_document(&clean))
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    /// Webhook payloads naming any of `ids`, scrubbed.
    async fn scrub_deliveries(&self, user: UserId, ids: &[String]) -> StoreResult<()> {
        let options = FindOptions::builder().projection(doc! {"body": 1}).build();
        let bodies = find_all(&self.webhook_deliveries, doc! {}, options, |document| {
            Ok((
                document.get("_id").cloned(),
                document.get_str("body").map(str::to_owned).ok(),
            ))
        })
        .await?;
        for (id, body) in bodies {
            let (Some(id), Some(body)) = (id, body) else {
                continue;
            };
            let named = ids.iter().any(|named| body.contains(named.as_str()));
            if let Some(clean) = named.then(|| scrubbed_event_body(&body, user)).flatten() {
                self.webhook_deliveries
                    .update_one(doc! {"_id": id}, doc! {"$set": {"body": clean}})
                    .await
                    .map_err(classify)?;
            }
        }
        Ok(())
    }
}
