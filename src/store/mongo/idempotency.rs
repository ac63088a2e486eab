//! Idempotency-Key records in MongoDB.

use async_trait::async_trait;
use mongodb::bson::doc;

use super::documents::{
    date, idempotency_document, idempotency_from, idempotency_id, idempotency_state,
};
use super::{MongoStore, classify, is_duplicate_key};
use crate::domain::IdempotencyRecord;
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
