//! Idempotency-Key records in MongoDB.

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};

use super::documents::{Fields, date};
use super::{MongoStore, classify, is_duplicate_key};
use crate::domain::{Fingerprint, IdempotencyKey, IdempotencyRecord, StoredResponse, UserId};
use crate::store::{IdempotencyStore, StoreError, StoreResult};

#[async_trait]
impl IdempotencyStore for MongoStore {
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
}

/// The `_id` of a key's record: the user's id, then the key (the id has a
/// fixed length, so the pair is unambiguous).
fn idempotency_id(record: &IdempotencyRecord) -> String {
    format!("{}:{}", record.user_id, record.key.as_str())
}

/// `started` until the response is stored, then `finished`.
fn idempotency_state(record: &IdempotencyRecord) -> &'static str {
    if record.response.is_some() {
        "finished"
    } else {
        "started"
    }
}

fn idempotency_document(record: &IdempotencyRecord) -> Document {
    let response = record.response.as_ref().map(|response| {
        doc! {"status": i32::from(response.status), "body": &response.body, "location": response.location.as_deref()}
    });
    doc! {
        "_id": idempotency_id(record),
        "userId": record.user_id.to_string(),
        "key": record.key.as_str(),
        "fingerprint": record.fingerprint.as_str(),
        "createdAt": date(record.created_at),
        "expiresAt": date(record.expires_at()),
        "state": idempotency_state(record),
        "response": response,
    }
}

fn idempotency_from(document: &Document) -> StoreResult<IdempotencyRecord> {
    let fields = Fields {
        document,
        collection: "idempotency_keys",
    };
    let response = match document.get("response") {
        None | Some(Bson::Null) => None,
        Some(Bson::Document(response)) => {
            let inner = Fields {
                document: response,
                collection: "idempotency_keys",
            };
            Some(StoredResponse {
                status: u16::try_from(inner.integer("status")?)
                    .map_err(|_| fields.corrupt("response"))?,
                body: inner.string("body")?.to_owned(),
                location: inner.optional_string("location")?.map(str::to_owned),
            })
        }
        Some(_) => return Err(fields.corrupt("response")),
    };
    Ok(IdempotencyRecord {
        user_id: fields.domain("userId", UserId::parse)?,
        key: fields.domain("key", |text| IdempotencyKey::parse(text).ok())?,
        fingerprint: Fingerprint::from_hex(fields.string("fingerprint")?.to_owned()),
        created_at: fields.instant("createdAt")?,
        response,
    })
}
