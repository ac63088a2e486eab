//! Account tokens in MongoDB: one document per token, keyed by its hash
//! (`_id`); a TTL index removes expired ones.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::doc;

use super::documents::{Fields, date};
use super::{MongoStore, classify};
use crate::domain::{CredentialsStamp, IssuedToken, TokenHash, TokenPurpose, UserId};
use crate::store::{AccountTokenStore, StoreResult};

#[async_trait]
impl AccountTokenStore for MongoStore {
    async fn insert_account_token(&self, token: &IssuedToken) -> StoreResult<()> {
        let user = token.user_id.to_string();
        if token.purpose.supersedes_older() {
            self.account_tokens
                .delete_many(doc! {"userId": &user, "purpose": token.purpose.as_str()})
                .await
                .map_err(classify)?;
        }
        self.account_tokens
            .insert_one(doc! {
                "_id": token.token_hash.as_str(),
                "userId": user,
                "purpose": token.purpose.as_str(),
                "expiresAt": date(token.expires_at),
                "credentialsStamp": token.credentials.to_stored(),
            })
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn consume_account_token(
        &self,
        token_hash: &TokenHash,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IssuedToken>> {
        let usable = doc! {
            "_id": token_hash.as_str(),
            "purpose": purpose.as_str(),
            "expiresAt": {"$gt": date(now)},
        };
        let Some(document) = self
            .account_tokens
            .find_one(usable.clone())
            .await
            .map_err(classify)?
        else {
            return Ok(None);
        };
        let fields = Fields {
            document: &document,
            collection: "account_tokens",
        };
        let issued = IssuedToken {
            token_hash: token_hash.clone(),
            user_id: fields.domain("userId", UserId::parse)?,
            purpose,
            expires_at: fields.instant("expiresAt")?,
            // Tokens stored before stamps existed carry none.
            credentials: match fields.optional_string("credentialsStamp")? {
                Some(text) => CredentialsStamp::from_stored(text)
                    .ok_or_else(|| fields.corrupt("credentialsStamp"))?,
                None => CredentialsStamp::initial(),
            },
        };
        // The delete is the use: of two concurrent confirms, one deletes.
        let deleted = self
            .account_tokens
            .delete_one(usable)
            .await
            .map_err(classify)?;
        Ok((deleted.deleted_count == 1).then_some(issued))
    }
}
