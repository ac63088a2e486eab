//! API keys in MongoDB: one document each, found by the key's hash. A
//! revoked key keeps its document (marked `revokedAt`) so that the entry
//! recording the revocation rides in the same write; nothing finds or lists
//! it again.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;

use super::audit::with_audit;
use super::documents::{Fields, date, object_id};
use super::{MongoStore, classify, find_all};
use crate::domain::{ApiKey, ApiKeyId, ApiKeyName, Effects, Scopes, TokenHash, UserId};
use crate::store::{ApiKeyStore, StoreResult};

fn live(mut filter: Document) -> Document {
    filter.insert("revokedAt", doc! {"$exists": false});
    filter
}

fn key_document(key: &ApiKey, hash: &TokenHash) -> Document {
    doc! {
        "_id": object_id(key.id.bytes()),
        "keyHash": hash.as_str(),
        "name": key.name.as_str(),
        "scopes": key.scopes.names(),
        "createdBy": key.created_by.to_string(),
        "createdAt": date(key.created_at),
    }
}

fn key_from(document: &Document) -> StoreResult<ApiKey> {
    let fields = Fields {
        document,
        collection: "api_keys",
    };
    // Milliseconds, not a date: `$set` keeps a number a number on every
    // server (the test server stores `$set` dates otherwise).
    let last_used_at = match document.get("lastUsedAt") {
        Some(_) => Some(
            DateTime::from_timestamp_millis(fields.integer("lastUsedAt")?)
                .ok_or_else(|| fields.corrupt("lastUsedAt"))?,
        ),
        None => None,
    };
    Ok(ApiKey {
        id: ApiKeyId::from_bytes(fields.object_id()?),
        name: fields.domain("name", ApiKeyName::from_stored)?,
        scopes: Scopes::from_stored(&fields.strings("scopes")?),
        created_by: fields.domain("createdBy", UserId::parse)?,
        created_at: fields.instant("createdAt")?,
        last_used_at,
    })
}

#[async_trait]
impl ApiKeyStore for MongoStore {
    async fn insert_api_key(
        &self,
        key: &ApiKey,
        hash: &TokenHash,
        effects: &Effects,
    ) -> StoreResult<()> {
        let document = with_audit(key_document(key, hash), &effects.audit);
        self.api_keys.insert_one(document).await.map_err(classify)?;
        Ok(())
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        let options = FindOptions::builder()
            .sort(doc! {"createdAt": 1, "_id": 1})
            .build();
        find_all(&self.api_keys, live(Document::new()), options, key_from).await
    }

    async fn find_api_key(&self, hash: &TokenHash) -> StoreResult<Option<ApiKey>> {
        self.api_keys
            .find_one(live(doc! {"keyHash": hash.as_str()}))
            .await
            .map_err(classify)?
            .as_ref()
            .map(key_from)
            .transpose()
    }

    async fn delete_api_key(&self, id: ApiKeyId, effects: &Effects) -> StoreResult<bool> {
        let filter = live(doc! {"_id": object_id(id.bytes())});
        let revoke = doc! {"$set": {"revokedAt": Utc::now().timestamp_millis()}};
        self.update_with_audit(&self.api_keys, filter, revoke, &effects.audit)
            .await
    }

    async fn touch_api_key(&self, id: ApiKeyId, at: DateTime<Utc>) -> StoreResult<()> {
        self.api_keys
            .update_one(
                doc! {"_id": object_id(id.bytes())},
                doc! {"$set": {"lastUsedAt": at.timestamp_millis()}},
            )
            .await
            .map_err(classify)?;
        Ok(())
    }
}
