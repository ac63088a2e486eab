//! Second factors as documents: the TOTP fields of a user document
//! (`totpSecret` in hex, `totpState` `pending` or `confirmed`,
//! `totpLastStep`, -1 until a code is accepted: a number the conditional
//! write compares), a `recovery_codes` document per unused code, and an
//! `mfa_challenges` document per login waiting for its code (removed by a
//! TTL index once expired).

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};

use super::documents::{Fields, date, object_id};
use super::sessions::{VALID, expire_update};
use super::{MongoStore, classify};
use crate::domain::{
    Effects, MfaChallenge, SessionId, ThrottleKey, TokenHash, TotpEnrollment, UserId,
};
use crate::store::{MfaStore, StoreError, StoreResult};

const PENDING: &str = "pending";
const CONFIRMED: &str = "confirmed";
/// `totpLastStep` before any code was accepted.
const NO_STEP: i64 = -1;

fn code_id(user_id: UserId, code: &TokenHash) -> String {
    format!("{user_id}:{}", code.as_str())
}

fn enrollment_from(user_id: UserId, document: &Document) -> StoreResult<Option<TotpEnrollment>> {
    let fields = Fields {
        document,
        collection: "users",
    };
    let Some(secret) = fields.optional_string("totpSecret")? else {
        return Ok(None);
    };
    let last_step = match document.get("totpLastStep") {
        None | Some(Bson::Null) => None,
        Some(_) => Some(fields.integer("totpLastStep")?).filter(|step| *step != NO_STEP),
    };
    Ok(Some(TotpEnrollment {
        user_id,
        sealed_secret: hex::decode(secret).map_err(|_| fields.corrupt("totpSecret"))?,
        confirmed: fields.optional_string("totpState")? == Some(CONFIRMED),
        last_step,
    }))
}

fn challenge_from(document: &Document) -> StoreResult<MfaChallenge> {
    let fields = Fields {
        document,
        collection: "mfa_challenges",
    };
    Ok(MfaChallenge {
        token_hash: TokenHash::from_hex(fields.string("_id")?.to_owned()),
        user_id: fields.domain("userId", UserId::parse)?,
        throttle: ThrottleKey::from_stored(fields.string("throttleKey")?.to_owned()),
        trust_device: fields.optional_string("trustDevice")? == Some("yes"),
        expires_at: fields.instant("expiresAt")?,
        failures: u32::try_from(fields.integer("failures")?)
            .map_err(|_| fields.corrupt("failures"))?,
    })
}

