//! Passkeys as documents: one `passkeys` document per credential (the
//! library's JSON as text, `lastUsedAt` in epoch milliseconds: a number a
//! `$set` stores as it is on every server), `passkeyCount` on the user
//! document, and a `passkey_ceremonies` document per ceremony under way
//! (removed by a TTL index once expired).
//!
//! Without transactions the writes of one change go in an order that
//! fails safe: adding stores the passkey (its audit entry riding in it)
//! before the count and the other sessions; removing deletes it before the
//! count (the entry riding in the user document) and the sessions. A crash
//! in between leaves at worst a count off by one, never a passkey that
//! works without its entry.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::FindOptions;

use super::audit::with_audit;
use super::documents::{Fields, date, object_id};
use super::{MongoStore, classify, find_all, is_duplicate_key};
use crate::domain::{
    CeremonyKey, Effects, PasskeyCeremony, PasskeyId, PasskeyName, SessionId, StoredPasskey, UserId,
};
use crate::store::{PasskeyStore, StoreResult};

fn passkey_document(passkey: &StoredPasskey) -> Document {
    doc! {
        "_id": passkey.id.to_string(),
        "userId": passkey.user_id.to_string(),
        "name": passkey.name.as_str(),
        "credentialId": &passkey.credential_id,
        "credential": &passkey.credential,
        "createdAt": date(passkey.created_at),
        "lastUsedAt": passkey.last_used_at.map(|at| at.timestamp_millis()),
    }
}

fn passkey_from(document: &Document) -> StoreResult<StoredPasskey> {
    let fields = Fields {
        document,
        collection: "passkeys",
    };
    let last_used_at = match document.get("lastUsedAt") {
        None | Some(Bson::Null) => None,
        Some(_) => Some(
            DateTime::from_timestamp_millis(fields.integer("lastUsedAt")?)
                .ok_or_else(|| fields.corrupt("lastUsedAt"))?,
        ),
    };
    Ok(StoredPasskey {
        id: fields.domain("_id", PasskeyId::parse)?,
        user_id: fields.domain("userId", UserId::parse)?,
        name: fields.domain("name", PasskeyName::from_stored)?,
        credential_id: fields.string("credentialId")?.to_owned(),
        credential: fields.string("credential")?.to_owned(),
        created_at: fields.instant("createdAt")?,
        last_used_at,
    })
}

impl MongoStore {
    async fn count_passkey(&self, user_id: UserId, by: i64, effects: &Effects) -> StoreResult<()> {
        self.update_with_audit(
            &self.users,
            doc! {"_id": object_id(user_id.bytes())},
            doc! {"$inc": {"passkeyCount": by}},
            &effects.audit,
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl PasskeyStore for MongoStore {
    async fn put_passkey_ceremony(&self, ceremony: &PasskeyCeremony) -> StoreResult<()> {
        let key = ceremony.key.to_stored();
        self.passkey_ceremonies
            .replace_one(
                doc! {"_id": &key},
                doc! {
                    "_id": &key,
                    "state": &ceremony.state,
                    "expiresAt": date(ceremony.expires_at),
                },
            )
            .upsert(true)
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn take_passkey_ceremony(
        &self,
        key: &CeremonyKey,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PasskeyCeremony>> {
        let filter = doc! {"_id": key.to_stored()};
        let found = self
            .passkey_ceremonies
            .find_one(filter.clone())
            .await
            .map_err(classify)?;
        let Some(document) = found else {
            return Ok(None);
        };
        // Of two requests that read it, the one whose delete removes it
        // finishes the ceremony.
        let deleted = self
            .passkey_ceremonies
            .delete_one(filter)
            .await
            .map_err(classify)?;
        if deleted.deleted_count == 0 {
            return Ok(None);
        }
        let fields = Fields {
            document: &document,
            collection: "passkey_ceremonies",
        };
        let ceremony = PasskeyCeremony {
            key: key.clone(),
            state: fields.string("state")?.to_owned(),
            expires_at: fields.instant("expiresAt")?,
        };
        Ok(ceremony.usable_at(now).then_some(ceremony))
    }

    async fn insert_passkey(
        &self,
        passkey: &StoredPasskey,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        self.insert_account_mails(&effects.account_mails).await?;
        let document = with_audit(passkey_document(passkey), &effects.audit);
        match self.passkeys.insert_one(document).await {
            Ok(_) => {}
            Err(error) if is_duplicate_key(&error) => {
                self.discard_account_mails(&effects.account_mails).await;
                return Ok(false);
            }
            Err(error) => return Err(classify(error)),
        }
        self.count_passkey(passkey.user_id, 1, &Effects::default())
            .await?;
        self.end_other_sessions(passkey.user_id, keep).await?;
        Ok(true)
    }

    async fn passkeys_of(&self, user_id: UserId) -> StoreResult<Vec<StoredPasskey>> {
        let options = FindOptions::builder()
            .sort(doc! {"createdAt": 1, "_id": 1})
            .build();
        find_all(
            &self.passkeys,
            doc! {"userId": user_id.to_string()},
            options,
            passkey_from,
        )
        .await
    }

    async fn find_passkey(&self, credential_id: &str) -> StoreResult<Option<StoredPasskey>> {
        let document = self
            .passkeys
            .find_one(doc! {"credentialId": credential_id})
            .await
            .map_err(classify)?;
        document.as_ref().map(passkey_from).transpose()
    }

    async fn remove_passkey(
        &self,
        user_id: UserId,
        id: PasskeyId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let filter = doc! {"_id": id.to_string(), "userId": user_id.to_string()};
        // Entries still riding in the passkey's document go to the log
        // before it is deleted.
        self.move_audit_of(&self.passkeys, filter.clone()).await?;
        self.insert_account_mails(&effects.account_mails).await?;
        let deleted = self.passkeys.delete_one(filter).await.map_err(classify)?;
        if deleted.deleted_count == 0 {
            self.discard_account_mails(&effects.account_mails).await;
            return Ok(false);
        }
        self.count_passkey(user_id, -1, effects).await?;
        self.end_other_sessions(user_id, keep).await?;
        Ok(true)
    }

    async fn record_passkey_use(
        &self,
        passkey: &StoredPasskey,
        updated: Option<&str>,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let credential = updated.unwrap_or(&passkey.credential);
        let result = self
            .passkeys
            .update_one(
                doc! {"_id": passkey.id.to_string(), "credential": &passkey.credential},
                doc! {"$set": {"credential": credential, "lastUsedAt": at.timestamp_millis()}},
            )
            .await
            .map_err(classify)?;
        Ok(result.matched_count > 0)
    }
}
