//! Consultants in MongoDB.

use async_trait::async_trait;
use mongodb::bson::doc;
use mongodb::options::FindOptions;

use super::documents::{consultant_document, consultant_from, object_id};
use super::{MongoStore, classify, find_all};
use crate::domain::{Consultant, ConsultantId, PasswordHash, User};
use crate::store::{ConsultantStore, StoreResult, UserStore};

#[async_trait]
impl ConsultantStore for MongoStore {
    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
    ) -> StoreResult<()> {
        self.consultants
            .insert_one(consultant_document(consultant))
            .await
            .map_err(classify)?;
        if let Some((user, hash)) = account
            && let Err(error) = self.insert_user(user, hash, None, None).await
        {
            self.consultants
                .delete_one(doc! {"_id": object_id(consultant.id.bytes())})
                .await
                .ok();
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
}
