//! Consultants in MongoDB.

use async_trait::async_trait;
use mongodb::bson::doc;
use mongodb::options::FindOptions;

use super::audit::with_audit;
use super::documents::{consultant_document, consultant_from, object_id};
use super::sessions::{VALID, expire_update};
use super::{MongoStore, classify, find_all};
use crate::domain::{Consultant, ConsultantId, Effects, PasswordHash, User};
use crate::store::{ConsultantStore, StoreResult, UserStore};

#[async_trait]
impl ConsultantStore for MongoStore {
    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
        effects: &Effects,
    ) -> StoreResult<()> {
        self.insert_account_mails(&effects.account_mails).await?;
        let document = with_audit(consultant_document(consultant), &effects.audit);
        if let Err(error) = self.consultants.insert_one(document).await {
            self.discard_account_mails(&effects.account_mails).await;
            return Err(classify(error));
        }
        if let Some((user, hash)) = account
            && let Err(error) = self
                .insert_user(user, hash, None, &Effects::default())
                .await
        {
            self.consultants
                .delete_one(doc! {"_id": object_id(consultant.id.bytes())})
                .await
                .ok();
            self.discard_account_mails(&effects.account_mails).await;
            return Err(error);
        }
        Ok(())
    }

    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>> {
        let options = FindOptions::builder()
            .sort(doc! {"name": 1, "_id": 1})
            .build();
        find_all(&self.consultants, doc! {}, options, consultant_from).await
    }

    async fn find_consultant(&self, id: ConsultantId) -> StoreResult<Option<Consultant>> {
        let found = self
            .consultants
            .find_one(doc! {"_id": object_id(id.bytes())})
            .await
            .map_err(classify)?;
        found.as_ref().map(consultant_from).transpose()
    }

    async fn update_profile(
        &self,
        consultant: &Consultant,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let profile = doc! {"$set": {
            "name": consultant.name.as_str(),
            "specialties": &consultant.specialties,
            "languages": &consultant.languages,
            "modes": consultant.modes.iter().map(|mode| mode.as_str()).collect::<Vec<_>>(),
            "bio": consultant.bio.as_str(),
        }};
        let filter = doc! {"_id": object_id(consultant.id.bytes())};
        if !self
            .update_with_audit(&self.consultants, filter, profile, &effects.audit)
            .await?
        {
            return Ok(false);
        }
        // The account shows the consultant's name.
        self.users
            .update_one(
                doc! {"consultantId": consultant.id.to_string()},
                doc! {"$set": {"name": consultant.name.as_str()}},
            )
            .await
            .map_err(classify)?;
        Ok(true)
    }

    async fn set_consultant_active(
        &self,
        consultant: ConsultantId,
        active: bool,
        effects: &Effects,
    ) -> StoreResult<bool> {
        // The account first, with the entries: once the profile says
        // "deactivated", nobody can still log in to it, and the log never
        // lacks a change that landed (a retry finishes what a crash left).
        let account = self.find_consultant_account(consultant).await?;
        let mut audit = effects.audit.as_slice();
        if let Some(account) = &account {
            let filter = doc! {"_id": object_id(account.id.bytes())};
            let update = doc! {"$set": {"active": active}};
            self.update_with_audit(&self.users, filter, update, audit)
                .await?;
            audit = &[];
            if !active {
                self.sessions
                    .update_many(
                        doc! {"userId": account.id.to_string(), "status": VALID},
                        expire_update(),
                    )
                    .await
                    .map_err(classify)?;
                self.turn_off_feed_of(account, effects).await?;
            }
        }
        self.update_with_audit(
            &self.consultants,
            doc! {"_id": object_id(consultant.bytes())},
            doc! {"$set": {"active": active}},
            audit,
        )
        .await
    }
}