impl MongoStore {
    /// Expires every valid session of `user_id` but `keep`.
    pub(super) async fn end_other_sessions(
        &self,
        user_id: UserId,
        keep: SessionId,
    ) -> StoreResult<()> {
        self.sessions
            .update_many(
                doc! {
                    "userId": user_id.to_string(),
                    "status": VALID,
                    "_id": {"$ne": keep.to_string()},
                },
                expire_update(),
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn delete_recovery_codes(&self, user_id: UserId) -> StoreResult<()> {
        self.recovery_codes
            .delete_many(doc! {"userId": user_id.to_string()})
            .await
            .map_err(classify)?;
        Ok(())
    }
}

#[async_trait]
impl MfaStore for MongoStore {
    async fn find_totp(&self, user_id: UserId) -> StoreResult<Option<TotpEnrollment>> {
        let document = self
            .users
            .find_one(doc! {"_id": object_id(user_id.bytes())})
            .projection(doc! {"totpSecret": 1, "totpState": 1, "totpLastStep": 1})
            .await
            .map_err(classify)?;
        match document {
            Some(document) => enrollment_from(user_id, &document),
            None => Ok(None),
        }
    }

    async fn put_pending_totp(&self, user_id: UserId, sealed: &[u8]) -> StoreResult<bool> {
        let updated = self
            .users
            .update_one(
                doc! {
                    "_id": object_id(user_id.bytes()),
                    "$or": [
                        {"totpState": {"$exists": false}},
                        {"totpState": Bson::Null},
                        {"totpState": PENDING},
                    ],
                },
                doc! {"$set": {
                    "totpSecret": hex::encode(sealed),
                    "totpState": PENDING,
                    "totpLastStep": NO_STEP,
                }},
            )
            .await
            .map_err(classify)?;
        Ok(updated.matched_count > 0)
    }

    async fn confirm_totp(
        &self,
        user_id: UserId,
        step: i64,
        codes: &[TokenHash],
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        // The state moves first (of two racing confirmations one wins and
        // only its codes are written), then the codes, then the sessions.
        self.insert_account_mails(&effects.account_mails).await?;
        let confirmed = self
            .update_with_audit(
                &self.users,
                doc! {"_id": object_id(user_id.bytes()), "totpState": PENDING},
                doc! {"$set": {"totpState": CONFIRMED, "totpLastStep": step}},
                &effects.audit,
            )
            .await?;
        if !confirmed {
            self.discard_account_mails(&effects.account_mails).await;
            return Ok(false);
        }
        self.delete_recovery_codes(user_id).await?;
        let documents: Vec<Document> = codes
            .iter()
            .map(|code| doc! {"_id": code_id(user_id, code), "userId": user_id.to_string()})
            .collect();
        if !documents.is_empty() {
            self.recovery_codes
                .insert_many(documents)
                .await
                .map_err(classify)?;
        }
        self.end_other_sessions(user_id, keep).await?;
        Ok(true)
    }

    async fn remove_totp(
        &self,
        user_id: UserId,
        keep: SessionId,
        effects: &Effects,
    ) -> StoreResult<bool> {
        self.insert_account_mails(&effects.account_mails).await?;
        let removed = self
            .update_with_audit(
                &self.users,
                doc! {"_id": object_id(user_id.bytes()), "totpSecret": {"$type": "string"}},
                doc! {"$set": {
                    "totpSecret": Bson::Null,
                    "totpState": Bson::Null,
                    "totpLastStep": Bson::Null,
                }},
                &effects.audit,
            )
            .await?;
        if !removed {
            self.discard_account_mails(&effects.account_mails).await;
            return Ok(false);
        }
        self.delete_recovery_codes(user_id).await?;
        self.end_other_sessions(user_id, keep).await?;
        Ok(true)
    }

    async fn use_totp_step(&self, user_id: UserId, step: i64) -> StoreResult<bool> {
        let updated = self
            .users
            .update_one(
                doc! {
                    "_id": object_id(user_id.bytes()),
                    "totpState": CONFIRMED,
                    "totpLastStep": {"$lt": step},
                },
                doc! {"$set": {"totpLastStep": step}},
            )
            .await
            .map_err(classify)?;
        Ok(updated.modified_count > 0)
    }

    async fn use_recovery_code(&self, user_id: UserId, code: &TokenHash) -> StoreResult<bool> {
        let deleted = self
            .recovery_codes
            .delete_one(doc! {"_id": code_id(user_id, code)})
            .await
            .map_err(classify)?;
        Ok(deleted.deleted_count > 0)
    }

    async fn recovery_codes_left(&self, user_id: UserId) -> StoreResult<u32> {
        let count = self
            .recovery_codes
            .count_documents(doc! {"userId": user_id.to_string()})
            .await
            .map_err(classify)?;
        u32::try_from(count).map_err(|error| StoreError::Internal(error.into()))
    }

    async fn insert_challenge(&self, challenge: &MfaChallenge) -> StoreResult<()> {
        self.mfa_challenges
            .insert_one(doc! {
                "_id": challenge.token_hash.as_str(),
                "userId": challenge.user_id.to_string(),
                "throttleKey": challenge.throttle.as_str(),
                "trustDevice": if challenge.trust_device { "yes" } else { "no" },
                "expiresAt": date(challenge.expires_at),
                "failures": i64::from(challenge.failures),
            })
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn find_challenge(&self, token_hash: &TokenHash) -> StoreResult<Option<MfaChallenge>> {
        let document = self
            .mfa_challenges
            .find_one(doc! {"_id": token_hash.as_str()})
            .await
            .map_err(classify)?;
        document.as_ref().map(challenge_from).transpose()
    }

    async fn fail_challenge(&self, token_hash: &TokenHash) -> StoreResult<()> {
        let filter = doc! {"_id": token_hash.as_str()};
        self.mfa_challenges
            .update_one(filter.clone(), doc! {"$inc": {"failures": 1_i64}})
            .await
            .map_err(classify)?;
        let limit = i64::from(MfaChallenge::MAX_FAILURES);
        self.mfa_challenges
            .delete_one(doc! {"_id": token_hash.as_str(), "failures": {"$gte": limit}})
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn consume_challenge(&self, token_hash: &TokenHash) -> StoreResult<bool> {
        let deleted = self
            .mfa_challenges
            .delete_one(doc! {"_id": token_hash.as_str()})
            .await
            .map_err(classify)?;
        Ok(deleted.deleted_count > 0)
    }
}
