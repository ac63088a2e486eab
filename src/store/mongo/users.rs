//! Accounts in MongoDB.

use async_trait::async_trait;
use mongodb::bson::doc;

use super::audit::with_effects;
use super::documents::{object_id, password_hash_from, user_document, user_from};
use super::privacy::{CONSENTS, consent_document};
use super::sessions::{VALID, expire_update};
use super::{MongoStore, classify, find_all, unique_violation};
use crate::domain::{
    AccountMessage, ConsultantId, CredentialsStamp, Effects, Email, PasswordHash, Session,
    TokenPurpose, User, UserId,
};
use crate::store::{Credentials, OutboxStore, SessionStore, StoreError, StoreResult, UserStore};

impl MongoStore {
    /// Deletes `user`'s outstanding reset tokens and the reset mails to
    /// them not sent yet.
    async fn end_recovery_of(&self, user: &User) -> StoreResult<()> {
        let reset = TokenPurpose::PasswordReset.as_str();
        self.account_tokens
            .delete_many(doc! {"userId": user.id.to_string(), "purpose": reset})
            .await
            .map_err(classify)?;
        self.outbox
            .delete_many(doc! {"kind": reset, "account": user.email.as_str(), "state": "pending"})
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Turns off the calendar feed of the consultant `user` speaks for, if
    /// one is on, with `effects.when_feed_revoked` in the same write.
    pub(super) async fn turn_off_feed_of(&self, user: &User, effects: &Effects) -> StoreResult<()> {
        let Some(consultant) = user.role.consultant_id() else {
            return Ok(());
        };
        self.update_with_audit(
            &self.consultants,
            doc! {"_id": object_id(consultant.bytes()), "calendarFeedHash": {"$exists": true}},
            doc! {"$unset": {"calendarFeedHash": "", "calendarFeedCreatedAt": ""}},
            &effects.when_feed_revoked,
        )
        .await?;
        Ok(())
    }

    /// Queues account mails (first: once the change they belong to exists,
    /// its mail is stored; a mail for a change that never lands is dropped
    /// by the dispatcher).
    pub(super) async fn insert_account_mails(&self, mails: &[AccountMessage]) -> StoreResult<()> {
        for mail in mails {
            self.insert_account_message(mail).await?;
        }
        Ok(())
    }

    /// Withdraws account mails queued for a change that failed.
    pub(super) async fn discard_account_mails(&self, mails: &[AccountMessage]) {
        for mail in mails {
            self.outbox
                .delete_one(doc! {"_id": mail.id.as_str()})
                .await
                .ok();
        }
    }
}

#[async_trait]
impl UserStore for MongoStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &PasswordHash,
        first_session: Option<&Session>,
        effects: &Effects,
    ) -> StoreResult<()> {
        self.insert_account_mails(&effects.account_mails).await?;
        let discard_mail = || self.discard_account_mails(&effects.account_mails);
        let mut document = user_document(user, password_hash);
        if let Some(consent) = &effects.consent {
            document.insert(CONSENTS, vec![consent_document(consent)]);
        }
        let document = with_effects(document, effects);
        if let Err(error) = self.users.insert_one(document).await {
            discard_mail().await;
            return Err(unique_violation(StoreError::EmailTaken)(error));
        }
        if let Some(session) = first_session
            && let Err(error) = self.insert_session(session, &Effects::default()).await
        {
            // Without its session the registration failed: undo it so the
            // client can simply retry.
            self.users
                .delete_one(doc! {"_id": object_id(user.id.bytes())})
                .await
                .ok();
            discard_mail().await;
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

    async fn find_user(&self, user_id: UserId) -> StoreResult<Option<User>> {
        let found = self
            .users
            .find_one(doc! {"_id": object_id(user_id.bytes())})
            .projection(doc! {"passwordHash": 0})
            .await
            .map_err(classify)?;
        found.as_ref().map(user_from).transpose()
    }

    async fn list_admins(&self) -> StoreResult<Vec<User>> {
        let options = mongodb::options::FindOptions::builder()
            .projection(doc! {"passwordHash": 0})
            .sort(doc! {"_id": 1})
            .build();
        let admins = find_all(&self.users, doc! {"role": "admin"}, options, user_from).await?;
        Ok(admins.into_iter().filter(|admin| admin.active).collect())
    }

    async fn find_consultant_account(&self, consultant: ConsultantId) -> StoreResult<Option<User>> {
        let found = self
            .users
            .find_one(doc! {"consultantId": consultant.to_string()})
            .projection(doc! {"passwordHash": 0})
            .await
            .map_err(classify)?;
        found.as_ref().map(user_from).transpose()
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
        stamp: CredentialsStamp,
        new_session: Option<&Session>,
        effects: &Effects,
    ) -> StoreResult<u64> {
        // Order matters if a step fails: what the old password opened
        // first, then the new hash (with the change's entries), then every
        // session out, then the new session in. A failure part-way logs
        // the user out everywhere, never leaves an old session, reset link
        // or feed working. The owner's notice is queued first, withdrawn
        // if the new hash does not land.
        if let Some(user) = self.find_user(user_id).await? {
            self.end_recovery_of(&user).await?;
            self.turn_off_feed_of(&user, effects).await?;
        }
        self.insert_account_mails(&effects.account_mails).await?;
        let changed = self
            .update_with_audit(
                &self.users,
                doc! {"_id": object_id(user_id.bytes())},
                doc! {"$set": {
                    "passwordHash": password_hash.as_str(),
                    "credentialsStamp": stamp.to_stored(),
                }},
                &effects.audit,
            )
            .await;
        if !matches!(changed, Ok(true)) {
            self.discard_account_mails(&effects.account_mails).await;
        }
        changed?;
        let expired = self
            .sessions
            .update_many(
                doc! {"userId": user_id.to_string(), "status": VALID},
                expire_update(),
            )
            .await
            .map_err(classify)?;
        if let Some(session) = new_session {
            self.insert_session(session, &Effects::default()).await?;
        }
        Ok(expired.modified_count)
    }

    async fn mark_email_verified(&self, user_id: UserId) -> StoreResult<Option<User>> {
        self.users
            .update_one(
                doc! {"_id": object_id(user_id.bytes())},
                doc! {"$set": {"emailVerified": true}},
            )
            .await
            .map_err(classify)?;
        self.find_user(user_id).await
    }

    async fn update_user(&self, user: &User) -> StoreResult<bool> {
        let changes = doc! {
            "name": user.name.as_str(),
            "locale": user.locale.as_str(),
            "timezone": user.timezone.map(|zone| zone.name()),
        };
        let updated = self
            .users
            .update_one(
                doc! {"_id": object_id(user.id.bytes())},
                doc! {"$set": changes},
            )
            .await
            .map_err(classify)?;
        Ok(updated.matched_count > 0)
    }
}
